"""Teams' settings, read from the environment (and ``.env``) when Teams is connected: one bot
(``MICROSOFT_APP_ID`` …), several (``CHATOPS_TEAMS_BOTS``: one single-tenant bot per council), or the
local development mode.

A missing or malformed setting is one clear line naming it, never its value when it is a secret.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chatops.errors import SettingsError
from chatops.settings import reader

GRAPH_URL = "https://graph.microsoft.com/v1.0"
LOGIN_URL = "https://login.microsoftonline.com"


@dataclass(frozen=True)
class TeamsRegistration:
    """One council's single-tenant Azure bot pointing at this host (an entry of ``CHATOPS_TEAMS_BOTS``)."""

    app_id: str
    app_password: str = field(repr=False)
    tenant_id: str = ""
    council: str | None = None


@dataclass(frozen=True)
class TeamsSettings:
    app_id: str | None = None  # MICROSOFT_APP_ID
    app_password: str | None = field(default=None, repr=False)  # MICROSOFT_APP_PASSWORD
    app_type: str = "SingleTenant"  # MICROSOFT_APP_TYPE
    tenant_id: str | None = None  # MICROSOFT_APP_TENANT_ID
    openid_url: str | None = None  # CHATOPS_TEAMS_OPENID_URL: a private cloud or a test double
    graph_url: str = GRAPH_URL  # CHATOPS_GRAPH_URL
    login_url: str = LOGIN_URL  # CHATOPS_LOGIN_URL
    dev: bool = False  # CHATOPS_TEAMS_DEV: no authentication, for the Bot Framework Emulator only
    bots: tuple[TeamsRegistration, ...] = ()  # CHATOPS_TEAMS_BOTS

    @classmethod
    def load(cls, environ: Mapping[str, str]) -> TeamsSettings:
        get = reader(environ)
        urls = {}
        for name in ("CHATOPS_GRAPH_URL", "CHATOPS_LOGIN_URL"):
            url = get(name)
            if url and not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name} must be an http:// or https:// URL")
            if url:
                urls[name] = url.rstrip("/")
        app_type = get("MICROSOFT_APP_TYPE") or "SingleTenant"
        known_types = {
            "singletenant": "SingleTenant",
            "multitenant": "MultiTenant",
            "userassignedmsi": "UserAssignedMSI",
        }
        if app_type.lower() not in known_types:
            raise SettingsError("MICROSOFT_APP_TYPE must be SingleTenant, MultiTenant or UserAssignedMSI")
        app_type = known_types[app_type.lower()]
        app_id = get("MICROSOFT_APP_ID")
        if app_id and app_type == "SingleTenant" and not get("MICROSOFT_APP_TENANT_ID"):
            raise SettingsError("MICROSOFT_APP_TENANT_ID is needed for a SingleTenant bot (MICROSOFT_APP_TYPE)")
        if app_id and app_type != "UserAssignedMSI" and not get("MICROSOFT_APP_PASSWORD"):
            raise SettingsError("MICROSOFT_APP_PASSWORD is needed with MICROSOFT_APP_ID")
        bots_file = get("CHATOPS_TEAMS_BOTS")
        bots = _bots(Path(bots_file).expanduser()) if bots_file else ()
        if bots and app_id:
            raise SettingsError("set CHATOPS_TEAMS_BOTS or MICROSOFT_APP_ID, not both (put every bot in the file)")
        dev = (get("CHATOPS_TEAMS_DEV") or "").lower()
        if dev not in ("", "0", "1", "true", "false", "yes", "no"):
            raise SettingsError("CHATOPS_TEAMS_DEV must be 1 or 0")
        return cls(
            app_id=app_id,
            app_password=get("MICROSOFT_APP_PASSWORD"),
            app_type=app_type,
            tenant_id=get("MICROSOFT_APP_TENANT_ID"),
            openid_url=get("CHATOPS_TEAMS_OPENID_URL"),
            graph_url=urls.get("CHATOPS_GRAPH_URL", GRAPH_URL),
            login_url=urls.get("CHATOPS_LOGIN_URL", LOGIN_URL),
            dev=dev in ("1", "true", "yes"),
            bots=bots,
        )


def _bots(path: Path) -> tuple[TeamsRegistration, ...]:
    """``CHATOPS_TEAMS_BOTS``: a YAML (or JSON) list of ``{app_id, app_password, tenant_id, council}``,
    one per council's single-tenant bot. Problems name the entry and the field, never a password."""
    import yaml

    name = "CHATOPS_TEAMS_BOTS"
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(f"{name}: {path} is not a file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SettingsError(f"{name}: cannot read {path} ({type(exc).__name__})") from None
    if not isinstance(entries, list) or not entries:
        raise SettingsError(f"{name}: {path} must be a list of bots, each with app_id, app_password, tenant_id")
    out: list[TeamsRegistration] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise SettingsError(f"{name}: bot {number} must be a mapping with app_id, app_password, tenant_id")
        unknown = set(entry) - {"app_id", "app_password", "tenant_id", "council"}
        if unknown:
            raise SettingsError(f"{name}: bot {number} has unknown fields: {', '.join(sorted(map(str, unknown)))}")
        for key in ("app_id", "app_password", "tenant_id"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise SettingsError(f"{name}: bot {number} needs {key}")
        council = entry.get("council")
        if council is not None and not isinstance(council, str):
            raise SettingsError(f"{name}: bot {number}'s council must be a council id")
        if any(b.app_id == entry["app_id"].strip() for b in out):
            raise SettingsError(f"{name}: bot {number} repeats the app_id of an earlier bot")
        out.append(
            TeamsRegistration(entry["app_id"].strip(), entry["app_password"], entry["tenant_id"].strip(), council)
        )
    return tuple(out)
