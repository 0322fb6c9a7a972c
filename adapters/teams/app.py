"""The Teams bot on botbuilder's CloudAdapter: activities in, Turns to the core, cards out.

In a personal chat, ``expectations officer`` (or ``protocol expectations officer``) is a lookup and
anything else a private message; in a channel the bot answers only when mentioned, briefly, and
never holds a concern there: it moves it to the person's personal chat. Installations are
remembered (as conversation references in the store) so the bot can post later; removed ones are
forgotten. Nothing a person types is logged.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import jwt
from aiohttp import web
from botbuilder.core import ActivityHandler, MessageFactory, TurnContext
from botbuilder.core.card_factory import CardFactory
from botbuilder.core.teams import TeamsInfo, teams_get_team_info
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityEventNames, CallerIdConstants, ChannelAccount, ConversationReference
from botbuilder.schema.teams import TeamsChannelData
from botframework.connector.auth import AuthenticationConstants, ServiceClientCredentialsFactory

from chatops import turns, wording
from chatops.bot import Bot
from chatops.contacts import Person
from chatops.reply import Reply
from chatops.store import person_reference_key

from ..edges import MAX_BODY, Redelivery, Refused, move_to_private, read_body, refusal
from ..untrusted import field, objects, parse_object, strings
from .auth import CHANNEL_OPENID_URL, KeysUnavailable, SigningKeys, TokenGuard
from .cards import SUBMIT_KEY, card
from .owners import TeamOwners
from .settings import TeamsSettings

log = logging.getLogger("chatops.teams")
PERSONAL = "personal"
BUSY_WAIT = 10.0
"""Seconds a redelivery waits for the same activity being answered (Teams gives a turn 15 s)."""


def reply_activity(reply: Reply, *, short: bool = False) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(card(reply, short=short)))


def _user_key(user_id: str) -> str:
    return person_reference_key("teams", user_id)


def _conversation_key(conversation_id: str) -> str:
    return f"teams:conversation:{conversation_id}"


def _delivery_key(activity: Activity) -> str:
    """One key per activity, of a length the store keeps whole: conversation ids can be long
    (a channel thread's is ``19:…@thread.tacv2;messageid=…``), and a key cut short would make
    two activities one."""
    digest = hashlib.sha256(f"{activity.conversation.id}\n{activity.id}".encode()).hexdigest()
    return f"teams:{digest}"


def _conversation_id(activity: Activity) -> str:
    """The conversation, not the thread: in a channel Teams appends ``;messageid=…`` for the thread
    a message belongs to, but a channel follows the protocol as a whole and announcements start
    their own threads."""
    return str(activity.conversation.id).split(";", 1)[0]


class ChatopsTeamsBot(ActivityHandler):
    def __init__(
        self,
        bot: Bot,
        adapter: CloudAdapter,
        app_id: str | None,
        council: str | None = None,
        owners: TeamOwners | None = None,
        tenant: str | None = None,
    ) -> None:
        self.bot = bot
        self.adapter = adapter
        self.app_id = app_id
        self.council = council
        self.owners = owners  # None in local development mode: only CHATOPS_ADMINS may change channels
        self.tenant = tenant  # a single-tenant bot keeps references only for its own tenant
        self._groups: dict[str, str] = {}  # Teams team id → its Entra group id (never changes)
        self.events = Redelivery(bot.store)

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Each activity is answered once, and marked done only after its reply was sent: if the
        process dies mid-turn, the redelivery is answered. A redelivery that arrives while the
        first is being answered waits for it (or, if its answerer died, takes over: Teams gives a bot
        no way to read back a chat, so a reply that went just before the crash is given again, at
        least once rather than lost)."""
        activity = turn_context.activity
        if not activity.id:
            await super().on_turn(turn_context)
            return
        key = _delivery_key(activity)
        waited = 0.0
        while (state := await self.events.begin(key)) == "busy" and waited < BUSY_WAIT:
            await asyncio.sleep(0.5)
            waited += 0.5
        if state not in ("new", "taken over"):
            return  # answered already (or still being answered after BUSY_WAIT: that one will reply)
        async with self.events.answering(key):
            await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        personal = (activity.conversation.conversation_type or PERSONAL) == PERSONAL
        if personal:
            await self._remember(activity)
        submitted = activity.value.get(SUBMIT_KEY) if isinstance(activity.value, dict) else None
        user = activity.from_property
        where = {
            "user": user.id,
            "council": self.council,
            "direct": personal,
            "platform": "teams",
            "user_name": user.name or wording.SOMEONE,
            "channel": None if personal else _conversation_id(activity),
            "workspace": _tenant(activity),
        }
        if isinstance(submitted, str) and submitted:
            turn = turns.pressed(submitted, **where)
        else:  # in a channel the bot hears only what mentions it: a command
            turn = turns.typed(TurnContext.remove_recipient_mention(activity) or activity.text or "", **where)
        if turn.needs_admin:
            turn = replace(turn, is_admin=await self._is_admin(turn_context))
        if not personal:
            await self._remember(activity)  # where announcements for this channel will go
        reply = await self.bot.handle(turn)

        async def say_here(text: str) -> None:
            await turn_context.send_activity(text)

        if reply.move_to_direct and not personal:
            send = partial(self.send_personal, user.id)
            await move_to_private(reply, send_private=send, say_here=say_here)
            return
        await turn_context.send_activity(reply_activity(reply, short=not personal))

    async def _is_admin(self, turn_context: TurnContext) -> bool | None:
        """In a team's channel, its owners may change what the channel follows; so may the Entra
        object ids in ``CHATOPS_ADMINS`` (the core itself checks the Teams ``29:`` ids there)."""
        activity = turn_context.activity
        aad_user = activity.from_property.aad_object_id
        if aad_user and aad_user in self.bot.admins:
            return True
        if activity.conversation.conversation_type != "channel" or self.owners is None:
            return False  # a group chat or personal chat has no owners
        tenant = activity.conversation.tenant_id or _channel_tenant(activity)
        return await self.owners.is_owner(tenant, await self._team_group(turn_context), aad_user)

    async def _team_group(self, turn_context: TurnContext) -> str | None:
        """The team's Entra group id: in the message when Teams includes it, else asked once of Teams."""
        team = teams_get_team_info(turn_context.activity)
        if team is None or not team.id:
            return None
        if team.aad_group_id:
            return str(team.aad_group_id)
        if team.id not in self._groups:
            try:
                connector = await TeamsInfo.get_teams_connector_client(turn_context)
                details = await asyncio.to_thread(connector.teams.get_team_details, team.id)  # msrest blocks
            except Exception as exc:
                log.warning("cannot look up the team's group id: %s", type(exc).__name__)
                return None
            if not details.aad_group_id:
                return None
            self._groups[team.id] = details.aad_group_id
        return self._groups[team.id]

    async def on_installation_update_add(self, turn_context: TurnContext) -> None:
        await self._remember(turn_context.activity)

    async def on_installation_update_remove(self, turn_context: TurnContext) -> None:
        await self._forget(turn_context.activity)

    async def on_members_added_activity(self, members_added: list[ChannelAccount], turn_context: TurnContext) -> None:
        if any(m.id == turn_context.activity.recipient.id for m in members_added):
            await self._remember(turn_context.activity)

    async def on_members_removed_activity(
        self, members_removed: list[ChannelAccount], turn_context: TurnContext
    ) -> None:
        if any(m.id == turn_context.activity.recipient.id for m in members_removed):
            await self._forget(turn_context.activity)

    async def send_personal(self, user_id: str, reply_or_text: Reply | str) -> bool:
        """Post in the person's personal chat with the bot, if the app is installed for them."""
        data = await self.bot.store.load_reference(_user_key(user_id))
        if data is None:
            return False
        reference = ConversationReference().deserialize(data)
        message = reply_or_text if isinstance(reply_or_text, str) else reply_activity(reply_or_text)

        async def send(context: TurnContext) -> None:
            await context.send_activity(message)

        await self.adapter.continue_conversation(reference, send, self.app_id)
        return True

    async def _remember(self, activity: Activity) -> None:
        """Keep where the bot may post later, holding no more about people than posting needs: in
        a personal chat the person's id (erased by ``forget``, expired after a silence), in a
        channel or group chat nobody's; never a name. Only for the bot's own tenant."""
        if self.tenant and _tenant(activity) != self.tenant:
            log.warning("not keeping a conversation reference from another tenant")
            return
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference.pop("activityId", None)  # the conversation, not one message in it
        reference["conversation"]["id"] = _conversation_id(activity)
        reference["conversation"].pop("name", None)
        kind = activity.conversation.conversation_type or PERSONAL
        if kind == PERSONAL and activity.from_property is not None:
            key = _user_key(activity.from_property.id)
            reference["user"] = {"id": activity.from_property.id}
        else:
            key = _conversation_key(_conversation_id(activity))
            reference.pop("user", None)
        await self.bot.store.save_reference(key, kind, reference)

    async def _forget(self, activity: Activity) -> None:
        kind = activity.conversation.conversation_type or PERSONAL
        keys = [_conversation_key(_conversation_id(activity))]
        if kind == PERSONAL and activity.from_property is not None:
            keys.append(_user_key(activity.from_property.id))
        for key in keys:
            await self.bot.store.forget_reference(key)


class TeamsMessenger:
    """Delivers a confirmed hand-off in the contact's personal chat, where the bot is installed:
    with several registrations, through the one of the tenant the hand-off came from."""

    def __init__(self, teams: ChatopsTeamsBot, by_tenant: dict[str, ChatopsTeamsBot] | None = None) -> None:
        self.teams = teams
        self.by_tenant = by_tenant or {}

    async def send(self, person: Person, text: str, workspace: str | None = None) -> bool:
        teams = self.by_tenant.get(workspace or "", self.teams)
        user = person.chat_id("teams")
        return bool(user) and await teams.send_personal(str(user), text)


class _Config:
    """The settings botbuilder's ConfigurationBotFrameworkAuthentication reads by attribute name.

    With no OpenID override botbuilder uses the public cloud. With one (tests, or a private
    cloud), every public-cloud value is given explicitly beside it, as botbuilder then reads
    them all from here.
    """

    def __init__(self, settings: TeamsSettings) -> None:
        self.APP_ID = settings.app_id
        self.APP_PASSWORD = settings.app_password
        # without an app id (local development mode only) botbuilder's "no authentication" needs MultiTenant
        self.APP_TYPE = settings.app_type if settings.app_id else "MultiTenant"
        self.APP_TENANTID = settings.tenant_id
        if settings.openid_url:
            self.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = settings.openid_url
            self.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER
            self.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE
            self.TO_CHANNEL_FROM_BOT_LOGIN_URL = AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL
            self.OAUTH_URL = AuthenticationConstants.OAUTH_URL
            self.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = (
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL
            )
            self.CALLER_ID = CallerIdConstants.public_azure_channel


@dataclass
class TeamsEndpoint:
    """``/api/messages``: size and shape checks, our token check, then botbuilder's own."""

    adapter: CloudAdapter
    teams: ChatopsTeamsBot
    guard: TokenGuard | None  # None only in local development mode

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            await self._admit(request)
            response = await self.adapter.process(request, self.teams)
        except Refused as refused:
            return refusal(log, "teams", refused)
        except web.HTTPException as exc:
            return refusal(log, "teams", Refused(exc.status, exc.reason))
        return response or web.Response(status=201)

    async def _admit(self, request: web.Request) -> None:
        """:class:`Refused` unless the request is a well-formed activity with a valid token for this bot."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise Refused(413, "request too large")
        if self.guard is not None and not request.headers.get("Authorization", "").startswith("Bearer "):
            raise Refused(401, "no bearer token")  # before reading, let alone parsing, what anyone sent
        raw = await read_body(request)
        if request.content_type != "application/json":
            raise Refused(400, "not JSON")
        try:
            body = parse_object(raw)
            _check_activity(body)
        except ValueError:
            raise Refused(400, "malformed activity") from None
        if self.guard is not None:
            try:
                why = await self.guard.check(request.headers.get("Authorization"), body)
            except KeysUnavailable:
                raise Refused(503, "signing keys unavailable") from None
            if why:
                raise Refused(401, why)


@dataclass
class TeamsEndpoints:
    """``/api/messages`` for several single-tenant bots (one per council) on one host: the audience of
    the incoming token (the app id it was issued for) picks the registration, which then checks the
    token fully and replies with its own credentials. The first is the default for what is not tied
    to a tenant."""

    endpoints: dict[str, TeamsEndpoint]  # app id → its endpoint

    @property
    def teams(self) -> ChatopsTeamsBot:
        return next(iter(self.endpoints.values())).teams

    def by_tenant(self) -> dict[str, ChatopsTeamsBot]:
        return {e.teams.tenant: e.teams for e in self.endpoints.values() if e.teams.tenant}

    async def handle(self, request: web.Request) -> web.StreamResponse:
        endpoint = self.endpoints.get(_audience(request.headers.get("Authorization")) or "")
        if endpoint is None:
            return refusal(log, "teams", Refused(401, "no bot registered here for this token"))
        return await endpoint.handle(request)


def _audience(authorization: str | None) -> str | None:
    """The app id a bearer token says it is for, unverified: it only chooses which registration
    verifies it."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme != "Bearer" or not token:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    audience = claims.get("aud")
    return audience if isinstance(audience, str) else None


def build_endpoints(
    bot: Bot,
    settings: TeamsSettings,
    council: str | None = None,
    *,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> TeamsEndpoints:
    """One endpoint per registration of ``CHATOPS_TEAMS_BOTS``, each with its own app id, secret,
    tenant and council (else ``council``); hand-offs go through the registration of the person's tenant."""
    endpoints: dict[str, TeamsEndpoint] = {}
    for registration in settings.bots:
        own = replace(
            settings,
            app_id=registration.app_id,
            app_password=registration.app_password,
            app_type="SingleTenant",
            tenant_id=registration.tenant_id,
        )
        endpoints[registration.app_id] = build_endpoint(
            bot, own, registration.council or council, credentials_factory=credentials_factory
        )
    if any(r.council is None for r in settings.bots) and not council:
        bot.choose_council = True  # a registration without a council: its tenant's owners choose one
    found = TeamsEndpoints(endpoints)
    bot.messengers["teams"] = TeamsMessenger(found.teams, found.by_tenant())
    return found


def _check_activity(activity: dict[str, Any]) -> None:
    """The fields botbuilder and our handler read have the types the Bot Connector gives them
    (botbuilder turns a wrong one into an AttributeError, i.e. a 500)."""
    field(activity, "type", str, required=True)
    strings(activity, "id", "text", "name", "action", "replyToId", "locale", "textFormat")
    field(activity, "serviceUrl", str, required=True)
    field(activity, "channelId", str, required=True)
    parties = [field(activity, key, dict, required=True) or {} for key in ("from", "recipient", "conversation")]
    parties += objects(activity, "membersAdded") + objects(activity, "membersRemoved")
    for party in parties:
        field(party, "id", str, required=True)
        strings(party, "name", "aadObjectId", "conversationType", "tenantId", "role")
    objects(activity, "entities")
    objects(activity, "attachments")
    data = field(activity, "channelData", dict) or {}
    for key in ("team", "tenant", "channel"):
        strings(field(data, key, dict) or {}, "id", "aadGroupId", "name")


def _tenant(activity: Activity) -> str | None:
    """The activity's tenant: Teams sends ``conversation.tenantId`` (which botbuilder's model, expecting
    ``tenantID``, keeps among unknown properties) and ``channelData.tenant.id``."""
    conversation = activity.conversation
    extra = getattr(conversation, "additional_properties", None) or {}
    found = conversation.tenant_id or extra.get("tenantId") or _channel_tenant(activity)
    return str(found) if found else None


def _channel_tenant(activity: Activity) -> str | None:
    data = TeamsChannelData().deserialize(activity.channel_data) if activity.channel_data else None
    return data.tenant.id if data is not None and data.tenant is not None else None


def build_endpoint(
    bot: Bot,
    settings: TeamsSettings,
    council: str | None = None,
    *,
    dev_mode: bool = False,
    credentials_factory: ServiceClientCredentialsFactory | None = None,
) -> TeamsEndpoint:
    """The Teams endpoint of one bot, answering for ``council`` (None: the host's default, or the
    tenant's choice). ``credentials_factory`` replaces the outbound (bot → Teams) credentials; tests
    pass one that needs no Azure AD."""
    openid_url = settings.openid_url or CHANNEL_OPENID_URL
    auth = ConfigurationBotFrameworkAuthentication(_Config(settings), credentials_factory=credentials_factory)
    adapter = CloudAdapter(auth)

    async def on_error(context: TurnContext, error: Exception) -> None:
        if context.activity.name == ActivityEventNames.continue_conversation:
            raise error  # a post of ours failed: its sender decides (retry, give up), nobody is told here
        log.error("teams turn failed: %s", type(error).__name__)
        await context.send_activity(wording.SOMETHING_WRONG)

    adapter.on_turn_error = on_error
    owners = None
    if settings.app_id:
        owners = TeamOwners(
            settings.app_id, settings.app_password, settings.graph_url, settings.login_url, settings.tenant_id
        )
    tenant = settings.tenant_id if settings.app_type == "SingleTenant" else None
    teams = ChatopsTeamsBot(bot, adapter, settings.app_id, council, owners, tenant)
    guard = None
    if not dev_mode:
        assert settings.app_id
        keys = SigningKeys(openid_url)
        keys.lend_to_botbuilder()
        guard = TokenGuard(settings.app_id, keys)
    bot.messengers.setdefault("teams", TeamsMessenger(teams))
    return TeamsEndpoint(adapter, teams, guard)
