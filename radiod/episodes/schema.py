"""Episode tables (owned by radiod.episodes): one row per airing of an archived show, and the
append-only history of what was done to each (cut, hidden, shown, deleted, re-cut, expired)."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        show_id TEXT NOT NULL,
        aired_from_ms INTEGER NOT NULL,     -- the airing's first measured start in the play log
        aired_to_ms INTEGER NOT NULL,       -- its last measured end
        cut_from_ms INTEGER NOT NULL,       -- the boundaries the audio is cut at (a re-cut moves them)
        cut_to_ms INTEGER NOT NULL,
        status TEXT NOT NULL,               -- pending | ready | failed | deleted
        hidden INTEGER NOT NULL DEFAULT 0,
        revision INTEGER NOT NULL DEFAULT 0,
        title TEXT NOT NULL DEFAULT '',
        rights TEXT NOT NULL DEFAULT '',    -- the show's on_demand_music when it was cut
        length_ms INTEGER,
        files TEXT NOT NULL DEFAULT '[]',   -- JSON list of {format, name, bytes, type}
        chapters TEXT NOT NULL DEFAULT '[]',
        gaps TEXT NOT NULL DEFAULT '[]',
        detail TEXT NOT NULL DEFAULT '',    -- why a cut failed
        created_at_ms INTEGER NOT NULL,
        cut_at_ms INTEGER,
        UNIQUE (show_id, aired_from_ms)
    );
    CREATE INDEX episodes_show ON episodes(show_id, aired_from_ms);

    CREATE TABLE episode_history (
        id INTEGER PRIMARY KEY,
        episode_id INTEGER NOT NULL REFERENCES episodes(id),
        at_ms INTEGER NOT NULL,
        actor TEXT NOT NULL,                -- a user's name, or 'radiod'
        action TEXT NOT NULL,               -- cut | failed | hide | show | delete | recut | expire
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX episode_history_episode ON episode_history(episode_id);
    CREATE TRIGGER episode_history_no_update BEFORE UPDATE ON episode_history
    BEGIN
        SELECT RAISE(ABORT, 'episodes: history rows cannot be changed');
    END;
    CREATE TRIGGER episode_history_no_delete BEFORE DELETE ON episode_history
    BEGIN
        SELECT RAISE(ABORT, 'episodes: history rows cannot be deleted');
    END;
    """,
]
