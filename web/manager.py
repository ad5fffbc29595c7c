"""Manager pages: station status and control, users and their shows, login audit."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from radiod.accounts import ROLES, AccountError, recent_login_attempts
from radiod.errors import ControlError, ScheduleError
from radiod.schedule import airings
from radiod.schedule_files import load_schedule
from radiod.playout import COMMANDS, ControlCommand, GetStatus, Status, button_commands, send_command
from radiod_web import station
from radiod_web.dashboard import TONIGHT, build, countdown, disk_alerts
from radiod_web.queries import local_time
from radiod_web.showinfo import uploads_for, view
from radiod_web.security import accounts, require_role, signed_in_user

bp = Blueprint("manager", __name__, url_prefix="/manager")

def _send(command: ControlCommand) -> dict:
    """A command to the daemon over its control socket; one-line error when it is not running."""
    return send_command(station().config.control_socket, command)


@bp.get("/")
@require_role("manager")
def index():
    """The dashboard in words (radiod_web.dashboard)."""
    status: Status | None = None
    try:
        reply, problem = _send(GetStatus()), None
        if reply.get("ok"):
            status = Status.from_public(reply)
        else:
            no_reason = _("no reason given")
            problem = _("The playout daemon refused: %(why)s", why=reply.get("error", no_reason))
    except ControlError as exc:
        problem = _("The playout daemon is not reachable: %(why)s", why=str(exc).splitlines()[0])
    config, now = station().config, station().clock.now()
    np = station().hub.current().doc
    schedule, schedule_problem = None, ""
    try:
        schedule = load_schedule(config.paths.schedules)
    except ScheduleError as exc:
        schedule_problem = str(exc).replace(f"{config.paths.schedules}/", "")
    next_event, uploads_soon, until = None, [], ""
    if schedule is not None:
        ahead = [a for a in airings(schedule, now, now + timedelta(days=8)) if a.start > now]
        if ahead:
            next_event = view(ahead[0], config.zone)
            until = countdown(ahead[0].start, now)
        uploads_soon = uploads_for(schedule, [a for a in ahead if a.start < now + TONIGHT])
    board = build(config, status=status, np_state=str(np.get("state", "stopped")), schedule_problem=schedule_problem,
                  next_event=next_event, uploads_soon=uploads_soon,
                  disks=disk_alerts({_("the station's state folder"): config.paths.state,
                                     _("the uploads"): config.paths.uploads}))
    return render_template("manager/index.html", board=board, problem=problem, np=np, until=until,
                           hide_next=config.playout.hide_next, commands=button_commands())


@bp.post("/control/<cmd>")
@require_role("manager")
def control(cmd: str):
    spec = COMMANDS.get(cmd)
    if spec is None or not spec.button:
        abort(404)
    try:
        reply, refused = _send(spec.type()), _("refused")
        flash(_("%(cmd)s: done", cmd=cmd) if reply.get("ok")
              else _("%(cmd)s: %(why)s", cmd=cmd, why=reply.get("error", refused)))
    except ControlError as exc:
        flash(_("%(cmd)s: the playout daemon is not reachable (%(why)s)", cmd=cmd, why=str(exc).splitlines()[0]))
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
        flash(_("User %(name)s added.", name=user.name))
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
                raise AccountError(_("You cannot disable your own account."))
            acc.set_disabled(name, True)
        elif action == "enable":
            acc.set_disabled(name, False)
        elif action == "password":
            acc.set_password(name, request.form.get("password", ""))
        elif action == "shows":
            acc.set_shows(name, _shows_field())
        elif action == "public-name":
            acc.set_public_name(name, request.form.get("public_name", ""))
        else:
            abort(404)
        flash({"disable": _("%(name)s: disabled.", name=name), "enable": _("%(name)s: enabled.", name=name),
               "password": _("%(name)s: password changed.", name=name),
               "shows": _("%(name)s: shows saved.", name=name),
               "public-name": _("%(name)s: public name saved.", name=name)}[action])
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
