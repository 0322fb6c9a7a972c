"""Test fakes shipped with the package, so tests read like a conversation::

chat = Chat(council="llangunnor")
reply = await chat.say("/protocol roles member")
reply = await chat.choose("What Councillors can expect from Officers")
"""

from __future__ import annotations

from pathlib import Path

from .bot import Bot, Turn
from .councils import Library
from .reply import Reply


class Chat:
    """One person talking to the bot; remembers the last reply so its choices can be pressed."""

    def __init__(self, council: str | None = None, *, extra_dirs: tuple[Path, ...] = (), user: str = "tester") -> None:
        self.bot = Bot(Library(extra_dirs))
        self.council = council
        self.user = user
        self.last: Reply | None = None

    async def say(self, text: str) -> Reply:
        direct = not text.lower().startswith("/protocol")
        self.last = await self.bot.handle(Turn(text=text, user=self.user, council=self.council, direct=direct))
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
        return await self.say(choice.value)
