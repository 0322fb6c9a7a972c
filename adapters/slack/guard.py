"""What slack-bolt does not do for us, done before a request reaches it.

Probing bolt 1.30 showed a malformed body or a non-numeric timestamp giving a 500 before the
signature is checked, and a bad signature logging the whole body at INFO (a DM could end up in
logs). Here every request is size-checked (413 over 1 MiB, :mod:`adapters.edges`), then signature-checked with Slack's
algorithm (401 if unsigned, badly signed, stale or future-dated), then shape-checked (400 if
malformed: the fields bolt and our listeners read must have the types Slack gives them) — and
nothing about the body is ever logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web
from slack_sdk.signature import Clock, SignatureVerifier

from ..edges import Refused, read_body
from ..untrusted import field, objects, parse_object, strings

_FORM = re.compile(r"[^=&]+=[^&]*(?:&[^=&]+=[^&]*)*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: "²".isdigit() is true, int("²") fails
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
MAX_SKEW = 60 * 5
_LISTENED = ("message", "app_mention", "app_home_opened")

log = logging.getLogger("chatops.slack")


class SlackGuard:
    def __init__(self, signing_secret: str, clock: Callable[[], float] = time.time) -> None:
        self._verifier = SignatureVerifier(signing_secret, clock=_Clock(clock))
        self._clock = clock

    async def read(self, request: web.Request) -> str:
        """The request's body if it may pass, else :class:`~adapters.edges.Refused`."""
        raw = await read_body(request)
        timestamp = request.headers.get("X-Slack-Request-Timestamp", "")
        signature = request.headers.get("X-Slack-Signature", "")
        if not _TIMESTAMP.fullmatch(timestamp) or not _SIGNATURE.fullmatch(signature):
            raise Refused(401, "unsigned request")
        if abs(self._clock() - int(timestamp)) > MAX_SKEW:
            raise Refused(401, "stale or future-dated request")
        try:
            body = raw.decode("utf-8")  # before the verifier, which decodes without catching
        except UnicodeDecodeError:
            raise Refused(400, "malformed request") from None
        if not self._verifier.is_valid(body, timestamp, signature):
            raise Refused(401, "bad signature")
        try:
            _check_shape(request.content_type, body)
        except ValueError:
            raise Refused(400, "malformed request") from None
        return body


def _check_shape(content_type: str, body: str) -> None:
    if content_type == "application/json":
        _check_json(parse_object(body))
        return
    if content_type != "application/x-www-form-urlencoded":
        raise ValueError("unexpected content type")
    # the pattern refuses what parse_qs would silently skip (a bare word, a broken escape)
    if not _FORM.fullmatch(body) or _BAD_ESCAPE.search(body):
        raise ValueError("not a form")
    form = parse_qs(body)
    if "payload" in form:
        _check_payload(parse_object(form["payload"][0]))
    elif "command" in form and "user_id" not in form:
        raise ValueError("a command from nobody")


def _check_json(body: dict[str, Any]) -> None:
    """The Events API envelope and the event fields the listeners read."""
    kind = field(body, "type", str, required=True)
    strings(body, "token", "team_id", "api_app_id", "event_id", "challenge", "enterprise_id")
    if kind != "event_callback":
        return
    event = field(body, "event", dict, required=True) or {}
    if field(event, "type", str, required=True) not in _LISTENED:
        return  # bolt acknowledges events nobody listens for; other events give "user" other shapes
    strings(event, "user", "channel", "text", "channel_type", "tab", "bot_id", "subtype")
    if not (event.get("subtype") or event.get("bot_id")):  # a person's event: whose, and where
        field(event, "user", str, required=True)
        field(event, "channel", str, required=event["type"] != "app_home_opened")


def _check_payload(payload: dict[str, Any]) -> None:
    """An interactive payload (button presses): who pressed what, where."""
    kind = field(payload, "type", str, required=True)
    user = field(payload, "user", dict, required=True) or {}
    field(user, "id", str, required=True)
    strings(payload, "response_url", "trigger_id")
    for key in ("team", "enterprise", "channel", "container"):
        strings(field(payload, key, dict) or {}, "id", "type", "channel_id")
    if kind == "block_actions":
        actions = objects(payload, "actions")
        if not actions:
            raise ValueError("no actions")
        for action in actions:
            field(action, "action_id", str, required=True)
            strings(action, "value", "block_id", "type")


class _Clock(Clock):
    """slack_sdk's verifier asks a clock object for ``now()``; ours can be set by tests."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock()
