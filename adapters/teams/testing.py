"""Test fakes for Teams, shipped so a whole conversation can be tested without Azure:

- :class:`FakeBotFramework`, an aiohttp server on an ephemeral port that is both the Bot
  Framework's OpenID metadata + signing keys and the Bot Connector service (the activity's
  ``serviceUrl``), recording every activity the bot sends;
- :class:`Tokens`, RS256 tokens signed with a key generated here, exactly as the Bot Framework
  issues them (and the bad ones it must refuse);
- :class:`StaticCredentialsFactory`, outbound credentials that need no Azure AD.

The same server also plays the Teams team-details call, Entra ID's client-credentials token
endpoint and Microsoft Graph's team-members list, for the team-owner check (``owners.py``).
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from aiohttp.test_utils import TestServer
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .auth import CHANNEL_ISSUER

OUTBOUND_TOKEN = "outbound-test-token"
GRAPH_TOKEN = "graph-test-token"
APP_PASSWORD = "pw"
MEMBER_FILTER = re.compile(r"^\(microsoft\.graph\.aadUserConversationMember/userId eq '([^']*)'\)$")


class Tokens:
    """A signing key of our own and the tokens it signs."""

    def __init__(self, kid: str = "test-key") -> None:
        self.kid = kid
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self, endorsements: tuple[str, ...] = ("msteams", "emulator")) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        return {**data, "kid": self.kid, "use": "sig", "endorsements": list(endorsements)}

    def token(
        self,
        audience: str,
        service_url: str,
        *,
        issuer: str = CHANNEL_ISSUER,
        expires_in: int = 3600,
        kid: str | None = None,
        **claims: Any,
    ) -> str:
        now = int(time.time())
        payload = {
            "iss": issuer,
            "aud": audience,
            "serviceurl": service_url,
            "nbf": now - 10,
            "iat": now - 10,
            "exp": now + expires_in,
            **claims,
        }
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers={"kid": kid or self.kid})


@dataclass
class FakeBotFramework:
    tokens: Tokens = field(default_factory=Tokens)
    sent: list[dict[str, Any]] = field(default_factory=list)  # activities the bot sent, in order
    authorizations: list[str] = field(default_factory=list)
    metadata_fetches: int = 0
    failures: list[int] = field(default_factory=list)  # statuses to answer the next sends with (429, 502…)
    team_groups: dict[str, str] = field(default_factory=dict)  # Teams team id → Entra group id
    members: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # group id → {user object id: roles}
    rsc_denied: set[str] = field(default_factory=set)  # group ids whose owners have not granted the permission
    lookups: list[str] = field(default_factory=list)  # "team:<id>", "token:<tenant>", "members:<group>"
    server: TestServer | None = None

    async def start(self) -> FakeBotFramework:
        app = web.Application()
        app.router.add_get("/openid", self._openid)
        app.router.add_get("/keys", self._keys)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._activity)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._activity)
        app.router.add_get("/v3/teams/{team}", self._team_details)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._graph_token)
        app.router.add_get("/v1.0/teams/{group}/members", self._team_members)
        self.server = TestServer(app, port=0)
        await self.server.start_server()
        return self

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    @property
    def service_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/"))

    @property
    def openid_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/openid"))

    @property
    def graph_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/v1.0"))

    @property
    def login_url(self) -> str:
        assert self.server is not None
        return str(self.server.make_url("/")).rstrip("/")

    async def wait(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.sent) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.sent

    async def _openid(self, request: web.Request) -> web.Response:
        self.metadata_fetches += 1
        assert self.server is not None
        return web.json_response(
            {
                "issuer": CHANNEL_ISSUER,
                "jwks_uri": str(self.server.make_url("/keys")),
                "id_token_signing_alg_values_supported": ["RS256"],
            }
        )

    async def _keys(self, request: web.Request) -> web.Response:
        return web.json_response({"keys": [self.tokens.jwk()]})

    async def _activity(self, request: web.Request) -> web.Response:
        if self.failures:
            status = self.failures.pop(0)
            headers = {"Retry-After": "1"} if status == 429 else {}
            return web.json_response(
                {"error": {"code": "Throttled", "message": "try later"}}, status=status, headers=headers
            )
        self.authorizations.append(request.headers.get("Authorization", ""))
        activity = await request.json()
        activity["_conversation"] = request.match_info["conversation"]
        self.sent.append(activity)
        return web.json_response({"id": str(uuid.uuid4())})

    async def _team_details(self, request: web.Request) -> web.Response:
        team = request.match_info["team"]
        self.lookups.append(f"team:{team}")
        if team not in self.team_groups:
            return web.json_response({"error": {"code": "NotFound", "message": "no such team"}}, status=404)
        return web.json_response({"id": team, "name": "A team", "aadGroupId": self.team_groups[team]})

    async def _graph_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        self.lookups.append(f"token:{request.match_info['tenant']}")
        if (
            form.get("grant_type") != "client_credentials"
            or form.get("scope") != "https://graph.microsoft.com/.default"
        ):
            return web.json_response({"error": "invalid_request"}, status=400)
        if form.get("client_secret") != APP_PASSWORD:
            return web.json_response({"error": "invalid_client"}, status=401)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": GRAPH_TOKEN})

    async def _team_members(self, request: web.Request) -> web.Response:
        group = request.match_info["group"]
        self.lookups.append(f"members:{group}")
        if request.headers.get("Authorization") != f"Bearer {GRAPH_TOKEN}":
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if group in self.rsc_denied or group not in self.members:
            return web.json_response({"error": {"code": "Forbidden", "message": "Missing role"}}, status=403)
        wanted = MEMBER_FILTER.match(request.query.get("$filter", ""))
        value = [
            {
                "@odata.type": "#microsoft.graph.aadUserConversationMember",
                "id": f"member-{user}",
                "roles": roles,
                "displayName": "A member",
                "userId": user,
                "tenantId": "tenant-1",
            }
            for user, roles in self.members[group].items()
            if wanted is None or wanted.group(1) == user
        ]
        return web.json_response({"@odata.count": len(value), "value": value})


def outbound_token(app_id: str) -> str:
    """The token a bot registration's replies carry (its own credentials, as Azure AD would issue)."""
    return f"{OUTBOUND_TOKEN}-for-{app_id}"


class _StaticCredentials(AppCredentials):
    def __init__(self, app_id: str) -> None:
        super().__init__(app_id=app_id)

    def get_access_token(self, force_refresh: bool = False) -> str:
        return outbound_token(self.microsoft_app_id)


class StaticCredentialsFactory(ServiceClientCredentialsFactory):
    """Outbound credentials without Azure AD, for one bot registration or several."""

    def __init__(self, *app_ids: str) -> None:
        self.app_ids = set(app_ids)

    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id in self.app_ids

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> AppCredentials:
        return _StaticCredentials(app_id)


def activity(
    service_url: str,
    text: str = "",
    *,
    value: dict[str, Any] | None = None,
    user: str = "29:user-1",
    aad_object_id: str = "00000000-0000-0000-0000-000000000001",
    conversation: str = "a:personal-1",
    conversation_type: str = "personal",
    activity_id: str | None = None,
    kind: str = "message",
    **extra: Any,
) -> dict[str, Any]:
    """An activity as the Bot Connector posts it."""
    out: dict[str, Any] = {
        "type": kind,
        "id": activity_id or str(uuid.uuid4()),
        "timestamp": "2026-11-23T12:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": user, "name": "Sam Officer", "aadObjectId": aad_object_id},
        "conversation": {"id": conversation, "conversationType": conversation_type, "tenantId": "tenant-1"},
        "recipient": {"id": "28:bot-1", "name": "Protocol"},
        "locale": "en-GB",
        **extra,
    }
    if text:
        out["text"] = text
    if value is not None:
        out["value"] = value
    return out
