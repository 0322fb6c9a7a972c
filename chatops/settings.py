"""Settings from the environment and an optional ``.env`` file, checked once at start-up; each
platform's own (``SLACK_…``, ``MICROSOFT_…``) are read and checked by its folder under ``adapters/``
when it is connected.

A missing or malformed setting is one clear line naming it (never its value when it is a secret),
raised as :class:`SettingsError` and printed by the boundary.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .errors import SettingsError

DEFAULT_PORT = 3978


@dataclass(frozen=True)
class Settings:
    council: str | None = None
    protocol_dirs: tuple[Path, ...] = ()
    contacts: Path | None = None
    database_url: str | None = None
    port: int = DEFAULT_PORT
    state_ttl_hours: int = 24
    admins: frozenset[str] = frozenset()
    publish_on_start: bool = True
    # every variable read (the environment over .env): each platform reads its own settings from it
    # when it is connected (adapters/<platform>/settings.py), so the core names no platform
    environ: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
        """Read settings; real environment variables win over the ``.env`` file."""
        values: dict[str, str] = dict(read_dotenv(dotenv)) if dotenv else {}
        values.update(os.environ if environ is None else environ)
        get = reader(values)

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
        return cls(
            council=get("CHATOPS_COUNCIL"),
            protocol_dirs=dirs,
            contacts=Path(contacts).expanduser() if contacts else None,
            database_url=database_url,
            port=port,
            state_ttl_hours=ttl,
            admins=frozenset(a.strip() for a in (get("CHATOPS_ADMINS") or "").split(",") if a.strip()),
            publish_on_start=(get("CHATOPS_PUBLISH_ON_START") or "1").lower() not in ("0", "false", "no", "off"),
            environ=values,
        )


def reader(values: Mapping[str, str]) -> Callable[[str], str | None]:
    """``get(name)``: a setting's value, stripped; None when unset or blank."""

    def get(name: str) -> str | None:
        value = values.get(name, "").strip()
        return value or None

    return get


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
