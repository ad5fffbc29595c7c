"""`radiod user add/passwd/list/disable/enable`: panel accounts from the command line."""

from __future__ import annotations

import sys

import click

from radiod.accounts.users import ROLES, Accounts
from radiod.cli.station import Station, pass_station
from radiod.clock import SystemClock
from radiod.store import open_db


def _accounts(station: Station) -> Accounts:
    return Accounts(open_db(station.config.paths.database), SystemClock())


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@click.group("user")
def user_group() -> None:
    """Control-panel accounts (managers and DJs)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), default="dj", show_default=True)
@click.option("--show", "shows", multiple=True, help="A show this DJ manages (repeatable).")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_station
def add_command(station: Station, name: str, role: str, shows: tuple[str, ...], password_stdin: bool) -> None:
    """Create a user (the first manager is made this way)."""
    accounts = _accounts(station)
    user = accounts.add_user(name, role, _read_password(password_stdin), shows)
    click.echo(f"user {user.name} added ({user.role})")


@user_group.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@pass_station
def passwd_command(station: Station, name: str, password_stdin: bool) -> None:
    """Set a user's password (ends their open sessions)."""
    accounts = _accounts(station)
    accounts.get(name)  # fail on an unknown name before asking for a password
    accounts.set_password(name, _read_password(password_stdin))
    click.echo(f"password of {name} changed")


@user_group.command("list")
@pass_station
def list_command(station: Station) -> None:
    """List users, roles and linked shows."""
    for user in _accounts(station).list_users():
        state = "disabled" if user.disabled else "active"
        click.echo(f"{user.name}\t{user.role}\t{state}\t{', '.join(user.shows)}")


@user_group.command("disable")
@click.argument("name")
@pass_station
def disable_command(station: Station, name: str) -> None:
    """Stop a user from logging in (ends their open sessions)."""
    _accounts(station).set_disabled(name, True)
    click.echo(f"user {name} disabled")


@user_group.command("enable")
@click.argument("name")
@pass_station
def enable_command(station: Station, name: str) -> None:
    """Let a disabled user log in again."""
    _accounts(station).set_disabled(name, False)
    click.echo(f"user {name} enabled")
