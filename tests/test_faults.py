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
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.slack.blocks import messages
from adapters.slack.deliver import SlackDeliverer
from adapters.slack.testing import Call, FakeSlackAPI, signed
from chatops.outbox import Courier, Outbox
from chatops.reply import Block, Paragraph, Reply
from chatops.store import Store

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
async def serving(env: dict[str, str], log: Path | None = None) -> AsyncIterator[asyncio.subprocess.Process]:
    """A real ``chatops serve``, up and answering /healthz; killed (if still alive) on the way out.
    Its log goes to ``log`` (appended), else nowhere."""
    with open(log or "/dev/null", "a") as err:  # the child has its own copy of the file once spawned
        proc = await _spawn(["serve", "--host", "127.0.0.1"], env, stderr=err.fileno())
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


async def killed_with_the_reply_delivered(api: FakeSlackAPI, env: dict[str, str], event_id: str, log: Path) -> int:
    """Slack has taken the reply to ``event_id`` but holds its answer; the server is killed while it
    waits, so the event is never marked done. The status of that first delivery (0: cut off)."""
    async with serving(env, log) as proc:
        api.late_next("chat.postMessage", 2.0)  # posted at once, answered two seconds later
        first = asyncio.create_task(send_event(env["PORT"], DM, event_id))
        deadline = time.monotonic() + 10
        while not api.posted() and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        assert api.posted(), "the reply never arrived"
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        status = await first
    await asyncio.sleep(1.2)  # the dead answerer's lease (1 s) runs out
    return status


def test_killed_after_the_reply_arrived_the_redelivery_is_not_answered_again(tmp_path: Path) -> None:
    """The gap between a reply arriving and its event being marked done: the restarted server finds
    the reply (labelled with the event's key) in the conversation's history and marks the event done."""

    async def scenario() -> tuple[list[int], list[Call], list[dict[str, Any]], str]:
        api = await FakeSlackAPI(history_page=15, history_period=60.0).start()  # one look a minute
        env = serve_env(api, f"sqlite:///{tmp_path}/held.sqlite3", CHATOPS_EVENT_LEASE_SECONDS="1")
        log = tmp_path / "serve.log"
        try:
            statuses = [await killed_with_the_reply_delivered(api, env, "EvHeld", log)]
            async with serving(env, log):
                statuses.append(await send_event(env["PORT"], DM, "EvHeld", retry=1))
                statuses.append(await send_event(env["PORT"], DM, "EvHeld", retry=2))
                await asyncio.sleep(0.3)
            posts = [c for c in api.calls if c.method == "chat.postMessage" and c.ok]
            return statuses, posts, api.made("conversations.history"), log.read_text()
        finally:
            await api.close()

    statuses, posts, looks, log = asyncio.run(scenario())
    assert statuses[0] != 200 and statuses[1:] == [200, 200]
    [post] = posts  # exactly one reply in the DM, in all
    assert post.args["channel"] == "D1" and post.args["metadata"]["event_type"] == "chatops_reply"
    assert post.args["metadata"]["event_payload"] == {"event": "slack:EvHeld", "page": 0, "last": True}
    [look] = looks  # one look, one page (no cursor), from when the first attempt began
    assert look["channel"] == "D1" and str(look["limit"]) == "15" and "cursor" not in look
    assert look["include_all_metadata"] in (True, "1", "true")
    assert post.at - 15 < float(look["oldest"]) <= post.at
    assert "may be repeated" not in log


@pytest.mark.parametrize(
    "failure",
    [{"status": 500}, {"status": 429, "retry_after": 60}, {"status": 200, "error": "missing_scope"}],
    ids=["slack-500", "ratelimited-for-a-minute", "missing-scope"],
)
def test_when_history_cannot_be_read_the_reply_is_given_again(tmp_path: Path, failure: dict[str, Any]) -> None:
    """If the restarted server cannot tell whether the reply went, it answers again (never lost), and
    says in one line, without the message, that the reply may be repeated."""

    async def scenario() -> tuple[list[int], list[dict[str, Any]], str]:
        api = await FakeSlackAPI().start()
        env = serve_env(api, f"sqlite:///{tmp_path}/blind.sqlite3", CHATOPS_EVENT_LEASE_SECONDS="1")
        log = tmp_path / "serve.log"
        try:
            statuses = [await killed_with_the_reply_delivered(api, env, "EvBlind", log)]
            api.fail("conversations.history", **failure)
            async with serving(env, log):
                statuses.append(await send_event(env["PORT"], DM, "EvBlind", retry=1))
                statuses.append(await send_event(env["PORT"], DM, "EvBlind", retry=2))
                await asyncio.sleep(0.3)
            return statuses, api.posted(), log.read_text()
        finally:
            await api.close()

    statuses, posted, log = asyncio.run(scenario())
    assert statuses[0] != 200 and statuses[1:] == [200, 200]
    assert len(posted) == 2  # given again, once: the second redelivery finds it done
    assert all(p["metadata"]["event_payload"]["event"] == "slack:EvBlind" for p in posted)
    assert log.count("may be repeated") == 1 and DM["text"] not in log


# --- announcements: pages, leases, unknown fates, history limits ------------------------------------


def long_reply(n: int = 120) -> Reply:
    """An announcement long enough for several Slack messages."""
    blocks: list[Block] = [Paragraph(text=f"Clause {i}: " + "the protocol says this " * 8) for i in range(n)]
    return Reply(council="llangunnor", council_name="Llangunnor", title="Changes", blocks=blocks, private=False)


def pages_posted(api: FakeSlackAPI) -> Counter[tuple[str, str, int]]:
    """(channel, outbox key, page) → how many times it was really posted."""
    return Counter(
        (p["channel"], p["metadata"]["event_payload"]["outbox"], p["metadata"]["event_payload"]["page"])
        for p in api.posted()
        if p.get("metadata")
    )


async def queue(database_url: str, channels: list[str], reply: Reply) -> None:
    store = Store(database_url)
    try:
        for channel in channels:
            await Outbox(store).enqueue(f"announce:{channel}", "slack", channel, reply)
    finally:
        await store.close()


def expected(channels: list[str], pages: int) -> Counter[tuple[str, str, int]]:
    return Counter({(c, f"announce:{c}", p): 1 for c in channels for p in range(pages)})


async def test_a_rate_limit_on_page_two_sends_only_the_missing_pages(tmp_path: Path) -> None:
    api = await FakeSlackAPI().start()
    store = Store(f"sqlite:///{tmp_path}/pages.sqlite3")
    try:
        reply = long_reply()
        pages = len(messages(reply))
        assert pages >= 3
        channels = [f"C{i}" for i in range(5)]
        await queue(store.url.replace("+aiosqlite", ""), channels, reply)
        for _ in channels:
            api.fail("chat.postMessage", status=429, retry_after=1, after=1)  # page 2 refused, each channel
        courier = Courier(Outbox(store), {"slack": SlackDeliverer("xoxb", api.url)}, channel_interval=0)
        await courier.drain(timeout=30)
        assert pages_posted(api) == expected(channels, pages)  # page 1 not again, nothing missing
        assert (await Outbox(store).counts()) == {"sent": 5}
    finally:
        await store.close()
        await api.close()


def test_killed_between_the_pages_of_an_announcement_every_channel_gets_every_page_once(tmp_path: Path) -> None:
    async def scenario() -> tuple[int, Counter[tuple[str, str, int]], Counter[tuple[str, str, int]]]:
        api = await FakeSlackAPI(delay=0.03).start()
        url = f"sqlite:///{tmp_path}/kill.sqlite3"
        env = serve_env(api, url, CHATOPS_OUTBOX_LEASE_SECONDS="1")
        reply = long_reply()
        channels = [f"C{i:02d}" for i in range(20)]
        try:
            await queue(url, channels, reply)
            proc = await _spawn(["publish", "--send"], env, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while len(api.posted()) < 25 and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            killed_at = len(api.posted())
            await asyncio.sleep(1.2)  # the dead process's leases run out
            again = await _spawn(["publish", "--send"], env, stderr=subprocess.PIPE)
            _, err = await again.communicate()
            assert again.returncode == 0, err.decode()
            return killed_at, pages_posted(api), expected(channels, len(messages(reply)))
        finally:
            await api.close()

    killed_at, posted, wanted = asyncio.run(scenario())
    assert 0 < killed_at < sum(wanted.values())
    assert posted == wanted  # no page twice, none missing


def test_two_replicas_with_a_lease_shorter_than_a_send_post_nothing_twice(tmp_path: Path) -> None:
    from .conftest import POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip("CHATOPS_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)")

    async def scenario() -> tuple[Counter[tuple[str, str, int]], Counter[tuple[str, str, int]]]:
        from chatops.store import reset_database

        assert POSTGRES_URL
        await reset_database(POSTGRES_URL)
        api = await FakeSlackAPI(delay=1.5).start()  # each post takes 1.5 s; the lease is 1 s
        env = serve_env(api, POSTGRES_URL, CHATOPS_OUTBOX_LEASE_SECONDS="1")
        reply = Reply(council="llangunnor", council_name="Llangunnor", title="Changes", private=False)
        channels = [f"C{i:02d}" for i in range(40)]
        try:
            await queue(POSTGRES_URL, channels, reply)
            results = await asyncio.gather(*(_spawn(["publish", "--send"], env) for _ in range(2)))
            outputs = await asyncio.gather(*(p.communicate() for p in results))
            assert all(p.returncode == 0 for p in results), [e.decode() for _, e in outputs]
            return pages_posted(api), expected(channels, 1)
        finally:
            await api.close()

    posted, wanted = asyncio.run(scenario())
    assert posted == wanted


async def test_a_send_that_timed_out_after_arriving_is_checked_not_sent_again(tmp_path: Path) -> None:
    api = await FakeSlackAPI().start()
    store = Store(f"sqlite:///{tmp_path}/late.sqlite3")
    try:
        reply = Reply(council="llangunnor", council_name="Llangunnor", title="Changes", private=False)
        await queue(store.url.replace("+aiosqlite", ""), ["CLATE", "CLOST"], reply)
        api.late_next("chat.postMessage", 2.0)  # CLATE: posted, but the answer comes after our timeout
        api.slow_next("chat.postMessage", 2.0)  # CLOST: we give up before it arrives, so it never does
        courier = Courier(Outbox(store), {"slack": SlackDeliverer("xoxb", api.url, timeout=1)}, channel_interval=0)
        await courier.drain(timeout=30)
        assert pages_posted(api) == expected(["CLATE", "CLOST"], 1)
        assert len(api.made("conversations.history")) == 2  # each looked for before any second send
    finally:
        await store.close()
        await api.close()


def test_history_limited_to_one_call_a_period_no_duplicates_no_loss(tmp_path: Path) -> None:
    """Slack's limit for apps outside its Marketplace (one conversations.history call a minute, 15
    messages a call), with the minute shortened to a second: ten channels whose first sends timed
    out (half of them had arrived) in channels busy with other messages."""

    async def scenario() -> tuple[Counter[tuple[str, str, int]], Counter[tuple[str, str, int]], int]:
        api = await FakeSlackAPI(history_page=15, history_period=1.0).start()
        url = f"sqlite:///{tmp_path}/limited.sqlite3"
        env = serve_env(api, url, CHATOPS_SLACK_TIMEOUT_SECONDS="1")
        reply = Reply(council="llangunnor", council_name="Llangunnor", title="Changes", private=False)
        channels = [f"C{i:02d}" for i in range(10)]
        try:
            for channel in channels:  # people talking in every channel, so the check pages through history
                api.calls += [Call("chat.postMessage", {"channel": channel, "text": "chatter"}) for _ in range(20)]
            await queue(url, channels, reply)
            for i in range(10):
                (api.late_next if i % 2 else api.slow_next)("chat.postMessage", 2.0)
            for _ in range(4):  # what publish --send leaves (it gives up after a minute), the next run finishes
                proc = await _spawn(["publish", "--send"], env, stderr=subprocess.PIPE)
                _, err = await proc.communicate()
                assert proc.returncode == 0, err.decode()
                store = Store(url)
                left = await Outbox(store).counts()
                await store.close()
                if set(left) == {"sent"}:
                    break
            return pages_posted(api), expected(channels, 1), len(api.made("conversations.history"))
        finally:
            await api.close()

    posted, wanted, history_calls = asyncio.run(scenario())
    assert posted == wanted
    assert history_calls >= 10


def test_healthz_says_when_the_store_cannot_be_written(tmp_path: Path) -> None:
    """The SQLite file deleted under a running server: /healthz answers 503 with the reason, and
    events are refused (so Slack redelivers later) instead of being recorded in the deleted file."""

    async def scenario() -> None:
        api = await FakeSlackAPI().start()
        path = tmp_path / "health.sqlite3"
        env = serve_env(api, f"sqlite:///{path}")
        health = f"http://127.0.0.1:{env['PORT']}/healthz"
        try:
            async with serving(env), aiohttp.ClientSession() as session:
                async with session.get(health) as response:
                    assert response.status == 200 and (await response.json())["status"] == "ok"
                path.unlink()
                async with session.get(health) as response:
                    body = await response.json()
                assert response.status == 503 and body["status"] == "unavailable"
                assert "health.sqlite3 is gone" in body["reason"]
                assert await send_event(env["PORT"], DM, "EvStoreGone") != 200
                assert api.posted() == []
        finally:
            await api.close()

    asyncio.run(scenario())
