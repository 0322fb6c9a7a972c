"""The store: one async interface, SQLite by default (no set-up), PostgreSQL for several replicas.

It keeps only what the design allows: a concern's fixed answers (choices, never words, with an
expiry), keyed by a hash of the person's platform id. Schema changes are numbered migrations
(``migrations.py``), applied at start-up under a lock so several replicas can start at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
import weakref
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Table, and_, delete, event, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from .errors import SettingsError, StoreError
from .migrations import (
    conversation_refs,
    delivered_events,
    drop_all,
    migrate,
    triage_state,
    workspace_councils,
)

EVENT_MEMORY_SECONDS = 24 * 3600
"""How long an event id is remembered: platforms redeliver within minutes, not days."""
EVENT_LEASE_SECONDS = float(os.environ.get("CHATOPS_EVENT_LEASE_SECONDS", "30"))
"""How long an event being answered is its answerer's. Shorter than Slack's second retry (a minute
later), so a redelivery after a crash is answered; longer than any turn takes."""
EventState = Literal["new", "taken over", "busy", "done"]
DEFAULT_REFERENCE_TTL_DAYS = 90
REFERENCE_REFRESH_SECONDS = 24 * 3600.0
PERSONAL = "personal"


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


_GATES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


def _gate(url: str) -> asyncio.Lock:
    """One opening (and migrating) at a time per database in this process, across Store objects:
    every first query waits until the tables exist. PostgreSQL's advisory lock does the same
    between processes."""
    locks = _GATES.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(url, asyncio.Lock())


def _event_key(event_id: str) -> str:
    """Event ids fit the column whole; a longer one (Teams: conversation id + activity id) is hashed,
    never cut, so two events never share a key."""
    if len(event_id) <= 200:
        return event_id
    return "sha256:" + hashlib.sha256(event_id.encode()).hexdigest()


def person_reference_key(platform: str, user: str) -> str:
    """Where a person's own conversation with the bot is kept (their platform id, so erased by
    ``forget`` and after ``CHATOPS_REFERENCE_TTL_DAYS`` of silence)."""
    return f"{platform}:user:{user}"


def reference_ttl() -> float:
    """Seconds a person's conversation reference is kept after they last wrote."""
    days = os.environ.get("CHATOPS_REFERENCE_TTL_DAYS", "").strip()
    return (int(days) if days.isdigit() and int(days) > 0 else DEFAULT_REFERENCE_TTL_DAYS) * 86400.0


def user_key(platform: str, user: str) -> str:
    """People are stored under a one-way hash of their platform id, never the id itself."""
    return hashlib.sha256(f"{platform}:{user}".encode()).hexdigest()


class Store:
    def __init__(self, url: str | None = None, *, now: Callable[[], float] = time.time) -> None:
        self.url = engine_url(url)
        self.now = now
        self._engine: AsyncEngine | None = None
        self._file: tuple[Path, int, int] | None = None  # the SQLite file as opened: path, device, inode

    @property
    def dialect(self) -> str:
        return "postgresql" if self.url.startswith("postgresql") else "sqlite"

    async def open(self) -> None:
        if self._engine is not None:
            return
        async with _gate(self.url):
            if self._engine is None:
                await self._open()

    async def _open(self) -> None:
        """Open and migrate; the engine is published only once migrated, so no query of this process
        runs before the tables exist (concurrent first queries all wait at the gate)."""
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
        engine = create_async_engine(self.url, **options)
        try:
            if self.dialect == "sqlite":
                event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            for attempt in range(3):
                try:
                    async with engine.begin() as conn:
                        await migrate(conn, self.dialect)
                    break
                except SQLAlchemyError:
                    # SQLite runs DDL outside transactions: another process migrating the same new
                    # file at this moment makes ours fail; once it has finished, ours finds it done
                    if self.dialect != "sqlite" or attempt == 2:
                        raise
                    await asyncio.sleep(0.2)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            raise StoreError(f"cannot open the store ({self.dialect}): {type(exc).__name__}") from None
        self._file = self._sqlite_file()
        self._engine = engine

    def _sqlite_file(self) -> tuple[Path, int, int] | None:
        path = self.url.removeprefix("sqlite+aiosqlite:///")
        if self.dialect != "sqlite" or path in ("", ":memory:"):
            return None
        file = Path(path).expanduser()
        info = file.stat()
        return file, info.st_dev, info.st_ino

    def _check_file(self) -> None:
        """Refuse to go on writing into a SQLite file that was deleted or replaced under us: SQLite
        would carry on silently in the unlinked file, and everything written would be lost."""
        if self._file is None:
            return
        path, device, inode = self._file
        try:
            info = path.stat()
        except OSError:
            raise StoreError(f"the database file {path.name} is gone") from None
        if (info.st_dev, info.st_ino) != (device, inode):
            raise StoreError(f"the database file {path.name} was replaced")

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
        self._check_file()
        try:
            async with engine.begin() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise StoreError(f"the store failed: {type(exc).__name__}") from None

    async def check_writable(self) -> str | None:
        """None if the store can be written now, else a short reason (for ``/healthz``): a write is
        made and rolled back, so a read-only file or a lost connection shows."""
        try:
            engine = await self._ready()
            self._check_file()
            async with engine.connect() as conn:
                transaction = await conn.begin()
                try:
                    await conn.execute(
                        delivered_events.insert().values(event_id="chatops:health", seen_at=self.now(), done_at=0.0)
                    )
                finally:
                    await transaction.rollback()
        except StoreError as exc:
            return str(exc)
        except (SQLAlchemyError, OSError) as exc:
            return f"the store cannot be written: {type(exc).__name__}"
        return None

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
    async def begin_event(self, event_id: str, lease: float = EVENT_LEASE_SECONDS) -> EventState:
        """Start answering a platform event, once: ``new`` (answer it, then :meth:`finish_event`),
        ``done`` (answered before: a retry) or ``busy`` (being answered now). An event whose
        answerer died (its lease ran out, not finished) is ``taken over``: answer it, so a
        redelivery after a crash is not dropped; but the dead answerer's reply may have gone just
        before it died, so a platform that can read back its own messages looks there first, from
        :meth:`event_began` on."""
        key, now = _event_key(event_id), self.now()
        row = delivered_events.c
        async with self.transaction() as conn:
            await conn.execute(delete(delivered_events).where(row.seen_at < now - EVENT_MEMORY_SECONDS))
            inserted = await conn.execute(
                self.insert(delivered_events)
                .values(event_id=key, seen_at=now, lease_until=now + lease)
                .on_conflict_do_nothing(index_elements=[row.event_id])
            )
            if inserted.rowcount:
                return "new"
            taken = await conn.execute(
                update(delivered_events)
                .where(and_(row.event_id == key, row.done_at.is_(None), row.lease_until < now))
                .values(lease_until=now + lease)
            )
            if taken.rowcount:
                return "taken over"
            done = (await conn.execute(select(row.done_at).where(row.event_id == key))).scalar()
            return "busy" if done is None else "done"

    async def event_began(self, event_id: str) -> float | None:
        """When the event's first attempt began (kept through takeovers): the earliest its reply
        can have been posted. None if the event is not known."""
        row = delivered_events.c
        rows = await self.read(select(row.seen_at).where(row.event_id == _event_key(event_id)))
        return float(rows[0].seen_at) if rows else None

    async def finish_event(self, event_id: str) -> None:
        """The event's reply was sent: redeliveries are dropped from now on."""
        row = delivered_events.c
        await self.write(
            update(delivered_events)
            .where(row.event_id == _event_key(event_id))
            .values(done_at=self.now(), lease_until=None)
        )

    async def release_event(self, event_id: str) -> None:
        """Answering failed: forget the attempt so the platform's redelivery is answered."""
        row = delivered_events.c
        await self.write(
            delete(delivered_events).where(and_(row.event_id == _event_key(event_id), row.done_at.is_(None)))
        )

    async def save_reference(self, key: str, kind: str, reference: dict[str, Any]) -> None:
        """Remember where the bot may post later (a Teams installation, a personal chat). Written
        only when it changed or is a day old (so silence can be measured); personal references
        silent for longer than ``CHATOPS_REFERENCE_TTL_DAYS`` are erased on the way."""
        now, row = self.now(), conversation_refs.c
        text = json.dumps(reference, sort_keys=True)
        async with self.transaction() as conn:
            await conn.execute(
                delete(conversation_refs).where(and_(row.kind == PERSONAL, row.updated_at < now - reference_ttl()))
            )
            kept = (await conn.execute(select(row.reference, row.updated_at).where(row.key == key))).first()
            if kept is not None and kept.reference == text and kept.updated_at > now - REFERENCE_REFRESH_SECONDS:
                return
            values = {"key": key, "kind": kind, "reference": text, "updated_at": now}
            await conn.execute(self.upsert(conversation_refs, [row.key], values))

    async def load_reference(self, key: str) -> dict[str, Any] | None:
        row = conversation_refs.c
        rows = await self.read(select(conversation_refs).where(row.key == key))
        if not rows or (rows[0].kind == PERSONAL and rows[0].updated_at < self.now() - reference_ttl()):
            return None  # a person silent for too long: erased at the next save
        data: dict[str, Any] = json.loads(rows[0].reference)
        return data

    async def forget_reference(self, key: str) -> bool:
        return bool(await self.write(delete(conversation_refs).where(conversation_refs.c.key == key)))

    async def forget_person(self, platform: str, user: str) -> bool:
        """``forget``: the person's kept answers and where the bot could write to them (their user id)."""
        answers = await self.forget(user_key(platform, user))
        return await self.forget_reference(person_reference_key(platform, user)) or answers

    # --- which council a workspace is -------------------------------------------------------------
    async def chosen_council(self, platform: str, workspace: str) -> str | None:
        """The council an admin chose for a workspace (``/protocol council``), or None."""
        row = workspace_councils.c
        rows = await self.read(select(row.council).where(and_(row.platform == platform, row.workspace == workspace)))
        return str(rows[0].council) if rows else None

    async def choose_council(self, platform: str, workspace: str, council: str) -> None:
        values = {"platform": platform, "workspace": workspace, "council": council, "chosen_at": self.now()}
        row = workspace_councils.c
        await self.write(self.upsert(workspace_councils, [row.platform, row.workspace], values))
