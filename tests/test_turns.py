"""The adapter contract: a turn says what it is (command, message, button), and every entry point
builds it the same way, so the same words mean the same thing wherever they are said."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from chatops import buttons, turns
from chatops.testing import Chat

from .conftest import run_cli


@pytest.mark.parametrize(
    ("said", "direct", "kind", "text"),
    [
        ("/protocol roles councillor", True, "command", "roles councillor"),
        ("/PROTOCOL   section 4.2 ", False, "command", "section 4.2"),
        ("protocol roles", True, "command", "roles"),  # Teams keeps "/" for its own commands
        ("protocol council llangunnor", True, "command", "council llangunnor"),
        ("protocol", True, "command", ""),
        # someone's own words that happen to start with "protocol" stay their words
        ("protocol says I should tell my manager but he's the problem", True, "message", None),
        ("/protocolx", True, "message", None),
        ("roles councillor", False, "command", "roles councillor"),  # in a channel: addressed to the bot
        ("my councillor shouts at me", True, "message", None),
    ],
)
def test_what_was_typed_is_read_once(said: str, direct: bool, kind: str, text: str | None) -> None:
    turn = turns.typed(said, direct=direct)
    assert (turn.kind, turn.text) == (kind, said if text is None else text)


def test_a_command_may_be_given_with_or_without_its_prefix() -> None:
    assert turns.command("/protocol subscribe").text == turns.command("subscribe").text == "subscribe"
    assert turns.command("subscribe").needs_admin and turns.command("council x").needs_admin
    assert not turns.command("roles").needs_admin
    assert not turns.pressed("/protocol subscribe").needs_admin  # a button never changes a channel


@pytest.mark.parametrize(
    ("value", "action", "payload"),
    [
        (buttons.concern("gender=any"), "concern", "gender=any"),
        (buttons.ack("llangunnor", "v2"), "ack", "llangunnor:v2"),
        (buttons.lookup("section 4.2"), "lookup", "section 4.2"),
        ("/protocol section 4.2", "lookup", "section 4.2"),  # as announcements before this version carry
        ("rm -rf /", None, None),
        ("", None, None),
    ],
)
def test_one_module_writes_and_reads_button_values(value: str, action: str | None, payload: str | None) -> None:
    pressed = buttons.decode(value)
    assert (pressed.action, pressed.payload) == (action, payload) if pressed else action is None


def test_the_cli_command_starts_a_concern_with_or_without_the_prefix(tmp_path: Path) -> None:
    def command(said: str, database: str) -> subprocess.CompletedProcess[str]:
        env = {"CHATOPS_DATABASE_URL": f"sqlite:///{tmp_path}/{database}.sqlite3"}
        return run_cli("command", said, "--council", "telford-and-wrekin", env=env)

    bare, prefixed = command("concern", "one"), command("/protocol concern", "two")
    assert bare.returncode == prefixed.returncode == 0, bare.stderr + prefixed.stderr
    assert bare.stdout == prefixed.stdout
    assert "This conversation is private" in bare.stdout


async def test_a_button_value_typed_as_a_message_is_read_as_words_not_pressed() -> None:
    chat = Chat("telford-and-wrekin")
    typed = await chat.say("concern:handoff=monitoring-officer.0")
    assert typed.title != "Check before I send" and chat.sent == []


async def test_a_value_no_button_of_ours_carries_is_not_understood_and_harms_nothing() -> None:
    chat = Chat("llangunnor")
    reply = await chat.press("drop table people")
    assert "didn't follow" in reply.as_text() and reply.council == "llangunnor"
    forged_ack = await chat.press(buttons.ack("llangunnor", "made-up"))
    assert "didn't follow" in forged_ack.as_text()


async def test_a_lookup_button_answers_like_the_command() -> None:
    chat = Chat("telford-and-wrekin")
    pressed = await chat.press(buttons.lookup("section 4.2"))
    typed = await chat.say("/protocol section 4.2")
    assert pressed.as_text() == typed.as_text() and "4.2" in pressed.as_text()


async def test_in_a_private_chat_council_words_are_words_and_the_command_is_a_command() -> None:
    chat = Chat("telford-and-wrekin")
    words = await chat.say("council meetings and officers")
    assert "choose" not in words.title.lower() and "Which council" not in words.title
    command = await chat.say("/protocol council")
    assert "Telford and Wrekin" in command.as_text() and command.title == (await chat.say("/protocol council")).title
