"""The Web DJ's table (owned by radiod.webdj): one-time harbor tokens, kept as SHA-256 digests."""

MIGRATIONS: list[str] = [
    """
    CREATE TABLE harbor_tokens (
        digest TEXT PRIMARY KEY,            -- SHA-256 of the token: the token itself is never stored
        user TEXT NOT NULL,                 -- the account it was issued to
        issued_at_ms INTEGER NOT NULL,
        expires_at_ms INTEGER NOT NULL,
        used_at_ms INTEGER                  -- NULL until a harbor login takes it
    );
    CREATE INDEX harbor_tokens_expiry ON harbor_tokens(expires_at_ms);
    """,
]
