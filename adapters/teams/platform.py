"""Teams as the server sees it: ``/api/messages`` for one registration, several (one per council,
``CHATOPS_TEAMS_BOTS``) or the local development mode, and what posts announcements and reminders.
botbuilder is imported only when Teams is used."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiohttp import web

from chatops.bot import Bot
from chatops.outbox import Deliverer
from chatops.settings import Settings

from ..edges import Platform
from .settings import TeamsSettings

if TYPE_CHECKING:
    from .app import TeamsEndpoint, TeamsEndpoints

log = logging.getLogger("chatops.teams")


class TeamsConnection:
    def __init__(self, endpoint: TeamsEndpoint | TeamsEndpoints) -> None:
        from .app import TeamsEndpoints
        from .deliver import TeamsDeliverer

        self.endpoint = endpoint
        by_tenant = endpoint.by_tenant() if isinstance(endpoint, TeamsEndpoints) else None
        self.deliverer: Deliverer | None = TeamsDeliverer(endpoint.teams, by_tenant)

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/api/messages", self.endpoint.handle)


def connect(bot: Bot, settings: Settings, *, socket_mode: bool = False) -> TeamsConnection | None:
    """Teams with authentication, or in the explicit local development mode, or not at all. Its
    settings are checked here, in one line each."""
    teams = TeamsSettings.load(settings.environ)
    if not (teams.bots or teams.app_id or teams.dev):
        log.warning("Teams is not served at /api/messages: MICROSOFT_APP_ID is not set")
        return None
    from .app import build_endpoint, build_endpoints

    if teams.bots:
        return TeamsConnection(build_endpoints(bot, teams, settings.council))
    if teams.app_id:
        return TeamsConnection(build_endpoint(bot, teams, settings.council))
    log.warning(
        "Teams is served WITHOUT authentication at /api/messages: local development mode "
        "(CHATOPS_TEAMS_DEV) is for the Bot Framework Emulator only"
    )
    return TeamsConnection(build_endpoint(bot, teams, settings.council, dev_mode=True))


TEAMS = Platform("teams", connect)
