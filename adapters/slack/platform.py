"""Slack as the server sees it: the bolt app for this deployment's settings, its routes
(``/slack/events``; with distribution ``/slack/install`` and ``/slack/oauth_redirect``) or Socket
Mode, and what posts announcements and reminders."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from chatops.bot import Bot
from chatops.errors import ChatopsError, SettingsError
from chatops.outbox import Deliverer
from chatops.settings import Settings

from ..edges import Platform, Refused, refusal
from .app import SlackMessenger, build_app
from .deliver import SlackDeliverer
from .guard import SlackGuard
from .installations import Installations, channel_tokens, oauth_settings, workspace_tokens
from .settings import SlackSettings

log = logging.getLogger("chatops.slack")


def slack_app(bot: Bot, settings: SlackSettings) -> AsyncApp:
    """Slack for one workspace (``SLACK_BOT_TOKEN``), or distributed to many (``SLACK_CLIENT_ID`` and
    ``SLACK_CLIENT_SECRET``: bolt's OAuth flow, installations kept in the chatops store)."""
    oauth = None
    if settings.client_id and settings.client_secret:
        councils = {council: _council_name(bot, council) for council in bot.library.ids}
        oauth = oauth_settings(
            bot.store, settings.client_id, settings.client_secret, settings.redirect_uri, councils=councils
        )
        bot.choose_council = True  # many workspaces: each admin chooses, none is given the default
    app = build_app(bot, token=settings.bot_token, api_url=settings.api_url, councils=settings.councils, oauth=oauth)
    tokens = workspace_tokens(oauth.installation_store) if oauth is not None else None  # type: ignore[arg-type]
    bot.messengers.setdefault("slack", SlackMessenger(app.client, tokens))
    return app


def _council_name(bot: Bot, council: str) -> str:
    """A council's name for the install page; its id if its file cannot be read (that council only)."""
    try:
        return bot.library.protocol(council).council
    except ChatopsError:
        return council


def deliverer(bot: Bot, settings: SlackSettings) -> Deliverer | None:
    """Posts in channels with the one workspace's token, or (distribution) with each channel's
    workspace's; None without either."""
    if settings.client_id:
        tokens = channel_tokens(bot.store, workspace_tokens(Installations(bot.store, settings.client_id)))
        return SlackDeliverer(None, settings.api_url, tokens=tokens)
    if settings.bot_token:
        return SlackDeliverer(settings.bot_token, settings.api_url)
    return None


class SlackConnection:
    def __init__(
        self, app: AsyncApp, settings: SlackSettings, deliverer: Deliverer | None, *, socket_mode: bool
    ) -> None:
        self.app = app
        self.settings = settings
        self.deliverer = deliverer
        self.socket_mode = socket_mode

    def mount(self, app: web.Application) -> None:
        if self.socket_mode:
            self._run_socket_mode(app)
        elif self.settings.signing_secret:
            self._routes(app, SlackGuard(self.settings.signing_secret))
        else:
            log.warning("Slack is not served at /slack/events: SLACK_SIGNING_SECRET is not set")

    def _routes(self, app: web.Application, guard: SlackGuard) -> None:
        slack = self.app

        async def events(request: web.Request) -> web.Response:
            try:
                body = await guard.read(request)
            except Refused as refused:
                return refusal(log, "slack", refused)
            bolt_request = AsyncBoltRequest(body=body, query=request.query_string, headers=dict(request.headers))
            response = await slack.async_dispatch(bolt_request)
            content_type = response.headers.pop("content-type", ["application/json"])[0].split(";")[0]
            return web.Response(status=response.status, body=response.body, content_type=content_type)

        app.router.add_post("/slack/events", events)
        flow = slack.oauth_flow
        if flow is None:
            return

        async def install(request: web.Request) -> web.Response:
            bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
            return await to_aiohttp_response(await flow.handle_installation(bolt_request))

        async def oauth_redirect(request: web.Request) -> web.Response:
            bolt_request = AsyncBoltRequest(body="", query=request.query_string, headers=dict(request.headers))
            return await to_aiohttp_response(await flow.handle_callback(bolt_request))

        app.router.add_get(flow.install_path, install)
        app.router.add_get(flow.redirect_uri_path, oauth_redirect)

    def _run_socket_mode(self, app: web.Application) -> None:
        """Slack over Socket Mode, for councils that cannot expose a public URL: connected when the
        server starts, closed when it stops."""
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        handler: Any = None

        async def start(_: web.Application) -> None:
            nonlocal handler
            handler = AsyncSocketModeHandler(self.app, self.settings.app_token)
            await handler.connect_async()

        async def stop(_: web.Application) -> None:
            if handler is not None:
                await handler.close_async()

        app.on_startup.append(start)
        app.on_shutdown.append(stop)


def connect(bot: Bot, settings: Settings, *, socket_mode: bool = False) -> SlackConnection | None:
    """Slack when any of its settings is present: served (signing secret, or Socket Mode), able to
    post (a bot token, or distribution), or both. Its settings are checked here, in one line each."""
    return connect_with(bot, SlackSettings.load(settings.environ), socket_mode=socket_mode)


def connect_with(bot: Bot, settings: SlackSettings, *, socket_mode: bool = False) -> SlackConnection | None:
    if socket_mode and not (settings.app_token and settings.bot_token):
        raise SettingsError("--socket-mode needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN")
    for council in settings.councils.values():
        bot.library.protocol(council)  # fail at start, in one line, not at a person's first question
    served = bool(settings.signing_secret) or socket_mode
    posts = bool(settings.bot_token or settings.client_id)
    if not (served or posts):
        log.warning("Slack is not served at /slack/events: SLACK_SIGNING_SECRET is not set")
        return None
    if served and not posts:
        log.warning("SLACK_BOT_TOKEN is not set: /protocol answers work, but nothing can be posted after them")
    return SlackConnection(slack_app(bot, settings), settings, deliverer(bot, settings), socket_mode=socket_mode)


SLACK = Platform("slack", connect)
