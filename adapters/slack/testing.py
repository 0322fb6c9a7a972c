"""Test fakes for Slack, shipped so tests (ours and a council's) can run a whole conversation:

- :class:`FakeSlackAPI`, an aiohttp server on an ephemeral port that records Web API calls and
  answers with Slack's real response shapes, including ``429`` + ``Retry-After`` and ``ok: false``,
  and is also Slack's Socket Mode WebSocket (``push`` an envelope, get the app's acknowledgement).
  It can also be slow the way the real one is: a call that takes a while to arrive (and never
  takes effect if the caller hangs up first), one that takes effect but answers too late for the
  caller's timeout, and ``conversations.history`` limited as Slack limits apps distributed outside
  its Marketplace (a few messages a page, one call per period, ``429`` + ``Retry-After`` beyond);
- :func:`signed`, headers for a body signed exactly as Slack signs requests.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestServer


def signed(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 signature: HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the signing secret."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest}"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    at: float = field(default_factory=time.time)  # when it took effect: a posted message's ts
    ok: bool = True  # False: answered with an error (429, ok: false), nothing happened
    token: str | None = None  # the bearer token the call was made with


@dataclass(frozen=True)
class Workspace:
    """A workspace (or, with ``enterprise`` and no ``team``, an Enterprise Grid org) that installs
    the app: its install code is exchanged by ``oauth.v2.access`` for its own bot token."""

    team: str | None
    enterprise: str | None = None
    installer: str = "UINSTALLER"

    @property
    def token(self) -> str:
        return f"xoxb-{self.team or self.enterprise}-bot"

    @property
    def bot_user(self) -> str:
        return f"UBOT{self.team or self.enterprise}"


@dataclass
class FakeSlackAPI:
    calls: list[Call] = field(default_factory=list)
    failures: dict[str, list[tuple[int, dict[str, Any], dict[str, str]]]] = field(default_factory=dict)
    server: TestServer | None = None
    admins: set[str] = field(default_factory=set)  # users.info says these are workspace admins
    names: dict[str, str] = field(default_factory=dict)  # users.info's display names (else "User <id>")
    outside: set[str] = field(default_factory=set)  # channels the bot is not a member of (is_member false)
    delay: float = 0.0  # seconds each Web API call takes
    sockets: list[web.WebSocketResponse] = field(default_factory=list)  # Socket Mode connections, newest last
    acks: dict[str, dict[str, Any]] = field(default_factory=dict)  # Socket Mode envelope id → what the app acked
    slow: dict[str, list[float]] = field(default_factory=dict)  # per method: seconds the next calls take to arrive
    late: dict[str, list[float]] = field(default_factory=dict)  # per method: seconds the next answers come late
    arriving: int = 0  # calls on their way in (slow), not yet taken effect
    history_page: int = 200  # messages per conversations.history page (15 for non-Marketplace apps)
    history_period: float = 0.0  # at most one conversations.history call per this many seconds (60 for them)
    client_id: str = "111.222"  # the app's OAuth credentials, checked by oauth.v2.access
    client_secret: str = "fake-client-secret"
    codes: dict[str, Workspace] = field(default_factory=dict)  # install codes not yet exchanged
    revoked: set[str] = field(default_factory=set)  # tokens answered with invalid_auth (uninstalled)
    _history_last: float = field(default=-1e9, repr=False)
    _fail_after: dict[str, int] = field(default_factory=dict, repr=False)

    def fail(
        self, method: str, status: int = 200, error: str | None = None, retry_after: int | None = None, after: int = 0
    ) -> None:
        """Make the next call of ``method`` (after ``after`` more that succeed) fail: ``429`` with
        ``Retry-After``, or ``ok: false``."""
        body = {"ok": False, "error": error or ("ratelimited" if status == 429 else "internal_error")}
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self.failures.setdefault(method, []).append((status, body, headers))
        self._fail_after[method] = after

    @property
    def url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/api/"))

    def response_url(self, name: str = "cmd") -> str:
        assert self.server is not None
        return str(self.server.make_url(f"/respond/{name}"))

    def install_code(self, workspace: Workspace) -> str:
        """The code Slack would put in the redirect after someone approves the install: usable once."""
        code = uuid.uuid4().hex
        self.codes[code] = workspace
        return code

    def tokens(self, method: str) -> list[str | None]:
        """The token each call of ``method`` was made with, in order."""
        return [c.token for c in self.calls if c.method == method]

    def made(self, method: str) -> list[dict[str, Any]]:
        """Every call of ``method``, including those answered with an error."""
        return [c.args for c in self.calls if c.method == method]

    def posted(self) -> list[dict[str, Any]]:
        """The messages that were really posted (chat.postMessage calls that took effect)."""
        return [c.args for c in self.calls if c.method == "chat.postMessage" and c.ok]

    async def wait(self, method: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        """The calls of ``method`` once there are ``count`` of them (listeners run after the ack)."""
        deadline = time.monotonic() + timeout
        while len(self.made(method)) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.made(method)

    async def start(self) -> FakeSlackAPI:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)  # the SDK reads with GET, writes with POST
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_get("/link", self._socket)  # where apps.connections.open sends Socket Mode apps
        self.server = TestServer(app, port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    async def _args(self, request: web.Request) -> dict[str, Any]:
        text = await request.text()
        if request.content_type == "application/json":
            args: dict[str, Any] = json.loads(text or "{}")
        else:
            args = {k: v[0] for k, v in parse_qs(text).items()}
        args = {**dict(request.query), **args}  # the SDK sends some methods' arguments as query parameters
        for key in ("blocks", "view", "metadata"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        return args

    def slow_next(self, method: str, seconds: float, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` take ``seconds`` to arrive; a caller that hangs up
        (or dies) meanwhile has not made the call."""
        self.slow.setdefault(method, []).extend([seconds] * count)

    def late_next(self, method: str, seconds: float, count: int = 1) -> None:
        """The next ``count`` calls of ``method`` take effect at once but answer ``seconds`` later:
        a caller that times out doesn't know its message was posted."""
        self.late.setdefault(method, []).extend([seconds] * count)

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args = await self._args(request)
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ") if authorization.startswith("Bearer ") else None
        if method == "oauth.v2.access":
            answer = self._oauth_access(authorization, args)
            self.calls.append(Call(method, {k: v for k, v in args.items() if k != "client_secret"}, ok=answer["ok"]))
            return web.json_response(answer)
        if token in self.revoked:
            self.calls.append(Call(method, args, ok=False, token=token))
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if method == "chat.postMessage" and args.get("channel") in self.outside:
            self.calls.append(Call(method, args, ok=False))
            return web.json_response({"ok": False, "error": "not_in_channel"})
        if self.slow.get(method):
            self.arriving += 1
            try:
                await asyncio.sleep(self.slow[method].pop(0))
            finally:
                self.arriving -= 1
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=499)  # the caller went away before it arrived: nothing happened
        if method == "conversations.history" and self.history_period:
            wait = self._history_last + self.history_period - time.monotonic()
            if wait > 0:
                self.calls.append(Call(method, args, ok=False))
                body = {"ok": False, "error": "ratelimited"}
                return web.json_response(body, status=429, headers={"Retry-After": str(max(1, round(wait)))})
            self._history_last = time.monotonic()
        pending = self.failures.get(method)
        if pending and self._fail_after.get(method, 0) > 0:
            self._fail_after[method] -= 1
            pending = None
        if pending:
            self.calls.append(Call(method, args, ok=False, token=token))
            status, body, headers = pending.pop(0)
            if self.delay:
                await asyncio.sleep(self.delay)
            return web.json_response(body, status=status, headers=headers)
        self.calls.append(Call(method, args, token=token))
        answer = self._ok(method, args, token)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.late.get(method):
            await asyncio.sleep(self.late[method].pop(0))
        return web.json_response(answer)

    def _oauth_access(self, authorization: str, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: the app's credentials (HTTP Basic, as slack_sdk sends them, or in the
        form) and an install code not used before, exchanged for that workspace's bot token."""
        client_id, client_secret = args.get("client_id"), args.get("client_secret")
        if authorization.startswith("Basic "):
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
            client_id, _, client_secret = decoded.partition(":")
        if client_id != self.client_id:
            return {"ok": False, "error": "invalid_client_id"}
        if client_secret != self.client_secret:
            return {"ok": False, "error": "bad_client_secret"}
        workspace = self.codes.pop(str(args.get("code")), None)
        if workspace is None:
            return {"ok": False, "error": "invalid_code"}
        org = workspace.enterprise
        enterprise = {"id": org, "name": f"Org {org}"} if org else None
        return {
            "ok": True,
            "app_id": "A1",
            "access_token": workspace.token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": workspace.bot_user,
            "team": {"id": workspace.team, "name": f"Workspace {workspace.team}"} if workspace.team else None,
            "enterprise": enterprise,
            "is_enterprise_install": workspace.team is None,
            "authed_user": {"id": workspace.installer},
        }

    def _ok(self, method: str, args: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        if method == "auth.test" and token and token.startswith("xoxb-") and token.endswith("-bot"):
            owner = token.removeprefix("xoxb-").removesuffix("-bot")
            return {"ok": True, "user_id": f"UBOT{owner}", "bot_id": f"B{owner}", "team_id": owner, "url": ""}
        if method == "conversations.history":
            return self._history(args)
        if method == "apps.connections.open":
            assert self.server is not None
            return {"ok": True, "url": str(self.server.make_url("/link")).replace("http", "ws", 1)}
        if method == "conversations.info":
            channel = str(args.get("channel", ""))
            return {"ok": True, "channel": {"id": channel, "is_member": channel not in self.outside}}
        if method == "users.info":
            user = str(args.get("user"))
            name = self.names.get(user, f"User {user}")
            return {
                "ok": True,
                "user": {
                    "id": user,
                    "name": name.lower().replace(" ", "."),
                    "real_name": name,
                    "profile": {"real_name": name, "display_name": name},
                    "is_admin": user in self.admins,
                    "is_owner": False,
                },
            }
        return _ok(method, args)

    def _history(self, args: dict[str, Any]) -> dict[str, Any]:
        """A channel's messages newest first, between ``oldest`` and ``latest``, a page at a time
        (``cursor``); metadata only with ``include_all_metadata``, as Slack does."""
        oldest, latest = float(args.get("oldest") or 0), float(args.get("latest") or 1e12)
        metadata = str(args.get("include_all_metadata", "")).lower() in ("1", "true")
        posted = [
            {
                "type": "message",
                "ts": f"{c.at:.6f}",
                "text": c.args.get("text", ""),
                **({"metadata": c.args.get("metadata")} if metadata and c.args.get("metadata") else {}),
            }
            for c in reversed(self.calls)
            if c.method == "chat.postMessage" and c.ok and c.args.get("channel") == args.get("channel")
            if oldest <= c.at <= latest
        ]
        start = int(args.get("cursor") or 0)
        size = min(int(args.get("limit") or 100), self.history_page)
        page, more = posted[start : start + size], start + size < len(posted)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }

    async def push(self, kind: str, payload: dict[str, Any], timeout: float = 10.0) -> dict[str, Any]:
        """Send one Socket Mode envelope (``slash_commands``, ``events_api``, ``interactive``) to the
        newest connection and return what the app acknowledged it with."""
        deadline = time.monotonic() + timeout
        while not self.sockets and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        envelope_id = uuid.uuid4().hex
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        await self.sockets[-1].send_json(envelope)
        while envelope_id not in self.acks and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.acks[envelope_id]

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self.sockets.append(socket)
        await socket.send_json({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A1"}})
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data
        return socket

    async def _respond(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url:" + request.match_info["name"], await self._args(request)))
        return web.Response(text="ok")


def _ok(method: str, args: dict[str, Any]) -> dict[str, Any]:
    """Slack's response shapes for the methods the bot calls."""
    if method == "conversations.open":
        user = str(args.get("users", "U0")).split(",")[0]
        return {"ok": True, "channel": {"id": "D" + user.lstrip("UW")}}
    if method == "chat.postMessage":
        return {
            "ok": True,
            "channel": args.get("channel"),
            "ts": f"{time.time():.6f}",
            "message": {"text": args.get("text", ""), "blocks": args.get("blocks", [])},
        }
    if method == "chat.postEphemeral":
        return {"ok": True, "message_ts": f"{time.time():.6f}"}
    if method == "views.publish":
        return {"ok": True, "view": {"id": "V1", **(args.get("view") or {})}}
    if method == "auth.test":
        return {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T1"}
    return {"ok": True}
