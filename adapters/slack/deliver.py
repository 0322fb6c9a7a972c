"""Posting outbox messages (announcements, reminders) in Slack channels.

Uses its own Web API client without the SDK's automatic 429 retry, so that the outbox, which
survives restarts, owns the waiting (at least ``Retry-After``) and the backoff.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from chatops.outbox import Delivered, Failed, Gone, Outcome, Retry
from chatops.reply import Reply

from ..untrusted import retry_after
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


def api_error(exc: SlackApiError) -> str:
    """Slack's error code; a proxy or an outage can answer with a page that is not JSON."""
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return error if isinstance(error, str) else f"http {exc.response.status_code}"


class SlackDeliverer:
    def __init__(self, token: str | None, base_url: str | None = None) -> None:
        self.client = AsyncWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)

    async def deliver(self, channel: str, reply: Reply, key: str) -> Outcome:
        label = {"event_type": EVENT_TYPE, "event_payload": {"outbox": key}}
        try:
            for page in messages(reply):
                await self.client.chat_postMessage(channel=channel, metadata=label, **page)
        except SlackApiError as exc:
            error = api_error(exc)
            if exc.response.status_code == 429:
                return Retry(retry_after(exc.response.headers.get("Retry-After")), "ratelimited")
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
