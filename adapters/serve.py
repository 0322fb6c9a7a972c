"""The composition root of ``chatops serve``: which platforms this process serves, with which
credentials, what delivers announcements to each, and the server's life (start, stop cleanly).

The CLI (in the core) only checks its arguments and calls :func:`serve`; everything that names a
platform is here, beside the adapters.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from aiohttp import web as aiohttp_web

from chatops.bot import Bot
from chatops.settings import Settings

from . import web

if TYPE_CHECKING:  # botbuilder is imported only when Teams is served
    from .teams.app import TeamsEndpoint, TeamsEndpoints


def serve(bot: Bot, settings: Settings, *, host: str, port: int | None, socket_mode: bool) -> None:
    """Serve Slack and Teams (those whose settings are present) until SIGTERM or Ctrl-C."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for sdk in ("slack_sdk", "slack_bolt"):  # at DEBUG these log request bodies, i.e. what people typed
        logging.getLogger(sdk).setLevel(logging.INFO)
    slack = None
    if settings.slack_signing_secret or socket_mode:
        if not (settings.slack_bot_token or settings.slack_client_id):
            logging.getLogger("chatops.web").warning(
                "SLACK_BOT_TOKEN is not set: /protocol answers work, but nothing can be posted after them"
            )
        slack = web.slack_app(bot, settings)
    teams = web.teams_endpoint(bot, settings)
    app = web.create_app(bot, settings, slack=slack if not socket_mode else None, teams=teams)
    web.run_channel_work(app, bot, bot.library, deliverers(bot, settings, teams), settings.publish_on_start)
    socket = web.run_socket_mode(slack, settings) if socket_mode and slack else None
    asyncio.run(run_server(app, host, port or settings.port, socket))


def deliverers(bot: Bot, settings: Settings, teams: TeamsEndpoint | TeamsEndpoints | None) -> dict[str, Any]:
    """A deliverer for each platform this process is connected to."""
    out: dict[str, Any] = {}
    if settings.slack_client_id:  # distribution: each channel posted to with its workspace's token
        from .slack.deliver import SlackDeliverer
        from .slack.installations import Installations, channel_tokens, workspace_tokens

        tokens = channel_tokens(bot.store, workspace_tokens(Installations(bot.store, settings.slack_client_id)))
        out["slack"] = SlackDeliverer(None, settings.slack_api_url, tokens=tokens)
    elif settings.slack_bot_token:
        from .slack.deliver import SlackDeliverer

        out["slack"] = SlackDeliverer(settings.slack_bot_token, settings.slack_api_url)
    if teams is not None:
        from .teams.app import TeamsEndpoints
        from .teams.deliver import TeamsDeliverer

        by_tenant = teams.by_tenant() if isinstance(teams, TeamsEndpoints) else None
        out["teams"] = TeamsDeliverer(teams.teams, by_tenant)
    return out


async def run_server(app: aiohttp_web.Application, host: str, port: int, socket_mode: Any) -> None:
    """Serve until SIGTERM or Ctrl-C, then close connections and the store cleanly."""
    # no per-request access log: it costs throughput and says nothing a council needs
    runner = aiohttp_web.AppRunner(app, access_log=None, shutdown_timeout=5.0)
    await runner.setup()
    site = aiohttp_web.TCPSite(runner, host, port)
    await site.start()
    print(f"chatops: listening on http://{host}:{port}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signum, stop.set)
    handler = await socket_mode if socket_mode is not None else None
    try:
        await stop.wait()
    finally:
        print("chatops: stopping", file=sys.stderr, flush=True)
        if handler is not None:
            await handler.close_async()
        await runner.cleanup()
