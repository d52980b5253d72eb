"""Staff login: a password from config (werkzeug hash), a session cookie, CSRF tokens.

The session cookie is SameSite=Strict and HttpOnly. Every state-changing request carries
the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``); the
control socket sends it in its connect ``auth`` payload. Failed logins are throttled per
client address, before the password is checked; and at most `PASSWORD_CHECKS` checks run at
once (each scrypt check takes about 32 MB: a crowd of wrong logins must not exhaust a
Pi's memory), a login waiting at most `CHECK_WAIT_S` for its turn.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, session
from werkzeug.security import check_password_hash

from lapgate.config.settings import Settings

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])
MAX_FAILURES = 5
FAILURE_WINDOW_S = 60.0
PASSWORD_CHECKS = 2
CHECK_WAIT_S = 3.0


def init_app(app: Flask) -> None:
    app.extensions["lapgate.login_failures"] = {}
    app.extensions["lapgate.password_checks"] = threading.BoundedSemaphore(PASSWORD_CHECKS)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["is_staff"] = is_staff


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
    return session.get("staff") is True


def staff_required(view: F) -> F:
    """Reject non-staff (401) and requests without the session's CSRF token (403)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_staff():
            abort(401, "staff login required: log in on /control")
        token = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token")
        if not csrf_ok(token):
            abort(403, "CSRF token missing or wrong: reload /control")
        return view(*args, **kwargs)

    return cast(F, wrapped)


def _throttled(address: str) -> bool:
    failures: dict[str, deque[float]] = current_app.extensions["lapgate.login_failures"]
    recent = failures.setdefault(address, deque(maxlen=MAX_FAILURES))
    now = time.monotonic()
    return len(recent) == MAX_FAILURES and now - recent[0] < FAILURE_WINDOW_S


def _check_password(password_hash: str, password: str) -> bool | None:
    """The check, when one of the few check slots frees within `CHECK_WAIT_S`; else None."""
    slots: threading.BoundedSemaphore = current_app.extensions["lapgate.password_checks"]
    if not slots.acquire(timeout=CHECK_WAIT_S):
        return None
    try:
        return check_password_hash(password_hash, password)
    finally:
        slots.release()


def _note_failure(address: str) -> None:
    failures: dict[str, deque[float]] = current_app.extensions["lapgate.login_failures"]
    failures.setdefault(address, deque(maxlen=MAX_FAILURES)).append(time.monotonic())


@bp.post("/control/login")
def login() -> Any:
    settings: Settings = current_app.extensions["lapgate.settings"]
    address = request.remote_addr or "?"
    error = ""
    password_hash = settings.board.staff_password_hash
    if not csrf_ok(request.form.get("csrf_token")):
        error = "The form expired; try again."
    elif not password_hash:
        error = "Staff login is disabled: set [board] staff_password_hash (lapgate hash-password)."
    elif _throttled(address):
        error = f"Too many failed attempts; wait {FAILURE_WINDOW_S:.0f} s."
    elif (checked := _check_password(password_hash, request.form.get("password", ""))) is None:
        error = "The board is busy checking other logins; try again in a moment."
        return render_template("login.html", error=error), 429
    elif checked:
        session.clear()
        session["staff"] = True
        csrf_token()  # a fresh token for the staff session
        return redirect("/control")
    else:
        _note_failure(address)
        error = "Wrong password."
    return render_template("login.html", error=error), 401


@bp.post("/control/logout")
def logout() -> Any:
    if csrf_ok(request.form.get("csrf_token")):
        session.clear()
    return redirect("/control")
