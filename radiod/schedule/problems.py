"""A check's finding, located: it reads as its English line (what ``radiod check`` and the logs
print), and carries its message and values apart so the panel can show it in the reader's language.
"""

from __future__ import annotations

from typing import Callable, Union

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
        self = super().__new__(cls, _line(where, template, suggestion, args, _as_is))
        self.where, self.template, self.args, self.suggestion = where, template, args, suggestion
        return self

    def line(self, translate: Callable[[str], str]) -> str:
        """The same line with its messages put through ``translate`` (a catalogue's gettext)."""
        return _line(self.where, self.template, self.suggestion, self.args, translate)


def _as_is(text: str) -> str:
    return text


def _line(where: str, template: str, suggestion: str, args: dict[str, Value],
          translate: Callable[[str], str]) -> str:
    text = translate(template) % args + (translate(SUGGESTION) % {"word": suggestion} if suggestion else "")
    return f"{where}: {text}"
