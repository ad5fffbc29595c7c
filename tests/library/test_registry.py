"""The artist registry file: lookups and located errors."""

from __future__ import annotations

import pytest

from radiod.errors import ScheduleError
from radiod.library.registry import load_registry, parse_registry

GOOD = """\
# Artists the station knows about.
[[artist]]
name = "The Quiet Harbours"
local = true
city = "Halifax"
region = "NS"
country = "ca"
aliases = ["Quiet Harbours", "TQH"]
society = "SOCAN"
notes = "Direct licence for webcasts"

[[artist]]
name = "Beyoncé"
local = false
country = "US"
"""


def test_lookup_by_name_alias_case_and_accents():
    registry = parse_registry(GOOD)
    harbours = registry.get("quiet harbours")
    assert harbours is not None and harbours.local and harbours.city == "Halifax"
    assert harbours.country == "CA" and harbours.society == "SOCAN"
    assert registry.get("TQH") is harbours and registry.get("THE QUIET HARBOURS") is harbours
    assert registry.get("BEYONCE").name == "Beyoncé"
    assert registry.is_local("tqh") and not registry.is_local("Beyonce") and not registry.is_local("Nobody")
    assert "Nobody" not in registry and len(registry) == 2


def test_missing_file_is_an_empty_registry(tmp_path):
    registry = load_registry(tmp_path / "artists.toml")
    assert len(registry) == 0 and registry.get("anyone") is None


def test_every_problem_is_reported_with_its_place(tmp_path):
    path = tmp_path / "artists.toml"
    path.write_text(GOOD + """
[[artist]]
name = "Bo"
local = "yes"
cty = "Moncton"
country = "Canada"

[[artist]]
local = true

[[artist]]
name = "quiet harbours"

[artists]
x = 1
""", encoding="utf-8")
    with pytest.raises(ScheduleError) as exc:
        load_registry(path)
    assert exc.value.problems == [
        f"{path}: artists: unknown key (did you mean 'artist'?); each artist is an [[artist]] table",
        f"{path}:17: artist[3].cty: unknown key (did you mean 'city'?)",
        f"{path}:17: artist[3].local: expected true or false, got 'yes'",
        f"{path}:17: artist[3].country: expected a two-letter country code (e.g. CA), got 'Canada'",
        f"{path}:23: artist[4].name: missing",
        f"{path}:26: artist[5]: 'quiet harbours' is already listed as artist[1] (The Quiet Harbours)",
    ]


def test_toml_syntax_error_has_a_line_number(tmp_path):
    path = tmp_path / "artists.toml"
    path.write_text('[[artist]]\nname = "Bo"\nlocal = tru\n', encoding="utf-8")
    with pytest.raises(ScheduleError) as exc:
        load_registry(path)
    (problem,) = exc.value.problems
    assert problem.startswith(f"{path}:3: ")


def test_wrong_types(tmp_path):
    with pytest.raises(ScheduleError) as exc:
        parse_registry('[[artist]]\nname = 5\naliases = [1]\nnotes = 3\n', "a.toml")
    assert exc.value.problems == [
        "a.toml:1: artist[1].name: expected a non-empty string, got 5",
        "a.toml:1: artist[1].aliases: expected a list of names, got [1]",
        "a.toml:1: artist[1].notes: expected a string, got 3",
    ]


def test_not_utf8(tmp_path):
    path = tmp_path / "artists.toml"
    path.write_bytes(b'[[artist]]\nname = "Bj\xf6rk"\n')
    with pytest.raises(ScheduleError, match="not UTF-8"):
        load_registry(path)


def test_a_registered_credit_is_not_split():
    registry = parse_registry('[[artist]]\nname = "Earth, Wind & Fire"\nlocal = true\n'
                              '[[artist]]\nname = "The The Band"\n')
    assert registry.credit_keys("Earth, Wind & Fire", ("earth", "wind", "fire")) == ("earth wind fire",)
    assert registry.credit_keys("Earth & Bo", ("earth", "bo")) == ("earth", "bo")
    assert registry.credit_keys("", ()) == ()
    key = registry.artists[1].key
    assert registry.get(key).name == "The The Band" and registry.get("THE THE BAND").name == "The The Band"
