"""The composition root: a gate that cannot start leaves the board up with a red light."""

from __future__ import annotations

from web_support import make_settings

from lapgate.board.service import Service, UnavailableGate
from lapgate.board.store import MemoryStore


def test_a_gate_that_cannot_start_shows_red_and_the_board_serves() -> None:
    settings = make_settings()
    gate = UnavailableGate("finish", OSError("no /dev/gpiochip0"))
    service = Service(settings, MemoryStore(), gates={"finish": gate}, port=0)
    service.start()
    try:
        service.host.sync()
        health = service.host.snapshot()["gates"]["finish"]
        assert health["level"] == "error"
        assert "no /dev/gpiochip0" in health["detail"]
        response = service.app.test_client().get("/api/gates")
        assert response.json["finish"]["level"] == "error"
    finally:
        service.stop()
