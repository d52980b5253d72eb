"""Bytes on the wire for a first visit of the board's pages (empty cache), with Chromium.

Starts a real `lapgate run` (simulated gate, 100 × real time), races 20 racers two laps
each, then loads the phone page (/m), the big screen (/) and the overlay in fresh browser
contexts and sums every HTTP response (headers + body as sent) and WebSocket frame. The
second column asks for no compression (`Accept-Encoding: identity`), to show what gzip
saves; the full TTFs the pages loaded before the WOFF2 subsets are listed for comparison.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from update_size import (  # noqa: E402
    Spectator,
    Staff,
    config,
    free_port,
    lapgate_run,
    race,
    wait,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = ("/m", "/m?lang=ja", "/", "/overlay")


def first_visit(browser: Any, url: str, headers: dict[str, str]) -> dict[str, int]:
    """Bytes received per path (and ``websocket``) loading `url` with an empty cache."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, extra_http_headers=headers
    )
    page = context.new_page()
    received: dict[str, int] = {}

    def on_request(request: Any) -> None:
        sizes = request.sizes()
        path = "/" + request.url.split("//", 1)[1].split("/", 1)[1].split("?", 1)[0]
        received[path] = received.get(path, 0) + sizes["responseHeadersSize"]
        received[path] += sizes["responseBodySize"]

    def on_websocket(ws: Any) -> None:
        def on_frame(payload: Any) -> None:
            received["websocket"] = received.get("websocket", 0) + len(payload)

        ws.on("framereceived", on_frame)

    page.on("requestfinished", on_request)
    page.on("websocket", on_websocket)
    try:
        page.goto(url)
        page.wait_for_function(
            "window.__lapgate && window.__lapgate.state && !window.__lapgate.awaiting"
        )
        page.wait_for_function("document.fonts.status === 'loaded'")
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    return received


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        port = free_port()
        with lapgate_run(tmp, config(tmp, port), port) as base:
            staff = Staff(base)
            spectator = Spectator(base)
            wait(lambda: spectator.state is not None, "snapshot")
            for n in range(1, 21):
                race(staff, spectator, f"Racer {n:02d}", 2)
            spectator.close()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                rows = []
                for path in PAGES:
                    packed = first_visit(browser, base + path, {})
                    plain = first_visit(browser, base + path, {"Accept-Encoding": "identity"})
                    rows.append((path, packed, plain))
                browser.close()
    print("first visit, bytes on the wire (HTTP headers + bodies, WebSocket frames)")
    print("20 racers in the round; Chromium, empty cache")
    for path, packed, plain in rows:
        print(f"\n{path}: {sum(packed.values()):,} B (without gzip: {sum(plain.values()):,} B)")
        for item, size in sorted(packed.items(), key=lambda kv: -kv[1]):
            print(f"  {item:<52} {size:>8,}")
    fonts = ROOT / "board" / "static" / "fonts"
    ttf = sum(p.stat().st_size for p in fonts.glob("*.ttf"))
    print(f"\nthe full TTFs the pages loaded before the subsets: {ttf:,} B")


if __name__ == "__main__":
    main()
