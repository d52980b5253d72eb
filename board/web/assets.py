"""Static files on the wire: versioned URLs cached for a year, text and SVG gzipped.

A phone on venue Wi-Fi loads the board's CSS, JavaScript and fonts once: `url_for('static',
…)` adds ``v=<hash of the file>``, and a URL with the right version may be kept a year (a
changed file gets a new URL). CSS, JavaScript and SVG (static files, and the charts and
QR code the board draws) go out gzipped to a browser that accepts it (Socket.IO's client
is 47 KB raw, 15 KB gzipped); a static file is compressed once per version. The fonts are
WOFF2 subsets, already compressed (see tools/subset_fonts.py).
"""

from __future__ import annotations

import gzip
import hashlib
from functools import lru_cache
from pathlib import Path

from flask import Flask, Response, request

YEAR_S = 365 * 24 * 3600
COMPRESSIBLE = frozenset(
    {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "text/plain"}
)
MIN_GZIP_BYTES = 1024


@lru_cache(maxsize=256)
def _version(path: Path, mtime_ns: int) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def init_app(app: Flask) -> None:
    static = Path(app.static_folder or "")
    packed: dict[tuple[str, str], bytes] = {}  # (path, ETag) → gzipped body

    def version_of(filename: str) -> str | None:
        path = (static / filename).resolve()
        if static.resolve() not in path.parents or not path.is_file():
            return None
        return _version(path, path.stat().st_mtime_ns)

    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, object]) -> None:
        if endpoint == "static" and "v" not in values and isinstance(values.get("filename"), str):
            version = version_of(str(values["filename"]))
            if version is not None:
                values["v"] = version

    default_max_age = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        wanted = request.args.get("v")
        if filename and wanted and wanted == version_of(filename):
            return YEAR_S
        return default_max_age(filename)

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]

    @app.after_request
    def _gzip(response: Response) -> Response:
        if (
            (request.endpoint != "static" and response.mimetype != "image/svg+xml")
            or response.status_code != 200
            or response.mimetype not in COMPRESSIBLE
            or "gzip" not in request.headers.get("Accept-Encoding", "")
            or "Content-Encoding" in response.headers
        ):
            return response
        response.direct_passthrough = False
        body = response.get_data()
        if len(body) < MIN_GZIP_BYTES:
            return response
        etag, _weak = response.get_etag()
        if etag is None:  # drawn per request (a chart): compressed per request
            response.set_data(gzip.compress(body, compresslevel=6, mtime=0))
        else:
            key = (request.path, etag)
            if key not in packed:
                packed[key] = gzip.compress(body, compresslevel=6, mtime=0)
            response.set_data(packed[key])
        response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
        if etag:  # the same file in another encoding: equal, not byte-identical
            response.set_etag(etag, weak=True)
        return response
