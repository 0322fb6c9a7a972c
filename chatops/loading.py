"""Loading protocol files: YAML → validated :class:`Protocol`, every problem as ``file:line: what``.

A clerk editing their council's file needs to know *where* it is wrong, so the YAML is composed
into a node tree first (which remembers line numbers) and each validation error's path is walked
back through that tree to the line it came from.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, RootModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import ProtocolDataError
from .model import Protocol, squash

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_protocol(path: Path) -> Protocol:
    """Load and check one council's file; raise :class:`ProtocolDataError` listing every problem."""
    node, protocol = load_yaml_model(path, Protocol)
    problems = located(path, node, check_references(protocol))
    if problems:
        raise ProtocolDataError(problems)
    protocol._id = path.stem
    return protocol


def load_yaml_model(path: Path, model: type[M]) -> tuple[yaml.Node | None, M]:
    """Parse YAML keeping line numbers, then validate it as ``model``; problems as ``file:line: what``."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolDataError([f"{path}:1: cannot read the file ({type(exc).__name__})"]) from None
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise ProtocolDataError(_yaml_problems(path, text, exc)) from None
    except yaml.YAMLError as exc:
        raise ProtocolDataError([f"{path}:1: not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise ProtocolDataError([f"{path}:1: expected a mapping at the top of the file"])
    try:
        return node, model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            if err["type"] == "extra_forbidden":  # named by the mapping it is in, and the key's own line
                problems.append(
                    f"{path}:{_line_of(node, loc, key=True)}: {_describe(loc[:-1])}{_unknown_key(model, loc)}"
                )
            else:
                problems.append(f"{path}:{_line_of(node, loc)}: {_describe(loc)}{_hint(err, _node_at(node, loc))}")
        raise ProtocolDataError(problems) from None


def check_references(protocol: Protocol) -> list[tuple[Loc, str]]:
    """What pydantic cannot check field by field: ids unique, refs real, quotes word for word."""
    problems: list[tuple[Loc, str]] = []
    for party in ("councillor", "officer"):
        if party not in protocol.parties:
            problems.append((("parties",), f"names for the {party} side are missing"))

    seen: dict[str, Loc] = {}
    for s, section in enumerate(protocol.sections):
        for c, clause in enumerate(section.clauses):
            loc: Loc = ("sections", s, "clauses", c)
            if clause.key in seen:
                problems.append((loc, f"clause {clause.key!r} appears twice; give one an 'id'"))
            seen[clause.key] = loc
            if not (clause.text or clause.items or clause.heading):
                problems.append((loc, "a clause needs a heading, text or items"))
            if clause.expect and not (clause.items or clause.text):
                problems.append(((*loc, "expect"), "an expectation needs items or text"))
            if clause.markers and len(clause.markers) != len(clause.items):
                problems.append(((*loc, "markers"), "give one marker for each item, or none"))
            if clause.expect and clause.expect.who == clause.expect.from_:
                problems.append(((*loc, "expect"), "'who' and 'from' must be different sides"))
    role_ids: set[str] = set()
    for r, role in enumerate(protocol.roles):
        if role.id in role_ids:
            problems.append((("roles", r, "id"), f"role {role.id!r} appears twice"))
        role_ids.add(role.id)
        for i, ref in enumerate(role.refs):
            if not protocol.has_ref(ref):
                problems.append((("roles", r, "refs", i), f"no clause numbered {ref!r}"))

    body_ids: set[str] = set()
    for b, body in enumerate(protocol.bodies):
        if body.id in body_ids:
            problems.append((("bodies", b, "id"), f"body {body.id!r} appears twice"))
        body_ids.add(body.id)
        for i, ref in enumerate(body.refs):
            if not protocol.has_ref(ref):
                problems.append((("bodies", b, "refs", i), f"no clause numbered {ref!r}"))
    concern_ids = {concern.id for concern in protocol.concerns}

    procedure_ids: set[str] = set()
    for p, procedure in enumerate(protocol.procedures):
        ploc: Loc = ("procedures", p)
        if procedure.id in procedure_ids:
            problems.append(((*ploc, "id"), f"procedure {procedure.id!r} appears twice"))
        procedure_ids.add(procedure.id)
        places: list[tuple[Loc, str]] = [(("ref",), procedure.ref)]
        places += [(("also", i), ref) for i, ref in enumerate(procedure.also)]
        for where, ref in places:
            if not protocol.has_ref(ref):
                problems.append(((*ploc, *where), f"no clause numbered {ref!r}"))
        for i, about in enumerate(procedure.about):
            if about not in role_ids:
                problems.append(((*ploc, "about", i), f"no role {about!r} in 'roles'"))
        for i, step in enumerate(procedure.steps):
            sloc = (*ploc, "steps", i)
            problems += _check_quote(protocol, sloc, step.ref or procedure.ref, step.quote)
            for j, about in enumerate(step.when_about):
                if about not in procedure.about:
                    problems.append(((*sloc, "when_about", j), f"{about!r} is not in the procedure's 'about'"))
            for j, kind in enumerate(step.when_kind):
                if kind not in concern_ids:
                    problems.append(((*sloc, "when_kind", j), nearest(kind, concern_ids, "a concern id")))
            for j, body_id in enumerate(step.to):
                if body_id not in body_ids:
                    problems.append(((*sloc, "to", j), nearest(body_id, body_ids, "a body in 'bodies'")))

    seen_concerns: set[str] = set()
    for k, concern in enumerate(protocol.concerns):
        kloc: Loc = ("concerns", k)
        if concern.id in seen_concerns:
            problems.append(((*kloc, "id"), f"concern {concern.id!r} appears twice"))
        seen_concerns.add(concern.id)
        for i, cite in enumerate(concern.cites):
            problems += _check_quote(protocol, (*kloc, "cites", i), cite.ref, cite.quote)
    return problems


def _check_quote(protocol: Protocol, loc: Loc, ref: str, quote: str) -> list[tuple[Loc, str]]:
    if not protocol.has_ref(ref):
        return [((*loc, "ref"), f"no clause numbered {ref!r}")]
    if protocol.clause_quoting(ref, quote) is None:
        return [((*loc, "quote"), _quote_differs(protocol, ref, quote))]
    return []


def _quote_differs(protocol: Protocol, ref: str, quote: str) -> str:
    """Where a quote leaves its clause: its first word that differs, shown against the clause's own
    words around the closest match, so a clerk can see the slip instead of comparing by eye."""
    elsewhere = [c.ref for c in protocol.clauses if squash(quote) in squash(" ".join(c.text + c.items))]
    if elsewhere:
        return f"the quote is not word for word in clause {ref} but is in clause {elsewhere[0]}; is the ref right?"
    typed, wanted = quote.split(), squash(quote).split()
    best: tuple[int, int, int, list[str]] = (0, 0, 0, [])  # words matched from the start, in common, where
    for clause in (c for c in protocol.clauses if c.ref == ref):
        words = " ".join(clause.text + clause.items).split()
        have = [squash(w) for w in words]
        matcher = difflib.SequenceMatcher(None, have, wanted, autojunk=False)
        a, b, size = matcher.find_longest_match(0, len(have), 0, len(wanted))
        for at in range(len(have)):
            same = _same_words(have[at:], wanted)
            if (same, size) > best[:2]:
                best = (same, size, at, words)
        if not best[0] and size > best[1]:
            best = (0, size, a - b, words)
    same, size, start, words = best
    if not size:
        return f"the quote is not word for word in clause {ref}: none of its words are there; is the ref right?"
    j = start + same
    around = ("…" if j > 4 else "") + " ".join(words[max(j - 4, 0) : j + 5]) + ("…" if j + 5 < len(words) else "")
    if same == len(wanted):
        return f"the quote is not word for word in clause {ref}"
    if j >= len(words):
        return f"the quote is not word for word in clause {ref}: it goes on with {typed[same]!r} after “{around}”"
    where = f"{typed[same]!r} where the clause has {words[max(j, 0)]!r}"
    return f"the quote is not word for word in clause {ref}: {where}: “{around}”"


def _same_words(have: list[str], wanted: list[str]) -> int:
    """How many of the quote's words match the clause's from here (its first and last may be parts of words)."""
    for i, word in enumerate(wanted):
        clause_word = have[i] if i < len(have) else ""
        last = i == len(wanted) - 1
        if not (
            clause_word == word or (i == 0 and clause_word.endswith(word)) or (last and clause_word.startswith(word))
        ):
            return i
    return len(wanted)


# --- hints for the slips YAML makes easy ------------------------------------------------------------
_BOOLEAN_WORDS = {"yes", "no", "on", "off", "y", "n"}


def _hint(err: ErrorDetails, node: yaml.Node | None) -> str:
    """Pydantic's message, or what a clerk should write instead when YAML read their text as
    something else (a number, true/false, a field)."""
    raw = node.value if isinstance(node, yaml.ScalarNode) else None
    given = err.get("input")
    field = next((part for part in reversed(err["loc"]) if isinstance(part, str)), "")
    if isinstance(given, bool) and raw is not None and raw.casefold() in _BOOLEAN_WORDS:
        return f'{raw} is read as {str(given).lower()} in YAML, not as text; write it in quotes: "{raw}"'
    if err["type"] == "string_type" and isinstance(given, int | float) and raw is not None:
        written = f'{field}: "{raw}"' if field == err["loc"][-1] else f'"{raw}"'
        read = f" (YAML reads it as {given})" if str(given) != raw else ""
        return f"{raw} is a number here, not text{read}; write it in quotes: {written}"
    if err["type"] == "string_type" and isinstance(given, dict):
        return "a colon followed by a space made this text a field; put the whole text in quotes"
    return err["msg"]


def _yaml_problems(path: Path, text: str, exc: yaml.MarkedYAMLError) -> list[str]:
    """A YAML syntax error, with the usual cause named: a tab in the indentation, a colon in plain text."""
    tabs = [n for n, line in enumerate(text.splitlines(), 1) if "\t" in line[: len(line) - len(line.lstrip())]]
    if tabs:
        return [f"{path}:{n}: a tab in the indentation; YAML indents with spaces only" for n in tabs]
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 1
    problem = exc.problem or exc.context
    if problem and problem.startswith("mapping values are not allowed"):
        problem += "; a colon followed by a space inside unquoted text? Put the whole text in quotes"
    return [f"{path}:{line}: not valid YAML: {problem}"]


def _unknown_key(model: type[BaseModel], loc: Loc) -> str:
    """An unexpected key, with the nearest valid key at that place in the file."""
    return nearest(str(loc[-1]), _keys_at(model, loc[:-1]), "a field here")


def nearest(word: str, valid: Iterable[str], what: str) -> str:
    """'x is not <what>; did you mean y?', or the valid words when none is close."""
    options = sorted(set(valid))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if close:
        return f"{word!r} is not {what}; did you mean {close[0]!r}?"
    return f"{word!r} is not {what}; expected one of: {', '.join(options)}" if options else f"{word!r} is not {what}"


def _keys_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """The keys the mapping at ``loc`` may have, found by walking the model's field types."""
    current: Any = model
    for part in (*loc, None):
        current = _bare(current)
        if isinstance(current, type) and issubclass(current, RootModel):
            current = _bare(current.model_fields["root"].annotation)
        if part is None:
            break
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = next((f for n, f in current.model_fields.items() if part in (n, f.alias)), None)
            current = field.annotation if field else None
        elif get_origin(current) in (list, dict):
            current = get_args(current)[-1]
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or n for n, f in current.model_fields.items()]
    return []


def _bare(kind: Any) -> Any:
    """A field's type without ``Annotated`` or ``| None``."""
    while True:
        if get_origin(kind) is Annotated:
            kind = get_args(kind)[0]
        elif get_origin(kind) in (Union, types.UnionType):
            kind = next(a for a in get_args(kind) if a is not type(None))
        else:
            return kind


def located(path: Path, node: yaml.Node | None, problems: Iterable[tuple[Loc, str]], keys: bool = False) -> list[str]:
    """Problems as ``file:line: where: what`` lines; with ``keys``, each is about the key its place ends
    in, and its message names it."""
    return [f"{path}:{_line_of(node, loc, keys)}: {'' if keys else _describe(loc)}{msg}" for loc, msg in problems]


def _describe(loc: Loc) -> str:
    if not loc:
        return ""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out + ": "


def _line_of(node: yaml.Node | None, loc: Loc, key: bool = False) -> int:
    """The line of the deepest YAML node that ``loc`` reaches (1-based); with ``key``, of the key
    ``loc`` ends in (a misspelt key is on its own line, its value may start below it)."""
    parent = _node_at(node, loc[:-1]) if key and loc else None
    if isinstance(parent, yaml.MappingNode):
        found = next((k for k, _ in parent.value if k.value == loc[-1]), None)
        if found is not None:
            return int(found.start_mark.line) + 1
    reached = _node_at(node, loc, deepest=True)
    return reached.start_mark.line + 1 if reached is not None else 1


def _node_at(node: yaml.Node | None, loc: Loc, deepest: bool = False) -> yaml.Node | None:
    """The YAML node at ``loc`` (its key when the value is empty); with ``deepest``, the nearest one reached."""
    if node is None:
        return None
    for part in loc:
        child: Any = None
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    child = value_node if not isinstance(value_node, yaml.ScalarNode) or value_node.value else key_node
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            return node if deepest else None
        node = child
    return node
