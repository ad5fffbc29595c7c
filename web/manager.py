"""Manager pages: station status and control, users and their shows, login audit."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from radiod.accounts import ROLES, AccountError, recent_login_attempts
from radiod.errors import ControlError
from radiod.playout import COMMANDS, ControlCommand, GetStatus, Status, button_commands, send_command
from radiod_web import station
from radiod_web.queries import local_time
from radiod_web.security import accounts, require_role, signed_in_user

bp = Blueprint("manager", __name__, url_prefix="/manager")

def _send(command: ControlCommand) -> dict:
    """A command to the daemon over its control socket; one-line error when it is not running."""
    return send_command(station().config.control_socket, command)


@bp.get("/")
@require_role("manager")
def index():
    status: Status | None = None
    try:
        reply, problem = _send(GetStatus()), None
        if reply.get("ok"):
            status = Status.from_public(reply)
        else:
            problem = f"The playout daemon refused: {reply.get('error', 'no reason given')}"
    except ControlError as exc:
        problem = f"The playout daemon is not reachable: {str(exc).splitlines()[0]}"
    return render_template("manager/index.html", status=status, problem=problem,
                           np=station().hub.current().doc, commands=button_commands())


@bp.post("/control/<cmd>")
@require_role("manager")
def control(cmd: str):
    spec = COMMANDS.get(cmd)
    if spec is None or not spec.button:
        abort(404)
    try:
        reply = _send(spec.type())
        flash(f"{cmd}: done" if reply.get("ok") else f"{cmd}: {reply.get('error', 'refused')}")
    except ControlError as exc:
        flash(f"{cmd}: the playout daemon is not reachable ({str(exc).splitlines()[0]})")
    return redirect(url_for("manager.index"))


@bp.get("/users")
@require_role("manager")
def users():
    return render_template("manager/users.html", users=accounts().list_users(), roles=ROLES)


def _shows_field() -> tuple[str, ...]:
    return tuple(s.strip() for s in request.form.get("shows", "").split(",") if s.strip())


@bp.post("/users")
@require_role("manager")
def add_user():
    try:
        user = accounts().add_user(request.form.get("name", "").strip(), request.form.get("role", ""),
                                   request.form.get("password", ""), _shows_field())
        flash(f"User {user.name} added.")
    except AccountError as exc:
        flash(str(exc))
        return render_template("manager/users.html", users=accounts().list_users(), roles=ROLES), 400
    return redirect(url_for("manager.users"))


@bp.post("/users/<name>/<action>")
@require_role("manager")
def change_user(name: str, action: str):
    acc = accounts()
    try:
        if action == "disable":
            if name.lower() == signed_in_user().name.lower():
                raise AccountError("You cannot disable your own account.")
            acc.set_disabled(name, True)
        elif action == "enable":
            acc.set_disabled(name, False)
        elif action == "password":
            acc.set_password(name, request.form.get("password", ""))
        elif action == "shows":
            acc.set_shows(name, _shows_field())
        else:
            abort(404)
        flash(f"{name}: {action} done.")
    except AccountError as exc:
        flash(str(exc))
    return redirect(url_for("manager.users"))


@bp.get("/logins")
@require_role("manager")
def logins():
    zone = station().config.zone
    attempts = [dict(name=a.name, remote=a.remote, ok=a.ok, when=local_time(a.at_ms, zone, "%Y-%m-%d %H:%M:%S"))
                for a in recent_login_attempts(accounts().conn)]
    return render_template("manager/logins.html", attempts=attempts)
