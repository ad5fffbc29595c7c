"""Accounts: users, roles, password hashes, sessions and login throttling, in the station database."""

from radiod.accounts.users import ROLES, AccountError, Accounts, User

__all__ = ["AccountError", "Accounts", "ROLES", "User"]
