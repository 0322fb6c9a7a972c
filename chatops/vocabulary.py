"""The words people use for each side and role, mapped to the role ids protocol files use.

Llangunnor writes Councillors/Officers/Clerk, Telford and Wrekin writes Members/Employees; people
type either, abbreviate ("cllr") and misspell. Every word here resolves for every council: a role
the council's document does not describe falls back to its side (``clerk`` → the officer side).
"""

from __future__ import annotations

from dataclasses import dataclass

from .model import Party, Protocol
from .text import Speller, words

ROLE_WORDS: dict[str, tuple[str, ...]] = {
    "councillor": (
        "councillor",
        "councillors",
        "councilor",
        "councilors",
        "member",
        "members",
        "cllr",
        "cllrs",
        "elected member",
        "elected members",
        "elected",
        "politician",
        "politicians",
    ),
    "officer": (
        "officer",
        "officers",
        "employee",
        "employees",
        "staff",
        "worker",
        "workers",
        "colleague",
        "colleagues",
        "manager",
        "managers",
        "council officer",
        "council officers",
        "member of staff",
        "members of staff",
        "staff member",
    ),
    "clerk": ("clerk", "clerks", "community clerk", "town clerk", "parish clerk", "proper officer"),
    "chair": (
        "chair",
        "chairs",
        "chairman",
        "chairmen",
        "chairwoman",
        "chairperson",
        "vice-chair",
        "vice-chairs",
        "vice chair",
        "vice chairs",
        "vicechair",
        "vice-chairman",
        "vice-chairmen",
        "vice chairman",
        "committee chair",
        "chairmen and vice-chairmen",
    ),
    "cabinet": ("cabinet", "cabinet member", "cabinet members", "portfolio holder", "portfolio holders", "lead member"),
    "opposition": (
        "opposition",
        "opposition member",
        "opposition members",
        "opposition councillor",
        "opposition councillors",
        "minority group",
    ),
    "statutory": (
        "statutory",
        "statutory officer",
        "statutory officers",
        "statutory chief officer",
        "statutory chief officers",
        "head of paid service",
        "section 151",
        "s151",
        "section 151 officer",
        "chief financial officer",
        "cfo",
    ),
    "head-of-service": ("head of service", "heads of service", "hos", "service head"),
    "corporate-director": ("corporate director", "corporate directors", "director", "directors"),
    "chief-executive": ("chief executive", "chief exec", "ceo", "chief executive officer"),
    "monitoring-officer": ("monitoring officer", "mo"),
    "head-of-hr": ("head of human resources", "head of hr", "hr", "human resources"),
}

ROLE_PARTY: dict[str, Party] = {
    "councillor": "councillor",
    "chair": "councillor",
    "cabinet": "councillor",
    "opposition": "councillor",
    "officer": "officer",
    "clerk": "officer",
    "statutory": "officer",
    "head-of-service": "officer",
    "corporate-director": "officer",
    "chief-executive": "officer",
    "monitoring-officer": "officer",
    "head-of-hr": "officer",
}

_PHRASES: dict[str, str] = {phrase: role for role, phrases in ROLE_WORDS.items() for phrase in phrases}
_SPELLER = Speller(p for p in _PHRASES if " " not in p and len(p) >= 4)


@dataclass(frozen=True)
class Resolved:
    """What a typed word meant: the role asked about, the role this council has for it, and its side."""

    asked: str  # the role id the words name (``clerk``)
    role: str | None  # the council's role id for it, or for its side when it has none (``officer``)
    party: Party
    corrected_from: str | None = None  # the typed word when it was a misspelling


def phrase_role(text: str) -> tuple[str, str | None] | None:
    """The role id a phrase names, trying the whole phrase, then each word, then spelling slips."""
    tokens = words(text.replace("-", " ")) if text else []
    if not tokens:
        return None
    joined = " ".join(tokens)
    for candidate in (joined, joined.replace(" ", "-"), joined.replace(" ", "")):
        if candidate in _PHRASES:
            return _PHRASES[candidate], None
    # the longest run of words that names a role wins ("my head of service" → head-of-service)
    for size in range(len(tokens), 0, -1):
        for start in range(len(tokens) - size + 1):
            run = " ".join(tokens[start : start + size])
            if run in _PHRASES:
                return _PHRASES[run], None
    for token in tokens:
        fixed = _SPELLER.correct(token)
        if fixed is not None:
            return _PHRASES[fixed], token
    return None


def resolve(text: str, protocol: Protocol) -> Resolved | None:
    """Resolve typed words to a role in ``protocol``, falling back to the role's side."""
    found = phrase_role(text)
    if found is None:
        return None
    asked, typo = found
    party = ROLE_PARTY[asked]
    if asked in protocol.role_by_id:
        role: str | None = asked
    elif party in protocol.role_by_id:
        role = party
    else:
        role = None
    return Resolved(asked=asked, role=role, party=party, corrected_from=typo)


def party_words() -> list[str]:
    """Examples to suggest when a word is not recognised."""
    return ["officer", "councillor", "clerk", "member", "employee", "chair", "cabinet", "opposition"]
