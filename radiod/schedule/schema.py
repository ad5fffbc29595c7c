"""Schedule tables (owned by radiod.schedule): the history of changes made from the panel.

``schedule_changes`` was created by radiod.accounts (its migration #2) before it moved here;
that migration is now empty and this one creates the table only where it does not exist yet,
so a database made by either version ends up with the same table and rows.
"""

MIGRATIONS: list[str] = [
    """
    -- Changes made to the schedule files from the panel: who, when, the whole file before and
    -- after (so the last change can be undone and any change shown as a diff).
    CREATE TABLE IF NOT EXISTS schedule_changes (
        id INTEGER PRIMARY KEY,
        file TEXT NOT NULL,
        user TEXT NOT NULL,
        at_ms INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('edit', 'undo')),
        summary TEXT NOT NULL,
        before TEXT NOT NULL,
        after TEXT NOT NULL,
        undone_at_ms INTEGER
    );
    """,
]
