"""Show facts in shows.toml: the image key, and the editor's round trip (pure: text in, text out)."""

from __future__ import annotations

import pytest

from radiod.errors import ScheduleError
from radiod.schedule import edit
from radiod.schedule.parse import as_image_name

SHOWS = '''# Our shows.
[show.morning]
title = "Morning Tide"   # as on air
kind = "live"
hosts = ["dj1"]

[show.late]
title = "Late"
kind = "live"
'''


@pytest.mark.parametrize("name", ["morning.png", "Night_Owl-2.JPG", "a.webp", "x.jpeg"])
def test_an_image_is_a_plain_file_name_of_an_image_type(name):
    assert as_image_name(name) == name


@pytest.mark.parametrize("name", ["../x.png", "images/x.png", ".hidden.png", "x.svg", "x.png.html", "", "a b.png"])
def test_anything_else_is_refused(name):
    with pytest.raises(ValueError, match="expected a file name in images/"):
        as_image_name(name)


def test_set_show_facts_changes_only_what_was_typed():
    after = edit.set_show_facts(SHOWS, "late", edit.ShowFacts(title="Late Night", description="Slow songs.",
                                                             hosts="dj1; dj2", image="late.png"))
    assert after.startswith(SHOWS.split("[show.late]")[0])            # the other show, comments and all
    assert after.endswith('[show.late]\ntitle = "Late Night"\nkind = "live"\ndescription = "Slow songs."\n'
                          'hosts = ["dj1", "dj2"]\nimage = "late.png"\n')
    assert edit.show_facts(after)["late"] == edit.ShowFacts("Late Night", "Slow songs.", "dj1, dj2", "late.png")
    back = edit.set_show_facts(after, "late", edit.ShowFacts(title="Late"))
    assert back == SHOWS                                             # emptied facts are removed again
    kept = edit.set_show_facts(SHOWS, "morning", edit.ShowFacts(title="Morning Tide", hosts="dj1"))
    assert kept == SHOWS and '"Morning Tide"   # as on air' in kept


def test_an_unknown_show_or_broken_toml_is_one_line():
    with pytest.raises(ScheduleError, match=r"shows.toml: show.nope: no such show"):
        edit.set_show_facts(SHOWS, "nope", edit.ShowFacts(title="x"))
    with pytest.raises(ScheduleError, match=r"^shows.toml: "):
        edit.show_facts("[show.a\n")
