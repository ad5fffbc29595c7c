"""Acoustic fingerprints: library recordings identified in shows that came without a tracklist.

``fpcalc`` (Chromaprint) gives each library file's raw sub-fingerprints (``library``, a pass
off the air thread, stored by ``store``); ``match`` (pure) finds library recordings in a longer
recording with their start, end and a confidence; ``detections`` stores them for a DJ or
manager to confirm or reject, and turns a confirmed one into an item row of the show.
``music`` and ``mix`` generate music-like test material (tests, bench/fingerprint.py).
"""

from radiod.fingerprints.detections import STATUSES, Found, LibraryIndex, Listed, decide, listing, record
from radiod.fingerprints.library import BuildSummary, fingerprint_library

__all__ = ["STATUSES", "BuildSummary", "Found", "LibraryIndex", "Listed", "decide", "fingerprint_library", "listing", "record"]
