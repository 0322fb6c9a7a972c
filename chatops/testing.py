"""Test fakes shipped with the package, so tests read like a conversation::

chat = Chat(council="llangunnor")
reply = await chat.say("/protocol roles member")
reply = await chat.choose("What Councillors can expect from Officers")
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from . import turns
from .bot import Bot, Messenger
from .contacts import NO_CONTACTS, Contacts, Person
from .councils import Library
from .reply import Reply
from .store import Store


class Chat:
    """One person talking to the bot; remembers the last reply so its choices can be pressed.

    The store is a SQLite file of the chat's own (or ``database_url``), closed after every turn,
    so each turn also proves that nothing lives only in memory.
    """

    def __init__(
        self,
        council: str | None = None,
        *,
        extra_dirs: tuple[Path, ...] = (),
        user: str = "tester",
        user_name: str = "Test User",
        database_url: str | None = None,
        contacts: Contacts = NO_CONTACTS,
        platform: str = "console",
        ttl_hours: int = 24,
    ) -> None:
        if database_url is None:
            self._folder = tempfile.TemporaryDirectory(prefix="chatops-test-")
            database_url = f"sqlite:///{self._folder.name}/chatops.sqlite3"
        self.database_url = database_url
        self.sent: list[tuple[Person, str]] = []
        self.bot = Bot(
            Library(extra_dirs),
            store=Store(database_url),
            contacts=contacts,
            messenger=_Recorder(self.sent),
            ttl_hours=ttl_hours,
        )
        self.council = council
        self.user = user
        self.user_name = user_name
        self.platform = platform
        self.last: Reply | None = None
        self.direct = True  # whether the last thing was said in a direct message

    async def say(self, text: str, *, direct: bool | None = None) -> Reply:
        """Say something: a ``/protocol`` line is a slash command, anything else a direct message."""
        if direct is None:
            direct = not text.lower().startswith("/protocol")
        return await self._turn(turns.typed(text, direct=direct, **self._who()))

    async def press(self, value: str) -> Reply:
        """Press a button carrying ``value`` where the last reply was shown (any value: as a forger could)."""
        return await self._turn(turns.pressed(value, direct=self.direct, **self._who()))

    def _who(self) -> dict[str, str | None]:
        return {"user": self.user, "council": self.council, "platform": self.platform, "user_name": self.user_name}

    async def _turn(self, turn: turns.Turn) -> Reply:
        self.direct = turn.direct
        try:
            self.last = await self.bot.handle(turn)
        finally:
            await self.bot.close()
        if self.last.move_to_direct:
            self.direct = True  # the platform shows the reply in the direct message
        return self.last

    async def choose(self, label_or_number: str | int) -> Reply:
        """Press one of the last reply's choices, by its label (or part of it) or its 1-based number."""
        if self.last is None:
            raise AssertionError("nothing to choose from yet")
        choices = self.last.choices
        if isinstance(label_or_number, int):
            choice = choices[label_or_number - 1]
        else:
            matching = [c for c in choices if label_or_number.lower() in c.label.lower()]
            if not matching:
                raise AssertionError(f"no choice like {label_or_number!r} in {[c.label for c in choices]}")
            choice = matching[0]
        return await self.press(choice.value)


class _Recorder(Messenger):
    def __init__(self, sent: list[tuple[Person, str]]) -> None:
        self.sent = sent

    async def send(self, person: Person, text: str, workspace: str | None = None) -> bool:
        self.sent.append((person, text))
        return True
