"""Users and roles (owned by radiod.accounts)."""

MIGRATIONS: list[str] = []
