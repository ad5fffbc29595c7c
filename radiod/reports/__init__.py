"""Royalty and compliance reports: pure functions over play rows and a period (no I/O, no clock)."""

from radiod.errors import RadiodError


class ReportError(RadiodError):
    """A report cannot be produced as asked (bad period, missing figures, metadata gaps)."""
