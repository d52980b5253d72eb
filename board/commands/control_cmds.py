"""`lapgate control COMMAND field=value ...`: a staff command to a running board, from a shell.

The command and its fields are checked here against the live core's command table (the
same models the board checks), then sent to ``POST /api/control/<command>`` after logging
in through the board's staff form. The password comes from ``LAPGATE_STAFF_PASSWORD`` or
a prompt. ``lapgate control --list`` prints every command with its fields.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import click

from lapgate.board.i18n import cli_gettext as _
from lapgate.board.live.commands import COMMANDS, parse
from lapgate.timer.errors import LapgateError

PASSWORD_ENV = "LAPGATE_STAFF_PASSWORD"
TIMEOUT_S = 15
RETRIES = 2
RETRY_AFTER_S = 1.0


class ControlError(LapgateError, RuntimeError):
    """The board refused the command or could not be reached."""


def field_value(text: str) -> Any:
    """A `field=value` value: JSON when it parses (numbers, true/false, lists), else text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def payload_of(fields: tuple[str, ...]) -> dict[str, Any]:
    payload: dict[str, Any] = {}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(
                _("got {item!r}, expected field=value").format(item=item), param_hint="FIELDS"
            )
        payload[key] = field_value(value)
    return payload


class BoardClient:
    """A staff session on a board over HTTP (cookie + CSRF token), standard library only."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url.rstrip("/")
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.token = ""

    def _open(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=TIMEOUT_S) as response:
                return int(response.status), response.read().decode("utf-8")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace")
        except (urllib.error.URLError, OSError) as exc:
            raise ControlError(
                "board {url}: not reachable ({reason}); is it running?",
                url=self.base,
                reason=str(exc),
            ) from None

    def _page_token(self, pattern: str) -> str:
        status, page = self._open(urllib.request.Request(f"{self.base}/control"))
        found = re.search(pattern, page)
        if status != 200 or found is None:
            raise ControlError(
                "board {url}: /control answered {status}, not a lapgate board",
                url=self.base,
                status=status,
            )
        return found.group(1)

    def login(self, password: str) -> None:
        token = self._page_token(r'name="csrf_token" value="([^"]+)"')
        form = urllib.parse.urlencode({"password": password, "csrf_token": token}).encode()
        request = urllib.request.Request(f"{self.base}/control/login", data=form, method="POST")
        status, body = self._open(request)
        if status >= 400:
            said = re.search(r'<p class="error" role="alert">([^<]*)</p>', body)
            reason = html.unescape(said.group(1)) if said else body[:200]
            raise ControlError(
                "login to {url}: refused ({status}): {reason}",
                url=self.base,
                status=status,
                reason=reason,
            )
        self.token = self._page_token(r'<meta name="csrf-token" content="([^"]+)">')

    def command(self, name: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Send the command; while the engine is busy (503) try again with the same
        Idempotency-Key, so the board applies it once."""
        key = secrets.token_hex(16)
        for attempt in range(RETRIES + 1):
            request = urllib.request.Request(
                f"{self.base}/api/control/{name}",
                data=json.dumps(payload).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-CSRF-Token": self.token,
                    "Idempotency-Key": key,
                },
                method="POST",
            )
            status, body = self._open(request)
            if status != 503 or attempt == RETRIES:
                break
            time.sleep(RETRY_AFTER_S)
        try:
            answer: dict[str, Any] = json.loads(body)
        except ValueError:
            raise ControlError(
                "{command}: the board answered {status}: {body}",
                command=name,
                status=status,
                body=body[:200],
            ) from None
        if status != 200:
            raise ControlError(
                "{command}: {error} (HTTP {status})",
                command=name,
                error=answer.get("error", body[:200]),
                status=status,
            )
        return answer


def command_list() -> str:
    lines = []
    for spec in COMMANDS.values():
        fields = ", ".join(
            f"{name}{'' if field.is_required() else '?'}"
            for name, field in spec.model.model_fields.items()
        )
        listed = _("fields: {fields}").format(fields=fields or "-")
        lines.append(f"{spec.name:<22} {spec.summary}\n{'':<22} {listed}")
    return "\n".join(lines)


@click.command(
    "control",
    context_settings={"ignore_unknown_options": False},
    help=_(
        "Send staff COMMAND with FIELDS (field=value ...) to a running board.\n\n"
        'Example: lapgate control round_close round_id="Round of 32". Values are JSON where '
        'they parse (5, true, ["a","b"]), else text. The staff password is read from '
        "LAPGATE_STAFF_PASSWORD, or asked for."
    ),
)
@click.argument("command", required=False)
@click.argument("fields", nargs=-1)
@click.option("--url", default="http://127.0.0.1:5000", show_default=True, help=_("The board."))
@click.option("--list", "list_commands", is_flag=True, help=_("List every command and its fields."))
def control(command: str | None, fields: tuple[str, ...], url: str, list_commands: bool) -> None:
    if list_commands or command is None:
        click.echo(command_list())
        return
    payload = payload_of(fields)
    parse(command, payload)  # the board's own checks, before asking for a password
    password = os.environ.get(PASSWORD_ENV) or click.prompt(_("Staff password"), hide_input=True)
    client = BoardClient(url)
    client.login(password)
    answer = client.command(command, payload)
    click.echo(json.dumps(answer, indent=2, ensure_ascii=False))  # machine output: the answer


def register(group: click.Group) -> None:
    group.add_command(control)
