"""The file output's rotation and expiry settings: checked on load, handed to the player."""

from pathlib import Path

import pytest

from radiod.cli import main
from radiod.clock import SystemClock
from radiod.config import load_config
from radiod.daemon import make_player
from radiod.playout.recording import Retention


def write(station: Path, text: str) -> Path:
    (station / "radiod.toml").write_text(text, encoding="utf-8")
    return station


def test_defaults_cut_hourly_and_keep_two_days_within_ten_gb(tmp_path):
    player = make_player(load_config(tmp_path, env={}), SystemClock())
    assert player.retention == Retention(segment_ms=3_600_000, keep_ms=2 * 86_400_000, keep_bytes=10 * 1000**3)


def test_settings_reach_the_player(tmp_path):
    write(tmp_path, "[playout]\nrecord_minutes = 15\nrecord_keep_days = 0.5\nrecord_keep_gb = 0\n")
    player = make_player(load_config(tmp_path, env={}), SystemClock())
    assert player.retention == Retention(segment_ms=900_000, keep_ms=43_200_000, keep_bytes=0)


@pytest.mark.parametrize("text, problem", [
    ("record_minutes = 0", "playout.record_minutes: must be between 1 and 1440, got 0"),
    ("record_minutes = 1441", "playout.record_minutes: must be between 1 and 1440, got 1441"),
    ("record_keep_days = -1", "playout.record_keep_days: must be between 0 and 36500, got -1.0"),
    ("record_keep_gb = nan", "playout.record_keep_gb: must be a finite number, got nan"),
    ("record_keep_gb = inf", "playout.record_keep_gb: must be a finite number, got inf"),
])
def test_out_of_range_values_are_one_line_each(tmp_path, capsys, text, problem):
    write(tmp_path, f"[playout]\n{text}\n")
    with pytest.raises(SystemExit) as exit_:
        main(["--station", str(tmp_path), "config"])
    assert exit_.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [f"{tmp_path / 'radiod.toml'}: {problem}"]
