"""The edges every platform shares, written once: what a platform gives the server
(:class:`Platform`, :class:`Connection`), how much of a request is read and how one is refused,
answering each event once however often it is delivered, and moving a concern out of a channel
into the person's private chat.

A platform's folder converts its payloads to :mod:`chatops.turns` and the core's Reply to its
own cards; whatever is not about its format belongs here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from chatops import wording
from chatops.bot import Bot
from chatops.outbox import Deliverer
from chatops.reply import Reply
from chatops.settings import Settings
from chatops.store import EventState, Store


class Connection(Protocol):
    """One platform, connected with this deployment's settings."""

    @property
    def deliverer(self) -> Deliverer | None:
        """What posts announcements and reminders there; None if nothing can be posted."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add the platform's routes (and anything that runs beside the server) to ``app``."""
        ...


class Connect(Protocol):
    def __call__(self, bot: Bot, settings: Settings, *, socket_mode: bool = False) -> Connection | None: ...


@dataclass(frozen=True)
class Platform:
    """A platform's folder as the server sees it: its name (in turns, subscriptions and the store)
    and how to connect it; ``connect`` gives None, with one log line saying which setting is
    missing, when this deployment does not use it."""

    name: str
    connect: Connect


MAX_BODY = 1024 * 1024
"""No platform sends a request body near this; anything larger is refused unread."""


class Refused(Exception):
    """A request refused before it reaches a platform's SDK: ``status`` and a reason that names
    no part of the body."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status
        self.why = why


async def read_body(request: web.Request) -> bytes:
    """The whole body, or :class:`Refused` (413) if it is over :data:`MAX_BODY`, whether the client
    said so up front or not."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise Refused(413, "request too large")
    try:
        raw = await request.read()  # kept by aiohttp, so an SDK's own read gets the same bytes
    except web.HTTPRequestEntityTooLarge:
        raise Refused(413, "request too large") from None
    if len(raw) > MAX_BODY:
        raise Refused(413, "request too large")
    return raw


def refusal(log: logging.Logger, platform: str, refused: Refused) -> web.Response:
    """The response to a refused request, logged with its reason and never its body."""
    log.warning("%s request refused (%d): %s", platform, refused.status, refused.why)
    return web.Response(status=refused.status, text=refused.why)


class Redelivery:
    """Each event is answered once, however often the platform delivers it, and marked done only
    after its reply went: if the process dies mid-answer, the redelivery is answered (a reply
    repeated rather than a reply lost)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def begin(self, key: str) -> EventState:
        """``new`` or ``taken over`` (its answerer died): answer it; ``busy``: being answered now;
        ``done``: answered already."""
        return await self.store.begin_event(key)

    async def began(self, key: str) -> float | None:
        """When the event was first begun (for one taken over: where to look for a reply already sent)."""
        return await self.store.event_began(key)

    @contextlib.asynccontextmanager
    async def answering(self, key: str | None) -> AsyncIterator[None]:
        """Around answering ``key`` (None: an event not tracked): done once the block ends; if it
        fails, forgotten, so the platform's redelivery is answered."""
        try:
            yield
        except BaseException:
            if key:
                await self.store.release_event(key)
            raise
        if key:
            await self.store.finish_event(key)


async def move_to_private(
    reply: Reply,
    *,
    send_private: Callable[[Reply], Awaitable[bool]],
    say_here: Callable[[str], Awaitable[None]],
    show_here_privately: Callable[[Reply], Awaitable[None]] | None = None,
) -> None:
    """A concern is never answered where others can see it: the reply goes to the person's private
    chat, and where they asked they are told so — only once it is true. If it could not be sent,
    the platform shows it privately where it was asked if it can (Slack's ephemeral messages),
    else the person is told how to open a private chat."""
    if await send_private(reply):
        await say_here(wording.CONCERN_MOVED)
    elif show_here_privately is not None:
        await show_here_privately(reply)
    else:
        await say_here(wording.OPEN_PRIVATE_CHAT)
