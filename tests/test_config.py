"""radiod.toml loading: defaults, every problem at once, did-you-mean, environment overrides."""

from pathlib import Path

import pytest

from radiod.cli import main
from radiod.config import describe, load_config
from radiod.errors import ConfigError


def write(station: Path, text: str) -> Path:
    (station / "radiod.toml").write_text(text, encoding="utf-8")
    return station


def test_defaults_without_a_file(tmp_path):
    config = load_config(tmp_path, env={})
    assert config.station.timezone == "UTC"
    assert config.paths.database == tmp_path / "radiod.db"
    assert config.paths.media == [tmp_path / "media"]
    assert config.playout.engine == "vlc"


def test_relative_paths_are_anchored_to_the_station(tmp_path):
    write(tmp_path, '[paths]\nmedia = ["music", "/abs/elsewhere"]\ndatabase = "db/x.db"\n')
    config = load_config(tmp_path, env={})
    assert config.paths.media == [tmp_path / "music", Path("/abs/elsewhere")]
    assert config.paths.database == tmp_path / "db" / "x.db"


def test_every_problem_reported_at_once_with_file_and_key(tmp_path):
    write(tmp_path, '[station]\nnmae = "x"\ntimezone = "Mars/Olympus"\n'
                    '[playout]\nengine = "winamp"\nfade_out_ms = 1.5\n[webb]\nport = 1\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={})
    problems = err.value.problems
    label = str(tmp_path / "radiod.toml")
    assert f"{label}: station.nmae: unknown key (did you mean 'name'?)" in problems
    assert f"{label}: webb: unknown section (did you mean 'web'?)" in problems
    assert f"{label}: playout.engine: must be one of vlc, liquidsoap, got 'winamp'" in problems
    assert f"{label}: playout.fade_out_ms: expected a whole number, got 1.5" in problems
    assert f"{label}: station.timezone: unknown timezone 'Mars/Olympus'" in problems
    assert len(problems) == 5


def test_toml_syntax_error_names_the_file_and_line(tmp_path):
    write(tmp_path, '[station]\nname = "unterminated\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={})
    assert str(tmp_path / "radiod.toml") in err.value.problems[0]
    assert "line 2" in err.value.problems[0]


def test_environment_overrides_file_values(tmp_path):
    write(tmp_path, "[web]\nport = 8080\n")
    config = load_config(tmp_path, env={"RADIOD_WEB_PORT": "9001", "RADIOD_STATION_NAME": "Night FM",
                                        "RADIOD_PLAYOUT_HIDE_NEXT": "true"})
    assert config.web.port == 9001
    assert config.station.name == "Night FM"
    assert config.playout.hide_next is True


def test_unknown_environment_setting_is_reported(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={"RADIOD_WEB_PROT": "1", "RADIOD_WEB_PORT": "x"})
    assert "environment: RADIOD_WEB_PROT: unknown key (did you mean 'port'?)" in err.value.problems
    assert "environment: RADIOD_WEB_PORT: expected a whole number, got 'x'" in err.value.problems


def test_missing_station_directory(tmp_path):
    with pytest.raises(ConfigError, match="station directory does not exist"):
        load_config(tmp_path / "nope", env={})


def test_describe_masks_secrets(tmp_path):
    write(tmp_path, '[web]\nsecret_key = "hunter2"\n[liquidsoap]\nicecast_password = "s3cret"\n')
    text = describe(load_config(tmp_path, env={}))
    assert "hunter2" not in text and "s3cret" not in text
    assert 'secret_key = "********"' in text


def test_config_command_prints_problems_as_one_line_each(tmp_path, capsys):
    write(tmp_path, "[playout]\nengine = 3\nfoo = 1\n")
    with pytest.raises(SystemExit) as exit_:
        main(["--station", str(tmp_path), "config"])
    assert exit_.value.code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"{tmp_path / 'radiod.toml'}: playout.engine: expected a string, got 3",
        f"{tmp_path / 'radiod.toml'}: playout.foo: unknown key",
    ]
    assert "Traceback" not in capsys.readouterr().err


def test_config_command_prints_effective_configuration(tmp_path, capsys):
    write(tmp_path, '[station]\nname = "Harbour Radio"\n')
    with pytest.raises(SystemExit) as exit_:
        main(["--station", str(tmp_path), "config"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert 'name = "Harbour Radio"' in out
    assert f'database = "{tmp_path / "radiod.db"}"' in out


def test_every_setting_is_documented():
    import dataclasses

    from radiod.config import SECTIONS

    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    for section, cls in SECTIONS.items():
        assert f"## [{section}]" in doc
        for f in dataclasses.fields(cls):
            assert f"| `{f.name}` |" in doc, f"{section}.{f.name} missing from docs/configuration.md"
