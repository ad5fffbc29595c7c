"""docs/reliability.md names the test that holds each fault: every one it names must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`((?:tests/[\w/]+\.py)|…)(?:::(\w+))?`")


def named_tests() -> list[tuple[str, str | None]]:
    """(file, test or None) for each reference; '…::name' and '::name' mean the file named last"""
    found, last = [], None
    for line in (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            continue
        cell = line.rstrip("|").rsplit("|", 1)[-1]
        for path, name in REFERENCE.findall(cell):
            path = last if path == "…" else path
            last = path
            found.append((path, name or None))
        for short, name in re.findall(r"`(test_\w+\.py)::(\w+)`", cell):
            match = next((ROOT / "tests").rglob(short))
            last = str(match.relative_to(ROOT))
            found.append((last, name))
        for name in re.findall(r"`::(\w+)`", cell):
            found.append((last, name))
    return found


def test_every_test_the_fault_table_names_exists():
    refs = named_tests()
    assert len(refs) >= 40
    for path, name in refs:
        assert path is not None and (ROOT / path).is_file(), f"docs/reliability.md names a missing file {path}"
        if name:
            source = (ROOT / path).read_text(encoding="utf-8")
            assert re.search(rf"^(async )?def {name}\(", source, re.M), f"{path} has no test {name}"
