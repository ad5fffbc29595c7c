"""Accounts: users, roles, password hashes, sessions and login throttling, in the station database."""

from radiod.accounts.store import recent_login_attempts
from radiod.accounts.users import ROLES, AccountError, Accounts, User

__all__ = ["AccountError", "Accounts", "recent_login_attempts", "ROLES", "User"]
