"""The platform contract: a platform is a folder under adapters/ and one line in adapters/platforms.py;
a new one needs nothing from the core but turns in and Replies out."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from adapters.edges import Connection, Platform, Redelivery
from adapters.platforms import PLATFORMS
from adapters.web import create_app
from chatops import turns
from chatops.bot import Bot
from chatops.councils import Library
from chatops.outbox import Deliverer
from chatops.settings import Settings
from chatops.store import Store

ADAPTERS = Path(__file__).resolve().parents[1] / "adapters"


def test_each_platform_is_a_folder_with_its_platform_module_and_one_line() -> None:
    folders = sorted(p.parent.name for p in ADAPTERS.glob("*/platform.py"))
    assert sorted(p.name for p in PLATFORMS) == folders == ["slack", "teams"]


class _Chatroom:
    """A made-up platform in a dozen lines: JSON in ({user, text, private}), the reply's text out."""

    deliverer: Deliverer | None = None

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self.events = Redelivery(bot.store)

    def mount(self, app: web.Application) -> None:
        app.router.add_post("/chatroom/messages", self.on_message)

    async def on_message(self, request: web.Request) -> web.Response:
        said = await request.json()
        key = f"chatroom:{said['id']}"
        if await self.events.begin(key) == "done":
            return web.json_response({"duplicate": True})
        async with self.events.answering(key):
            turn = turns.typed(said["text"], direct=said["private"], user=said["user"], platform="chatroom")
            reply = await self.bot.handle(turn)
        return web.json_response({"text": reply.as_text(), "private_chat": reply.move_to_direct})


def _connect(bot: Bot, settings: Settings, *, socket_mode: bool = False) -> Connection | None:
    return _Chatroom(bot)


async def test_a_third_platform_needs_only_its_own_folder(tmp_path: Path) -> None:
    chatroom = Platform("chatroom", _connect)
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/c.sqlite3"))
    connection = chatroom.connect(bot, Settings())
    assert connection is not None
    server = TestServer(create_app(bot, Settings(), {chatroom.name: connection}), port=0)
    await server.start_server()
    try:
        async with aiohttp.ClientSession(base_url=server.make_url("/")) as session:

            async def say(text: str, *, private: bool, id: int) -> dict[str, object]:
                body = {"id": id, "user": "u1", "text": text, "private": private}
                async with session.post("/chatroom/messages", json=body) as response:
                    assert response.status == 200
                    return dict(await response.json())

            lookup = await say("protocol section 2.4", private=True, id=1)
            assert "2.4" in str(lookup["text"])
            in_channel = await say("concern", private=False, id=2)  # a channel: addressed to the bot
            assert in_channel["private_chat"] is True
            assert await say("concern", private=False, id=2) == {"duplicate": True}
            mine = await say("a councillor keeps shouting at me in meetings, I'm a clerk", private=True, id=3)
            assert "you're an Officer, concerned about a" in str(mine["text"])
    finally:
        await server.close()
