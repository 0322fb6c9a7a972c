"""The store: one async interface, SQLite by default (no set-up), PostgreSQL for several replicas.

It keeps only what the design allows: triage button answers (with an expiry), keyed by a hash of
the person's platform id. Schema changes are numbered migrations (``migrations.py``), applied at
start-up under a lock so several replicas can start at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from .errors import SettingsError, StoreError
from .migrations import conversation_refs, delivered_events, drop_all, migrate, triage_state

EVENT_MEMORY_SECONDS = 24 * 3600
"""How long an event id is remembered: platforms redeliver within minutes, not days."""


def default_data_dir() -> Path:
    """``$CHATOPS_DATA_DIR``, else ``$XDG_DATA_HOME/chatops``, else ``~/.local/share/chatops``."""
    if os.environ.get("CHATOPS_DATA_DIR"):
        return Path(os.environ["CHATOPS_DATA_DIR"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "chatops"


def engine_url(url: str | None) -> str:
    """The SQLAlchemy async URL for a ``CHATOPS_DATABASE_URL`` (or the default SQLite file)."""
    if not url:
        path = default_data_dir() / "chatops.sqlite3"
        return f"sqlite+aiosqlite:///{path}"
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise SettingsError("CHATOPS_DATABASE_URL must look like sqlite:///PATH or postgresql://USER@HOST/DB")
    scheme = scheme.lower()
    if scheme in ("sqlite", "sqlite+aiosqlite"):
        return f"sqlite+aiosqlite://{rest}"
    if scheme in ("postgres", "postgresql", "postgresql+asyncpg"):
        return f"postgresql+asyncpg://{rest}"
    raise SettingsError("CHATOPS_DATABASE_URL must start with sqlite:// or postgresql://")


def _sqlite_pragmas(connection: Any, record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for a writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


async def reset_database(url: str) -> None:
    """Drop every chatops table: for tests and benchmarks sharing one PostgreSQL database."""
    engine = create_async_engine(engine_url(url))
    try:
        async with engine.begin() as conn:
            await drop_all(conn)
    finally:
        await engine.dispose()


def user_key(platform: str, user: str) -> str:
    """People are stored under a one-way hash of their platform id, never the id itself."""
    return hashlib.sha256(f"{platform}:{user}".encode()).hexdigest()


class Store:
    def __init__(self, url: str | None = None, *, now: Callable[[], float] = time.time) -> None:
        self.url = engine_url(url)
        self.now = now
        self._engine: AsyncEngine | None = None
        self._opening = asyncio.Lock()

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    async def open(self) -> None:
        if self._engine is not None:
            return
        async with self._opening:
            if self._engine is None:
                await self._open()

    async def _open(self) -> None:
        options: dict[str, Any] = {}
        if self.dialect == "sqlite":
            path = self.url.removeprefix("sqlite+aiosqlite:///")
            if path in ("", ":memory:"):
                options = {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
            else:
                Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)
                # one connection, so this process's writes queue rather than meet "database is locked";
                # other processes (a CLI beside the server) wait up to the busy timeout
                options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60, "connect_args": {"timeout": 30}}
        try:
            self._engine = create_async_engine(self.url, **options)
            if self.dialect == "sqlite":
                event.listen(self._engine.sync_engine, "connect", _sqlite_pragmas)
            async with self._engine.begin() as conn:
                await migrate(conn, self.dialect)
        except (SQLAlchemyError, OSError) as exc:
            self._engine = None
            raise StoreError(f"cannot open the store ({self.dialect}): {type(exc).__name__}") from None

    async def close(self) -> None:
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _ready(self) -> AsyncEngine:
        """The engine, opened (and migrated) on first use."""
        await self.open()
        assert self._engine is not None
        return self._engine

    # --- the one place statements meet the database; errors leave as StoreError --------------------
    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A transaction; any database failure becomes a :class:`StoreError` naming only its kind."""
        engine = await self._ready()
        try:
            async with engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"the store failed: {type(exc).__name__}") from None

    async def write(self, *statements: Any) -> int:
        """Run statements in one transaction; the rows the last one touched."""
        count = 0
        async with self.transaction() as conn:
            for statement in statements:
                count = int((await conn.execute(statement)).rowcount or 0)
        return count

    async def read(self, statement: Any) -> list[Any]:
        async with self.transaction() as conn:
            return list((await conn.execute(statement)).all())

    def insert(self, table: Table) -> Any:
        """An INSERT that can say ON CONFLICT, in this database's dialect."""
        return (postgresql.insert if self.dialect == "postgresql" else sqlite.insert)(table)

    def upsert(self, table: Table, keys: list[Any], values: dict[str, Any]) -> Any:
        statement = self.insert(table).values(**values)
        updated = {k: statement.excluded[k] for k in values if k not in {c.name for c in keys}}
        return statement.on_conflict_do_update(index_elements=keys, set_=updated)

    # --- triage answers -----------------------------------------------------------------------------
    async def load_state(self, key: str) -> dict[str, Any] | None:
        """The person's kept answers, or None (expired answers are erased on the way)."""
        async with self.transaction() as conn:
            row = (await conn.execute(select(triage_state).where(triage_state.c.user_key == key))).first()
            if row is None:
                return None
            if row.expires_at <= self.now():
                await conn.execute(delete(triage_state).where(triage_state.c.user_key == key))
                return None
            data: dict[str, Any] = json.loads(row.state)
            return data

    async def save_state(self, key: str, council: str, state: dict[str, Any], ttl_seconds: float) -> None:
        """Keep a person's answers; everyone's expired answers are erased in the same transaction."""
        values = {
            "user_key": key,
            "council": council,
            "state": json.dumps(state, sort_keys=True),
            "expires_at": self.now() + ttl_seconds,
        }
        await self.write(
            delete(triage_state).where(triage_state.c.expires_at <= self.now()),
            self.upsert(triage_state, [triage_state.c.user_key], values),
        )

    async def forget(self, key: str) -> bool:
        return bool(await self.write(delete(triage_state).where(triage_state.c.user_key == key)))

    async def purge_expired(self) -> int:
        return await self.write(delete(triage_state).where(triage_state.c.expires_at <= self.now()))

    # --- platform events and conversation references ---------------------------------------------
    async def first_delivery(self, event_id: str) -> bool:
        """Record a platform event id; False if it was seen before (a retry), so it is handled once."""
        statement = self.insert(delivered_events).values(event_id=event_id[:200], seen_at=self.now())
        forget_old = delete(delivered_events).where(delivered_events.c.seen_at < self.now() - EVENT_MEMORY_SECONDS)
        return bool(
            await self.write(forget_old, statement.on_conflict_do_nothing(index_elements=[delivered_events.c.event_id]))
        )

    async def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None:
        """Remember where the bot may post later (a Teams installation, a personal chat)."""
        values = {
            "key": key,
            "kind": kind,
            "reference": json.dumps(reference, sort_keys=True),
            "updated_at": self.now(),
        }
        await self.write(self.upsert(conversation_refs, [conversation_refs.c.key], values))

    async def load_reference(self, key: str) -> dict[str, Any] | None:
        rows = await self.read(select(conversation_refs).where(conversation_refs.c.key == key))
        return json.loads(rows[0].reference) if rows else None

    async def forget_reference(self, key: str) -> bool:
        return bool(await self.write(delete(conversation_refs).where(conversation_refs.c.key == key)))
