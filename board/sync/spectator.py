"""The spectator process on gevent: `lapgate spectate` runs this in a fresh interpreter.

gevent must patch the standard library (sockets, threads, `time.sleep`) before anything
else imports it, so the command does not run this in the click process: it replaces
itself (`exec`) with ``python -c "<patch>; main()"`` (`command_line`). Then one event loop
serves every phone of the process: Flask-SocketIO in gevent mode, WebSockets by
simple-websocket on gevent's primitives, the Redis subscription and the owner's snapshot
requests as greenlets.

Why gevent rather than asyncio (python-socketio's AsyncServer and an ASGI server): the
spectator keeps the one Flask-SocketIO app and namespace code the tests run threaded, and
gevent is packaged for Raspberry Pi OS (python3-gevent) with wheels for arm64 and armhf.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

PATCH = "from gevent import monkey; monkey.patch_all()"
log = logging.getLogger(__name__)


def command_line(message_queue: str, owner_url: str, host_ip: str, port: int) -> list[str]:
    """The argv that `exec` replaces `lapgate spectate` with."""
    program = f"{PATCH}\nfrom lapgate.board.sync.spectator import main\nmain()"
    options = ["--message-queue", message_queue, "--owner", owner_url, "--host", host_ip]
    return [sys.executable, "-c", program, *options, "--port", str(port)]


def main(argv: list[str] | None = None) -> None:
    """Serve a spectator on gevent until SIGTERM or SIGINT (the process is patched)."""
    import gevent
    from gevent.pywsgi import WSGIServer

    from lapgate.board.sync.fanout import create_spectator_app

    parser = argparse.ArgumentParser(prog="lapgate spectate")
    parser.add_argument("--message-queue", required=True)
    parser.add_argument("--owner", default="")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5001)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app, _socketio = create_spectator_app(args.message_queue, args.owner, async_mode="gevent")
    server = WSGIServer((args.host, args.port), app, log=None, error_log=log)
    server.start()
    print(
        f"spectator (gevent): http://{args.host}:{server.server_port}/ "
        f"(owner {args.owner or 'none'})",
        flush=True,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, server.stop)
    server.serve_forever()
