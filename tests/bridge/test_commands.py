"""`radiod bridge script` and `radiod bridge check`."""

from __future__ import annotations

import pytest

from radiod.cli import main


def run(capsys, *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(list(args))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_script_masks_the_icecast_password(tmp_path, capsys):
    (tmp_path / "radiod.toml").write_text('[liquidsoap]\nicecast_host = "127.0.0.1"\nicecast_password = "topsecret"\n')
    code, out, _ = run(capsys, "-s", str(tmp_path), "bridge", "script")
    assert code == 0
    assert 'password="********"' in out and "topsecret" not in out
    code, out, _ = run(capsys, "-s", str(tmp_path), "bridge", "script", "--show-secrets")
    assert 'password="topsecret"' in out


def test_check_accepts_a_valid_station_and_locates_a_bad_mount(tmp_path, capsys):
    (tmp_path / "radiod.toml").write_text('[playout]\noutput = "none"\n[liquidsoap]\nhls = true\n')
    code, out, _ = run(capsys, "-s", str(tmp_path), "bridge", "check")
    assert code == 0 and "the station script is valid" in out
    (tmp_path / "radiod.toml").write_text('[liquidsoap]\nicecast_host = "127.0.0.1"\nicecast_mounts = ["a.wma"]\n')
    code, _, err = run(capsys, "-s", str(tmp_path), "bridge", "check")
    assert code == 1
    assert err.strip() == (f"{tmp_path}/radiod.toml: liquidsoap.icecast_mounts: 'a.wma' has no known format "
                           "(end it in .mp3, .ogg, .opus or .aac)")
