"""Hosts as the public pages name them: the DJ account's public name, linked to its host page.

Account names appear only where shows.toml already publishes them (the host page's address): a
public name is never traced back to an account name that shows.toml does not list."""

from __future__ import annotations

from dataclasses import dataclass

from radiod.accounts import User
from radiod_web.security import accounts


@dataclass(frozen=True)
class HostView:
    """``name`` as shows.toml writes it (the host page's address), ``shown`` the account's public
    name when it has one, ``linked`` whether a host page exists (an active account of that name)."""

    name: str
    shown: str
    linked: bool


def active_accounts() -> dict[str, User]:
    """The enabled accounts by name (read once per page, not once per airing)."""
    return {u.name: u for u in accounts().list_users() if not u.disabled}


def host_views(names: tuple[str, ...] | list[str], active: dict[str, User] | None = None) -> list[HostView]:
    """The hosts of a show; only names of active accounts get a link, and their public name."""
    active = active_accounts() if active is None else active
    return [HostView(n, active[n].public_name or n if n in active else n, n in active) for n in names]
