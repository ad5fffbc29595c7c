"""The pure core (planning, rotation, reports) never imports an adapter and never reads the clock."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent / "radiod"
PURE = sorted(
    p for package in ("schedule", "reports") for p in (ROOT / package).glob("*.py")
    # The imperative shell around the package: reading files (parse, check), writing them (edit),
    # its table in the database (store).
    if p.name not in ("parse.py", "check.py", "edit.py", "store.py")
)
ADAPTERS = {"sqlite3", "vlc", "subprocess", "flask", "apscheduler", "socket", "mutagen", "threading",
            "radiod.store", "radiod.playout", "radiod.bridge", "radiod_web", "radiod.library.scan",
            "radiod.library.tags", "radiod.library.analyze"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
               ("time", "monotonic"), ("time", "monotonic_ns"), ("time", "time_ns")}


def imported_modules(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_pure_core_exists():
    assert len(PURE) >= 6


@pytest.mark.parametrize("path", PURE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_module_imports_no_adapter(path):
    modules = imported_modules(ast.parse(path.read_text(encoding="utf-8")))
    bad = {m for m in modules if any(m == a or m.startswith(a + ".") for a in ADAPTERS)}
    assert not bad, f"{path} imports adapters: {sorted(bad)}"


@pytest.mark.parametrize("path", PURE, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_pure_module_never_reads_the_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_READS, f"{path}:{node.lineno} reads the clock"
        if isinstance(node, ast.Name):
            assert node.id != "SystemClock", f"{path}:{node.lineno} uses SystemClock"


def test_only_system_clock_reads_the_wall_clock():
    """Outside radiod/clock.py, nothing in the daemon reads datetime.now()/utcnow()."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path.name == "clock.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow")
                    and isinstance(node.value, ast.Name) and node.value.id == "datetime"):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno}")
    assert not offenders, offenders
