"""Library tables. Rows are never deleted while plays refer to them: a vanished file is marked missing."""

MIGRATIONS = [
    """
    CREATE TABLE tracks (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,          -- absolute path
        size INTEGER NOT NULL,
        mtime_ns INTEGER NOT NULL,
        content_hash TEXT,                  -- hex digest of the file bytes (detects moves and duplicates)
        status TEXT NOT NULL,               -- 'ok' | 'error' | 'missing'
        reason TEXT,                        -- one-line reason when status is 'error'
        warnings TEXT,                      -- tag problems that did not stop the read, one per line
        missing_since_ms INTEGER,           -- when a scan first found the file gone
        format TEXT,                        -- mp3, flac, ogg, opus, m4a, wav, aiff
        codec TEXT,
        bitrate INTEGER,
        sample_rate INTEGER,
        channels INTEGER,
        length_ms INTEGER,                  -- from the container/tags
        title TEXT,
        artist TEXT,                        -- display string as tagged
        album TEXT,
        album_artist TEXT,
        label TEXT,
        isrc TEXT,                          -- normalised: 12 characters, no dashes, upper case
        composer TEXT,
        lyricist TEXT,
        release_date TEXT,                  -- ISO date or year as tagged (YYYY, YYYY-MM or YYYY-MM-DD)
        year INTEGER,
        language TEXT,
        genre TEXT,
        local_tag INTEGER,                  -- 1/0 when a tag marks the track local, NULL when silent
        replaygain_track_gain_db REAL,
        replaygain_track_peak REAL,
        scanned_at_ms INTEGER NOT NULL
    );
    CREATE INDEX tracks_hash ON tracks(content_hash);
    CREATE INDEX tracks_status ON tracks(status);

    -- One row per artist credited on a track, co-artists split ("feat.", "&", " x ", "vs.", ",").
    CREATE TABLE track_artists (
        track_id INTEGER NOT NULL REFERENCES tracks(id),
        position INTEGER NOT NULL,
        name TEXT NOT NULL,                 -- as written
        artist_key TEXT NOT NULL,           -- radiod.library.artists.artist_key(name)
        PRIMARY KEY (track_id, position)
    );
    CREATE INDEX track_artists_key ON track_artists(artist_key);

    -- Audio analysis, cached by content hash so moved or duplicated files are not measured twice.
    CREATE TABLE analysis (
        content_hash TEXT PRIMARY KEY,
        loudness_lufs REAL,                 -- EBU R128 integrated
        true_peak_dbtp REAL,
        cue_in_ms INTEGER,                  -- end of leading silence
        cue_out_ms INTEGER,                 -- start of trailing silence
        decoded_length_ms INTEGER,          -- true length from the decoded sample count
        error TEXT,
        analyzed_at_ms INTEGER NOT NULL
    );

    -- Manager edits made in the panel; the files are not rewritten.
    CREATE TABLE track_overrides (
        track_id INTEGER NOT NULL REFERENCES tracks(id),
        field TEXT NOT NULL,
        value TEXT,
        changed_by TEXT,
        changed_at_ms INTEGER NOT NULL,
        PRIMARY KEY (track_id, field)
    );
    """,
    """
    -- The Library page's text search: a trigram index of title, artist, album and path, so a
    -- substring search of 200,000 tracks reads the index, not every row. Kept by triggers.
    CREATE VIRTUAL TABLE track_text USING fts5(title, artist, album, path, content='tracks',
                                               content_rowid='id', tokenize='trigram');
    CREATE TRIGGER track_text_insert AFTER INSERT ON tracks BEGIN
        INSERT INTO track_text(rowid, title, artist, album, path)
        VALUES (new.id, new.title, new.artist, new.album, new.path);
    END;
    CREATE TRIGGER track_text_delete AFTER DELETE ON tracks BEGIN
        INSERT INTO track_text(track_text, rowid, title, artist, album, path)
        VALUES ('delete', old.id, old.title, old.artist, old.album, old.path);
    END;
    CREATE TRIGGER track_text_update AFTER UPDATE OF title, artist, album, path ON tracks BEGIN
        INSERT INTO track_text(track_text, rowid, title, artist, album, path)
        VALUES ('delete', old.id, old.title, old.artist, old.album, old.path);
        INSERT INTO track_text(rowid, title, artist, album, path)
        VALUES (new.id, new.title, new.artist, new.album, new.path);
    END;
    INSERT INTO track_text(track_text) VALUES ('rebuild');
    """,
    """
    -- Tracklist entries are matched by ISRC when the show airs: an index, not a scan of every track.
    CREATE INDEX tracks_isrc ON tracks(isrc);
    """,
]
