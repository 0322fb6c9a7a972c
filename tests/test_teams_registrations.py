"""Several single-tenant Teams bots (one per council) on one host, over real HTTP: the incoming
token's audience picks the registration, which checks the token and replies with its own credentials."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.teams.app import TeamsEndpoints, build_endpoints
from adapters.teams.platform import TeamsConnection
from adapters.teams.settings import TeamsRegistration, TeamsSettings
from adapters.teams.testing import FakeBotFramework, StaticCredentialsFactory, Tokens, activity, outbound_token
from adapters.web import create_app
from chatops.bot import Bot
from chatops.councils import Library
from chatops.errors import SettingsError
from chatops.settings import Settings
from chatops.store import Store

from .conftest import DATA

TELFORD_APP = "aaaaaaaa-0000-0000-0000-000000000001"
LLANGUNNOR_APP = "bbbbbbbb-0000-0000-0000-000000000002"
REGISTRATIONS = (
    TeamsRegistration(TELFORD_APP, "secret-one", "tenant-1", "telford-and-wrekin"),
    TeamsRegistration(LLANGUNNOR_APP, "secret-two", "tenant-2", "llangunnor"),
)


@dataclass
class Host:
    fake: FakeBotFramework
    session: aiohttp.ClientSession
    endpoints: TeamsEndpoints
    bot: Bot

    async def say(self, text: str, *, audience: str, tenant: str, token: str | None = None, **fields: Any) -> int:
        body = activity(self.fake.service_url, text, **fields)
        body["conversation"]["tenantId"] = tenant
        token = token or self.fake.tokens.token(audience, self.fake.service_url)
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        response = await self.session.post("/api/messages", data=json.dumps(body).encode(), headers=headers)
        await response.read()
        return response.status


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[Host]:
    fake = await FakeBotFramework().start()
    teams = TeamsSettings(
        bots=REGISTRATIONS, openid_url=fake.openid_url, graph_url=fake.graph_url, login_url=fake.login_url
    )
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/teams.sqlite3"), admins=frozenset({"29:it-admin"}))
    credentials = StaticCredentialsFactory(TELFORD_APP, LLANGUNNOR_APP)
    endpoints = build_endpoints(bot, teams, credentials_factory=credentials)
    server = TestServer(create_app(bot, Settings(), {"teams": TeamsConnection(endpoints)}), port=0)
    await server.start_server()
    session = aiohttp.ClientSession(base_url=server.make_url("/"))
    try:
        yield Host(fake, session, endpoints, bot)
    finally:
        await session.close()
        await server.close()
        await fake.close()


async def test_each_registration_answers_its_council_with_its_own_credentials(host: Host, library: Library) -> None:
    assert await host.say("about", audience=TELFORD_APP, tenant="tenant-1") in (200, 201)
    assert await host.say("about", audience=LLANGUNNOR_APP, tenant="tenant-2") in (200, 201)
    sent = await host.fake.wait(2)
    telford, llangunnor = (json.dumps(s["attachments"], ensure_ascii=False) for s in sent)
    assert library.protocol("telford-and-wrekin").council in telford and "Llangunnor" not in telford
    assert library.protocol("llangunnor").council in llangunnor and "Telford" not in llangunnor
    assert host.fake.authorizations == [
        f"Bearer {outbound_token(TELFORD_APP)}",
        f"Bearer {outbound_token(LLANGUNNOR_APP)}",
    ]


async def test_a_token_for_no_registration_here_or_badly_signed_is_refused(host: Host) -> None:
    assert await host.say("about", audience="cccccccc-0000-0000-0000-000000000003", tenant="tenant-1") == 401
    forged = Tokens(kid="not-the-framework").token(TELFORD_APP, host.fake.service_url)
    assert await host.say("about", audience=TELFORD_APP, tenant="tenant-1", token=forged) == 401
    assert await host.say("about", audience=TELFORD_APP, tenant="tenant-1", token="not-a-jwt") == 401
    assert host.fake.sent == []


def test_registrations_are_read_from_a_file_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "bots.yaml"
    path.write_text(
        "- {app_id: " + TELFORD_APP + ", app_password: s3cret-one, tenant_id: tenant-1, council: telford-and-wrekin}\n"
        "- {app_id: " + LLANGUNNOR_APP + ", app_password: s3cret-two, tenant_id: tenant-2, council: llangunnor}\n",
        encoding="utf-8",
    )
    settings = TeamsSettings.load({"CHATOPS_TEAMS_BOTS": str(path)})
    assert [(b.app_id, b.tenant_id, b.council) for b in settings.bots] == [
        (TELFORD_APP, "tenant-1", "telford-and-wrekin"),
        (LLANGUNNOR_APP, "tenant-2", "llangunnor"),
    ]
    assert "s3cret" not in repr(settings)
    path.write_text("- {app_id: x, app_password: s3cret-one}\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="bot 1 needs tenant_id") as refused:
        TeamsSettings.load({"CHATOPS_TEAMS_BOTS": str(path)})
    assert "s3cret" not in str(refused.value)


async def test_each_tenants_channel_is_announced_to_through_its_own_registration(host: Host, tmp_path: Path) -> None:
    from adapters.teams.deliver import TeamsDeliverer
    from chatops.channels import Channels
    from chatops.outbox import Courier

    for app, tenant, channel in ((TELFORD_APP, "tenant-1", "19:chan-a"), (LLANGUNNOR_APP, "tenant-2", "19:chan-b")):
        data = {"team": {"id": f"19:team-{tenant}"}, "tenant": {"id": tenant}, "channel": {"id": channel}}
        said = await host.say(
            "subscribe",
            audience=app,
            tenant=tenant,
            user="29:it-admin",
            conversation=channel,
            conversation_type="channel",
            channelData=data,
        )
        assert said in (200, 201)
    assert all("now follows" in json.dumps(s) for s in await host.fake.wait(2))
    channels = Channels(host.bot.store)
    await channels.publish(Library())
    (tmp_path / "v2").mkdir()
    changes = {
        "llangunnor": ('"leadership and direction;"', '"leadership, direction and timely decisions;"'),
        "telford-and-wrekin": ("mutual respect, informality and trust", "mutual respect, candour and trust"),
    }
    for council, (old, new) in changes.items():
        text = (DATA / f"{council}.yaml").read_text(encoding="utf-8")
        assert old in text
        (tmp_path / "v2" / f"{council}.yaml").write_text(text.replace(old, new), encoding="utf-8")
    assert await channels.publish(Library((tmp_path / "v2",))) == {"llangunnor": 1, "telford-and-wrekin": 1}
    before = len(host.fake.sent)
    deliverer = TeamsDeliverer(host.endpoints.teams, host.endpoints.by_tenant())
    await Courier(channels.outbox, {"teams": deliverer}).drain(timeout=30)
    conversations = [s["_conversation"] for s in host.fake.sent[before:]]
    posted = sorted(zip(conversations, host.fake.authorizations[before:], strict=True))
    assert posted == [
        ("19:chan-a", f"Bearer {outbound_token(TELFORD_APP)}"),
        ("19:chan-b", f"Bearer {outbound_token(LLANGUNNOR_APP)}"),
    ]


async def test_a_registration_without_a_council_is_told_how_to_choose_one(tmp_path: Path) -> None:
    fake = await FakeBotFramework().start()
    teams = TeamsSettings(
        bots=(TeamsRegistration(TELFORD_APP, "secret-one", "tenant-1"),),
        openid_url=fake.openid_url,
        graph_url=fake.graph_url,
        login_url=fake.login_url,
    )
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/teams.sqlite3"), admins=frozenset({"29:it-admin"}))
    endpoints = build_endpoints(bot, teams, credentials_factory=StaticCredentialsFactory(TELFORD_APP))
    server = TestServer(create_app(bot, Settings(), {"teams": TeamsConnection(endpoints)}), port=0)
    await server.start_server()
    session = aiohttp.ClientSession(base_url=server.make_url("/"))
    host = Host(fake, session, endpoints, bot)
    try:
        assert await host.say("about", audience=TELFORD_APP, tenant="tenant-1") in (200, 201)
        assert "/protocol council" in json.dumps((await fake.wait(1))[0]["attachments"])
        await host.say("protocol council llangunnor", audience=TELFORD_APP, tenant="tenant-1", user="29:it-admin")
        await host.say("about", audience=TELFORD_APP, tenant="tenant-1")
        about = json.dumps((await fake.wait(3))[2]["attachments"], ensure_ascii=False)
        assert "Llangunnor" in about and "/protocol council" not in about
    finally:
        await session.close()
        await server.close()
        await fake.close()
