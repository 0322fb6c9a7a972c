"""The store's schema, as numbered migrations applied in order and recorded in ``chatops_schema``.

Add a migration by appending to ``MIGRATIONS``; never edit one that has shipped. On PostgreSQL an
advisory lock makes concurrent start-ups of several replicas apply each migration once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncConnection

metadata = MetaData()

schema_table = Table(
    "chatops_schema",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
)

triage_state = Table(
    "triage_state",
    metadata,
    Column("user_key", String(64), primary_key=True),  # sha256 of platform:user, never the id
    Column("council", String(60), nullable=False),
    Column("state", Text, nullable=False),  # JSON of fixed answers only (choices, never words)
    Column("expires_at", Float, nullable=False, index=True),
)

delivered_events = Table(
    "delivered_events",
    metadata,
    Column("event_id", String(200), primary_key=True),  # a platform's event or activity id (hashed if long)
    Column("seen_at", Float, nullable=False, index=True),
    Column("done_at", Float, nullable=True),  # its reply was sent; NULL while it is being answered
    Column("lease_until", Float, nullable=True),  # while being answered: after this, its answerer is presumed dead
)

conversation_refs = Table(
    "conversation_refs",
    metadata,
    Column("key", String(300), primary_key=True),  # e.g. teams:user:29:…, teams:conversation:19:…
    Column("kind", String(40), nullable=False, index=True),
    Column("reference", Text, nullable=False),  # the platform's conversation reference, as JSON
    Column("updated_at", Float, nullable=False),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("channel", String(300), primary_key=True),
    Column("council", String(60), nullable=False),
    Column("cadence", String(10), nullable=False, default="off"),  # off | weekly | monthly
    Column("active", Integer, nullable=False, default=1),
    Column("next_reminder_at", Float, nullable=True, index=True),
    Column("reminder_index", Integer, nullable=False, default=0),
    Column("created_at", Float, nullable=False),
    Column("subscribed_by", String(200), nullable=True),  # the platform user id of the admin, to tell them
    Column("workspace", String(200), nullable=True),  # the Slack team / Teams tenant: whose token posts there
)

announced_versions = Table(
    "announced_versions",
    metadata,
    Column("council", String(60), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("snapshot", Text, nullable=False),  # the protocol as announced, to diff the next one against
    Column("announced_at", Float, nullable=False),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("council", String(60), primary_key=True),
    Column("fingerprint", String(64), primary_key=True),
    Column("platform", String(20), primary_key=True),
    Column("user", String(200), primary_key=True),  # the platform's user id
    Column("display", String(200), nullable=False),  # how to show them to an admin (a mention, a name)
    Column("acked_at", Float, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("dedupe_key", String(400), nullable=False, unique=True),  # one row per (message, channel), ever
    Column("platform", String(20), nullable=False),
    Column("channel", String(300), nullable=False),
    Column("payload", Text, nullable=False),  # a Reply, as JSON
    Column("status", String(10), nullable=False, index=True),  # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, index=True),
    Column("claimed_by", String(80), nullable=True),
    Column("claimed_until", Float, nullable=True),
    Column("claimed_at", Float, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("created_at", Float, nullable=False),
    Column("sent_at", Float, nullable=True),
    Column("pages_sent", Integer, nullable=False, default=0, server_default="0"),  # a message may span pages
    Column("claim_token", String(40), nullable=True),  # fences a sender whose lease another has taken
)

# Slack installations and OAuth state: the tables slack_sdk's own SQLAlchemy stores read and write
# (``adapters/slack/installations.py`` runs those stores over this database). Declared here because
# the core imports no platform library; a test holds them equal to slack_sdk's definitions.
slack_installations = Table(
    "slack_installations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("enterprise_url", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("token_type", String(32)),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots = Table(
    "slack_bots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client_id", String(32), nullable=False),
    Column("app_id", String(32), nullable=False),
    Column("enterprise_id", String(32)),
    Column("enterprise_name", String(200)),
    Column("team_id", String(32)),
    Column("team_name", String(200)),
    Column("bot_token", String(200)),
    Column("bot_id", String(32)),
    Column("bot_user_id", String(32)),
    Column("bot_scopes", String(1000)),
    Column("bot_refresh_token", String(200)),
    Column("bot_token_expires_at", DateTime),
    Column("is_enterprise_install", Boolean, default=False, nullable=False),
    Column("installed_at", DateTime, nullable=False, default=func.now()),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = Table(
    "slack_oauth_states",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

workspace_councils = Table(
    "workspace_councils",
    metadata,
    Column("platform", String(20), primary_key=True),
    Column("workspace", String(200), primary_key=True),  # a Slack team or Enterprise Grid org id, a Teams tenant id
    Column("council", String(60), nullable=False),
    Column("chosen_at", Float, nullable=False),
)

Migration = Callable[[AsyncConnection], Awaitable[None]]


async def _v1_triage_state(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync: triage_state.create(sync, checkfirst=True))


async def _v2_delivered_events(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync: delivered_events.create(sync, checkfirst=True))


async def _v3_conversation_refs(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync: conversation_refs.create(sync, checkfirst=True))


async def _v4_channels(conn: AsyncConnection) -> None:
    tables = [subscriptions, announced_versions, acknowledgements, outbox]
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=tables, checkfirst=True))


async def _add_columns(conn: AsyncConnection, table: Table, names: list[str]) -> list[str]:
    """ALTER TABLE ADD COLUMN for those not there yet (a fresh database got them from ``create``)."""
    present = await conn.run_sync(lambda sync: {c["name"] for c in inspect(sync).get_columns(table.name)})
    added = []
    for name in names:
        if name not in present:
            column = table.c[name]
            kind = column.type.compile(dialect=conn.dialect)
            default = f" DEFAULT {column.server_default.arg}" if column.server_default is not None else ""  # type: ignore[attr-defined]
            null = "" if column.nullable else " NOT NULL"
            await conn.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {name} {kind}{default}{null}"))
            added.append(name)
    return added


async def _v5_events_in_progress(conn: AsyncConnection) -> None:
    if "done_at" in await _add_columns(conn, delivered_events, ["done_at", "lease_until"]):
        await conn.execute(text("UPDATE delivered_events SET done_at = seen_at"))  # recorded before: handled


async def _v6_outbox_pages_and_fencing(conn: AsyncConnection) -> None:
    await _add_columns(conn, outbox, ["pages_sent", "claim_token"])


async def _v7_subscribed_by(conn: AsyncConnection) -> None:
    await _add_columns(conn, subscriptions, ["subscribed_by"])


async def _v8_slack_installations(conn: AsyncConnection) -> None:
    tables = [slack_installations, slack_bots, slack_oauth_states]
    await conn.run_sync(lambda sync: metadata.create_all(sync, tables=tables, checkfirst=True))


async def _v9_workspace_councils(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync: workspace_councils.create(sync, checkfirst=True))


async def _v10_subscription_workspace(conn: AsyncConnection) -> None:
    await _add_columns(conn, subscriptions, ["workspace"])


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "triage state: button answers with an expiry", _v1_triage_state),
    (2, "delivered events: platform event ids already handled, for redeliveries", _v2_delivered_events),
    (3, "conversation references: where the bot may post later (installations)", _v3_conversation_refs),
    (4, "channel subscriptions, announced versions, acknowledgements, the outbox", _v4_channels),
    (5, "events being answered (a lease) apart from events answered", _v5_events_in_progress),
    (6, "outbox: pages delivered per message, a token per claim", _v6_outbox_pages_and_fencing),
    (7, "subscriptions: who subscribed, to be told if it stops", _v7_subscribed_by),
    (8, "Slack installations per workspace and OAuth state (slack_sdk's tables)", _v8_slack_installations),
    (9, "which council each workspace or tenant chose (/protocol council)", _v9_workspace_councils),
    (10, "subscriptions: the workspace or tenant a channel is in, to post with its token", _v10_subscription_workspace),
]

_LOCK_ID = 0x636861746F7073  # "chatops"


async def migrate(conn: AsyncConnection, dialect: str) -> list[int]:
    """Apply what is missing; returns the versions applied now."""
    if dialect == "postgresql":
        await conn.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK_ID})"))
    await conn.run_sync(lambda sync: schema_table.create(sync, checkfirst=True))
    done = set((await conn.execute(select(schema_table.c.version))).scalars())
    applied = []
    for version, _, apply in MIGRATIONS:
        if version not in done:
            await apply(conn)
            await conn.execute(schema_table.insert().values(version=version, applied_at=time.time()))
            applied.append(version)
    return applied


async def drop_all(conn: AsyncConnection) -> None:
    """Remove every chatops table: for tests and benchmarks that need an empty shared database."""
    await conn.run_sync(lambda sync: metadata.drop_all(sync, checkfirst=True))
