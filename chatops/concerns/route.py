"""Which of the council's procedures and steps apply to a concern, and which clauses to quote.

All of it is the council's data: a procedure is chosen by who raises the concern and whom it is
about; a step may apply only when the concern is about certain roles; the clauses quoted are the
kind of concern's citations for the reporter's side.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..contacts import Contacts, Person
from ..model import Clause, Procedure, Protocol, Step
from ..reply import Quote

if TYPE_CHECKING:
    from .machine import State


@dataclass(frozen=True)
class RouteStep:
    route: str
    ref: str
    detail: str
    contact: str | None
    people: tuple[Person, ...] = ()
    role: str = ""
    bodies: tuple[str, ...] = ()  # the policies or committees the step takes it to, by name


@dataclass(frozen=True)
class Route:
    procedure: Procedure | None
    steps: list[RouteStep] = field(default_factory=list)

    def of(self, route: str) -> list[RouteStep]:
        return [s for s in self.steps if s.route == route]


def procedure(state: State, protocol: Protocol) -> Procedure | None:
    if state.reporter is None:
        return None
    return next(
        (
            p
            for p in protocol.procedures
            if p.raised_by == state.reporter and (state.subject is None or state.subject in p.about)
        ),
        None,
    )


def steps(state: State, protocol: Protocol) -> list[Step]:
    chosen = procedure(state, protocol)
    if chosen is None:
        return []
    return [
        s
        for s in chosen.steps
        if (not s.when_about or state.subject is None or state.subject in s.when_about)
        and (not s.when_kind or state.category is None or state.category in s.when_kind)
    ]


def route(state: State, protocol: Protocol, contacts: Contacts) -> Route:
    chosen = procedure(state, protocol)
    if chosen is None:
        return Route(None)
    out = []
    body_names = {body.id: body.name for body in protocol.bodies}
    for step in steps(state, protocol):
        bodies = tuple(body_names[b] for b in step.to if b in body_names)
        gender = state.gender if step.gender_choice else None
        named: list[str | None] = [*step.contacts] or [None]
        for contact in named:
            people = tuple(contacts.people(protocol.id, contact, gender)) if contact else ()
            role = protocol.role_by_id[contact].name if contact in protocol.role_by_id else ""
            out.append(RouteStep(step.route, step.ref or chosen.ref, step.quote, contact, people, role, bodies))
    return Route(chosen, out)


def route_key(state: State, protocol: Protocol) -> tuple[object, ...]:
    """What makes two routes the same: the procedure and its steps (for 'does this answer matter?')."""
    chosen = procedure(state, protocol)
    return (chosen.id if chosen else None, tuple((s.route, s.quote) for s in steps(state, protocol)))


def danger_steps(protocol: Protocol) -> list[tuple[Step, str]]:
    """Steps the council's data marks to show beside the emergency line, with their references."""
    out: list[tuple[Step, str]] = []
    for chosen in protocol.procedures:
        for step in chosen.steps:
            if step.on_danger and all(step.quote != s.quote for s, _ in out):
                out.append((step, step.ref or chosen.ref))
    return out


def cited(state: State, protocol: Protocol) -> list[Quote]:
    """The clauses that apply, quoted with their references: the kind of concern's citations for the
    reporter's side, or else the list of what the reporter's side can expect."""
    quotes: list[Quote] = []
    concern = next((c for c in protocol.concerns if c.id == state.category), None)
    if concern:
        for cite in concern.cites_for(state.reporter):
            clause = _clause_for(protocol, cite.ref, cite.quote, state)
            listed = bool(clause and clause.items)
            heading = _heading(clause, protocol) if clause else None
            quotes.append(
                Quote(
                    ref=cite.ref,
                    heading=heading,
                    items=[cite.quote] if listed else [],
                    paragraphs=[] if listed else [cite.quote],
                )
            )
    elif state.reporter:
        for clause in protocol.clauses:
            if clause.expect and clause.expect.who == state.reporter:
                quotes.append(Quote(ref=clause.ref, heading=_heading(clause, protocol), items=list(clause.items)))
    return quotes


def _clause_for(protocol: Protocol, ref: str, quote: str, state: State) -> Clause | None:
    """Two lists can share a number and a line ("Respect, dignity and courtesy"): prefer the list of what
    the reporter's side can expect."""
    matching = protocol.clauses_quoting(ref, quote)
    own = [c for c in matching if c.expect and c.expect.who == state.reporter]
    return (own or matching or [None])[0]  # type: ignore[list-item]


def _heading(clause: Clause, protocol: Protocol) -> str | None:
    if clause.heading:
        return clause.heading
    if clause.expect:
        return f"{protocol.name_of(clause.expect.who)} can expect from {protocol.name_of(clause.expect.from_)}"
    return None
