"""From a document's blocks to a draft council file, and the list of what a clerk must confirm.

The draft keeps every sentence of the document in the document's own order and numbering, so it
validates as it stands; what the document does not say in so many words (which side a list is for,
which titles are roles, which sentences are steps of a procedure) is proposed and listed for review
with the place in the document it came from. Nothing here knows any particular council: the
patterns are the general language of these protocols.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import ImportSourceError
from ..model import Party
from ..vocabulary import shared
from .blocks import Block, letter_or_roman, split_label

_COUNCIL = re.compile(r"\b(council|borough|parish|district|county|authority|BC|DC|TC|CC)\b", re.IGNORECASE)
_ADOPTED = re.compile(
    r"\b(?i:adopted|approved|agreed|ratified)\b(?:\s+by\s+(?:the\s+)?(?P<by>(?:[A-Z]\w*\s+)*?(?:Council|Committee)))?"
    r"(?:\s+(?:on|in))?\s+(?:the\s+)?(?P<date>\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]+\s+\d{4}|[A-Z][a-z]+\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})",
)
_MINUTE = re.compile(
    r"\bMinute(?:\s+(?:No\.?|number|ref(?:erence)?))?\s*:?\s*(?P<minute>[A-Z0-9][\w./-]*[\w])", re.IGNORECASE
)
_VERSION = re.compile(r"\bVersion\s*:?\s*(?P<version>[\w.-]*\d[\w.-]*)", re.IGNORECASE)
_REVIEW = re.compile(r"[^.;()]*\breview(?:ed)?\b[^.;()]*", re.IGNORECASE)
_PART = re.compile(r"^(?P<part>(?:Section|Part|Appendix|Annex|Schedule)\s+\w+)\s*[–—:-]\s*(?P<rest>.+)$", re.IGNORECASE)
_DOCUMENT_PART = re.compile(r"^(?:Constitution|Section|Part|Appendix|Annex|Schedule)\b", re.IGNORECASE)
_EXPECT = re.compile(
    r"^(?P<who>.*?)\b(?:can|could|may|should|will|are entitled to|is entitled to|have a right to|has a right to)\s+"
    r"(?:also\s+)?(?:reasonably\s+|rightly\s+)?expect\b(?P<rest>.*)$",
    re.IGNORECASE,
)
_ROLE_SECTION = re.compile(r"\brole|who does what|responsibilit|duties\b", re.IGNORECASE)
_TITLE = re.compile(
    r"\b(?:the\s+)?((?:(?:[A-Z][a-z]+(?:-[A-Z][a-z]+)?|[A-Z]{2,4})\s+|Vice-){0,3}"
    r"(?:Clerk|Officer|Mayor|Chair|Chairman|Chairperson|Leader|Director|Manager|Executive|Treasurer))\b"
)
_BODY = re.compile(
    r"\b((?:[A-Z][\w'’-]*\s+(?:(?:and|at|of|for|on)\s+)?){1,4}(Policy|Committee|Sub-Committee|Panel|Procedure|Board))\b"
)
_STEP = re.compile(
    r"\b(?:rais(?:e|ed|ing)\b[^.]{0,40}?\b(?:with|to)\b|refer(?:red)?\b[^.]{0,30}?\bto\b|report(?:ed)?\b[^.]{0,30}?\bto\b|"
    r"speak (?:to|with)|talk (?:to|with)|discuss(?:ed)?\b[^.]{0,30}?\bwith\b|contact\b|complain|"
    r"take (?:it|this|the matter|the issue|the concern) (?:up )?with|approach|seek(?:ing)? advice|"
    r"under the|in accordance with)",
    re.IGNORECASE,
)
_CONCERN_WORDS = re.compile(
    r"\b(?:concern|complain|complaint|issue|problem|difficult|dispute|grievance|dissatisf|unhappy|breach|"
    r"wrong|bull|harass|disagree)",
    re.IGNORECASE,
)
_PROHIBITION = re.compile(r"\b(?:must|should|may|will) not\b|\bnever\b", re.IGNORECASE)
_FORMAL = re.compile(
    r"\bformal|grievance|complaint|code of conduct|standards|investigat|disciplin|monitoring officer", re.IGNORECASE
)
_INFORMAL = re.compile(r"\binformal", re.IGNORECASE)
_RAISER = re.compile(
    r"\b((?:[A-Za-z]+\s+){0,3}?(?:councillors?|members?(?: of staff)?|officers?|employees?|staff|clerk|mayor|chair|"
    r"leader|manager|director))\s+(?:who|should|must|may|can|will|wishes|wants|is|are|has|feels|believes)\b",
    re.IGNORECASE,
)
_ABOUT = re.compile(
    r"\b(?:about|concerns|involves|relates to|against)\s+(?:the\s+)?"
    r"(?:(?:work|conduct|behaviour|performance)\s+(?:or\s+(?:work|conduct|behaviour|performance)\s+)?of\s+)?"
    r"(?:the\s+|a\s+|an\s+)?((?:[A-Z][\w-]*\s?)+)"
)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+(?=[A-Z(“\"‘'])")

_SIDES: dict[Party, list[tuple[str, str, str]]] = {
    "councillor": [("Councillor", "Councillors", r"councillors?"), ("Member", "Members", r"members?(?! of staff)")],
    "officer": [
        ("Officer", "Officers", r"officers?"),
        ("Employee", "Employees", r"employees?"),
        ("Member of Staff", "Staff", r"(?:members? of )?staff"),
    ],
}
_OFFICER_TITLES = re.compile(
    r"\b(clerk|officer|staff|employee|director|manager|head of|treasurer|rfo|chief)\b", re.IGNORECASE
)
_COUNCILLOR_TITLES = re.compile(r"\b(councillor|member|mayor|chair|leader|cabinet|executive|group)", re.IGNORECASE)


@dataclass
class Note:
    """One line of the review list: where in the document, and what to confirm or decide."""

    where: str
    text: str

    @property
    def line(self) -> str:
        return f"{self.where}: {self.text}"


@dataclass
class _Clause:
    ref: str
    where: str
    heading: str | None = None
    text: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)
    unmarked: bool = False
    expect: dict[str, str] | None = None
    id: str | None = None

    def words(self) -> str:
        return " ".join([self.heading or "", *self.text, *self.items])


@dataclass
class _Section:
    ref: str | None
    heading: str | None
    where: str
    clauses: list[_Clause] = field(default_factory=list)


@dataclass
class Draft:
    """The council file proposed (as data ready for YAML) and the review list."""

    data: dict[str, Any]
    review: list[Note]


def build(blocks: list[Block], council_id: str, source_name: str) -> Draft:
    return _Builder(blocks, council_id, source_name).build()


class _Builder:
    def __init__(self, blocks: list[Block], council_id: str, source_name: str) -> None:
        self.blocks = blocks
        self.council_id = council_id
        self.source_name = source_name
        self.review: list[Note] = []
        self.meta: dict[str, str] = {}
        self.front: list[str] = []
        self.sections: list[_Section] = []
        self.parties: dict[Party, tuple[str, str]] = {}

    # --- the whole draft ------------------------------------------------------------------------
    def build(self) -> Draft:
        body = self._front_matter()
        self._body(body)
        for section in self.sections:  # a heading with nothing under it is kept as a clause of its own
            if not section.clauses:
                ref = section.ref or _short_ref(section.heading)
                section.clauses.append(_Clause(ref, section.where, heading=section.heading))
        if not self.sections:
            raise ImportSourceError(
                f"{self.source_name}: found a title but no paragraphs after it; is this the whole protocol?"
            )
        self._choose_parties()
        self._unique_ids()
        self._expectations()
        roles = self._roles()
        bodies = self._bodies()
        procedures = self._procedures(roles, bodies)
        concerns = self._concerns()
        self._review_line()
        data: dict[str, Any] = {"council": self.meta.get("council") or self.council_id}
        for key in ("title", "document_section", "adopted", "adopted_by", "minute", "review", "version"):
            if key in self.meta:
                data[key] = self.meta[key]
        data.setdefault("title", "Protocol on Member/Officer Relations")
        front = " · ".join(self.front)
        data["source"] = f"{self.source_name}" + (f" ({front})" if front else "")
        data["parties"] = {
            party: {"singular": singular, "plural": plural} for party, (singular, plural) in self.parties.items()
        }
        data["sections"] = [self._section_data(s) for s in self.sections]
        data["roles"] = roles
        if procedures:
            data["procedures"] = procedures
        if bodies:
            data["bodies"] = bodies
        if concerns:
            data["concerns"] = concerns
        return Draft(data, self.review)

    def note(self, where: str, text: str) -> None:
        self.review.append(Note(where, text))

    # --- front matter ---------------------------------------------------------------------------
    def _front_matter(self) -> list[Block]:
        """The council, title and adoption lines before the body; the rest of the blocks."""
        for at, block in enumerate(self.blocks):
            text = block.text.strip().rstrip(".")
            kind, _, _ = split_label(text)
            if kind or len(text) > 200 or block.label:
                return self.blocks[at:]
            found = False
            if (
                "council" not in self.meta
                and _COUNCIL.search(text)
                and len(text) < 80
                and "protocol" not in text.lower()
            ):
                self.meta["council"] = _title_case(text)
                found = True
            adoption = _ADOPTED.search(text)
            if adoption and "adopted" not in self.meta:
                self.meta["adopted"] = adoption.group("date")
                if adoption.group("by"):
                    self.meta["adopted_by"] = adoption.group("by")
                found = True
            minute = _MINUTE.search(text)
            if minute and "minute" not in self.meta:
                self.meta["minute"] = minute.group("minute")
                found = True
            version = _VERSION.search(text)
            if version and "version" not in self.meta:
                self.meta["version"] = version.group("version")
                found = True
            review = _REVIEW.search(text)
            if review and "review" not in self.meta and len(text) < 120:
                self.meta["review"] = review.group(0).strip(" ,()")
                found = True
            if not found and "title" not in self.meta and len(text) < 120 and _heading_like(text, block):
                part = _PART.match(text)
                if part:
                    self.meta["document_section"], text = part.group("part"), part.group("rest")
                if _DOCUMENT_PART.match(text) and not re.search(r"\bprotocol\b", text, re.IGNORECASE):
                    self.meta["document_section"] = text
                else:
                    self.meta["title"] = _title_case(text)
                found = True
            if not found:
                return self.blocks[at:]
            self.front.append(block.text.strip())
            self.note(block.where, f"front matter, read as {self._front_reading(block.text)}: confirm")
        return []

    def _front_reading(self, text: str) -> str:
        keys = [k for k, v in self.meta.items() if v and (v in text or v in _title_case(text))]
        return ", ".join(f"{k} '{self.meta[k]}'" for k in keys) or "part of the heading"

    def _review_line(self) -> None:
        for missing in ("council", "title", "adopted", "minute"):
            if missing not in self.meta:
                self.note(self.source_name, f"no {missing} found in the document: add it if it has one")
        if "version" not in self.meta:
            self.note(self.source_name, "no version found; 'version' is optional (add one to announce changes by it)")

    # --- the body: sections, clauses, items -----------------------------------------------------
    def _body(self, blocks: list[Block]) -> None:
        numbered_levels = [
            b.level for b in blocks if b.kind == "heading" and _is_section_number(b.label or split_label(b.text)[1])
        ]
        numbered_sections = any(
            _is_section_number(_label(b)[1]) and _heading_like(_label(b)[2], b) for b in blocks if _label(b)[0]
        )
        top_level = min(numbered_levels, default=min((b.level for b in blocks if b.kind == "heading"), default=0))
        current: _Clause | None = None
        section: _Section | None = None
        pending: tuple[str, str] | None = None  # an un-numbered sub-heading waiting for its clause
        last_marker: str | None = None
        for block in blocks:
            kind, marker, rest = _label(block)
            if block.doubt:
                self.note(block.where, block.doubt)
            heading = block.kind == "heading" or (block.kind == "para" and _heading_like(rest, block))
            if kind == "letter" or kind == "roman":
                kind = letter_or_roman(marker, last_marker) if kind == "roman" else kind
            if heading and kind in (None, "decimal"):
                if pending:  # a heading with nothing under it: kept as a clause of its own
                    self._heading_only(section or self._preamble(pending[1]), pending)
                    pending = None
                sectional = (
                    _is_section_number(marker)
                    if kind
                    else self._is_section_heading(block, rest, numbered_sections, top_level)
                )
                if sectional:
                    section = _Section(marker or None, rest, block.where)
                    self.sections.append(section)
                    current, pending = None, None
                    continue
                if kind:
                    section = section or self._preamble(block.where)
                    current = _Clause(marker, block.where, heading=rest)
                    section.clauses.append(current)
                    pending = None
                    continue
                pending = (rest, block.where)
                current = None
                continue
            section = section or self._preamble(block.where)
            if kind == "decimal":
                current = _Clause(marker, block.where, heading=pending[0] if pending else None, text=[rest])
                section.clauses.append(current)
                pending, last_marker = None, None
                continue
            if current is None or (pending and kind is None and block.kind == "para"):
                ref = self._ref_for(section, pending)
                current = _Clause(ref, block.where, heading=pending[0] if pending else None)
                section.clauses.append(current)
                if not current.ref[0].isdigit() or len(section.clauses) > 1:
                    self.note(block.where, f"un-numbered text put under ref '{ref}': check the ref")
                pending = None
            if kind in ("letter", "roman", "bullet") or block.kind == "item":
                current.items.append(rest)
                if kind in ("letter", "roman"):
                    current.markers.append(marker)
                    last_marker = marker
                else:
                    current.unmarked = True
            elif current.items:
                current.text.append(rest)
                self.note(block.where, f"text after the list in {current.ref}: kept in its text, which shows first")
            else:
                current.text.append(rest)
        if pending:
            self._heading_only(section or self._preamble(pending[1]), pending)

    def _heading_only(self, section: _Section, pending: tuple[str, str]) -> None:
        ref = self._ref_for(section, pending)
        section.clauses.append(_Clause(ref, pending[1], heading=pending[0]))
        self.note(pending[1], f"“{pending[0][:50]}” reads as a heading with nothing under it: kept under '{ref}'")

    def _is_section_heading(self, block: Block, text: str, numbered_sections: bool, top_level: int) -> bool:
        """Is an un-numbered heading a part of the document (a section) or a heading inside one?"""
        if not numbered_sections:
            return block.kind != "heading" or block.level <= top_level or block.level == 0
        if block.kind == "heading" and 0 < block.level <= top_level:
            return True
        letters = [c for c in text if c.isalpha()]
        return bool(letters) and all(c.isupper() for c in letters) and len(letters) > 3

    def _preamble(self, where: str) -> _Section:
        section = _Section("Preamble", None, where)
        self.sections.append(section)
        return section

    def _ref_for(self, section: _Section, pending: tuple[str, str] | None) -> str:
        """A ref for un-numbered text: the clause before it, else its section's number, else a heading's words."""
        if section.clauses:
            return section.clauses[-1].ref
        if section.ref:
            return section.ref
        return _short_ref(pending[0] if pending else section.heading)

    def _unique_ids(self) -> None:
        seen: dict[str, int] = {}
        keys = {clause.ref for section in self.sections for clause in section.clauses}
        for section in self.sections:
            for clause in section.clauses:
                seen[clause.ref] = seen.get(clause.ref, 0) + 1
                if seen[clause.ref] > 1:
                    n = seen[clause.ref]
                    while (key := _slug(f"{clause.ref}-{n}")) in keys:
                        n += 1
                    clause.id = key
                    keys.add(key)
            if section.ref is None and not section.heading:
                section.heading = section.clauses[0].ref
        for section in self.sections:
            for clause in section.clauses:
                if clause.markers and (clause.unmarked or len(clause.markers) != len(clause.items)):
                    self.note(clause.where, f"clause {clause.ref} mixes lettered and bulleted items: letters dropped")
                    clause.markers = []
                if not (clause.text or clause.items or clause.heading):
                    clause.heading = section.heading or clause.ref

    # --- parties, expectations, roles -----------------------------------------------------------
    def _choose_parties(self) -> None:
        words = " ".join(c.words() for s in self.sections for c in s.clauses)
        for party, names in _SIDES.items():
            counts = {name: len(re.findall(rf"\b{pattern}\b", words, re.IGNORECASE)) for name, _, pattern in names}
            best = max(names, key=lambda n: counts[n[0]])
            self.parties[party] = best[:2]
            self.note(
                self.source_name,
                f"the {party} side is called '{best[1]}' ({counts[best[0]]} mentions): confirm parties.{party}",
            )

    def _side(self, text: str) -> Party | None:
        """Which side a phrase names ('Members of Staff', 'the Clerk', 'all Councillors')."""
        lowered = text.casefold()
        officer = self.parties["officer"]
        councillor = self.parties["councillor"]
        if re.search(rf"\b({re.escape(officer[0].casefold())}|{re.escape(officer[1].casefold())})\b", lowered):
            return "officer"
        if _OFFICER_TITLES.search(lowered):
            return "officer"
        if re.search(rf"\b({re.escape(councillor[0].casefold())}s?)\b", lowered) or _COUNCILLOR_TITLES.search(lowered):
            return "councillor"
        return None

    def _expectations(self) -> None:
        for section in self.sections:
            for clause in section.clauses:
                if not (clause.items or clause.text):
                    continue
                said = [clause.heading or "", *_SENTENCE.split(clause.text[0] if clause.text else "")]
                for line in said:
                    found = _EXPECT.match(line.strip())
                    if not found or len(found.group("who").split()) > 6:
                        continue
                    who = self._side(found.group("who"))
                    whom = self._side(found.group("rest")) or (_other(who) if who else None)
                    if who and whom and who != whom:
                        clause.expect = {"who": who, "from": whom}
                        shape = "list" if clause.items else "prose"
                        self.note(
                            clause.where,
                            f"clause {clause.ref}: proposed as what {self.parties[who][1]} can expect from "
                            f"{self.parties[whom][1]} ({shape}), from “{line.strip()[:70]}”: confirm expect",
                        )
                        break

    def _roles(self) -> list[dict[str, Any]]:
        roles: dict[str, dict[str, Any]] = {}
        for section in self.sections:
            in_roles = bool(section.heading and _ROLE_SECTION.search(section.heading))
            for clause in section.clauses:
                if not (clause.heading and in_roles) or len(clause.heading.split()) > 8:
                    continue
                party = self._side(clause.heading)
                if party is None:
                    continue
                self._add_role(roles, clause.heading, party, clause.ref, clause.where, "its heading")
        words = [(c, c.words()) for s in self.sections for c in s.clauses]
        for clause, text in words:
            for title in _TITLE.findall(text):
                title = re.sub(r"^(?:The|A|An|Any|Each|Every|If|Where|When|All)\s+", "", title)
                if len(title.split()) < 2 and title.lower() not in ("clerk", "mayor", "treasurer", "chairman"):
                    continue
                count = sum(t.count(title) for _, t in words)
                if count >= 2:
                    self._add_role(
                        roles,
                        title,
                        "officer" if _OFFICER_TITLES.search(title) else "councillor",
                        clause.ref,
                        clause.where,
                        f"the title '{title}' used {count} times",
                    )
        sides: tuple[Party, ...] = ("councillor", "officer")
        for party in sides:
            if party not in roles:
                plural = self.parties[party][1]
                ref = next((c.ref for _, c in self._mentioning(plural)), self.sections[0].clauses[0].ref)
                roles[party] = {"id": party, "name": plural, "party": party, "refs": [ref]}
                self.note(self.source_name, f"role '{party}' ({plural}) added for the whole side, at clause {ref}")
        return list(roles.values())

    def _add_role(
        self, roles: dict[str, dict[str, Any]], title: str, party: Party, ref: str, where: str, why: str
    ) -> None:
        words = re.findall(r"\(([A-Z]{2,6})\)", title)
        name = re.sub(r"\s*\([^)]*\)", "", re.sub(r"^(?:The|A|An)\s+", "", title)).strip()
        if name.casefold() in (n.casefold() for n in self.parties[party]):
            role_id: str = party
        else:
            role_id = _slug(name)[:40].strip("-") or party
        if role_id in roles:
            if ref not in roles[role_id]["refs"] and why == "its heading":
                roles[role_id]["refs"].append(ref)
            return
        for existing in roles.values():
            known = existing["name"].casefold().rstrip("s")
            if known == name.casefold().rstrip("s") or re.search(rf"\b{re.escape(name.casefold())}\b", known):
                return
        role: dict[str, Any] = {"id": role_id, "name": name, "party": party, "refs": [ref]}
        if words:
            role["words"] = words
        roles[role_id] = role
        self.note(where, f"proposed role '{role_id}' ({name}, {party} side) from {why}: confirm roles")

    def _mentioning(self, words: str) -> list[tuple[_Section, _Clause]]:
        return [
            (s, c) for s in self.sections for c in s.clauses if re.search(rf"\b{re.escape(words)}\b", c.words(), re.I)
        ]

    # --- bodies and procedures ------------------------------------------------------------------
    def _bodies(self) -> list[dict[str, Any]]:
        bodies: dict[str, dict[str, Any]] = {}
        for section in self.sections:
            for clause in section.clauses:
                for name, kind in (m for line in [*clause.text, *clause.items] for m in _BODY.findall(line)):
                    name = re.sub(
                        r"^(?:(?:The|Its|A|An|This|That|Each|Every|Any|If|Where|When|\w+['’]s)\s+)+", "", name
                    )
                    name = name.strip()
                    if len(name.split()) < 2 or "Protocol" in name:
                        continue
                    body_id = _slug(name)[:40].strip("-")
                    if body_id in bodies:
                        if clause.ref not in bodies[body_id]["refs"] and len(bodies[body_id]["refs"]) < 5:
                            bodies[body_id]["refs"].append(clause.ref)
                        continue
                    body_kind = {"Sub-Committee": "committee", "Board": "committee", "Panel": "committee"}.get(
                        kind, kind.lower()
                    )
                    bodies[body_id] = {"id": body_id, "name": name, "kind": body_kind, "refs": [clause.ref]}
                    self.note(
                        clause.where, f"proposed {body_kind} '{name}' as a place a concern can go: confirm bodies"
                    )
        return list(bodies.values())

    def _procedures(self, roles: list[dict[str, Any]], bodies: list[dict[str, Any]]) -> list[dict[str, Any]]:
        found: dict[Party, dict[str, Any]] = {}
        for section in self.sections:
            raiser: Party | None = None
            for clause in section.clauses:
                if clause.expect:
                    continue
                sentences = [s for t in [*clause.text, *clause.items] for s in _SENTENCE.split(t)]
                for sentence in sentences:
                    raiser = self._raiser(sentence) or raiser
                    if not _STEP.search(sentence):
                        continue
                    about_concerns = _CONCERN_WORDS.search(section.heading or "")
                    if not (about_concerns or (_CONCERN_WORDS.search(sentence) and self._raiser(sentence))):
                        continue
                    side = raiser or self._side(section.heading or "")
                    if side is None:
                        self.note(
                            clause.where,
                            f"clause {clause.ref}: “{sentence[:60]}…” reads like a step, "
                            "but for which side? Add it to a procedure by hand if it is one",
                        )
                        continue
                    procedure = found.setdefault(
                        side,
                        {
                            "id": f"{side}-concerns",
                            "ref": clause.ref,
                            "also": [],
                            "raised_by": side,
                            "about": [r["id"] for r in roles if r["party"] == _other(side)],
                            "steps": [],
                        },
                    )
                    if clause.ref != procedure["ref"] and clause.ref not in procedure["also"]:
                        procedure["also"].append(clause.ref)
                    step = self._step(sentence, clause, procedure, roles, bodies)
                    procedure["steps"].append(step)
                    self.note(
                        clause.where,
                        f"proposed {step['route']} step for {self.parties[side][1]} (clause {clause.ref}): "
                        f"“{sentence[:70]}”: confirm procedures",
                    )
        out = []
        for procedure in found.values():
            if not procedure["also"]:
                del procedure["also"]
            if all(s["route"] == "prohibition" for s in procedure["steps"]):
                continue
            out.append(procedure)
        return out

    def _raiser(self, sentence: str) -> Party | None:
        found = _RAISER.search(sentence)
        return self._side(found.group(1)) if found else None

    def _step(
        self,
        sentence: str,
        clause: _Clause,
        procedure: dict[str, Any],
        roles: list[dict[str, Any]],
        bodies: list[dict[str, Any]],
    ) -> dict[str, Any]:
        if _PROHIBITION.search(sentence) and not re.search(r"\bmust not\b[^.]*\bunless\b", sentence):
            route = "prohibition"
        elif _FORMAL.search(_INFORMAL.sub("", sentence)):
            route = "formal"
        elif _INFORMAL.search(sentence):
            route = "informal"
        else:
            route = "informal" if not procedure["steps"] else "formal"
        step: dict[str, Any] = {"route": route, "quote": sentence.strip()}
        if clause.ref != procedure["ref"]:
            step["ref"] = clause.ref
        named = [r["id"] for r in roles if r["id"] not in ("councillor", "officer") and r["name"] in sentence]
        about = _ABOUT.search(sentence)
        named_about = [r for r in roles if about and r["name"] in about.group(1) and r["id"] in procedure["about"]]
        when = [max(named_about, key=lambda r: len(r["name"]))["id"]] if named_about else []
        if when and when[0] not in ("councillor", "officer"):
            step["when_about"] = when
            named = [n for n in named if n not in when]
        if named and route != "prohibition":
            step["contacts"] = named
        to = [b["id"] for b in bodies if b["name"] in sentence]
        if to and route != "prohibition":
            step["to"] = to
        return step

    # --- kinds of concern -----------------------------------------------------------------------
    def _concerns(self) -> list[dict[str, Any]]:
        """The shared kinds of concern (bullying, confidentiality…) the document speaks of, each citing
        the sentences that use its words."""
        out = []
        for kind, phrases in shared().concerns.items():
            patterns = [re.compile(rf"\b{re.escape(p)}", re.IGNORECASE) for p in phrases if len(p) > 3]
            scored: list[tuple[int, int, dict[str, str]]] = []
            for section in self.sections:
                for clause in section.clauses:
                    for line in [*clause.text, *clause.items]:
                        for sentence in _SENTENCE.split(line):
                            hits = sum(bool(p.search(sentence)) for p in patterns)
                            if hits and len(sentence) > 20:
                                scored.append((-hits, len(scored), {"ref": clause.ref, "quote": sentence.strip()}))
            cites = [cite for _, _, cite in sorted(scored, key=lambda s: s[:2])[:3]]
            if cites:
                label = kind.replace("-", " ").capitalize()
                out.append({"id": kind, "label": label, "cites": cites})
                refs = ", ".join(dict.fromkeys(c["ref"] for c in cites))
                self.note(self.source_name, f"proposed kind of concern '{kind}' citing clause {refs}: confirm concerns")
        return out

    # --- output ---------------------------------------------------------------------------------
    def _section_data(self, section: _Section) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if section.ref:
            out["ref"] = section.ref
        if section.heading:
            out["heading"] = section.heading
        out["clauses"] = [self._clause_data(c) for c in section.clauses]
        return out

    @staticmethod
    def _clause_data(clause: _Clause) -> dict[str, Any]:
        out: dict[str, Any] = {"ref": clause.ref}
        if clause.id:
            out["id"] = clause.id
        for key in ("heading", "text", "items", "markers", "expect"):
            value = getattr(clause, key)
            if value:
                out[key] = value
        return out


def _label(block: Block) -> tuple[str | None, str, str]:
    """A block's marker: the one its format kept outside the text, else the one typed at its start."""
    if block.label is not None:
        kind, marker, _ = split_label(block.label + " x")
        if kind:
            return kind, marker, block.text
        return None, "", block.text
    return split_label(block.text)


def _short_ref(heading: str | None) -> str:
    """A ref for a part the document does not number: its heading's first words."""
    return re.sub(r"[()]", "", heading or "")[:20].strip(" :;,.") or "Preamble"  # '(a)' would read as an item


def _is_section_number(marker: str | None) -> bool:
    return bool(marker) and marker is not None and marker.isdigit()


def _heading_like(text: str, block: Block) -> bool:
    """A line that reads as a heading: short, capitalised, not a sentence."""
    text = text.strip()
    if block.kind == "heading":
        return True
    if block.kind == "item" or not text or len(text) > 90 or len(text.split()) > 12:
        return False
    if text.endswith((".", ";", ",", ":")) and not text.endswith("etc."):
        return False
    return text[0].isupper() or text[0].isdigit() or text[0] in "“\"'("


def _title_case(text: str) -> str:
    text = text.strip().rstrip(".")
    if text.isupper():
        small = {"and", "of", "on", "the", "for", "in", "to", "a"}
        words = text.lower().split()
        return " ".join(w if i and w in small else w[:1].upper() + w[1:] for i, w in enumerate(words))
    return text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "x"


def _other(party: Party) -> Party:
    return "officer" if party == "councillor" else "councillor"
