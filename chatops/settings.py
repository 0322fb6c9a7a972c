"""Settings from the environment and an optional ``.env`` file, checked once at start-up.

A missing or malformed setting is one clear line naming it (never its value when it is a secret),
raised as :class:`SettingsError` and printed by the boundary.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SettingsError

DEFAULT_PORT = 3978


@dataclass(frozen=True)
class TeamsRegistration:
    """One council's single-tenant Azure bot pointing at this host (an entry of ``CHATOPS_TEAMS_BOTS``)."""

    app_id: str
    app_password: str = field(repr=False)
    tenant_id: str = ""
    council: str | None = None


@dataclass(frozen=True)
class Settings:
    council: str | None = None
    protocol_dirs: tuple[Path, ...] = ()
    contacts: Path | None = None
    database_url: str | None = None
    port: int = DEFAULT_PORT
    state_ttl_hours: int = 24
    slack_bot_token: str | None = field(default=None, repr=False)
    slack_signing_secret: str | None = field(default=None, repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    slack_api_url: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    slack_redirect_uri: str | None = None
    slack_councils: dict[str, str] = field(default_factory=dict)
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = field(default=None, repr=False)
    microsoft_app_type: str = "SingleTenant"
    microsoft_app_tenant_id: str | None = None
    teams_openid_url: str | None = None
    graph_url: str = "https://graph.microsoft.com/v1.0"
    login_url: str = "https://login.microsoftonline.com"
    teams_dev: bool = False
    admins: frozenset[str] = frozenset()
    publish_on_start: bool = True
    teams_bots: tuple[TeamsRegistration, ...] = ()

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
        """Read settings; real environment variables win over the ``.env`` file."""
        values: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        dirs = tuple(Path(p).expanduser() for p in (get("CHATOPS_PROTOCOL_DIR") or "").split(os.pathsep) if p)
        for directory in dirs:
            if not directory.is_dir():
                raise SettingsError(f"CHATOPS_PROTOCOL_DIR: {directory} is not a folder")
        contacts = get("CHATOPS_CONTACTS")
        if contacts and not Path(contacts).expanduser().is_file():
            raise SettingsError(f"CHATOPS_CONTACTS: {contacts} is not a file")
        port_text = get("PORT")
        port = DEFAULT_PORT
        if port_text is not None:
            if not port_text.isdigit() or not 0 < int(port_text) < 65536:
                raise SettingsError("PORT must be a whole number from 1 to 65535")
            port = int(port_text)
        ttl_text = get("CHATOPS_STATE_TTL_HOURS")
        ttl = 24
        if ttl_text is not None:
            if not ttl_text.isdigit() or not 1 <= int(ttl_text) <= 24 * 30:
                raise SettingsError("CHATOPS_STATE_TTL_HOURS must be a whole number of hours from 1 to 720")
            ttl = int(ttl_text)
        reference_days = get("CHATOPS_REFERENCE_TTL_DAYS")
        if reference_days is not None and not (reference_days.isdigit() and 1 <= int(reference_days) <= 3650):
            raise SettingsError("CHATOPS_REFERENCE_TTL_DAYS must be a whole number of days from 1 to 3650")
        database_url = get("CHATOPS_DATABASE_URL")
        if database_url and not database_url.lower().startswith(("sqlite", "postgres")):
            raise SettingsError("CHATOPS_DATABASE_URL must start with sqlite:// or postgresql://")
        slack_api_url = get("CHATOPS_SLACK_API_URL")
        if slack_api_url and not slack_api_url.startswith(("http://", "https://")):
            raise SettingsError("CHATOPS_SLACK_API_URL must be an http:// or https:// URL")
        if slack_api_url and not slack_api_url.endswith("/"):
            slack_api_url += "/"
        client_id, client_secret = get("SLACK_CLIENT_ID"), get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            raise SettingsError("SLACK_CLIENT_ID and SLACK_CLIENT_SECRET are needed together (Slack distribution)")
        redirect_uri = get("SLACK_REDIRECT_URI")
        if redirect_uri and not redirect_uri.startswith("https://"):
            raise SettingsError("SLACK_REDIRECT_URI must be an https:// URL ending /slack/oauth_redirect")
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
        teams_bots = _teams_bots(Path(bots_file).expanduser()) if bots_file else ()
        if teams_bots and app_id:
            raise SettingsError("set CHATOPS_TEAMS_BOTS or MICROSOFT_APP_ID, not both (put every bot in the file)")
        dev = (get("CHATOPS_TEAMS_DEV") or "").lower()
        if dev not in ("", "0", "1", "true", "false", "yes", "no"):
            raise SettingsError("CHATOPS_TEAMS_DEV must be 1 or 0")
        return cls(
            council=get("CHATOPS_COUNCIL"),
            protocol_dirs=dirs,
            contacts=Path(contacts).expanduser() if contacts else None,
            database_url=database_url,
            port=port,
            state_ttl_hours=ttl,
            slack_bot_token=get("SLACK_BOT_TOKEN"),
            slack_signing_secret=get("SLACK_SIGNING_SECRET"),
            slack_app_token=get("SLACK_APP_TOKEN"),
            slack_api_url=slack_api_url,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_redirect_uri=redirect_uri,
            slack_councils=_pairs("CHATOPS_SLACK_COUNCILS", get("CHATOPS_SLACK_COUNCILS")),
            microsoft_app_id=app_id,
            microsoft_app_password=get("MICROSOFT_APP_PASSWORD"),
            microsoft_app_type=app_type,
            microsoft_app_tenant_id=get("MICROSOFT_APP_TENANT_ID"),
            teams_openid_url=get("CHATOPS_TEAMS_OPENID_URL"),
            graph_url=urls.get("CHATOPS_GRAPH_URL", cls.graph_url),
            login_url=urls.get("CHATOPS_LOGIN_URL", cls.login_url),
            teams_dev=dev in ("1", "true", "yes"),
            admins=frozenset(a.strip() for a in (get("CHATOPS_ADMINS") or "").split(",") if a.strip()),
            teams_bots=teams_bots,
            publish_on_start=(get("CHATOPS_PUBLISH_ON_START") or "1").lower() not in ("0", "false", "no", "off"),
        )


def _teams_bots(path: Path) -> tuple[TeamsRegistration, ...]:
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


def read_dotenv(path: Path) -> dict[str, str]:
    """``KEY=value`` lines; ``#`` comments, ``export`` prefixes and surrounding quotes allowed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f".env: cannot read {path} ({type(exc).__name__})") from None
    values = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise SettingsError(f"{path}:{number}: expected KEY=value")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values
