"""Royalty and compliance reports: pure functions over play rows and a period (no I/O, no clock)."""

from radiod.errors import RadiodError


class ReportError(RadiodError):
    """A report cannot be produced as asked (bad period, missing figures, metadata gaps)."""


# After ReportError: the report modules import it from here.
from radiod.reports import compliance, coverage, ledger, music_usage, plays, preflight, soundexchange, summary  # noqa: E402
from radiod.reports.ledger import artist_ledger  # noqa: E402
from radiod.reports.period import Period, hms, parse_period  # noqa: E402

__all__ = ["Period", "ReportError", "artist_ledger", "compliance", "coverage", "hms", "ledger", "music_usage", "parse_period",
           "plays", "preflight", "soundexchange", "summary"]
