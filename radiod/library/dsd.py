"""DSD test tones: DSF and DSDIFF files of a sine, written directly (no Debian package encodes DSD).

A second-order sigma-delta modulator turns the sine into 1-bit DSD64 (2.8224 MHz). The sine's
frequency is rounded so that a whole number of DSD samples makes one period; a few periods are
modulated and the last one (the modulator has settled) is repeated, so a file of any length is
made in milliseconds of pure Python. Used by radiod.library.synth for ``.dsf`` and ``.dff``.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path

RATE = 2_822_400            # DSD64
SILENCE = 0x69              # the DSD idle pattern (decodes to silence), MSB first
BLOCK = 4096                # DSF bytes per channel per block


def sine_bits(freq: float, amplitude: float) -> bytes:
    """One period of the modulated sine (a whole number of bytes, MSB first)."""
    period = max(8, round(RATE / freq / 8) * 8)        # samples, a multiple of 8
    i1 = i2 = 0.0
    out = bytearray()
    for n in range(period * 6):
        x = amplitude * math.sin(2 * math.pi * n / period)
        y = 1.0 if i2 >= 0 else -1.0
        i1 += x - y
        i2 += i1 - y
        if n >= period * 5:
            out.append(1 if y > 0 else 0)
    return bytes(sum(bit << (7 - k) for k, bit in enumerate(out[i:i + 8])) for i in range(0, period, 8))


def channel_bytes(seconds: float, freq: float, amplitude: float, lead_s: float, tail_s: float) -> bytes:
    """A channel's DSD bytes: idle pattern, the sine for ``seconds``, idle pattern."""
    cycle = sine_bits(freq, amplitude)
    tone = round(seconds * RATE / 8)
    body = (cycle * (tone // len(cycle) + 1))[:tone]
    return bytes([SILENCE]) * round(lead_s * RATE / 8) + body + bytes([SILENCE]) * round(tail_s * RATE / 8)


_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def write_dsf(path: Path, channels: list[bytes]) -> None:
    """A DSF file (LSB first, per-channel blocks of 4096 bytes) of equally long channels."""
    size = len(channels[0])
    blocks = (size + BLOCK - 1) // BLOCK
    data = bytearray()
    for b in range(blocks):
        for ch in channels:
            data += ch[b * BLOCK:(b + 1) * BLOCK].translate(_REVERSED).ljust(BLOCK, b"\x00")
    fmt = struct.pack("<4sQIIIIIIQII", b"fmt ", 52, 1, 0, 2 if len(channels) == 2 else 1, len(channels),
                      RATE, 1, size * 8, BLOCK, 0)
    total = 28 + len(fmt) + 12 + len(data)
    head = struct.pack("<4sQQQ", b"DSD ", 28, total, 0)
    path.write_bytes(head + fmt + struct.pack("<4sQ", b"data", 12 + len(data)) + bytes(data))


def write_dff(path: Path, channels: list[bytes]) -> None:
    """A DSDIFF file (uncompressed DSD, bytes interleaved by channel, MSB first)."""
    def chunk(cid: bytes, body: bytes) -> bytes:
        return struct.pack(">4sQ", cid, len(body)) + body + (b"\x00" if len(body) % 2 else b"")

    ids = [b"SLFT", b"SRGT"] if len(channels) == 2 else [b"C   "]
    name = b"not compressed"
    prop = b"SND " + chunk(b"FS  ", struct.pack(">I", RATE)) \
        + chunk(b"CHNL", struct.pack(">H", len(channels)) + b"".join(ids)) \
        + chunk(b"CMPR", b"DSD " + bytes([len(name)]) + name + (b"\x00" if (len(name) + 1) % 2 else b""))
    data = bytes(b for frame in zip(*channels) for b in frame)
    body = b"DSD " + chunk(b"FVER", struct.pack(">I", 0x01050000)) + chunk(b"PROP", prop) + chunk(b"DSD ", data)
    path.write_bytes(struct.pack(">4sQ", b"FRM8", len(body)) + body)
