"""Matching sub-fingerprints (pure): where an alignment is placed and where a span's edges are."""

from __future__ import annotations

import numpy as np

from radiod.fingerprints.match import ITEM_MS, Index, Prints, detect

RNG_SEED = 17


def _random(rng: np.random.Generator, n: int) -> Prints:
    return rng.integers(0, 1 << 32, size=n, dtype=np.uint64).astype(np.uint32)


def _flipped(rng: np.random.Generator, prints: Prints, bits: int) -> Prints:
    """``prints`` with ``bits`` of each item's 32 flipped (a BER of bits/32 against them)."""
    out = prints.copy()
    for i in range(len(out)):
        mask = 0
        for b in rng.choice(32, size=bits, replace=False):
            mask |= 1 << int(b)
        out[i] ^= np.uint32(mask)
    return out


def test_a_track_an_hour_in_is_placed_at_its_sample_position():
    # Chromaprint hops 4096 // 3 = 1,365 samples at 11,025 Hz; taking 1,365⅓ put a song an hour
    # into a show 0.9 s late.
    rng = np.random.default_rng(RNG_SEED)
    track = _random(rng, 600)
    at = 29_000                                                   # items ≈ 59.9 minutes
    query = np.concatenate([_random(rng, at), track, _random(rng, 200)])
    [found] = detect(Index([_random(rng, 500), track]), query)
    assert found.track == 1
    assert abs((found.start_ms - found.track_offset_ms) - at * 1365 / 11.025) <= 2


def test_edges_are_where_the_track_agrees_not_where_a_similar_song_does():
    """A similar song (10 of 32 bits off the track's head, as this material's neighbours can be)
    plays before the track's first 40 items were cut, and after its last 40: the smoothed BER is
    under the span threshold there, and spans used to reach 5 s into it at both ends."""
    rng = np.random.default_rng(RNG_SEED)
    track = _random(rng, 600)
    cut = 40
    query = np.concatenate([_random(rng, 300),
                            _flipped(rng, track[:cut], 10),          # the similar song, before
                            track[cut:-cut],                         # the track (query items 340–859)
                            _flipped(rng, track[-cut:], 10),         # the similar song, after
                            _random(rng, 300)])
    [found] = detect(Index([_random(rng, 500), track]), query)
    first, last = 300 + cut, 300 + len(track) - cut                 # the agreeing items [first, last)
    assert found.track == 1
    # The start is put a little before the first agreeing item (in a crossfade the song is
    # there before it dominates) …
    assert -1000 <= found.start_ms - first * ITEM_MS <= 0
    assert abs(found.track_offset_ms - (found.start_ms - 300 * ITEM_MS)) <= 1    # the cut head: offset into the track
    # … and the end after the last one by the audio a sub-fingerprint reads (≈ 2.7 s), within 1 s.
    assert abs(found.end_ms - (last * ITEM_MS + 2700)) <= 1000
