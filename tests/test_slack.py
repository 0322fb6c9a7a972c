"""The Slack app over real HTTP: signed requests in, a local fake Slack Web API recording what
users would see. No internals are patched."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.models.blocks import Block

from adapters.platforms import connect_all
from adapters.slack.deliver import REPLY_TYPE, label
from adapters.slack.guard import SlackGuard
from adapters.slack.platform import SlackConnection, connect
from adapters.slack.testing import Call, FakeSlackAPI, signed
from adapters.web import create_app
from chatops import wording
from chatops.bot import Bot
from chatops.channels import Channels
from chatops.contacts import load_contacts
from chatops.councils import Library
from chatops.settings import Settings
from chatops.store import Store

from .conftest import DATA, ROOT

SECRET = "8f742231b10e8888abcd99yyyzzz85a5-test"


@dataclass
class Slack:
    api: FakeSlackAPI
    session: aiohttp.ClientSession
    folder: str = ""  # where the server's store is
    ack_seconds: float = 0.0  # how long the last command took to be acknowledged

    async def post(
        self, body: str, content_type: str, headers: dict[str, str] | None = None, sign: bool = True
    ) -> aiohttp.ClientResponse:
        all_headers = {"Content-Type": content_type, **(signed(SECRET, body) if sign else {}), **(headers or {})}
        response = await self.session.post("/slack/events", data=body.encode(), headers=all_headers)
        await response.read()
        return response

    async def command(self, text: str, *, user: str = "U1", team: str = "T1", channel: str = "C1") -> dict[str, Any]:
        body = urlencode(
            {
                "token": "t",
                "team_id": team,
                "channel_id": channel,
                "user_id": user,
                "user_name": "sam",
                "command": "/protocol",
                "text": text,
                "response_url": self.api.response_url("cmd"),
                "trigger_id": "1.2.3",
            }
        )
        before, started = len(self.api.made("response_url:cmd")), time.monotonic()
        response = await self.post(body, "application/x-www-form-urlencoded")
        self.ack_seconds = time.monotonic() - started
        assert response.status == 200
        if not await response.read():  # an admin word: acknowledged at once, answered through response_url
            return (await self.api.wait("response_url:cmd", before + 1))[before]
        data: dict[str, Any] = await response.json()
        return data

    async def event(
        self, event: dict[str, Any], event_id: str, *, team: str = "T1", retry: int | None = None
    ) -> aiohttp.ClientResponse:
        body = json.dumps(
            {
                "token": "t",
                "team_id": team,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": event_id,
                "event_time": int(time.time()),
                "event": event,
            }
        )
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return await self.post(body, "application/json", headers)

    async def press(
        self,
        value: str,
        *,
        action_id: str = "chatops-0",
        channel: str = "C1",
        container: str = "message",
        user: str = "U1",
        team: str = "T1",
        ephemeral: bool = True,
    ) -> aiohttp.ClientResponse:
        payload = {
            "type": "block_actions",
            "user": {"id": user, "name": "sam"},
            "team": {"id": team},
            "channel": {"id": channel},
            "container": {"type": container, "channel_id": channel, "is_ephemeral": ephemeral},
            "response_url": self.api.response_url("press"),
            "trigger_id": "1.2.3",
            "actions": [{"action_id": action_id, "block_id": "b1", "type": "button", "value": value}],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def slack_settings(api: FakeSlackAPI) -> dict[str, str]:
    """The Slack settings (environment variables) of a test server whose Web API is ``api``."""
    return {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "CHATOPS_SLACK_API_URL": api.url,
        "CHATOPS_SLACK_COUNCILS": "TTW=telford-and-wrekin",
    }


def slack_store(slack: Slack) -> Store:
    """Another connection to the store the server under test uses."""
    return Store(f"sqlite:///{slack.folder}/slack.sqlite3")


@pytest.fixture
async def slack(tmp_path: Path) -> AsyncIterator[Slack]:
    api = await FakeSlackAPI().start()
    settings = Settings.load(slack_settings(api), dotenv=None)
    bot = Bot(
        Library(),
        store=Store(f"sqlite:///{tmp_path}/slack.sqlite3"),
        contacts=load_contacts(DATA / "contacts.example.yaml"),
    )
    server = TestServer(create_app(bot, settings, {"slack": _connected(bot, settings)}), port=0)
    await server.start_server()
    session = aiohttp.ClientSession(base_url=server.make_url("/"))
    try:
        yield Slack(api, session, str(tmp_path))
    finally:
        await session.close()
        await server.close()
        await api.close()


def assert_valid_blocks(blocks: list[dict[str, Any]]) -> None:
    assert 0 < len(blocks) <= 50
    for block in blocks:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()


async def test_slash_command_answers_privately_with_references_and_a_share_button(slack: Slack) -> None:
    reply = await slack.command("expectations officer")
    assert reply["response_type"] == "ephemeral"
    assert_valid_blocks(reply["blocks"])
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "§3.2 Officers can expect from Councillors:" in text and "not to be bullied" in text
    assert "Llangunnor Community Council — Model Protocol on Member/Officer Relations, adopted February 2020" in text
    assert "Share in channel" in text and reply["text"].startswith("Llangunnor Community Council")
    assert slack.api.made("chat.postMessage") == []  # nothing public


async def test_a_question_about_ones_own_situation_offers_a_private_concern_and_no_share(slack: Slack) -> None:
    reply = await slack.command("a member is bullying me, who do I go to?", team="TTW")
    assert reply["response_type"] == "ephemeral"
    assert_valid_blocks(reply["blocks"])
    text = json.dumps(reply["blocks"], ensure_ascii=False)
    assert "Raise a concern privately" in text and "Share in channel" not in text
    # shared anyway (an old button): nothing is posted in the channel
    await slack.press("/protocol a member is bullying me, who do I go to?", action_id="chatops-share", channel="C9")
    await asyncio.sleep(0.2)
    assert slack.api.made("chat.postMessage") == []


async def test_workspace_maps_to_its_council(slack: Slack) -> None:
    reply = await slack.command("about", team="TTW")
    assert "Telford and Wrekin Borough Council" in reply["text"]


async def test_long_answers_stay_within_block_kit_limits(slack: Slack) -> None:
    reply = await slack.command("section 3", team="TTW")
    assert_valid_blocks(reply["blocks"])
    for block in reply["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
    whole = await slack.command("section all", team="TTW")  # the longest answer there is
    assert_valid_blocks(whole["blocks"])
    # its first section, and a button for each section (Slack cannot fold the rest)
    shown = json.dumps(whole["blocks"], ensure_ascii=False)
    assert "§1.1" in shown and "Grievance Procedure" not in shown
    labels = [e["text"]["text"] for b in whole["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "Section 4 When Things Go Wrong" in labels
    huge = await slack.command("x" * 5000)
    assert_valid_blocks(huge["blocks"])


async def test_a_button_in_an_ephemeral_answer_replaces_it(slack: Slack) -> None:
    response = await slack.press("/protocol expectations councillor")
    assert response.status == 200
    [update] = await slack.api.wait("response_url:press")
    assert update["replace_original"] is True and update["response_type"] == "ephemeral"
    assert_valid_blocks(update["blocks"])
    assert "All Councillors can expect" in json.dumps(update["blocks"], ensure_ascii=False)


async def test_share_posts_the_answer_in_the_channel(slack: Slack) -> None:
    await slack.press("/protocol section 2.3", action_id="chatops-share", channel="C9")
    [posted] = await slack.api.wait("chat.postMessage")
    assert posted["channel"] == "C9" and "shared by <@U1>" in json.dumps(posted["blocks"], ensure_ascii=False)
    assert "Share in channel" not in json.dumps(posted["blocks"], ensure_ascii=False)


async def test_a_concern_started_in_a_channel_moves_to_the_dm(slack: Slack) -> None:
    ack = await slack.command("concern", team="TTW", channel="C7")
    assert ack["text"] == wording.CONCERN_MOVED and "blocks" not in ack
    [opened] = await slack.api.wait("conversations.open")
    assert opened["users"] == "U1"
    [posted] = await slack.api.wait("chat.postMessage")
    assert posted["channel"] == "D1" and "First, which fits?" in posted["text"]
    assert all(call.get("channel") != "C7" for call in slack.api.made("chat.postMessage"))


async def test_forget_in_a_channel_says_it_sent_a_private_message_only_if_it_did(slack: Slack) -> None:
    slack.api.fail("conversations.open", error="cannot_dm_bot")
    told = await slack.command("forget", team="TTW", channel="C7")
    assert told["text"] != wording.CONCERN_MOVED and "private message" not in told["text"]
    assert "Nothing about this conversation is kept" in told["text"] and told["response_type"] == "ephemeral"
    assert slack.api.posted() == []
    moved = await slack.command("forget", team="TTW", channel="C7")  # the direct message opens this time
    assert moved["text"] == wording.CONCERN_MOVED
    [posted] = await slack.api.wait("chat.postMessage")
    assert posted["channel"] == "D1" and "Nothing about this conversation is kept" in posted["text"]


async def test_dm_triage_with_buttons_and_a_hand_off(slack: Slack) -> None:
    slack.api.names["U1"] = "Sam Slack"
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0"}
    await slack.event(
        {**dm, "text": "I'm an employee and a councillor keeps pressuring me to change my report"}, "Ev1", team="TTW"
    )
    [first] = await slack.api.wait("chat.postMessage")
    assert "I understand: you're an Employee" in first["text"]
    assert_valid_blocks(first["blocks"])
    await slack.press("concern:informal_tried=no", channel="D1", team="TTW")
    await slack.press("concern:gender=any", channel="D1", team="TTW")
    posts = await slack.api.wait("chat.postMessage", 3)
    advice = posts[2]
    assert "Your options under the protocol" in advice["text"] and "Grievance Procedure" in advice["text"]
    handoff = next(
        e
        for b in advice["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "Pat Example" in e["text"]["text"]
    )
    await slack.press(handoff["value"], channel="D1", team="TTW")
    preview = (await slack.api.wait("chat.postMessage", 4))[3]
    # the person's name from users.info: mention markup is not a name outside a Slack message
    assert "Sam Slack would like to talk to you about a member/officer relations matter" in preview["text"]
    assert "<@" not in json.dumps(preview)
    assert slack.api.made("conversations.open") == []  # nothing sent before confirmation
    await slack.press("concern:send", channel="D1", team="TTW")
    [opened] = await slack.api.wait("conversations.open")
    assert opened["users"] == "U0000000C1"
    delivered = await slack.api.wait("chat.postMessage", 6)
    sent = [p for p in delivered if p["channel"] == "D0000000C1"]
    assert len(sent) == 1 and sent[0]["text"].startswith("Sam Slack would like to talk to you")
    assert "report" not in sent[0]["text"]


async def test_retried_events_are_handled_once(slack: Slack) -> None:
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0", "text": "concern"}
    assert (await slack.event(dm, "EvSame")).status == 200
    assert (await slack.event(dm, "EvSame", retry=1)).status == 200
    assert (await slack.event(dm, "EvSame", retry=2)).status == 200
    await slack.api.wait("chat.postMessage")
    await asyncio.sleep(0.2)
    assert len(slack.api.made("chat.postMessage")) == 1
    assert slack.api.made("conversations.history") == []  # nobody died answering it: nothing to look for


async def died_answering(slack: Slack, event_id: str, reply_in: str | None = None, *, last: bool = True) -> None:
    """The store (and Slack) as a server that died answering ``event_id`` left them: the event begun,
    its lease run out, and, if ``reply_in`` is a channel, its labelled reply (or only its first page) there."""
    store = slack_store(slack)
    try:
        assert await store.begin_event(f"slack:{event_id}", lease=-1) == "new"
    finally:
        await store.close()
    if reply_in:
        metadata = label(REPLY_TYPE, event=f"slack:{event_id}", page=0, last=last)
        slack.api.calls.append(Call("chat.postMessage", {"channel": reply_in, "text": "reply", "metadata": metadata}))


async def test_a_mention_taken_over_after_a_crash_is_looked_for_in_the_direct_messages(slack: Slack) -> None:
    await died_answering(slack, "EvMentionDied", "D1")
    before = len(slack.api.posted())
    mention = {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> I'm worried", "ts": "1.0"}
    assert (await slack.event(mention, "EvMentionDied", retry=1)).status == 200
    [look] = slack.api.made("conversations.history")
    assert look["channel"] == "D1"  # where its private reply went
    assert len(slack.api.posted()) == before and slack.api.made("chat.postEphemeral") == []


async def test_a_rate_limit_that_fits_the_wait_is_waited_out_before_looking(slack: Slack) -> None:
    await died_answering(slack, "EvWait", "D1")
    slack.api.fail("conversations.history", status=429, retry_after=1)
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0", "text": "roles chair"}
    assert (await slack.event(dm, "EvWait", retry=1)).status == 200
    assert len(slack.api.made("conversations.history")) == 2 and len(slack.api.posted()) == 1  # found: not again


async def test_a_reply_found_only_in_part_is_given_again(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    await died_answering(slack, "EvPart", "D1", last=False)
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0", "text": "roles chair"}
    assert (await slack.event(dm, "EvPart", retry=1)).status == 200
    assert len(slack.api.posted()) == 2  # the whole reply again, rather than half of one
    assert "only part of the reply went" in caplog.text and "roles chair" not in caplog.text


async def test_rate_limits_are_retried_after_retry_after(slack: Slack) -> None:
    slack.api.fail("chat.postMessage", status=429, retry_after=1)
    dm = {"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "ts": "1.0", "text": "concern"}
    started = time.monotonic()
    await slack.event(dm, "Ev429")
    posts = await slack.api.wait("chat.postMessage", 2, timeout=6)
    assert len(posts) == 2 and time.monotonic() - started >= 1.0  # one refused, one delivered
    await asyncio.sleep(0.2)
    assert len(slack.api.made("chat.postMessage")) == 2


async def test_a_slack_error_is_logged_without_text(slack: Slack, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    slack.api.fail("chat.postMessage", error="channel_not_found")
    dm = {
        "type": "message",
        "channel_type": "im",
        "channel": "D404",
        "user": "U1",
        "ts": "1.0",
        "text": "concern SECRET-MARK",
    }
    await slack.event(dm, "Ev404")
    await slack.api.wait("chat.postMessage")
    await asyncio.sleep(0.2)
    assert "channel_not_found" in caplog.text and "SECRET-MARK" not in caplog.text


async def test_app_home_shows_the_protocol_and_a_private_way_to_raise_a_concern(slack: Slack) -> None:
    await slack.event({"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"}, "EvHome", team="TTW")
    [published] = await slack.api.wait("views.publish")
    view = published["view"]
    assert published["user_id"] == "U1" and view["type"] == "home"
    assert_valid_blocks(view["blocks"])
    text = json.dumps(view, ensure_ascii=False)
    assert "Telford and Wrekin Borough Council" in text and "Raise a concern privately" in text
    await slack.press("concern:start", container="view", channel="", team="TTW")
    [posted] = await slack.api.wait("chat.postMessage")
    assert posted["channel"] == "D1" and "First, which fits?" in posted["text"]


async def test_mentions_in_a_channel_are_answered_privately(slack: Slack) -> None:
    await slack.event(
        {"type": "app_mention", "user": "U1", "channel": "C1", "text": "<@UBOT> roles chair", "ts": "1.0"}, "EvMention"
    )
    [ephemeral] = await slack.api.wait("chat.postEphemeral")
    assert ephemeral["user"] == "U1" and "2.3" in ephemeral["text"]


async def test_an_admin_can_subscribe_a_channel_by_mentioning_the_bot(slack: Slack) -> None:
    mention = {"type": "app_mention", "channel": "C7", "text": "<@UBOT> subscribe", "ts": "1.0"}
    await slack.event({**mention, "user": "U1"}, "EvNotAdmin")
    [refused] = await slack.api.wait("chat.postEphemeral")
    assert "Only a workspace admin" in refused["text"]
    slack.api.admins.add("UADMIN")
    await slack.event({**mention, "user": "UADMIN"}, "EvAdmin")
    accepted = (await slack.api.wait("chat.postEphemeral", 2))[1]
    assert accepted["user"] == "UADMIN" and "now follows" in accepted["text"]
    store = slack_store(slack)
    subscription = await Channels(store).subscription("slack", "C7")
    await store.close()
    assert subscription is not None and subscription.active and subscription.workspace == "T1"


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, "command=%2Fprotocol&text=help", 401),  # unsigned
        ({"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}, "command=%2Fprotocol", 401),
        ({"X-Slack-Signature": "v0=" + "0" * 64}, "command=%2Fprotocol&text=help", 401),  # bad signature
        (signed(SECRET, "command=%2Fprotocol&text=help", int(time.time()) - 600), "command=%2Fprotocol&text=help", 401),
        (signed(SECRET, "command=%2Fprotocol&text=help", int(time.time()) + 600), "command=%2Fprotocol&text=help", 401),
    ],
)
async def test_unsigned_and_badly_signed_requests_are_refused(
    slack: Slack, headers: dict[str, str], body: str, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    if "X-Slack-Signature" in headers and "X-Slack-Request-Timestamp" not in headers:
        headers = {**headers, "X-Slack-Request-Timestamp": str(int(time.time()))}
    response = await slack.post(body + "&marker=BODY-MARK", "application/x-www-form-urlencoded", headers, sign=False)
    assert response.status == status
    assert "BODY-MARK" not in caplog.text and slack.api.calls == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("a=%%%&&==", "application/x-www-form-urlencoded"),
        ("hello", "text/plain"),
    ],
)
async def test_malformed_signed_requests_are_400(slack: Slack, body: str, content_type: str) -> None:
    assert (await slack.post(body, content_type)).status == 400
    assert slack.api.calls == []


async def test_bodies_over_one_mebibyte_are_413(slack: Slack) -> None:
    body = "text=" + "a" * (1024 * 1024 + 10)
    assert (await slack.post(body, "application/x-www-form-urlencoded")).status == 413


def test_slacks_published_signature_test_vector() -> None:
    """From slack_sdk's signature tests: a real request Slack signed."""
    body = (
        "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
        "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
        "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
        "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    )
    timestamp = "1531420618"
    signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    assert signed(secret, body, int(timestamp))["X-Slack-Signature"] == signature
    guard = SlackGuard(secret, clock=lambda: 1531420618 + 10)
    assert guard._verifier.is_valid(body, timestamp, signature)
    assert not guard._verifier.is_valid(body + "x", timestamp, signature)


def test_the_manifest_matches_the_core_commands() -> None:
    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    [command] = manifest["features"]["slash_commands"]
    assert command["command"] == wording.COMMAND_PREFIX
    assert command["usage_hint"] == wording.USAGE_HINT
    for name in ("expectations", "roles", "section"):
        assert name in command["usage_hint"]
    assert manifest["settings"]["event_subscriptions"]["bot_events"] == ["app_home_opened", "app_mention", "message.im"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert scopes == {
        "commands",
        "chat:write",
        "im:history",
        "im:write",
        "app_mentions:read",
        "users:read",
        "channels:history",
        "groups:history",
        "channels:read",
        "groups:read",
    }
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_a_very_long_reply_is_split_into_valid_messages() -> None:
    from adapters.slack.blocks import messages
    from chatops.reply import Choice, Paragraph, Quote, Reply

    reply = Reply(
        council="x",
        council_name="X Council",
        title="T" * 400,
        blocks=[Paragraph(text="word " * 1500), *[Quote(ref=f"{i}.1", items=["item"] * 3) for i in range(80)]],
        choices=[Choice(label="L" * 200, value=f"/protocol section {i}") for i in range(12)],
    )
    pages = messages(reply, share_value="/protocol x")
    assert len(pages) >= 2
    for page in pages:
        assert_valid_blocks(page["blocks"]) and page["text"]
        assert len(page["text"]) <= 3000
    assert pages[0]["blocks"][0]["type"] == "header"
    assert "Share in channel" in json.dumps(pages[-1]["blocks"])


async def test_without_a_signing_secret_slack_is_not_served(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    caplog.set_level(logging.WARNING)
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/s.sqlite3"))
    server = TestServer(create_app(bot, Settings(), connect_all(bot, Settings())), port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession(base_url=server.make_url("/")) as session:
            async with session.post("/slack/events", data=b"x") as response:
                assert response.status in (404, 405)
            async with session.get("/healthz") as response:
                health = await response.json()
                assert health["status"] == "ok" and health["slack"] is False and health["teams"] is False
    finally:
        await server.close()
    lines = [r.getMessage() for r in caplog.records if "SLACK_SIGNING_SECRET" in r.getMessage()]
    assert lines == ["Slack is not served at /slack/events: SLACK_SIGNING_SECRET is not set"]


def test_socket_mode_needs_its_tokens() -> None:
    from .conftest import run_cli

    result = run_cli("serve", "--socket-mode")
    assert result.returncode == 2 and "SLACK_APP_TOKEN" in result.stderr and "Traceback" not in result.stderr


async def test_when_slack_cannot_say_who_is_an_admin_the_person_is_told_so(slack: Slack) -> None:
    slack.api.admins.add("UADMIN")
    slack.api.fail("users.info", error="missing_scope")  # e.g. an app installed before it asked for users:read
    unchecked = await slack.command("subscribe", user="UADMIN", channel="C5")
    assert "couldn't check just now" in unchecked["text"] and "now follows" not in unchecked["text"]
    assert "now follows" in (await slack.command("subscribe", user="UADMIN", channel="C5"))["text"]


async def test_an_admin_subscribes_a_channel_and_readers_acknowledge_the_announcement(
    slack: Slack, tmp_path: Path
) -> None:
    from adapters.slack.deliver import SlackDeliverer
    from chatops.channels import Channels
    from chatops.outbox import Courier

    refused = await slack.command("subscribe", channel="C5")
    assert "Only a workspace admin, a team owner" in refused["text"]
    slack.api.admins.add("UADMIN")
    accepted = await slack.command("subscribe", user="UADMIN", channel="C5")
    assert "now follows" in accepted["text"]
    store = Store(f"sqlite:///{tmp_path}/slack.sqlite3")
    channels = Channels(store)
    await channels.publish(Library())
    text = (DATA / "llangunnor.yaml").read_text(encoding="utf-8").replace('minute: "0202-6"', 'minute: "0326-4"')
    text = text.replace('"leadership and direction;"', '"leadership, direction and timely decisions;"')
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "llangunnor.yaml").write_text(text, encoding="utf-8")
    assert await channels.publish(Library((tmp_path / "v2",))) == {"llangunnor": 1}
    await Courier(channels.outbox, {"slack": SlackDeliverer("xoxb", slack.api.url)}).drain(timeout=10)
    [posted] = slack.api.made("chat.postMessage")
    assert posted["channel"] == "C5" and "leadership, direction and timely decisions" in posted["text"]
    assert_valid_blocks(posted["blocks"])
    ack = next(
        e
        for b in posted["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "I've read it"
    )
    response = await slack.press(ack["value"], channel="C5", user="U42", ephemeral=False)
    assert response.status == 200
    [answer] = await slack.api.wait("response_url:press")
    assert answer["replace_original"] is False and "Thank you" in answer["text"]
    acks = await slack.command("acks", user="UADMIN")
    assert "1 person has noted" in acks["text"] and "• User U42" in acks["text"] and "<@" not in acks["text"]
    await store.close()


def test_socket_mode_answers_commands_and_direct_messages_once(tmp_path: Path) -> None:
    """A real ``chatops serve --socket-mode`` against the fake's Socket Mode WebSocket: a command is
    answered inside its acknowledgement, a direct message gets a reply, a redelivered event is
    handled once, and SIGTERM closes the connection cleanly."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    async def scenario() -> None:
        api = await FakeSlackAPI().start()
        env = {
            "SLACK_APP_TOKEN": "xapp-1-test",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "CHATOPS_SLACK_API_URL": api.url,
            "CHATOPS_DATABASE_URL": f"sqlite:///{tmp_path}/socket.sqlite3",
            "CHATOPS_PUBLISH_ON_START": "0",
            "PORT": str(free_port()),
            "PYTHONPATH": str(ROOT),
        }
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("CHATOPS_", "SLACK_"))}
        proc = await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "chatops", "serve", "--socket-mode", "--host", "127.0.0.1"),
            env={**clean, **env},
            cwd=str(ROOT),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            command = {
                "team_id": "T1",
                "channel_id": "C1",
                "user_id": "U1",
                "command": "/protocol",
                "text": "expectations officer",
                "api_app_id": "A1",
                "response_url": api.response_url("socket"),
                "trigger_id": "1.2.3",
            }
            ack = await api.push("slash_commands", command, timeout=30)
            assert ack["payload"]["response_type"] == "ephemeral"
            assert_valid_blocks(ack["payload"]["blocks"])
            assert "§" in json.dumps(ack["payload"]["blocks"], ensure_ascii=False)
            event = {
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": "Ev-socket-1",
                "event_time": int(time.time()),
                "event": {
                    "type": "message",
                    "channel": "D1",
                    "channel_type": "im",
                    "user": "U1",
                    "text": "roles councillor",
                    "ts": "1.000",
                },
            }
            for _ in range(2):  # Slack redelivers when it doesn't see the acknowledgement in time
                await api.push("events_api", event)
            [reply] = await api.wait("chat.postMessage", 1)
            await asyncio.sleep(0.5)
            assert len(api.made("chat.postMessage")) == 1
            assert reply["channel"] == "D1" and "Councillor" in reply["text"]
            assert len(api.made("apps.connections.open")) == 1
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(proc.communicate(), timeout=20)
            await api.close()
        assert proc.returncode == 0, err.decode()
        assert "Traceback" not in err.decode() and "xapp-1-test" not in err.decode()

    asyncio.run(scenario())


async def test_the_admin_check_runs_after_the_ack_so_a_slow_users_info_is_no_timeout(slack: Slack) -> None:
    slack.api.admins.add("UADMIN")
    slack.api.slow_next("users.info", 4.0)  # slower than Slack's 3 s for an acknowledgement
    answer = await slack.command("subscribe", user="UADMIN", channel="C7")
    assert slack.ack_seconds < 1.0 and "now follows" in answer["text"]


async def test_subscribe_needs_the_bot_in_the_channel_and_tells_the_admin_how_to_add_it(slack: Slack) -> None:
    slack.api.admins.add("UADMIN")
    slack.api.outside.add("C8")
    refused = await slack.command("subscribe", user="UADMIN", channel="C8")
    assert "/invite <@UBOT>" in refused["text"] and "now follows" not in refused["text"]
    store = slack_store(slack)
    from chatops.channels import Channels

    assert await Channels(store).subscription("slack", "C8") is None
    council_admin = await slack.command("subscribe", user="U0000000AD", channel="C8", team="TTW")  # its own admin
    assert "/invite <@UBOT>" in council_admin["text"]
    assert "Only" in (await slack.command("subscribe", user="U0NOBODY", channel="C8"))["text"]
    slack.api.outside.discard("C8")  # the admin typed /invite @chatops
    assert "now follows" in (await slack.command("subscribe", user="UADMIN", channel="C8"))["text"]
    await store.close()


async def test_share_in_a_channel_without_the_bot_says_how_to_add_it(slack: Slack) -> None:
    slack.api.outside.add("C9")
    await slack.press("/protocol roles chair", action_id="chatops-share", channel="C9")
    [told] = await slack.api.wait("response_url:press")
    assert "/invite <@UBOT>" in told["text"] and told["response_type"] == "ephemeral"


async def test_when_a_subscription_stops_the_admin_who_made_it_is_told(
    slack: Slack, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.slack.deliver import SlackDeliverer
    from chatops.channels import Channels
    from chatops.outbox import Courier

    slack.api.admins.add("UADMIN")
    assert "now follows" in (await slack.command("subscribe", user="UADMIN", channel="C5"))["text"]
    store = slack_store(slack)
    channels = Channels(store)
    await channels.publish(Library())
    (Path(slack.folder) / "v2").mkdir()
    text = (DATA / "llangunnor.yaml").read_text(encoding="utf-8").replace('minute: "0202-6"', 'minute: "0326-4"')
    (Path(slack.folder) / "v2" / "llangunnor.yaml").write_text(text, encoding="utf-8")
    assert await channels.publish(Library((Path(slack.folder) / "v2",))) == {"llangunnor": 1}
    slack.api.outside.add("C5")  # the bot was removed from the channel
    caplog.set_level(logging.WARNING)
    await Courier(channels.outbox, {"slack": SlackDeliverer("xoxb", slack.api.url)}).drain(timeout=10)
    assert "its subscription is now off" in caplog.text
    [told] = [p for p in slack.api.posted() if p["channel"] == "DADMIN"]
    assert "<#C5>" in told["text"] and "not_in_channel" in told["text"]
    assert not (await channels.subscription("slack", "C5")).active  # type: ignore[union-attr]
    await store.close()


async def test_only_the_current_version_can_be_acknowledged(slack: Slack) -> None:
    from chatops.channels import Channels

    store = slack_store(slack)
    await Channels(store).publish(Library())
    current = await Channels(store).current_version("llangunnor")
    await slack.press("ack:llangunnor:not-a-version", channel="C5", user="U42", ephemeral=False)
    await slack.press(f"ack:llangunnor:{current}", channel="C5", user="U43", ephemeral=False)
    answers = await slack.api.wait("response_url:press", 2)
    assert "Thank you" not in answers[0]["text"] and "Thank you" in answers[1]["text"]
    assert await Channels(store).acknowledged("llangunnor", "not-a-version") == []
    await store.close()


def _connected(bot: Bot, settings: Settings) -> SlackConnection:
    connection = connect(bot, settings)
    assert connection is not None
    return connection
