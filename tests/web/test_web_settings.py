"""The panel's request limits and upload quotas are checked when the configuration loads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from radiod.config import load_config
from radiod.errors import ConfigError

from panel_support import make_station


def test_out_of_range_limits_are_reported_together(tmp_path):
    root = make_station(tmp_path / "st", web="max_headers = 0\nheader_timeout_s = 0\nfeeds_per_address = -1\n"
                                             "upload_quota_mb = -5\nform_limit_kb = 4096\n")
    with pytest.raises(ConfigError) as caught:
        load_config(root, env={})
    label = root / "radiod.toml"
    assert sorted(caught.value.problems) == sorted([
        f"{label}: web.max_headers: must be between 10 and 1000, got 0",
        f"{label}: web.header_timeout_s: must be between 1 and 600, got 0",
        f"{label}: web.form_limit_kb: must be between 1 and 1024, got 4096",
        f"{label}: web.feeds_per_address: must be between 1 and 100000, got -1",
        f"{label}: web.upload_quota_mb: must be between 0 and 1073741824, got -5",
    ])


def test_radiod_config_says_it_in_one_line_per_problem(tmp_path):
    root = make_station(tmp_path / "st", web="connections_per_address = 0\n")
    radiod = Path(sys.executable).parent / "radiod"
    r = subprocess.run([str(radiod), "--station", str(root), "config"], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "web.connections_per_address: must be between 1 and 100000, got 0" in r.stderr
