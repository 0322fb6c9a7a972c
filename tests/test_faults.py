"""Faults with real processes: ``chatops serve`` and ``chatops publish --send`` killed part-way, two
replicas on PostgreSQL with a lease shorter than a send, sends that time out after arriving, and
Slack's history limited to one call a period. The fake Slack API counts what was really posted:
duplicates and losses must both be zero."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp

from adapters.slack.testing import FakeSlackAPI, signed

from .conftest import ROOT
from .test_channels import _spawn

SECRET = "fault-test-signing-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_env(api: FakeSlackAPI, database_url: str, **extra: str) -> dict[str, str]:
    return {
        "CHATOPS_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "CHATOPS_SLACK_API_URL": api.url,
        "CHATOPS_PUBLISH_ON_START": "0",
        "PORT": str(free_port()),
        "PYTHONPATH": str(ROOT),
        **extra,
    }


@contextlib.asynccontextmanager
async def serving(env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real ``chatops serve``, up and answering /healthz; killed (if still alive) on the way out."""
    proc = await _spawn(["serve", "--host", "127.0.0.1"], env, stderr=subprocess.DEVNULL)
    try:
        async with aiohttp.ClientSession() as session:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                with contextlib.suppress(aiohttp.ClientError):
                    async with session.get(f"http://127.0.0.1:{env['PORT']}/healthz") as health:
                        if health.status == 200:
                            break
                await asyncio.sleep(0.05)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        await proc.wait()


async def send_event(port: str, event: dict[str, Any], event_id: str, retry: int | None = None) -> int:
    """Deliver an Events API callback as Slack does; the HTTP status, or 0 if the connection broke."""
    body = json.dumps(
        {"team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": event_id, "event": event}
    )
    headers = {"Content-Type": "application/json", **signed(SECRET, body)}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_error"}
    url = f"http://127.0.0.1:{port}/slack/events"
    try:
        async with aiohttp.ClientSession() as session, session.post(url, data=body, headers=headers) as response:
            return response.status
    except aiohttp.ClientError:
        return 0


DM = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0", "text": "roles councillor"}


def test_killed_during_a_turn_the_redelivery_is_answered_once(tmp_path: Path) -> None:
    """The reply is on its way when the server is killed: Slack gets no acknowledgement, redelivers,
    and the restarted server answers; later redeliveries are dropped."""

    async def scenario() -> list[int]:
        api = await FakeSlackAPI().start()
        env = serve_env(api, f"sqlite:///{tmp_path}/turn.sqlite3", CHATOPS_EVENT_LEASE_SECONDS="1")
        statuses = []
        try:
            async with serving(env) as proc:
                api.slow_next("chat.postMessage", 3.0)  # the reply is slow to reach Slack
                first = asyncio.create_task(send_event(env["PORT"], DM, "EvKill"))
                deadline = time.monotonic() + 20
                while not api.arriving and time.monotonic() < deadline:
                    await asyncio.sleep(0.01)
                assert api.arriving, "the reply never set off"
                proc.send_signal(signal.SIGKILL)
                await proc.wait()
                statuses.append(await first)
            await asyncio.sleep(3.5)  # the reply that was on its way never arrives; the lease runs out
            assert api.posted() == []
            async with serving(env):
                statuses.append(await send_event(env["PORT"], DM, "EvKill", retry=1))
                statuses.append(await send_event(env["PORT"], DM, "EvKill", retry=2))
                await asyncio.sleep(0.3)
            return [*statuses, len(api.posted())]
        finally:
            await api.close()

    statuses = asyncio.run(scenario())
    assert statuses[0] != 200  # Slack saw no acknowledgement, so it redelivers
    assert statuses[1:] == [200, 200, 1]  # answered once: one reply posted in all
