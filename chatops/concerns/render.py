"""What the concern conversation says: questions, the advice, the safety line, the hand-off preview.

Replies are built from the council's data and the wording in :mod:`chatops.wording`; each template is
filled through :func:`fill`, which refuses a template whose placeholders do not match what is given.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .. import buttons
from .. import wording as w
from ..contacts import Person
from ..errors import ChatopsError
from ..lookup import Lookup
from ..model import Protocol
from ..reply import Block, Choice, Paragraph, Quote, Reply
from ..vocabulary import for_protocol, other
from .route import cited, danger_steps, route
from .safety import Alarm

if TYPE_CHECKING:
    from .machine import Context, Question, State

SAFETY_KIND = "safety"
UNDERSTOOD = "understood"


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def fill(template: str, protocol: Protocol | None = None, **values: str) -> str:
    """A template filled with exactly its placeholders: the council's names for each side and any values."""
    if protocol is not None:
        values = {
            "council": protocol.council,
            "Officer": protocol.name_of("officer", plural=False),
            "Councillor": protocol.name_of("councillor", plural=False),
            "Officers": protocol.name_of("officer"),
            "Councillors": protocol.name_of("councillor"),
            **values,
        }
    wanted = placeholders(template)
    missing = wanted - set(values)
    if missing:
        raise ChatopsError(f"wording template needs {sorted(missing)}")
    return template.format(**{k: v for k, v in values.items() if k in wanted})


def note(text: str) -> Paragraph:
    return Paragraph(text=text)


def _reply(ctx: Context, title: str, blocks: list[Block], choices: list[Choice]) -> Reply:
    """Every reply about a concern is private to the person and never offered for sharing."""
    return Lookup.reply_for(ctx.protocol, title, blocks, choices).model_copy(update={"shareable": False})


def _restart() -> Choice:
    return Choice(label=w.CHOICE_RESTART, value=buttons.concern("restart"))


def _forget() -> Choice:
    return Choice(label=w.CHOICE_FORGET, value=buttons.concern("forget"))


# --- safety ---------------------------------------------------------------------------------------
def safety(alarm: Alarm, ctx: Context) -> list[Block]:
    """The emergency line first, then what the council's own data sets beside it."""
    # Samaritans beside 999 whatever was read: self-harm is often said in words that read as danger, and
    # the line is worded for whoever it fits
    lines = [w.SAFETY_999, w.SAFETY_SELF_HARM]
    for step, ref in danger_steps(ctx.protocol):
        lines.append(fill(w.SAFETY_REPORTING, ctx.protocol, ref=Quote(ref=ref).label))
        for contact in step.contacts:
            people = ctx.contacts.people(ctx.protocol.id, contact)
            if people:
                lines.append(fill(w.SAFETY_REPORTING_CONTACT, people="; ".join(_who(p) for p in people)))
    return [Paragraph(text="\n".join(lines), tag=SAFETY_KIND)]


def has_safety(reply: Reply) -> bool:
    return any(isinstance(b, Paragraph) and b.tag == SAFETY_KIND for b in reply.blocks)


def with_safety(reply: Reply, alarm: Alarm, ctx: Context) -> Reply:
    return reply.model_copy(update={"blocks": [*safety(alarm, ctx), *reply.blocks]})


# --- asking ---------------------------------------------------------------------------------------
def privacy(ctx: Context) -> Paragraph:
    return Paragraph(text=fill(w.CONCERN_PRIVACY, hours=str(ctx.ttl_hours)))


def describe() -> Paragraph:
    return Paragraph(text=w.CONCERN_DESCRIBE)


def opening(ctx: Context) -> list[Block]:
    return [privacy(ctx), describe()]


def ask(state: State, question: Question | None, ctx: Context, intro: Sequence[Block] | None = None) -> Reply:
    if question is None:
        return recommendation(state, ctx, intro)
    choices = [
        Choice(label=label, value=buttons.concern(f"{question.field}={value}"))
        for value, label in question.options(state, ctx)
    ]
    if state.reporter is not None or state.category is not None:
        choices.append(_restart())
    return _reply(ctx, w.CONCERN_TITLE, [*(intro or []), Paragraph(text=question.prompt)], choices)


def understood(state: State, ctx: Context) -> Paragraph:
    side = other(state.reporter) if state.reporter else "councillor"
    other_side = _a(ctx.protocol.name_of(side, plural=False))
    return Paragraph(text=fill(w.READING, summary=summary(state, ctx), other_side=other_side), tag=UNDERSTOOD)


def summary(state: State, ctx: Context) -> str:
    protocol = ctx.protocol
    parts = []
    if state.reporter:
        who = _a(protocol.name_of(state.reporter, plural=False))
        parts.append(fill(w.SUMMARY_WITNESS if state.witness else w.SUMMARY_REPORTER, who=who))
    if state.subject:
        role = protocol.role_by_id.get(state.subject)
        whom = _a(role.name, the=True) if role else state.subject  # a title: "the Town Mayor"
        if role and for_protocol(protocol).base_role(role.party) == role.id:
            whom = _a(protocol.name_of(role.party, plural=False))  # a whole side: "a Councillor"
        parts.append(fill(w.SUMMARY_SUBJECT, whom=whom))
    if state.category:
        label = next((c.label for c in protocol.concerns if c.id == state.category), w.OTHER_CATEGORY)
        parts.append(fill(w.SUMMARY_CATEGORY, what=label[:1].lower() + label[1:]))
    if state.informal_tried:
        parts.append(w.SUMMARY_TRIED[state.informal_tried])
    if state.gender:
        parts.append(w.SUMMARY_GENDER[state.gender])
    return ", ".join(parts) if parts else "nothing yet"


def _a(name: str, *, the: bool = False) -> str:
    """A single title with its article ("an Employee", "the Town Mayor"); plural role names ("Members of the
    Cabinet") and names that bring their own article stay as they are."""
    first = name.split()[0] if name.split() else name
    if (first.endswith("s") and not first.endswith("ss")) or name.casefold().startswith(("the ", "a ", "an ")):
        return name
    return ("the " if the else "an " if name[:1].casefold() in "aeiou" else "a ") + name


# --- the advice -----------------------------------------------------------------------------------
def _who(person: Person) -> str:
    return person.label + (f" — {person.how}" if person.how else "")


def recommendation(state: State, ctx: Context, intro: Sequence[Block] | None = None) -> Reply:
    protocol = ctx.protocol
    blocks: list[Block] = list(intro or [])
    if not any(isinstance(b, Paragraph) and b.tag == UNDERSTOOD for b in blocks):
        blocks.append(understood(state, ctx))
    if state.witness:
        blocks.append(note(w.WITNESS_NOTE))
    quotes = cited(state, protocol)
    if quotes:
        blocks.append(Paragraph(text=fill(w.RECOMMEND_CLAUSES, protocol)))
        blocks += quotes
    plan = route(state, protocol, ctx.contacts)
    if plan.procedure is None:
        blocks.append(Paragraph(text=fill(w.NO_PROCEDURE, protocol)))
        blocks.append(_contacts(ctx, w.NO_PROCEDURE_CONTACTS, w.NO_PROCEDURE_NO_CONTACTS))
    else:
        if state.informal_tried == "upheld":
            order = ["outcome", "formal", "informal"]
            blocks.append(note(w.UPHELD_NOTE))
        elif state.informal_tried == "yes":
            order = ["formal", "informal"]
        else:
            order = ["informal", "formal"]
        labels = {"informal": "informal", "formal": "formal"}
        if order[0] != "informal":
            labels = {"informal": "informal-next", "formal": "formal-next" if order[0] == "formal" else "formal"}
        for kind in [*order, *(k for k in ("outcome", "related", "prohibition") if k not in order)]:
            kind_steps = plan.of(kind)
            if not kind_steps:
                continue
            blocks.append(
                Quote(
                    ref=kind_steps[0].ref,
                    heading=w.RECOMMEND_ROUTE_HEADING[labels.get(kind, kind)],
                    paragraphs=list(dict.fromkeys(_fragment(s.detail) for s in kind_steps)),
                )
            )
            named = [_who(p) for s in kind_steps for p in s.people]
            unnamed = [s.role for s in kind_steps if not s.people and s.role and kind in ("informal", "formal")]
            lines = []
            if named:
                lines.append(fill(w.RECOMMEND_WHO, people="; ".join(dict.fromkeys(named))))
            if unnamed:
                lines.append(fill(w.RECOMMEND_WHO_ROLES, roles="; ".join(dict.fromkeys(unnamed))))
            bodies = [b for s in kind_steps for b in s.bodies]
            if bodies:
                lines.append(fill(w.RECOMMEND_UNDER, bodies="; ".join(dict.fromkeys(bodies))))
            if lines:
                blocks.append(Paragraph(text="\n".join(lines)))
    blocks.append(Paragraph(text=fill(w.RECOMMEND_KEPT, hours=str(ctx.ttl_hours))))
    choices = handoff_choices(state, ctx)
    if protocol.concerns:
        choices.append(Choice(label=w.CHOICE_CHANGE_CATEGORY, value=buttons.concern("change=category")))
    choices += [_restart(), _forget()]
    return _reply(ctx, w.RECOMMEND_TITLE, blocks, choices)


def _fragment(words: str) -> str:
    """Words quoted from within a sentence say so: "…employees will have recourse to"."""
    return "…" + words if words[:1].islower() else words


def after_advice(state: State, ctx: Context) -> Reply:
    """Something not understood after the advice: a short pointer back, not the whole advice again."""
    again = recommendation(state, ctx) if state.phase == "done" else outside(state, ctx)
    blocks: list[Block] = [note(w.NOT_UNDERSTOOD + " " + w.AFTER_ADVICE)]
    return again.model_copy(update={"blocks": blocks})


def outside(state: State, ctx: Context, intro: Sequence[Block] | None = None) -> Reply:
    """A concern the member/officer protocol does not cover: said plainly, with the council's own contacts."""
    protocol = ctx.protocol
    blocks: list[Block] = list(intro or [])
    blocks.append(Paragraph(text=fill(w.OUTSIDE[state.scope if state.scope in w.OUTSIDE else "other"], protocol)))
    blocks.append(_contacts(ctx, w.OUTSIDE_CONTACTS, w.OUTSIDE_NO_CONTACTS))
    choices = handoff_choices(state, ctx)
    choices += [
        Choice(label=fill(w.CHOICE_IN_SCOPE, protocol), value=buttons.concern("scope=in")),
        _restart(),
        _forget(),
    ]
    return _reply(ctx, w.OUTSIDE_TITLE, blocks, choices)


def _contacts(ctx: Context, named: str, nobody: str) -> Paragraph:
    """Everyone the council has named in chatops, listed under ``named``; or ``nobody`` if it named no one."""
    people = _everyone(ctx)
    if not people:
        return Paragraph(text=fill(nobody, ctx.protocol))
    return Paragraph(text="\n".join([fill(named, ctx.protocol), *(f"• {_who(p)}" for _, _, p in people)]))


def _everyone(ctx: Context) -> list[tuple[str, int, Person]]:
    keys = ctx.contacts.keys(ctx.protocol.id)
    return [(k, i, p) for k in keys for i, p in enumerate(ctx.contacts.people(ctx.protocol.id, k))]


def handoff_choices(state: State, ctx: Context) -> list[Choice]:
    """The people this advice names whom the bot can reach: the only hand-offs it will honour."""
    if state.phase not in ("done", "outside", "confirm"):
        return []
    plan = route(state, ctx.protocol, ctx.contacts)
    if state.scope != "in" or plan.procedure is None:
        offered = _everyone(ctx)
    else:
        offered = []
        for s in plan.steps:
            everyone = ctx.contacts.people(ctx.protocol.id, s.contact or "")
            offered += [(s.contact or "", everyone.index(p), p) for p in s.people]
    out: dict[str, Choice] = {}
    for key, index, person in offered:
        if (person.chat_id(ctx.platform) or ctx.platform == "console") and len(out) < 5:
            value = buttons.concern(f"handoff={key}.{index}")
            out.setdefault(value, Choice(label=fill(w.CHOICE_HANDOFF, name=person.name), value=value))
    return list(out.values())


def person(ctx: Context, ref: str) -> Person | None:
    match = re.fullmatch(r"([a-z0-9-]+)\.(\d+)", ref)
    if not match:
        return None
    people = ctx.contacts.people(ctx.protocol.id, match.group(1))
    index = int(match.group(2))
    return people[index] if index < len(people) else None


# --- hand-off and forgetting ---------------------------------------------------------------------
def handoff_preview(who: Person, message: str, ctx: Context) -> Reply:
    blocks: list[Block] = [
        Paragraph(text=fill(w.HANDOFF_PREVIEW, person=who.label)),
        Quote(ref="Message", paragraphs=[message]),
    ]
    if ctx.platform == "console":
        blocks.append(Paragraph(text=w.HANDOFF_CONSOLE))
    choices = [
        Choice(label=w.CHOICE_SEND, value=buttons.concern("send")),
        Choice(label=w.CHOICE_DONT_SEND, value=buttons.concern("cancel")),
    ]
    return _reply(ctx, w.HANDOFF_TITLE, blocks, choices)


def handoff_sent(who: Person, ctx: Context) -> Reply:
    return _reply(
        ctx, w.HANDOFF_SENT_TITLE, [Paragraph(text=fill(w.HANDOFF_SENT, person=who.label))], [_restart(), _forget()]
    )


def forgotten(ctx: Context) -> Reply:
    return _reply(ctx, w.FORGOTTEN_TITLE, [Paragraph(text=w.FORGOTTEN)], [_restart()])
