"""Fingerprint tables (owned by radiod.fingerprints).

``fingerprints``: one row per library content (keyed like ``analysis``, by the file bytes' hash),
its Chromaprint raw sub-fingerprints as a little-endian uint32 BLOB (≈ 32 bytes a second). The
lookup index is built from them in memory when detection starts (a sort of the values, under a
second for thousands of tracks), so the store holds each value once.

``detections``: recordings found in a show's audio, waiting for a person (status ``detected``),
then ``confirmed`` (it becomes an item row of the show in the play log) or ``rejected``.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE fingerprints (
        content_hash TEXT PRIMARY KEY,      -- tracks.content_hash
        items INTEGER NOT NULL,             -- sub-fingerprints (one per 123.8 ms)
        prints BLOB NOT NULL,               -- little-endian uint32 × items
        error TEXT,                         -- one line when fpcalc could not read the file
        computed_at_ms INTEGER NOT NULL
    );

    CREATE TABLE detections (
        id INTEGER PRIMARY KEY,
        audio TEXT NOT NULL,                -- the file searched (a show's upload, a logger span)
        play_id INTEGER,                    -- the show's play row, when the audio is one that aired
        start_ms INTEGER NOT NULL,          -- in the audio file
        end_ms INTEGER NOT NULL,
        track_id INTEGER NOT NULL,          -- the library track found
        track_offset_ms INTEGER NOT NULL,   -- where in the track the heard part starts
        confidence REAL NOT NULL,           -- 1 − 2 × bit-error rate of the aligned sub-fingerprints
        status TEXT NOT NULL DEFAULT 'detected' CHECK (status IN ('detected', 'confirmed', 'rejected')),
        decided_by TEXT NOT NULL DEFAULT '',    -- a user name, or 'auto' (fingerprints.accept_above)
        decided_at_ms INTEGER,
        detected_at_ms INTEGER NOT NULL,
        UNIQUE (audio, start_ms, track_id)
    );
    CREATE INDEX detections_status ON detections(status);
    CREATE INDEX detections_play ON detections(play_id);
    """,
]
