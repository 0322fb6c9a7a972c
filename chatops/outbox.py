"""The outbox: announcements and reminders waiting to be delivered, one row per (message, channel).

A row is claimed with a lease before it is sent (row locks with SKIP LOCKED on PostgreSQL, so
several ``chatops serve`` replicas never take the same row; one writer on SQLite), marked sent
straight after, retried with backoff (or after the platform's Retry-After), and given up on after
``MAX_ATTEMPTS``. A channel that is gone disables its subscription. Rows outlive restarts: a lease
that ran out (its process died) makes the row claimable again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import and_, func, or_, select, update

from .errors import StoreError
from .migrations import outbox, subscriptions
from .reply import Reply
from .store import Store

log = logging.getLogger("chatops.outbox")

MAX_ATTEMPTS = 8
LEASE_SECONDS = float(os.environ.get("CHATOPS_OUTBOX_LEASE_SECONDS", "60"))
"""How long a claimed message is its sender's; after that (the sender died) another may take it."""
CHANNEL_INTERVAL = 1.1  # Slack allows about one message per second per channel
CONCURRENCY = 8


@dataclass(frozen=True)
class Delivered:
    pass


@dataclass(frozen=True)
class Retry:
    after: float | None  # seconds the platform asked us to wait, if it said
    reason: str


@dataclass(frozen=True)
class Gone:
    reason: str


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Delivered | Retry | Gone | Failed


class Deliverer(Protocol):
    """What an adapter implements to post a Reply in one of its channels.

    ``key`` identifies this (message, channel) for ever; a deliverer that can label what it posts
    with it can later answer :meth:`delivered`, which is how a message whose sender died mid-send is
    neither lost nor posted twice.
    """

    async def deliver(self, channel: str, reply: Reply, key: str) -> Outcome: ...

    async def delivered(self, channel: str, key: str, since: float) -> bool | None:
        """Whether a message labelled ``key`` was posted since ``since``; None if it cannot tell."""
        ...


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    platform: str
    channel: str
    reply: Reply
    attempts: int
    uncertain: bool = False  # a previous sender claimed it and vanished: it may already be posted
    since: float = 0.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Outbox:
    def __init__(self, store: Store) -> None:
        self.store = store

    async def enqueue(self, dedupe_key: str, platform: str, channel: str, reply: Reply) -> bool:
        """Queue a message for a channel once: the same key is never queued twice."""
        statement = (
            self.store.insert(outbox)
            .values(
                dedupe_key=dedupe_key[:400],
                platform=platform,
                channel=channel,
                payload=reply.model_dump_json(),
                status="pending",
                attempts=0,
                next_attempt_at=self.store.now(),
                created_at=self.store.now(),
            )
            .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        )
        return bool(await self.store.write(statement))

    async def claim(self, worker: str, limit: int = 50) -> list[Item]:
        """Take up to ``limit`` due rows (and rows whose sender's lease ran out) for this worker."""
        now = self.store.now()
        due = or_(
            and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
            and_(outbox.c.status == "sending", outbox.c.claimed_until < now),
        )
        chosen = (
            select(
                outbox.c.id,
                outbox.c.dedupe_key,
                outbox.c.platform,
                outbox.c.channel,
                outbox.c.payload,
                outbox.c.attempts,
                outbox.c.status,
                outbox.c.claimed_at,
            )
            .where(due)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self.store.dialect == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)  # replicas take different rows, never the same
        async with self.store.transaction() as conn:
            rows = (await conn.execute(chosen)).all()
            ours: set[int] = set()
            if rows:
                # still due as we write: on SQLite another process may have read the same rows
                taken = await conn.execute(
                    update(outbox)
                    .where(and_(outbox.c.id.in_([r.id for r in rows]), due))
                    .values(
                        status="sending",
                        claimed_by=worker,
                        claimed_until=now + LEASE_SECONDS,
                        claimed_at=now,
                        attempts=outbox.c.attempts + 1,
                    )
                    .returning(outbox.c.id)
                )
                ours = {row.id for row in taken}
        return [
            Item(
                r.id,
                r.dedupe_key,
                r.platform,
                r.channel,
                Reply.model_validate_json(r.payload),
                r.attempts + 1,
                uncertain=r.status == "sending",
                since=(r.claimed_at or now) - 5,
            )
            for r in rows
            if r.id in ours
        ]

    async def settle(self, item: Item, outcome: Outcome, worker: str) -> None:
        now = self.store.now()
        mine = and_(outbox.c.id == item.id, outbox.c.claimed_by == worker)
        if isinstance(outcome, Delivered):
            await self.store.write(update(outbox).where(mine).values(status="sent", sent_at=now, claimed_until=None))
        elif isinstance(outcome, Retry) and item.attempts < MAX_ATTEMPTS:
            wait = outcome.after if outcome.after is not None else min(300.0, 2.0**item.attempts)
            await self.store.write(
                update(outbox)
                .where(mine)
                .values(status="pending", next_attempt_at=now + wait, claimed_by=None, last_error=outcome.reason[:200])
            )
        else:
            reason = outcome.reason if not isinstance(outcome, Delivered) else ""
            await self.store.write(update(outbox).where(mine).values(status="failed", last_error=reason[:200]))
            if isinstance(outcome, Gone):
                await self.store.write(
                    update(subscriptions)
                    .where(and_(subscriptions.c.platform == item.platform, subscriptions.c.channel == item.channel))
                    .values(active=0)
                )
                log.warning(
                    "%s channel %s is gone (%s): its subscription is now off",
                    item.platform,
                    item.channel,
                    outcome.reason,
                )

    async def counts(self) -> dict[str, int]:
        statement = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        return {status: int(n) for status, n in await self.store.read(statement)}

    async def rows(self, statuses: tuple[str, ...] = ("pending", "sending", "failed")) -> list[dict[str, Any]]:
        statement = (
            select(
                outbox.c.id,
                outbox.c.platform,
                outbox.c.channel,
                outbox.c.status,
                outbox.c.attempts,
                outbox.c.next_attempt_at,
                outbox.c.last_error,
                outbox.c.dedupe_key,
            )
            .where(outbox.c.status.in_(statuses))
            .order_by(outbox.c.id)
        )
        return [dict(r._mapping) for r in await self.store.read(statement)]


class Courier:
    """Delivers what the outbox holds, through each platform's Deliverer, at a pace channels allow."""

    def __init__(
        self,
        box: Outbox,
        deliverers: Mapping[str, Deliverer],
        worker: str | None = None,
        concurrency: int = CONCURRENCY,
        channel_interval: float = CHANNEL_INTERVAL,
    ) -> None:
        self.box = box
        self.deliverers = deliverers
        self.worker = worker or worker_name()
        self.concurrency = concurrency
        self.channel_interval = channel_interval
        self._last_sent: dict[tuple[str, str], float] = {}
        self._channel_locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def run_once(self, limit: int = 200) -> int:
        """Claim and deliver one batch; returns how many were claimed."""
        items = await self.box.claim(self.worker, limit)
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Item) -> None:
            async with gate:
                await self._deliver(item)

        await asyncio.gather(*(one(item) for item in items))
        return len(items)

    async def run(self, stop: asyncio.Event, idle: float = 1.0) -> None:
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except StoreError as exc:
                log.error("outbox: %s", exc)
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=idle)

    async def drain(self, timeout: float = 60.0, poll: float = 0.2) -> None:
        """Deliver until nothing is left to send, waiting for retries that fall due (``publish --send``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.run_once():
                continue
            counts = await self.box.counts()
            if not counts.get("pending") and not counts.get("sending"):
                return
            await asyncio.sleep(poll)

    @staticmethod
    async def _send(deliverer: Deliverer, item: Item) -> Outcome:
        if item.uncertain:
            already = await deliverer.delivered(item.channel, item.key, item.since)
            if already:
                log.info("outbox #%d was posted before its sender stopped: not posting it again", item.id)
                return Delivered()
        return await deliverer.deliver(item.channel, item.reply, item.key)

    async def _deliver(self, item: Item) -> None:
        deliverer = self.deliverers.get(item.platform)
        if deliverer is None:
            await self.box.settle(item, Retry(None, f"no {item.platform} connection in this process"), self.worker)
            return
        key = (item.platform, item.channel)
        lock = self._channel_locks.setdefault(key, asyncio.Lock())
        async with lock:
            wait = self._last_sent.get(key, 0.0) + self.channel_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                outcome = await self._send(deliverer, item)
            except Exception as exc:  # a platform failure must not stop the courier
                outcome = Retry(None, type(exc).__name__)
            self._last_sent[key] = time.monotonic()
        await self.box.settle(item, outcome, self.worker)
