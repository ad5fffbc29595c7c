"""The use cases the daemon, the CLI and the panel share: each lives here once."""

from radiod.app.artists import artist_listing
from radiod.app.checks import account_names, library_for_checks
from radiod.app.reports import FORMATS, MODULES, read_report_rows

__all__ = ["FORMATS", "MODULES", "account_names", "artist_listing", "library_for_checks", "read_report_rows"]
