"""What reaches the core from any platform: a :class:`Turn`, built by one of three helpers.

A turn says what it is — a ``/protocol`` command, a message typed in a private chat, or a button's
value — so the core never guesses from prefixes. Adapters, the console, the CLI and the test fakes
all build turns with :func:`typed`, :func:`command` or :func:`pressed`, so every entry point fills
the same fields in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from . import wording as w
from .lookup import is_command
from .text import clean

Kind = Literal["command", "message", "button"]

ADMIN_COMMANDS = frozenset(c.name for c in w.CHANNEL_COMMANDS) | {w.COUNCIL_COMMAND}
"""The words that need to know whether the person is an admin or owner (``council`` only to change it)."""

_BARE_PREFIX = w.COMMAND_PREFIX.removeprefix("/")
"""``protocol`` without the slash, as Teams users type it (Teams keeps the slash for its own commands)."""


@dataclass(frozen=True)
class Turn:
    """One thing a person did: ran a command, typed a message, or pressed a button.

    ``text`` is, for a command, the words after ``/protocol``; for a message, what was typed; for a
    button, the value the button carried (read by :mod:`chatops.buttons`, never trusted).
    """

    text: str
    kind: Kind = "command"
    user: str = "local"
    council: str | None = None
    direct: bool = False  # said in a private (direct) chat rather than in a channel
    platform: str = "console"
    user_name: str = "Someone"
    channel: str | None = None  # the platform's channel id, for a command typed in a channel
    # the platform says this person administers the workspace or owns the team; None: it could not tell
    is_admin: bool | None = False
    # the Slack workspace (team or Enterprise Grid org) or Teams tenant: whose chosen council applies
    workspace: str | None = None

    @property
    def words(self) -> str:
        """The text made safe to parse (see :func:`chatops.text.clean`)."""
        return clean(self.text)[0]

    @property
    def needs_admin(self) -> bool:
        """Whether this is a command only admins and owners may use, so an adapter knows when to ask
        its platform who the person is (and fills ``is_admin``)."""
        return self.kind != "button" and self.words.casefold().partition(" ")[0] in ADMIN_COMMANDS


def command(args: str, **where: Any) -> Turn:
    """``/protocol ARGS``: a slash command, a mention of the bot, the CLI's ``command``."""
    return Turn(text=_without_prefix(args), kind="command", **where)


def typed(text: str, *, direct: bool, **where: Any) -> Turn:
    """What a person typed: ``/protocol …`` (or ``protocol …``) is a command wherever it is typed; in
    a channel the bot hears only what is addressed to it, so anything there is a command too; in a
    private chat anything else is a message, read as it was written."""
    stripped = _without_prefix(text)
    kind: Kind = "command" if stripped != text.strip() or not direct else "message"
    return Turn(text=stripped if kind == "command" else text, kind=kind, direct=direct, **where)


def pressed(value: str, **where: Any) -> Turn:
    """A button: ``value`` is what the button carried."""
    return Turn(text=value, kind="button", **where)


def _names_a_command(text: str) -> bool:
    first = clean(text)[0].casefold().partition(" ")[0]
    return is_command(text) or first in ADMIN_COMMANDS or first in (w.CONCERN_COMMAND, w.FORGET_COMMAND)


def _without_prefix(text: str) -> str:
    """``text`` without a leading ``/protocol``, or ``protocol`` before a lookup command ("protocol
    roles"; but "protocol says I should…" is someone's own words); else unchanged but trimmed."""
    stripped = text.strip()
    for prefix in (w.COMMAND_PREFIX, _BARE_PREFIX):
        head, rest = stripped[: len(prefix)], stripped[len(prefix) :]
        if head.casefold() != prefix or (rest and not rest[0].isspace()):
            continue
        if prefix == w.COMMAND_PREFIX or not rest.strip() or _names_a_command(rest):
            return rest.strip()
    return stripped
