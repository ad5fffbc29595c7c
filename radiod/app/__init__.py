"""The use cases the daemon, the CLI and the panel share: each lives here once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from radiod.faces import lazy_face

if TYPE_CHECKING:
    from radiod.app.artists import artist_listing
    from radiod.app.checks import account_names, library_for_checks
    from radiod.app.daylogs import DayLogs, day_as_it_airs, load_log, save_log
    from radiod.app.fallback import emergency_files, runtime_fallback
    from radiod.app.ledger import artist_ledger
    from radiod.app.planning import Planner, readonly_planner
    from radiod.app.reports import FORMATS, REGISTRY, ReportOptions, local_rules, make_report, report_format
    from radiod.app.show_ids import fill_play_show_ids

__all__ = [
    "account_names", "artist_ledger", "artist_listing", "day_as_it_airs", "DayLogs", "emergency_files",
    "fill_play_show_ids", "FORMATS", "library_for_checks", "load_log", "local_rules", "make_report",
    "Planner", "readonly_planner", "REGISTRY", "report_format", "ReportOptions", "runtime_fallback",
    "save_log",
]

# Imported on first use: the panel asks for a report or a preview and must not load the engine
# that `radiod simulate` (radiod.app.simulate, imported by its module name) drives.
__getattr__ = lazy_face(__name__, {
    "artist_listing": "artists",
    "account_names": "checks", "library_for_checks": "checks",
    "DayLogs": "daylogs", "day_as_it_airs": "daylogs", "load_log": "daylogs", "save_log": "daylogs",
    "emergency_files": "fallback", "runtime_fallback": "fallback",
    "artist_ledger": "ledger",
    "Planner": "planning", "readonly_planner": "planning",
    "FORMATS": "reports", "REGISTRY": "reports", "ReportOptions": "reports", "local_rules": "reports",
    "make_report": "reports", "report_format": "reports",
    "fill_play_show_ids": "show_ids",
})
