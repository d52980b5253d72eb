"""Downloads of the event's results from the control page (staff only).

`GET /api/export/<format>` with format ``final-csv`` (deepracer-race-data columns, ms),
``laps-csv`` (one row per lap), ``json`` (everything), ``drem-laps-csv`` and
``drem-summary-csv`` (DeepRacer Event Management's columns), ``pdf`` (printable pages,
`?kind=results|podium|certificates|summary|all`) or ``html`` (the same pages with print
CSS, shown in the browser rather than downloaded), optionally `?round=` (id, name or
number). The same `export_file` serves `lapgate export`; CSV cells that a spreadsheet
would run as a formula are neutralised there. Read-only, so a staff session suffices (no
CSRF token: nothing changes).
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, abort, current_app, request

from lapgate.board.i18n import request_error_text
from lapgate.board.i18n import request_gettext as _
from lapgate.board.league.event_export import PRINT_FORMATS, ExportError, ExportFormat, export_file
from lapgate.board.league.printout import PrintKind
from lapgate.board.league.service import ResultStore
from lapgate.board.web.auth import is_staff

bp = Blueprint("exports", __name__, url_prefix="/api/export")
MEDIA_TYPES = {
    ExportFormat.FINAL_CSV: ("text/csv", "csv"),
    ExportFormat.LAPS_CSV: ("text/csv", "csv"),
    ExportFormat.JSON: ("application/json", "json"),
    ExportFormat.DREM_LAPS_CSV: ("text/csv", "csv"),
    ExportFormat.DREM_SUMMARY_CSV: ("text/csv", "csv"),
    ExportFormat.PDF: ("application/pdf", "pdf"),
    ExportFormat.HTML: ("text/html", "html"),
}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/<fmt>")
def download(fmt: str) -> Response:
    if not is_staff():
        abort(401, _("staff login required: log in on /control"))
    try:
        export_format = ExportFormat(fmt)
    except ValueError:
        expected = ", ".join(f.value for f in ExportFormat)
        abort(
            400,
            _(
                "export format: got %(fmt)s, expected one of %(expected)s",
                fmt=repr(fmt),
                expected=expected,
            ),
        )
    host = current_app.extensions["lapgate.host"]
    result_store: ResultStore | None = current_app.extensions["lapgate.results"]
    event = host.call(lambda race: race.event)
    if result_store is None or event is None:
        abort(503, _("export: this board's store keeps no results; use the SQL store"))
    round_key = request.args.get("round") or None
    kind = request.args.get("kind") or PrintKind.ALL.value
    if kind not in set(PrintKind):
        expected = ", ".join(k.value for k in PrintKind)
        abort(
            400,
            _(
                "print kind: got %(kind)s, expected one of %(expected)s",
                kind=repr(kind),
                expected=expected,
            ),
        )
    try:
        body = export_file(result_store, event.event_id, export_format, round_key, kind=kind)
    except ExportError as exc:
        abort(404, request_error_text(exc))
    media_type, extension = MEDIA_TYPES[export_format]
    printed = export_format in PRINT_FORMATS
    label = f"{fmt}-{kind}" if printed else fmt
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{event.name}-{round_key or 'all'}-{label}")
    stem = stem.strip("-")
    disposition = "inline" if export_format is ExportFormat.HTML else "attachment"
    return Response(
        body,
        mimetype=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{stem}.{extension}"'},
    )
