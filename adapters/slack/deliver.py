"""Posting outbox messages (announcements, reminders) in Slack channels.

Uses its own Web API client without the SDK's automatic 429 retry, so that the outbox, which
survives restarts, owns the waiting (at least ``Retry-After``) and the backoff.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from chatops.outbox import Delivered, Failed, Gone, Outcome, Retry
from chatops.reply import Reply

from .blocks import messages

EVENT_TYPE = "chatops_outbox"
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


class SlackDeliverer:
    def __init__(self, token: str | None, base_url: str | None = None) -> None:
        self.client = AsyncWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)

    async def deliver(self, channel: str, reply: Reply, key: str) -> Outcome:
        label = {"event_type": EVENT_TYPE, "event_payload": {"outbox": key}}
        try:
            for page in messages(reply):
                await self.client.chat_postMessage(channel=channel, metadata=label, **page)
        except SlackApiError as exc:
            error = str(exc.response.get("error", "error"))
            if exc.response.status_code == 429:
                return Retry(float(exc.response.headers.get("Retry-After", "1")), "ratelimited")
            if error in GONE:
                return Gone(error)
            if exc.response.status_code >= 500:
                return Retry(None, f"slack {exc.response.status_code}")
            return Failed(error)
        return Delivered()

    async def delivered(self, channel: str, key: str, since: float) -> bool | None:
        """Look in the channel for a message we labelled with ``key`` (channels:history, groups:history)."""
        try:
            history = await self.client.conversations_history(
                channel=channel, oldest=f"{since:.6f}", include_all_metadata=True, limit=200
            )
        except SlackApiError:
            return None  # cannot tell: sending again is better than losing it
        for message in history.get("messages") or []:
            metadata = message.get("metadata") or {}
            if metadata.get("event_type") == EVENT_TYPE and (metadata.get("event_payload") or {}).get("outbox") == key:
                return True
        return False
