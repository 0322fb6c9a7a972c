"""Each council's own admins (``admins`` under it in the contacts file), beside the platforms' admins
and owners and ``CHATOPS_ADMINS``: one host, each council deciding for its own channels."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatops import turns
from chatops.bot import Bot
from chatops.contacts import load_contacts
from chatops.councils import Library
from chatops.errors import ChatopsError
from chatops.store import Store

from .conftest import run_cli

CONTACTS = """\
llangunnor:
  admins: [U0CLERK01]
  chair:
    - {name: Cllr Example, title: Chair of the Council, slack: U0000000E1}
telford-and-wrekin:
  admins: [U0TWADMIN]
"""


def subscribe(user: str, council: str, channel: str) -> turns.Turn:
    return turns.command("subscribe", user=user, council=council, platform="slack", channel=channel, workspace="T1")


async def test_a_councils_own_admins_may_change_its_channels_and_no_other_councils(tmp_path: Path) -> None:
    (tmp_path / "contacts.yaml").write_text(CONTACTS, encoding="utf-8")
    contacts = load_contacts(tmp_path / "contacts.yaml")
    assert contacts.keys("llangunnor") == ["chair"]  # admins are not a role
    bot = Bot(Library(), store=Store(f"sqlite:///{tmp_path}/store.sqlite3"), contacts=contacts)
    try:
        clerk = await bot.handle(subscribe("U0CLERK01", "llangunnor", "C1"))
        assert "now follows" in clerk.as_text()
        other = await bot.handle(subscribe("U0TWADMIN", "llangunnor", "C2"))
        assert "Only a workspace admin" in other.as_text()
        own = await bot.handle(subscribe("U0TWADMIN", "telford-and-wrekin", "C3"))
        assert "now follows" in own.as_text()
    finally:
        await bot.close()


def test_admins_must_be_a_list_of_user_ids(tmp_path: Path) -> None:
    (tmp_path / "contacts.yaml").write_text("llangunnor:\n  admins: [{name: Someone}]\n", encoding="utf-8")
    with pytest.raises(ChatopsError, match="admins"):
        load_contacts(tmp_path / "contacts.yaml")


def test_chat_ids_are_a_mapping_by_platform_and_older_files_still_read(tmp_path: Path) -> None:
    (tmp_path / "contacts.yaml").write_text(
        "llangunnor:\n"
        "  chair:\n"
        '    - {name: New Style, chat: {slack: U0NEW0001, teams: "29:new", webex: "person@example.org"}}\n'
        "    - {name: Old Style, slack: U0OLD0001, teams: '29:old'}\n",
        encoding="utf-8",
    )
    new, old = load_contacts(tmp_path / "contacts.yaml").people("llangunnor", "chair")
    assert (new.chat_id("slack"), new.chat_id("teams"), new.chat_id("webex")) == (
        "U0NEW0001",
        "29:new",
        "person@example.org",
    )
    assert (old.chat_id("slack"), old.chat_id("teams"), old.chat_id("webex")) == ("U0OLD0001", "29:old", None)
    (tmp_path / "bad.yaml").write_text("llangunnor:\n  chair:\n    - {name: X, chat: U0NOPLATFORM}\n", encoding="utf-8")
    result = run_cli("validate", str(tmp_path / "bad.yaml"))
    assert result.returncode != 0 and "chat" in result.stdout + result.stderr and "Traceback" not in result.stderr
