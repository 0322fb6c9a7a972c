"""The Teams app over real HTTP: RS256 tokens signed with our own key, OpenID metadata and keys
served locally, replies captured on a fake Bot Connector. botbuilder's authentication runs."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import jwt
import pytest
from aiohttp.test_utils import TestServer

from adapters.edges import Connection
from adapters.slack.platform import connect as connect_slack
from adapters.teams.app import TeamsEndpoint, build_endpoint
from adapters.teams.platform import TeamsConnection
from adapters.teams.platform import connect as connect_teams
from adapters.teams.settings import TeamsSettings
from adapters.teams.testing import (
    APP_PASSWORD,
    FakeBotFramework,
    StaticCredentialsFactory,
    Tokens,
    activity,
    outbound_token,
)
from adapters.web import READ_TIMEOUT, create_app
from chatops import wording
from chatops.bot import Bot
from chatops.contacts import load_contacts
from chatops.councils import Library
from chatops.settings import Settings
from chatops.store import Store

from .adaptive_cards import validate_card
from .conftest import DATA

APP_ID = "00000000-1111-2222-3333-444444444444"


@dataclass
class Teams:
    fake: FakeBotFramework
    session: aiohttp.ClientSession
    bot: Bot
    endpoint: TeamsEndpoint
    server: TestServer

    async def post(
        self, body: dict[str, Any] | bytes, token: str | None = "valid", headers: dict[str, str] | None = None
    ) -> aiohttp.ClientResponse:
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        if token == "valid":
            token = self.fake.tokens.token(APP_ID, self.fake.service_url)
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        response = await self.session.post("/api/messages", data=data, headers=all_headers)
        await response.read()
        return response

    async def say(self, text: str = "", **kwargs: Any) -> dict[str, Any]:
        before = len(self.fake.sent)
        response = await self.post(activity(self.fake.service_url, text, **kwargs))
        assert response.status in (200, 201), response.status
        sent = await self.fake.wait(before + 1)
        return sent[before]

    async def press(self, value: str, **kwargs: Any) -> dict[str, Any]:
        return await self.say(value={"chatops": value}, **kwargs)


def card_of(sent: dict[str, Any]) -> dict[str, Any]:
    [attachment] = sent["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment["content"]
    validate_card(content)
    return content


def choices_of(card: dict[str, Any]) -> dict[str, str]:
    """Each choice a card offers, label → the value Teams sends back: buttons in a row, stacked buttons,
    or a list to choose from (whose one button sends the chosen value under the same key)."""
    out = {a["title"]: a["data"]["chatops"] for a in card.get("actions", []) if "data" in a}
    for element in card["body"]:
        if element["type"] == "ActionSet":
            out.update({a["title"]: a["data"]["chatops"] for a in element["actions"]})
        if element.get("selectAction", {}).get("type") == "Action.Submit":  # a link whose text wraps
            out[element["selectAction"]["title"]] = element["selectAction"]["data"]["chatops"]
        if element["type"] == "Input.ChoiceSet":
            assert element["id"] == "chatops"
            out.update({c["title"]: c["value"] for c in element["choices"]})
    return out


def text_of(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


@contextlib.asynccontextmanager
async def running_teams(
    tmp_path: Path,
    *,
    council: str = "telford-and-wrekin",
    password: str = APP_PASSWORD,
    admins: frozenset[str] = frozenset(),
    slack_settings: dict[str, str] | None = None,
    read_timeout: float = READ_TIMEOUT,
) -> AsyncIterator[Teams]:
    """chatops serving Teams over real HTTP, beside a fake Bot Framework (and Graph) of its own;
    with ``slack_settings``, the same server serves Slack too."""
    fake = await FakeBotFramework().start()
    teams = TeamsSettings(
        app_id=APP_ID,
        app_password=password,
        app_type="SingleTenant",
        tenant_id="tenant-1",
        openid_url=fake.openid_url,
        graph_url=fake.graph_url,
        login_url=fake.login_url,
    )
    settings = Settings.load({**(slack_settings or {}), "CHATOPS_COUNCIL": council}, dotenv=None)
    bot = Bot(
        Library(),
        store=Store(f"sqlite:///{tmp_path}/teams.sqlite3"),
        contacts=load_contacts(DATA / "contacts.example.yaml"),
        admins=admins,
    )
    endpoint = build_endpoint(bot, teams, council, credentials_factory=StaticCredentialsFactory(APP_ID))
    platforms: dict[str, Connection] = {"teams": TeamsConnection(endpoint)}
    slack = connect_slack(bot, settings) if slack_settings else None
    if slack is not None:
        platforms["slack"] = slack
    server = TestServer(create_app(bot, settings, platforms, read_timeout=read_timeout), port=0)
    await server.start_server()
    session = aiohttp.ClientSession(base_url=server.make_url("/"))
    try:
        yield Teams(fake, session, bot, endpoint, server)
    finally:
        await session.close()
        await server.close()
        await fake.close()


@pytest.fixture
async def teams(tmp_path: Path) -> AsyncIterator[Teams]:
    async with running_teams(tmp_path) as running:
        yield running


async def test_a_command_in_personal_chat_gets_a_card_with_references(teams: Teams) -> None:
    sent = await teams.say("expectations officer")
    card = card_of(sent)
    text = text_of(card)
    assert card["version"] == "1.5"
    assert "§3 Employees can expect from members:" in text and "Not to be subject to bullying" in text
    assert "Telford and Wrekin Borough Council — Protocol on Member/Officer Relations" in text
    assert "/protocol expectations councillor" in choices_of(card).values()
    assert teams.fake.authorizations[-1] == f"Bearer {outbound_token(APP_ID)}"
    same = card_of(await teams.say("protocol expectations officer"))
    assert same["body"][0]["text"] == card["body"][0]["text"]


async def test_card_buttons_drive_a_private_concern_to_a_hand_off(teams: Teams) -> None:
    first = card_of(await teams.say("concern"))
    assert "First, which fits?" in text_of(first)
    await teams.press("concern:reporter=councillor")
    await teams.press("concern:subject=chief-executive")
    await teams.press("concern:category=responsiveness")
    await teams.press("concern:informal_tried=no")
    advice = card_of(await teams.press("concern:gender=any"))
    text = text_of(advice)
    assert "raised with the Head of Human Resources" in text and "Robin Example" in text
    choices = choices_of(advice)
    assert "Ask Alex Example to contact me" in choices  # has a Teams id
    assert "Ask Robin Example to contact me" not in choices  # Slack only: not offered in Teams
    preview = card_of(await teams.press(choices["Ask Alex Example to contact me"]))
    assert "Sam Officer would like to talk to you about a member/officer relations matter" in text_of(preview)
    # Alex has not installed the app yet: nothing can be delivered, and the person is told so
    assert "couldn't deliver" in text_of(card_of(await teams.press("concern:send")))
    await teams.post(
        activity(
            teams.fake.service_url,
            kind="installationUpdate",
            action="add",
            user="29:example-a1",
            conversation="a:personal-alex",
        )
    )
    await teams.press(choices["Ask Alex Example to contact me"])
    before = len(teams.fake.sent)
    await teams.post(activity(teams.fake.service_url, value={"chatops": "concern:send"}))
    sent = await teams.fake.wait(before + 2)
    to_alex = [s for s in sent[before:] if s["_conversation"] == "a:personal-alex"]
    assert len(to_alex) == 1 and to_alex[0]["text"].startswith("Sam Officer would like to talk to you")
    assert "responsive" not in to_alex[0]["text"].lower()  # none of their answers
    confirmation = [s for s in sent[before:] if s["_conversation"] == "a:personal-1"]
    assert "Message sent" in text_of(card_of(confirmation[0]))


async def test_in_a_channel_answers_are_short_and_concerns_move_to_the_personal_chat(teams: Teams) -> None:
    channel = {"conversation": "19:channel-1", "conversation_type": "channel"}
    long = card_of(
        await teams.say(
            "<at>Protocol</at> section 3",
            **channel,
            entities=[
                {"type": "mention", "mentioned": {"id": "28:bot-1", "name": "Protocol"}, "text": "<at>Protocol</at>"}
            ],
        )
    )
    # everyone reads a channel: the first clause is open, the others fold (selected, they show every word)
    assert "**§3 Members can expect from employees:**" in text_of(long) and "Respect, dignity" in text_of(long)
    folded = [e for e in long["body"] if e.get("selectAction", {}).get("type") == "Action.ToggleVisibility"]
    assert [e["items"][0]["text"] for e in folded] == ["**§3 Employees can expect from members:**"]
    assert folded[0]["selectAction"]["type"] == "Action.ToggleVisibility"
    not_installed = await teams.say("concern", **channel)
    assert not_installed["text"] == wording.OPEN_PRIVATE_CHAT
    await teams.post(activity(teams.fake.service_url, kind="installationUpdate", action="add"))  # personal install
    before = len(teams.fake.sent)
    await teams.post(activity(teams.fake.service_url, "concern", **channel))
    sent = await teams.fake.wait(before + 2)
    in_channel = [s for s in sent[before:] if s["_conversation"] == "19:channel-1"]
    in_personal = [s for s in sent[before:] if s["_conversation"] == "a:personal-1"]
    assert [s["text"] for s in in_channel] == [wording.CONCERN_MOVED]
    assert "First, which fits?" in text_of(card_of(in_personal[0]))


async def test_installations_are_remembered_and_removals_forgotten(teams: Teams, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path}/teams.sqlite3")
    team = {"conversation": "19:team-1", "conversation_type": "channel"}
    await teams.post(activity(teams.fake.service_url, kind="installationUpdate", action="add", **team))
    assert (await store.load_reference("teams:conversation:19:team-1"))["serviceUrl"] == teams.fake.service_url
    await teams.post(activity(teams.fake.service_url, kind="installationUpdate", action="remove", **team))
    assert await store.load_reference("teams:conversation:19:team-1") is None
    await store.close()


async def test_a_redelivered_activity_is_handled_once(teams: Teams) -> None:
    body = activity(teams.fake.service_url, "about", activity_id="same-id")
    for _ in range(3):
        assert (await teams.post(body)).status in (200, 201)
    await teams.fake.wait(2, timeout=1)
    assert len(teams.fake.sent) == 1


@pytest.mark.parametrize(
    "case",
    [
        "wrong audience",
        "wrong issuer",
        "wrong serviceurl",
        "expired",
        "unknown key",
        "hs256",
        "missing",
        "garbage",
        "not bearer",
        "other key",
    ],
)
async def test_bad_tokens_are_401_and_run_no_turn(teams: Teams, case: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = teams.fake.service_url
    tokens = teams.fake.tokens
    token: str | None = {
        "wrong audience": lambda: tokens.token("someone-else", url),
        "wrong issuer": lambda: tokens.token(APP_ID, url, issuer="https://evil.example"),
        "wrong serviceurl": lambda: tokens.token(APP_ID, "https://elsewhere.example/"),
        "expired": lambda: tokens.token(APP_ID, url, expires_in=-3600),
        "unknown key": lambda: tokens.token(APP_ID, url, kid="nobody"),
        "hs256": lambda: jwt.encode(
            {"iss": "https://api.botframework.com", "aud": APP_ID, "serviceurl": url, "exp": 9999999999},
            "a-shared-secret-that-is-long-enough-1234",
            algorithm="HS256",
            headers={"kid": tokens.kid},
        ),
        "missing": lambda: None,
        "garbage": lambda: "not.a.token",
        "other key": lambda: Tokens(kid=tokens.kid).token(APP_ID, url),
        "not bearer": lambda: None,
    }[case]()
    headers = {"Authorization": "Basic dXNlcjpwYXNz"} if case == "not bearer" else None
    response = await teams.post(activity(url, "BODY-MARK about"), token=token, headers=headers)
    assert response.status == 401
    assert teams.fake.sent == [] and "BODY-MARK" not in caplog.text


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"no": "type"}', b"\xff\xfe"])
async def test_malformed_bodies_are_400(teams: Teams, body: bytes) -> None:
    assert (await teams.post(body)).status == 400
    assert teams.fake.sent == []


async def test_bodies_over_one_mebibyte_are_413(teams: Teams) -> None:
    body = activity(teams.fake.service_url, "x" * (1024 * 1024 + 10))
    assert (await teams.post(body)).status == 413


async def test_signing_keys_are_fetched_once_not_per_request(teams: Teams) -> None:
    for text in ("about", "help", "roles"):
        await teams.say(text)
    assert teams.fake.metadata_fetches == 1


async def test_without_an_app_id_teams_is_served_only_in_explicit_development_mode(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/dev.sqlite3"))
    assert connect_teams(bot, Settings()) is None
    assert "Teams is not served at /api/messages: MICROSOFT_APP_ID is not set" in caplog.text
    assert connect_teams(bot, Settings.load({"CHATOPS_TEAMS_DEV": "1"}, dotenv=None)) is not None
    assert "WITHOUT authentication" in caplog.text
    await bot.close()


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw"}, "MICROSOFT_APP_TENANT_ID"),
        ({"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_TENANT_ID": "t"}, "MICROSOFT_APP_PASSWORD"),
        ({"MICROSOFT_APP_TYPE": "Anything"}, "MICROSOFT_APP_TYPE"),
    ],
)
def test_teams_settings_errors_are_one_line_without_secrets(env: dict[str, str], words: str) -> None:
    from .conftest import run_cli

    served = run_cli("serve", "--port", "0", env=env)  # Teams' settings are checked when Teams is connected
    assert served.returncode == 2 and words in served.stderr and "pw" not in served.stderr
    assert "Traceback" not in served.stderr
    assert run_cli("command", "help", env=env).returncode == 0  # a terminal needs no Teams settings


# The limits of the Teams app manifest schema, version 1.17, for the parts our manifest uses.
MANIFEST_1_17 = {
    "top": {
        "$schema",
        "manifestVersion",
        "version",
        "id",
        "developer",
        "name",
        "description",
        "icons",
        "accentColor",
        "bots",
        "permissions",
        "validDomains",
        "localizationInfo",
        "packageName",
        "staticTabs",
        "configurableTabs",
        "composeExtensions",
        "webApplicationInfo",
        "showLoadingIndicator",
        "isFullScreen",
        "activities",
        "defaultInstallScope",
        "defaultGroupCapability",
        "devicePermissions",
        "meetingExtensionDefinition",
        "authorization",
        "configurableProperties",
        "supportedChannelTypes",
        "defaultBlockUntilAdminAction",
        "publisherDocsUrl",
        "connectors",
        "graphConnector",
        "subscriptionOffer",
        "scopeConstraints",
    },
    "required": {"manifestVersion", "version", "id", "developer", "name", "description", "icons", "accentColor"},
    "maxlen": {
        ("developer", "name"): 32,
        ("name", "short"): 30,
        ("name", "full"): 100,
        ("description", "short"): 80,
        ("description", "full"): 4000,
        ("version",): 256,
    },
    "scopes": {"team", "personal", "groupChat"},
    "commands_max": 10,
    "command_title": 32,
    "command_description": 128,
    "command_lists_max": 3,
}


def test_the_teams_package_is_valid_for_its_schema_version(tmp_path: Path) -> None:
    import re
    import struct
    import zipfile

    from .conftest import run_cli

    out = tmp_path / "chatops-teams.zip"
    result = run_cli(
        "manifest",
        "teams",
        "--out",
        str(out),
        env={"MICROSOFT_APP_ID": APP_ID, "MICROSOFT_APP_PASSWORD": "pw", "MICROSOFT_APP_TENANT_ID": "t"},
    )
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        icons = {name: struct.unpack(">II", archive.read(name)[16:24]) for name in ("color.png", "outline.png")}
    assert icons == {"color.png": (192, 192), "outline.png": (32, 32)}
    assert manifest["manifestVersion"] == "1.17" and "/v1.17/" in manifest["$schema"]
    rules = MANIFEST_1_17
    assert set(manifest) <= rules["top"] and rules["required"] <= set(manifest)
    for path, limit in rules["maxlen"].items():
        value: Any = manifest
        for part in path:
            value = value[part]
        assert len(value) <= limit, path
    assert manifest["id"] == APP_ID and re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", manifest["accentColor"])
    for url in manifest["developer"].values():
        assert url == manifest["developer"]["name"] or url.startswith("https://")
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID and set(bot["scopes"]) <= rules["scopes"]
    assert len(bot["commandLists"]) <= rules["command_lists_max"]
    for command_list in bot["commandLists"]:
        assert set(command_list["scopes"]) <= rules["scopes"] and len(command_list["commands"]) <= rules["commands_max"]
        for command in command_list["commands"]:
            assert len(command["title"]) <= rules["command_title"]
            assert len(command["description"]) <= rules["command_description"]
        assert [(c["title"], c["description"]) for c in command_list["commands"]] == [
            (c.name, c.description) for c in wording.COMMANDS
        ]
    # team owners are recognised through Graph with this one resource-specific permission, granted per team
    assert manifest["webApplicationInfo"]["id"] == APP_ID
    assert manifest["authorization"] == {
        "permissions": {"resourceSpecific": [{"name": "TeamMember.Read.Group", "type": "Application"}]}
    }
    bad = run_cli("manifest", "teams", "--out", str(out), "--app-id", "not-a-guid")
    assert bad.returncode == 2 and "GUID" in bad.stderr


async def test_a_teams_channel_subscribes_and_gets_announcements_through_the_outbox(tmp_path: Path) -> None:
    from adapters.teams.deliver import TeamsDeliverer
    from chatops.channels import Channels
    from chatops.outbox import Courier

    async with running_teams(tmp_path, council="llangunnor", admins=frozenset({"29:it-admin"})) as teams:
        fake, bot = teams.fake, teams.bot
        fake.members["group-1"] = {OWNER: ["owner"]}
        channel = in_team_channel(group="group-1", thread="1700000000001")  # said in a thread
        refusal = await teams.say("subscribe", **channel)
        assert refusal["_conversation"] == "19:channel-9;messageid=1700000000001"  # answered in the thread
        refused = card_of(refusal)
        assert "Only a workspace admin, a team owner" in text_of(refused)
        accepted = card_of(await teams.say("subscribe", user="29:it-admin", **channel))
        assert "now follows" in text_of(accepted)
        # the subscription is the channel's, whichever thread it is changed from
        elsewhere = in_team_channel(group="group-1", thread="1700000000002")
        again = card_of(await teams.say("subscribe", user="29:it-admin", **elsewhere))
        assert "already follows" in text_of(again)
        channels = Channels(bot.store)
        await channels.publish(Library())
        revised = (
            (DATA / "llangunnor.yaml")
            .read_text(encoding="utf-8")
            .replace('"leadership and direction;"', '"leadership, direction and timely decisions;"')
        )
        (tmp_path / "v2").mkdir()
        (tmp_path / "v2" / "llangunnor.yaml").write_text(revised, encoding="utf-8")
        assert await channels.publish(Library((tmp_path / "v2",))) == {"llangunnor": 1}
        fake.failures += [429, 502]
        before = len(fake.sent)
        await Courier(channels.outbox, {"teams": TeamsDeliverer(teams.endpoint.teams)}).drain(timeout=30)
        announced = [s for s in fake.sent[before:] if s["_conversation"] == "19:channel-9"]
        assert len(announced) == 1  # two refusals retried, delivered once
        assert "leadership, direction and timely decisions" in text_of(card_of(announced[0]))
        assert (await channels.outbox.counts()) == {"sent": 1}


OWNER = "00000000-0000-0000-0000-00000000000a"
MEMBER = "00000000-0000-0000-0000-00000000000b"


def in_team_channel(
    team: str = "19:team-1", group: str | None = None, thread: str | None = None, **extra: Any
) -> dict[str, Any]:
    """The fields Teams sets on a message in a team's channel (aadGroupId only sometimes; the
    conversation id names the thread the message is in)."""
    data: dict[str, Any] = {"team": {"id": team}, "tenant": {"id": "tenant-1"}, "channel": {"id": "19:channel-9"}}
    if group:
        data["team"]["aadGroupId"] = group
    conversation = f"19:channel-9;messageid={thread}" if thread else "19:channel-9"
    return {"conversation": conversation, "conversation_type": "channel", "channelData": data, **extra}


async def test_team_owners_may_change_a_channel_and_members_may_not(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    teams.fake.team_groups["19:team-1"] = "group-1"
    teams.fake.members["group-1"] = {OWNER: ["owner"], MEMBER: []}
    teams.fake.members["group-2"] = {MEMBER: ["owner"]}  # an owner elsewhere is not an owner here

    refused = text_of(card_of(await teams.say("subscribe", aad_object_id=MEMBER, **in_team_channel())))
    assert "Only a workspace admin, a team owner" in refused
    accepted = text_of(card_of(await teams.say("subscribe", aad_object_id=OWNER, **in_team_channel())))
    assert "now follows" in accepted
    monthly = text_of(card_of(await teams.say("remind monthly", aad_object_id=OWNER, **in_team_channel())))
    assert "every month" in monthly
    # the app token is fetched once for the tenant and the team's group id once; each check asks Graph
    assert teams.fake.lookups == [
        "team:19:team-1",
        "token:tenant-1",
        "members:group-1",
        "members:group-1",
        "members:group-1",
    ]
    # looking things up in a channel asks Graph nothing
    await teams.say("roles councillor", aad_object_id=MEMBER, **in_team_channel())
    assert len(teams.fake.lookups) == 5
    # when Teams includes the group id, it is used as it is
    await teams.say("unsubscribe", aad_object_id=OWNER, **in_team_channel(group="group-1"))
    assert teams.fake.lookups[-1] == "members:group-1" and "team:" not in "".join(teams.fake.lookups[3:])
    assert "pw" not in caplog.text and "graph-test-token" not in caplog.text


async def test_when_ownership_cannot_be_checked_the_person_is_told_so(
    teams: Teams, caplog: pytest.LogCaptureFixture
) -> None:
    teams.fake.team_groups["19:team-1"] = "group-1"
    teams.fake.members["group-1"] = {OWNER: ["owner"]}
    teams.fake.rsc_denied.add("group-1")  # the app was added before it asked for the permission
    unchecked = text_of(card_of(await teams.say("subscribe", aad_object_id=OWNER, **in_team_channel())))
    assert "couldn't check just now" in unchecked and "now follows" not in unchecked
    assert "Graph refused (403)" in caplog.text
    unknown_team = text_of(card_of(await teams.say("subscribe", aad_object_id=OWNER, **in_team_channel("19:gone"))))
    assert "couldn't check just now" in unknown_team
    # a group chat has no owners: only CHATOPS_ADMINS, and the ordinary refusal
    group_chat = {"conversation": "19:group-chat", "conversation_type": "groupChat"}
    assert "Only a workspace admin" in text_of(card_of(await teams.say("subscribe", aad_object_id=OWNER, **group_chat)))


async def test_entra_object_ids_in_chatops_admins_may_change_channels_without_asking_graph(tmp_path: Path) -> None:
    async with running_teams(tmp_path, password="wrong-password", admins=frozenset({OWNER})) as teams:
        fake = teams.fake
        fake.members["group-1"] = {MEMBER: ["owner"]}
        accepted = card_of(await teams.say("subscribe", aad_object_id=OWNER, **in_team_channel(group="group-1")))
        assert "now follows" in text_of(accepted) and fake.lookups == []
        # a wrong app password: the sign-in refuses, so the owner is told the check failed
        unchecked = card_of(await teams.say("unsubscribe", aad_object_id=MEMBER, **in_team_channel(group="group-1")))
        assert "couldn't check just now" in text_of(unchecked) and fake.lookups == ["token:tenant-1"]


async def test_references_are_kept_only_for_our_tenant_without_names_and_erased_by_forget(
    teams: Teams, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path}/teams.sqlite3")
    try:
        other = activity(teams.fake.service_url, kind="installationUpdate", action="add", conversation="19:elsewhere")
        other["conversation"]["tenantId"] = "another-tenant"
        await teams.post(other)
        assert await store.load_reference("teams:conversation:19:elsewhere") is None
        await teams.say("about")  # a personal chat: where the bot can write to this person later
        kept = await store.load_reference("teams:user:29:user-1")
        assert kept is not None and kept["user"] == {"id": "29:user-1"}  # no name, no Entra id
        await teams.say("about", **in_team_channel())
        channel = await store.load_reference("teams:conversation:19:channel-9")
        assert channel is not None and "user" not in channel and "Sam Officer" not in json.dumps(channel)
        await teams.say("forget")
        assert await store.load_reference("teams:user:29:user-1") is None  # erased with the answers
    finally:
        await store.close()


async def test_a_redelivery_after_a_reply_that_did_not_go_is_answered_once(teams: Teams) -> None:
    body = activity(teams.fake.service_url, "about", activity_id="lost-reply")
    teams.fake.failures += [502]  # the Bot Connector refuses the reply: the turn is not done
    await teams.post(body)
    answered = [s for s in teams.fake.sent if s.get("attachments")]
    assert answered == []
    for _ in range(2):  # the channel redelivers; the second redelivery is dropped
        assert (await teams.post(body)).status in (200, 201)
    await teams.fake.wait(len(teams.fake.sent) + 1, timeout=1)
    answered = [s for s in teams.fake.sent if s.get("attachments")]
    assert len(answered) == 1 and "Protocol on Member/Officer Relations" in text_of(card_of(answered[0]))
