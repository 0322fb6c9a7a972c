"""``chatops check COUNCIL``: the self-test a clerk runs after editing their council's file.

``validate`` says whether the file is well formed; this says whether the bot can *use* it. It
drives the same code people reach through chat: the vocabulary that resolves what they type, the
reading of a concern, the route through a procedure, and the help page's own examples. Each check
is one line, ✓ or ✗ with what to fix, so a clerk sees the gap before a councillor does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from . import concerns
from . import wording as w
from .contacts import NO_CONTACTS
from .lookup import Lookup, help_examples, is_command
from .model import Party, Protocol
from .reply import Reply
from .search import Searcher
from .vocabulary import PARTIES, for_protocol, other, shared


@dataclass(frozen=True)
class Check:
    ok: bool
    what: str
    fix: str = ""

    @property
    def line(self) -> str:
        return f"✓ {self.what}" if self.ok else f"✗ {self.what} — {self.fix}"


def run(protocol: Protocol) -> list[Check]:
    """Every check, in the order a clerk would fix them: roles, kinds of concern, procedures,
    expectations, then the help page."""
    return [*roles(protocol), *kinds(protocol), *procedures(protocol), *expectations(protocol), *help_page(protocol)]


def roles(protocol: Protocol) -> list[Check]:
    """Each role is found by typing its name and each of its words (``roles clerk``, "the RFO shouted")."""
    vocab = for_protocol(protocol)
    out = []
    for i, role in enumerate(protocol.roles):
        typed = list(dict.fromkeys([role.name, *role.words]))
        finds = {t: resolved.role if (resolved := vocab.resolve(t)) else None for t in typed}
        wrong = [(t, found) for t, found in finds.items() if found != role.id]
        what = f"role {role.id}: typing {_listed(typed)} finds it"
        if not wrong:
            out.append(Check(True, what))
            continue
        t, found = wrong[0]
        other_role = f"'{found}'" if found else "nothing"
        fix = f"add words people would type to roles[{i}].words, or take '{t}' out if it means {other_role}"
        out.append(Check(False, f"role {role.id}: typing '{t}' finds {other_role}", fix))
    return out


def kinds(protocol: Protocol) -> list[Check]:
    """Each kind of concern is read back from a sentence made of its own words."""
    out = []
    for i, concern in enumerate(protocol.concerns):
        phrases = list(dict.fromkeys([*concern.words, *shared().concerns.get(concern.id, [])]))
        read = {p: concerns.read(f"It is about {p}.", protocol).category for p in phrases}
        works = [p for p, category in read.items() if category == concern.id]
        if works:
            astray = [f"'{p}' reads as '{read[p] or 'nothing'}'" for p in concern.words if read[p] != concern.id]
            note = f" (but its own {', '.join(astray[:3])})" if astray else ""
            out.append(Check(True, f"concern {concern.id}: recognised from {_listed(works[:4])}{note}"))
        elif not phrases:
            fix = f"add concerns[{i}].words: the phrases people use for it"
            out.append(Check(False, f"concern {concern.id}: no words describe it", fix))
        else:
            p, category = next(iter(read.items()))
            reads = f"'{category}'" if category else "no kind of concern"
            fix = f"add concerns[{i}].words that are particular to it"
            out.append(Check(False, f"concern {concern.id}: 'It is about {p}.' reads as {reads}", fix))
    return out


def procedures(protocol: Protocol) -> list[Check]:
    """Each procedure is reached by a concern from its side about each role it lists."""
    if not protocol.procedures:
        what = "procedures: the document sets out none; a concern gets the clauses that apply and anyone named"
        return [Check(True, what)]
    out = []
    for i, procedure in enumerate(protocol.procedures):
        side = protocol.name_of(procedure.raised_by)
        missed = []
        for about in procedure.about:
            state = concerns.State(council=protocol.id or "council", reporter=procedure.raised_by, subject=about)
            plan = concerns.route(state, protocol, NO_CONTACTS)
            if plan.procedure is None or plan.procedure.id != procedure.id or not plan.steps:
                reached = plan.procedure.id if plan.procedure and plan.procedure.id != procedure.id else None
                missed.append((about, reached))
        about_all = _listed(procedure.about)
        what = f"procedure {procedure.id} ({procedure.ref}): a concern raised by {side} about {about_all}"
        if not missed:
            out.append(Check(True, f"{what} reaches it"))
            continue
        about, reached = missed[0]
        if reached:
            fix = f"procedure '{reached}' comes first and lists '{about}' too; take it out of one 'about'"
            out.append(Check(False, f"{what}: about '{about}' reaches '{reached}' instead", fix))
        else:
            fix = f"give procedures[{i}] a step that applies to '{about}' (check the steps' when_about)"
            out.append(Check(False, f"{what}: about '{about}' no step applies", fix))
    return out


def expectations(protocol: Protocol) -> list[Check]:
    """Each side's list of what it can expect is marked, or honestly absent: no unmarked list looks like one."""
    out = []
    for side in PARTIES:
        whom = other(side)
        title = f"what {protocol.name_of(side)} can expect from {protocol.name_of(whom)}"
        marked = [c.ref for c in protocol.clauses if c.expect and c.expect.who == side]
        if marked:
            out.append(Check(True, f"{title}: clause {', '.join(dict.fromkeys(marked))}"))
            continue
        lookalike = _unmarked_list(protocol, side)
        if lookalike:
            fix = f"mark it with expect: {{who: {side}, from: {whom}}}"
            out.append(Check(False, f"{title}: not marked, but clause {lookalike} looks like it", fix))
        else:
            absent = f"{title}: absent from the document (`expectations {side}` answers by search)"
            out.append(Check(True, absent))
    return out


def _unmarked_list(protocol: Protocol, side: Party) -> str | None:
    """A list that speaks of expecting and names the side, but is not marked as its expectations."""
    names = {protocol.name_of(side).casefold(), protocol.name_of(side, plural=False).casefold()}
    for clause in protocol.clauses:
        if clause.items and not clause.expect:
            words = " ".join([clause.heading or "", *clause.text]).casefold()
            if "expect" in words and any(re.search(rf"\b{re.escape(n)}\b", words) for n in names):
                return clause.ref
    return None


def help_page(protocol: Protocol) -> list[Check]:
    """Each example help shows for this council answers with what it promises, not a miss."""
    lookup = Lookup(protocol, Searcher(protocol))
    out = []
    for _, example in help_examples(protocol):
        if not is_command(example):
            continue  # concern and forget belong to the conversation, the same for every council
        said = missed(lookup.answer(example))
        what = f"help example `{w.COMMAND_PREFIX} {example}`"
        if said is None:
            out.append(Check(True, f"{what} answers"))
        else:
            fix = "help builds it from the council's parties, roles and clauses: check those"
            out.append(Check(False, f"{what} answers “{said}”", fix))
    return out


@cache
def _miss_patterns() -> tuple[re.Pattern[str], ...]:
    """The replies that say a lookup found nothing (an unknown word, a missing section…), as patterns."""
    templates = (
        w.UNKNOWN_WHO,
        w.SECTION_MISSING,
        w.PROCEDURE_MISSING,
        w.PROCEDURE_MISSING_SIDE,
        w.SEARCH_NONE,
        w.ROLE_NOWHERE,
        w.ROLE_MISSING,
        w.TYPO_NOTE,
    )
    return tuple(
        re.compile(".*?".join(re.escape(part) for part in re.split(r"\{[^}]*\}", template))) for template in templates
    )


def missed(reply: Reply) -> str | None:
    """What a reply says instead of answering, or None when it answers."""
    text = reply.as_text()
    for pattern in _miss_patterns():
        found = pattern.search(text)
        if found:
            return found.group(0)
    return None


def _listed(names: list[str]) -> str:
    return ", ".join(f"'{n}'" for n in names)
