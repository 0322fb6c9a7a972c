"""Hostile requests against a real chatops server over loopback, serving Slack and Teams at once.

Each case is sent as raw bytes on its own connection, so that what an attacker can send (a bad
header, a lying length, a body in pieces) is sent exactly. Each must be refused with a clear 4xx
(never a 5xx), leave the server answering /healthz, and put nothing of what was sent in the logs.
Also here: slow clients are cut off, platform errors that are not JSON are retried rather than
crashing, and Slack's block limits hold for clauses longer than a section.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import hashlib
import hmac
import json
import logging
import time
import zlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.app import web_client
from adapters.slack.blocks import MAX_SECTION, messages
from adapters.slack.deliver import api_error
from adapters.slack.testing import FakeSlackAPI, signed
from adapters.teams.testing import Tokens, activity
from adapters.untrusted import retry_after
from chatops.reply import Quote, Reply

from .test_slack import SECRET, slack_settings
from .test_teams import APP_ID, Teams, running_teams

on_the_server = pytest.mark.asyncio(loop_scope="module")  # the tests that share one running server

MARK = "HOSTILE-MARK-7f3a"  # in every hostile request: must never reach a log line
READ_TIMEOUT = 0.5  # the server's, here: slow-client cases take about this long
MIB = 1024 * 1024


@dataclass
class Served:
    teams: Teams
    slack_api: FakeSlackAPI

    @property
    def port(self) -> int:
        port = self.teams.server.port
        assert port is not None
        return port

    def token(self, **options: Any) -> str:
        return self.teams.fake.tokens.token(APP_ID, self.teams.fake.service_url, **options)


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def served(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Served]:
    api = await FakeSlackAPI().start()
    try:
        path = tmp_path_factory.mktemp("hostile")
        async with running_teams(path, slack_settings=slack_settings(api), read_timeout=READ_TIMEOUT) as teams:
            yield Served(teams, api)
    finally:
        await api.close()


# --- raw HTTP ---------------------------------------------------------------------------------


def http(
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes = b"",
    *,
    chunked: bool = False,
    length: bool = True,
) -> bytes:
    """One HTTP/1.1 request as bytes; ``chunked`` sends the body in 64 KiB chunks."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        pieces = [body[i : i + 65536] for i in range(0, len(body), 65536)]
        body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    elif length and (body or method == "POST"):
        lines.append(f"Content-Length: {len(body)}")
    return "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n" + body


async def exchange(port: int, data: bytes) -> int:
    """Send ``data`` on a new connection and return the response's status; 0 if none."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        try:
            writer.write(data)
            await writer.drain()
        except ConnectionError:
            pass  # refused before it was all sent: the answer is what matters
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    parts = status_line.split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


Build = Callable[[Served], bytes]


def raw(data: bytes) -> Build:
    return lambda served: data


# --- Slack ------------------------------------------------------------------------------------

FORM = "application/x-www-form-urlencoded"
COMMAND = urlencode({"command": "/protocol", "text": f"about {MARK}", "user_id": "U1", "team_id": "T1"})


def slack(
    body: str | bytes,
    content_type: str | None = FORM,
    *,
    sign: bool = True,
    headers: dict[str, str] | None = None,
    signed_body: str | None = None,
    chunked: bool = False,
) -> Build:
    """A request to /slack/events, signed (over ``signed_body`` if given) unless ``sign`` is false;
    ``headers`` replace the signature's."""
    data = body.encode() if isinstance(body, str) else body

    def build(served: Served) -> bytes:
        all_headers = {"Content-Type": content_type} if content_type else {}
        if sign:
            all_headers.update(signed(SECRET, signed_body if signed_body is not None else data.decode()))
        all_headers.update(headers or {})
        return http("POST", "/slack/events", all_headers, data, chunked=chunked)

    return build


def payload(**changes: Any) -> str:
    """A block_actions payload (a button press), with ``changes``; a value of ... removes a key."""
    body: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "channel_id": "C1", "is_ephemeral": True},
        "actions": [{"action_id": "chatops-0", "type": "button", "value": f"/protocol about {MARK}"}],
    }
    return urlencode({"payload": json.dumps(_changed(body, changes))})


def event(inner: Any = None, **changes: Any) -> str:
    """An Events API envelope around ``inner`` (by default a direct message), with ``changes``."""
    message = {"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": MARK}
    envelope = {"type": "event_callback", "team_id": "T1", "event_id": "Ev1", "event": message}
    if inner is not None:
        envelope["event"] = inner
    return json.dumps(_changed(envelope, changes))


def message(**changes: Any) -> str:
    return event(
        _changed({"type": "message", "channel_type": "im", "user": "U1", "channel": "D1", "text": MARK}, changes)
    )


def _changed(body: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = {**body, **changes}
    return {k: v for k, v in out.items() if v is not ...}


def nested(depth: int) -> str:
    return "[" * depth + json.dumps(MARK) + "]" * depth


def slack_signature(body: str | bytes, timestamp: str) -> dict[str, str]:
    """Slack's signature, also over bytes that are not UTF-8 (``signed`` takes text)."""
    data = body.encode() if isinstance(body, str) else body
    digest = hmac.new(SECRET.encode(), f"v0:{timestamp}:".encode() + data, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


NOW = int(time.time())
GOOD = signed(SECRET, COMMAND)["X-Slack-Signature"]
BIG = "x" * (MIB + 10)
NOT_UTF8 = b"text=\xff\xfe" + MARK.encode()

SLACK_CASES: list[tuple[str, Build, int]] = [
    ("unsigned", slack(COMMAND, sign=False), 401),
    ("timestamp ²", slack(COMMAND, headers={"X-Slack-Request-Timestamp": "²"}), 401),
    ("timestamp of 5000 digits", slack(COMMAND, headers={"X-Slack-Request-Timestamp": "9" * 5000}), 401),
    ("timestamp in Arabic-Indic digits", slack(COMMAND, headers={"X-Slack-Request-Timestamp": "١٧٠٠٠٠٠٠٠٠"}), 401),
    ("timestamp negative", slack(COMMAND, headers={"X-Slack-Request-Timestamp": "-1"}), 401),
    ("timestamp with a fraction", slack(COMMAND, headers={"X-Slack-Request-Timestamp": f"{NOW}.5"}), 401),
    ("timestamp empty", slack(COMMAND, headers={"X-Slack-Request-Timestamp": ""}), 401),
    ("timestamp stale", slack(COMMAND, sign=False, headers=slack_signature(COMMAND, str(NOW - 600))), 401),
    ("timestamp in the future", slack(COMMAND, sign=False, headers=slack_signature(COMMAND, str(NOW + 600))), 401),
    ("timestamp zero", slack(COMMAND, sign=False, headers=slack_signature(COMMAND, "0")), 401),
    ("signature non-ASCII", slack(COMMAND, headers={"X-Slack-Signature": "v0=" + "é" * 64}), 401),
    ("signature version 1", slack(COMMAND, headers={"X-Slack-Signature": "v1=" + GOOD[3:]}), 401),
    ("signature in capitals", slack(COMMAND, headers={"X-Slack-Signature": "v0=" + GOOD[3:].upper()}), 401),
    ("signature of zeros", slack(COMMAND, headers={"X-Slack-Signature": "v0=" + "0" * 64}), 401),
    ("signature empty", slack(COMMAND, headers={"X-Slack-Signature": ""}), 401),
    ("signature of 5000 characters", slack(COMMAND, headers={"X-Slack-Signature": "v0=" + "a" * 5000}), 401),
    ("signature bare hex", slack(COMMAND, headers={"X-Slack-Signature": GOOD[3:]}), 401),
    ("signature of another body", slack(COMMAND, signed_body=COMMAND.replace("U1", "U2")), 401),
    ("body changed after signing", slack(COMMAND + "&x=1", signed_body=COMMAND), 401),
    ("signature with the secret as key name", slack(COMMAND, headers={"X-Slack-Signature": f"v0={SECRET}"}), 401),
    ("unsigned over 1 MiB", slack(BIG, sign=False), 413),
    ("unsigned over 1 MiB chunked", slack(BIG, sign=False, chunked=True), 413),
    ("signed over 1 MiB", slack(BIG), 413),
    ("signed over 1 MiB chunked", slack(BIG, chunked=True), 413),
    ("press with user a number", slack(payload(user=5)), 400),
    ("press with user id a number", slack(payload(user={"id": 5})), 400),
    ("press without user", slack(payload(user=...)), 400),
    ("press with actions []", slack(payload(actions=[])), 400),
    ("press with actions [null]", slack(payload(actions=[None])), 400),
    ("press with actions a string", slack(payload(actions=MARK)), 400),
    ("press without action_id", slack(payload(actions=[{"value": MARK}])), 400),
    ("press with action_id a number", slack(payload(actions=[{"action_id": 0, "value": MARK}])), 400),
    ("press with value a list", slack(payload(actions=[{"action_id": "chatops-0", "value": [MARK]}])), 400),
    ("press without type", slack(payload(type=...)), 400),
    ("press with team a string", slack(payload(team=MARK)), 400),
    ("press with channel a list", slack(payload(channel=[MARK])), 400),
    ("press with container a string", slack(payload(container=MARK)), 400),
    ("press with response_url a number", slack(payload(response_url=5)), 400),
    ("payload not JSON", slack(urlencode({"payload": "{" + MARK})), 400),
    ("payload a list", slack(urlencode({"payload": json.dumps([MARK])})), 400),
    ("payload nested 3,000 deep", slack(urlencode({"payload": '{"a":' + nested(3000) + "}"})), 400),
    ("payload nested 100 deep", slack(urlencode({"payload": '{"a":' + nested(100) + "}"})), 400),
    ("event a string", slack(event(MARK), "application/json"), 400),
    ("event a list", slack(event([MARK]), "application/json"), 400),
    ("event missing", slack(event(event=...), "application/json"), 400),
    ("event without type", slack(message(type=...), "application/json"), 400),
    ("event type a number", slack(message(type=5), "application/json"), 400),
    ("message with user a number", slack(message(user=5), "application/json"), 400),
    ("message without user", slack(message(user=...), "application/json"), 400),
    ("message without channel", slack(message(channel=...), "application/json"), 400),
    ("message with text an object", slack(message(text={"a": MARK}), "application/json"), 400),
    ("mention with user an object", slack(message(type="app_mention", user={"id": MARK}), "application/json"), 400),
    ("home opened with user a list", slack(message(type="app_home_opened", user=[MARK]), "application/json"), 400),
    ("envelope without type", slack(event(type=...), "application/json"), 400),
    ("envelope with event_id a number", slack(event(event_id=5), "application/json"), 400),
    ("JSON a list", slack(json.dumps([MARK]), "application/json"), 400),
    ("JSON nested 3,000 deep", slack('{"a":' + nested(3000) + "}", "application/json"), 400),
    ("JSON not JSON", slack("{" + MARK, "application/json"), 400),
    ("JSON empty", slack("", "application/json"), 400),
    ("JSON with a byte-order mark", slack("\ufeff" + message(), "application/json"), 400),
    ("JSON with NaN for a type", slack(event(type=float("nan")), "application/json"), 400),
    ("command without user_id", slack(urlencode({"command": "/protocol", "text": MARK, "team_id": "T1"})), 400),
    ("command with user_id empty", slack(urlencode({"command": "/protocol", "text": MARK, "user_id": ""})), 400),
    ("form with a broken escape", slack(COMMAND + "&text=%zz" + MARK), 400),
    ("form of one bare word", slack(MARK), 400),
    ("body not UTF-8", slack(NOT_UTF8, sign=False, headers=slack_signature(NOT_UTF8, str(NOW))), 400),
    ("content type text/plain", slack(COMMAND, "text/plain"), 400),
    ("content type missing", slack(COMMAND, None), 400),
    ("content type multipart", slack(COMMAND, "multipart/form-data; boundary=x"), 400),
]


# --- Teams ------------------------------------------------------------------------------------


def teams(
    changes: dict[str, Any] | None = None,
    *,
    token: str | Callable[[Served], str] | None = "valid",
    body: bytes | None = None,
    content_type: str | None = "application/json",
    chunked: bool = False,
) -> Build:
    """A request to /api/messages: a personal-chat message with ``changes`` (a value of ...
    removes a key), or ``body``; with a valid token, another, or none."""

    def build(served: Served) -> bytes:
        data = body
        if data is None:
            data = json.dumps(
                _changed(activity(served.teams.fake.service_url, f"about {MARK}"), changes or {})
            ).encode()
        headers = {"Content-Type": content_type} if content_type else {}
        bearer = served.token() if token == "valid" else token(served) if callable(token) else token
        if bearer is not None:
            headers["Authorization"] = bearer if bearer.startswith(("Basic", "Bearer")) else f"Bearer {bearer}"
        return http("POST", "/api/messages", headers, data, chunked=chunked)

    return build


_STRANGER = Tokens(kid="stranger")


def _claims(served: Served, **changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {"iss": "https://api.botframework.com", "aud": APP_ID, "exp": now + 600, "nbf": now - 10}
    return {**claims, "serviceurl": served.teams.fake.service_url, **changes}


TEAMS_CASES: list[tuple[str, Build, int]] = [
    ("no token", teams(token=None), 401),
    ("Basic credentials", teams(token=f"Basic {MARK}"), 401),
    ("empty bearer", teams(token="Bearer "), 401),
    ("bearer garbage", teams(token=MARK), 401),
    ("bearer of 3 dots", teams(token="..."), 401),
    ("HS256 token", teams(token=lambda s: jwt.encode(_claims(s), "s" * 32, algorithm="HS256")), 401),
    ("unsigned token", teams(token=lambda s: jwt.encode(_claims(s), None, algorithm="none")), 401),
    ("token from an unknown key", teams(token=lambda s: _STRANGER.token(APP_ID, s.teams.fake.service_url)), 401),
    (
        "token with our kid, another key",
        teams(token=lambda s: _STRANGER.token(APP_ID, s.teams.fake.service_url, kid="test-key")),
        401,
    ),
    ("token expired", teams(token=lambda s: s.token(expires_in=-3600)), 401),
    (
        "token for another app",
        teams(token=lambda s: s.teams.fake.tokens.token("another-app", s.teams.fake.service_url)),
        401,
    ),
    ("token from another issuer", teams(token=lambda s: s.token(issuer="https://evil.example")), 401),
    (
        "token for another service URL",
        teams(token=lambda s: s.teams.fake.tokens.token(APP_ID, "https://evil.example/")),
        401,
    ),
    ("token for the right URL, activity elsewhere", teams({"serviceUrl": "https://evil.example/"}), 401),
    ("channel not endorsed", teams({"channelId": "evilchannel"}), 401),
    ("no token, nested 100,000 deep", teams(body=nested(100_000).encode(), token=None), 401),
    ("no token, over 1 MiB", teams(body=BIG.encode(), token=None), 413),
    ("no token, over 1 MiB chunked", teams(body=BIG.encode(), token=None, chunked=True), 413),
    ("token, over 1 MiB chunked", teams(body=BIG.encode(), chunked=True), 413),
    ("token, nested 100,000 deep", teams(body=nested(100_000).encode()), 400),
    ("token, nested 500 deep in value", teams({"value": json.loads(nested(500))}), 400),
    ("without conversation", teams({"conversation": ...}), 400),
    ("without from", teams({"from": ...}), 400),
    ("without recipient", teams({"recipient": ...}), 400),
    ("from a string", teams({"from": MARK}), 400),
    ("recipient a string", teams({"recipient": MARK}), 400),
    ("conversation a string", teams({"conversation": MARK}), 400),
    ("conversation without id", teams({"conversation": {"conversationType": "channel"}}), 400),
    ("conversation id a number", teams({"conversation": {"id": 5}}), 400),
    ("from id null", teams({"from": {"id": None, "name": MARK}}), 400),
    ("from name a list", teams({"from": {"id": "29:u", "name": [MARK]}}), 400),
    ("id a number", teams({"id": 5}), 400),
    ("text a number", teams({"text": 5}), 400),
    ("text an object", teams({"text": {"a": MARK}}), 400),
    ("type missing", teams({"type": ...}), 400),
    ("type a number", teams({"type": 5}), 400),
    ("serviceUrl missing", teams({"serviceUrl": ...}), 400),
    ("channelId a number", teams({"channelId": 5}), 400),
    ("membersAdded a string", teams({"type": "conversationUpdate", "membersAdded": MARK}), 400),
    ("membersAdded [null]", teams({"type": "conversationUpdate", "membersAdded": [None]}), 400),
    ("membersRemoved with id a number", teams({"type": "conversationUpdate", "membersRemoved": [{"id": 5}]}), 400),
    ("entities a string", teams({"entities": MARK}), 400),
    ("entities [null]", teams({"entities": [None]}), 400),
    ("attachments a string", teams({"attachments": MARK}), 400),
    ("channelData a string", teams({"channelData": MARK}), 400),
    ("channelData tenant a string", teams({"channelData": {"tenant": MARK}}), 400),
    ("channelData team a list", teams({"channelData": {"team": [MARK]}}), 400),
    ("installation action a number", teams({"type": "installationUpdate", "action": 5}), 400),
    ("body a list", teams(body=json.dumps([MARK]).encode()), 400),
    ("body not JSON", teams(body=b"{" + MARK.encode()), 400),
    ("body empty", teams(body=b""), 400),
    ("body not UTF-8", teams(body=b'{"type": "\xff' + MARK.encode() + b'"}'), 400),
    ("without Content-Type", teams(content_type=None), 400),
    ("Content-Type text/plain", teams(content_type="text/plain"), 400),
    ("Content-Type form", teams(content_type=FORM), 400),
]


# --- plain HTTP -------------------------------------------------------------------------------

HEALTHZ_POST = http("POST", "/healthz", {}, MARK.encode())
_GZIP_BOMB = gzip.compress(b"{" + b" " * (8 * MIB) + b"}")

PLAIN_CASES: list[tuple[str, Build, int]] = [
    ("unknown path", raw(http("GET", f"/{MARK}")), 404),
    ("path with ..", raw(http("GET", f"/../../etc/{MARK}")), 404),
    ("path with an encoded NUL", raw(http("GET", f"/healthz%00{MARK}")), 404),
    ("path not ASCII", raw(http("GET", f"/é{MARK}")), 400),
    ("absolute URI of another host", raw(http("GET", f"http://evil.example/{MARK}")), 404),
    ("POST /healthz", raw(HEALTHZ_POST), 405),
    ("GET /slack/events", raw(http("GET", "/slack/events")), 405),
    ("GET /api/messages", raw(http("GET", "/api/messages")), 405),
    ("PUT /slack/events", raw(http("PUT", "/slack/events", {}, MARK.encode())), 405),
    ("DELETE /api/messages", raw(http("DELETE", "/api/messages")), 405),
    ("PATCH /healthz", raw(http("PATCH", "/healthz", {}, MARK.encode())), 405),
    ("an invented method", raw(http("BREW", "/healthz")), 400),
    ("path of 10,000 bytes", raw(http("GET", f"/{MARK}" + "x" * 10_000)), 400),
    ("header of 10,000 bytes", raw(http("GET", "/healthz", {"X-Big": MARK + "x" * 10_000})), 400),
    ("header name of 10,000 bytes", raw(http("GET", "/healthz", {MARK + "x" * 10_000: "1"})), 400),
    ("200 headers", raw(http("GET", "/healthz", {f"X-{MARK}-{i}": "1" for i in range(200)})), 400),
    ("garbage for a request line", raw(f"{MARK} garbage\r\n\r\n".encode()), 400),
    ("a TLS ClientHello", raw(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + MARK.encode() + b"\r\n\r\n"), 400),
    ("HTTP/2 preface", raw(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + MARK.encode()), 400),
    ("HTTP version 9.9", raw(f"GET /{MARK} HTTP/9.9\r\nHost: x\r\n\r\n".encode()), 400),
    ("header without a colon", raw(f"GET /healthz HTTP/1.1\r\nHost: x\r\n{MARK}\r\n\r\n".encode()), 400),
    ("header folded", raw(f"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n {MARK}\r\n\r\n".encode()), 400),
    ("space before a header's colon", raw(f"GET /healthz HTTP/1.1\r\nHost : {MARK}\r\n\r\n".encode()), 400),
    ("Content-Length negative", raw(http("POST", "/slack/events", {"Content-Length": "-1"}, length=False)), 400),
    ("Content-Length not a number", raw(http("POST", "/slack/events", {"Content-Length": MARK}, length=False)), 400),
    (
        "two different Content-Lengths",
        raw(http("POST", "/slack/events", {"Content-Length": "3", "content-length": "5"}, b"abcde", length=False)),
        400,
    ),
    (
        "Content-Length and chunked",
        raw(
            http(
                "POST",
                "/api/messages",
                {"Content-Length": "5", "Transfer-Encoding": "chunked"},
                b"0\r\n\r\n",
                length=False,
            )
        ),
        400,
    ),
    (
        "a chunk size not hex",
        raw(http("POST", "/slack/events", {"Transfer-Encoding": "chunked"}, b"zz\r\n" + MARK.encode(), length=False)),
        400,
    ),
    (
        "a chunk of 2^64 bytes",
        raw(http("POST", "/slack/events", {"Transfer-Encoding": "chunked"}, b"ffffffffffffffffff\r\n", length=False)),
        400,
    ),
    (
        "Transfer-Encoding gzip only",
        raw(http("POST", "/slack/events", {"Transfer-Encoding": "gzip"}, MARK.encode(), length=False)),
        400,
    ),
    (
        "Content-Length over 1 MiB, no body",
        raw(http("POST", "/slack/events", {"Content-Length": str(2 * MIB)}, length=False)),
        413,
    ),
    (
        "Content-Length of 30 digits",
        raw(http("POST", "/api/messages", {"Content-Length": "9" * 30}, length=False)),
        400,
    ),
    (
        "gzip bomb to Slack",
        raw(http("POST", "/slack/events", {"Content-Encoding": "gzip", "Content-Type": FORM}, _GZIP_BOMB)),
        413,
    ),
    (
        "gzip bomb to Teams",
        raw(http("POST", "/api/messages", {"Content-Encoding": "gzip", "Authorization": "Bearer x"}, _GZIP_BOMB)),
        413,
    ),
    (
        "not gzip though it says so",
        raw(http("POST", "/slack/events", {"Content-Encoding": "gzip"}, MARK.encode())),
        400,
    ),
    (
        "not deflate though it says so",
        raw(http("POST", "/slack/events", {"Content-Encoding": "deflate"}, zlib.compress(b"x")[:-3] + MARK.encode())),
        400,
    ),
]

CASES = [
    (f"{group}: {name}", build, status)
    for group, cases in (("slack", SLACK_CASES), ("teams", TEAMS_CASES), ("http", PLAIN_CASES))
    for name, build, status in cases
]


def test_there_are_over_a_hundred_cases() -> None:
    assert len(CASES) >= 100
    assert len({name for name, _, _ in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "build", "status"), CASES, ids=[name for name, _, _ in CASES])
@on_the_server
async def test_a_hostile_request_is_refused_plainly(
    served: Served, name: str, build: Build, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    data = build(served)
    answered = len(served.teams.fake.sent), len(served.slack_api.calls)
    assert await exchange(served.port, data) == status
    assert await exchange(served.port, http("GET", "/healthz")) == 200
    assert_nothing_of(data, caplog)
    assert (len(served.teams.fake.sent), len(served.slack_api.calls)) == answered  # no bot code ran


def assert_nothing_of(data: bytes, caplog: pytest.LogCaptureFixture) -> None:
    """Nothing of the request in any log line: not the mark, not a run of its bytes; and at most
    one line from chatops itself saying why it was refused."""
    assert len([r for r in caplog.records if r.name.startswith("chatops")]) <= 1
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert MARK not in logged
    assert "Traceback" not in logged and not any(r.exc_info for r in caplog.records)
    request_line = data.split(b"\r\n", 1)[0].decode("latin-1")
    assert len(request_line) < 40 or request_line[10:40] not in logged


# --- what must still work ---------------------------------------------------------------------


async def pieces(data: bytes, count: int = 3, pause: float = 0.1) -> AsyncIterator[bytes]:
    """``data`` in ``count`` writes, ``pause`` seconds apart (sent chunked)."""
    size = -(-len(data) // count)
    for i in range(0, len(data), size):
        yield data[i : i + size]
        await asyncio.sleep(pause)


@on_the_server
async def test_a_signed_slack_request_sent_in_pieces_is_answered(served: Served) -> None:
    body = urlencode({"command": "/protocol", "text": "about", "user_id": "U1", "team_id": "T1"})
    headers = {"Content-Type": FORM, **signed(SECRET, body)}
    async with served.teams.session.post("/slack/events", data=pieces(body.encode()), headers=headers) as response:
        assert response.status == 200
        assert "Protocol" in (await response.json())["text"]


@on_the_server
async def test_a_signed_slack_body_over_128_kib_in_one_write_is_answered(served: Served) -> None:
    body = json.dumps({"type": "url_verification", "token": "t", "challenge": "c" * 200_000})
    headers = {"Content-Type": "application/json", **signed(SECRET, body)}
    async with served.teams.session.post("/slack/events", data=body, headers=headers) as response:
        assert response.status == 200
        assert (await response.json())["challenge"] == "c" * 200_000


@on_the_server
async def test_an_authenticated_teams_activity_sent_in_pieces_is_answered(served: Served) -> None:
    fake = served.teams.fake
    before = len(fake.sent)
    data = json.dumps(activity(fake.service_url, "about", conversation="a:pieces")).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {served.token()}"}
    async with served.teams.session.post("/api/messages", data=pieces(data), headers=headers) as response:
        assert response.status in (200, 201)
    assert len(await fake.wait(before + 1)) == before + 1


@on_the_server
async def test_two_activities_in_a_long_conversation_are_both_answered(served: Served) -> None:
    """The redelivery check once cut its key at 200 characters: these two were one."""
    conversation = "19:" + "c" * 300 + "@thread.tacv2"
    first = await served.teams.say("about", conversation=conversation, activity_id="1" * 40)
    second = await served.teams.say("about", conversation=conversation, activity_id="2" * 40)
    assert (first["replyToId"], second["replyToId"]) == ("1" * 40, "2" * 40)


# --- slow clients -----------------------------------------------------------------------------


async def closed_within(reader: asyncio.StreamReader, seconds: float) -> bool:
    """True if the server closes the connection within ``seconds`` (whatever it says first)."""
    try:
        async with asyncio.timeout(seconds):
            while await reader.read(65536):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        pass
    return True


@on_the_server
async def test_idle_and_trickling_connections_are_closed(served: Served) -> None:
    started = time.monotonic()
    idle = [await asyncio.open_connection("127.0.0.1", served.port) for _ in range(50)]
    trickle_reader, trickle = await asyncio.open_connection("127.0.0.1", served.port)
    trickle.write(b"POST /slack/events HTTP/1.1\r\nHost: x\r\n")

    async def keep_trickling() -> None:
        with contextlib.suppress(ConnectionError):
            for i in range(100):
                trickle.write(f"X-{MARK}-{i}: 1\r\n".encode())
                await trickle.drain()
                await asyncio.sleep(0.05)

    trickling = asyncio.create_task(keep_trickling())
    limit = READ_TIMEOUT + 2
    assert await closed_within(trickle_reader, limit)
    assert all(await asyncio.gather(*(closed_within(reader, limit) for reader, _ in idle)))
    assert time.monotonic() - started < limit
    trickling.cancel()
    for _, writer in [*idle, (trickle_reader, trickle)]:
        writer.close()
    assert await exchange(served.port, http("GET", "/healthz")) == 200


@on_the_server
async def test_a_body_that_stops_coming_gets_408_and_the_connection_closed(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", served.port)
    writer.write(http("POST", "/slack/events", {"Content-Length": "1000"}, MARK.encode(), length=False))
    assert (await asyncio.wait_for(reader.readline(), READ_TIMEOUT + 2)).split()[1] == b"408"
    assert await closed_within(reader, READ_TIMEOUT + 2)
    writer.close()
    assert MARK not in caplog.text


# --- logs and platform errors -----------------------------------------------------------------


@on_the_server
async def test_at_debug_the_store_logs_no_stored_values(served: Served, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    await served.teams.bot.store.save_reference("teams:user:29:debug", "personal", {"name": MARK})
    assert await served.teams.bot.store.load_reference("teams:user:29:debug") == {"name": MARK}
    assert MARK not in caplog.text


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("", None),
        ("soon", None),
        ("nan", None),
        ("inf", None),
        ("-5", None),
        ("1e9", None),
        ("²", None),
        ("5", 5.0),
        ("1.5", 1.5),
        ("99999999", 3600.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # a date in the past: now
    ],
)
def test_an_unreadable_retry_after_falls_back_to_the_callers_backoff(header: str | None, seconds: float | None) -> None:
    assert retry_after(header) == seconds


def test_an_http_date_retry_after_counts_from_now() -> None:
    assert retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=1445412480.0) == 30.0


async def test_slack_errors_that_are_not_json_are_read_without_crashing() -> None:
    limited: list[str] = []

    async def outage(request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method == "chat.postMessage":
            return web.Response(status=503, text=f"Service Unavailable {MARK}")
        if method == "users.info" and not limited:
            limited.append(method)
            return web.Response(status=429, text="slow down", headers={"Retry-After": "soon"})
        return web.json_response({"ok": True, "user": {"id": "U1"}})

    app = web.Application()
    app.router.add_route("*", "/api/{method}", outage)
    server = TestServer(app, port=0)
    await server.start_server()
    url = str(server.make_url("/api/"))
    try:
        with pytest.raises(SlackApiError) as unavailable:
            await AsyncWebClient(token="xoxb-test", base_url=url).chat_postMessage(channel="C1", text="hello")
        assert api_error(unavailable.value) == "http 503"
        assert (await web_client("xoxb-test", url).users_info(user="U1"))["user"][
            "id"
        ] == "U1"  # waited, then asked again
        assert limited == ["users.info"]
    finally:
        await server.close()


def test_a_clause_longer_than_a_section_is_split_within_slacks_limit() -> None:
    clause = " ".join(["councillors & officers <both>"] * 150) + " " + "x" * 3500  # escaping lengthens it
    reply = Reply(
        council="llangunnor",
        council_name="Llangunnor",
        title="t",
        blocks=[Quote(ref="9.9", heading="A long clause", paragraphs=[clause], items=[clause])],
    )
    sections = [b for m in messages(reply) for b in m["blocks"] if b["type"] == "section"]
    assert len(sections) > 2 and all(len(b["text"]["text"]) <= MAX_SECTION for b in sections)


@on_the_server
async def test_a_failed_post_of_ours_is_not_followed_by_an_apology_in_that_chat(served: Served) -> None:
    """A proactive post (a hand-off, an announcement) that Teams refuses goes back to its sender,
    which retries or gives up; it is not answered with "something went wrong" in that chat."""
    teams, fake = served.teams, served.teams.fake
    await teams.say("about", user="29:contact")  # the app is installed in the contact's personal chat
    before = len(fake.sent)
    fake.failures.append(503)
    with pytest.raises(Exception, match="try later"):  # what the fake Bot Connector says
        await teams.endpoint.teams.send_personal("29:contact", "Sam would like to talk")
    await asyncio.sleep(0.1)
    assert fake.sent[before:] == []
