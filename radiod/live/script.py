"""The Liquidsoap 2.1 script of the default engine's harbor (pure: same input, same text).

Liquidsoap takes the DJ's source client on ``input.harbor`` (the login is asked of radiod through
the bridge client, as on the Liquidsoap engine: ``harbor_lines``), decodes it and writes it as raw
PCM (s16le, stereo, 44.1 kHz) into a FIFO radiod reads. It talks back only by lines on its standard
output: ``LIVECONNECT``, ``LIVEDISCONNECT``, ``LIVEMETA {json}`` and ``LIVEEND slot`` (the slot
and its grace are over: it disconnects the DJ). No telnet, no Python bindings.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from radiod.bridge.render import harbor_lines, liq_string, script_head
from radiod.config import Config


@dataclass(frozen=True)
class HarborPaths:
    client: tuple[str, ...]          # argv of the bridge client, socket included (no subcommand)
    fifo: Path                       # the DJ's PCM, read by radiod
    log_file: Path | None = None     # Liquidsoap's own log (None: none)
    allow_root: bool = False         # Liquidsoap refuses to run as root unless told


def render(config: Config, paths: HarborPaths) -> str:
    """The complete .liq script of the live input."""
    lines = script_head(["radiod's live input (default engine), generated from radiod.toml. Do not edit."],
                        allow_root=paths.allow_root, log_file=paths.log_file)
    lines += [
        "settings.frame.audio.samplerate.set(44100)",
        "# MP3 (BUTT, Mixxx, ffmpeg) through libmad: ffmpeg's decoder probes about a second of the",
        "# stream before it decodes, which the DJ would wait through at every connection.",
        "settings.decoder.priorities.ffmpeg.set(0)",
        "",
        f"radiod_client = {liq_string(shlex.join(paths.client))}",
        'def radiod_connected(headers) = ignore(headers) print("LIVECONNECT") end',
        'def radiod_disconnected() = print("LIVEDISCONNECT") end',
        *harbor_lines(config, config.liquidsoap.harbor_buffer_ms / 1000,
                      events="on_connect=radiod_connected, on_disconnect=radiod_disconnected, "),
        "",
        "# The DJ's decoded audio, to radiod (which mixes it into the air).",
        "output.file(fallible=true, flush=true, %wav(stereo=true, samplesize=16, header=false), "
        f"{liq_string(str(paths.fifo))}, live)",
    ]
    return "\n".join(lines) + "\n"
