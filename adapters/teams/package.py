"""``chatops manifest teams --out FILE.zip``: the uploadable Teams app package, app id filled in."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from chatops.errors import SettingsError
from chatops.settings import Settings

from .settings import TeamsSettings

PACKAGE = Path(__file__).with_name("appPackage")
PLACEHOLDER = "${{MICROSOFT_APP_ID}}"
GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def manifest(app_id: str) -> dict[str, object]:
    if not GUID.match(app_id):
        raise SettingsError("MICROSOFT_APP_ID (or --app-id) must be the bot's app id, a GUID")
    text = (PACKAGE / "manifest.json").read_text(encoding="utf-8").replace(PLACEHOLDER, app_id)
    data: dict[str, object] = json.loads(text)
    return data


def build_for(settings: Settings, app_id: str | None, out: Path) -> Path:
    """``chatops manifest teams``: the package for ``app_id``, else ``MICROSOFT_APP_ID``."""
    app_id = app_id or TeamsSettings.load(settings.environ).app_id
    if not app_id:
        raise SettingsError("MICROSOFT_APP_ID (or --app-id) is needed to build the Teams package")
    return build(app_id, out)


def build(app_id: str, out: Path) -> Path:
    data = manifest(app_id)
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
            for icon in ("color.png", "outline.png"):
                archive.write(PACKAGE / icon, icon)
    except OSError as exc:
        raise SettingsError(f"cannot write {out}: {exc.strerror or type(exc).__name__}") from None
    return out
