"""TOML text → dict for every file radiod reads, with nesting too deep for the parser located.

tomllib parses arrays and inline tables recursively: a few hundred levels (`x = [[[[…`) end in a
RecursionError with no position. It is turned into the TOMLDecodeError tomllib gives for any other
syntax error, "(at line N, column M)" included, so each reader reports it as a located line.
"""

from __future__ import annotations

import tomllib
from typing import Any


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads``; too deep a nesting raises TOMLDecodeError naming where it gets too deep."""
    try:
        return tomllib.loads(text)
    except RecursionError:
        pass
    where = _deepest(text)
    if where is None:
        raise tomllib.TOMLDecodeError("arrays or inline tables nested too deeply (at end of document)")
    line, column, depth = where
    raise tomllib.TOMLDecodeError(f"arrays or inline tables nested too deeply ({depth} levels) "
                                  f"(at line {line}, column {column})")


def _deepest(text: str) -> tuple[int, int, int] | None:
    """Line, column and depth of the deepest ``[``/``{`` outside strings and comments (None if none)."""
    best_at, best_depth = -1, 0
    depth, i, n = 0, 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch in "\"'":
            quote = text[i:i + 3] if text[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            while i < n and not text.startswith(quote, i):
                i += 2 if ch == '"' and text[i] == "\\" else 1
            i += len(quote)
            continue
        if ch in "[{":
            depth += 1
            if depth > best_depth:
                best_at, best_depth = i, depth
        elif ch in "]}":
            depth = max(0, depth - 1)
        i += 1
    if best_at < 0:
        return None
    return text.count("\n", 0, best_at) + 1, best_at - text.rfind("\n", 0, best_at), best_depth
