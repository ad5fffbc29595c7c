"""Log in and out."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _

from radiod_web.security import accounts, current_user, end_session, safe_next, start_session

bp = Blueprint("auth", __name__)


def _home(role: str) -> str:
    return url_for("manager.index") if role == "manager" else url_for("dj.index")


@bp.get("/login")
def login():
    user = current_user()
    if user is not None:
        return redirect(safe_next(request.args.get("next"), _home(user.role)))
    return render_template("login.html", next=request.args.get("next", ""), error=None)


@bp.post("/login")
def login_post():
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    result = accounts().login(name, password, request.remote_addr or "")
    if result.rate_limited:
        return render_template("login.html", next=target,
                               error=_("Too many failed logins from your address. Wait 15 minutes and try again.")), 429
    if result.user is None:
        return render_template("login.html", next=target, error=_("Wrong user name or password.")), 401
    start_session(result.user)
    return redirect(safe_next(target, _home(result.user.role)))


@bp.post("/logout")
def logout():
    end_session()
    return redirect(url_for("public.index"))
