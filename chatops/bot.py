"""The core's one entry point: a :class:`Turn` in, a :class:`Reply` out, whatever the platform.

This is also the error boundary for conversations: anything that goes wrong becomes a polite
reply, and the log records only the kind of failure, never what the person typed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from . import wording as w
from .councils import Library
from .errors import ChatopsError
from .reply import Paragraph, Reply

log = logging.getLogger("chatops")


@dataclass(frozen=True)
class Turn:
    """One thing a person said: a ``/protocol`` command, a direct message, or a button's value."""

    text: str
    user: str = "local"
    council: str | None = None
    direct: bool = False  # a private message rather than a slash command


class Bot:
    def __init__(self, library: Library) -> None:
        self.library = library

    async def handle(self, turn: Turn) -> Reply:
        try:
            return self.library.lookup(turn.council).answer(turn.text)
        except ChatopsError as exc:
            log.error("could not answer: %s", exc)
        except Exception as exc:  # the boundary: never a traceback to a person
            log.error("could not answer: unexpected %s", type(exc).__name__)
        council = turn.council or "unknown"
        return Reply(
            council=council, council_name=council, title=w.HELP_TITLE, blocks=[Paragraph(text=w.SOMETHING_WRONG)]
        )
