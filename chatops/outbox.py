"""The outbox: announcements and reminders waiting to be delivered, one row per (message, channel).

A message is one unit whatever its pages: the row counts the pages delivered (``pages_sent``), so a
retry or a resume sends only the missing ones, never one twice.

Rows are claimed in batches with a lease and a token (row locks with SKIP LOCKED on PostgreSQL, so
replicas never take the same row; one writer on SQLite). While a batch is worked on, a heartbeat
renews its lease; a send starts only while the lease is held with a margin, and every write after
it names the token, so a sender whose lease another has taken (it stalled) is fenced off.

Row states: ``pending`` (due at ``next_attempt_at``), ``claimed`` (taken, nothing sent yet),
``sending`` (a page may be on its way: whoever takes the row next first checks on the platform
whether that page arrived), ``sent``, ``failed``. A send whose fate is unknown (timed out, but may
have arrived) stays ``sending`` and is checked later, never re-sent blind; where the platform cannot
be asked (Teams), the deliverer says "not posted" and delivery is at least once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
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
"""How long a claimed message is its sender's without a heartbeat; after that (the sender died or
stalled) another may take it."""
LEASE_MARGIN = LEASE_SECONDS / 4
"""A send starts only if the lease has at least this long to run."""
CHANNEL_INTERVAL = 1.1  # Slack allows about one message per second per channel
CONCURRENCY = 8


@dataclass(frozen=True)
class Delivered:
    pass


@dataclass(frozen=True)
class Retry:
    """Not delivered (refused, or could not be sent at all): try again later."""

    after: float | None  # seconds the platform asked us to wait, if it said
    reason: str


@dataclass(frozen=True)
class Unknown:
    """It may have arrived (a timeout after sending), or whether it did cannot be checked now:
    check on the platform (after ``after`` seconds, else a backoff) before sending it again."""

    after: float | None
    reason: str


@dataclass(frozen=True)
class Gone:
    reason: str


@dataclass(frozen=True)
class Failed:
    reason: str


Outcome = Delivered | Retry | Unknown | Gone | Failed
PageSent = Callable[[int], Awaitable[bool]]
"""Called with the number of pages now delivered; False: the lease was lost, send nothing more."""


class Deliverer(Protocol):
    """What an adapter implements to post a Reply, page by page, in one of its channels.

    ``key`` identifies this (message, channel) for ever; a deliverer labels each page it posts
    with it and the page's number, so that :meth:`posted` can later say whether a page whose
    sender died or timed out did arrive.
    """

    async def deliver(self, channel: str, reply: Reply, key: str, first: int, sent: PageSent) -> Outcome:
        """Post pages ``first`` onwards, awaiting ``sent(n)`` after each; stop when it says False."""
        ...

    async def posted(self, channel: str, key: str, page: int, since: float) -> bool | Outcome:
        """Whether page ``page`` labelled ``key`` was posted since ``since`` (seconds since the epoch);
        an Outcome when that cannot be told now (Unknown: wait and check again) or ever (Gone, Failed)."""
        ...


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    platform: str
    channel: str
    reply: Reply
    attempts: int
    token: str  # this claim's; writes naming an older token change nothing
    pages_sent: int = 0
    uncertain: bool = False  # a page may already be posted: check before sending it
    since: float = 0.0  # when the page that may be posted was started


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
                pages_sent=0,
                next_attempt_at=self.store.now(),
                created_at=self.store.now(),
            )
            .on_conflict_do_nothing(index_elements=[outbox.c.dedupe_key])
        )
        return bool(await self.store.write(statement))

    async def claim(self, worker: str, limit: int = 50) -> list[Item]:
        """Take up to ``limit`` due rows (and rows whose lease ran out) for this worker, under one token."""
        now = self.store.now()
        due = or_(
            and_(outbox.c.status == "pending", outbox.c.next_attempt_at <= now),
            and_(outbox.c.status.in_(("claimed", "sending")), outbox.c.claimed_until < now),
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
                outbox.c.pages_sent,
            )
            .where(due)
            .order_by(outbox.c.id)
            .limit(limit)
        )
        if self.store.dialect == "postgresql":
            chosen = chosen.with_for_update(skip_locked=True)  # replicas take different rows, never the same
        token = uuid.uuid4().hex
        async with self.store.transaction() as conn:
            rows = (await conn.execute(chosen)).all()
            ours: set[int] = set()
            if rows:
                # still due as we write: on SQLite another process may have read the same rows.
                # A row that may have been posted stays "sending", so whoever holds it checks first.
                taken = await conn.execute(
                    update(outbox)
                    .where(and_(outbox.c.id.in_([r.id for r in rows]), due))
                    .values(claimed_by=worker, claim_token=token, claimed_until=now + LEASE_SECONDS)
                    .returning(outbox.c.id)
                )
                ours = {row.id for row in taken}
                if ours:
                    await conn.execute(
                        update(outbox)
                        .where(and_(outbox.c.id.in_(ours), outbox.c.status == "pending"))
                        .values(status="claimed")
                    )
        return [
            Item(
                r.id,
                r.dedupe_key,
                r.platform,
                r.channel,
                Reply.model_validate_json(r.payload),
                r.attempts,
                token,
                pages_sent=r.pages_sent or 0,
                uncertain=r.status == "sending",
                since=r.claimed_at or now,
            )
            for r in rows
            if r.id in ours
        ]

    def _mine(self, item: Item) -> Any:
        return and_(outbox.c.id == item.id, outbox.c.claim_token == item.token)

    async def renew(self, token: str) -> int:
        """The heartbeat: extend the lease of every unfinished row claimed under ``token``."""
        return await self.store.write(
            update(outbox)
            .where(and_(outbox.c.claim_token == token, outbox.c.status.in_(("claimed", "sending"))))
            .values(claimed_until=self.store.now() + LEASE_SECONDS)
        )

    async def start(self, item: Item) -> bool:
        """Mark a send as started, only while the lease is ours with a margin: after this, whoever
        takes the row over checks on the platform before sending."""
        now = self.store.now()
        return bool(
            await self.store.write(
                update(outbox)
                .where(and_(self._mine(item), outbox.c.claimed_until > now + LEASE_MARGIN))
                .values(
                    status="sending",
                    claimed_at=now,
                    claimed_until=now + LEASE_SECONDS,
                    attempts=outbox.c.attempts + 1,
                )
            )
        )

    async def progress(self, item: Item, pages: int) -> bool:
        """``pages`` pages are delivered; True if the next may be sent (the lease is still ours)."""
        now = self.store.now()
        return bool(
            await self.store.write(
                update(outbox)
                .where(self._mine(item))
                .values(pages_sent=pages, claimed_at=now, claimed_until=now + LEASE_SECONDS)
            )
        )

    async def settle(self, item: Item, outcome: Outcome) -> str | None:
        """Record how a send ended; returns who subscribed a channel that is gone (to be told)."""
        now = self.store.now()
        mine = self._mine(item)
        released = {"claimed_by": None, "claim_token": None}
        if isinstance(outcome, Delivered):
            await self.store.write(
                update(outbox).where(mine).values(status="sent", sent_at=now, claimed_until=None, **released)
            )
        elif isinstance(outcome, Unknown):
            wait = outcome.after if outcome.after is not None else min(300.0, 2.0 ** max(1, item.attempts))
            await self.store.write(
                update(outbox)
                .where(mine)
                .values(status="sending", claimed_until=now + wait, last_error=outcome.reason[:200], **released)
            )
        elif isinstance(outcome, Retry) and item.attempts < MAX_ATTEMPTS:
            wait = outcome.after if outcome.after is not None else min(300.0, 2.0 ** max(1, item.attempts))
            await self.store.write(
                update(outbox)
                .where(mine)
                .values(status="pending", next_attempt_at=now + wait, last_error=outcome.reason[:200], **released)
            )
        else:
            reason = outcome.reason if not isinstance(outcome, Delivered) else ""
            if not await self.store.write(
                update(outbox).where(mine).values(status="failed", last_error=reason[:200], **released)
            ):
                return None  # the lease was lost: the new holder decides
            if isinstance(outcome, Gone):
                return await self._stop_subscription(item, outcome.reason)
        return None

    async def _stop_subscription(self, item: Item, reason: str) -> str | None:
        is_channel = and_(subscriptions.c.platform == item.platform, subscriptions.c.channel == item.channel)
        rows = await self.store.read(select(subscriptions.c.subscribed_by).where(is_channel))
        await self.store.write(update(subscriptions).where(is_channel).values(active=0))
        admin = rows[0].subscribed_by if rows else None
        log.warning(
            "%s channel %s is gone (%s): its subscription is now off; %s",
            item.platform,
            item.channel,
            reason,
            "telling the admin who subscribed it" if admin else "nobody on record subscribed it to tell",
        )
        return str(admin) if admin else None

    async def counts(self) -> dict[str, int]:
        statement = select(outbox.c.status, func.count()).group_by(outbox.c.status)
        return {status: int(n) for status, n in await self.store.read(statement)}

    async def rows(
        self, statuses: tuple[str, ...] = ("pending", "claimed", "sending", "failed")
    ) -> list[dict[str, Any]]:
        statement = (
            select(
                outbox.c.id,
                outbox.c.platform,
                outbox.c.channel,
                outbox.c.status,
                outbox.c.attempts,
                outbox.c.pages_sent,
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

    async def run_once(self, limit: int | None = None) -> int:
        """Claim and deliver one batch; returns how many were claimed. Batches are small (a few per
        sender) so rows are not held by one replica while others could send them."""
        items = await self.box.claim(self.worker, limit or 2 * self.concurrency)
        if not items:
            return 0
        gate = asyncio.Semaphore(self.concurrency)

        async def one(item: Item) -> None:
            async with gate:
                await self._deliver(item)

        heartbeat = asyncio.create_task(self._heartbeat(items[0].token))
        try:
            await asyncio.gather(*(one(item) for item in items))
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
        return len(items)

    async def _heartbeat(self, token: str) -> None:
        while True:
            await asyncio.sleep(LEASE_SECONDS / 3)
            try:
                await self.box.renew(token)
            except StoreError as exc:
                log.error("outbox: cannot renew the lease: %s", exc)  # sends stop at the next fence

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
            if not any(counts.get(status) for status in ("pending", "claimed", "sending")):
                return
            await asyncio.sleep(poll)

    async def _send(self, deliverer: Deliverer, item: Item) -> Outcome:
        first = item.pages_sent
        if item.uncertain:
            found = await deliverer.posted(item.channel, item.key, first, item.since)
            if not isinstance(found, bool):
                return found
            if found:
                log.info(
                    "outbox #%d: page %d was posted before its sender stopped: not posting it again", item.id, first
                )
                first += 1
                if not await self.box.progress(item, first):
                    return Retry(None, "lease lost")
        if not await self.box.start(item):
            return Retry(None, "lease lost")  # settling names our token, so changes nothing
        return await deliverer.deliver(item.channel, item.reply, item.key, first, lambda n: self.box.progress(item, n))

    async def _deliver(self, item: Item) -> None:
        deliverer = self.deliverers.get(item.platform)
        if deliverer is None:
            await self.box.settle(item, Retry(None, f"no {item.platform} connection in this process"))
            return
        key = (item.platform, item.channel)
        lock = self._channel_locks.setdefault(key, asyncio.Lock())
        async with lock:
            wait = self._last_sent.get(key, 0.0) + self.channel_interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                outcome = await self._send(deliverer, item)
            except StoreError:
                raise
            except Exception as exc:  # a platform failure must not stop the courier; it may have posted
                outcome = Unknown(None, type(exc).__name__)
            self._last_sent[key] = time.monotonic()
        admin = await self.box.settle(item, outcome)
        tell = getattr(deliverer, "tell", None)
        if admin and tell is not None and isinstance(outcome, Gone):
            try:
                await tell(admin, item.channel, outcome.reason)
            except Exception as exc:  # telling is a courtesy: the log line has been written
                log.warning("could not tell the admin that %s stopped: %s", item.channel, type(exc).__name__)


STOPPED = (
    "I can no longer post in {channel} ({reason}), so it has stopped following the protocol. "
    "If the channel still exists, add me to it again and use subscribe there to start again."
)
"""What the admin who subscribed a channel is told when its subscription stops (a deliverer's
optional ``tell(user, channel, reason)`` sends it, naming the channel its platform's way)."""
