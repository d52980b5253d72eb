"""Staff commands over HTTP and the control socket: a transport for `board.live.commands`.

`perform` hands a command name and its JSON payload to the engine host, which checks it
against the command table and runs it on the host thread. Lapgate errors (a bad value, a
rule, an unknown id) come back as they are, for `error_status` to map; anything else (the
store failed, the host is stopped or busy) becomes `ActionFailed`, so the daemon answers
and keeps running.
"""

from __future__ import annotations

import logging
from typing import Any

from lapgate.board.live.host import EngineHost, HostStopped
from lapgate.board.live.race import ActionError, NeedsAnswer
from lapgate.timer.errors import LapgateError, RuleViolation

log = logging.getLogger(__name__)
Payload = dict[str, Any]


class ActionFailed(LapgateError, RuntimeError):
    """An action could not be carried out for a reason that is not the request's fault."""


def perform(host: EngineHost, name: object, payload: object, key: object = None) -> Payload:
    """Run staff command `name` with `payload` on the host; its result.

    `key` (the action's idempotency key, optional): a retry with the same key applies the
    action once and answers as the first attempt did (see `EngineHost.execute`).
    """
    try:
        return host.execute(name, payload, key=key)
    except (HostStopped, TimeoutError) as exc:
        raise ActionFailed(
            "{name}: the engine is not answering ({exc}); try again", name=name, exc=exc
        ) from exc
    except LapgateError:
        raise
    except Exception as exc:
        log.exception("action %s failed", name)
        raise ActionFailed(
            "{name}: failed and nothing was changed ({exc})", name=name, exc=exc
        ) from exc


def error_status(exc: Exception) -> int:
    """The HTTP status for an error a command raised."""
    if isinstance(exc, LookupError):
        return 404
    if isinstance(exc, ActionError):
        return 400
    if isinstance(exc, RuleViolation | NeedsAnswer):
        return 409
    if isinstance(exc, ActionFailed | HostStopped | OSError):  # OSError: the store failed
        return 503
    return 500


def error_reply(exc: Exception) -> Payload:
    """An error as a command's JSON answer: the message in the client's language, its
    status, any question, and `template`: the English message id, the same in every
    language, for pages that tell one refusal from another."""
    from lapgate.board.i18n import request_error_text

    status = error_status(exc)
    reply: Payload = {"ok": False, "status": status, "error": request_error_text(exc)}
    reply["template"] = getattr(exc, "template", "") or str(exc)
    if isinstance(exc, NeedsAnswer):
        reply.update(exc.details)
    return reply
