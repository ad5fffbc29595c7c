"""Numbers and days from query strings, forms and URL paths: parsed strictly, range-checked, and
refused with one line saying which parameter and why (so hostile values are a 400, never a 500)."""

from __future__ import annotations

import re
from datetime import date
from typing import Mapping

from flask import Flask, abort
from werkzeug.routing import IntegerConverter

# Only ASCII digits: str.isdigit() and int() also take '²' or '٣', which then fail or surprise later.
_INT = re.compile(r"-?[0-9]{1,19}")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# Days a period may start or end on. The upper bound keeps "the local midnight after the last
# day" inside what datetime and SQLite can hold in every zone.
FIRST_DAY = date(1970, 1, 1)
LAST_DAY = date(9998, 12, 31)
SQLITE_MAX = 2**63 - 1
MAX_EPOCH_MS = 253_402_300_800_000          # 10000-01-01T00:00Z
_SHOWN = 40                                 # a hostile value is echoed only this far


class ParamError(ValueError):
    """A parameter's value is not what the route accepts; the message is one line."""


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def parse_int(text: str, name: str, *, lo: int, hi: int) -> int:
    """A base-10 integer lo..hi (ASCII digits, optional '-'); ParamError otherwise."""
    if not _INT.fullmatch(text) or not lo <= int(text) <= hi:
        raise ParamError(f"{name}: expected a whole number from {lo} to {hi}, got {_shown(text)}")
    return int(text)


def parse_day(text: str, name: str) -> date:
    """A day as YYYY-MM-DD between FIRST_DAY and LAST_DAY; ParamError otherwise."""
    try:
        day = date.fromisoformat(text) if _DAY.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None or not FIRST_DAY <= day <= LAST_DAY:
        raise ParamError(f"{name}: expected a day from {FIRST_DAY} to {LAST_DAY} as YYYY-MM-DD, "
                         f"got {_shown(text)}")
    return day


def int_arg(args: Mapping[str, str], name: str, default: int | None, *, lo: int, hi: int) -> int | None:
    """``args[name]`` as parse_int, ``default`` when absent or empty; aborts with 400 when wrong."""
    text = args.get(name, "")
    if text == "":
        return default
    try:
        return parse_int(text, name, lo=lo, hi=hi)
    except ParamError as exc:
        abort(400, description=str(exc))


class BoundedInt(IntegerConverter):
    """``<int:…>`` in a URL, no larger than SQLite holds: a longer number is no such page (404)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", SQLITE_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
