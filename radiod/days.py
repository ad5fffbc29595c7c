"""The range of days radiod plans, plays and reports (pure: no clock is read here)."""

from __future__ import annotations

from datetime import date

# The days radiod plans, plays and reports. A day's end, or the history looked back on before
# it, must stay inside datetime's years 1..9999 in every timezone; far years are refused as
# input instead of overflowing somewhere inside.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(9000, 12, 31)


def day_range_problem(day: date) -> str | None:
    """Why ``day`` cannot be planned, played or reported, or None when it can."""
    if FIRST_DAY <= day <= LAST_DAY:
        return None
    return f"{day.isoformat()} is outside the supported dates {FIRST_DAY} to {LAST_DAY}"
