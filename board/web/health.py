"""`GET /healthz`: is the venue board alive? For systemd watchdogs, load balancers, staff.

200 when the engine host answers a read within 2 s, with the gates' health; 503 (and the
reason) when it does not. Public and cheap: no race data beyond the gates' lights.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.views import gates_view

bp = Blueprint("health", __name__)
TIMEOUT_S = 2.0


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/healthz")
def healthz() -> Any:
    host: EngineHost = current_app.extensions["lapgate.host"]
    try:
        gates = host.call(gates_view, timeout_s=TIMEOUT_S)
    except (HostStopped, TimeoutError) as exc:
        response = jsonify({"status": "error", "engine": f"not answering ({exc!r:.80})"})
        response.status_code = 503
        return response
    worst = "error" if any(g["level"] == "error" for g in gates.values()) else "ok"
    return jsonify({"status": "ok", "engine": "ok", "gates": gates, "gates_status": worst})


@bp.get("/healthz/engine")
def engine_timing() -> Any:
    """The engine's enqueue-to-commit times (µs, the last 1,000 changes) and the delivery
    queue: bench/latency.py reads it to show the host never waits on the screens."""
    host: EngineHost = current_app.extensions["lapgate.host"]
    try:
        commits, commit_ns = host.call(
            lambda race: (host.commits, list(host.commit_ns)), timeout_s=TIMEOUT_S
        )
    except (HostStopped, TimeoutError) as exc:
        response = jsonify({"status": "error", "engine": f"not answering ({exc!r:.80})"})
        response.status_code = 503
        return response
    delivery = current_app.extensions.get("lapgate.delivery")
    queued = None
    if delivery is not None:
        queued = {"pending": delivery.pending, "sent": delivery.delivered}
        queued["dropped"] = delivery.dropped
    return jsonify(
        {
            "commits": commits,
            "commit_us": [round(ns / 1000) for ns in commit_ns],
            "delivery": "queued" if delivery is not None else "inline",
            "queue": queued,
        }
    )
