"""Staff login: a password from config (werkzeug hash), a session cookie, CSRF tokens.

The session cookie is SameSite=Strict, HttpOnly, and Secure whenever the request came over
HTTPS (directly, or through a trusted proxy's X-Forwarded-Proto). A staff cookie names a
login that is kept server-side (`board.web.sessions`): logout, "log out everywhere", the
login's lifetime and a change of the staff password end it, and every copy of the cookie
with it. Every state-changing request carries the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``); the control socket sends it in its connect
``auth`` payload. Wrong passwords are throttled before any check (`board.web.throttle`),
per client address and overall; and at most `PASSWORD_CHECKS` checks run at once (each
scrypt check takes about 32 MB: a crowd of wrong logins must not exhaust a Pi's memory), a
login waiting at most `CHECK_WAIT_S` for its turn.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
)
from flask.sessions import SecureCookieSessionInterface
from werkzeug.security import check_password_hash

from lapgate.board.i18n import request_gettext as _
from lapgate.board.web.sessions import StaffSessions
from lapgate.board.web.throttle import LoginThrottle
from lapgate.config.settings import Settings

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
PASSWORD_CHECKS = 2
CHECK_WAIT_S = 3.0


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with `Secure` set when the request is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(has_request_context() and request.is_secure)


def init_app(app: Flask, sessions: StaffSessions) -> None:
    app.session_interface = _SessionCookies()
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=sessions.lifetime_s)
    app.extensions["lapgate.staff_sessions"] = sessions
    app.extensions["lapgate.login_throttle"] = LoginThrottle()
    app.extensions["lapgate.password_checks"] = threading.BoundedSemaphore(PASSWORD_CHECKS)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["is_staff"] = is_staff


def staff_sessions() -> StaffSessions:
    sessions: StaffSessions = current_app.extensions["lapgate.staff_sessions"]
    return sessions


def csrf_token() -> str:
    """This session's CSRF token (created on first use)."""
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(candidate: object) -> bool:
    token = session.get("csrf")
    return (
        isinstance(token, str)
        and isinstance(candidate, str)
        and hmac.compare_digest(token.encode(), candidate.encode())
    )


def is_staff() -> bool:
    """A staff session whose login still holds (not logged out, not expired)."""
    return session.get("staff") is True and staff_sessions().holds(session.get("staff_id"))


def staff_login_id() -> str | None:
    login_id = session.get("staff_id")
    return login_id if isinstance(login_id, str) else None


def staff_required(view: F) -> F:
    """Reject non-staff (401) and requests without the session's CSRF token (403)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_staff():
            abort(401, _("staff login required: log in on /control"))
        token = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
        if not csrf_ok(token):
            abort(403, _("CSRF token missing or wrong: reload /control"))
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _check_password(password_hash: str, password: str) -> bool | None:
    """The check, when its turn comes within `CHECK_WAIT_S` (the overall pacing, then one of
    the few check slots); else None."""
    throttle: LoginThrottle = current_app.extensions["lapgate.login_throttle"]
    slots: threading.BoundedSemaphore = current_app.extensions["lapgate.password_checks"]
    if not throttle.turn(CHECK_WAIT_S) or not slots.acquire(timeout=CHECK_WAIT_S):
        return None
    try:
        return check_password_hash(password_hash, password)
    finally:
        slots.release()


@bp.get("/control/login")
def login_form() -> Any:
    """The login form at its own address too: after a refused login the browser shows
    /control/login, and reloading it or switching the language there asks for it by GET."""
    if is_staff():
        return redirect("/control")
    return render_template("login.html", error="")


@bp.post("/control/login")
def login() -> Any:
    settings: Settings = current_app.extensions["lapgate.settings"]
    throttle: LoginThrottle = current_app.extensions["lapgate.login_throttle"]
    address = request.remote_addr or "?"  # the real client's (board.web.proxy)
    password_hash = settings.board.staff_password_hash
    if not csrf_ok(request.form.get("csrf_token")):
        return render_template("login.html", error=_("The form expired; try again.")), 401
    if not password_hash:
        error = _(
            "Staff login is disabled: set [board] staff_password_hash (lapgate hash-password)."
        )
        return render_template("login.html", error=error), 401
    if wait_s := throttle.wait_s(address):
        error = _(
            "Too many wrong passwords from %(address)s; wait %(seconds)s s.",
            address=address,
            seconds=math.ceil(wait_s),
        )
        return render_template("login.html", error=error), 429
    if not throttle.begin(address):
        error = _(
            "A password from %(address)s is being checked; wait for its answer.", address=address
        )
        return render_template("login.html", error=error), 429
    try:
        checked = _check_password(password_hash, request.form.get("password", ""))
    finally:
        throttle.end(address)
    if checked is None:
        error = _("The board is busy checking other logins; try again in a moment.")
        return render_template("login.html", error=error), 429
    if not checked:
        throttle.failed(address)
        return render_template("login.html", error=_("Wrong password.")), 401
    throttle.succeeded(address)
    session.clear()
    session["staff"] = True
    session["staff_id"] = staff_sessions().open()
    session.permanent = True  # the cookie lasts as long as the login ([board] staff_session_hours)
    csrf_token()  # a fresh token for the staff session
    return redirect("/control")


@bp.post("/control/logout")
def logout() -> Any:
    """This login ends (every copy of its cookie, its open control sockets)."""
    if csrf_ok(request.form.get("csrf_token")):
        staff_sessions().close(session.get("staff_id"))
        session.clear()
    return redirect("/control")


@bp.post("/control/logout-everywhere")
def logout_everywhere() -> Any:
    """Every staff login ends: each tablet and any copied cookie must log in again."""
    if not is_staff():
        abort(401, _("staff login required: log in on /control"))
    if not csrf_ok(request.form.get("csrf_token")):
        abort(403, _("CSRF token missing or wrong: reload /control"))
    staff_sessions().close_all()
    session.clear()
    return redirect("/control")
