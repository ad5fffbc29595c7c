"""Every table behind its owner: SQL text appears only in a package's store modules, and a
package's SQL names only the tables that package creates.

- A package's store modules are ``radiod/<package>/store.py`` (its reads and writes) and
  ``radiod/<package>/schema.py`` (its migrations); ``radiod/store.py`` is the database itself
  (connections, transactions, the migration runner).
- The owner of a table is the package whose schema.py creates it.

The scan reads every string literal of radiod/ and web/ (f-strings by their fixed parts,
adjacent literals as one) except docstrings, so a query built anywhere else is found.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREES = ("radiod", "web")
# The database itself: connections, pragmas, transactions, the migration runner.
FRAMEWORK = ("radiod/store.py", "radiod/db.py")
# Store modules kept outside their package because the package is pure (no I/O at all).
OUTSIDE_STORES = {"radiod/schedule_history.py": "schedule"}
STORE_NAMES = ("store.py", "schema.py")

# Statement starts and clause pairs that only SQL has (upper case, as this code base writes SQL).
SQL = re.compile(
    r"\b(SELECT\b.+\bFROM|INSERT\s+(OR\s+\w+\s+)?INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|"
    r"UNIQUE\s+INDEX|TRIGGER|VIEW)|ALTER\s+TABLE|DROP\s+(TABLE|INDEX|TRIGGER|VIEW)|PRAGMA\s+\w+|"
    r"BEGIN\s+(IMMEDIATE|EXCLUSIVE|DEFERRED)|WHERE\s+\w+\s*(=|<|>|IS|IN)\b|ON\s+CONFLICT)", re.S)
TABLES = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE)\s+([a-z_][a-z0-9_]*)\b")
CREATED = re.compile(r"CREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)")
# Names after FROM/JOIN that are not tables of ours: SQLite's own and table-valued functions.
NOT_TABLES = {"sqlite_master", "json_each", "pragma_table_info", "excluded"}


def _python_files() -> list[Path]:
    return sorted(p for tree in TREES for p in (ROOT / tree).rglob("*.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal but docstrings; an f-string's fixed parts joined by '?'."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _docstrings(tree)
    inside_fstring = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                inside_fstring.add(id(v))
                parts.append(v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else " x ")
            found.append((node.lineno, "".join(parts)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip \
                and id(node) not in inside_fstring:
            found.append((node.lineno, node.value))
    return found


def sql_literals(path: Path) -> list[tuple[int, str]]:
    return sorted((line, text) for line, text in literals(path) if SQL.search(text))


def package_of(rel: str) -> str | None:
    """'radiod/playlog/store.py' → 'playlog'; None for anything that is not a package's store module."""
    if rel in OUTSIDE_STORES:
        return OUTSIDE_STORES[rel]
    parts = rel.split("/")
    if len(parts) == 3 and parts[0] == "radiod" and parts[2] in STORE_NAMES:
        return parts[1]
    return None


def owners() -> dict[str, str]:
    """{table: package that creates it}, from every package's schema.py."""
    owned: dict[str, str] = {}
    for schema in sorted((ROOT / "radiod").glob("*/schema.py")):
        for _, text in literals(schema):
            for table in CREATED.findall(text):
                owned.setdefault(table, schema.parent.name)
    return owned


def test_the_scan_finds_sql_and_leaves_prose_alone(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""SELECT is a word here, in a docstring."""\n'
                      'A = "SELECT id FROM plays WHERE seq IS NOT NULL"\n'
                      'B = f"SELECT {cols} FROM plays"\n'
                      'C = ("UPDATE users SET disabled = 1 "\n     "WHERE id = ?")\n'
                      'D = "Select the show from the list"\n'
                      'E = "DELETE FROM sessions"\n', encoding="utf-8")
    assert [line for line, _ in sql_literals(sample)] == [2, 3, 4, 7]


def test_no_sql_outside_a_packages_store_modules():
    outside = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        if rel in FRAMEWORK or package_of(rel):
            continue
        outside += [f"{rel}:{line}: {' '.join(text.split())[:90]}" for line, text in sql_literals(path)]
    assert not outside, "SQL outside a package's store.py/schema.py:\n" + "\n".join(outside)


def test_a_packages_sql_names_only_its_own_tables():
    owned = owners()
    assert {"plays", "tracks", "users", "schedule_changes"} <= set(owned)
    assert owned["schedule_changes"] == "schedule"
    foreign = []
    for path in _python_files():
        rel = path.relative_to(ROOT).as_posix()
        package = package_of(rel)
        if package is None:
            continue
        for line, text in sql_literals(path):
            for table in set(TABLES.findall(text)) - NOT_TABLES:
                if table in owned and owned[table] != package:
                    foreign.append(f"{rel}:{line}: {table} belongs to radiod.{owned[table]}")
                elif table not in owned and not text.lstrip().startswith(("CREATE", "DROP")):
                    foreign.append(f"{rel}:{line}: {table}: no package's schema creates this table")
    assert not foreign, "SQL on another package's tables:\n" + "\n".join(foreign)
