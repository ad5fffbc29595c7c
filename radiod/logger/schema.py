"""The logger's table (owned by radiod.logger): one hash-chained row per closed hour file.

Rows are append-only (triggers refuse UPDATE and DELETE): a file deleted after its keeping period
keeps its row, so the chain still proves what was recorded and when it was allowed to go.
"""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE logger_files (
        id INTEGER PRIMARY KEY,             -- 1, 2, 3 … in chain order, never reused
        name TEXT NOT NULL UNIQUE,          -- file name in logger.folder
        format TEXT NOT NULL,               -- opus | mp3 | flac
        start_us INTEGER NOT NULL,          -- epoch microseconds of the first frame as heard
        frames INTEGER NOT NULL,            -- 44.1 kHz frames in the file
        bytes INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        anchors TEXT NOT NULL,              -- JSON time map: [[frame, epoch µs heard], …]
        chained_at_ms INTEGER NOT NULL,     -- when the row was added (not hashed)
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
    );

    CREATE TRIGGER logger_files_immutable BEFORE UPDATE ON logger_files
    BEGIN
        SELECT RAISE(ABORT, 'logger: a recording''s row cannot be changed');
    END;

    CREATE TRIGGER logger_files_no_delete BEFORE DELETE ON logger_files
    BEGIN
        SELECT RAISE(ABORT, 'logger: a recording''s row cannot be deleted');
    END;
    """,
]
