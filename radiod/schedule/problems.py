"""A check's finding, located: it reads as its English line (what ``radiod check`` and the logs
print), and carries its message and values apart so the panel can show it in the reader's language.
"""

from __future__ import annotations

from typing import Union

Value = Union[str, int, float]


def N_(text: str) -> str:
    """Marks ``text`` for the panel's catalogues; it is translated where a person reads it."""
    return text


SUGGESTION = N_(" (did you mean '%(word)s'?)")


class Problem(str):
    """``where: message`` in English. ``template`` (with ``%(name)s`` fields) and ``args`` are the
    message apart from its location; ``suggestion`` is the closest known name to a mistyped one."""

    where: str
    template: str
    args: dict[str, Value]
    suggestion: str

    def __new__(cls, where: str, template: str, suggestion: str = "", **args: Value) -> "Problem":
        text = template % args + (SUGGESTION % {"word": suggestion} if suggestion else "")
        self = super().__new__(cls, f"{where}: {text}")
        self.where, self.template, self.args, self.suggestion = where, template, args, suggestion
        return self
