"""The shape of the house, checked over every module of radiod and of the panel (radiod_web).

One table says which layer each module belongs to; imports point from a layer to itself or to a
layer below it, never up. Between packages there is no import cycle, counting the imports made
through importlib (the CLI's command table, the store's list of schemas). The pure core reads no
file, no database and no clock, and has no exemption list.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import tomllib
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
ROOT = REPO / "radiod"
PANEL = REPO / "web"      # installed as radiod_web

# Top to bottom. A module belongs to the layer of the longest prefix that names it (a prefix names
# a module and everything under it). Write a new module into this table once, where it belongs.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("cli", ("radiod.cli",)),
    ("roots", ("radiod.daemon", "radiod_web")),             # the two processes' wiring
    ("app", ("radiod.app",)),                               # use cases the roots share
    ("adapters", ("radiod.accounts", "radiod.bridge", "radiod.library", "radiod.playlog", "radiod.store",
                  "radiod.uploads", "radiod.tracklist_files", "radiod.private", "radiod.schedule_files", "radiod.schedule_history",
                  "radiod.playout.vlc_player", "radiod.playout.vlc_stream", "radiod.playout.mixer",
                  "radiod.playout.output", "radiod.playout.pcm_cache", "radiod.playout.recording",
                  "radiod.playout.cache_space", "radiod.playout.control", "radiod.playout.nowplaying",
                  "radiod.logger", "radiod.streams", "radiod.episodes",
                  "radiod.live", "radiod.playout.live_voice",
                  "radiod.webdj", "radiod.fingerprints")),
    ("engine", ("radiod.playout",)),                        # the engine, its player port, its fakes
    ("core", ("radiod.schedule", "radiod.reports", "radiod.library.model", "radiod.library.artists",
              "radiod.playlog.chain", "radiod.playlog.positions", "radiod.csvfile", "radiod.localtimes",
              "radiod.tracklists", "radiod.episodes.plan", "radiod.episodes.feed",
              "radiod.fingerprints.match")),
    ("base", ("radiod", "radiod.clock", "radiod.errors", "radiod.days", "radiod.tomltext", "radiod.config",
              "radiod.db")),                                # what every layer may use
)
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}

# What the pure core may not import: I/O, threads, processes, and every layer above it.
IMPURE = {"os", "shutil", "tempfile", "sqlite3", "subprocess", "socket", "threading", "urllib", "http",
          "vlc", "flask", "mutagen", "apscheduler", "fcntl", "signal", "radiod.db", "radiod.config"}
FILE_CALLS = {"read_text", "write_text", "read_bytes", "write_bytes", "exists", "is_file", "is_dir",
              "iterdir", "glob", "rglob", "mkdir", "unlink", "stat", "touch", "copytree", "fsync"}
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time"),
               ("time", "monotonic"), ("time", "monotonic_ns"), ("time", "time_ns")}
# Never reached from the panel, not even through a face.
PANEL_NEVER = ("radiod.playout.engine", "radiod.playout.vlc_player", "radiod.playout.vlc_stream", "radiod.daemon")
MODULE_TEXT = re.compile(r"^(radiod|radiod_web)(\.\w+)*(:\w+)?$")


def module_name(path: Path) -> str:
    if path.is_relative_to(PANEL):
        parts = ["radiod_web", *path.relative_to(PANEL).with_suffix("").parts]
    else:
        parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    found = {module_name(p): p for p in [*ROOT.rglob("*.py"), *PANEL.rglob("*.py")]}
    assert "radiod.daemon" in found and "radiod_web.server" in found
    return found


@cache
def tree(name: str) -> ast.Module:
    return ast.parse(modules()[name].read_text(encoding="utf-8"))


def is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _ours(target: str) -> str | None:
    """The module of ours an import names (``a.b.name`` → ``a.b`` when name is not a module)."""
    while target and target not in modules():
        target = target.rpartition(".")[0]
    return target or None


def _with_parents(name: str) -> set[str]:
    """Importing a.b.c runs a and a.b first."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & modules().keys()


def _type_checking_blocks(module: ast.Module) -> list[ast.If]:
    return [node for node in module.body if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
            and node.test.id == "TYPE_CHECKING"]


@cache
def lazy_homes(name: str) -> dict[str, str]:
    """For a face built with radiod.faces.lazy_face: each name it exports → the module it comes from
    (its ``if TYPE_CHECKING:`` imports); empty for any other module."""
    if name not in modules() or not is_package(name) or "lazy_face" not in modules()[name].read_text():
        return {}
    return {alias.name: node.module for block in _type_checking_blocks(tree(name)) for node in block.body
            if isinstance(node, ast.ImportFrom) and node.module for alias in node.names}


def raw_imports(name: str) -> set[str]:
    """Every module name an import statement of ``name`` mentions (in functions too)."""
    found: set[str] = set()
    uses_importlib = False
    # A lazy face imports nothing when it runs: its TYPE_CHECKING imports are for mypy only.
    skipped = {id(n) for block in _type_checking_blocks(tree(name)) for n in ast.walk(block)} \
        if lazy_homes(name) else set()
    for node in ast.walk(tree(name)):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            homes = lazy_homes(node.module)
            found.update(homes.get(alias.name, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Attribute) and node.attr == "import_module":
            uses_importlib = True
    if uses_importlib:
        # A module that imports by name: every module named in its text is one of its imports.
        for node in ast.walk(tree(name)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_TEXT.match(node.value):
                found.add(node.value.partition(":")[0])
    return found


@cache
def imports(name: str) -> frozenset[str]:
    """The modules of ours that importing ``name`` runs directly (itself excluded)."""
    ours: set[str] = set()
    for target in raw_imports(name):
        module = _ours(target)
        if module is not None:
            ours |= _with_parents(module)
    ours.discard(name)
    return frozenset(ours)


def layer(name: str) -> str:
    if lazy_homes(name):
        return "base"       # a lazy face runs nothing of its package: each name is imported where used
    best, best_len = "", -1
    for layer_name, prefixes in LAYERS:
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = layer_name, len(prefix)
    return best


def package(name: str) -> str:
    """The unit cycles are counted between: radiod.<x> (a package or a top-level module), radiod_web."""
    parts = name.split(".")
    return ".".join(parts[:2]) if parts[0] == "radiod" else parts[0]


def reachable(starts: set[str]) -> set[str]:
    seen, todo = set(starts), list(starts)
    while todo:
        for target in imports(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def pure_core() -> list[str]:
    return sorted(m for m in modules() if layer(m) == "core")


def test_every_module_has_a_layer():
    assert not [m for m in modules() if not layer(m)]


def test_layers_point_one_way():
    upward = [f"{m} ({layer(m)}) imports {t} ({layer(t)})"
              for m in sorted(modules()) for t in sorted(imports(m)) if RANK[layer(t)] < RANK[layer(m)]]
    assert not upward, "\n".join(upward)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for m in modules():
        targets = {package(t) for t in imports(m)} - {package(m)}
        graph.setdefault(package(m), set()).update(targets)
    return graph


def test_no_import_cycle_between_packages():
    cycles = _cycles(package_graph())
    assert not cycles, cycles


def test_the_cycle_check_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_imports_made_through_importlib_are_counted():
    assert "radiod.cli.playout" in imports("radiod.cli.main")       # the CLI's command table
    assert "radiod.playlog.schema" in imports("radiod.store")        # every component's schema


def test_nothing_imports_the_cli():
    bad = [f"{m} imports {t}" for m in modules() if package(m) != "radiod.cli"
           for t in imports(m) if package(t) == "radiod.cli"]
    assert not bad, bad


def test_only_the_cli_imports_click():
    bad = [m for m in modules() if package(m) != "radiod.cli"
           and any(t == "click" or t.startswith("click.") for t in raw_imports(m))]
    assert not bad, bad


def face(name: str) -> set[str]:
    """The names a package's __init__.py lists in __all__."""
    for node in tree(name).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return set(ast.literal_eval(node.value))
    return set()


PACKAGES = sorted(m for m in modules() if is_package(m) and m != "radiod")


@pytest.mark.parametrize("name", PACKAGES)
def test_every_package_has_a_face(name):
    names = face(name)
    assert names, f"{name}/__init__.py declares no __all__"
    loaded = importlib.import_module(name)
    assert not [n for n in sorted(names) if not hasattr(loaded, n)], f"{name}.__all__ names what it lacks"
    homes = lazy_homes(name)
    if homes:
        assert set(homes) == names, f"{name}: its TYPE_CHECKING imports and __all__ differ"
        defined = {n: getattr(loaded, n) for n in names}
        assert {n: v.__module__ for n, v in defined.items() if inspect.isclass(v) or inspect.isfunction(v)} \
            == {n: homes[n] for n, v in defined.items() if inspect.isclass(v) or inspect.isfunction(v)}


def test_a_lazy_face_loads_nothing_it_names_until_asked():
    code = ("import sys, radiod.library.model, radiod.playlog.chain, radiod.playout.port; "
            "print(sorted(m for m in sys.modules if m in ('vlc', 'sqlite3', 'mutagen', 'radiod.library.scan')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.strip() == "[]"


def test_the_panel_imports_only_package_faces():
    bad = []
    for m in (m for m in modules() if package(m) == "radiod_web"):
        for node in ast.walk(tree(m)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("radiod."):
                owner = package(node.module)
                if owner in modules() and is_package(owner):
                    if node.module != owner:
                        bad.append(f"{m}: from {node.module} import … (not the face {owner})")
                    else:
                        bad += [f"{m}: {owner}.{a.name} is not in its __all__"
                                for a in node.names if a.name not in face(owner)]
            elif isinstance(node, ast.Import):
                bad += [f"{m}: import {a.name}" for a in node.names if a.name.startswith("radiod.")]
    assert not bad, "\n".join(bad)


def test_the_panel_never_reaches_the_engine_the_vlc_adapter_or_the_daemon():
    reached = reachable({m for m in modules() if package(m) == "radiod_web"})
    assert not [m for m in PANEL_NEVER if m in reached]
    assert "radiod.store" in reached                    # the walk does follow the panel's imports


def test_the_play_log_never_imports_the_reports():
    bad = [f"{m} imports {t}" for m in modules() if package(m) == "radiod.playlog"
           for t in imports(m) if package(t) == "radiod.reports"]
    assert not bad, bad


def test_the_pure_core_exists():
    core = pure_core()
    assert len(core) >= 20
    assert {"radiod.schedule.parse", "radiod.schedule.check", "radiod.schedule.edit"} <= set(core)


@pytest.mark.parametrize("name", pure_core())
def test_pure_module_imports_no_adapter(name):
    impure = {t for t in raw_imports(name) if any(t == i or t.startswith(i + ".") for i in IMPURE)}
    above = {t for t in imports(name) if RANK[layer(t)] < RANK["core"]}
    assert not impure | above, f"{name} imports {sorted(impure | above)}"


@pytest.mark.parametrize("name", pure_core())
def test_pure_module_reads_no_file(name):
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Call):
            called = node.func
            assert not (isinstance(called, ast.Name) and called.id == "open"), f"{name}:{node.lineno} opens a file"
            assert not (isinstance(called, ast.Attribute) and called.attr in FILE_CALLS), \
                f"{name}:{node.lineno} touches a file ({called.attr})"


@pytest.mark.parametrize("name", pure_core())
def test_pure_module_never_reads_the_clock(name):
    for node in ast.walk(tree(name)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            assert (node.value.id, node.attr) not in CLOCK_READS, f"{name}:{node.lineno} reads the clock"
        if isinstance(node, ast.Name):
            assert node.id != "SystemClock", f"{name}:{node.lineno} uses SystemClock"


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


def test_pyproject_names_every_package_folder():
    """A package folder missing from the explicit list would be missing from the wheel."""
    settings = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    folders = {module_name(p) for p in [*ROOT.rglob("__init__.py"), *PANEL.rglob("__init__.py")]}
    assert set(settings["packages"]) == folders
    assert settings["package-dir"] == {"radiod_web": "web"}
