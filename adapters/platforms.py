"""The chat platforms chatops serves, one line each.

A platform is a folder under ``adapters/`` (``slack/``, ``teams/``) whose ``platform.py`` gives a
:class:`~adapters.edges.Platform`: its name, and how to connect it with this deployment's settings.
The folder converts the platform's payloads to :mod:`chatops.turns` and the core's Reply to its
own cards; :mod:`adapters.edges` has what every platform shares. Adding a platform is its folder
and one line here.
"""

from __future__ import annotations

from chatops.bot import Bot
from chatops.settings import Settings

from .edges import Connection, Platform
from .slack.platform import SLACK
from .teams.platform import TEAMS

PLATFORMS: tuple[Platform, ...] = (SLACK, TEAMS)


def connect_all(bot: Bot, settings: Settings, *, socket_mode: bool = False) -> dict[str, Connection]:
    """Every platform whose settings are present, by name."""
    connected = {p.name: p.connect(bot, settings, socket_mode=socket_mode) for p in PLATFORMS}
    return {name: c for name, c in connected.items() if c is not None}
