"""The Report of Use's ASCII text: the quick path for plain text and the memo give what the
character-by-character conversion gives, and remember every change."""

from __future__ import annotations

from anyascii import anyascii

from radiod.reports.soundexchange import RESERVED, _Ascii

SAMPLES = ["Harbour Lights", "", "Björk", "Кино", "AC^DC", "A|B", "tab\there", "line\r\nbreak", "bell\x07",
           "del\x7f", "Zoë & Ñandú", "  spaced  ", "~!@#$%&*()_+{}[]:;'<>,.?/\\\"`", "Sigur Rós", "日本"]


def by_character(text: str) -> str:
    out = "".join(RESERVED.get(c, c) for c in anyascii(text or ""))
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in out)


def test_every_text_converts_as_character_by_character_and_changes_are_remembered_once() -> None:
    text = _Ascii()
    for _ in range(2):                                      # the second round comes from the memo
        for sample in SAMPLES:
            assert text(sample) == by_character(sample), sample
    changed = {s: by_character(s) for s in SAMPLES if by_character(s) != s}
    assert text.changed == changed
    assert list(text.changed) == [s for s in SAMPLES if s in changed]      # first seen order
    assert text("Harbour Lights") == "Harbour Lights" and "Harbour Lights" not in text.changed
    assert text.changed["AC^DC"] == "AC'DC" and text.changed["A|B"] == "A/B" and text.changed["del\x7f"] == "del?"
