"""The web server (``chatops serve``): /healthz, and each connected platform's routes (Slack at
/slack/events, Teams at /api/messages); one aiohttp app, whatever platforms it serves.

A platform whose settings are missing is simply not served, with one log line saying why.
The server is on the internet, so it gives nobody more than ``read_timeout`` seconds to send a
request (headers, then body) or 1 MiB of body, and its logs hold none of what anyone sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.typedefs import Handler, Middleware
from aiohttp.web_protocol import RequestPayloadError

from chatops.bot import Bot
from chatops.errors import ChatopsError
from chatops.settings import Settings

from .edges import MAX_BODY, Connection
from .platforms import PLATFORMS

log = logging.getLogger("chatops.web")

BOT_KEY = web.AppKey("bot", Bot)
HEALTH_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
"""Seconds a client has to send its request's headers, and again its body; also how long an idle
connection is kept. Slack and the Bot Connector send whole requests at once; only a slow or
hostile client needs longer, and each one held open is a connection nobody else can have."""
PRIVATE_LOGGERS = {
    "slack_sdk": logging.INFO,  # at DEBUG these log request and response bodies: what people typed
    "slack_bolt": logging.INFO,
    "aiosqlite": logging.INFO,  # at DEBUG: every statement with its parameters (the stored answers)
    "sqlalchemy.engine": logging.WARNING,  # at INFO: statements and parameters; at DEBUG: rows
}


def create_app(
    bot: Bot,
    settings: Settings,
    platforms: Mapping[str, Connection] | None = None,
    *,
    read_timeout: float = READ_TIMEOUT,
) -> web.Application:
    """The server: /healthz, and each connected platform's routes (see :mod:`adapters.platforms`)."""
    connected = dict(platforms or {})
    keep_logs_private()
    app = web.Application(
        client_max_size=MAX_BODY,
        middlewares=[_body_within(read_timeout)],
        # for every runner (chatops serve, tests): a connection idle or trickling its headers is
        # closed after read_timeout (aiohttp's keep-alive timer runs from the connection's start),
        # and an unread body is drained for no longer than that before the connection is closed
        handler_args={"keepalive_timeout": read_timeout, "lingering_time": read_timeout, "access_log": None},
    )
    app[BOT_KEY] = bot

    async def healthz(request: web.Request) -> web.Response:
        """ok only if the store can be written now: a server whose every event would fail (a
        read-only or deleted SQLite file, a database gone) says so, with 503 and a short reason."""
        try:
            problem = await asyncio.wait_for(bot.store.check_writable(), HEALTH_TIMEOUT)
        except TimeoutError:
            problem = f"the store did not answer within {HEALTH_TIMEOUT:g} s"
        except ChatopsError as exc:
            problem = str(exc)
        status = {"status": "unavailable", "reason": problem} if problem else {"status": "ok"}
        served = {p.name: p.name in connected for p in PLATFORMS}
        body = {**status, "councils": bot.library.ids, **served}
        return web.json_response(body, status=503 if problem else 200)

    app.router.add_get("/healthz", healthz)
    for connection in connected.values():
        connection.mount(app)

    async def close(app: web.Application) -> None:
        await bot.close()

    app.on_cleanup.append(close)
    return app


def _body_within(seconds: float) -> Middleware:
    """Reads each request's body before its handler runs, within ``seconds`` and ``MAX_BODY``, so
    a body trickled or never sent (half-open) costs a connection for seconds, not for ever; the
    handlers' own reads then return the bytes read here."""

    @web.middleware
    async def read_body(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.body_exists and request.match_info.http_exception is None:
            if request.content_length is not None and request.content_length > MAX_BODY:
                return _refuse(413, "request too large")
            try:
                async with asyncio.timeout(seconds):
                    await request.read()
            except web.HTTPRequestEntityTooLarge:
                return _refuse(413, "request too large")
            except TimeoutError:
                return _refuse(408, "request body not received in time", close=True)
            except RequestPayloadError:  # a broken chunk or compressed body: the rest is unreadable too
                return _refuse(400, "unreadable request body", close=True)
        return await handler(request)

    return read_body


def _refuse(status: int, why: str, *, close: bool = False) -> web.Response:
    """The refusal; with ``close``, the connection is not kept for another request."""
    log.warning("request refused (%d): %s", status, why)
    response = web.Response(status=status, text=why)
    if close:
        response.force_close()
    return response


class _WithoutRequestBytes(logging.Filter):
    """aiohttp logs a request it cannot parse (a path or header over 8190 bytes, a bad status
    line, a broken compressed body) with its exception, whose message quotes up to ~100 bytes of
    it: unauthenticated input that may be anything. Keep one line saying what happened, without
    the bytes or a traceback (it is the client's mistake, not ours)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError | RequestPayloadError):
            record.msg, record.args = "bad HTTP request: %s", (type(error).__name__,)
            record.exc_info, record.exc_text = None, None
            record.levelno = min(record.levelno, logging.WARNING)  # a client's mistake, not our error
            record.levelname = logging.getLevelName(record.levelno)
        return True


def keep_logs_private() -> None:
    """Whatever level the root logger is set to, the libraries that would log what people typed or
    what the store keeps don't (see ``PRIVATE_LOGGERS``), nor does aiohttp log request bytes."""
    for name, level in PRIVATE_LOGGERS.items():
        logging.getLogger(name).setLevel(level)
    server = logging.getLogger("aiohttp.server")
    if not any(isinstance(f, _WithoutRequestBytes) for f in server.filters):
        server.addFilter(_WithoutRequestBytes())


def run_channel_work(
    app: web.Application, bot: Bot, library: Any, deliverers: dict[str, Any], publish_on_start: bool
) -> None:
    """In the background of the server: announce a changed protocol at start, queue reminders that
    are due, and deliver what the outbox holds. Every replica may run this: the store decides."""
    from chatops.channels import Channels
    from chatops.outbox import Courier

    async def start(app: web.Application) -> None:
        channels = Channels(bot.store)
        stop = asyncio.Event()

        async def work() -> None:
            if publish_on_start:
                try:
                    await channels.publish(library)
                except ChatopsError as exc:
                    log.error("publishing at start failed: %s", exc)
            courier = Courier(channels.outbox, deliverers)
            delivering = asyncio.create_task(courier.run(stop))
            while not stop.is_set():
                try:
                    await channels.queue_due_reminders(library)
                except ChatopsError as exc:
                    log.error("reminders: %s", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=60)
            await delivering

        task = asyncio.create_task(work())

        async def finish(app: web.Application) -> None:
            stop.set()
            await task

        app.on_shutdown.append(finish)

    app.on_startup.append(start)
