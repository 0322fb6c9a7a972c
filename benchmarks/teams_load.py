"""``protocol expectations officer`` through /api/messages: chatops beside a minimal botbuilder echo
bot, on the same harness in the same run. Both authenticate every request (RS256 tokens signed by
a local key, OpenID metadata served locally) and send their reply to a local fake Bot Connector.

    python -m benchmarks.teams_load [--requests N]

Servers and load share one event loop here (the outbound credentials are injected, which needs
the process), so compare the ratio, not the absolute figures. Target (issue 5): within 1.3x.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication

from adapters.teams.app import _Config, build_endpoint
from adapters.teams.platform import TeamsConnection
from adapters.teams.settings import TeamsSettings
from adapters.teams.testing import FakeBotFramework, StaticCredentialsFactory, activity
from adapters.web import create_app
from benchmarks.stats import p99
from chatops.bot import Bot
from chatops.councils import Library
from chatops.settings import Settings
from chatops.store import Store

APP_ID = "00000000-1111-2222-3333-444444444444"


class Echo(ActivityHandler):
    async def on_message_activity(self, turn_context: TurnContext) -> None:
        await turn_context.send_activity(f"echo: {turn_context.activity.text}")


def echo_app(settings: TeamsSettings) -> web.Application:
    adapter = CloudAdapter(
        ConfigurationBotFrameworkAuthentication(_Config(settings), credentials_factory=StaticCredentialsFactory(APP_ID))
    )
    bot = Echo()

    async def messages(request: web.Request) -> web.StreamResponse:
        return await adapter.process(request, bot) or web.Response(status=201)

    app = web.Application()
    app.router.add_post("/api/messages", messages)
    return app


async def load(url: str, fake: FakeBotFramework, clients: int, total: int) -> tuple[list[float], int, float]:
    token = fake.tokens.token(APP_ID, fake.service_url, expires_in=3600)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    remaining = iter(range(total))
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:

        async def client() -> None:
            nonlocal errors
            for i in remaining:
                body = activity(
                    fake.service_url,
                    "protocol expectations officer",
                    activity_id=str(uuid.uuid4()),
                    user=f"29:user-{i % 50}",
                    conversation=f"a:personal-{i % 50}",
                )
                started = time.perf_counter()
                async with session.post(url, data=json.dumps(body), headers=headers) as response:
                    await response.read()
                    errors += response.status not in (200, 201)
                latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(clients)))
        return latencies, errors, time.perf_counter() - started


async def main_async(requests: int) -> None:
    fake = await FakeBotFramework().start()
    settings = TeamsSettings(app_id=APP_ID, app_password="pw", tenant_id="t", openid_url=fake.openid_url)
    with tempfile.TemporaryDirectory() as folder:
        bot = Bot(Library(), store=Store(f"sqlite:///{folder}/bench.sqlite3"))
        endpoint = build_endpoint(
            bot, settings, "telford-and-wrekin", credentials_factory=StaticCredentialsFactory(APP_ID)
        )
        ours = create_app(bot, Settings(), {"teams": TeamsConnection(endpoint)})
        servers = {
            "botbuilder echo (floor)": TestServer(echo_app(settings), port=0),
            "chatops": TestServer(ours, port=0),
        }
        for server in servers.values():
            await server.start_server()
        try:
            urls = {name: str(server.make_url("/api/messages")) for name, server in servers.items()}
            for url in urls.values():
                await load(url, fake, 4, 40)  # warm up (keys fetched, tables created)
            print(f"{'server':<26}{'clients':>8}{'median ms':>11}{'p99 ms':>9}{'act/s':>8}{'errors':>8}")
            results = {}
            for clients in (1, 20, 50):
                for name, url in urls.items():
                    latencies, errors, elapsed = await load(url, fake, clients, requests)
                    results[(name, clients)] = (statistics.median(latencies), p99(latencies))
                    print(
                        f"{name:<26}{clients:>8}{statistics.median(latencies) * 1000:>11.2f}"
                        f"{p99(latencies) * 1000:>9.2f}{len(latencies) / elapsed:>8.0f}{errors:>8}"
                    )
            print()
            for clients in (1, 20, 50):
                ours_r, floor = results[("chatops", clients)], results[("botbuilder echo (floor)", clients)]
                print(
                    f"{clients:>3} clients: chatops / floor  median {ours_r[0] / floor[0]:.2f}x"
                    f"   p99 {ours_r[1] / floor[1]:.2f}x   (target <= 1.3x)"
                )
        finally:
            for server in servers.values():
                await server.close()
            await bot.close()
            await fake.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=600, help="activities per server per concurrency level")
    asyncio.run(main_async(parser.parse_args().requests))


if __name__ == "__main__":
    main()
