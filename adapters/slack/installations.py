"""Slack distribution: installations and OAuth state kept in chatops' own database (SQLite or
PostgreSQL), through slack_sdk's own SQLAlchemy stores, and bolt's OAuth flow configured over them.

With ``SLACK_CLIENT_ID`` and ``SLACK_CLIENT_SECRET`` set, bolt serves ``/slack/install`` and
``/slack/oauth_redirect``; each workspace (or Enterprise Grid org) that installs the app is answered
with its own bot token, read from the store before each request is acknowledged.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from html import escape
from typing import Any, cast

from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.async_authorize import AsyncAuthorize
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.oauth.async_callback_options import AsyncCallbackOptions, AsyncFailureArgs, AsyncSuccessArgs
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.sqlalchemy_utils import normalize_datetime_for_db
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import and_, desc, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatops.errors import StoreError
from chatops.store import Store

log = logging.getLogger("chatops.slack")

SCOPES = (
    "commands",
    "chat:write",
    "im:history",
    "im:write",
    "app_mentions:read",
    "users:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
)
"""The bot scopes asked for at install; the manifest (app.json) lists the same."""
STATE_SECONDS = 600
"""How long an install link's OAuth state may be used: once, within ten minutes."""


class _StoreEngine:
    """What slack_sdk's SQLAlchemy stores use of an engine (``begin``, ``connect``), over the
    chatops store: it is opened (and migrated) on first use, and a database failure is a
    :class:`StoreError` naming only its kind, as everywhere else."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        async with self.store.transaction() as conn:
            yield conn

    connect = begin


class Installations(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's installation store, in the chatops database's ``slack_installations`` and
    ``slack_bots`` tables (created by the store's migrations)."""

    def __init__(self, store: Store, client_id: str) -> None:
        super().__init__(client_id, cast(AsyncEngine, _StoreEngine(store)), logger=log)


class OAuthStates(AsyncSQLAlchemyOAuthStateStore):
    """slack_sdk's OAuth state store in the chatops database, each state usable once: it is
    consumed by deleting it, and only the caller whose delete removed the row may go on (slack_sdk's
    own reads, then deletes, so two callbacks racing with one state could both succeed)."""

    def __init__(self, store: Store, expiration_seconds: int = STATE_SECONDS) -> None:
        super().__init__(expiration_seconds, cast(AsyncEngine, _StoreEngine(store)), logger=log)

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        state: str = await super().async_issue(*args, **kwargs)
        async with self.engine.begin() as conn:  # states never used are not kept
            await conn.execute(self.oauth_states.delete().where(self.oauth_states.c.expire_at <= _now()))
        return state

    async def async_consume(self, state: str) -> bool:
        c = self.oauth_states.c
        usable = self.oauth_states.delete().where(and_(c.state == state, c.expire_at > _now()))
        try:
            async with self.engine.begin() as conn:
                result = await conn.execute(usable)
        except StoreError as exc:
            log.warning("cannot check an install's OAuth state: %s", exc)
            return False
        return bool(result.rowcount)


def _now() -> datetime | None:
    return normalize_datetime_for_db(datetime.now(tz=UTC))


class InstalledAuthorize(AsyncAuthorize):
    """Each request is answered with its own workspace's (or Enterprise Grid org's) bot token, from
    the installation store; no ``auth.test`` round trip before the acknowledgement."""

    def __init__(self, installations: AsyncInstallationStore) -> None:
        self.installations = installations

    async def __call__(
        self,
        *,
        context: AsyncBoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        actor_enterprise_id: str | None = None,
        actor_team_id: str | None = None,
        actor_user_id: str | None = None,
    ) -> AuthorizeResult | None:
        bot = await self.installations.async_find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=context.is_enterprise_install
        )
        if bot is None or not bot.bot_token:
            log.warning("a request from a workspace with no installation was not answered")
            return None
        return AuthorizeResult(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            bot_token=bot.bot_token,
            bot_id=bot.bot_id,
            bot_user_id=bot.bot_user_id,
            bot_scopes=bot.bot_scopes,
        )


WorkspaceTokens = Callable[[str | None], Awaitable[str | None]]
"""A workspace's (Slack team's) bot token, or None if the app is not installed there."""


def workspace_tokens(installations: Installations) -> WorkspaceTokens:
    """Tokens by workspace for what the bot sends unprompted (hand-offs, announcements): the newest
    installation whose team is the workspace (in an Enterprise Grid org or not), or the org's own
    installation when the workspace is an org that installed the app org-wide."""
    bots = installations.bots

    async def token(team: str | None) -> str | None:
        if not team:
            return None
        newest = (
            select(bots.c.bot_token)
            .where(
                and_(bots.c.client_id == installations.client_id, bots.c.bot_token.is_not(None)),
                or_(bots.c.team_id == team, and_(bots.c.enterprise_id == team, bots.c.is_enterprise_install)),
            )
            .order_by(desc(bots.c.installed_at))
            .limit(1)
        )
        async with installations.engine.connect() as conn:
            found = (await conn.execute(newest)).scalar()
        return str(found) if found else None

    return token


def channel_tokens(store: Store, tokens: WorkspaceTokens) -> Callable[[str], Awaitable[str | None]]:
    """The token to post in a subscribed channel with: its workspace's, recorded when it subscribed."""
    from chatops.channels import Channels

    channels = Channels(store)

    async def token(channel: str) -> str | None:
        subscription = await channels.subscription("slack", channel)
        return await tokens(subscription.workspace if subscription else None)

    return token


def _installed_page(workspace: str, councils: Mapping[str, str]) -> str:
    """The page at the end of an install: what was installed, and the one step left (the council)."""
    rows = "".join(f"<li><code>{escape(i)}</code> — {escape(name)}</li>" for i, name in councils.items())
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Installed</title></head><body>'
        f"<h1>Protocol is installed in {escape(workspace)}</h1>"
        "<p>One step is left. A workspace admin or owner chooses your council: in Slack, type "
        "<code>/protocol council</code> and your council's id, for example "
        f"<code>/protocol council {escape(next(iter(councils), ''))}</code>.</p>"
        f"<p>The councils served here:</p><ul>{rows}</ul></body></html>"
    )


def oauth_settings(
    store: Store,
    client_id: str,
    client_secret: str,
    redirect_uri: str | None = None,
    scopes: Sequence[str] = SCOPES,
    councils: Mapping[str, str] | None = None,
) -> AsyncOAuthSettings:
    """bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``) over the chatops store.
    ``councils`` (id → name): the page at the end of an install says how to choose one of them."""
    installations = Installations(store, client_id)

    async def installed(args: AsyncSuccessArgs) -> BoltResponse:
        response = await args.default.success(args)  # bolt's, which also clears the state cookie
        if councils:
            workspace = args.installation.team_name or args.installation.enterprise_name or "your workspace"
            response.body = _installed_page(workspace, councils)
        return response

    async def failed(args: AsyncFailureArgs) -> BoltResponse:
        return await args.default.failure(args)

    return AsyncOAuthSettings(
        callback_options=AsyncCallbackOptions(success=installed, failure=failed),
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(scopes),
        redirect_uri=redirect_uri,
        installation_store=installations,
        installation_store_bot_only=True,
        state_store=OAuthStates(store),
        state_expiration_seconds=STATE_SECONDS,
        logger=logging.getLogger("slack_bolt"),
    )
