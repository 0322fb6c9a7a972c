"""The Slack app on slack-bolt: listeners convert Slack payloads to Turns and Replies to Block Kit.

Nothing here knows the protocol. Slash commands answer in the ``ack`` (ephemeral, within Slack's
3 seconds); button presses are answered after the ack. A concern started in a channel continues in
a direct message. Message text is never logged.

An event (a direct message, a mention) is acknowledged only once its reply was sent, or after
``ACK_WAIT`` with "not yet" (409), so that if the process dies on the way Slack redelivers it, and
the redelivery is answered: the event is marked done in the store only after the reply. A reply
posted for an event is labelled with the event's key (message metadata), so when a redelivery finds
that the event's answerer died (it may have died after its reply arrived, before marking the event
done), the conversation is looked at first and the event is answered again only if the reply is
not there, or if that cannot be told: a reply repeated rather than a reply lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any, NamedTuple

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from chatops import buttons, turns, wording
from chatops.bot import Bot
from chatops.contacts import Person
from chatops.reply import Reply
from chatops.turns import Turn

from ..edges import Redelivery, move_to_private
from ..untrusted import retry_after
from .blocks import ACTION_PREFIX, SHARE_ACTION, RenderCache, home_view, messages
from .deliver import REPLY_CHECK_SECONDS, REPLY_TYPE, api_error, find_reply, label, plain_client
from .installations import InstalledAuthorize, WorkspaceTokens

log = logging.getLogger("chatops.slack")
_MENTION = re.compile(r"<@[A-Z0-9]+>")
ANSWERED_EVENTS = frozenset({"message", "app_mention", "app_home_opened"})
"""The events with a listener here; each is answered once, and acknowledged once answered."""
ACK_WAIT = 2.5
"""Seconds an event's acknowledgement waits for its reply: under Slack's 3 s, after which it retries."""
NOT_IN_CHANNEL = (
    "I'm not a member of this channel, so I couldn't post its announcements: nothing has changed. "
    "Add me first by typing `{invite}` here, then `/protocol subscribe` again."
)
MEMBERSHIP_UNCHECKED = (
    "I couldn't check just now that I can post in this channel, so nothing has changed. Please try again in a minute."
)
CANNOT_SHARE = "I'm not a member of this channel, so I can't share this here. Add me by typing `{invite}` first."
_EVENT = "chatops_event"  # context: the store's key of the event being answered
_ANSWER = "chatops_answer"  # context: a future set True when the reply was sent, False if it failed
_SINCE = "chatops_since"  # context: taken over from an answerer that died; when the event was first begun


class _AnsweringApp(AsyncApp):
    """Holds an event's acknowledgement until its listener has replied (or ``ACK_WAIT`` passed).

    A reply that did not go (the listener failed) or is not done yet is acknowledged with 409, so
    Slack retries later: the retry is dropped if the reply went meanwhile, answered if not.
    """

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        response = await super().async_dispatch(req)
        answer = req.context.get(_ANSWER)
        if answer is None or response.status != 200:
            return response
        with contextlib.suppress(TimeoutError):
            if await asyncio.wait_for(asyncio.shield(answer), ACK_WAIT):
                return response
        return BoltResponse(status=409, body="not answered yet: ask again later")


class SlackMessenger:
    """Delivers a confirmed hand-off as a Slack direct message to the contact's user id: with the
    one workspace's token, or (``tokens``: distribution) with that of the workspace it came from."""

    def __init__(self, client: AsyncWebClient, tokens: WorkspaceTokens | None = None) -> None:
        self.client = client
        self.tokens = tokens

    async def send(self, person: Person, text: str, workspace: str | None = None) -> bool:
        user = person.chat_id("slack")
        if not user:
            return False
        client = self.client
        if self.tokens is not None:
            token = await self.tokens(workspace)
            if token is None:
                log.error("hand-off not delivered: the app is not installed in that workspace")
                return False
            client = web_client(token, self.client.base_url)
        try:
            opened = await client.conversations_open(users=user)
            await client.chat_postMessage(channel=opened["channel"]["id"], text=text)
        except SlackApiError as exc:
            log.error("hand-off not delivered: %s", api_error(exc))
            return False
        return True


class _RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's handler reads ``Retry-After`` with ``int()``: a proxy's ``soon`` would raise
    ValueError in the middle of a listener. This one waits what it can read, else a second."""

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        if response is None:
            raise error or RuntimeError("no response")
        header = next((v[0] for k, v in response.headers.items() if k.lower() == "retry-after" and v), None)
        state.next_attempt_requested = True
        await asyncio.sleep((retry_after(header) or 1.0) + random.random())
        state.increment_current_attempt()


def web_client(token: str | None, base_url: str | None) -> AsyncWebClient:
    """The Web API client; ``CHATOPS_SLACK_API_URL`` points it at a proxy or a test double."""
    client = AsyncWebClient(token=token, base_url=base_url or AsyncWebClient.BASE_URL)
    client.retry_handlers.append(_RateLimitRetry(max_retry_count=2))
    return client


class _Press(NamedTuple):
    """What bolt gives a button's listener."""

    body: dict[str, Any]
    action: dict[str, Any]
    respond: Any
    client: AsyncWebClient
    context: AsyncBoltContext


class SlackHandler:
    """One method per kind of Slack request, in the manner of botbuilder's ``ActivityHandler``: each
    turns the payload into a :class:`~chatops.turns.Turn`, asks the core, and renders its Reply as
    Block Kit. What Slack itself needs (acknowledging in time, looking up names and admins) is here
    too; nothing here knows the protocol."""

    def __init__(self, bot: Bot, *, api_url: str | None, councils: Mapping[str, str] | None) -> None:
        self.bot = bot
        self.api_url = api_url
        self.councils = dict(councils or {})  # team id → council id (CHATOPS_SLACK_COUNCILS)
        self.events = Redelivery(bot.store)
        self.rendered = RenderCache()
        self.names: dict[str, str] = {}  # user id → the name people see, from users.info (users:read)
        self.bot_users: dict[str, str] = {}  # token → the bot's own user id, from auth.test, once

    def register(self, app: AsyncApp) -> None:
        app.middleware(self.handle_each_event_once)
        app.command(wording.COMMAND_PREFIX)(self.on_command)
        app.event("message")(self.on_direct_message)
        app.event("app_mention")(self.on_mention)
        app.event("app_home_opened")(self.on_home)
        app.action(re.compile(rf"^(?:{re.escape(SHARE_ACTION)}|{ACTION_PREFIX}\d+)$"))(self.on_button)
        app.error(self.on_error)

    # --- the requests ------------------------------------------------------------------------
    async def on_command(
        self, ack: Any, command: dict[str, Any], respond: Any, client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        """``/protocol …``: answered in the ack (ephemeral, within Slack's 3 seconds); admin words
        after it, as asking Slack who the person is can take longer."""
        turn = self._turn(turns.command, command.get("text", ""), context, command["user_id"], command)
        if turn.needs_admin:
            await ack()
            for page in await self._channel_command(client, context, turn):
                await respond(response_type="ephemeral", **page)
            return
        reply = await self.bot.handle(turn)
        if reply.move_to_direct:

            async def show_here_privately(reply: Reply) -> None:  # an ephemeral answer: only this person sees it
                await ack(response_type="ephemeral", **messages(reply)[0])

            await move_to_private(
                reply,
                send_private=lambda reply: self._direct(client, turn.user, reply),
                say_here=lambda text: ack(response_type="ephemeral", text=text),
                show_here_privately=show_here_privately,
            )
            return
        share = buttons.lookup(turn.text) if reply.shareable else None
        pages = self.rendered.messages(reply, share_value=share)
        await ack(response_type="ephemeral", **pages[0])
        for page in pages[1:]:
            await respond(response_type="ephemeral", **page)

    async def on_direct_message(self, event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        async with self._answering(context):
            if event.get("channel_type") != "im" or event.get("bot_id") or event.get("subtype"):
                return
            if await self._replied_before(context, event["channel"]):
                return
            name = await self.name_of(client, event["user"])
            turn = self._turn(turns.typed, event.get("text", ""), context, event["user"], direct=True, user_name=name)
            await self._post(client, event["channel"], await self.bot.handle(turn), context.get(_EVENT))

    async def on_mention(self, event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        """``@bot …`` in a channel: a command, answered ephemerally (a concern: in the direct messages)."""
        async with self._answering(context):
            user, channel = event["user"], event["channel"]  # the guard checked both are there
            # only what goes to the person's direct messages can be found again; an ephemeral answer
            # leaves nothing in history, so after a crash it may be shown twice
            if await self._replied_before(context, user=user):
                return
            said = _MENTION.sub("", event.get("text", ""))
            turn = self._turn(turns.command, said, context, user, channel=channel)
            if turn.needs_admin:  # the bot hears mentions only where it is a member: admins may subscribe so
                turn = replace(turn, is_admin=await self.is_admin(client, user))
            reply = await self.bot.handle(turn)

            async def say_here(text: str) -> None:
                await client.chat_postEphemeral(channel=channel, user=user, text=text)

            if reply.move_to_direct:
                send = partial(self._direct, client, user, event=context.get(_EVENT))
                await move_to_private(reply, send_private=send, say_here=say_here)
                return
            for page in messages(reply):
                await client.chat_postEphemeral(channel=channel, user=user, **page)

    async def on_home(self, event: dict[str, Any], context: AsyncBoltContext, client: AsyncWebClient) -> None:
        async with self._answering(context):
            if event.get("tab", "home") != "home":
                return
            home = await self.bot.workspace_home("slack", _workspace(context), self._council(context.team_id))
            await client.views_publish(user_id=event["user"], view=home_view(home))

    async def on_button(
        self,
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: Any,
        client: AsyncWebClient,
        context: AsyncBoltContext,
    ) -> None:
        """A button of ours: *Share in channel*, or one of a reply's choices."""
        await ack()
        press = _Press(body, action, respond, client, context)
        await (self._share(press) if action["action_id"] == SHARE_ACTION else self._choice(press))

    async def _share(self, press: _Press) -> None:
        """*Share in channel* under a private answer: the same lookup, posted for everyone."""
        body, action, respond, client, context = press
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id") or body.get("container", {}).get("channel_id")
        reply = await self.bot.handle(self._turn(turns.pressed, action["value"], context, user))
        if channel is None or reply.move_to_direct or not reply.shareable:
            return
        reply = reply.model_copy(update={"private": False, "choices": []})
        try:
            for page in messages(reply, shared_by=user):
                await client.chat_postMessage(channel=channel, **page)
        except SlackApiError as exc:
            if api_error(exc) not in ("not_in_channel", "channel_not_found"):
                raise
            invite = await self.invite(client, context)
            await respond(replace_original=False, response_type="ephemeral", text=CANNOT_SHARE.format(invite=invite))
            return
        await respond(delete_original=True)

    async def _choice(self, press: _Press) -> None:
        """A reply's choice, answered where the reply was: the direct messages, the App Home (then
        in the direct messages), an ephemeral answer (replaced), or a message everyone sees."""
        body, action, respond, client, context = press
        user = body["user"]["id"]
        channel = (body.get("channel") or {}).get("id")
        in_home = body.get("container", {}).get("type") == "view"
        private = in_home or (channel or "").startswith("D")
        name = await self.name_of(client, user)
        reply = await self.bot.handle(
            self._turn(turns.pressed, action["value"], context, user, direct=private, user_name=name)
        )
        if in_home or (reply.move_to_direct and not private):
            await self._direct(client, user, reply)
        elif private and channel:
            await self._post(client, channel, reply)
        elif not body.get("container", {}).get("is_ephemeral", True):
            # a button on a message everyone sees (an announcement): answer only the person who pressed it
            for page in messages(reply):
                await respond(replace_original=False, response_type="ephemeral", **page)
        else:
            pages = messages(reply, share_value=action["value"] if reply.shareable else None)
            await respond(replace_original=True, response_type="ephemeral", **pages[0])
            for page in pages[1:]:
                await respond(response_type="ephemeral", **page)

    async def on_error(self, error: Exception) -> None:
        detail = api_error(error) if isinstance(error, SlackApiError) else ""
        log.error("slack listener failed: %s %s", type(error).__name__, detail)

    # --- turns and replies -----------------------------------------------------------------------
    def _turn(
        self,
        build: Callable[..., Turn],
        said: str,
        context: AsyncBoltContext,
        user: str,
        command: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Turn:
        """Every Slack turn, built the same way: whose, which workspace (and so which council)."""
        if command is not None:
            fields.setdefault("channel", command.get("channel_id"))
            fields.setdefault("user_name", self.names.get(user) or command.get("user_name") or wording.SOMEONE)
        return build(
            said,
            user=user,
            council=self._council(context.team_id),
            platform="slack",
            workspace=_workspace(context),
            **fields,
        )

    def _council(self, team: str | None) -> str | None:
        return self.councils.get(team or "")

    async def _channel_command(
        self, client: AsyncWebClient, context: AsyncBoltContext, turn: Turn
    ) -> list[dict[str, Any]]:
        """subscribe and the other admin words, after the ack: the admin check, and for subscribe
        whether the bot can post in the channel at all (else the admin is told how to add it)."""
        turn = replace(turn, is_admin=await self.is_admin(client, turn.user))
        subscribing = turn.words.casefold().split()[:1] == ["subscribe"]
        channel = turn.channel
        if subscribing and channel and not channel.startswith("D") and await self.bot.may_change_channels(turn):
            member = await self.in_channel(client, channel)
            if member is False:
                return [{"text": NOT_IN_CHANNEL.format(invite=await self.invite(client, context))}]
            if member is None:
                return [{"text": MEMBERSHIP_UNCHECKED}]
        return messages(await self.bot.handle(turn))

    async def _post(self, client: AsyncWebClient, channel: str, reply: Reply, event: str | None = None) -> None:
        """Post a reply's pages; those answering an event carry its key, to be found after a crash."""
        pages = messages(reply)
        for number, message in enumerate(pages):
            last = number == len(pages) - 1
            metadata = label(REPLY_TYPE, event=event, page=number, last=last) if event else None
            await client.chat_postMessage(channel=channel, metadata=metadata, **message)

    async def _direct(self, client: AsyncWebClient, user: str, reply: Reply, event: str | None = None) -> bool:
        """The reply in the person's direct messages; False if Slack would not open them."""
        try:
            opened = await client.conversations_open(users=user)
            await self._post(client, opened["channel"]["id"], reply, event)
        except (SlackApiError, TimeoutError, aiohttp.ClientError) as exc:
            log.warning("cannot send a direct message: %s", type(exc).__name__)
            return False
        return True

    # --- answering each event once ---------------------------------------------------------------
    async def handle_each_event_once(
        self, body: dict[str, Any], context: AsyncBoltContext, next: Any
    ) -> BoltResponse | None:
        event_id, event = body.get("event_id"), body.get("event")
        if isinstance(event_id, str) and isinstance(event, dict) and event.get("type") in ANSWERED_EVENTS:
            key = f"slack:{event_id}"
            state = await self.events.begin(key)
            if state == "done":
                return BoltResponse(status=200, body="")  # a retry of something already answered
            if state == "busy":
                return BoltResponse(status=409, body="being answered: ask again later")
            if state == "taken over":
                context[_SINCE] = await self.events.began(key)
            context[_EVENT] = key
            context[_ANSWER] = asyncio.get_running_loop().create_future()
        await next()
        return None

    @contextlib.asynccontextmanager
    async def _answering(self, context: AsyncBoltContext) -> AsyncIterator[None]:
        """Around an event listener: the event is done once the listener has replied, and its
        acknowledgement (held by :class:`_AnsweringApp`) says whether it was."""
        answer = context.get(_ANSWER)
        try:
            async with self.events.answering(context.get(_EVENT)):
                yield
        except BaseException:
            if answer is not None and not answer.done():
                answer.set_result(False)
            raise
        if answer is not None and not answer.done():
            answer.set_result(True)

    async def _replied_before(self, context: AsyncBoltContext, channel: str | None = None, user: str = "") -> bool:
        """Whether an event taken over from an answerer that died had been answered before it died:
        its labelled reply looked for in the conversation it went to (``channel``, or ``user``'s
        direct messages). If that cannot be told, no: answering twice beats leaving someone unanswered."""
        key, since = context.get(_EVENT), context.get(_SINCE)
        if key is None or since is None:
            return False
        found: bool | str
        reader = plain_client(context.bot_token, self.api_url, REPLY_CHECK_SECONDS)  # never waits long
        try:
            where = channel or (await reader.conversations_open(users=user))["channel"]["id"]
        except SlackApiError as exc:
            found = f"cannot open the conversation: {api_error(exc)}"
        except (TimeoutError, aiohttp.ClientError) as exc:
            found = f"cannot open the conversation: {type(exc).__name__}"
        else:
            found = await find_reply(reader, where, key, since)
        if isinstance(found, str):
            log.warning("answering an event again after a crash, so its reply may be repeated: %s", found)
            return False
        return found

    # --- what Slack is asked about people and channels -------------------------------------------
    async def is_admin(self, client: AsyncWebClient, user: str) -> bool | None:
        """Workspace admins and owners may change what a channel follows (users:read); None: can't tell."""
        try:
            info = await client.users_info(user=user)
        except SlackApiError as exc:
            log.warning("cannot check whether a user is an admin: %s", api_error(exc))
            return None
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("cannot check whether a user is an admin: %s", type(exc).__name__)
            return None
        person = info.get("user") or {}
        return bool(person.get("is_admin") or person.get("is_owner") or person.get("is_primary_owner"))

    async def name_of(self, client: AsyncWebClient, user: str) -> str:
        """Someone's name as Slack shows it, for what the bot writes about them (a hand-off, the
        acknowledgements list): a mention's markup is not a name outside a Slack message."""
        if user not in self.names:
            try:
                found = (await client.users_info(user=user)).get("user") or {}
            except (SlackApiError, TimeoutError, aiohttp.ClientError) as exc:
                log.warning("cannot look up a user's name: %s", type(exc).__name__)
                return wording.SOMEONE
            profile = found.get("profile") or {}
            name = (
                profile.get("display_name") or profile.get("real_name") or found.get("real_name") or found.get("name")
            )
            if not name:
                return wording.SOMEONE
            self.names[user] = str(name)
        return self.names[user]

    async def invite(self, client: AsyncWebClient, context: AsyncBoltContext) -> str:
        """``/invite @bot`` as the admin should type it (a mention renders as the bot's name); the
        installation knows the bot's user id, else auth.test is asked once."""
        bot_user = context.bot_user_id or self.bot_users.get(client.token or "")
        if not bot_user:
            with contextlib.suppress(SlackApiError, TimeoutError, aiohttp.ClientError):
                bot_user = self.bot_users[client.token or ""] = str((await client.auth_test())["user_id"])
        return f"/invite <@{bot_user}>" if bot_user else "/invite @ and the app's name"

    async def in_channel(self, client: AsyncWebClient, channel: str) -> bool | None:
        """Whether the bot is a member of the channel, so can post there (conversations.info with
        channels:read, groups:read; a private channel it is not in is "not found"); None: can't tell."""
        try:
            info = await client.conversations_info(channel=channel)
        except SlackApiError as exc:
            if api_error(exc) == "channel_not_found":
                return False
            log.warning("cannot check whether the bot is in a channel: %s", api_error(exc))
            return None
        except (TimeoutError, aiohttp.ClientError) as exc:
            log.warning("cannot check whether the bot is in a channel: %s", type(exc).__name__)
            return None
        found = info.get("channel")
        return bool(isinstance(found, dict) and found.get("is_member"))


def build_app(
    bot: Bot,
    *,
    token: str | None,
    api_url: str | None = None,
    councils: Mapping[str, str] | None = None,
    oauth: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """The bolt app. ``councils`` maps Slack team ids to council ids (else the workspace's choice).

    With ``oauth`` (distribution: many workspaces), each request is answered with its workspace's
    token from the installation store, and uninstalling or revoking removes it there; else every
    request is answered with ``token``. Listeners use the client bolt gives each request, which
    carries that token. Requests reach the app only through :class:`SlackGuard` (HTTP) or Socket
    Mode, so bolt's own signature check, which logs bodies it refuses, is off.
    """
    client = web_client(token, api_url)  # in distribution, the OAuth flow's (oauth.v2.access) client
    common: dict[str, Any] = {
        "client": client,
        "process_before_response": False,
        "request_verification_enabled": False,
        "logger": logging.getLogger("slack_bolt"),
    }
    if oauth is None:

        async def authorize(enterprise_id: str | None, team_id: str | None, user_id: str | None) -> AuthorizeResult:
            # one workspace token, no auth.test round trip before the first acknowledgement
            return AuthorizeResult(enterprise_id=enterprise_id, team_id=team_id, user_id=user_id, bot_token=token)

        app = _AnsweringApp(authorize=authorize, **common)
    else:
        store = oauth.installation_store
        # bolt takes an AsyncAuthorize too
        app = _AnsweringApp(
            oauth_settings=oauth,
            authorize=InstalledAuthorize(store),  # type: ignore[arg-type]
            installation_store=store,
            **common,
        )
        Installs(AsyncTokenRevocationListeners(store)).register(app)
    SlackHandler(bot, api_url=api_url, councils=councils).register(app)
    return app


class Installs:
    """Distribution only: an uninstalled app or revoked tokens are removed from the installation store."""

    def __init__(self, revocations: AsyncTokenRevocationListeners) -> None:
        self.revocations = revocations

    def register(self, app: AsyncApp) -> None:
        app.event("app_uninstalled")(self.on_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        await self.revocations.handle_app_uninstalled_events(_installed_as(context))

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        await self.revocations.handle_tokens_revoked_events(event, _installed_as(context))


def _workspace(context: AsyncBoltContext) -> str | None:
    """Whose council and token a request is: its workspace (team), or its Enterprise Grid org when
    the app is installed org-wide (then one installation, one council, for all the org's workspaces)."""
    if context.is_enterprise_install and context.enterprise_id:
        return str(context.enterprise_id)
    return context.team_id


def _installed_as(context: AsyncBoltContext) -> AsyncBoltContext:
    """The context as the installation is kept: an org-wide (Enterprise Grid) installation has no
    team, though its events come from one of the org's workspaces."""
    if context.is_enterprise_install:
        context["team_id"] = None
    return context
