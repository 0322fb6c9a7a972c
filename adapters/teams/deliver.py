"""Posting outbox messages in Teams channels and chats, through the conversation reference saved
when the app was installed there.

A message is one card, so one page. Teams offers bots no way to read back what they posted, so a
send whose fate is unknown (its sender died, or it timed out) cannot be checked: it is sent again.
Delivery to Teams is therefore at least once; to Slack it is exactly once.
"""

from __future__ import annotations

from azure.core.exceptions import DeserializationError  # what msrest raises for a body it cannot read
from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from chatops.channels import Channels
from chatops.outbox import STOPPED, Delivered, Failed, Gone, Outcome, PageSent, Retry
from chatops.reply import Reply

from ..untrusted import retry_after
from .app import ChatopsTeamsBot, reply_activity

RETRY = {429, 412, 502, 503, 504}
GONE = {403, 404}


class TeamsDeliverer:
    """Posts in Teams: with one bot, or (``by_tenant``: a registration per council) through the
    registration of the tenant the channel's subscription was made in."""

    def __init__(self, teams: ChatopsTeamsBot, by_tenant: dict[str, ChatopsTeamsBot] | None = None) -> None:
        self.teams = teams
        self.by_tenant = by_tenant or {}

    async def _bot(self, channel: str) -> ChatopsTeamsBot:
        if not self.by_tenant:
            return self.teams
        subscription = await Channels(self.teams.bot.store).subscription("teams", channel)
        return self.by_tenant.get((subscription.workspace if subscription else None) or "", self.teams)

    async def tell(self, user: str, channel: str, reason: str) -> None:
        """A message in the personal chat of the owner who subscribed a channel that stopped
        following the protocol (if the app is installed for them)."""
        teams = await self._bot(channel)
        await teams.send_personal(user, STOPPED.format(channel="a Teams channel", reason=reason))

    async def posted(self, channel: str, key: str, page: int, since: float) -> bool | Outcome:
        return False  # cannot be asked (see above): send again rather than lose it

    async def deliver(self, channel: str, reply: Reply, key: str, first: int, sent: PageSent) -> Outcome:
        if first >= 1:
            return Delivered()
        teams = await self._bot(channel)
        data = await teams.bot.store.load_reference(f"teams:conversation:{channel}")
        if data is None:
            return Gone("no installation")
        reference = ConversationReference().deserialize(data)

        async def send(context: TurnContext) -> None:
            await context.send_activity(reply_activity(reply))

        try:
            await teams.adapter.continue_conversation(reference, send, teams.app_id)
        except Exception as exc:  # botbuilder raises msrest's ErrorResponseException, with the HTTP status
            response = getattr(exc, "response", None)
            status = getattr(response, "status_code", None)
            if status in RETRY:
                headers = getattr(response, "headers", None) or {}
                return Retry(retry_after(headers.get("Retry-After")), f"teams {status}")
            if status in GONE:
                return Gone(f"teams {status}")
            if isinstance(exc, DeserializationError):
                # an error page that is not JSON (a proxy, an outage): msrest loses the status reading it
                return Retry(None, "teams answered with an unreadable error")
            return Failed(type(exc).__name__)
        await sent(1)
        return Delivered()
