"""The JSON API and the pages: stable ids, clear errors, OpenAPI, local assets only."""

from __future__ import annotations

import re

from web_support import Board

from lapgate.board.live.commands import COMMANDS


def test_api_reads_share_stable_ids(board: Board) -> None:
    board.queue("Alice")
    run_id = board.stage()
    board.cross(1)
    board.cross(9.5)
    client = board.app.test_client()
    event = client.get("/api/event").json
    [round_info] = event["rounds"]
    board_rows = client.get(f"/api/rounds/{round_info['round_id']}/leaderboard").json
    racer_id = board_rows[0]["racer_id"]
    run = client.get(f"/api/runs/{run_id}").json
    assert run["racer_id"] == racer_id and run["laps"][0]["duration_ms"] == 9500
    events = client.get(f"/api/runs/{run_id}/events").json
    assert [(e["event_id"], e["kind"]) for e in events] == [(1, "crossing"), (2, "crossing")]
    racer = client.get(f"/api/racers/{racer_id}").json
    assert [r["run_id"] for r in racer["runs"]] == [run_id]
    assert client.get("/api/racers?q=ali").json == [
        {"racer_id": racer_id, "alias": "Alice", "runs": 1}
    ]
    assert client.get("/api/racers?q=zed").json == []
    track = client.get("/api/tracks/track-1").json
    assert track["run"]["run_id"] == run_id
    assert client.get("/api/gates").json["finish"]["level"] == "unknown"
    assert client.get(f"/api/rounds/{round_info['round_id']}/queue").json == []


def test_unknown_ids_are_json_404s_naming_the_value(board: Board) -> None:
    client = board.app.test_client()
    response = client.get("/api/runs/nope")
    assert response.status_code == 404
    assert response.json == {"error": "run: got 'nope', expected a known run id", "status": 404}
    assert client.get("/api/tracks/nope").status_code == 404
    assert client.get("/api/rounds/nope/leaderboard").status_code == 404
    assert client.get("/api/no/such/path").json["status"] == 404


def test_openapi_document_lists_every_path_and_action(board: Board) -> None:
    document = board.app.test_client().get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    for name, spec in COMMANDS.items():
        body = paths[f"/api/control/{name}"]["post"]["requestBody"]["content"]
        ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
        assert document["components"]["schemas"][ref]["title"] == spec.model.__name__
    routes = set()
    for rule in board.app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        if path == "/api/control/{action}":
            routes.update(f"/api/control/{name}" for name in COMMANDS)
            continue
        routes.add(path)
        methods = {m.lower() for m in rule.methods or ()} - {"head", "options"}
        assert methods <= set(paths.get(path, {})), f"{path}: {methods} not documented"
    assert routes <= set(paths)
    # registered when sync is configured
    assert set(paths) - routes <= {"/api/sync", "/api/sync/retry"}


def test_pages_load_only_local_assets(board: Board) -> None:
    client = board.app.test_client()
    for page in ("/", "/m", "/overlay", "/control"):
        html = client.get(page).get_data(as_text=True)
        for url in re.findall(r'(?:src|href)="([^"]+)"', html):
            assert url.startswith("/"), f"{page} loads {url}"
            if url.startswith("/static/"):
                response = client.get(url)
                assert response.status_code == 200, url
                response.close()


def test_qr_code_points_at_the_spectator_page(board: Board) -> None:
    response = board.app.test_client().get("/qr.svg")
    assert response.mimetype == "image/svg+xml"
    assert response.data.startswith(b"<?xml") and b"<svg" in response.data


def test_racer_names_are_escaped_in_server_html(board: Board) -> None:
    # Pages carry no racer data (it arrives as JSON and is set with textContent), but the
    # login error path and any template output must stay escaped.
    board.queue("<img src=x onerror=alert(1)>")
    html = board.app.test_client().get("/m").get_data(as_text=True)
    assert "<img src=x" not in html
    snapshot = board.app.test_client().get("/api/snapshot").json
    assert snapshot["tracks"][0]["queue"][0]["name"] == "<img src=x onerror=alert(1)>"


def test_leaderboard_endpoint_names_the_laps_behind_each_result(board: Board) -> None:
    board.queue("Alice")
    run_id = board.stage()
    board.cross(1)
    board.cross(9.5)
    board.cross(9.25)
    client = board.app.test_client()
    round_id = client.get("/api/event").json["rounds"][0]["round_id"]
    [row] = client.get(f"/api/rounds/{round_id}/leaderboard").json
    assert row["laps_in_metric"] == [{"run_id": run_id, "lap": 2, "duration_ms": 9250}]
    pushed = client.get("/api/snapshot").json["tracks"][0]["leaderboard"][0]
    assert "laps_in_metric" not in pushed


def test_a_stopped_engine_answers_503_not_a_crash(board: Board) -> None:
    board.host.stop()
    client = board.app.test_client()
    response = client.get("/api/event")
    assert response.status_code == 503
    assert "engine is not answering" in response.json["error"]
