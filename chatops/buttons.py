"""What a button carries: written and read here only.

Three kinds of button: a step of a private concern (``concern:…``), "I've read it" under an
announcement (``ack:<council>:<version>``), and a lookup (the command as it would be typed, so the
buttons of announcements posted by earlier versions still work). A value is never trusted: the
concern machine honours only what that conversation offered, an acknowledgement only the version
announced now, and a lookup is no more than what anyone may type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from . import wording as w

CONCERN = "concern:"
ACK = "ack:"
LOOKUP = w.COMMAND_PREFIX + " "

Action = Literal["concern", "ack", "lookup"]


@dataclass(frozen=True)
class Pressed:
    """A button's value read: its kind, and what follows the kind's prefix."""

    action: Action
    payload: str


def concern(step: str) -> str:
    """A concern's step: ``start``, ``start?reporter=officer``, ``gender=any``, ``handoff=key.0``, ``send``…"""
    return CONCERN + step


def ack(council: str, version: str) -> str:
    return f"{ACK}{council}:{version}"


def lookup(args: str) -> str:
    """A lookup, e.g. ``section 4.2``."""
    return LOOKUP + args.strip()


def decode(value: str) -> Pressed | None:
    """The button a value came from; None for a value no button of ours carries."""
    text = value.strip()
    folded = text.casefold()
    if folded.startswith(CONCERN):
        return Pressed("concern", folded.removeprefix(CONCERN))
    if folded.startswith(ACK):
        return Pressed("ack", folded.removeprefix(ACK))
    if folded.startswith(LOOKUP) or folded == w.COMMAND_PREFIX:
        return Pressed("lookup", text[len(w.COMMAND_PREFIX) :].strip())
    return None
