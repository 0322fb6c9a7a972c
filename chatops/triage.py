"""Private concern triage as a pure state machine: ``step(state, text, context) → Transition``.

The state holds only answers chosen from fixed lists (never what a person typed), so it is safe
to keep for a limited time. The questions come from the council's protocol data: its sides, the
roles its procedures cover, its concern categories, and whether its procedure offers a male or a
female manager. ``QUESTIONS`` is the table; ``done`` is the end state; anything unexpected gets
the current question again with a short apology (the explicit fallback).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict

from . import wording as w
from .contacts import Contacts, Person
from .inference import Gender, Reading, Tried, read, subject_roles
from .model import Party, Procedure, Protocol, Slug, Step
from .reply import Block, Choice, Paragraph, Quote, Reply
from .text import clean, words
from .vocabulary import ROLE_PARTY, phrase_role

PREFIX = "concern:"
START_WORDS = frozenset(
    {
        "concern",
        "concerns",
        "raise a concern",
        "report",
        "complain",
        "complaint",
        "start",
        "help",
        "/protocol concern",
        "i have a concern",
        "raise concern",
    }
)
FORGET_WORDS = frozenset({"forget", "forget me", "erase", "delete", "/protocol forget", PREFIX + "forget"})
RESTART_WORDS = frozenset({"restart", "start again", "start over", "reset", PREFIX + "restart"})

Phase = Literal["asking", "done", "confirm"]


class TriageState(BaseModel):
    """Button answers only: every field is a fixed choice, validated when loaded from the store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    council: Slug
    phase: Phase = "asking"
    reporter: Party | None = None
    subject: Slug | None = None
    category: Slug | None = None
    informal_tried: Tried | None = None
    gender: Gender | None = None
    handoff: str | None = None  # "contact-key.index" while confirming a hand-off

    def answered(self, **answers: str | None) -> TriageState:
        return self.model_copy(update={k: v for k, v in answers.items() if v is not None})


@dataclass(frozen=True)
class Context:
    protocol: Protocol
    contacts: Contacts
    platform: str = "console"
    user_name: str = "Someone"
    ttl_hours: int = 24


@dataclass(frozen=True)
class Handoff:
    person: Person
    message: str


@dataclass(frozen=True)
class Transition:
    state: TriageState | None  # None: nothing to keep (forgotten)
    reply: Reply
    handoff: Handoff | None = None
    forget: bool = False


@dataclass(frozen=True)
class Question:
    field: str
    applies: Callable[[TriageState, Context], bool]
    options: Callable[[TriageState, Context], list[tuple[str, str]]]  # (value, label)
    prompt: str


# --- the questions, in order ----------------------------------------------------------------------
def _reporter_options(state: TriageState, ctx: Context) -> list[tuple[str, str]]:
    return [(side, _fill(w.REPORTER_LABEL[side], ctx.protocol)) for side in ("officer", "councillor")]


def _subject_options(state: TriageState, ctx: Context) -> list[tuple[str, str]]:
    if state.reporter is None:
        return []  # asked only once the person has said which side they are on
    roles = ctx.protocol.role_by_id
    return [(r, roles[r].name) for r in subject_roles(ctx.protocol, state.reporter) if r in roles]


def _category_options(state: TriageState, ctx: Context) -> list[tuple[str, str]]:
    listed = [(c.id, c.label) for c in ctx.protocol.concerns if c.cites_for(state.reporter)]
    return [*listed, ("other", w.OTHER_CATEGORY)]


def _gender_applies(state: TriageState, ctx: Context) -> bool:
    return any(step.gender_choice for step in _steps(state, ctx))


QUESTIONS: tuple[Question, ...] = (
    Question("reporter", lambda s, c: True, _reporter_options, w.ASK_REPORTER),
    Question("subject", lambda s, c: True, _subject_options, w.ASK_SUBJECT),
    Question("category", lambda s, c: bool(c.protocol.concerns), _category_options, w.ASK_CATEGORY),
    Question("informal_tried", lambda s, c: True, lambda s, c: list(w.INFORMAL_LABEL.items()), w.ASK_INFORMAL),
    Question("gender", _gender_applies, lambda s, c: list(w.GENDER_LABEL.items()), w.ASK_GENDER),
)


def next_question(state: TriageState, ctx: Context) -> Question | None:
    for question in QUESTIONS:
        if getattr(state, question.field) is None and question.applies(state, ctx):
            return question
    return None


def needs(state: TriageState, ctx: Context) -> list[str]:
    """Every question still unanswered that applies (for ``chatops triage --json``)."""
    return [
        q.field
        for q in QUESTIONS
        if getattr(state, q.field) is None
        and (q.field in ("reporter", "subject") or (state.reporter is not None and q.applies(state, ctx)))
    ]


# --- the machine ----------------------------------------------------------------------------------
def start(ctx: Context) -> TriageState:
    return TriageState(council=ctx.protocol.id)


def step(state: TriageState | None, text: str, ctx: Context) -> Transition:
    """One turn of the conversation. ``text`` is a button's value or what the person typed."""
    raw, _ = clean(text)
    lowered = raw.casefold()
    if lowered in FORGET_WORDS:
        return Transition(
            None, _reply(ctx, w.FORGOTTEN_TITLE, [Paragraph(text=w.FORGOTTEN)], [_restart_choice()]), forget=True
        )
    starting = lowered in START_WORDS or lowered == PREFIX + "start"
    if state is None or state.council != ctx.protocol.id or lowered in RESTART_WORDS:
        fresh = start(ctx)
        if lowered.startswith(PREFIX) and "=" in lowered and "handoff" not in lowered:
            state = fresh  # a button from an earlier, expired conversation: take the answer
        elif not starting and not lowered.startswith(PREFIX) and lowered not in RESTART_WORDS:
            return _described(fresh, raw, ctx, opening=True)  # a free-text start
        else:
            return Transition(fresh, _ask(fresh, ctx, intro=_opening(ctx)))

    if state.phase == "confirm":
        return _confirming(state, lowered, ctx)
    if starting:
        return _advance(state, ctx, welcome_back=True)
    if lowered == PREFIX + "change=category" and ctx.protocol.concerns:
        return _advance(state.model_copy(update={"category": None}), ctx)
    if lowered.startswith(PREFIX + "handoff="):
        return _offer_handoff(state, lowered.removeprefix(PREFIX + "handoff="), ctx)
    if lowered.startswith(PREFIX) and "=" in lowered:
        name, _, value = lowered.removeprefix(PREFIX).partition("=")
        question = next((q for q in QUESTIONS if q.field == name), None)
        if question and question.applies(state, ctx) and value in dict(question.options(state, ctx)):
            return _advance(_clear_dependants(state.answered(**{name: value}), name), ctx)
        return _again(state, ctx)
    question = next_question(state, ctx)
    if question is not None:
        typed = _typed_answer(question, state, raw, ctx)
        if typed is not None:
            return _advance(state.answered(**{question.field: typed}), ctx)
    return _described(state, raw, ctx)


def _opening(ctx: Context) -> list[Block]:
    return [Paragraph(text=w.CONCERN_PRIVACY.format(hours=ctx.ttl_hours)), Paragraph(text=w.CONCERN_DESCRIBE)]


def _clear_dependants(state: TriageState, changed: str) -> TriageState:
    """Changing who you are changes whom you can be concerned about, and so on down."""
    order = [q.field for q in QUESTIONS]
    later = order[order.index(changed) + 1 :] if changed in ("reporter", "subject") else []
    keep_category = changed == "subject"
    return state.model_copy(update={f: None for f in later if not (keep_category and f == "category")})


def _described(state: TriageState, raw: str, ctx: Context, opening: bool = False) -> Transition:
    """Free text: read what can be read, confirm it in one line, ask only what is missing."""
    reading = read(raw, ctx.protocol)
    answers = {f: getattr(reading, f) for f in reading.found if getattr(state, f) is None}
    if reading.reporter and state.reporter is None:
        answers["reporter"] = reading.reporter
    updated = state.answered(**answers)
    if updated.reporter and updated.subject and updated.subject not in subject_roles(ctx.protocol, updated.reporter):
        updated = updated.model_copy(update={"subject": None})
    safety = _safety(reading, ctx)
    if not answers and not safety:
        if opening:
            return Transition(updated, _ask(updated, ctx, intro=_opening(ctx)))
        return _again(state, ctx)
    intro: list[Block] = list(safety)
    if opening:
        intro.append(Paragraph(text=w.CONCERN_PRIVACY.format(hours=ctx.ttl_hours)))
    if answers:
        intro.append(Paragraph(text=w.READING.format(summary=summary(updated, ctx))))
    return _advance(updated, ctx, intro=intro)


def _advance(
    state: TriageState, ctx: Context, intro: list[Block] | None = None, welcome_back: bool = False
) -> Transition:
    intro = list(intro or [])
    if welcome_back:
        intro.insert(0, Paragraph(text=w.CONCERN_CONTINUE))
        if state != start(ctx) and state.phase != "done":
            intro.insert(1, Paragraph(text=w.READING.format(summary=summary(state, ctx))))
    if next_question(state, ctx) is None:
        done = state.model_copy(update={"phase": "done", "handoff": None})
        return Transition(done, recommendation(done, ctx, intro))
    asking = state.model_copy(update={"phase": "asking"})
    return Transition(asking, _ask(asking, ctx, intro))


def _again(state: TriageState, ctx: Context) -> Transition:
    if state.phase == "done":
        return Transition(state, recommendation(state, ctx, [Paragraph(text=w.NOT_UNDERSTOOD)]))
    return Transition(state, _ask(state, ctx, [Paragraph(text=w.NOT_UNDERSTOOD)]))


def _ask(state: TriageState, ctx: Context, intro: list[Block] | None = None) -> Reply:
    question = next_question(state, ctx)
    assert question is not None
    choices = [
        Choice(label=label, value=f"{PREFIX}{question.field}={value}") for value, label in question.options(state, ctx)
    ]
    if state != start(ctx):
        choices.append(_restart_choice())
    blocks = [*(intro or []), Paragraph(text=question.prompt)]
    return _reply(ctx, w.CONCERN_TITLE, blocks, choices)


def _typed_answer(question: Question, state: TriageState, raw: str, ctx: Context) -> str | None:
    """A typed reply to the current question: a label, a number, or a word that means one option."""
    options = question.options(state, ctx)
    lowered = raw.casefold().strip(" .!")
    for value, label in options:
        if lowered in (value, label.casefold()):
            return value
    if lowered.isdigit() and 1 <= int(lowered) <= len(options):
        return options[int(lowered) - 1][0]
    tokens = words(lowered)
    if question.field == "informal_tried":
        if set(tokens) & {"yes", "yeah", "yep", "tried", "already", "y"}:
            return "yes"
        if set(tokens) & {"no", "nope", "not", "haven't", "havent", "n"}:
            return "no"
        if set(tokens) & {"unsure", "sure", "maybe", "dunno", "perhaps"}:
            return "unsure"
    if question.field == "gender":
        if set(tokens) & {"female", "woman", "women", "lady", "f"}:
            return "female"
        if set(tokens) & {"male", "man", "men", "m"}:
            return "male"
        if set(tokens) & {"either", "any", "none", "whoever", "preference", "anyone"}:
            return "any"
    if question.field in ("reporter", "subject") and len(tokens) <= 4:
        found = phrase_role(lowered)
        if found:
            role = found[0]
            if question.field == "reporter":
                return ROLE_PARTY[role]
            allowed = dict(options)
            party_roles = [v for v in allowed if ROLE_PARTY.get(v) == ROLE_PARTY[role]]
            return role if role in allowed else (party_roles[0] if party_roles else None)
    return None


# --- the recommendation -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RouteStep:
    route: str
    ref: str
    detail: str
    contact: str | None
    people: tuple[Person, ...] = ()
    role: str = ""


@dataclass(frozen=True)
class Route:
    procedure: Procedure | None
    steps: list[RouteStep] = field(default_factory=list)

    def of(self, route: str) -> list[RouteStep]:
        return [s for s in self.steps if s.route == route]


def _procedure(state: TriageState, ctx: Context) -> Procedure | None:
    if state.reporter is None:
        return None
    return next(
        (
            p
            for p in ctx.protocol.procedures
            if p.raised_by == state.reporter and (state.subject is None or state.subject in p.about)
        ),
        None,
    )


def _steps(state: TriageState, ctx: Context) -> list[Step]:
    procedure = _procedure(state, ctx)
    if procedure is None:
        return []
    return [s for s in procedure.steps if not s.when_about or state.subject is None or state.subject in s.when_about]


def route(state: TriageState, ctx: Context) -> Route:
    procedure = _procedure(state, ctx)
    if procedure is None:
        return Route(None)
    out = []
    for step_ in _steps(state, ctx):
        gender = state.gender if step_.gender_choice else None
        contacts: list[str | None] = list(step_.contacts) or [None]
        for contact in contacts:
            people = tuple(ctx.contacts.people(ctx.protocol.id, contact, gender)) if contact else ()
            role = ctx.protocol.role_by_id[contact].name if contact in ctx.protocol.role_by_id else ""
            out.append(RouteStep(step_.route, step_.ref or procedure.ref, step_.quote, contact, people, role))
    return Route(procedure, out)


def cited(state: TriageState, ctx: Context) -> list[Quote]:
    """The clauses that apply to this concern, quoted with their references."""
    protocol = ctx.protocol
    quotes: list[Quote] = []
    concern = next((c for c in protocol.concerns if c.id == state.category), None)
    if concern:
        for cite in concern.cites_for(state.reporter):
            clause = protocol.clause_quoting(cite.ref, cite.quote)
            quotes.append(
                Quote(
                    ref=cite.ref,
                    heading=clause.heading if clause else None,
                    items=[cite.quote] if clause and clause.items else [],
                    paragraphs=[] if clause and clause.items else [cite.quote],
                )
            )
    elif state.reporter:
        for clause in protocol.clauses:
            if clause.expect and clause.expect.who == state.reporter:
                quotes.append(Quote(ref=clause.ref, heading=clause.heading, items=list(clause.items)))
    return quotes


def recommendation(state: TriageState, ctx: Context, intro: list[Block] | None = None) -> Reply:
    protocol = ctx.protocol
    blocks: list[Block] = list(intro or [])
    if not any(isinstance(b, Paragraph) and b.text.startswith("I understand") for b in blocks):
        blocks.append(Paragraph(text=w.READING.format(summary=summary(state, ctx))))
    quotes = cited(state, ctx)
    if quotes:
        blocks.append(Paragraph(text=_fill(w.RECOMMEND_CLAUSES, protocol)))
        blocks += quotes
    plan = route(state, ctx)
    choices: list[Choice] = []
    if plan.procedure is None:
        blocks.append(Paragraph(text=_fill(w.NO_PROCEDURE, protocol)))
        keys = ctx.contacts.keys(protocol.id)
        people = [(k, i, p) for k in keys for i, p in enumerate(ctx.contacts.people(protocol.id, k))]
        if people:
            lines = [f"• {p.label}" + (f" — {p.how}" if p.how else "") for _, _, p in people]
            blocks.append(Paragraph(text=_fill(w.NO_PROCEDURE_CONTACTS, protocol) + "\n" + "\n".join(lines)))
        else:
            blocks.append(Paragraph(text=_fill(w.NO_PROCEDURE_NO_CONTACTS, protocol)))
        choices += _handoff_choices(people, ctx)
    else:
        order = ["formal", "informal"] if state.informal_tried == "yes" else ["informal", "formal"]
        labels = {
            "informal": "informal-next" if order[0] == "formal" else "informal",
            "formal": "formal-next" if order[0] == "formal" else "formal",
        }
        offered: list[tuple[str, int, Person]] = []
        for kind in [*order, "outcome", "related"]:
            steps = plan.of(kind)
            if not steps:
                continue
            blocks.append(
                Quote(
                    ref=steps[0].ref,
                    heading=w.RECOMMEND_ROUTE_HEADING[labels.get(kind, kind)],
                    paragraphs=list(dict.fromkeys(s.detail for s in steps)),
                )
            )
            who = []
            for s in steps:
                if s.people:
                    who += [p.label + (f" — {p.how}" if p.how else "") for p in s.people]
                    everyone = ctx.contacts.people(protocol.id, s.contact or "")
                    offered += [(s.contact or "", everyone.index(p), p) for p in s.people]
                elif s.role and kind in ("informal", "formal"):
                    who.append(w.RECOMMEND_WHO_ROLE.format(role=s.role))
            if who:
                people_lines = [x for x in who if not x.startswith("Who:")]
                text = w.RECOMMEND_WHO.format(people="; ".join(people_lines)) if people_lines else ""
                roles_only = [x for x in who if x.startswith("Who:")]
                blocks.append(Paragraph(text="\n".join(filter(None, [text, *roles_only]))))
        choices += _handoff_choices(offered, ctx)
    blocks.append(Paragraph(text=w.RECOMMEND_KEPT.format(hours=ctx.ttl_hours)))
    if protocol.concerns:
        choices.append(Choice(label=w.CHOICE_CHANGE_CATEGORY, value=PREFIX + "change=category"))
    choices += [_restart_choice(), Choice(label=w.CHOICE_FORGET, value=PREFIX + "forget")]
    return _reply(ctx, w.RECOMMEND_TITLE, blocks, choices)


def _handoff_choices(people: list[tuple[str, int, Person]], ctx: Context) -> list[Choice]:
    out: list[Choice] = []
    for key, index, person in people:
        if (person.chat_id(ctx.platform) or ctx.platform == "console") and len(out) < 5:
            out.append(Choice(label=w.CHOICE_HANDOFF.format(name=person.name), value=f"{PREFIX}handoff={key}.{index}"))
    return list({c.value: c for c in out}.values())


def _person(ctx: Context, ref: str) -> Person | None:
    match = re.fullmatch(r"([a-z0-9-]+)\.(\d+)", ref)
    if not match:
        return None
    people = ctx.contacts.people(ctx.protocol.id, match.group(1))
    index = int(match.group(2))
    return people[index] if index < len(people) else None


def _offer_handoff(state: TriageState, ref: str, ctx: Context) -> Transition:
    person = _person(ctx, ref)
    if person is None or state.phase != "done":
        return _again(state, ctx)
    confirming = state.model_copy(update={"phase": "confirm", "handoff": ref})
    blocks: list[Block] = [
        Paragraph(text=w.HANDOFF_PREVIEW.format(person=person.label)),
        Quote(ref="Message", paragraphs=[handoff_message(ctx)]),
    ]
    if ctx.platform == "console":
        blocks.append(Paragraph(text=w.HANDOFF_CONSOLE))
    choices = [
        Choice(label=w.CHOICE_SEND, value=PREFIX + "send"),
        Choice(label=w.CHOICE_DONT_SEND, value=PREFIX + "cancel"),
    ]
    return Transition(confirming, _reply(ctx, w.HANDOFF_TITLE, blocks, choices))


def _confirming(state: TriageState, lowered: str, ctx: Context) -> Transition:
    person = _person(ctx, state.handoff or "")
    done = state.model_copy(update={"phase": "done", "handoff": None})
    if lowered in (PREFIX + "send", "send", "send it", "yes") and person is not None:
        reply = _reply(
            ctx,
            w.HANDOFF_SENT_TITLE,
            [Paragraph(text=w.HANDOFF_SENT.format(person=person.label))],
            [_restart_choice(), Choice(label=w.CHOICE_FORGET, value=PREFIX + "forget")],
        )
        return Transition(done, reply, Handoff(person, handoff_message(ctx)))
    return Transition(done, recommendation(done, ctx, [Paragraph(text=w.HANDOFF_CANCELLED)]))


def handoff_message(ctx: Context) -> str:
    return w.HANDOFF_MESSAGE.format(name=ctx.user_name)


def _safety(reading: Reading, ctx: Context) -> list[Block]:
    if not reading.danger:
        return []
    lines = [w.SAFETY_999]
    if reading.self_harm:
        lines.append(w.SAFETY_SELF_HARM)
    for procedure in ctx.protocol.procedures:
        for s in procedure.steps:
            if "confidential-reporting" in s.contacts:
                lines.append(_fill(w.SAFETY_REPORTING, ctx.protocol, ref=f"§{s.ref or procedure.ref}"))
                break
        else:
            continue
        break
    people = ctx.contacts.people(ctx.protocol.id, "confidential-reporting")
    if people:
        lines.append(
            w.SAFETY_REPORTING_CONTACT.format(
                people="; ".join(p.label + (f" — {p.how}" if p.how else "") for p in people)
            )
        )
    return [Paragraph(text="\n".join(lines))]


def summary(state: TriageState, ctx: Context) -> str:
    protocol = ctx.protocol
    parts = []
    if state.reporter:
        who = protocol.name_of(state.reporter, plural=False)
        parts.append(w.SUMMARY_REPORTER.format(an="an" if who[:1].lower() in "aeiou" else "a", who=who))
    if state.subject:
        role = protocol.role_by_id.get(state.subject)
        parts.append(w.SUMMARY_SUBJECT.format(whom=role.name if role else state.subject))
    if state.category:
        label = next((c.label for c in protocol.concerns if c.id == state.category), w.OTHER_CATEGORY)
        parts.append(w.SUMMARY_CATEGORY.format(what=label.lower()))
    if state.informal_tried:
        parts.append(w.SUMMARY_TRIED[state.informal_tried])
    if state.gender:
        parts.append(w.SUMMARY_GENDER[state.gender])
    return ", ".join(parts) if parts else "nothing yet"


def _restart_choice() -> Choice:
    return Choice(label=w.CHOICE_RESTART, value=PREFIX + "restart")


def _fill(template: str, protocol: Protocol, **values: str) -> str:
    return template.format(
        council=protocol.council,
        Officer=protocol.name_of("officer", plural=False),
        Councillor=protocol.name_of("councillor", plural=False),
        **values,
    )


def _reply(ctx: Context, title: str, blocks: list[Block], choices: list[Choice]) -> Reply:
    p = ctx.protocol
    return Reply(council=p.id, council_name=p.council, title=title, blocks=blocks, choices=choices, source=p.citation)
