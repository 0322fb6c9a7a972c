"""The web server (``chatops serve``): Slack at /slack/events, /healthz; one aiohttp app.

A platform whose settings are missing is simply not served, with one log line saying why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from chatops.bot import Bot
from chatops.errors import ChatopsError

if TYPE_CHECKING:
    from .teams.app import TeamsEndpoint
from chatops.settings import Settings

log = logging.getLogger("chatops.web")

BOT_KEY = web.AppKey("bot", Bot)


def slack_app(bot: Bot, settings: Settings) -> AsyncApp:
    from .slack.app import SlackMessenger, build_app

    app = build_app(
        bot, token=settings.slack_bot_token, api_url=settings.slack_api_url, councils=settings.slack_councils
    )
    bot.messengers.setdefault("slack", SlackMessenger(app.client))
    return app


def teams_endpoint(bot: Bot, settings: Settings) -> TeamsEndpoint | None:
    """Teams with authentication, or in the explicit local development mode, or not at all."""
    from .teams.app import build_endpoint

    if settings.microsoft_app_id:
        return build_endpoint(bot, settings)
    if settings.teams_dev:
        log.warning(
            "Teams is served WITHOUT authentication at /api/messages: local development mode "
            "(CHATOPS_TEAMS_DEV) is for the Bot Framework Emulator only"
        )
        return build_endpoint(bot, settings, dev_mode=True)
    log.warning("Teams is not served at /api/messages: MICROSOFT_APP_ID is not set")
    return None


def create_app(
    bot: Bot, settings: Settings, *, slack: AsyncApp | None = None, teams: TeamsEndpoint | None = None
) -> web.Application:
    app = web.Application(client_max_size=2 * 1024 * 1024)  # the platform guards answer 413 above 1 MiB
    app[BOT_KEY] = bot

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response(
            {"status": "ok", "councils": bot.library.ids, "slack": slack is not None, "teams": teams is not None}
        )

    app.router.add_get("/healthz", healthz)
    if slack is not None and settings.slack_signing_secret:
        from .slack.guard import SlackGuard

        guard = SlackGuard(settings.slack_signing_secret)

        async def slack_events(request: web.Request) -> web.Response:
            refused, body = await guard.read(request)
            if refused is not None:
                return refused
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
            response = await slack.async_dispatch(bolt_request)
            content_type = response.headers.pop("content-type", ["application/json"])[0].split(";")[0]
            return web.Response(status=response.status, body=response.body, content_type=content_type)

        app.router.add_post("/slack/events", slack_events)
    else:
        log.warning("Slack is not served at /slack/events: SLACK_SIGNING_SECRET is not set")

    if teams is not None:
        app.router.add_post("/api/messages", teams.handle)

    async def close(app: web.Application) -> None:
        await bot.close()

    app.on_cleanup.append(close)
    return app


async def run_socket_mode(slack: AsyncApp, settings: Settings) -> Any:
    """Slack over Socket Mode, for councils that cannot expose a public URL."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    handler = AsyncSocketModeHandler(slack, settings.slack_app_token)
    await handler.connect_async()  # type: ignore[no-untyped-call]
    return handler


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
