"""What botbuilder does not do for us, done before a request reaches it.

Probing botbuilder 4.17 showed expired tokens, unknown key ids, garbage and HS256 tokens giving
500 rather than 401, and its OpenID key refresh making a blocking HTTP call, with no timeout,
inside the event loop. Here each token is checked first (RS256 only, a known key, audience =
our app id, the Bot Framework issuer, not expired, endorsed for the channel, ``serviceurl`` =
the activity's) and refused with 401; the signing keys are fetched with aiohttp, under a timeout,
and lent to botbuilder so its own check (which still runs) never blocks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import jwt
from botframework.connector.auth import JwtTokenExtractor
from jwt.algorithms import RSAAlgorithm

log = logging.getLogger("chatops.teams")

CHANNEL_ISSUER = "https://api.botframework.com"
CHANNEL_OPENID_URL = "https://login.botframework.com/v1/.well-known/openidconfiguration"
LEEWAY = 5 * 60
REFRESH_EVERY = 24 * 3600
UNKNOWN_KEY_RETRY = 5 * 60  # look again for an unknown key id at most this often
FETCH_TIMEOUT = 10


class KeysUnavailable(Exception):
    """The signing keys could not be fetched: the caller is not at fault (503, not 401)."""


@dataclass(frozen=True)
class SigningKey:
    """Shaped like botbuilder's ``_OpenIdConfig`` so botbuilder can use our cache."""

    public_key: Any
    endorsements: list[str]


class SigningKeys:
    """The Bot Framework's signing keys, fetched without blocking and refreshed daily."""

    def __init__(self, metadata_url: str = CHANNEL_OPENID_URL) -> None:
        self.url = metadata_url
        self._keys: dict[str, SigningKey] = {}
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    async def get(self, key_id: str | None) -> SigningKey | None:
        age = time.monotonic() - self._fetched
        stale = not self._keys or age > REFRESH_EVERY
        if stale or (key_id not in self._keys and age > UNKNOWN_KEY_RETRY):
            await self._refresh()
        return self._keys.get(key_id or "")

    async def _refresh(self) -> None:
        async with self._lock:
            try:
                timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT)
                async with aiohttp.ClientSession(timeout=timeout) as session:
                    async with session.get(self.url) as response:
                        response.raise_for_status()
                        jwks_uri = (await response.json(content_type=None))["jwks_uri"]
                    async with session.get(jwks_uri) as response:
                        response.raise_for_status()
                        keys = (await response.json(content_type=None))["keys"]
                self._keys = {
                    k["kid"]: SigningKey(RSAAlgorithm.from_jwk(json.dumps(k)), list(k.get("endorsements", [])))
                    for k in keys
                    if k.get("kid") and k.get("kty") == "RSA"
                }
                self._fetched = time.monotonic()
            except (TimeoutError, aiohttp.ClientError, KeyError, ValueError, TypeError) as exc:
                if not self._keys:
                    raise KeysUnavailable(type(exc).__name__) from None
                log.warning("could not refresh the Bot Framework signing keys: %s", type(exc).__name__)

    def lend_to_botbuilder(self) -> None:
        """botbuilder looks keys up by metadata URL in a class-level cache; give it ours."""
        JwtTokenExtractor.metadataCache[self.url] = self


class TokenGuard:
    def __init__(self, app_id: str, keys: SigningKeys, issuer: str = CHANNEL_ISSUER) -> None:
        self.app_id = app_id
        self.keys = keys
        self.issuer = issuer

    async def check(self, authorization: str | None, activity: dict[str, Any]) -> str | None:
        """None if the request may pass, else why it is refused (never the token or body)."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme != "Bearer" or not token:
            return "no bearer token"
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            return "not a token"
        if header.get("alg") != "RS256":
            return "signing algorithm not allowed"
        key = await self.keys.get(header.get("kid"))
        if key is None:
            return "unknown signing key"
        try:
            claims = jwt.decode(
                token,
                key.public_key,
                algorithms=["RS256"],
                audience=self.app_id,
                issuer=self.issuer,
                leeway=LEEWAY,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            return f"token refused ({type(exc).__name__})"
        channel = activity.get("channelId")
        if key.endorsements and channel not in key.endorsements:
            return "key not endorsed for this channel"
        if claims.get("serviceurl") != activity.get("serviceUrl"):
            return "serviceurl claim does not match"
        return None
