"""Channels that follow a council's protocol: subscriptions, announcing a new version clause by
clause, periodic reminders rotating through the protocol, and acknowledgements per version."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import and_, delete, select, update

from . import buttons
from . import wording as w
from .councils import Library
from .migrations import acknowledgements, announced_versions, subscriptions
from .model import Protocol
from .outbox import Outbox
from .reply import Block, Choice, Paragraph, Quote, Reply
from .search import passages
from .store import Store
from .versions import Diff, changed_lines, diff, fingerprint, snapshot

log = logging.getLogger("chatops.channels")

Cadence = Literal["off", "weekly", "monthly"]
PERIOD = {"weekly": 7 * 24 * 3600.0, "monthly": 30 * 24 * 3600.0}


@dataclass(frozen=True)
class Subscription:
    platform: str
    channel: str
    council: str
    cadence: str
    active: bool
    next_reminder_at: float | None = None  # seconds since the epoch; None when reminders are off
    workspace: str | None = None  # the Slack workspace or Teams tenant the channel is in


class Channels:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.outbox = Outbox(store)

    # --- subscriptions ---------------------------------------------------------------------------
    async def subscribe(
        self, platform: str, channel: str, council: str, by: str | None = None, workspace: str | None = None
    ) -> bool:
        """Follow the council's protocol in a channel; False if it already did. ``by`` is the admin's
        platform user id, told if the subscription has to stop (the channel gone, the bot removed);
        ``workspace`` the workspace or tenant the channel is in, whose token or registration posts there."""
        current = await self.subscription(platform, channel)
        if current and current.active and current.council == council:
            return False
        values = {
            "platform": platform,
            "channel": channel,
            "council": council,
            "cadence": "off",
            "active": 1,
            "next_reminder_at": None,
            "reminder_index": 0,
            "created_at": self.store.now(),
            "subscribed_by": by,
            "workspace": workspace,
        }
        statement = (
            self.store.insert(subscriptions)
            .values(**values)
            .on_conflict_do_update(
                index_elements=[subscriptions.c.platform, subscriptions.c.channel],
                set_={"council": council, "active": 1, "subscribed_by": by, "workspace": workspace},
            )
        )
        await self.store.write(statement)
        return True

    async def unsubscribe(self, platform: str, channel: str) -> bool:
        return bool(await self.store.write(delete(subscriptions).where(self._is(platform, channel))))

    async def set_cadence(self, platform: str, channel: str, cadence: Cadence) -> bool:
        first = self.store.now() + PERIOD[cadence] if cadence in PERIOD else None
        return bool(
            await self.store.write(
                update(subscriptions).where(self._is(platform, channel)).values(cadence=cadence, next_reminder_at=first)
            )
        )

    async def subscription(self, platform: str, channel: str) -> Subscription | None:
        rows = await self.store.read(select(subscriptions).where(self._is(platform, channel)))
        return _subscription(rows[0]) if rows else None

    async def subscribers(self, council: str) -> list[Subscription]:
        rows = await self.store.read(
            select(subscriptions).where(and_(subscriptions.c.council == council, subscriptions.c.active == 1))
        )
        return [_subscription(r) for r in rows]

    # --- versions and announcements -----------------------------------------------------------------
    async def publish(self, library: Library, councils: list[str] | None = None) -> dict[str, int | None]:
        """Announce each council whose protocol changed since it was last announced.

        The first time a council is seen its version is recorded, with nothing to announce (None).
        Returns how many announcements were queued per changed council; unchanged councils are left
        out. Safe to run twice or on several replicas: each (version, channel) is queued at most once.
        """
        queued: dict[str, int | None] = {}
        for council in councils or library.ids:
            protocol = library.protocol(council)
            current = fingerprint(protocol)
            rows = await self.store.read(select(announced_versions).where(announced_versions.c.council == council))
            if rows and rows[0].fingerprint == current:
                continue
            if rows:
                previous = Protocol.model_validate(json.loads(rows[0].snapshot))
                changes = diff(previous, protocol)
                reply = announcement(protocol, current, changes)
                count = 0
                for sub in await self.subscribers(council):
                    key = f"announce:{council}:{current}:{sub.platform}:{sub.channel}"
                    count += await self.outbox.enqueue(key, sub.platform, sub.channel, reply)
                queued[council] = count
                log.info("%s: new version %s announced to %d channels", council, current, count)
            else:
                queued[council] = None
            await self._record(council, current, snapshot(protocol))
        return queued

    async def _record(self, council: str, current: str, data: dict[str, Any]) -> None:
        values = {
            "council": council,
            "fingerprint": current,
            "snapshot": json.dumps(data),
            "announced_at": self.store.now(),
        }
        await self.store.write(self.store.upsert(announced_versions, [announced_versions.c.council], values))

    async def announced_on(self, council: str) -> str | None:
        """The day the current version was first recorded, as people write a date ("14 March 2023")."""
        rows = await self.store.read(
            select(announced_versions.c.announced_at).where(announced_versions.c.council == council)
        )
        if not rows:
            return None
        day = datetime.fromtimestamp(float(rows[0].announced_at), tz=UTC)
        return f"{day.day} {day:%B %Y}"

    async def current_version(self, council: str) -> str | None:
        rows = await self.store.read(
            select(announced_versions.c.fingerprint).where(announced_versions.c.council == council)
        )
        return str(rows[0].fingerprint) if rows else None

    # --- reminders ------------------------------------------------------------------------------
    async def queue_due_reminders(self, library: Library) -> int:
        """Queue one reminder for each subscription that is due, advancing its schedule exactly once."""
        now = self.store.now()
        due = await self.store.read(
            select(subscriptions).where(and_(subscriptions.c.active == 1, subscriptions.c.next_reminder_at <= now))
        )
        queued = 0
        for row in due:
            period = PERIOD.get(row.cadence)
            if period is None:
                continue
            claimed = await self.store.write(
                update(subscriptions)
                .where(
                    and_(self._is(row.platform, row.channel), subscriptions.c.next_reminder_at == row.next_reminder_at)
                )
                .values(next_reminder_at=row.next_reminder_at + period, reminder_index=row.reminder_index + 1)
            )
            if not claimed:
                continue  # another replica took this one
            reply = reminder(library.protocol(row.council), row.reminder_index)
            key = f"remind:{row.platform}:{row.channel}:{row.next_reminder_at}"
            queued += await self.outbox.enqueue(key, row.platform, row.channel, reply)
        return queued

    # --- acknowledgements -------------------------------------------------------------------------
    async def acknowledge(self, council: str, version: str, platform: str, user: str, display: str) -> bool:
        statement = self.store.insert(acknowledgements).values(
            council=council,
            fingerprint=version,
            platform=platform,
            user=user,
            display=display[:200],
            acked_at=self.store.now(),
        )
        return bool(await self.store.write(statement.on_conflict_do_nothing()))

    async def acknowledged(self, council: str, version: str) -> list[str]:
        """Who has read this version (as they should be shown), first to last."""
        rows = await self.store.read(
            select(acknowledgements.c.display)
            .where(and_(acknowledgements.c.council == council, acknowledgements.c.fingerprint == version))
            .order_by(acknowledgements.c.acked_at)
        )
        return [str(r.display) for r in rows]

    # --- plumbing -----------------------------------------------------------------------------------
    @staticmethod
    def _is(platform: str, channel: str) -> Any:
        return and_(subscriptions.c.platform == platform, subscriptions.c.channel == channel)


def _subscription(row: Any) -> Subscription:
    return Subscription(
        row.platform, row.channel, row.council, row.cadence, bool(row.active), row.next_reminder_at, row.workspace
    )


def announcement(protocol: Protocol, version: str, changes: Diff) -> Reply:
    """What changed, clause by clause: new wording first, then what it replaces."""
    adopted = ", ".join(
        filter(
            None,
            (
                f"adopted {protocol.adopted}" if protocol.adopted else "",
                f"Minute {protocol.minute}" if protocol.minute else "",
            ),
        )
    )
    blocks: list[Block] = [
        Paragraph(
            text=w.ANNOUNCE_INTRO.format(
                council=protocol.council, title=protocol.title, adopted=f" ({adopted})" if adopted else ""
            )
        )
    ]
    for change in changes.changed:
        old, new = changed_lines(change)
        blocks.append(
            Quote(ref=change.ref, heading=w.ANNOUNCE_CHANGED.format(heading=change.heading or ""), paragraphs=new)
        )
        if old:
            blocks.append(Paragraph(text=w.ANNOUNCE_WAS.format(old=" ".join(old))))
    for change in changes.added:
        blocks.append(
            Quote(ref=change.ref, heading=w.ANNOUNCE_ADDED.format(heading=change.heading or ""), paragraphs=change.new)
        )
    for change in changes.removed:
        blocks.append(Paragraph(text=w.ANNOUNCE_REMOVED.format(ref=change.ref, heading=change.heading or "")))
    return _channel_post(
        protocol, w.ANNOUNCE_TITLE, blocks, Choice(label=w.CHOICE_ACK, value=buttons.ack(protocol.id, version))
    )


def reminder(protocol: Protocol, index: int) -> Reply:
    """The next part of the protocol, in turn, with a way to read the rest."""
    parts = passages(protocol)
    part = parts[index % len(parts)]
    section = part.ref.split(".")[0]
    blocks: list[Block] = [
        Paragraph(text=w.REMINDER_INTRO.format(council=protocol.council)),
        Quote(ref=part.ref, heading=part.heading or None, paragraphs=list(part.paragraphs), items=list(part.items)),
    ]
    read_section = Choice(label=w.CHOICE_READ_SECTION.format(ref=section), value=buttons.lookup(f"section {section}"))
    return _channel_post(protocol, w.REMINDER_TITLE, blocks, read_section)


def _channel_post(protocol: Protocol, title: str, blocks: list[Block], first: Choice) -> Reply:
    """A message everyone in the channel sees, always with a way to read the whole protocol."""
    read_all = Choice(label=w.CHOICE_READ_ALL, value=buttons.lookup("section all"))
    return Reply(
        council=protocol.id,
        council_name=protocol.council,
        title=title,
        blocks=blocks,
        choices=[first, read_all],
        source=protocol.citation,
        private=False,
    )
