"""Channels following a protocol: diffs, announcements once per (version, channel), reminders,
acknowledgements, and the outbox delivering exactly once through failures, crashes and replicas."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from adapters.slack.deliver import SlackDeliverer
from adapters.slack.testing import FakeSlackAPI
from chatops import turns
from chatops.bot import Bot
from chatops.channels import Channels, announcement
from chatops.councils import Library
from chatops.outbox import Courier, Delivered, Outbox, Outcome, PageSent
from chatops.reply import Reply
from chatops.store import Store
from chatops.versions import diff

from .conftest import DATA, ROOT, run_cli


def changed_copy(folder: Path) -> Path:
    """Llangunnor's file as if the council had revised 3.2 and added a clause at a new meeting."""
    text = (DATA / "llangunnor.yaml").read_text(encoding="utf-8")
    text = text.replace("adopted: February 2020", "adopted: March 2026").replace('minute: "0202-6"', 'minute: "0326-4"')
    text = text.replace('"leadership and direction;"', '"leadership, direction and timely decisions;"')
    text = text.replace(
        '''      - ref: "3.3"''',
        '''      - ref: "3.4"
        text:
          - "Councillors and Officers should review this protocol every two years."
      - ref: "3.3"''',
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "llangunnor.yaml"
    path.write_text(text, encoding="utf-8")
    return path


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def test_diff_lists_clauses_added_removed_and_changed(tmp_path: Path) -> None:
    new = changed_copy(tmp_path / "v2")
    result = run_cli("diff", str(DATA / "llangunnor.yaml"), str(new), "--json")
    assert json.loads(result.stdout) == {"added": ["3.4"], "removed": [], "changed": ["3.2"]}
    back = json.loads(run_cli("diff", str(new), str(DATA / "llangunnor.yaml"), "--json").stdout)
    assert back == {"added": [], "removed": ["3.4"], "changed": ["3.2"]}
    text = run_cli("diff", str(DATA / "llangunnor.yaml"), str(new)).stdout
    assert "+ • leadership, direction and timely decisions;" in text and "Adopted: February 2020 → March 2026" in text
    broken = tmp_path / "broken.yaml"
    broken.write_text("council: [", encoding="utf-8")
    assert run_cli("diff", str(broken), str(new)).returncode == 1


def test_the_announcement_quotes_new_wording_first(tmp_path: Path) -> None:
    old = Library().protocol("llangunnor")
    new = Library((changed_copy(tmp_path).parent,)).protocol("llangunnor")
    reply = announcement(new, "v2", diff(old, new))
    text = reply.as_text()
    assert "adopted March 2026, Minute 0326-4" in text
    assert text.index("leadership, direction and timely decisions") < text.index(
        "It replaces: • leadership and direction;"
    )
    assert "§3.4" in text and reply.choices[0].value == "ack:llangunnor:v2"


async def test_publish_announces_each_new_version_once_and_only_to_subscribers(
    database_url: str, tmp_path: Path
) -> None:
    store = Store(database_url)
    channels = Channels(store)
    try:
        for platform, channel, council in [
            ("slack", "C1", "llangunnor"),
            ("slack", "C2", "llangunnor"),
            ("teams", "19:t", "llangunnor"),
            ("slack", "C3", "telford-and-wrekin"),
        ]:
            assert await channels.subscribe(platform, channel, council)
        assert await channels.subscribe("slack", "C1", "llangunnor") is False
        first = await channels.publish(Library())  # first sight: the baseline, nothing to announce
        assert first == {"llangunnor": None, "telford-and-wrekin": None}
        changed_copy(tmp_path / "v2")
        revised = Library((tmp_path / "v2",))
        assert await channels.publish(revised) == {"llangunnor": 3}
        assert await channels.publish(revised) == {}  # already announced
        rows = await channels.outbox.rows()
        assert sorted((r["platform"], r["channel"]) for r in rows) == [
            ("slack", "C1"),
            ("slack", "C2"),
            ("teams", "19:t"),
        ]
        assert await channels.unsubscribe("slack", "C2") and not await channels.unsubscribe("slack", "C2")
    finally:
        await store.close()


async def test_subscribing_is_for_admins_in_a_channel_and_acks_count_per_version(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/bot.sqlite3")
    bot = Bot(Library(), store=store, admins=frozenset({"U-IT"}))
    try:

        async def say(text: str, **turn: object) -> str:
            defaults: dict[str, object] = {"user": "U1", "platform": "slack", "channel": "C1", "council": "llangunnor"}
            where = {**defaults, **turn}
            said = turns.pressed(text, **where) if text.startswith("ack:") else turns.command(text, **where)
            return (await bot.handle(said)).as_text()

        assert "Only a workspace admin, a team owner" in await say("/protocol subscribe")
        assert "now follows" in await say("/protocol subscribe", is_admin=True)
        assert "already follows" in await say("/protocol subscribe", user="U-IT")
        assert "not in a private message" in await say("/protocol subscribe", is_admin=True, direct=True, channel=None)
        assert "every week" in await say("/protocol remind weekly", is_admin=True)
        assert "Use `/protocol remind weekly`" in await say("/protocol remind hourly", is_admin=True)
        channels = Channels(store)
        await channels.publish(bot.library)
        version = await channels.current_version("llangunnor")
        assert "No one has noted" in await say("/protocol acks", is_admin=True)
        thanks = await say(f"ack:llangunnor:{version}", user_name="Ann Seven", user="U7")
        assert "Thank you" in thanks and "read the version adopted February 2020 (Minute 0202-6)" in thanks
        assert "already noted" in await say(f"ack:llangunnor:{version}", user_name="Ann Seven", user="U7")
        await say(f"ack:llangunnor:{version}", user_name="Ben Eight", user="U8")
        acks = await say("/protocol acks", is_admin=True)
        assert "2 people have noted" in acks and "• Ann Seven\n• Ben Eight" in acks
        assert version not in acks  # a version is its adoption, never its fingerprint
        assert "Only" in await say("/protocol acks")
        await channels.acknowledge("llangunnor", "older-version", "slack", "U9", "Cy Nine")
        assert "2 people have" in await say("/protocol acks", is_admin=True)  # counted per version
        assert "no longer follows" in await say("/protocol unsubscribe", is_admin=True)
    finally:
        await bot.close()


async def test_reminders_rotate_and_are_queued_once_across_replicas(database_url: str) -> None:
    clock = Clock()
    stores = [Store(database_url, now=clock), Store(database_url, now=clock)]
    first, second = (Channels(s) for s in stores)
    library = Library()
    try:
        await first.subscribe("slack", "C1", "llangunnor")
        await first.set_cadence("slack", "C1", "weekly")
        assert await first.queue_due_reminders(library) == 0  # not due yet
        clock.now += 7 * 24 * 3600 + 1
        counts = await asyncio.gather(first.queue_due_reminders(library), second.queue_due_reminders(library))
        assert sorted(counts) == [0, 1]
        clock.now += 7 * 24 * 3600
        assert await second.queue_due_reminders(library) == 1
        rows = await first.outbox.rows()
        assert len(rows) == 2 and {r["channel"] for r in rows} == {"C1"}
        await first.set_cadence("slack", "C1", "off")
        clock.now += 30 * 24 * 3600
        assert await first.queue_due_reminders(library) == 0
    finally:
        for store in stores:
            await store.close()


@pytest.fixture
async def slack_api() -> object:
    api = await FakeSlackAPI().start()
    yield api
    await api.close()


async def _queue(store: Store, channels: list[str], council: str = "llangunnor") -> Outbox:
    box = Outbox(store)
    reply = Reply(
        council=council, council_name="Llangunnor Community Council", title="Test announcement", private=False
    )
    for channel in channels:
        await box.enqueue(f"test:{channel}", "slack", channel, reply)
    return box


async def test_a_rate_limit_is_waited_out_and_the_message_delivered_once(
    slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path}/o.sqlite3")
    box = await _queue(store, ["C1"])
    slack_api.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    await Courier(box, {"slack": SlackDeliverer("xoxb", slack_api.url)}).drain(timeout=10)
    posts = slack_api.made("chat.postMessage")
    assert len(posts) == 2 and time.monotonic() - started >= 1.0
    assert (await box.counts()) == {"sent": 1}
    await store.close()


async def test_a_channel_that_is_gone_stops_its_subscription_and_the_others_still_get_theirs(
    slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path}/o.sqlite3")
    channels = Channels(store)
    for channel in ("C1", "C2", "C3"):
        await channels.subscribe("slack", channel, "llangunnor")
    box = await _queue(store, ["C1", "C2", "C3"])
    slack_api.fail("chat.postMessage", error="channel_not_found")
    await Courier(box, {"slack": SlackDeliverer("xoxb", slack_api.url)}).drain(timeout=10)
    assert (await box.counts()) == {"sent": 2, "failed": 1}
    active = {s.channel for s in await channels.subscribers("llangunnor")}
    assert active == {"C2", "C3"}
    await store.close()


class Recorder:
    """A deliverer that counts what it posts, slowly enough for two couriers to overlap."""

    def __init__(self) -> None:
        self.count: Counter[str] = Counter()

    async def deliver(self, channel: str, reply: Reply, key: str, first: int, sent: PageSent) -> Outcome:
        await asyncio.sleep(0.005)
        self.count[key] += 1
        await sent(1)
        return Delivered()

    async def posted(self, channel: str, key: str, page: int, since: float) -> bool | Outcome:
        return self.count[key] > 0


async def test_two_replicas_deliver_every_message_exactly_once(database_url: str) -> None:
    stores = [Store(database_url), Store(database_url)]
    try:
        box = await _queue(stores[0], [f"C{i}" for i in range(80)])
        recorder = Recorder()
        couriers = [
            Courier(Outbox(s), {"slack": recorder}, worker=f"replica-{i}", channel_interval=0)
            for i, s in enumerate(stores)
        ]
        await asyncio.gather(*(c.drain(timeout=30) for c in couriers))
        assert len(recorder.count) == 80 and set(recorder.count.values()) == {1}
        assert (await box.counts()) == {"sent": 80}
    finally:
        for store in stores:
            await store.close()


async def test_a_sender_that_died_mid_send_is_neither_lost_nor_repeated(
    slack_api: FakeSlackAPI, tmp_path: Path
) -> None:
    clock = Clock()
    store = Store(f"sqlite:///{tmp_path}/o.sqlite3", now=clock)
    box = await _queue(store, ["C1", "C2", "C3", "C4"])
    deliverer = SlackDeliverer("xoxb", slack_api.url)
    dead = await box.claim("dead-worker", limit=4)  # it claimed four, posted two, then died

    async def died_before_recording(pages: int) -> bool:
        return True

    for item in dead[:2]:
        assert await box.start(item)
        await deliverer.deliver(item.channel, item.reply, item.key, 0, died_before_recording)
    clock.now += 3600  # its lease has long run out
    await Courier(box, {"slack": deliverer}, worker="restarted", channel_interval=0).drain(timeout=10)
    posted = Counter(p["channel"] for p in slack_api.made("chat.postMessage"))
    assert posted == {"C1": 1, "C2": 1, "C3": 1, "C4": 1}
    assert (await box.counts()) == {"sent": 4}
    await store.close()


def test_a_killed_fan_out_resumes_without_repeats(tmp_path: Path) -> None:
    """A real process is killed part-way through announcing, then run again."""

    async def scenario() -> Counter[str]:
        api = await FakeSlackAPI(delay=0.02).start()
        env = {
            "CHATOPS_DATABASE_URL": f"sqlite:///{tmp_path}/fanout.sqlite3",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "CHATOPS_SLACK_API_URL": api.url,
            "CHATOPS_OUTBOX_LEASE_SECONDS": "1",
            "CHATOPS_PROTOCOL_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT),
        }
        try:
            (tmp_path / "data").mkdir()
            assert (await _cli(["publish"], env)).returncode == 0  # baseline
            store = Store(env["CHATOPS_DATABASE_URL"])
            channels = Channels(store)
            for i in range(40):
                await channels.subscribe("slack", f"C{i:02d}", "llangunnor")
            await store.close()
            changed_copy(tmp_path / "data")
            proc = await _spawn(["publish", "--send"], env, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 30
            while len(api.made("chat.postMessage")) < 12 and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            proc.send_signal(signal.SIGKILL)
            await proc.wait()
            killed_at = len(api.made("chat.postMessage"))
            assert 0 < killed_at < 40
            await asyncio.sleep(1.2)  # the dead process's leases run out
            result = await _cli(["publish", "--send"], env)
            assert result.returncode == 0, result.stderr
            return Counter(p["channel"] for p in api.made("chat.postMessage"))
        finally:
            await api.close()

    posted = asyncio.run(scenario())
    assert len(posted) == 40 and set(posted.values()) == {1}


async def _spawn(
    args: list[str], env: dict[str, str], *, stdout: int = subprocess.DEVNULL, stderr: int = subprocess.PIPE
) -> asyncio.subprocess.Process:
    """``chatops ARGS`` in a process of its own, with ``env`` over this one's environment."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "chatops", *args, env={**os.environ, **env}, cwd=str(ROOT), stdout=stdout, stderr=stderr
    )


async def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = await _spawn(args, env, stdout=subprocess.PIPE)
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


def test_two_processes_on_one_postgresql_deliver_every_message_once(tmp_path: Path) -> None:
    from .conftest import POSTGRES_URL

    if not POSTGRES_URL:
        pytest.skip("CHATOPS_TEST_POSTGRES_URL is not set (.ci/run starts a server and sets it)")

    async def scenario() -> Counter[str]:
        from chatops.store import reset_database

        await reset_database(POSTGRES_URL)
        api = await FakeSlackAPI(delay=0.01).start()
        env = {
            "CHATOPS_DATABASE_URL": POSTGRES_URL,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "CHATOPS_SLACK_API_URL": api.url,
            "CHATOPS_PROTOCOL_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT),
        }
        try:
            (tmp_path / "data").mkdir()
            assert (await _cli(["publish"], env)).returncode == 0
            store = Store(POSTGRES_URL)
            channels = Channels(store)
            for i in range(60):
                await channels.subscribe("slack", f"C{i:02d}", "llangunnor")
            await store.close()
            changed_copy(tmp_path / "data")
            results = await asyncio.gather(_cli(["publish", "--send"], env), _cli(["publish", "--send"], env))
            assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
            return Counter(p["channel"] for p in api.made("chat.postMessage"))
        finally:
            await api.close()

    posted = asyncio.run(scenario())
    assert len(posted) == 60 and set(posted.values()) == {1}


def test_chatops_serve_announces_at_start_sends_due_reminders_and_does_not_repeat_after_a_restart(
    tmp_path: Path,
) -> None:
    """The background work inside a real ``chatops serve``: a changed protocol is announced at start,
    a reminder that fell due while the bot was stopped is sent, and a restart repeats neither."""
    import contextlib
    import socket

    import aiohttp

    async def scenario() -> None:
        api = await FakeSlackAPI().start()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            "CHATOPS_DATABASE_URL": f"sqlite:///{tmp_path}/serve.sqlite3",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "CHATOPS_SLACK_API_URL": api.url,
            "CHATOPS_PROTOCOL_DIR": str(tmp_path / "data"),
            "PORT": str(port),
            "PYTHONPATH": str(ROOT),
        }
        (tmp_path / "data").mkdir()
        eight_days_ago = Store(env["CHATOPS_DATABASE_URL"], now=lambda: time.time() - 8 * 86400)
        channels = Channels(eight_days_ago)
        await channels.publish(Library())  # the version the channels last heard of
        await channels.subscribe("slack", "CFOLLOWS", "llangunnor")
        await channels.set_cadence("slack", "CFOLLOWS", "weekly")  # so due a day ago
        await channels.subscribe("slack", "COTHER", "telford-and-wrekin")
        await eight_days_ago.close()
        changed_copy(tmp_path / "data")

        async def serve_until(posts: int, settle: float = 0.0) -> str:
            """Run ``chatops serve`` until the fake has ``posts`` posts and it has served ``settle`` more seconds."""
            proc = await _spawn(["serve", "--host", "127.0.0.1"], env)
            try:
                async with aiohttp.ClientSession() as session:
                    deadline = time.monotonic() + 30
                    while len(api.made("chat.postMessage")) < posts and time.monotonic() < deadline:
                        await asyncio.sleep(0.05)
                    while time.monotonic() < deadline:  # up and answering
                        with contextlib.suppress(aiohttp.ClientError):
                            async with session.get(f"http://127.0.0.1:{port}/healthz") as health:
                                if health.status == 200:
                                    break
                        await asyncio.sleep(0.05)
                await asyncio.sleep(settle)
            finally:
                proc.send_signal(signal.SIGTERM)
                _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
            assert proc.returncode == 0, err.decode()
            return err.decode()

        try:
            log = await serve_until(2)
            posted = api.made("chat.postMessage")
            assert [p["channel"] for p in posted] == ["CFOLLOWS", "CFOLLOWS"]
            texts = sorted(p["text"] for p in posted)
            assert any("leadership, direction and timely decisions" in t for t in texts)
            assert any("reminder" in t.lower() for t in texts)
            assert "Traceback" not in log
            await serve_until(2, settle=3.0)  # started again: nothing is due, nothing new to announce
            assert len(api.made("chat.postMessage")) == 2
            store = Store(env["CHATOPS_DATABASE_URL"])
            following = await Channels(store).subscription("slack", "CFOLLOWS")
            assert following is not None and following.next_reminder_at > time.time() + 5 * 86400
            assert (await Channels(store).outbox.counts()) == {"sent": 2}
            await store.close()
        finally:
            await api.close()

    asyncio.run(scenario())
