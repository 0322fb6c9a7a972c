"""Raising a concern privately, as a pure state machine: ``step(state, text, context) → Transition``.

``QUESTIONS`` is the table: each question's field (also its JSON name), prompt, options, the words
that answer it when typed, when it applies, and its one-phrase summary. A question is asked only when
its answer can change this council's advice. ``done`` and ``outside`` are end states; ``confirm``
waits for a hand-off to be confirmed; anything unexpected gets the current question again (the
explicit fallback). The state holds only fixed choices, never what a person typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict

from .. import buttons
from .. import wording as w
from ..contacts import Contacts, Person
from ..model import Party, Protocol, Slug
from ..reply import Block, Reply
from ..text import clean, words
from ..vocabulary import for_protocol
from . import render
from .reading import Gender, Reading, Scope, Tried, is_correction, read, subject_roles
from .route import route_key, steps

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
        "i have a concern",
        "raise concern",
    }
)
FORGET_WORDS = frozenset({"forget", "forget me", "erase", "delete"})
RESTART_WORDS = frozenset({"restart", "start again", "start over", "reset"})
SEND_WORDS = frozenset({"send", "send it", "yes", "yes send it"})

Phase = Literal["asking", "done", "confirm", "outside"]


class State(BaseModel):
    """Fixed choices only, each validated when loaded from the store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    council: Slug
    phase: Phase = "asking"
    reporter: Party | None = None
    subject: Slug | None = None
    category: Slug | None = None
    informal_tried: Tried | None = None
    gender: Gender | None = None
    scope: Scope = "in"
    witness: bool = False
    handoff: str | None = None  # "contact-key.index" while confirming a hand-off


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
    state: State | None  # None: nothing to keep (forgotten)
    reply: Reply
    handoff: Handoff | None = None
    forget: bool = False


Options = Callable[[State, Context], list[tuple[str, str]]]


@dataclass(frozen=True)
class Question:
    field: str  # the state's field, and the name in ``chatops triage --json``'s "needs"
    prompt: str
    options: Options  # (value, label) offered as buttons
    applies: Callable[[State, Context], bool]  # asked only when its answer can change the advice
    typed: Callable[[str, Reading, State, Context], str | None]  # the words (already read) that answer it
    hidden: tuple[str, ...] = ()  # values read from what people type but never offered as buttons


# --- the questions ---------------------------------------------------------------------------------
def _reporter_options(state: State, ctx: Context) -> list[tuple[str, str]]:
    return [(side, render.fill(w.REPORTER_LABEL[side], ctx.protocol)) for side in ("officer", "councillor", "other")]


def _subject_options(state: State, ctx: Context) -> list[tuple[str, str]]:
    if state.reporter is None:
        return []
    roles = ctx.protocol.role_by_id
    return [(r, roles[r].name) for r in subject_roles(ctx.protocol, state.reporter) if r in roles]


def _subject_matters(state: State, ctx: Context) -> bool:
    """Whom it is about is asked only where the council's route depends on it."""
    options = _subject_options(state, ctx)
    keys = {route_key(state.model_copy(update={"subject": r}), ctx.protocol) for r, _ in options}
    return len(keys) > 1


def _category_options(state: State, ctx: Context) -> list[tuple[str, str]]:
    listed = [(c.id, c.label) for c in ctx.protocol.concerns if c.cites_for(state.reporter)]
    return [*listed, ("other", w.OTHER_CATEGORY)]


def _tried_matters(state: State, ctx: Context) -> bool:
    """Whether informal steps were tried changes only the order of a procedure with both kinds of step."""
    kinds = {s.route for s in steps(state, ctx.protocol)}
    return {"informal", "formal"} <= kinds


def _gender_applies(state: State, ctx: Context) -> bool:
    return any(s.gender_choice for s in steps(state, ctx.protocol))


def _typed_reporter(text: str, reading: Reading, state: State, ctx: Context) -> str | None:
    if reading.scope != "in":
        return "other"
    resolved = for_protocol(ctx.protocol).resolve(text) if len(words(text)) <= 4 else None
    return reading.reporter or (resolved.party if resolved else None)


def _typed_subject(text: str, reading: Reading, state: State, ctx: Context) -> str | None:
    resolved = for_protocol(ctx.protocol).resolve(text)
    if resolved is None:
        return None
    allowed = [value for value, _ in _subject_options(state, ctx)]
    if resolved.role in allowed:
        return resolved.role
    same_side = [r for r in allowed if ctx.protocol.role_by_id[r].party == resolved.party]
    return same_side[0] if same_side else None


def _typed_category(text: str, reading: Reading, state: State, ctx: Context) -> str | None:
    return reading.category


def _typed_words(table: dict[str, frozenset[str]]) -> Callable[[str, Reading, State, Context], str | None]:
    def typed(text: str, reading: Reading, state: State, ctx: Context) -> str | None:
        said = set(words(text))
        return next((value for value, known in table.items() if said & known), None)

    return typed


QUESTIONS: tuple[Question, ...] = (
    Question("reporter", w.ASK_REPORTER, _reporter_options, lambda s, c: True, _typed_reporter),
    Question("subject", w.ASK_SUBJECT, _subject_options, _subject_matters, _typed_subject),
    Question("category", w.ASK_CATEGORY, _category_options, lambda s, c: bool(c.protocol.concerns), _typed_category),
    Question(
        "informal_tried",
        w.ASK_INFORMAL,
        lambda s, c: list(w.INFORMAL_LABEL.items()),
        _tried_matters,
        _typed_words(
            {
                "yes": frozenset({"yes", "yeah", "yep", "tried", "already", "y"}),
                "no": frozenset({"no", "nope", "not", "havent", "n"}),
                "unsure": frozenset({"unsure", "sure", "maybe", "dunno", "perhaps"}),
            }
        ),
        hidden=("upheld",),
    ),
    Question(
        "gender",
        w.ASK_GENDER,
        lambda s, c: list(w.GENDER_LABEL.items()),
        _gender_applies,
        _typed_words(
            {
                "female": frozenset({"female", "woman", "women", "lady", "f"}),
                "male": frozenset({"male", "man", "men", "m"}),
                "any": frozenset({"either", "any", "none", "whoever", "preference", "anyone"}),
            }
        ),
    ),
)
BY_FIELD = {q.field: q for q in QUESTIONS}


def valid(question: Question, state: State, ctx: Context) -> set[str]:
    return {value for value, _ in question.options(state, ctx)} | set(question.hidden)


def next_question(state: State, ctx: Context) -> Question | None:
    if state.scope != "in":
        return None
    for question in QUESTIONS:
        if getattr(state, question.field) is None and question.applies(state, ctx):
            return question
    return None


def needs(state: State, ctx: Context) -> list[str]:
    """Every question still unanswered whose answer can change the advice (``chatops triage --json``)."""
    if state.scope != "in":
        return []
    return [
        q.field
        for q in QUESTIONS
        if getattr(state, q.field) is None and (q.field == "reporter" or (state.reporter and q.applies(state, ctx)))
    ]


def settle(state: State, ctx: Context) -> State:
    """Drop any answer that no longer fits the others (a subject of the other side after a correction),
    keeping everything that still does: an answer never drops what was read before without cause."""
    for question in QUESTIONS:
        value = getattr(state, question.field)
        if value is not None and value not in valid(question, state, ctx):
            state = state.model_copy(update={question.field: None})
    return state


def with_reading(state: State, reading: Reading, ctx: Context, *, override: bool) -> State:
    """What was read, added to the state; ``override`` lets a typed correction replace earlier answers."""
    updates: dict[str, object] = {}
    for name in reading.found:
        if override or getattr(state, name) is None:
            updates[name] = getattr(reading, name)
    if reading.scope not in ("in", "other") and (override or state.scope == "in"):
        updates["scope"] = reading.scope  # (a question asked on the way, "other", leaves the concern as it was)
    elif override and reading.found:
        updates["scope"] = "in"
    if reading.witness:
        updates["witness"] = True
    return settle(state.model_copy(update=updates), ctx)


# --- the machine ----------------------------------------------------------------------------------
def start(ctx: Context) -> State:
    return State(council=ctx.protocol.id)


def step(state: State | None, text: str, ctx: Context, *, pressed: bool = False) -> Transition:
    """One turn of the conversation: what the person typed, or (``pressed``) the step a button of
    ours carried (see :func:`chatops.buttons.concern`)."""
    raw, _ = clean(text)
    lowered = raw.casefold()
    if lowered in FORGET_WORDS:
        return Transition(None, render.forgotten(ctx), forget=True)
    if pressed:
        return _pressed(state, lowered, ctx)
    reading = read(text, ctx.protocol)  # once a turn; its safety check reads the whole message, however long
    transition = _typed(state, raw, lowered, reading, ctx)
    if reading.alarm and not render.has_safety(transition.reply):
        return Transition(
            transition.state, render.with_safety(transition.reply, reading.alarm, ctx), transition.handoff
        )
    return transition


def _pressed(state: State | None, value: str, ctx: Context) -> Transition:
    """A button. Only what this conversation could have offered is honoured."""
    if state is None or state.council != ctx.protocol.id or value == "restart":
        fresh = start(ctx)
        if value.startswith("start?"):
            carried = _answers(fresh, value.removeprefix("start?"), ctx)
            return _advance(carried, ctx, intro=[render.privacy(ctx)], understood=True)
        if "=" in value and not value.startswith("handoff="):
            return _pressed(fresh, value, ctx)  # a button from an earlier, expired conversation: take the answer
        return Transition(fresh, render.ask(fresh, next_question(fresh, ctx), ctx, intro=render.opening(ctx)))
    if state.phase == "confirm":
        return _confirming(state, value, ctx)
    if value == "start" or value.startswith("start?"):
        return _advance(_answers(state, value.partition("?")[2], ctx), ctx, welcome_back=True)
    if value == "change=category" and ctx.protocol.concerns:
        return _advance(state.model_copy(update={"category": None, "phase": "asking"}), ctx)
    if value == "scope=in":
        return _advance(state.model_copy(update={"scope": "in", "phase": "asking", "reporter": None}), ctx)
    if value.startswith("handoff="):
        return _offer_handoff(state, value.removeprefix("handoff="), ctx)
    name, _, answer = value.partition("=")
    if name == "reporter" and answer == "other":
        return _advance(state.model_copy(update={"scope": "other"}), ctx)
    question = BY_FIELD.get(name)
    if question and answer in {v for v, _ in question.options(state, ctx)}:
        return _advance(settle(state.model_copy(update={name: answer, "phase": "asking"}), ctx), ctx)
    return _again(state, ctx)


def _answers(state: State, query: str, ctx: Context) -> State:
    """``concern:start?reporter=officer&subject=…``: what was read from a question, kept only where valid."""
    for name, answer in parse_qsl(query):
        question = BY_FIELD.get(name)
        if question and answer in valid(question, state, ctx):
            state = state.model_copy(update={name: answer})
    return settle(state, ctx)


def _typed(state: State | None, raw: str, lowered: str, reading: Reading, ctx: Context) -> Transition:
    if state is None or state.council != ctx.protocol.id or lowered in RESTART_WORDS:
        fresh = start(ctx)
        if lowered in START_WORDS or lowered in RESTART_WORDS:
            return Transition(fresh, render.ask(fresh, next_question(fresh, ctx), ctx, intro=render.opening(ctx)))
        return _described(fresh, reading, ctx, opening=True)
    if state.phase == "confirm":
        return _confirming(state, "send" if lowered in SEND_WORDS else "cancel", ctx)
    if lowered in START_WORDS:
        return _advance(state, ctx, welcome_back=True)
    if state.phase in ("done", "outside"):
        if is_correction(raw):
            return _described(state, reading, ctx, override=True)
        if reading.anything:  # a new description after the advice: a new concern
            return _described(start(ctx), reading, ctx, intro=[render.note(w.NEW_CONCERN)])
        return _again(state, ctx)
    question = next_question(state, ctx)
    corrects = is_correction(raw) and bool({"reporter", "subject"} & set(reading.found))
    if question is not None and len(words(raw)) <= 6 and not corrects:
        answer = _short_answer(question, raw, reading, state, ctx)
        if answer is not None:
            if question.field == "reporter" and answer == "other":
                return _advance(state.model_copy(update={"scope": "other"}), ctx)
            return _advance(settle(state.model_copy(update={question.field: answer}), ctx), ctx)
    return _described(state, reading, ctx, override=True)


def _short_answer(question: Question, raw: str, reading: Reading, state: State, ctx: Context) -> str | None:
    """A typed reply to the current question: a label, a number, or words that mean one option."""
    options = question.options(state, ctx)
    lowered = raw.casefold().strip(" .!")
    for value, label in options:
        if lowered in (value, label.casefold()):
            return value
    if lowered.isdigit() and 1 <= int(lowered) <= len(options):
        return options[int(lowered) - 1][0]
    answer = question.typed(raw, reading, state, ctx)
    return answer if answer in valid(question, state, ctx) else None


def _described(
    state: State,
    reading: Reading,
    ctx: Context,
    *,
    opening: bool = False,
    override: bool = False,
    intro: list[Block] | None = None,
) -> Transition:
    """Free text: what was read, said back in one line; then only what is missing is asked."""
    updated = with_reading(state, reading, ctx, override=override)
    blocks: list[Block] = render.safety(reading.alarm, ctx) if reading.alarm else []
    blocks += intro or []  # the safety line always comes first
    if opening:
        blocks.append(render.privacy(ctx))
    if updated == state and not reading.alarm and not reading.found:
        if opening:
            return Transition(
                state, render.ask(state, next_question(state, ctx), ctx, intro=[*blocks, render.describe()])
            )
        return _again(state, ctx)
    if override and not opening and _changed_an_answer(state, updated):
        blocks.append(render.note(w.CORRECTED))
    return _advance(updated.model_copy(update={"phase": "asking"}), ctx, intro=blocks, understood=True)


def _changed_an_answer(before: State, after: State) -> bool:
    """Whether typed words replaced something already answered (only then "I've changed that")."""
    return any(
        getattr(before, name) is not None and getattr(after, name) != getattr(before, name)
        for name in ("reporter", "subject", "category", "informal_tried", "gender")
    )


def _advance(
    state: State,
    ctx: Context,
    intro: list[Block] | None = None,
    welcome_back: bool = False,
    understood: bool = False,
) -> Transition:
    blocks = list(intro or [])
    if welcome_back:
        blocks.insert(0, render.note(w.CONCERN_CONTINUE))
    if state.scope != "in":
        done = state.model_copy(update={"phase": "outside", "handoff": None})
        return Transition(done, render.outside(done, ctx, blocks))
    if (understood or welcome_back) and state != start(ctx):
        blocks.append(render.understood(state, ctx))
    question = next_question(state, ctx)
    if question is None:
        done = state.model_copy(update={"phase": "done", "handoff": None})
        return Transition(done, render.recommendation(done, ctx, blocks))
    asking = state.model_copy(update={"phase": "asking"})
    return Transition(asking, render.ask(asking, question, ctx, blocks))


def _again(state: State, ctx: Context) -> Transition:
    if state.phase in ("done", "outside"):
        return Transition(state, render.after_advice(state, ctx))
    return Transition(state, render.ask(state, next_question(state, ctx), ctx, [render.note(w.NOT_UNDERSTOOD)]))


def _offer_handoff(state: State, ref: str, ctx: Context) -> Transition:
    """Only a person the advice offered, to this person, in this conversation."""
    offered = {c.value for c in render.handoff_choices(state, ctx)}
    person = render.person(ctx, ref)
    if person is None or state.phase not in ("done", "outside") or buttons.concern(f"handoff={ref}") not in offered:
        return _again(state, ctx)
    confirming = state.model_copy(update={"phase": "confirm", "handoff": ref})
    return Transition(confirming, render.handoff_preview(person, handoff_message(ctx), ctx))


def _confirming(state: State, value: str, ctx: Context) -> Transition:
    person = render.person(ctx, state.handoff or "")
    done = state.model_copy(update={"phase": "outside" if state.scope != "in" else "done", "handoff": None})
    if value == "send" and person is not None:
        return Transition(done, render.handoff_sent(person, ctx), Handoff(person, handoff_message(ctx)))
    cancelled: list[Block] = [render.note(w.HANDOFF_CANCELLED)]
    if done.phase == "outside":
        return Transition(done, render.outside(done, ctx, cancelled))
    return Transition(done, render.recommendation(done, ctx, cancelled))


def handoff_message(ctx: Context) -> str:
    return render.fill(w.HANDOFF_MESSAGE, name=ctx.user_name)
