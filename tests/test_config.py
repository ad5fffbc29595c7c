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
    write(tmp_path, '[web]\nsecret_key = "hunter2-hunter2-hunter2"\n[liquidsoap]\nicecast_password = "s3cret"\n')
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


# -- every setting validated on load ------------------------------------------------------------

def _fields():
    import dataclasses
    import typing

    from radiod.config import SECTIONS

    for section, cls in SECTIONS.items():
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            yield section, f, hints[f.name]


def test_every_number_setting_has_a_range_and_every_rule_names_a_setting():
    from radiod.config import RULES, Range

    numbers = {f"{s}.{f.name}" for s, f, hint in _fields() if hint in (int, float)}
    ranged = {name for name, rule in RULES.items() if isinstance(rule, Range)}
    assert numbers - ranged == set(), "number settings without a range in radiod.config.RULES"
    assert set(RULES) <= {f"{s}.{f.name}" for s, f, _ in _fields()}, "a rule names no setting"


def _toml(value) -> str:
    import json

    return json.dumps(value)  # a JSON string is a TOML basic string, control characters escaped


def _range_cases():
    from radiod.config import RULES, Range

    for name, rule in RULES.items():
        if isinstance(rule, Range):
            yield pytest.param(name, rule, id=name)


def _shown(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


@pytest.mark.parametrize("name,rule", list(_range_cases()))
def test_each_range_accepts_its_ends_and_refuses_beyond(tmp_path, name, rule):
    section, key = name.split(".")
    label = str(tmp_path / "radiod.toml")
    listed = name in _list_settings()       # a list setting's rule holds for each entry
    for ok in (rule.low, rule.high):
        write(tmp_path, f"[{section}]\n{key} = {[int(ok)] if listed else int(ok)}\n")
        assert getattr(getattr(load_config(tmp_path, env={}), section), key) == ([ok] if listed else ok)
    step = 0.5 if name in _float_settings() else 1
    for bad in (int(rule.low) - step, int(rule.high) + step):
        write(tmp_path, f"[{section}]\n{key} = {[bad] if listed else bad!r}\n")
        with pytest.raises(ConfigError) as err:
            load_config(tmp_path, env={})
        assert err.value.problems == [
            f"{label}: {name}: must be between {_shown(rule.low)} and {_shown(rule.high)}, got {bad!r}"]


def _list_settings() -> set[str]:
    import dataclasses
    import typing

    from radiod.config import SECTIONS

    return {f"{section}.{f.name}" for section, cls in SECTIONS.items() for f in dataclasses.fields(cls)
            if typing.get_origin(typing.get_type_hints(cls)[f.name]) is list}


def _float_settings() -> set[str]:
    return {f"{s}.{f.name}" for s, f, hint in _fields() if hint is float}


@pytest.mark.parametrize("name", sorted(_float_settings()))
def test_float_settings_refuse_infinity_and_nan(tmp_path, name):
    section, key = name.split(".")
    for bad in ("inf", "-inf", "nan"):
        write(tmp_path, f"[{section}]\n{key} = {bad}\n")
        with pytest.raises(ConfigError) as err:
            load_config(tmp_path, env={})
        assert err.value.problems == [f"{tmp_path / 'radiod.toml'}: {name}: must be a finite number, got {float(bad)!r}"]


BAD_STRINGS = {
    "station.name": "",
    "station.service_name": "../../etc/x",
    "playout.output": "speakers",
    "web.host": "0.0.0.0; rm -rf /",
    "web.secret_key": "short",
    "web.cors_origins": "fan.example",
    "reports.transmission_category": "a long one",
    "reports.icecast_status_url": "ftp://x",
    "reports.contact_name": "Åsa\nInjected: header",
    "reports.contact_email": "nobody",
    "reports.contact_phone": "555\r\n",
    "reports.street": "Main St\t",
    "reports.city_state_zip": "\x1b[31m",
    "liquidsoap.binary": "",
    "liquidsoap.harbor_mount": "live/../../x",
    "liquidsoap.icecast_host": "host name",
    "liquidsoap.harbor_public_host": "two words",
    "liquidsoap.icecast_mounts": "radio.wma",
    "streams.icecast": "icecast://source:pw@127.0.0.1:8000/radio.wma",
    "streams.liquidsoap": "",
    "episodes.formats": "ogg",
    "episodes.public_url": "radio.example.org/x y",
    "web.listen_mp3_url": "javascript:alert(1)",
}


def test_every_format_rule_has_a_refused_example():
    from radiod.config import RULES, Format

    assert {n for n, r in RULES.items() if isinstance(r, Format)} == set(BAD_STRINGS)


@pytest.mark.parametrize("name", sorted(BAD_STRINGS))
def test_each_string_format_refuses_a_bad_value_and_accepts_the_default(tmp_path, name):
    section, key = name.split(".")
    assert load_config(tmp_path, env={})  # the defaults pass every rule
    write(tmp_path, f"[{section}]\n{key} = {_toml(BAD_STRINGS[name])}\n")
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={})
    (problem,) = err.value.problems
    assert problem.startswith(f"{tmp_path / 'radiod.toml'}: {name}: ")
    if name == "web.secret_key":
        assert BAD_STRINGS[name] not in problem  # a secret is never echoed


def test_a_nul_in_any_string_or_path_is_refused(tmp_path):
    write(tmp_path, '[paths]\ndatabase = "a\\u0000b"\n[station]\nname = "x\\u0000"\n')
    with pytest.raises(ConfigError) as err:
        load_config(tmp_path, env={})
    label = tmp_path / "radiod.toml"
    assert sorted(err.value.problems) == [f"{label}: paths.database: contains a NUL character",
                                          f"{label}: station.name: contains a NUL character"]


def test_config_command_reports_every_out_of_range_setting_at_once(tmp_path):
    """The finding: `radiod config` printed port = 70000, threads = 0, workers = -1, sse_clients = -5."""
    import subprocess
    import sys

    write(tmp_path, "[web]\nport = 70000\nthreads = 0\nworkers = -1\nsse_clients = -5\n"
                    "[library]\nworkers = -3\n[liquidsoap]\nicecast_port = 0\n")
    done = subprocess.run([str(Path(sys.executable).parent / "radiod"), "--station", str(tmp_path), "config"],
                          capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "RADIOD_PLAYOUT_PREROLL_MS": "0"},
                          timeout=60)
    label = tmp_path / "radiod.toml"
    assert done.returncode == 1 and done.stdout == ""
    assert sorted(done.stderr.splitlines()) == sorted([
        f"{label}: web.port: must be between 1 and 65535, got 70000",
        f"{label}: web.threads: must be between 1 and 1024, got 0",
        f"{label}: web.workers: must be between 0 and 256, got -1",
        f"{label}: web.sse_clients: must be between 1 and 100000, got -5",
        f"{label}: library.workers: must be between 0 and 256, got -3",
        f"{label}: liquidsoap.icecast_port: must be between 1 and 65535, got 0",
        "environment: RADIOD_PLAYOUT_PREROLL_MS: must be between 100 and 60000, got 0",
    ])


def test_out_of_range_port_in_the_environment_is_one_line(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([str(Path(sys.executable).parent / "radiod"), "--station", str(tmp_path), "web"],
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", "RADIOD_WEB_PORT": "70000"})
    assert done.returncode == 1
    assert done.stderr == "environment: RADIOD_WEB_PORT: must be between 1 and 65535, got 70000\n"


def test_every_rule_is_documented_with_its_range():
    from radiod.config import RULES, Range

    doc = (Path(__file__).parent.parent / "docs" / "configuration.md").read_text(encoding="utf-8")
    allowed = doc[doc.index("## Allowed values"):]
    rows = {line.split("|")[1].strip(): line for line in allowed.splitlines() if line.startswith("| `")}
    for name, rule in RULES.items():
        section, key = name.split(".")
        # a row may name several keys of one section: `reports.contact_name`, `street`
        row = next((r for k, r in rows.items() if f"`{name}`" in k or (f"`{key}`" in k and f"`{section}." in k)),
                   None)
        assert row is not None, f"{name} missing from the allowed values in docs/configuration.md"
        if isinstance(rule, Range):
            assert f"| {_shown(rule.low)} – {_shown(rule.high)}" in row, f"{name}: range differs from the docs"
