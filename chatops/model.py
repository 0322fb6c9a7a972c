"""The protocol model: one council's Protocol on Member/Officer Relations as validated data.

The models mirror the document, not our software: clauses keep the document's own numbering
(an un-numbered part takes its enclosing number), text is stored word for word, and parts a
document lacks (a procedure section, say) are simply absent. ``chatops schema`` publishes these
models as a JSON Schema so another council can write its own file.
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, StringConstraints

Party = Literal["councillor", "officer"]
"""The two sides of the protocol, whatever a council calls them (members, employees, the Clerk…)."""

Route = Literal["informal", "formal", "outcome", "related", "prohibition"]
"""Where a step sits in a procedure; a ``prohibition`` is what the person must not do (raise it in public…)."""

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class PartyNames(_Model):
    """What this council's document calls one side, e.g. Member/Members or Officer/Officers."""

    singular: Text
    plural: Text
    words: list[Text] = Field(
        default_factory=list,
        description="More words people at this council type for this side (e.g. 'parish councillor').",
    )


class Expectation(_Model):
    """Marks a list as 'what ``who`` can expect from ``from``'."""

    who: Party
    from_: Party = Field(alias="from")


class Clause(_Model):
    """One numbered part of the document: paragraphs, a list, or both, under its own reference.

    An expectation may be a list (``items``) or prose (``text`` alone). Items the document letters or
    numbers keep their markers (``a``, ``b``, ``ii``) so ``31(b)`` can be cited."""

    ref: Ref = Field(
        description="The document's own number, e.g. '2.2.4'; an un-numbered part takes its enclosing number."
    )
    id: Slug | None = Field(None, description="Unique key when two clauses share a ref (defaults to the ref).")
    heading: Text | None = None
    text: list[Text] = Field(default_factory=list, description="Paragraphs, word for word.")
    items: list[Text] = Field(default_factory=list, description="List items, word for word.")
    markers: list[Text] = Field(
        default_factory=list,
        description="The document's letter or numeral for each item, in order (a, b or i, ii): cites '31(b)'.",
    )
    expect: Expectation | None = Field(None, description="Set when the list says who can expect what from whom.")
    principles: bool = Field(False, description="Set when the document presents this part as general principles.")

    @property
    def key(self) -> str:
        return self.id or self.ref

    def item(self, marker: str) -> str | None:
        """The item the document marks ``marker`` (``b`` of ``31(b)``), if it has one."""
        wanted = marker.strip("() ").casefold()
        return next((t for m, t in zip(self.markers, self.items, strict=False) if m.casefold() == wanted), None)


class Section(_Model):
    """A part of the document under one heading. Documents that number their paragraphs straight through
    under un-numbered headings give sections a heading and no ref; either one addresses the section."""

    ref: Ref | None = Field(None, description="The section's own number, when the document numbers it.")
    heading: Text | None = None
    clauses: list[Clause] = Field(min_length=1)

    @property
    def address(self) -> str:
        """What ``section …`` is typed with to show it: its number, else its heading."""
        return self.ref or self.heading or self.clauses[0].ref

    @property
    def label(self) -> str:
        """How a button names it: its number and heading, as far as it has them."""
        return " ".join(filter(None, (self.ref, self.heading))) or self.clauses[0].ref


class Role(_Model):
    """A role the document describes, with the clauses that describe it."""

    id: Slug = Field(description="councillor, officer, chair, cabinet, opposition, clerk, statutory, …")
    name: Text = Field(description="The document's own words for the role.")
    party: Party
    refs: list[Ref] = Field(min_length=1)
    words: list[Text] = Field(
        default_factory=list,
        description="What people type for this role besides its name (titles, abbreviations, e.g. 'RFO', 'the mayor').",
    )


class Step(_Model):
    """One step of a 'when things go wrong' procedure, quoting the clause it comes from."""

    route: Route
    quote: Text = Field(description="The document's words for this step; must appear in the clause.")
    ref: Ref | None = Field(None, description="The clause quoted (defaults to the procedure's ref).")
    contacts: list[Slug] = Field(default_factory=list, description="Contact roles a deployment can name.")
    to: list[Slug] = Field(
        default_factory=list, description="Policies or committees (ids in 'bodies') this step takes the concern to."
    )
    when_about: list[Slug] = Field(default_factory=list, description="Only when the concern is about these roles.")
    when_kind: list[Slug] = Field(
        default_factory=list, description="Only for these kinds of concern (ids in 'concerns')."
    )
    gender_choice: bool = Field(False, description="The person may choose a male or a female manager.")
    on_danger: bool = Field(
        False,
        description="Shown beside the emergency line when someone may be in danger (e.g. confidential reporting).",
    )


class Body(_Model):
    """A policy, committee or other body the document sends a concern to (not a person to contact)."""

    id: Slug
    name: Text = Field(description="The document's own words, e.g. 'Grievance Policy', 'Personnel Committee'.")
    kind: Literal["policy", "committee", "procedure", "body"] = "body"
    refs: list[Ref] = Field(default_factory=list, description="Clauses that name it.")


class Procedure(_Model):
    """What to do when things go wrong, for concerns raised by one side; it may span several clauses."""

    id: Slug
    ref: Ref
    also: list[Ref] = Field(default_factory=list, description="Further clauses the procedure continues in.")
    raised_by: Party
    about: list[Slug] = Field(min_length=1, description="Role ids a concern under this procedure can be about.")
    steps: list[Step] = Field(min_length=1)


class Cite(_Model):
    """Words of the protocol that apply to a kind of concern, raised by one side (or either)."""

    ref: Ref
    quote: Text = Field(description="Word for word from the clause.")
    raised_by: Party | None = Field(None, description="Applies only when this side raises the concern.")


class Concern(_Model):
    """A kind of concern a person can raise (bullying, confidentiality…) and the clauses that apply."""

    id: Slug
    label: Text
    words: list[Text] = Field(
        default_factory=list,
        description="Words and phrases people use for this kind of concern, besides the shared vocabulary's.",
    )
    cites: list[Cite] = Field(min_length=1)

    def cites_for(self, reporter: Party | None) -> list[Cite]:
        return [c for c in self.cites if c.raised_by in (None, reporter) or reporter is None]


class Protocol(_Model):
    """A council's whole protocol. Its id is the file's stem, set by the loader."""

    council: Text
    short_name: Text | None = None
    title: Text
    document_section: Text | None = None
    adopted: Text | None = None
    adopted_by: Text | None = Field(None, description="Who adopted it, e.g. 'Full Council'.")
    minute: Text | None = None
    review: Text | None = Field(None, description="When it is to be reviewed, in the document's words.")
    version: Text | None = None
    source: Text | None = None
    parties: dict[Party, PartyNames]
    sections: list[Section] = Field(min_length=1)
    roles: list[Role] = Field(default_factory=list)
    procedures: list[Procedure] = Field(default_factory=list)
    bodies: list[Body] = Field(default_factory=list)
    concerns: list[Concern] = Field(default_factory=list)

    _id: str = PrivateAttr(default="")

    @property
    def id(self) -> str:
        return self._id

    @cached_property
    def clauses(self) -> list[Clause]:
        return [clause for section in self.sections for clause in section.clauses]

    @cached_property
    def clause_by_key(self) -> dict[str, Clause]:
        return {clause.key: clause for clause in self.clauses}

    @cached_property
    def role_by_id(self) -> dict[str, Role]:
        return {role.id: role for role in self.roles}

    def clause_quoting(self, ref: str, quote: str) -> Clause | None:
        """The clause numbered ``ref`` whose words contain ``quote`` (two lists can share a number)."""
        return next(iter(self.clauses_quoting(ref, quote)), None)

    def clauses_quoting(self, ref: str, quote: str) -> list[Clause]:
        """Every clause numbered ``ref`` whose words contain ``quote``; ``31(b)`` looks in item b of 31."""
        wanted = squash(quote)
        base, marker = split_ref(ref)
        out = []
        for c in self.clauses:
            if c.ref != base:
                continue
            words = (c.item(marker) or "") if marker else " ".join(c.text + c.items)
            if wanted in squash(words):
                out.append(c)
        return out

    def has_ref(self, ref: str) -> bool:
        """A clause numbered ``ref``, or an item ``31(b)`` the document marks."""
        base, marker = split_ref(ref)
        return any(c.ref == base and (not marker or c.item(marker) is not None) for c in self.clauses)

    def clauses_at(self, ref: str) -> list[Clause]:
        """Every clause numbered ``ref`` or below it (``2.2`` gives 2.2, 2.2.2, 2.2.3 …)."""
        return [c for c in self.clauses if c.ref == ref or c.ref.startswith(ref + ".")]

    def section_of(self, clause: Clause) -> Section:
        return next(s for s in self.sections if clause in s.clauses)

    def name_of(self, party: Party, plural: bool = True) -> str:
        names = self.parties[party]
        return names.plural if plural else names.singular

    @property
    def citation(self) -> str:
        """How an answer names its source: the council, the document and its adoption."""
        parts = [self.title]
        if self.adopted:
            parts.append(f"adopted {self.adopted}")
        if self.minute:
            parts.append(f"Minute {self.minute}")
        return f"{self.council} — " + ", ".join(parts)


_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
"""Curly quotes and long dashes as their plain forms: a clerk's editor or a Word document may turn
one into the other, and a quote should not fail for what the eye cannot see."""


_ITEM_REF = re.compile(r"^(.+?)\s*\(([a-z]{1,2}|[ivx]{1,5}|\d{1,2})\)$", re.IGNORECASE)


def split_ref(ref: str) -> tuple[str, str]:
    """``31(b)`` as ``('31', 'b')``; a plain ref as ``(ref, '')``."""
    found = _ITEM_REF.match(ref.strip())
    return (found.group(1), found.group(2)) if found else (ref.strip(), "")


def squash(text: str) -> str:
    """Text compared for quoting: case, typographic quotes and dashes, and runs of white space
    (non-breaking spaces too) do not matter."""
    return re.sub(r"\s+", " ", text.translate(_TYPOGRAPHY)).strip().casefold()
