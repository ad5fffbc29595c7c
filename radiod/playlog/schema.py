"""As-played log tables (owned by radiod.playlog).

``plays`` is append-only: a row is inserted when an item starts on air and closed exactly once.
Closing assigns ``seq`` (the row's place in the hash chain) and ``hash``; from then on triggers
refuse any UPDATE, and DELETE is refused for every row. Corrections are rows of
``play_corrections`` (also append-only and hash-chained among themselves); reports apply them.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE plays (
        id INTEGER PRIMARY KEY,
        item_key TEXT UNIQUE,               -- engine's stable id of the planned item (NULL for ad-hoc items)
        started_at_ms INTEGER NOT NULL,     -- when the player reported the item started
        planned_start_ms INTEGER,           -- when the log wanted it to start (NULL when unplanned)
        start_error_ms INTEGER,             -- started_at_ms - planned_start_ms
        ended_at_ms INTEGER,                -- NULL while on air
        played_ms INTEGER,                  -- audio actually played
        end_reason TEXT,                    -- end | skipped | failed | cut | shutdown | interrupted
        detail TEXT NOT NULL DEFAULT '',
        source TEXT NOT NULL,               -- rotation | show | fallback | live | insert
        usage TEXT NOT NULL,                -- feature | theme | background | jingle | promo | station_id | psa | sponsorship | talk
        show TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        channel TEXT NOT NULL DEFAULT '',   -- stream/channel name ('' = the station's only one)
        exclusion TEXT NOT NULL DEFAULT '', -- '' | direct_licence | public_domain | incidental
        -- metadata snapshot taken when the play started; later library edits never rewrite it
        track_id INTEGER,
        path TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        artist TEXT NOT NULL DEFAULT '',
        album TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        isrc TEXT NOT NULL DEFAULT '',
        composer TEXT NOT NULL DEFAULT '',
        lyricist TEXT NOT NULL DEFAULT '',
        release_date TEXT NOT NULL DEFAULT '',
        genre TEXT NOT NULL DEFAULT '',
        language TEXT NOT NULL DEFAULT '',
        local INTEGER NOT NULL DEFAULT 0,
        artist_keys TEXT NOT NULL DEFAULT '[]',   -- JSON list of radiod.library.artists.artist_key
        length_ms INTEGER,
        -- listener figures (NULL when no Icecast status URL is configured)
        listeners_start INTEGER,
        listeners_end INTEGER,
        listeners_peak INTEGER,
        performances INTEGER,               -- listeners at start + every later increase (each a new transmission)
        listener_ms INTEGER,                -- listener-milliseconds (sum over time of listeners); ATH = /3 600 000
        listeners_last INTEGER,             -- working values of the poller while the play is open (not hashed)
        listeners_last_ms INTEGER,
        -- hash chain, assigned when the row is closed
        seq INTEGER UNIQUE,
        prev_hash TEXT,
        hash TEXT
    );
    CREATE INDEX plays_started ON plays(started_at_ms);
    CREATE INDEX plays_ended ON plays(ended_at_ms);
    CREATE INDEX plays_open ON plays(id) WHERE seq IS NULL;

    CREATE TRIGGER plays_closed_immutable BEFORE UPDATE ON plays
    WHEN OLD.seq IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'play log: a closed play row cannot be changed (add a correction instead)');
    END;

    CREATE TRIGGER plays_no_delete BEFORE DELETE ON plays
    BEGIN
        SELECT RAISE(ABORT, 'play log: play rows cannot be deleted');
    END;

    CREATE TABLE play_corrections (
        id INTEGER PRIMARY KEY,
        play_id INTEGER NOT NULL REFERENCES plays(id),
        field TEXT NOT NULL,
        before TEXT NOT NULL,               -- JSON value before the correction
        after TEXT NOT NULL,                -- JSON value after
        changed_by TEXT NOT NULL,
        reason TEXT NOT NULL DEFAULT '',
        changed_at_ms INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );
    CREATE INDEX play_corrections_play ON play_corrections(play_id);

    CREATE TRIGGER play_corrections_no_update BEFORE UPDATE ON play_corrections
    BEGIN
        SELECT RAISE(ABORT, 'play log: corrections cannot be changed');
    END;

    CREATE TRIGGER play_corrections_no_delete BEFORE DELETE ON play_corrections
    BEGIN
        SELECT RAISE(ABORT, 'play log: corrections cannot be deleted');
    END;
    """,
    """
    -- How far the play-log journal has been written into this database: records numbered up
    -- to applied_n are in the tables (radiod.playlog.drain writes both in one transaction).
    CREATE TABLE play_journal (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        applied_n INTEGER NOT NULL
    );
    """,
    """
    -- The show's stable id (its key in shows.toml and the grid) beside its title, so a renamed
    -- show keeps one history. Not covered by the row's hash (see docs/playlog.md): rows closed
    -- before this column existed keep verifying, and it may be filled in once, from '' to an id,
    -- on a closed row (radiod.playlog.store.fill_show_ids); every other column stays fixed.
    ALTER TABLE plays ADD COLUMN show_id TEXT NOT NULL DEFAULT '';
    CREATE INDEX plays_show_id ON plays(show_id, started_at_ms);

    DROP TRIGGER plays_closed_immutable;
    CREATE TRIGGER plays_closed_immutable BEFORE UPDATE OF
        id, item_key, started_at_ms, planned_start_ms, start_error_ms, ended_at_ms, played_ms,
        end_reason, detail, source, usage, show, category, channel, exclusion, track_id, path,
        title, artist, album, label, isrc, composer, lyricist, release_date, genre, language,
        local, artist_keys, length_ms, listeners_start, listeners_end, listeners_peak,
        performances, listener_ms, listeners_last, listeners_last_ms, seq, prev_hash, hash
    ON plays
    WHEN OLD.seq IS NOT NULL
    BEGIN
        SELECT RAISE(ABORT, 'play log: a closed play row cannot be changed (add a correction instead)');
    END;

    CREATE TRIGGER plays_show_id_once BEFORE UPDATE OF show_id ON plays
    WHEN OLD.seq IS NOT NULL AND OLD.show_id != ''
    BEGIN
        SELECT RAISE(ABORT, 'play log: a closed play row cannot be changed (add a correction instead)');
    END;
    """,
    """
    -- Songs inside a show (radiod.tracklists): a show row that aired a file with a tracklist
    -- keeps that tracklist from the moment it opens (play_tracklists), and when it closes, in the
    -- same transaction, each entry that aired becomes a play_items row linked to it. Items are
    -- their own hash chain (like corrections), so the plays chain and its exports are unchanged.
    CREATE TABLE play_tracklists (
        play_id INTEGER PRIMARY KEY REFERENCES plays(id),
        file_offset_ms INTEGER NOT NULL,    -- where in the file the show row's first heard sample was
        file_length_ms INTEGER,             -- the file's length (the last entry ends there)
        entries TEXT NOT NULL               -- JSON list of radiod.tracklists.airing.TimedEntry
    );
    CREATE TRIGGER play_tracklists_no_update BEFORE UPDATE ON play_tracklists
    BEGIN
        SELECT RAISE(ABORT, 'play log: a show row''s tracklist cannot be changed');
    END;
    CREATE TRIGGER play_tracklists_no_delete BEFORE DELETE ON play_tracklists
    BEGIN
        SELECT RAISE(ABORT, 'play log: a show row''s tracklist cannot be deleted');
    END;

    CREATE TABLE play_items (
        id INTEGER PRIMARY KEY,
        play_id INTEGER NOT NULL REFERENCES plays(id),    -- the show row it aired inside (its container)
        entry_line INTEGER NOT NULL,        -- the tracklist line it came from
        file_offset_ms INTEGER NOT NULL,    -- where it starts in the show's file, as the tracklist says
        started_at_ms INTEGER NOT NULL,     -- when it aired: the show row's measured start + its offset
        ended_at_ms INTEGER NOT NULL,
        played_ms INTEGER NOT NULL,
        end_reason TEXT NOT NULL,           -- end, or the show row's reason when the song was cut
        matched INTEGER NOT NULL,           -- 1: found in the library; 0: kept as the DJ wrote it
        track_id INTEGER,
        title TEXT NOT NULL,
        artist TEXT NOT NULL,
        album TEXT NOT NULL DEFAULT '',
        label TEXT NOT NULL DEFAULT '',
        isrc TEXT NOT NULL DEFAULT '',
        local INTEGER NOT NULL DEFAULT 0,
        artist_keys TEXT NOT NULL DEFAULT '[]',
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (play_id, entry_line)
    );
    CREATE INDEX play_items_play ON play_items(play_id);
    CREATE TRIGGER play_items_no_update BEFORE UPDATE ON play_items
    BEGIN
        SELECT RAISE(ABORT, 'play log: item rows cannot be changed');
    END;
    CREATE TRIGGER play_items_no_delete BEFORE DELETE ON play_items
    BEGIN
        SELECT RAISE(ABORT, 'play log: item rows cannot be deleted');
    END;
    """,
]
