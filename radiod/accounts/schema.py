"""Users, roles, DJ↔show links, panel sessions and login attempts (owned by radiod.accounts)."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE COLLATE NOCASE,
        role TEXT NOT NULL CHECK (role IN ('manager', 'dj')),
        password_hash TEXT NOT NULL,        -- radiod.accounts.passwords format (scrypt)
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at_ms INTEGER NOT NULL,
        password_changed_at_ms INTEGER NOT NULL
    );

    -- The shows a DJ may manage, by the show title used in the schedule files.
    CREATE TABLE user_shows (
        user_id INTEGER NOT NULL REFERENCES users(id),
        show TEXT NOT NULL,
        PRIMARY KEY (user_id, show)
    );

    -- Server-side panel sessions: the cookie carries a random token, the table only its digest,
    -- so a stolen database cannot be replayed and logout/disable end a session at once.
    CREATE TABLE sessions (
        token_sha256 TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id),
        created_at_ms INTEGER NOT NULL,
        last_seen_ms INTEGER NOT NULL
    );
    CREATE INDEX sessions_user ON sessions(user_id);

    -- Every login attempt, for rate limiting and audit.
    CREATE TABLE login_attempts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        remote TEXT NOT NULL,
        ok INTEGER NOT NULL,
        at_ms INTEGER NOT NULL
    );
    CREATE INDEX login_attempts_remote ON login_attempts(remote, at_ms);
    CREATE INDEX login_attempts_name ON login_attempts(name, at_ms);
    """,
    """
    -- (schedule_changes was created here; it belongs to radiod.schedule.schema now, which
    -- creates it where it is missing. Kept as an empty step so later versions keep their numbers.)
    """,
    """
    -- Login limits count failures per guesser (radiod.accounts.throttle): the client address, an
    -- IPv6 client by its /64. Rows from before this column have none and count for nobody.
    ALTER TABLE login_attempts ADD COLUMN guesser TEXT NOT NULL DEFAULT '';
    CREATE INDEX login_attempts_guesser ON login_attempts(guesser, at_ms);
    """,
    """
    -- The name a host is shown by on the public pages ('' = none set: the schedule's text is shown).
    ALTER TABLE users ADD COLUMN public_name TEXT NOT NULL DEFAULT '';
    """,
]
