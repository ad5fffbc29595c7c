"""As-played log tables (owned by radiod.playlog)."""

MIGRATIONS: list[str] = []
