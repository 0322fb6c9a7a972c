from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatops.councils import Library

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "protocol_data"
COUNCILS = ["llangunnor", "telford-and-wrekin"]


@pytest.fixture(scope="session")
def library() -> Library:
    return Library()


def run_cli(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m chatops`` as a user would, in a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("CHATOPS_", "SLACK_", "MICROSOFT_"))}
    base.pop("PORT", None)
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "chatops", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=base,
        cwd=cwd or ROOT,
        timeout=60,
    )


POSTGRES_URL = os.environ.get("CHATOPS_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on SQLite and on PostgreSQL (started by .ci/run; skipped when absent)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/store.sqlite3"
    if not POSTGRES_URL:
        pytest.skip("CHATOPS_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)")
    from chatops.store import reset_database

    await reset_database(POSTGRES_URL)
    return POSTGRES_URL
