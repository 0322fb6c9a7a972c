"""Who is behind each role in this deployment: per deployment, not per protocol.

A protocol says "the Monitoring Officer" or "one male and one female manager in each portfolio";
the contacts file (``CHATOPS_CONTACTS``) names the actual people and their chat ids, per council.
The keys are the ``contacts`` named by the protocol's procedure steps (``portfolio-manager``,
``monitoring-officer``, ``head-of-hr``, ``confidential-reporting``…) or any other role slug; and
``admins``, the chat user ids (Slack ``U…``, Teams ``29:…``) who may change what that council's
channels follow besides the platform's own admins and owners, so one host serves several councils
each with its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, RootModel, model_validator

from .errors import ProtocolDataError
from .loading import Loc, load_yaml_model, located, nearest
from .model import Protocol, Slug, Text

LEGACY_CHAT_KEYS = ("slack", "teams")
"""Chat ids written beside the name (``slack: U…``), as contacts files did before ``chat:``; read
into ``chat`` so those files keep working."""


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Text
    title: Text | None = None
    gender: Literal["male", "female"] | None = None
    portfolio: Text | None = None
    chat: dict[Slug, Text] = Field(
        default_factory=dict,
        description='Chat user ids by platform, e.g. {slack: U012AB3CD, teams: "29:…"}',
    )
    how: Text | None = Field(None, description="How to reach them outside chat, e.g. a phone number or address")

    @model_validator(mode="before")
    @classmethod
    def _chat_beside_the_name(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not any(key in data for key in LEGACY_CHAT_KEYS):
            return data
        chat = data.get("chat") or {}
        if not isinstance(chat, dict):
            return data  # a "chat" that is not a mapping: the usual error says so
        chat, data = dict(chat), dict(data)
        for key in LEGACY_CHAT_KEYS:
            if key in data:
                chat.setdefault(key, data.pop(key))
        return {**data, "chat": chat}

    def chat_id(self, platform: str) -> str | None:
        """This person's user id on ``platform``, if the contacts file gives one."""
        return self.chat.get(platform)

    @property
    def label(self) -> str:
        details = ", ".join(filter(None, (self.title, self.portfolio)))
        return f"{self.name} ({details})" if details else self.name


class CouncilContacts(RootModel[dict[Slug, list[Person]]]):
    pass


ADMINS = "admins"
"""The key, under a council, of the chat user ids who administer that council's channels."""


class Contacts(RootModel[dict[Slug, CouncilContacts]]):
    """council id → contact key → people (and ``admins``: user ids)."""

    _admins: dict[str, frozenset[str]] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _split_admins(cls, data: Any, handler: Any) -> Contacts:
        """``admins`` is a list of user ids, not people: kept apart from the contact keys."""
        admins: dict[str, frozenset[str]] = {}
        if isinstance(data, dict):
            data = dict(data)
            for council, entries in list(data.items()):
                if isinstance(entries, dict) and ADMINS in entries:
                    ids = entries[ADMINS]
                    if not isinstance(ids, list) or not all(isinstance(i, str) and i.strip() for i in ids):
                        raise ValueError(f"{council}: admins must be a list of chat user ids")
                    admins[str(council)] = frozenset(i.strip() for i in ids)
                    data[council] = {k: v for k, v in entries.items() if k != ADMINS}
        contacts: Contacts = handler(data)
        contacts._admins = admins
        return contacts

    def admins(self, council: str) -> frozenset[str]:
        """The user ids who administer ``council``'s channels (from its ``admins`` list)."""
        return self._admins.get(council, frozenset())

    def people(self, council: str, key: str, gender: str | None = None) -> list[Person]:
        found = self.root.get(council, CouncilContacts({})).root.get(key, [])
        if gender in ("male", "female"):
            found = [p for p in found if p.gender == gender] or found
        return found

    def keys(self, council: str) -> list[str]:
        return list(self.root.get(council, CouncilContacts({})).root)


NO_CONTACTS = Contacts({})


def load_contacts(path: Path | None) -> Contacts:
    if path is None:
        return NO_CONTACTS
    return load_yaml_model(path, Contacts)[1]


def contact_keys(protocol: Protocol) -> set[str]:
    """The keys a contacts file may use for this council: its role ids and its steps' contacts."""
    keys = {role.id for role in protocol.roles}
    return keys | {c for p in protocol.procedures for step in p.steps for c in step.contacts}


def check_contacts(path: Path, councils: Mapping[str, Protocol | None]) -> Contacts:
    """Load a contacts file and check it against the councils (``None``: a council whose own file is
    broken). A misspelt council or key would be read by nobody, and the bot would silently name no one."""
    node, contacts = load_yaml_model(path, Contacts)
    problems: list[tuple[Loc, str]] = []
    for council, people in contacts.root.items():
        if council not in councils:
            problems.append(((council,), nearest(council, councils, "a council here")))
            continue
        protocol = councils[council]
        for key in people.root if protocol else ():
            if protocol and key not in (valid := contact_keys(protocol)):
                problems.append(((council, key), nearest(key, valid, f"a role or step contact of {council}")))
    if problems:
        raise ProtocolDataError(located(path, node, problems, keys=True))
    return contacts
