"""Chromaprint's raw sub-fingerprints of a file, through Debian's ``fpcalc`` (an argument list).

``fpcalc -raw`` prints 32-bit sub-fingerprints, one per ``ITEM_MS`` of audio (frames of 4,096
samples at 11,025 Hz, 4096 // 3 = 1,365 samples apart: about 8 a second).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np

from radiod.errors import MediaError
from radiod.fingerprints.match import Prints

FPCALC = "fpcalc"
TIMEOUT_S = 600


def fingerprint_file(path: Path | str, *, max_seconds: int = 0) -> Prints:
    """The file's raw sub-fingerprints (``max_seconds`` 0: the whole file); MediaError if unreadable."""
    args = [FPCALC, "-raw", "-json", "-length", str(max_seconds), "--", str(path)]
    try:
        done = subprocess.run(args, capture_output=True, timeout=TIMEOUT_S, check=False)
    except FileNotFoundError:
        raise MediaError(f"{path}: fpcalc not found (install libchromaprint-tools)") from None
    except subprocess.TimeoutExpired:
        raise MediaError(f"{path}: fpcalc took longer than {TIMEOUT_S} s") from None
    # fpcalc 1.5.1 with Debian's FFmpeg exits 3 ("Error decoding audio frame (End of file)") after
    # printing a whole fingerprint; the printed JSON is what tells success.
    try:
        values = json.loads(done.stdout)["fingerprint"]
    except (ValueError, KeyError, TypeError):
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MediaError(f"{path}: fpcalc failed: {detail[-1] if detail else 'exit ' + str(done.returncode)}") from None
    return np.asarray(values, dtype=np.int64).astype(np.uint32)
