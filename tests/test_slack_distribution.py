"""Slack distribution over real HTTP: bolt's OAuth flow (``/slack/install``, ``/slack/oauth_redirect``)
against the fake Slack API (``oauth.v2.access`` included), installations kept in the chatops store,
each workspace answered with its own token. No internals are patched."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, Table

from adapters.slack.installations import SCOPES, Installations, OAuthStates, channel_tokens, workspace_tokens
from adapters.slack.platform import SlackConnection, connect
from adapters.slack.settings import SlackSettings
from adapters.slack.testing import FakeSlackAPI, Workspace, signed
from adapters.web import create_app
from chatops import migrations
from chatops.bot import Bot
from chatops.contacts import load_contacts
from chatops.councils import Library
from chatops.settings import Settings
from chatops.store import Store

from .conftest import DATA, ROOT

SECRET = "distribution-signing-secret"
COOKIE = "slack-app-oauth-state"


@dataclass
class Host:
    """A chatops server distributed to many workspaces, and the fake Slack it talks to."""

    api: FakeSlackAPI
    session: aiohttp.ClientSession
    store: Store

    async def begin_install(self) -> tuple[str, aiohttp.ClientResponse]:
        """Open the install link: the OAuth state in Slack's authorize URL and in a cookie."""
        response = await self.session.get("/slack/install")
        page = await response.text()
        [state] = re.findall(r"state=([\w-]+)", page)
        return state, response

    async def finish_install(self, code: str, state: str | None, cookie: str | None = None) -> tuple[int, str]:
        """Slack's redirect back after someone approved the install in their browser."""
        query = {"code": code, **({"state": state} if state is not None else {})}
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
        response = await self.session.get("/slack/oauth_redirect?" + urlencode(query), headers=headers)
        return response.status, await response.text()

    async def install(self, workspace: Workspace) -> str:
        """Install the app in ``workspace``; the page the installer sees at the end."""
        state, _ = await self.begin_install()
        status, page = await self.finish_install(self.api.install_code(workspace), state, cookie=state)
        assert status == 200
        return page

    async def event(self, event: dict[str, Any], *, team: str, enterprise: str | None = None) -> int:
        """An event from a workspace; with ``enterprise``, one of an org the app is installed in org-wide."""
        body = json.dumps(
            {
                "token": "t",
                "team_id": team,
                "enterprise_id": enterprise,
                "is_enterprise_install": enterprise is not None,
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": f"Ev{time.monotonic_ns()}",
                "event_time": int(time.time()),
                "event": event,
                "authorizations": [
                    {
                        "enterprise_id": enterprise,
                        "team_id": None if enterprise else team,
                        "user_id": "UBOT",
                        "is_bot": True,
                        "is_enterprise_install": enterprise is not None,
                    }
                ],
            }
        )
        headers = {"Content-Type": "application/json", **signed(SECRET, body)}
        response = await self.session.post("/slack/events", data=body.encode(), headers=headers)
        await response.read()
        return response.status

    async def command(
        self, text: str, *, user: str = "U1", team: str = "T1", channel: str = "C1", enterprise: str | None = None
    ) -> str:
        """``/protocol text`` typed in a channel; what the person sees (the ack, or through response_url).
        With ``enterprise``: in a workspace of an org the app is installed in org-wide."""
        org = {"enterprise_id": enterprise, "is_enterprise_install": "true"} if enterprise else {}
        body = urlencode(
            {
                **org,
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
        before = len(self.api.made("response_url:cmd"))
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(SECRET, body)}
        response = await self.session.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 200
        if not await response.read():  # an admin word: answered through response_url
            return str((await self.api.wait("response_url:cmd", before + 1))[before]["text"])
        return str((await response.json())["text"])

    async def press(self, value: str, *, user: str = "U1", team: str = "T1", channel: str = "DU1") -> None:
        """A button pressed in a direct message."""
        payload = {
            "type": "block_actions",
            "user": {"id": user, "name": "sam"},
            "team": {"id": team},
            "channel": {"id": channel},
            "container": {"type": "message", "channel_id": channel, "is_ephemeral": False},
            "response_url": self.api.response_url("press"),
            "trigger_id": "1.2.3",
            "actions": [{"action_id": "chatops-0", "block_id": "b1", "type": "button", "value": value}],
        }
        body = urlencode({"payload": json.dumps(payload)})
        headers = {"Content-Type": "application/x-www-form-urlencoded", **signed(SECRET, body)}
        response = await self.session.post("/slack/events", data=body.encode(), headers=headers)
        assert response.status == 200

    async def direct_message(self, user: str, text: str, *, team: str, enterprise: str | None = None) -> None:
        event = {"type": "message", "channel_type": "im", "channel": f"D{user}", "user": user, "text": text}
        assert await self.event(event, team=team, enterprise=enterprise) == 200


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Host]:
    api = await FakeSlackAPI().start()
    settings = Settings.load(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CLIENT_ID": api.client_id,
            "SLACK_CLIENT_SECRET": api.client_secret,
            "CHATOPS_SLACK_API_URL": api.url,
        },
        dotenv=None,
    )
    store = Store(f"sqlite:///{tmp_path}/host.sqlite3")
    bot = Bot(Library(), store=store, contacts=load_contacts(DATA / "contacts.example.yaml"))
    server = TestServer(create_app(bot, settings, {"slack": _connected(bot, settings)}), port=0)
    await server.start_server()
    # the state cookie is Secure (https only), so each test sends it as the browser would
    session = aiohttp.ClientSession(base_url=server.make_url("/"), cookie_jar=aiohttp.DummyCookieJar())
    try:
        yield Host(api, session, store)
    finally:
        await session.close()
        await server.close()
        await api.close()


async def test_the_install_link_sends_people_to_slack_with_a_state_and_the_apps_scopes(host: Host) -> None:
    state, response = await host.begin_install()
    assert response.status == 200
    page = await response.text()
    assert "https://slack.com/oauth/v2/authorize?" in page and f"client_id={host.api.client_id}" in page
    assert "scope=" + ",".join(SCOPES).replace(":", "%3A") in page or "scope=" + ",".join(SCOPES) in page
    assert f"{COOKIE}={state}" in response.headers["Set-Cookie"]


async def test_two_workspaces_installed_are_each_answered_with_their_own_token(host: Host) -> None:
    one, two = Workspace("T1"), Workspace("T2")
    page = await host.install(one)
    assert "installed in Workspace T1" in page and "<code>/protocol council</code>" in page
    assert "<code>telford-and-wrekin</code>" in page
    await host.install(two)
    # oauth.v2.access went to CHATOPS_SLACK_API_URL (the fake), with the app's credentials
    assert [call["code"] for call in host.api.made("oauth.v2.access")]
    await host.direct_message("U1", "expectations officer", team="T1")
    await host.direct_message("U2", "expectations officer", team="T2")
    await host.api.wait("chat.postMessage", 2)
    tokens = [(c.args["channel"], c.token) for c in host.api.calls if c.method == "chat.postMessage"]
    assert tokens == [("DU1", one.token), ("DU2", two.token)]


async def test_a_workspace_that_has_not_installed_the_app_is_not_answered(host: Host) -> None:
    await host.install(Workspace("T1"))
    await host.direct_message("U9", "expectations officer", team="T9")
    await host.direct_message("U1", "expectations officer", team="T1")
    await host.api.wait("chat.postMessage", 1)
    assert {c.token for c in host.api.calls if c.method != "oauth.v2.access"} == {Workspace("T1").token}
    assert [p["channel"] for p in host.api.made("chat.postMessage")] == ["DU1"]


async def test_uninstalling_forgets_the_workspaces_token_and_only_that(host: Host) -> None:
    one, two = Workspace("T1"), Workspace("T2")
    await host.install(one)
    await host.install(two)
    installations = Installations(host.store, host.api.client_id)
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is not None
    assert await host.event({"type": "app_uninstalled"}, team="T1") == 200
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is None
    await host.direct_message("U1", "expectations officer", team="T1")
    await host.direct_message("U2", "expectations officer", team="T2")
    await host.api.wait("chat.postMessage", 1)
    assert [c.token for c in host.api.calls if c.method == "chat.postMessage"] == [two.token]
    # revoking the bot token of the other workspace forgets it too
    assert await host.event({"type": "tokens_revoked", "tokens": {"bot": [two.bot_user]}}, team="T2") == 200
    assert await installations.async_find_bot(enterprise_id=None, team_id="T2") is None


async def test_an_enterprise_grid_org_is_answered_with_the_orgs_token_in_any_of_its_workspaces(host: Host) -> None:
    org = Workspace(team=None, enterprise="E1")
    await host.install(org)
    await host.direct_message("U5", "expectations officer", team="T55", enterprise="E1")
    await host.api.wait("chat.postMessage", 1)
    assert [c.token for c in host.api.calls if c.method == "chat.postMessage"] == [org.token]
    # the org chooses one council, and its channels are announced to with the org's token
    host.api.admins.add("UADMIN")
    assert "From now on" in await host.command("council llangunnor", user="UADMIN", team="T55", enterprise="E1")
    assert "now follows" in await host.command("subscribe", user="UADMIN", team="T56", channel="C9", enterprise="E1")
    installations = Installations(host.store, host.api.client_id)
    tokens = channel_tokens(host.store, workspace_tokens(installations))
    assert await tokens("C9") == org.token
    assert await host.event({"type": "app_uninstalled"}, team="T55", enterprise="E1") == 200
    assert await tokens("C9") is None
    assert await installations.async_find_bot(enterprise_id="E1", team_id=None, is_enterprise_install=True) is None


async def test_a_forged_missing_reused_or_other_browsers_state_is_refused(host: Host) -> None:
    workspace = Workspace("T1")
    forged = "0b6c0f3e-1b1f-4f4c-9d41-5f3cc1a4d111"
    status, _ = await host.finish_install(host.api.install_code(workspace), forged, cookie=forged)
    assert status == 401
    status, _ = await host.finish_install(host.api.install_code(workspace), None)
    assert status == 400
    state, _ = await host.begin_install()
    status, _ = await host.finish_install(host.api.install_code(workspace), state)  # no cookie: another browser
    assert status == 400
    status, _ = await host.finish_install(host.api.install_code(workspace), state, cookie=state)
    assert status == 200
    status, _ = await host.finish_install(host.api.install_code(workspace), state, cookie=state)  # used once
    assert status == 401
    # only the one install with a good state reached Slack
    assert len(host.api.made("oauth.v2.access")) == 1


async def test_an_install_code_slack_refuses_stores_nothing(host: Host) -> None:
    state, _ = await host.begin_install()
    status, _ = await host.finish_install("not-a-code-slack-gave", state, cookie=state)
    assert status == 401
    installations = Installations(host.store, host.api.client_id)
    assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is None


async def test_oauth_state_is_single_use_and_expires(database_url: str) -> None:
    store = Store(database_url)
    try:
        states = OAuthStates(store)
        state = await states.async_issue()
        assert await states.async_consume(state) is True
        assert await states.async_consume(state) is False
        assert await states.async_consume("never-issued") is False
        expired = await OAuthStates(store, expiration_seconds=-1).async_issue()
        assert await states.async_consume(expired) is False
    finally:
        await store.close()


async def test_installations_are_kept_per_workspace_in_the_chatops_store(database_url: str) -> None:
    from slack_sdk.oauth.installation_store import Installation

    store = Store(database_url)
    try:
        installations = Installations(store, "111.222")
        for team in ("T1", "T2"):
            await installations.async_save(
                Installation(app_id="A1", team_id=team, user_id="U1", bot_token=f"xoxb-{team}", bot_id=f"B{team}")
            )
        found = await installations.async_find_bot(enterprise_id=None, team_id="T2")
        assert found is not None and found.bot_token == "xoxb-T2"
        await installations.async_delete_all(enterprise_id=None, team_id="T2")
        assert await installations.async_find_bot(enterprise_id=None, team_id="T2") is None
        assert await installations.async_find_bot(enterprise_id=None, team_id="T1") is not None
    finally:
        await store.close()


async def test_a_workspaces_chosen_council_is_kept_per_platform_and_workspace(database_url: str) -> None:
    store = Store(database_url)
    try:
        assert await store.chosen_council("slack", "T1") is None
        await store.choose_council("slack", "T1", "llangunnor")
        await store.choose_council("teams", "T1", "telford-and-wrekin")  # another platform's id that looks alike
        await store.choose_council("slack", "T1", "telford-and-wrekin")  # chosen again: changed
        assert await store.chosen_council("slack", "T1") == "telford-and-wrekin"
        assert await store.chosen_council("teams", "T1") == "telford-and-wrekin"
        assert await store.chosen_council("slack", "T2") is None
    finally:
        await store.close()


def _shape(table: Table) -> list[tuple[str, str, bool, bool]]:
    return [(c.name, repr(c.type), bool(c.nullable), bool(c.primary_key)) for c in table.columns]


def test_the_stores_slack_tables_are_slack_sdks_own() -> None:
    """The core declares them (it imports no platform library); they must be what slack_sdk's stores use."""
    metadata = MetaData()
    theirs = {
        "slack_installations": AsyncSQLAlchemyInstallationStore.build_installations_table(
            metadata, "slack_installations"
        ),
        "slack_bots": AsyncSQLAlchemyInstallationStore.build_bots_table(metadata, "slack_bots"),
        "slack_oauth_states": AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(metadata, "slack_oauth_states"),
    }
    for name, table in theirs.items():
        assert _shape(migrations.metadata.tables[name]) == _shape(table), name


def test_the_manifest_asks_for_the_scopes_installs_ask_for_and_has_the_redirect_url() -> None:
    manifest = json.loads((ROOT / "app.json").read_text(encoding="utf-8"))
    assert manifest["oauth_config"]["scopes"]["bot"] == list(SCOPES)
    [redirect] = manifest["oauth_config"]["redirect_urls"]
    assert redirect == "https://YOUR-CHATOPS-HOST/slack/oauth_redirect"


def test_the_app_credentials_come_together() -> None:
    from chatops.errors import SettingsError

    with pytest.raises(SettingsError, match="SLACK_CLIENT_SECRET"):
        SlackSettings.load({"SLACK_CLIENT_ID": "111.222"})
    settings = SlackSettings.load({"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "sekrit-value"})
    assert settings.client_id == "111.222" and "sekrit-value" not in repr(settings)
    core = Settings.load({"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "sekrit-value"}, dotenv=None)
    assert "sekrit-value" not in repr(core)


async def test_until_an_admin_chooses_its_council_a_workspace_is_told_how(host: Host, library: Library) -> None:
    await host.install(Workspace("T1"))
    await host.install(Workspace("T2"))
    telford, llangunnor = library.protocol("telford-and-wrekin"), library.protocol("llangunnor")
    first = await host.command("expectations officer", team="T1")
    assert "/protocol council" in first and "`telford-and-wrekin`" in first and "`llangunnor`" in first
    assert telford.council in first and llangunnor.council in first
    await host.direct_message("U1", "expectations officer", team="T1")
    [dm] = await host.api.wait("chat.postMessage", 1)
    assert "/protocol council" in dm["text"]
    refused = await host.command("council telford-and-wrekin", user="U1", team="T1")
    assert "Only a workspace admin" in refused
    host.api.admins.add("UADMIN")
    unknown = await host.command("council telford", user="UADMIN", team="T1")
    assert "`telford`" in unknown and "`telford-and-wrekin`" in unknown
    chosen = await host.command("council telford-and-wrekin", user="UADMIN", team="T1")
    assert telford.council in chosen
    assert "From now on" in await host.command("council llangunnor", user="UADMIN", team="T2")
    one, two = await host.command("about", team="T1"), await host.command("about", team="T2")
    assert telford.council in one and llangunnor.council not in one
    assert llangunnor.council in two and telford.council not in two
    assert telford.council in await host.command("council", team="T1")  # anyone may ask which it is
    # users.info (the admin check) went out with each workspace's own token
    assert set(host.api.tokens("users.info")) == {Workspace("T1").token, Workspace("T2").token}


async def test_a_council_set_by_the_host_cannot_be_changed_by_a_workspace(tmp_path: Path, library: Library) -> None:
    api = await FakeSlackAPI().start()
    api.admins.add("UADMIN")
    settings = Settings.load(
        {
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_CLIENT_ID": api.client_id,
            "SLACK_CLIENT_SECRET": api.client_secret,
            "CHATOPS_SLACK_API_URL": api.url,
            "CHATOPS_SLACK_COUNCILS": "T1=telford-and-wrekin",
        },
        dotenv=None,
    )
    store = Store(f"sqlite:///{tmp_path}/host.sqlite3")
    bot = Bot(Library(), store=store)
    server = TestServer(create_app(bot, settings, {"slack": _connected(bot, settings)}), port=0)
    await server.start_server()
    session = aiohttp.ClientSession(base_url=server.make_url("/"), cookie_jar=aiohttp.DummyCookieJar())
    host = Host(api, session, store)
    try:
        await host.install(Workspace("T1"))
        answer = await host.command("council llangunnor", user="UADMIN", team="T1")
        assert "whoever runs this service" in answer and library.protocol("telford-and-wrekin").council in answer
        assert library.protocol("telford-and-wrekin").council in await host.command("about", team="T1")
    finally:
        await session.close()
        await server.close()
        await api.close()


async def test_the_home_tab_of_a_workspace_without_a_council_says_how_to_choose(host: Host) -> None:
    await host.install(Workspace("T1"))
    assert await host.event({"type": "app_home_opened", "user": "U1", "tab": "home"}, team="T1") == 200
    [published] = await host.api.wait("views.publish", 1)
    assert "/protocol council" in json.dumps(published["view"])


async def test_each_workspace_is_announced_to_with_its_own_token(host: Host, tmp_path: Path) -> None:
    from adapters.slack.deliver import SlackDeliverer
    from adapters.slack.installations import channel_tokens, workspace_tokens
    from chatops.channels import Channels
    from chatops.outbox import Courier

    one, two = Workspace("T1"), Workspace("T2")
    await host.install(one)
    await host.install(two)
    host.api.admins.add("UADMIN")
    for team, channel in (("T1", "C1"), ("T2", "C2")):
        assert "From now on" in await host.command("council llangunnor", user="UADMIN", team=team)
        assert "now follows" in await host.command("subscribe", user="UADMIN", team=team, channel=channel)
    channels = Channels(host.store)
    await channels.publish(Library())
    text = (DATA / "llangunnor.yaml").read_text(encoding="utf-8").replace('minute: "0202-6"', 'minute: "0326-4"')
    text = text.replace('"leadership and direction;"', '"leadership, direction and timely decisions;"')
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "llangunnor.yaml").write_text(text, encoding="utf-8")
    assert await channels.publish(Library((tmp_path / "v2",))) == {"llangunnor": 2}
    tokens = channel_tokens(host.store, workspace_tokens(Installations(host.store, host.api.client_id)))
    await Courier(channels.outbox, {"slack": SlackDeliverer(None, host.api.url, tokens=tokens)}).drain(timeout=10)
    posted = sorted((c.args["channel"], c.token) for c in host.api.calls if c.method == "chat.postMessage")
    assert posted == [("C1", one.token), ("C2", two.token)]
    # uninstalled: its channel's subscription stops rather than being posted to with another token
    assert await host.event({"type": "app_uninstalled"}, team="T2") == 200
    assert await tokens("C2") is None and await tokens("C1") == one.token


async def test_a_workspaces_council_gives_its_own_contacts_and_hand_offs_go_with_its_token(host: Host) -> None:
    one, two = Workspace("T1"), Workspace("T2")
    await host.install(one)
    await host.install(two)
    host.api.admins.add("UADMIN")
    await host.command("council telford-and-wrekin", user="UADMIN", team="T1")
    await host.command("council llangunnor", user="UADMIN", team="T2")
    await host.direct_message(
        "U1", "I'm an employee and a councillor keeps pressuring me to change my report", team="T1"
    )
    await host.api.wait("chat.postMessage", 1)
    await host.press("concern:informal_tried=no", team="T1")
    await host.press("concern:gender=any", team="T1")
    advice = (await host.api.wait("chat.postMessage", 3))[2]
    assert "Pat Example" in json.dumps(advice["blocks"])  # Telford and Wrekin's Monitoring Officer
    handoff = next(
        e["value"]
        for b in advice["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if "Pat Example" in e["text"]["text"]
    )
    await host.press(handoff, team="T1")
    await host.api.wait("chat.postMessage", 4)
    await host.press("concern:send", team="T1")
    [opened] = await host.api.wait("conversations.open")
    assert opened["users"] == "U0000000C1" and host.api.tokens("conversations.open") == [one.token]
    # the other workspace's council (Llangunnor) names its own people, never Telford and Wrekin's
    await host.direct_message("U2", "concern", team="T2")
    reply = (await host.api.wait("chat.postMessage", 7))[-1]
    assert "Pat Example" not in json.dumps(reply) and reply["channel"] == "DU2"


def _connected(bot: Bot, settings: Settings) -> SlackConnection:
    connection = connect(bot, settings)
    assert connection is not None
    return connection
