"""A tour of what people see: a scripted conversation through the core, every reply rendered as the
Slack adapter (Block Kit) and the Teams adapter (an Adaptive Card) would send it.

``python -m benchmarks.tour OUT`` writes each reply's Block Kit messages and Adaptive Card as JSON
under OUT, then (if ``node`` and Chromium are there) ``benchmarks/render/render.mjs`` draws them at
600 px and 360 px as PNGs: the cards with Microsoft's own ``adaptivecards`` renderer and a Teams host
config, the messages in a small Block Kit look-alike. The tests (``tests/test_what_people_see.py``)
read the same conversation and check what can be checked without a browser.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.slack.blocks import home_view, messages
from adapters.teams.cards import card
from chatops import turns
from chatops.channels import Channels
from chatops.contacts import load_contacts
from chatops.councils import Library
from chatops.reply import Reply
from chatops.testing import Chat

ROOT = Path(__file__).resolve().parent.parent
CONTACTS = ROOT / "protocol_data" / "contacts.example.yaml"
RENDER = Path(__file__).resolve().parent / "render"
NAME = "Sam Officer"
"""Whoever takes the tour: the name a platform gives for them (Slack's users.info, Teams' activity)."""


@dataclass(frozen=True)
class Stop:
    """One reply, where it was shown: ``private`` (a direct message or an answer only the asker sees),
    ``channel`` (everyone in the channel sees it), ``home`` (Slack's Home tab)."""

    name: str
    said: str
    reply: Reply
    where: str = "private"


SCRIPT: tuple[tuple[str, str, str], ...] = (
    # (name, what is said or pressed ("#Label" presses the last reply's choice whose label has it), where)
    ("help", "/protocol help", "private"),
    ("empty", "/protocol", "private"),
    ("roles", "/protocol roles", "private"),
    ("roles-chair", "/protocol roles chair", "private"),
    ("expectations-ask", "/protocol expectations", "private"),
    ("expectations-officer", "/protocol expectations officer", "private"),
    ("principles", "/protocol principles", "private"),
    ("procedure", "/protocol procedure", "private"),
    ("section-ask", "/protocol section", "private"),
    ("section-3", "/protocol section 3", "private"),
    ("section-4.2", "/protocol section 4.2", "private"),
    ("section-missing", "/protocol section 9.9", "private"),
    ("section-all", "/protocol section all", "private"),
    ("about", "/protocol about", "private"),
    ("search", "/protocol can a councillor ask me to campaign?", "private"),
    ("search-none", "/protocol search xyzzy plugh", "private"),
    ("unknown-who", "/protocol roles wizard", "private"),
    ("bullying-channel", "/protocol a member is bullying me, who do I go to?", "channel"),
    ("forget-channel", "/protocol forget", "channel"),
    ("concern", "concern", "private"),
    ("concern-reporter", "#Employee, about", "private"),
    ("concern-category", "#Bullying", "private"),
    ("concern-informal", "#Not yet", "private"),
    ("concern-gender", "#female", "private"),
    ("handoff-preview", "#contact me", "private"),
    ("handoff-sent", "#Send it", "private"),
    ("described", "I'm an employee and a cabinet member keeps shouting at me. I'd rather talk to a woman.", "private"),
    ("described-answer", "not yet", "private"),
    ("outside", "a councillor keeps shouting at another councillor", "private"),
    ("safety", "a councillor said he would hurt me if I don't change my report", "private"),
    ("forget", "forget", "private"),
)
LLANGUNNOR: tuple[tuple[str, str, str], ...] = (
    ("llangunnor-about", "/protocol about", "private"),
    ("llangunnor-preamble", "/protocol section preamble", "private"),
    ("llangunnor-section-3", "/protocol section 3", "private"),
    ("llangunnor-search", "/protocol can a councillor ask me to campaign?", "private"),
    ("llangunnor-roles", "/protocol roles", "private"),
    ("llangunnor-procedure", "/protocol procedure", "private"),
    ("llangunnor-concern", "I'm the clerk and a councillor keeps shouting at me", "private"),
)


async def _run(chat: Chat, script: tuple[tuple[str, str, str], ...]) -> list[Stop]:
    stops = []
    for name, said, where in script:
        if said.startswith("#"):
            reply = await chat.choose(said[1:])
        else:
            reply = await chat.say(said, direct=not said.startswith("/protocol"))
        stops.append(Stop(name, said, reply, "private" if reply.move_to_direct else where))
    return stops


async def conversation(platform: str) -> list[Stop]:
    """Every reply of the scripted conversation, as the core gives it to ``platform``'s adapter."""
    contacts = load_contacts(CONTACTS)
    stops: list[Stop] = []
    chat = Chat("telford-and-wrekin", contacts=contacts, platform=platform, user_name=NAME, user="U1")
    stops += await _run(chat, SCRIPT)
    chat = Chat("llangunnor", contacts=contacts, platform=platform, user_name=NAME, user="U1")
    stops += await _run(chat, LLANGUNNOR)
    stops += await _admin(chat, platform)
    stops.append(Stop("home", "(Home tab)", chat.bot.home("telford-and-wrekin"), "home"))
    stops.append(Stop("error", "/protocol help", await chat.bot.handle(turns.command("help", council="nowhere"))))
    return stops


async def _admin(chat: Chat, platform: str) -> list[Stop]:
    """An announcement, someone reading it, and an admin asking who has."""
    bot = chat.bot
    try:
        channels = Channels(bot.store)
        await channels.publish(Library())
        version = await channels.current_version("llangunnor")
        assert version is not None
        await channels.acknowledge("llangunnor", version, platform, "U42", "Alex Example")
        said = "/protocol acks"
        admin = turns.command(said, user="UADMIN", council="llangunnor", platform=platform, channel="C1", is_admin=True)
        acks = await bot.handle(admin)
        read = turns.pressed(
            f"ack:llangunnor:{version}", user="U43", council="llangunnor", platform=platform, user_name=NAME
        )
        acked = await bot.handle(read)
        subscribe = await bot.handle(
            turns.command("subscribe", user="UADMIN", council="llangunnor", platform=platform, channel="C1")
        )
    finally:
        await bot.close()
    return [
        Stop("acks", said, acks),
        Stop("acked", "I've read it", acked),
        Stop("subscribe-refused", "/protocol subscribe", subscribe),
    ]


def slack_payload(stop: Stop) -> list[dict[str, Any]]:
    """What the Slack adapter sends for this reply (a private answer to a slash command may be shared)."""
    if stop.where == "home":
        return [home_view(stop.reply)]
    slash = stop.said.startswith("/protocol") and stop.where != "home"
    share = stop.said if slash and stop.reply.shareable else None
    return messages(stop.reply, share_value=share)


def teams_card(stop: Stop) -> dict[str, Any]:
    return card(stop.reply, short=stop.where == "channel")


def write(out: Path) -> int:
    """The tour's JSON under ``out``: ``slack/NAME.json`` (a list of messages) and ``teams/NAME.json``."""
    count = 0
    for platform in ("slack", "teams"):
        folder = out / platform
        folder.mkdir(parents=True, exist_ok=True)
        for index, stop in enumerate(asyncio.run(conversation(platform))):
            payload = slack_payload(stop) if platform == "slack" else teams_card(stop)
            name = f"{index:02d}-{stop.name}"
            (folder / f"{name}.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
            count += 1
    return count


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "tour-out")
    print(f"{write(out)} replies written under {out}")
    node, chromium = shutil.which("node"), shutil.which("chromium") or shutil.which("chromium-browser")
    if not (node and chromium and (RENDER / "node_modules").is_dir()):
        print(f"to draw them: apt-get install chromium; (cd {RENDER} && npm install); then run this again")
        return
    subprocess.run([node, str(RENDER / "render.mjs"), str(out), chromium], check=True)


if __name__ == "__main__":
    main()
