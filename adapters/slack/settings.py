"""Slack's settings, read from the environment (and ``.env``) when Slack is connected.

A missing or malformed setting is one clear line naming it, never its value when it is a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from chatops.errors import SettingsError
from chatops.settings import reader


@dataclass(frozen=True)
class SlackSettings:
    bot_token: str | None = field(default=None, repr=False)  # SLACK_BOT_TOKEN: one workspace
    signing_secret: str | None = field(default=None, repr=False)  # SLACK_SIGNING_SECRET: /slack/events served
    app_token: str | None = field(default=None, repr=False)  # SLACK_APP_TOKEN: Socket Mode
    api_url: str | None = None  # CHATOPS_SLACK_API_URL: a proxy or test double for every Web API call
    client_id: str | None = None  # SLACK_CLIENT_ID and SLACK_CLIENT_SECRET: distribution (OAuth)
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None  # SLACK_REDIRECT_URI
    councils: dict[str, str] = field(default_factory=dict)  # CHATOPS_SLACK_COUNCILS: team id → council id

    @classmethod
    def load(cls, environ: Mapping[str, str]) -> SlackSettings:
        get = reader(environ)
        api_url = get("CHATOPS_SLACK_API_URL")
        if api_url and not api_url.startswith(("http://", "https://")):
            raise SettingsError("CHATOPS_SLACK_API_URL must be an http:// or https:// URL")
        if api_url and not api_url.endswith("/"):
            api_url += "/"
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            raise SettingsError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are needed together (Slack distribution)")
        redirect_uri = get("SLACK_REDIRECT_URI")
        if redirect_uri and not redirect_uri.startswith("https://"):
            raise SettingsError("SLACK_REDIRECT_URI must be an https:// URL ending /slack/oauth_redirect")
        return cls(
            bot_token=get("SLACK_BOT_TOKEN"),
            signing_secret=get("SLACK_SIGNING_SECRET"),
            app_token=get("SLACK_APP_TOKEN"),
            api_url=api_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            councils=_pairs("CHATOPS_SLACK_COUNCILS", get("CHATOPS_SLACK_COUNCILS")),
        )


def _pairs(name: str, value: str | None) -> dict[str, str]:
    """``T0123=llangunnor,T0456=telford-and-wrekin`` → a mapping."""
    out: dict[str, str] = {}
    for part in (value or "").split(","):
        if not part.strip():
            continue
        key, sep, council = part.partition("=")
        if not sep or not key.strip() or not council.strip():
            raise SettingsError(f"{name} must look like TEAM_ID=council-id,TEAM_ID=council-id")
        out[key.strip()] = council.strip()
    return out
