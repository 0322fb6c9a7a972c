"""Posting outbox messages (announcements, reminders) in Slack channels, page by page, and
finding the bot's own messages again.

Uses its own Web API client without the SDK's automatic retries (429, and connection errors, which
could post a message twice), so that the outbox, which survives restarts, owns the waiting (at
least ``Retry-After``) and the backoff. Each page is labelled with message metadata (the outbox key
and the page number), which is how a page whose fate is unknown is looked for in the channel's
history before it is posted again. The listeners label their replies to events the same way
(:data:`REPLY_TYPE`), so that an event whose answerer died is looked for before it is answered again.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from chatops.outbox import STOPPED, Delivered, Failed, Gone, Outcome, PageSent, Retry, Unknown
from chatops.reply import Reply

from ..untrusted import retry_after
from .blocks import messages

log = logging.getLogger("chatops.slack")
SEND_TIMEOUT = int(os.environ.get("CHATOPS_SLACK_TIMEOUT_SECONDS", "30"))
"""Seconds a Web API call may take; one that takes longer may still have posted its message."""
HISTORY_PAGE = 15
"""conversations.history gives apps outside Slack's Marketplace at most 15 messages a call."""
HISTORY_PAGES = 40
HISTORY_WAITS = 3
"""How many times one check waits out a rate limit (Retry-After) before it is put off for later."""
SKEW = 10.0
"""Seconds of clock difference allowed between us and Slack when looking for a page."""
EVENT_TYPE = "chatops_outbox"
"""The label (metadata event type) of an outbox message's pages: ``{"outbox": key, "page": n}``."""
REPLY_TYPE = "chatops_reply"
"""The label of a listener's reply to an event: ``{"event": key, "page": n, "last": bool}``."""
REPLY_CHECK_SECONDS = 5.0
"""How long a look for an event's earlier reply may take a call or wait out a rate limit: well inside
the event's lease (``CHATOPS_EVENT_LEASE_SECONDS``, 30), so nobody else takes the event over meanwhile."""
GONE = {
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "channel_is_archived",
    "account_inactive",
    "team_access_not_granted",
    "invalid_auth",
    "token_revoked",
    "restricted_action",
    "cannot_dm_bot",
}


def api_error(exc: SlackApiError) -> str:
    """Slack's error code; a proxy or an outage can answer with a page that is not JSON."""
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else f"http {exc.response.status_code}"


def plain_client(token: str | None, base_url: str | None, timeout: float) -> AsyncWebClient:
    """A Web API client that never retries by itself: its caller decides what to wait for."""
    base = base_url or AsyncWebClient.BASE_URL
    return AsyncWebClient(token=token, base_url=base, timeout=int(timeout), retry_handlers=[])


def label(event_type: str, **payload: Any) -> dict[str, Any]:
    """Message metadata saying what a message is for: people don't see it, but the bot reads it
    back from history (``include_all_metadata``) to tell whether a message whose fate is unknown went."""
    return {"event_type": event_type, "event_payload": payload}


def label_of(message: Any, event_type: str) -> dict[str, Any]:
    """The payload of a history message's label of ``event_type``; empty if it has none."""
    metadata = message.get("metadata") if isinstance(message, dict) else None
    if not isinstance(metadata, dict) or metadata.get("event_type") != event_type:
        return {}
    payload = metadata.get("event_payload")
    return payload if isinstance(payload, dict) else {}


class SlackDeliverer:
    """Posts outbox messages: with one workspace's token, or (``tokens``: distribution to many
    workspaces) with the token of the workspace each channel is in."""

    def __init__(
        self,
        token: str | None,
        base_url: str | None = None,
        timeout: int = SEND_TIMEOUT,
        tokens: Callable[[str], Awaitable[str | None]] | None = None,
    ) -> None:
        self.client = plain_client(token, base_url, timeout)
        self.base_url = base_url
        self.timeout = timeout
        self.tokens = tokens
        self._clients: dict[str, AsyncWebClient] = {}

    async def _client(self, channel: str) -> AsyncWebClient | None:
        """The client to post in ``channel`` with; None: the app is not installed in its workspace."""
        if self.tokens is None:
            return self.client
        token = await self.tokens(channel)
        if token is None:
            return None
        if token not in self._clients:
            self._clients[token] = plain_client(token, self.base_url, self.timeout)
        return self._clients[token]

    async def deliver(self, channel: str, reply: Reply, key: str, first: int, sent: PageSent) -> Outcome:
        pages = messages(reply)
        client = await self._client(channel)
        if client is None:
            return Gone("the app is not installed in this channel's workspace")
        for number in range(first, len(pages)):
            metadata = label(EVENT_TYPE, outbox=key, page=number)
            try:
                await client.chat_postMessage(channel=channel, metadata=metadata, **pages[number])
            except SlackApiError as exc:
                return _failure(exc)
            except aiohttp.ClientConnectorError:
                return Retry(None, "cannot connect to slack")  # nothing was sent
            except (TimeoutError, aiohttp.ClientError) as exc:
                return Unknown(None, f"no answer from slack: {type(exc).__name__}")  # it may have arrived
            if not await sent(number + 1):
                return Retry(None, "lease lost")
        return Delivered()

    async def tell(self, user: str, channel: str, reason: str) -> None:
        """A direct message to the admin who subscribed a channel that stopped following the protocol."""
        client = await self._client(channel)
        if client is None:
            log.warning("could not tell the admin that a subscription stopped: the app is not installed there")
            return
        try:
            opened = await client.conversations_open(users=user)
            await client.chat_postMessage(
                channel=opened["channel"]["id"], text=STOPPED.format(channel=f"<#{channel}>", reason=reason)
            )
        except SlackApiError as exc:
            log.warning("could not tell the admin that a subscription stopped: %s", api_error(exc))
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("could not tell the admin that a subscription stopped: %s", type(exc).__name__)

    async def posted(self, channel: str, key: str, page: int, since: float) -> bool | Outcome:
        """Look for the page in the channel's history (channels:history, groups:history), in the
        window its send could have landed in, a page of history at a time, waiting out rate limits.
        Any doubt is "check again later", never "not posted"."""
        window: dict[str, Any] = {
            "oldest": f"{since - SKEW:.6f}",
            "latest": f"{since + self.timeout + SKEW:.6f}",
            "inclusive": True,
            "include_all_metadata": True,
            "limit": HISTORY_PAGE,
        }
        client = await self._client(channel)
        if client is None:
            return Gone("the app is not installed in this channel's workspace")
        cursor, waits = None, 0
        for _ in range(HISTORY_PAGES):
            try:
                history = await client.conversations_history(channel=channel, cursor=cursor, **window)
            except SlackApiError as exc:
                status, wait = exc.response.status_code, retry_after(exc.response.headers.get("Retry-After"))
                if status == 429 and waits < HISTORY_WAITS:
                    waits += 1
                    await asyncio.sleep(wait if wait is not None else 60.0)
                    continue
                error = api_error(exc)
                if error in GONE:
                    return Gone(error)
                return Unknown(wait if status == 429 else None, f"cannot check the channel: {error}")
            except (TimeoutError, aiohttp.ClientError) as exc:
                return Unknown(None, f"cannot check the channel: {type(exc).__name__}")
            if any(_labelled(message, key, page) for message in history.get("messages") or []):
                return True
            cursor = (history.get("response_metadata") or {}).get("next_cursor")
            if not history.get("has_more") or not cursor:
                return False
        return Unknown(None, "too many messages to check")


def _labelled(message: Any, key: str, page: int) -> bool:
    payload = label_of(message, EVENT_TYPE)
    # pages posted before pages were counted were page 0
    return bool(payload.get("outbox") == key and payload.get("page", 0) == page)


async def find_reply(client: AsyncWebClient, channel: str, event: str, since: float) -> bool | str:
    """Whether the bot's whole reply to ``event`` (its last page) is in the conversation, posted
    since ``since`` (when the event was first begun): True, False, or why that cannot be told.

    One page of history, as much as Slack gives apps outside its Marketplace in a call (and one
    call a minute): a ``429`` is waited out once if its ``Retry-After`` fits in
    :data:`REPLY_CHECK_SECONDS`, else the answer is "cannot tell", not a wait of a minute while
    the person waits for a reply."""
    history: Any = None
    oldest = f"{since - SKEW:.6f}"
    for attempt in range(2):
        try:
            history = await client.conversations_history(
                channel=channel, oldest=oldest, inclusive=True, include_all_metadata=True, limit=HISTORY_PAGE
            )
            break
        except SlackApiError as exc:
            wait = retry_after(exc.response.headers.get("Retry-After"))
            if exc.response.status_code != 429 or attempt or wait is None or wait > REPLY_CHECK_SECONDS:
                return f"cannot read the conversation: {api_error(exc)}"
            await asyncio.sleep(wait)
        except (TimeoutError, aiohttp.ClientError) as exc:
            return f"cannot read the conversation: {type(exc).__name__}"
    found = [label_of(message, REPLY_TYPE) for message in history.get("messages") or []]
    found = [payload for payload in found if payload.get("event") == event]
    if any(payload.get("last") is True for payload in found):
        return True  # pages are posted in order: the last one went, so all did
    if found:
        return "only part of the reply went"
    if history.get("has_more"):
        return "more messages since than one look shows"
    return False


def _failure(exc: SlackApiError) -> Outcome:
    error, status = api_error(exc), exc.response.status_code
    if status == 429:
        return Retry(retry_after(exc.response.headers.get("Retry-After")), "ratelimited")  # refused: not posted
    if error in GONE:
        return Gone(error)
    if status >= 500:
        return Unknown(None, f"slack {status}")  # an outage may still have posted it
    return Failed(error)
