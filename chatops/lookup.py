"""``/protocol …`` lookups: parse the text after the command and answer it from the protocol.

Every path ends in a useful reply: a missing part of a council's protocol is said plainly with the
nearest thing it has, an unknown word gets a suggestion, and anything else is a question for search.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

from . import wording as w
from .model import Clause, Party, Protocol, Section, split_ref, squash
from .reply import FACTS, Block, Choice, Paragraph, Quote, Reply
from .search import Hit, Searcher
from .text import MAX_INPUT, Speller, clean, words
from .vocabulary import Resolved, for_protocol

Handler = Callable[["Lookup", str], Reply]

RECENT_ANSWERS = 512

_REF = re.compile(
    r"^(?:§|s\.?|sec\.?|section|clause|para(?:graph)?)?\s*(\d+(?:\.\d+)*(?:\s*\((?:[a-z]{1,2}|[ivx]{1,5})\))?)\.?$",
    re.IGNORECASE,
)
_WHEN_THINGS_GO_WRONG = re.compile(r"^when\s+things\s+go\s+wrong\b", re.IGNORECASE)


def command_value(args: str) -> str:
    """The input a choice sends back, written as the user would type it."""
    return f"{w.COMMAND_PREFIX} {args}".strip()


class Lookup:
    """Answers one council's lookups. Cheap to create; the searcher is built once per council."""

    def __init__(self, protocol: Protocol, searcher: Searcher) -> None:
        self.protocol = protocol
        self.searcher = searcher
        self._recent: OrderedDict[str, Reply] = OrderedDict()

    # --- entry point -------------------------------------------------------------------------
    def answer(self, raw: str) -> Reply:
        """The reply to ``/protocol raw``. Answers depend only on the text and the (immutable)
        protocol, so the most recent ones are remembered: most people ask the same few things."""
        text, truncated = clean(raw)
        key = f"{int(truncated)}{text}"
        cached = self._recent.get(key)
        if cached is not None:
            self._recent.move_to_end(key)
            return cached
        reply = self._answer(text, truncated)
        self._recent[key] = reply
        if len(self._recent) > RECENT_ANSWERS:
            self._recent.popitem(last=False)
        return reply

    def compute(self, raw: str) -> Reply:
        """The reply worked out afresh (what a first-time question costs)."""
        return self._answer(*clean(raw))

    def _answer(self, text: str, truncated: bool) -> Reply:
        if text.lower().startswith(w.COMMAND_PREFIX):
            text = text[len(w.COMMAND_PREFIX) :].strip()
        reply = self._dispatch(text)
        if truncated:
            reply = self._with_note(reply, w.TRUNCATED_NOTE.format(limit=MAX_INPUT))
        return reply

    def _dispatch(self, text: str) -> Reply:
        if not text or text in {"?", "/"}:
            return self.help(empty=True)
        if _WHEN_THINGS_GO_WRONG.match(text):
            return self.procedure(_WHEN_THINGS_GO_WRONG.sub("", text).strip())
        if _REF.match(text):
            return self.section(text)
        first, _, rest = text.partition(" ")
        name = first.lower()
        if name in _ALIASES:
            return _ALIASES[name](self, rest.strip())
        meant = _COMMAND_SPELLER.correct(name) if len(words(text)) <= 3 else None
        if meant:
            reply = _ALIASES[meant](self, rest.strip())
            return self._with_note(reply, w.TYPO_NOTE.format(meant=meant, typed=first))
        return self.search(text)

    # --- commands ----------------------------------------------------------------------------
    def help(self, rest: str = "", empty: bool = False) -> Reply:
        blocks: list[Block] = [Paragraph(text=self._fill(w.HELP_INTRO))]
        examples = help_examples(self.protocol)
        lines = [f"`{w.COMMAND_PREFIX} {example}` — {c.description}" for c, example in examples]
        lines.append(w.HELP_QUESTION.format(example=w.QUESTION_EXAMPLE))
        blocks.append(Paragraph(text="\n".join(lines)))
        channel_lines = [f"`{w.COMMAND_PREFIX} {c.example}` — {c.description}" for c in w.CHANNEL_COMMANDS]
        blocks.append(Paragraph(text="\n".join([w.HELP_CHANNELS, *channel_lines])))
        choices = [Choice(label=example, value=command_value(example)) for _, example in examples[1:4]]
        return self._reply(w.EMPTY_TITLE if empty else w.HELP_TITLE, blocks, choices, cite=False)

    def about(self, rest: str = "") -> Reply:
        p = self.protocol
        lines = [f"{label}: {getattr(p, field)}" for label, field in w.ABOUT_LINES if getattr(p, field)]
        blocks: list[Block] = [Paragraph(text="\n".join(lines), tag=FACTS)]
        if not p.adopted and not p.minute:
            blocks.append(Paragraph(text=w.ABOUT_NOT_GIVEN))
        refs = ", ".join(s.label for s in p.sections)
        blocks.append(Paragraph(text=w.SECTION_LIST.format(refs=refs)))
        choices = [
            Choice(label=w.CHOICE_READ_ALL, value=command_value("section all")),
            Choice(label=w.CHOICE_HELP, value=command_value("help")),
        ]
        return self._reply(w.ABOUT_TITLE, blocks, choices)

    def home(self) -> Reply:
        """The front page a platform shows (Slack's App Home): the protocol, its version, quick lookups."""
        p = self.protocol
        blocks: list[Block] = [Paragraph(text=w.HOME_INTRO.format(council=p.council, title=p.title))]
        if p.adopted or p.minute:
            version = w.version_label(p.adopted, p.minute)
            blocks.append(Paragraph(text=w.HOME_VERSION.format(version=version[:1].upper() + version[1:])))
        blocks += [Paragraph(text=w.HOME_ASK), Paragraph(text=w.HOME_PRIVATE)]
        quick = ["expectations officer", "expectations councillor", "roles", "procedure", "about"]
        if not p.procedures:
            quick.remove("procedure")
        choices = [Choice(label=self._fill(w.HOME_QUICK[q]), value=command_value(q)) for q in quick]
        return self._reply(p.title, blocks, choices)

    def roles(self, rest: str) -> Reply:
        p = self.protocol
        if not rest:
            blocks: list[Block] = [Paragraph(text=self._fill(w.ROLES_INTRO))]
            blocks.append(Paragraph(text="\n".join(f"• {r.name} ({self._refs(r.refs)})" for r in p.roles)))
            choices = [Choice(label=r.name, value=command_value(f"roles {r.id}")) for r in p.roles]
            return self._reply(w.ROLES_TITLE, blocks, choices)
        resolved = for_protocol(p).resolve(rest)
        if resolved is None:
            return self._unknown_who(rest, "roles")
        blocks = self._typo(resolved, rest)
        if resolved.role is None:
            blocks.append(Paragraph(text=self._fill(w.ROLE_NOWHERE)))
            return self._reply(w.ROLES_TITLE, blocks, self._role_choices())
        role = p.role_by_id[resolved.role]
        if resolved.asked != resolved.role:
            blocks.append(Paragraph(text=self._fill(w.ROLE_MISSING, asked=rest, role=role.name)))
        blocks += self._quote_refs(role.refs)
        reverse: Party = "officer" if role.party == "councillor" else "councillor"
        choices = [
            self._expect_choice(role.party),
            self._expect_choice(reverse),
        ]
        return self._reply(w.ROLES_ONE_TITLE.format(role=role.name), blocks, choices)

    def expectations(self, rest: str) -> Reply:
        if not rest:
            blocks: list[Block] = [Paragraph(text=w.EXPECTATIONS_ASK)]
            return self._reply(w.EXPECTATIONS_ASK_TITLE, blocks, self._expectation_choices(), cite=False)
        vocabulary = for_protocol(self.protocol)
        resolved = vocabulary.resolve(rest)
        if resolved is None:
            return self._unknown_who(rest, "expectations")
        blocks = self._typo(resolved, rest)
        lists = self._expectation_lists(resolved.party)
        if resolved.role and resolved.asked == resolved.role and resolved.role != vocabulary.base_role(resolved.party):
            role = self.protocol.role_by_id[resolved.role]
            side = self.protocol.name_of(resolved.party)
            note = w.EXPECTATIONS_ROLE_NOTE.format(role=role.name, side=side, ref=self._refs(role.refs))
            blocks.append(Paragraph(text=note))
        if not lists:
            return self.search(f"{rest} expect")
        blocks += [self._quote(c) for c in lists]
        reverse: Party = "officer" if resolved.party == "councillor" else "councillor"
        choices = [self._expect_choice(reverse)]
        if self.protocol.procedures:
            choices.append(Choice(label=w.PROCEDURE_TITLE, value=command_value("procedure")))
        return self._reply(self._expect_title(resolved.party), blocks, choices)

    def principles(self, rest: str = "") -> Reply:
        found = [c for c in self.protocol.clauses if c.principles]
        if found:
            return self._reply(w.PRINCIPLES_TITLE, [self._quote(c) for c in found], self._expectation_choices())
        blocks: list[Block] = [Paragraph(text=self._fill(w.PRINCIPLES_MISSING))]
        blocks += [self._quote_hit(h) for h in self.searcher.search(w.PRINCIPLES_NEAREST_QUERY, limit=3)]
        return self._reply(w.PRINCIPLES_TITLE, blocks, self._expectation_choices())

    def procedure(self, rest: str) -> Reply:
        p = self.protocol
        resolved = for_protocol(p).resolve(rest) if rest else None
        if rest and resolved is None:
            return self._unknown_who(rest, "procedure")
        raised_by = resolved.party if resolved else None
        blocks: list[Block] = self._typo(resolved, rest) if resolved else []
        if not p.procedures:
            sides: list[Party] = [raised_by] if raised_by else ["officer", "councillor"]
            who = " and ".join(p.name_of(s) for s in sides)
            blocks.append(Paragraph(text=self._fill(w.PROCEDURE_MISSING, who=who)))
            blocks += [self._quote(c) for side in sides for c in self._expectation_lists(side)]
            return self._reply(w.PROCEDURE_TITLE, blocks, self._expectation_choices())
        chosen = [pr for pr in p.procedures if raised_by is None or pr.raised_by == raised_by]
        if not chosen:
            blocks.append(Paragraph(text=self._fill(w.PROCEDURE_MISSING_SIDE, who=p.name_of(raised_by or "officer"))))
            chosen = list(p.procedures)
        blocks += self._quote_refs([ref for pr in chosen for ref in (pr.ref, *pr.also)])
        title = w.PROCEDURE_TITLE
        if len(chosen) == 1:
            heading = self._heading_at(chosen[0].ref)
            title = w.PROCEDURE_FOR_TITLE.format(heading=heading) if heading else title
        choices = [
            Choice(label=self._heading_at(pr.ref) or pr.ref, value=command_value(f"procedure {pr.raised_by}"))
            for pr in p.procedures
            if pr not in chosen
        ]
        return self._reply(title, blocks, choices)

    def section(self, rest: str) -> Reply:
        p = self.protocol
        if not rest:
            example = p.clauses[-1].ref
            return self._reply(
                w.SECTION_ASK_TITLE,
                [Paragraph(text=w.SECTION_ASK.format(example=example))],
                self._section_choices(),
                cite=False,
            )
        if rest.strip().lower() in w.WHOLE_WORDS:
            intro = Paragraph(text=w.WHOLE_INTRO.format(count=len(p.sections)))
            whole = self._reply(w.WHOLE_TITLE, [intro, *(self._quote(c) for c in p.clauses)], self._section_choices())
            return whole.model_copy(update={"index": True})
        match = _REF.match(rest)
        ref = re.sub(r"\s+", "", match.group(1)) if match else rest.strip()
        section = self._section_named(ref)
        if section:
            return self._reply(
                _section_title(section),
                [self._quote(c) for c in section.clauses],
                self._neighbour_choices(section.clauses),
            )
        base, marker = split_ref(ref)
        item = next((c for c in p.clauses if c.ref == base and c.item(marker)), None) if marker else None
        if item:
            shown = Quote(ref=ref, heading=item.heading, items=[item.item(marker) or ""])
            return self._reply(w.SECTION_TITLE.format(ref=ref), [shown], self._neighbour_choices([item]))
        found = p.clauses_at(ref) or [c for c in p.clauses if c.ref.lower() == ref.lower()]
        found = found or [c for c in p.clauses if c.heading and squash(c.heading).rstrip(":") == squash(ref)]
        if found:
            cited = Quote(ref=found[0].ref)
            title = w.SECTION_TITLE.format(ref=cited.ref) if cited.label != cited.ref else cited.ref
            return self._reply(title, [self._quote(c) for c in found], self._neighbour_choices(found))
        blocks: list[Block] = [Paragraph(text=self._fill(w.SECTION_MISSING, ref=ref))]
        near = self._nearest_refs(ref)
        if near:
            blocks.append(Paragraph(text=w.SECTION_NEAREST.format(refs=", ".join(near))))
        choices = [Choice(label=w.CHOICE_SECTION.format(ref=r), value=command_value(f"section {r}")) for r in near]
        return self._reply(
            w.SECTION_MISSING_TITLE.format(ref=ref), blocks, choices or self._section_choices(), cite=False
        )

    def search(self, rest: str) -> Reply:
        if not rest:
            return self._reply(
                w.SEARCH_TITLE,
                [Paragraph(text=w.SEARCH_ASK.format(example=w.QUESTION_EXAMPLE))],
                self._expectation_choices(),
                cite=False,
            )
        hits = self.searcher.search(rest, limit=3)
        if not hits:
            blocks: list[Block] = [Paragraph(text=self._fill(w.SEARCH_NONE))]
            examples = help_examples(self.protocol)[:4]
            choices = [Choice(label=example, value=command_value(example)) for _, example in examples]
            return self._reply(w.SEARCH_TITLE, blocks, choices, cite=False)
        choices = [
            Choice(label=w.CHOICE_SECTION.format(ref=h.passage.ref), value=command_value(f"section {h.passage.ref}"))
            for h in _distinct_refs(hits)
        ]
        return self._reply(w.SEARCH_TITLE, [self._quote_hit(h) for h in hits], choices)

    # --- helpers -----------------------------------------------------------------------------
    def _reply(self, title: str, blocks: list[Block], choices: list[Choice], cite: bool = True) -> Reply:
        """A reply about this council; one that quotes the protocol may be shared (it reads the same to all)."""
        return self.reply_for(self.protocol, title, blocks, choices, cite)

    @staticmethod
    def reply_for(
        protocol: Protocol, title: str, blocks: list[Block], choices: list[Choice], cite: bool = True
    ) -> Reply:
        """A reply about ``protocol``: its council named, and the document cited unless ``cite`` is off."""
        return Reply(
            council=protocol.id,
            council_name=protocol.council,
            title=title,
            blocks=blocks,
            choices=choices,
            source=protocol.citation if cite else "",
            shareable=any(isinstance(b, Quote) for b in blocks),
        )

    def _fill(self, template: str, **values: str) -> str:
        p = self.protocol
        return template.format(
            council=p.council, Officers=p.name_of("officer"), Councillors=p.name_of("councillor"), **values
        )

    def _expect_title(self, who: Party) -> str:
        whom: Party = "officer" if who == "councillor" else "councillor"
        return w.EXPECTATIONS_TITLE.format(who=self.protocol.name_of(who), whom=self.protocol.name_of(whom))

    def _expectation_lists(self, who: Party) -> list[Clause]:
        return [c for c in self.protocol.clauses if c.expect and c.expect.who == who]

    def _expect_choice(self, who: Party) -> Choice:
        label = w.EXPECTATIONS_CHOICE.format(who=self.protocol.name_of(who))
        return Choice(label=label, value=command_value(f"expectations {who}"))

    def _expectation_choices(self) -> list[Choice]:
        return [self._expect_choice(side) for side in ("officer", "councillor")]

    def _role_choices(self) -> list[Choice]:
        return [Choice(label=r.name, value=command_value(f"roles {r.id}")) for r in self.protocol.roles]

    def _section_choices(self) -> list[Choice]:
        return [self._section_choice(s) for s in self.protocol.sections]

    @staticmethod
    def _section_choice(section: Section) -> Choice:
        return Choice(
            label=_section_label(section.ref, section.heading), value=command_value(f"section {section.address}")
        )

    def _section_named(self, typed: str) -> Section | None:
        """The section typed by its number (``3``, ``26-32``) or its heading (``confidentiality``), in
        full or by its first words."""
        wanted = squash(typed).rstrip(":")
        sections = self.protocol.sections
        exact = [s for s in sections if wanted in (squash(s.ref or ""), squash(s.heading or "").rstrip(":"))]
        if exact:
            return exact[0]
        if len(wanted) < 4 or wanted[0].isdigit():
            return None
        starting = [s for s in sections if s.heading and squash(s.heading).startswith(wanted)]
        return starting[0] if len(starting) == 1 else None

    def _heading_at(self, ref: str) -> str | None:
        return next((c.heading for c in self.protocol.clauses if c.ref == ref and c.heading), None)

    def _neighbour_choices(self, shown: list[Clause]) -> list[Choice]:
        sections = self.protocol.sections
        current = self.protocol.section_of(shown[-1])
        index = sections.index(current)
        near = [
            s
            for s in (
                sections[index - 1] if index else None,
                sections[index + 1] if index + 1 < len(sections) else None,
            )
            if s
        ]
        return [self._section_choice(s) for s in near]

    def _nearest_refs(self, ref: str) -> list[str]:
        refs = list(dict.fromkeys(c.ref for c in self.protocol.clauses))
        parent = ref
        while "." in parent:
            parent = parent.rsplit(".", 1)[0]
            near = [r for r in refs if r == parent or r.startswith(parent + ".")]
            if near:
                return near[:6]
        return [s.address for s in self.protocol.sections]

    def _quote(self, clause: Clause) -> Quote:
        return Quote(ref=clause.ref, heading=clause.heading, paragraphs=list(clause.text), items=list(clause.items))

    def _quote_refs(self, refs: list[str]) -> list[Block]:
        seen: list[Clause] = []
        for ref in refs:
            seen += [c for c in self.protocol.clauses if c.ref == ref and c not in seen]
        return [self._quote(c) for c in seen]

    def _quote_hit(self, hit: Hit) -> Quote:
        passage = hit.passage
        paragraphs = list(passage.paragraphs)
        if paragraphs and paragraphs[0][:1].islower():
            paragraphs[0] = "…" + paragraphs[0]  # a passage cut from the middle of a sentence says so
        return Quote(
            ref=passage.ref,
            heading=passage.heading or None,
            paragraphs=paragraphs,
            items=list(passage.items),
        )

    def _refs(self, refs: list[str]) -> str:
        return ", ".join(Quote(ref=r).label for r in dict.fromkeys(refs))

    def _typo(self, resolved: Resolved, typed: str) -> list[Block]:
        if resolved.corrected_from:
            return [Paragraph(text=w.TYPO_NOTE.format(meant=resolved.asked, typed=resolved.corrected_from))]
        return []

    def _unknown_who(self, word: str, command: str) -> Reply:
        options = ", ".join(for_protocol(self.protocol).examples()[:5])
        blocks: list[Block] = [Paragraph(text=w.UNKNOWN_WHO.format(word=word[:60], options=options))]
        if command == "roles":
            choices = self._role_choices()
        elif command == "procedure":
            names = [self.protocol.name_of(pr.raised_by, plural=False).casefold() for pr in self.protocol.procedures]
            choices = [Choice(label=f"procedure {n}", value=command_value(f"procedure {n}")) for n in names]
        else:
            choices = self._expectation_choices()
        return self._reply(w.HELP_TITLE, blocks, choices, cite=False)

    @staticmethod
    def _with_note(reply: Reply, note: str) -> Reply:
        return reply.model_copy(update={"blocks": [Paragraph(text=note), *reply.blocks]})


def help_examples(protocol: Protocol) -> list[tuple[w.Command, str]]:
    """Each command with its example filled from this council's data: its own names for each side, a
    clause it has, the side its procedure is for. ``procedure`` is left out when it has none, so help
    never advertises what the council's protocol lacks."""
    values = {
        "councillor": protocol.name_of("councillor", plural=False).casefold(),
        "officer": protocol.name_of("officer", plural=False).casefold(),
        "ref": protocol.clauses[-1].ref,
        "raiser": protocol.name_of(protocol.procedures[0].raised_by, plural=False).casefold()
        if protocol.procedures
        else "",
    }
    return [
        (command, command.example.format(**values))
        for command in w.COMMANDS
        if command.name != "procedure" or protocol.procedures
    ]


def _section_title(section: Section) -> str:
    """A section is titled by its own number and heading, not its first clause's; by its heading when
    the document does not number it."""
    if not section.ref:
        return section.label
    cited = Quote(ref=section.ref)
    title = w.SECTION_TITLE.format(ref=cited.ref) if cited.label != cited.ref else cited.ref
    if section.heading and section.heading.casefold() != title.casefold():
        title += f" {section.heading}"
    return title


def _section_label(ref: str | None, heading: str | None) -> str:
    """A section's button: "Section 2 Roles of Members", "Preamble" (not "Section Preamble Preamble"),
    "Confidentiality" for a section the document does not number."""
    if not ref:
        return heading or ""
    if not ref[:1].isdigit():
        return ref if not heading or heading.casefold() == ref.casefold() else f"{ref} {heading}"
    return w.CHOICE_SECTION.format(ref=ref) + (f" {heading}" if heading else "")


def _distinct_refs(hits: list[Hit]) -> list[Hit]:
    seen: set[str] = set()
    out = []
    for hit in hits:
        if hit.passage.ref not in seen:
            seen.add(hit.passage.ref)
            out.append(hit)
    return out


_ALIASES: dict[str, Handler] = {
    "help": Lookup.help,
    "commands": Lookup.help,
    "roles": Lookup.roles,
    "role": Lookup.roles,
    "expectations": Lookup.expectations,
    "expectation": Lookup.expectations,
    "expect": Lookup.expectations,
    "principles": Lookup.principles,
    "principle": Lookup.principles,
    "procedure": Lookup.procedure,
    "procedures": Lookup.procedure,
    "section": Lookup.section,
    "clause": Lookup.section,
    "sections": Lookup.section,
    "about": Lookup.about,
    "version": Lookup.about,
    "search": Lookup.search,
    "find": Lookup.search,
}
_COMMAND_SPELLER = Speller(name for name in _ALIASES if len(name) >= 4)


def is_command(text: str) -> bool:
    """Whether text (without ``/protocol``) starts with one of the lookup commands or a clause number."""
    cleaned = clean(text)[0]
    first = cleaned.partition(" ")[0].lower()
    return first in _ALIASES or bool(_REF.match(cleaned)) or bool(_WHEN_THINGS_GO_WRONG.match(cleaned))
