"""The terminal chat: ``/protocol …`` lines are commands, anything else is a direct message, and
a reply's choices are numbered so typing the number chooses one. Reads a pipe as well as a
terminal, so a conversation can be scripted.
"""

from __future__ import annotations

from typing import TextIO

from chatops import turns
from chatops.bot import Bot
from chatops.contacts import Person
from chatops.errors import UnknownCouncilError
from chatops.reply import Choice, Reply

QUIT = {"quit", "exit", "/quit", "/exit", "bye"}
BANNER = (
    "chatops console — {council}\n"
    "Type /protocol help or a question, or describe a concern (or type: concern) as you would in a private\n"
    "message. Type a number to press a choice. /council lists councils; quit leaves.\n"
)


def render(reply: Reply) -> str:
    lines = [reply.as_text().rstrip()]
    for number, choice in enumerate(reply.choices, 1):
        lines.append(f"  [{number}] {choice.label}")
    return "\n".join(lines) + "\n"


class Messenger:
    """Hand-offs in the console go nowhere: it shows what a chat platform would have delivered."""

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout

    async def send(self, person: Person, text: str, workspace: str | None = None) -> bool:
        self.stdout.write(f"(console: this would go to {person.name}) {text}\n")
        return True


async def run(
    bot: Bot, council: str | None, stdin: TextIO, stdout: TextIO, interactive: bool, user_name: str = "Someone"
) -> None:
    try:
        await _loop(bot, council, stdin, stdout, interactive, user_name)
    finally:
        await bot.close()


async def _loop(
    bot: Bot, council: str | None, stdin: TextIO, stdout: TextIO, interactive: bool, user_name: str
) -> None:
    council = bot.library.resolve(council)
    if interactive:
        stdout.write(BANNER.format(council=bot.library.protocol(council).council))
    choices: list[Choice] = []
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT:
            break
        if text.lower().startswith("/council"):
            council = _switch(bot, council, text[len("/council") :].strip(), stdout)
            continue
        if text.isdigit() and 1 <= int(text) <= len(choices):
            choice = choices[int(text) - 1]
            if interactive:
                stdout.write(f"  → {choice.label}\n")
            turn = turns.pressed(choice.value, council=council, direct=True, user_name=user_name)
        else:  # a terminal is a private chat: /protocol … is a command, anything else a message
            turn = turns.typed(text, council=council, direct=True, user_name=user_name)
        reply = await bot.handle(turn)
        choices = reply.choices
        stdout.write(render(reply) + "\n")
        stdout.flush()


def _switch(bot: Bot, council: str, wanted: str, stdout: TextIO) -> str:
    if not wanted:
        for known in bot.library.ids:
            stdout.write(f"{'*' if known == council else ' '} {known}\n")
        return council
    try:
        council = bot.library.resolve(wanted)
    except UnknownCouncilError as exc:
        stdout.write(f"{exc}\n")
        return council
    stdout.write(f"Now using {bot.library.protocol(council).council}.\n")
    return council
