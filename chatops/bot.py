"""The core's one entry point: a :class:`Turn` in, a :class:`Reply` out, whatever the platform.

It routes a turn to a lookup or to the private concern triage, keeps triage answers in the store,
passes confirmed hand-offs to the adapter's :class:`Messenger`, and is the error boundary for
conversations: anything that goes wrong becomes a polite reply, and the log records only the kind
of failure, never what the person typed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import TYPE_CHECKING
from typing import Protocol as Interface
from urllib.parse import urlencode

from pydantic import ValidationError

from . import buttons, concerns
from . import wording as w
from .concerns import machine, render
from .contacts import NO_CONTACTS, Contacts, Person
from .councils import Library
from .errors import ChatopsError
from .lookup import is_command
from .reply import Choice, Paragraph, Reply
from .turns import Turn

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when a conversation needs it
    from .channels import Channels
    from .store import Store

log = logging.getLogger("chatops")
CHANNEL_WORDS = frozenset(c.name for c in w.CHANNEL_COMMANDS)

DEFAULT_TTL_HOURS = 24
CHOSEN_SECONDS = 30.0
"""How long a workspace's chosen council is remembered between store reads: every turn needs it, and
the store's one SQLite connection would otherwise serialise every request on one read. A choice made
through another replica is seen within this time; one made through this process at once."""
MAX_CHOSEN = 10_000


class Messenger(Interface):
    """The port adapters implement to deliver a confirmed hand-off message to a contact."""

    async def send(self, person: Person, text: str, workspace: str | None = None) -> bool:
        """Deliver ``text`` to ``person``; ``workspace``: the workspace or tenant the hand-off came from."""
        ...


class Bot:
    def __init__(
        self,
        library: Library,
        *,
        store: Store | None = None,
        database_url: str | None = None,
        contacts: Contacts = NO_CONTACTS,
        messenger: Messenger | None = None,
        ttl_hours: int = DEFAULT_TTL_HOURS,
        admins: frozenset[str] = frozenset(),
        choose_council: bool = False,
    ) -> None:
        self.library = library
        self._store = store
        self._database_url = database_url
        self.contacts = contacts
        self.messengers: dict[str, Messenger] = {}  # per platform; adapters add theirs
        self.messenger = messenger  # for any other platform (the console, tests)
        self.ttl_hours = ttl_hours
        self.admins = admins  # user ids (CHATOPS_ADMINS) allowed to change channel subscriptions
        # a workspace must choose its council (a host serving many) rather than be given the default
        self.choose_council = choose_council
        self._chosen: dict[tuple[str, str], tuple[float, str | None]] = {}  # (platform, workspace) → (read at, council)

    async def handle(self, turn: Turn) -> Reply:
        try:
            placed, unchosen = await self._place(turn)
            council = await self._council_command(turn, placed)
            if council is not None:
                return council
            if unchosen:
                return self._council_reply(w.COUNCIL_CHOOSE, None)
            turn = placed
            if turn.kind == "button":
                return await self._pressed(turn)
            subscription = await self._channel_command(turn)
            if subscription is not None:
                return subscription
            if await self._is_triage(turn):
                return await self._triage(turn)
            return self._lookup(turn)
        except ChatopsError as exc:
            log.error("could not answer: %s", exc)
        except Exception as exc:  # the boundary: never a traceback to a person
            log.error("could not answer: unexpected %s", type(exc).__name__)
        return Reply(
            council=turn.council or "",
            council_name=self._council_name(turn.council),
            title=w.SOMETHING_WRONG_TITLE,
            blocks=[Paragraph(text=w.SOMETHING_WRONG)],
        )

    async def _pressed(self, turn: Turn) -> Reply:
        """A button: a concern's step, "I've read it", or a lookup; a value none of ours carries is
        not understood."""
        pressed = buttons.decode(turn.text)
        if pressed is None:
            return self._say(turn.council, w.NOT_UNDERSTOOD, w.SOMETHING_WRONG_TITLE)
        if pressed.action == "concern":
            return await self._triage(replace(turn, text=pressed.payload), pressed=True)
        if pressed.action == "ack":
            return await self._acknowledge(turn, pressed.payload)
        return self._lookup(replace(turn, kind="command", text=pressed.payload))

    def _say(self, council: str | None, message: str, title: str) -> Reply:
        """A short reply of one paragraph, in ``council``'s name."""
        resolved = self.library.resolve(council)
        protocol = self.library.protocol(resolved)
        return Reply(
            council=resolved,
            council_name=protocol.council,
            title=title,
            blocks=[Paragraph(text=message.format(council=protocol.council))],
        )

    def _council_name(self, council: str | None) -> str:
        """The council's name for an error reply, if it can be told; never an id nor "unknown"."""
        try:
            return self.library.protocol(council).council
        except Exception:  # the very thing that failed may be the council
            return w.BOT_NAME

    def _lookup(self, turn: Turn) -> Reply:
        """A ``/protocol`` question. Read first for danger and for someone's own situation; only questions
        that are neither are answered from (and kept in) the recent-answer cache."""
        lookup = self.library.lookup(turn.council)
        question = turn.words
        protocol = lookup.protocol
        free = bool(question) and not is_command(question)
        reading = concerns.read(turn.text, protocol) if free else None
        alarm = reading.alarm if reading else concerns.assess(turn.text)  # every typed line, read whole
        concern = Choice(label=w.CHOICE_CONCERN, value=buttons.concern("start" + _carried(reading)))
        own = bool(alarm) or (
            reading is not None and ({"reporter", "subject"} <= set(reading.found) or reading.scope != "in")
        )
        # recent answers are remembered, keyed by the question; never someone's own situation, nor a free
        # question asked in a private chat
        remembered = not own and not (turn.direct and free)
        reply = lookup.answer(turn.text) if remembered else lookup.compute(turn.text)
        if alarm:
            ctx = concerns.Context(protocol, self.contacts, turn.platform, turn.user_name, self.ttl_hours)
            reply = render.with_safety(reply, alarm, ctx)
        if turn.direct:
            return reply.model_copy(
                update={"choices": [*reply.choices, concern], "shareable": reply.shareable and not own}
            )
        if not own:
            return reply
        offer = Paragraph(text=w.CONCERN_OFFER)
        offered = {"blocks": [*reply.blocks, offer], "choices": [concern, *reply.choices], "shareable": False}
        return reply.model_copy(update=offered)

    async def workspace_home(self, platform: str, workspace: str | None, council: str | None = None) -> Reply:
        """The front page for a workspace: its council's, or how to choose one if it must."""
        placed, unchosen = await self._place(Turn(text="", platform=platform, workspace=workspace, council=council))
        return self._council_reply(w.COUNCIL_CHOOSE, None) if unchosen else self.home(placed.council)

    def home(self, council: str | None = None) -> Reply:
        """The front page: the protocol, quick lookups, and a private way to raise a concern."""
        reply = self.library.lookup(council).home()
        concern = Choice(label=w.CHOICE_CONCERN, value=buttons.concern("start"))
        return reply.model_copy(update={"choices": [concern, *reply.choices]})

    @property
    def store(self) -> Store:
        if self._store is None:
            from .store import Store

            self._store = Store(self._database_url)
        return self._store

    async def close(self) -> None:
        if self._store is not None:
            await self._store.close()

    async def workspace_council(self, platform: str, workspace: str | None) -> str | None:
        """The council an admin chose for this workspace or tenant, if it is still served here."""
        if workspace is None:
            return None
        key, now = (platform, workspace), time.monotonic()
        remembered = self._chosen.get(key)
        if remembered is None or now - remembered[0] > CHOSEN_SECONDS:
            if len(self._chosen) >= MAX_CHOSEN:
                self._chosen.clear()
            remembered = self._chosen[key] = (now, await self.store.chosen_council(platform, workspace))
        chosen = remembered[1]
        return chosen if chosen in self.library.ids else None

    async def _place(self, turn: Turn) -> tuple[Turn, bool]:
        """The turn with its workspace's chosen council, unless the adapter fixed one (the host's
        settings); and whether the workspace must choose first (several councils, none chosen)."""
        if turn.council is not None or turn.workspace is None:
            return turn, False
        chosen = await self.workspace_council(turn.platform, turn.workspace)
        if chosen is not None:
            return replace(turn, council=chosen), False
        return turn, self.choose_council and len(self.library.ids) > 1

    async def _council_command(self, turn: Turn, placed: Turn) -> Reply | None:
        """``council`` (which council this is) and ``council <id>`` (admins: choose it); None for anything else."""
        word, _, rest = turn.words.casefold().partition(" ")
        typed = rest.strip()
        if word != w.COUNCIL_COMMAND or turn.kind != "command":
            return None  # in a private chat, "council tax" is something said, not the command
        if len(typed.split()) > 1 and typed not in self.library.ids:
            return None  # a question about the council ("council meetings and officers"), not an id
        unchosen = placed.council is None and self.choose_council and len(self.library.ids) > 1
        if turn.council is not None:  # fixed by the host (e.g. CHATOPS_SLACK_COUNCILS)
            return self._council_reply(w.COUNCIL_FIXED, turn.council)
        if not typed:
            return self._council_reply(w.COUNCIL_CHOOSE if unchosen else w.COUNCIL_NOW, placed.council)
        if turn.workspace is None:
            return self._council_reply(w.COUNCIL_NOWHERE, placed.council)
        if not self._administers(turn, placed.council):
            return self._council_reply(w.COUNCIL_ADMINS_ONLY if turn.is_admin is False else w.ADMINS_UNCHECKED, None)
        if typed not in self.library.ids:
            return self._council_reply(w.COUNCIL_UNKNOWN.replace("{typed}", typed[:60]), placed.council)
        self.library.protocol(typed)  # a council whose file is broken is not chosen
        await self.store.choose_council(turn.platform, turn.workspace, typed)
        self._chosen[(turn.platform, turn.workspace)] = (time.monotonic(), typed)
        return self._council_reply(w.COUNCIL_CHOSEN, typed)

    async def may_change_channels(self, turn: Turn) -> bool:
        """Whether this person may change what a channel follows (subscribe, remind…): so an adapter
        checks what only an admin's request needs (that the bot can post there) for every admin,
        the council's own included."""
        placed, _ = await self._place(turn)
        return self._administers(turn, self.library.resolve(placed.council))

    def _administers(self, turn: Turn, council: str | None) -> bool:
        """A workspace admin or team owner, someone in ``CHATOPS_ADMINS``, or one of the council's own
        admins (its ``admins`` in the contacts file)."""
        if turn.is_admin or turn.user in self.admins:
            return True
        return council is not None and turn.user in self.contacts.admins(council)

    def _council_reply(self, message: str, council: str | None) -> Reply:
        """A reply about which council this is; ``council``: the one in use (None: none yet)."""
        lines = [w.COUNCIL_LINE.format(id=c, name=self._council_name(c)) for c in self.library.ids]
        name = self._council_name(council) if council else w.BOT_NAME
        example = next(iter(self.library.ids), "")
        text = message.replace("{councils}", "\n".join(lines)).replace("{example}", example)
        return Reply(
            council=council or "",
            council_name=name,
            title=w.COUNCIL_TITLE,
            blocks=[Paragraph(text=text.replace("{council}", name))],
        )

    async def _acknowledge(self, turn: Turn, payload: str) -> Reply:
        """The "I've read it" button under an announcement: ``<council>:<version>``."""
        from .channels import Channels  # the store's tables: imported only when a channel needs them

        ack_council, _, version = payload.partition(":")
        channels = Channels(self.store)
        if ack_council not in self.library.ids or version != await channels.current_version(ack_council):
            return self._say(turn.council, w.NOT_UNDERSTOOD, w.SUBSCRIPTION_TITLE)  # only the version announced now
        new = await channels.acknowledge(ack_council, version, turn.platform, turn.user, turn.user_name)
        label = await self._version_label(channels, ack_council)
        message = (w.ACKED if new else w.ALREADY_ACKED).replace("{version}", label)
        return self._say(ack_council, message, w.SUBSCRIPTION_TITLE)

    async def _channel_command(self, turn: Turn) -> Reply | None:
        """subscribe, unsubscribe, remind and acks; None for anything else."""
        word, _, rest = turn.words.casefold().partition(" ")
        if word not in CHANNEL_WORDS:
            return None
        from .channels import Channels  # the store's tables: imported only when a channel command needs them

        council = self.library.resolve(turn.council)
        channels = Channels(self.store)

        def say(message: str, title: str = w.SUBSCRIPTION_TITLE) -> Reply:
            return self._say(council, message, title)

        if not self._administers(turn, council):
            return say(w.ADMINS_ONLY if turn.is_admin is False else w.ADMINS_UNCHECKED)
        if word == "acks":
            current = await channels.current_version(council)
            if current is None:
                return say(w.ACKS_NO_VERSION)
            people = await channels.acknowledged(council, current)
            label = await self._version_label(channels, council)
            if not people:
                return say(w.ACKS_NONE.replace("{version}", label), w.ACKS_TITLE)
            message = w.ACKS_COUNT.replace("{version}", label).replace(
                "{people}", w.counted(w.ACKS_PEOPLE, len(people))
            )
            return say("\n".join([message, *(f"• {name}" for name in people)]), w.ACKS_TITLE)
        if turn.direct or not turn.channel:
            return say(w.CHANNEL_ONLY)
        if word == "subscribe":
            new = await channels.subscribe(turn.platform, turn.channel, council, by=turn.user, workspace=turn.workspace)
            return say(w.SUBSCRIBED if new else w.ALREADY_SUBSCRIBED)
        if word == "unsubscribe":
            return say(w.UNSUBSCRIBED if await channels.unsubscribe(turn.platform, turn.channel) else w.NOT_SUBSCRIBED)
        cadence = rest.strip()
        if cadence not in ("weekly", "monthly", "off"):
            return say(w.REMIND_USAGE)
        if not await channels.set_cadence(turn.platform, turn.channel, cadence):  # type: ignore[arg-type]
            return say(w.NOT_SUBSCRIBED)
        return say(w.REMIND_SET[cadence])

    async def _version_label(self, channels: Channels, council: str) -> str:
        """The announced version as people know it: adopted when and by which minute, else announced when."""
        protocol = self.library.protocol(council)
        announced = await channels.announced_on(council)
        return w.version_label(protocol.adopted, protocol.minute, announced)

    async def _is_triage(self, turn: Turn) -> bool:
        lowered = turn.words.casefold()
        if turn.kind == "command":
            return lowered in (w.CONCERN_COMMAND, w.FORGET_COMMAND)
        if not turn.direct or is_command(lowered):
            return False
        if lowered in machine.START_WORDS | machine.FORGET_WORDS | machine.RESTART_WORDS:
            return True
        state = await self._load(turn)
        if state is not None and state.phase not in ("done", "outside"):
            return True
        reading = concerns.read(turn.text, self.library.protocol(turn.council))
        if state is not None:  # after the advice, a plain question ("is there training on it?") is looked up
            return reading.scope != "other" or bool(reading.alarm)
        return bool(reading.alarm) or (reading.anything and not lowered.rstrip().endswith("?"))

    async def _load(self, turn: Turn) -> concerns.State | None:
        await self.store.open()
        data = await self.store.load_state(_key(turn))
        try:
            return concerns.State.model_validate(data) if data else None
        except ValidationError:
            return None  # kept by an older version: start afresh rather than guess

    async def _triage(self, turn: Turn, *, pressed: bool = False) -> Reply:
        protocol = self.library.protocol(turn.council)
        ctx = concerns.Context(protocol, self.contacts, turn.platform, turn.user_name, self.ttl_hours)
        state = await self._load(turn)
        # the text whole: the machine cleans it, and its safety check reads all of it
        transition = concerns.step(state, turn.text, ctx, pressed=pressed)
        key = _key(turn)
        if transition.forget:
            forgotten = await self.store.forget_person(turn.platform, turn.user)
            reply = transition.reply
            if not forgotten:
                reply = reply.model_copy(update={"blocks": [Paragraph(text=w.NOTHING_TO_FORGET)]})
        else:
            assert transition.state is not None
            await self.store.save_state(
                key, protocol.id, transition.state.model_dump(mode="json"), self.ttl_hours * 3600
            )
            reply = transition.reply
        if transition.handoff is not None:
            messenger = self.messengers.get(turn.platform, self.messenger)
            reply = await self._hand_off(transition.handoff, reply, messenger, turn.workspace)
        return reply.model_copy(update={"private": True, "move_to_direct": not turn.direct})

    async def _hand_off(
        self, handoff: concerns.Handoff, reply: Reply, messenger: Messenger | None, workspace: str | None
    ) -> Reply:
        delivered = False
        if messenger is not None:
            try:
                delivered = await messenger.send(handoff.person, handoff.message, workspace)
            except Exception as exc:  # a platform failure must not lose the person's place
                log.error("hand-off not delivered: %s", type(exc).__name__)
        if delivered:
            return reply
        failed = Paragraph(text=w.HANDOFF_FAILED.format(person=handoff.person.label))
        return reply.model_copy(update={"title": w.HANDOFF_NOT_SENT_TITLE, "blocks": [failed]})


def _carried(reading: concerns.Reading | None) -> str:
    """What was read from a question, carried by *Raise a concern privately* as fixed choices (never words)."""
    if reading is None:
        return ""
    answers: dict[str, str] = {name: getattr(reading, name) for name in reading.found}
    return ("?" + urlencode(answers)) if answers else ""


def _key(turn: Turn) -> str:
    from .store import user_key

    return user_key(turn.platform, turn.user)
