"""The store's schema, as numbered migrations applied in order and recorded in ``chatops_schema``.

Add a migration by appending to ``MIGRATIONS``; never edit one that has shipped. On PostgreSQL an
advisory lock makes concurrent start-ups of several replicas apply each migration once.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, select, text
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
    Column("state", Text, nullable=False),  # JSON of button answers only
    Column("expires_at", Float, nullable=False, index=True),
)

delivered_events = Table(
    "delivered_events",
    metadata,
    Column("event_id", String(200), primary_key=True),  # a platform's event or activity id
    Column("seen_at", Float, nullable=False, index=True),
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


MIGRATIONS: list[tuple[int, str, Migration]] = [
    (1, "triage state: button answers with an expiry", _v1_triage_state),
    (2, "delivered events: platform event ids already handled, for redeliveries", _v2_delivered_events),
    (3, "conversation references: where the bot may post later (installations)", _v3_conversation_refs),
    (4, "channel subscriptions, announced versions, acknowledgements, the outbox", _v4_channels),
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
