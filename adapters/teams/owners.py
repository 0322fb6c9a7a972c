"""Whether someone owns a team, asked of Microsoft Graph.

Teams tells a bot who wrote a message but not whether they own the team. Graph does: the app
package asks for the resource-specific permission ``TeamMember.Read.Group``, which a team owner
grants when adding the app to the team, and with it the app (its own token, no user sign-in) may
read that team's members and their roles. Only channel-changing commands ask, so answers are not
cached; the app token is, until shortly before it expires.

An answer of ``None`` means "could not tell" (no app password, Graph unreachable, permission not
granted): the core then says so instead of implying the person is not an owner. Nothing secret is
logged: status codes only, never the token, the password or the response body.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import aiohttp

log = logging.getLogger("chatops.teams")

GRAPH_SCOPE = "https://graph.microsoft.com/.default"
TIMEOUT = aiohttp.ClientTimeout(total=10)
EARLY = 300  # seconds before expiry at which a token is renewed
FORBIDDEN = "Graph refused (403): has a team owner granted the app's 'read this team's members' permission?"


class GraphUnavailable(Exception):
    """Graph or the sign-in service could not answer; the reason is a short, secret-free phrase."""

    def __init__(self, why: str, status: int | None = None) -> None:
        super().__init__(why)
        self.status = status


@dataclass
class TeamOwners:
    app_id: str
    password: str | None
    graph_url: str  # CHATOPS_GRAPH_URL, a local fake in tests
    login_url: str  # CHATOPS_LOGIN_URL
    tenant: str | None = None  # the app's own tenant (SingleTenant), used when a message names none
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict, repr=False)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)

    async def is_owner(self, tenant: str | None, team: str | None, user: str | None) -> bool | None:
        """``team`` is the team's Entra group id, ``user`` the person's Entra object id."""
        tenant = tenant or self.tenant
        if not (self.password and tenant and team and user):
            log.warning("cannot check team ownership: %s", _missing(self.password, tenant, team, user))
            return None
        try:
            async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
                token = await self._token(session, tenant)
                members = await self._members(session, token, team, user)
        except GraphUnavailable as exc:
            log.warning("cannot check team ownership: %s", exc)
            return None
        return any(m.get("userId") == user and "owner" in (m.get("roles") or []) for m in members)

    async def _token(self, session: aiohttp.ClientSession, tenant: str) -> str:
        async with self._lock:
            cached = self._tokens.get(tenant)
            if cached and cached[1] > time.monotonic():
                return cached[0]
            form = {
                "client_id": self.app_id,
                "client_secret": self.password or "",
                "scope": GRAPH_SCOPE,
                "grant_type": "client_credentials",
            }
            data = await _json(session, "POST", f"{self.login_url}/{tenant}/oauth2/v2.0/token", "sign-in", data=form)
            token, expires = data.get("access_token"), data.get("expires_in", 3600)
            if not isinstance(token, str) or not isinstance(expires, int | float | str):
                raise GraphUnavailable("the sign-in service gave no token")
            self._tokens[tenant] = (token, time.monotonic() + max(float(expires) - EARLY, 0))
            return token

    async def _members(self, session: aiohttp.ClientSession, token: str, team: str, user: str) -> list[dict[str, Any]]:
        quoted = user.replace("'", "''")
        url = f"{self.graph_url}/teams/{team}/members"
        params = {"$filter": f"(microsoft.graph.aadUserConversationMember/userId eq '{quoted}')"}
        try:
            data = await _json(
                session, "GET", url, "Graph", headers={"Authorization": f"Bearer {token}"}, params=params
            )
        except GraphUnavailable as exc:
            if exc.status == 403:
                raise GraphUnavailable(FORBIDDEN, 403) from None
            raise
        value = data.get("value")
        if not isinstance(value, list):
            raise GraphUnavailable("Graph gave no member list")
        return [m for m in value if isinstance(m, dict)]


async def _json(session: aiohttp.ClientSession, method: str, url: str, what: str, **kwargs: Any) -> dict[str, Any]:
    try:
        async with session.request(method, url, **kwargs) as response:
            if response.status >= 400:
                raise GraphUnavailable(f"{what} answered {response.status}", response.status)
            data = await response.json(content_type=None)
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        raise GraphUnavailable(f"{what} unreachable ({type(exc).__name__})") from None
    if not isinstance(data, dict):
        raise GraphUnavailable(f"{what} gave an unexpected answer")
    return data


def _missing(password: str | None, tenant: str | None, team: str | None, user: str | None) -> str:
    if not password:
        return "MICROSOFT_APP_PASSWORD is needed to ask Graph"
    if not tenant:
        return "the message names no tenant"
    if not team:
        return "the message names no team"
    return "the person has no Entra object id"
