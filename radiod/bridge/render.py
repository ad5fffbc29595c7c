"""radiod.toml → the station's Liquidsoap 2.1 script. A pure function: same input, same text.

The script talks to radiod in three ways, none of them a network control port:
- it runs the bridge client (``python -m radiod.bridge.client SOCKET next|auth``) to get the next
  item as an ``annotate:`` URI and to check a DJ's harbor login;
- it prints one line per event on standard output (``STREAMING``, ``PLAYLOG``, ``SWITCH``,
  ``CUT``, ``LIVEMETA``, ``LIVEEND``);
- it polls a small control file in which radiod names the handle to cut and when its fade ends.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from radiod.bridge.archive import NAME_FORMAT as ARCHIVE_NAME, archive_dir
from radiod.config import CONFIG_FILE, Config
from radiod.errors import ConfigError

# Seconds of DJ audio buffered before the harbor goes on air (Liquidsoap's default of 12 s delays
# a takeover for no benefit here: transitions are fades, not crossfades of buffered audio).
HARBOR_BUFFER_S = 2.0
CUT_TICK_S = 0.05          # how often the control file is read
FADE_TICK_S = 0.01         # how often a fade's volume is set
HLS_SEGMENT_S = 6.0
HLS_SEGMENTS = 10


@dataclass(frozen=True)
class ScriptOptions:
    """What the script needs beyond radiod.toml: where radiod is listening and where to play."""

    client: tuple[str, ...]          # argv of the bridge client, socket included (no subcommand)
    control_file: Path               # radiod writes the handle to cut here
    output: str                      # 'pulse:' (default device), 'pulse:SINK', 'file:PATH' or 'none'
    log_file: Path | None = None     # Liquidsoap's own log (None: no log file)
    allow_root: bool = False         # Liquidsoap refuses to run as root unless told


def liq_string(text: str) -> str:
    """A Liquidsoap string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def script_head(comments: list[str], *, allow_root: bool, log_file: Path | None) -> list[str]:
    """The opening lines every .liq radiod writes: what it is, then Liquidsoap's own log (never on
    stdout, which carries radiod's event lines) and whether it may run as root."""
    lines = [f"# {line}" for line in comments]
    if allow_root:
        lines.append("settings.init.allow_root.set(true)")
    lines += ["settings.log.stdout.set(false)", f"settings.log.file.set({'true' if log_file else 'false'})"]
    if log_file:
        lines.append(f"settings.log.file.path.set({liq_string(str(log_file))})")
    return lines


def liq_float(ms: int) -> str:
    """Milliseconds as a Liquidsoap float literal in seconds (the script's unit)."""
    return f"{ms / 1000:.3f}"


def mount_format(mount: str, bitrate_kbps: int, config_file: Path) -> str:
    """The encoder for an Icecast mount, chosen by the mount's extension."""
    ext = mount.rsplit(".", 1)[-1].lower() if "." in mount else ""
    if ext == "mp3":
        return f"%mp3(bitrate={bitrate_kbps})"
    if ext == "ogg":
        return "%ogg(%vorbis(quality=0.5))"
    if ext == "opus":
        return f"%ogg(%opus(bitrate={bitrate_kbps}))"
    if ext == "aac":
        return f'%ffmpeg(format="adts", %audio(codec="aac", b="{bitrate_kbps}k"))'
    raise ConfigError([f"{config_file}: liquidsoap.icecast_mounts: {mount!r} has no known format "
                       "(end it in .mp3, .ogg, .opus or .aac)"])


def _sound_output(output: str) -> str:
    # on_start tells radiod that Liquidsoap is streaming (the first selection is not a switch).
    started = 'on_start=fun() -> print("STREAMING")'
    if output == "none":
        return f"output.dummy({started}, radio)"
    if output.startswith("file:"):
        # Raw 16-bit PCM: a WAV header would not be finalised when Liquidsoap is stopped.
        return f"output.file({started}, %wav(header=false), {liq_string(output[5:])}, radio)"
    if output.startswith("pulse:"):
        device = output[6:]
        return f"output.pulseaudio({started}, device={liq_string(device)}, radio)"
    raise ValueError(f"unknown output {output!r}")


def harbor_lines(config: Config, buffer_s: float = HARBOR_BUFFER_S, events: str = "") -> list[str]:
    """The harbor input with radiod's logins and the slot's end (``harbor``, and ``live`` with its
    metadata printed as LIVEMETA lines); both engines' scripts use it. ``events``: more arguments
    of ``input.harbor`` (e.g. ``on_connect=…``), after a comma."""
    lq = config.liquidsoap
    return [
        "",
        "# Live DJs: radiod checks the login against its users and the DJ's slot, and answers",
        "# 'ok UNTIL' (epoch seconds at which the slot and its grace end) or 'no REASON'.",
        "radiod_live_until = ref(0.)",
        "def radiod_auth(login) =",
        '  env = [("RADIOD_HARBOR_USER", login.user), ("RADIOD_HARBOR_PASSWORD", login.password),',
        '         ("RADIOD_HARBOR_ADDRESS", login.address)]',
        '  words = string.split(separator=" ", string.trim(process.read(env=env, radiod_client ^ " auth")))',
        '  if list.nth(default="", words, 0) == "ok" then',
        '    radiod_live_until := float_of_string(list.nth(default="0", words, 1))',
        "    true",
        "  else",
        "    false",
        "  end",
        "end",
        f"harbor = input.harbor(id=\"live\", port={lq.harbor_port}, auth=radiod_auth, "
        f"buffer={buffer_s}, max={buffer_s * 5}, {events}{liq_string(lq.harbor_mount)})",
        'live = source.on_metadata(harbor, fun(m) -> print("LIVEMETA " ^ json.stringify(compact=true, m)))',
        "def radiod_check_slot() =",
        "  if time() > !radiod_live_until and null.defined(harbor.connected_client()) then",
        '    print("LIVEEND slot")',
        "    harbor.disconnect()",
        "  end",
        "end",
        "thread.run(every=0.5, radiod_check_slot)",
    ]


def _switches(config: Config, *, live: bool) -> list[str]:
    fade = liq_float(config.playout.fade_out_ms)
    lines = [
        "",
        "# Every switch between live, automation and silence is reported to radiod. Metadata is",
        "# not replayed on a switch: a DJ's last song must not come back as a new one.",
        'radiod_on_air = ref("idle")',
    ]
    if live:
        lines += [
            "def radiod_fade(a, b) =",
            f"  add(normalize=false, [fade.in(duration={fade}, b), fade.out(duration={fade}, a)])",
            "end",
            "def radiod_to_live(a, b) =",
            '  radiod_on_air := "live"',
            '  print("SWITCH live " ^ radiod_now())',
            "  # The interrupted automation item is not resumed after the show.",
            f"  thread.run(delay={fade} + 0.1, fun() -> source.skip(auto))",
            "  radiod_fade(a, b)",
            "end",
        ]
    if live:
        lines += [
            "def radiod_to_auto(a, b) =",
            '  from_live = !radiod_on_air == "live"',
            '  radiod_on_air := "auto"',
            '  print("SWITCH auto " ^ radiod_now())',
            "  if from_live then radiod_fade(a, b) else b end",
            "end",
        ]
    else:
        lines += [
            "def radiod_to_auto(_, b) =",
            '  radiod_on_air := "auto"',
            '  print("SWITCH auto " ^ radiod_now())',
            "  b",
            "end",
        ]
    lines += [
        "def radiod_to_idle(_, b) =",
        '  radiod_on_air := "idle"',
        '  print("SWITCH idle " ^ radiod_now())',
        "  b",
        "end",
    ]
    if live:
        lines += [
            'radio = fallback(id="radio", track_sensitive=false, replay_metadata=false,',
            "                 transitions=[radiod_to_live, radiod_to_auto, radiod_to_idle],",
            '                 [live, auto, blank(id="idle")])',
        ]
    else:
        lines += [
            'radio = fallback(id="radio", track_sensitive=false, replay_metadata=false,',
            "                 transitions=[radiod_to_auto, radiod_to_idle],",
            '                 [auto, blank(id="idle")])',
        ]
    return lines


def render(config: Config, options: ScriptOptions) -> str:
    """The complete .liq script for this station."""
    lq = config.liquidsoap
    config_file = config.station_dir / CONFIG_FILE
    client = liq_string(shlex.join(options.client))
    lines = script_head(["The station's Liquidsoap script, generated by radiod from radiod.toml.",
                         "Do not edit: radiod writes it again on every start."],
                        allow_root=options.allow_root, log_file=options.log_file)
    lines += [
        "",
        f"radiod_client = {client}",
        "# Event lines carry Liquidsoap's own time of the event (epoch seconds), so radiod's",
        "# timestamps do not depend on when it gets to read the line.",
        "def radiod_now() = string_of_float(decimal_places=3, time()) end",
        "",
        "# Automation: radiod answers with an annotate: URI (handle, cue points, gain, fades) and,",
        "# on a second line, the epoch second before which it must not start (0: at once) — or",
        "# with an empty line when nothing is ready yet (after waiting a little for something).",
        "radiod_release_at = ref(0.)",
        "def radiod_next() =",
        '  reply = string.split(separator="\\n", string.trim(process.read(radiod_client ^ " next")))',
        '  uri = list.nth(default="", reply, 0)',
        '  if uri == "" then',
        "    null()",
        "  else",
        '    radiod_release_at := float_of_string(list.nth(default="0", reply, 1))',
        "    request.create(uri)",
        "  end",
        "end",
        'auto = request.dynamic(id="auto", retry_delay=0.2, radiod_next)',
        "auto = cue_cut(auto)",
        "auto = fade.in(duration=0., auto)",
        "auto = fade.out(duration=0., auto)",
        'auto = amplify(1., override="liq_amplify", auto)',
        "",
        "# Cuts: radiod writes 'HANDLE END' into the control file (END: the epoch second the fade",
        "# out ends, 0 for no fade); the item's volume ramps down to END, then it is skipped.",
        "radiod_gain = ref(1.)",
        "radiod_fade_end = ref(0.)",
        "radiod_fade_len = ref(0.)",
        'radiod_current = ref("")',
        "def radiod_track(m) =",
        '  radiod_current := m["radiod_handle"]',
        "  radiod_gain := 1.",
        "  radiod_fade_end := 0.",
        '  print("PLAYLOG " ^ radiod_now() ^ " " ^ json.stringify(compact=true, m))',
        "end",
        "auto = source.on_track(auto, radiod_track)",
        "auto = amplify({!radiod_gain}, auto)",
        'radiod_cut_seen = ref("")',
        "def radiod_poll_cut() =",
        f"  words = string.split(separator=\" \", string.trim(file.contents({liq_string(str(options.control_file))})))",
        '  want = list.nth(default="", words, 0)',
        "  if want != !radiod_cut_seen then",
        "    radiod_cut_seen := want",
        '    if want != "" and want == !radiod_current then',
        '      finish = float_of_string(list.nth(default="0", words, 1))',
        "      if finish > time() then",
        "        radiod_fade_len := finish - time()",
        "        radiod_fade_end := finish",
        "      else",
        "        source.skip(auto)",
        "      end",
        "    end",
        "  end",
        "  if !radiod_fade_end > 0. then",
        "    left = !radiod_fade_end - time()",
        "    if left <= 0. then",
        "      radiod_fade_end := 0.",
        "      radiod_gain := 0.",
        '      print("CUT " ^ !radiod_current ^ " " ^ radiod_now())',
        "      source.skip(auto)",
        "    else",
        "      radiod_gain := left / !radiod_fade_len",
        "    end",
        "  end",
        "end",
        "# Polled every 50 ms; every 10 ms while a fade runs, so the cut lands on its instant.",
        f"thread.run(every={{if !radiod_fade_end > 0. then {FADE_TICK_S} else {CUT_TICK_S} end}}, radiod_poll_cut)",
    ]
    if config.playout.crossfade_ms > 0:
        xf = liq_float(config.playout.crossfade_ms)
        lines.append(f"auto = crossfade(duration={xf}, fade_in={xf}, fade_out={xf}, smart=false, auto)")
    lines += [
        "# Held back (silence) until the release instant of an item handed out while idle.",
        'auto = switch(id="release", track_sensitive=false, [({time() >= !radiod_release_at}, auto)])',
    ]
    if lq.harbor_port:
        lines += harbor_lines(config)
    lines += _switches(config, live=bool(lq.harbor_port))
    lines += [
        "",
        "# Outputs",
        _sound_output(options.output),
    ]
    state = config.paths.state
    if lq.archive:
        path = str(archive_dir(state) / f"{ARCHIVE_NAME}.mp3")
        lines.append(f"output.file(%mp3(bitrate={lq.icecast_bitrate}), reopen_when={{0m0s}}, "
                     f"{liq_string(path)}, radio)")
    if lq.hls:
        lines.append(
            f'output.file.hls(playlist="live.m3u8", segment_duration={HLS_SEGMENT_S}, segments={HLS_SEGMENTS}, '
            f"{liq_string(str(state / 'hls'))}, "
            f'[("aac", %ffmpeg(format="mpegts", %audio(codec="aac", b="{lq.icecast_bitrate}k")))], radio)')
    if lq.icecast_host:
        for mount in lq.icecast_mounts:
            lines.append(
                f"output.icecast({mount_format(mount, lq.icecast_bitrate, config_file)}, "
                f"host={liq_string(lq.icecast_host)}, port={lq.icecast_port}, "
                f"password={liq_string(lq.icecast_password)}, mount={liq_string(mount)}, "
                f"name={liq_string(config.station.name)}, radio)")
    return "\n".join(lines) + "\n"
