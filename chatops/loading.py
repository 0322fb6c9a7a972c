"""Loading protocol files: YAML → validated :class:`Protocol`, every problem as ``file:line: what``.

A clerk editing their council's file needs to know *where* it is wrong, so the YAML is composed
into a node tree first (which remembers line numbers) and each validation error's path is walked
back through that tree to the line it came from.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import ProtocolDataError
from .model import Protocol

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_protocol(path: Path) -> Protocol:
    """Load and check one council's file; raise :class:`ProtocolDataError` listing every problem."""
    node, protocol = load_yaml_model(path, Protocol)
    problems = [f"{path}:{_line_of(node, loc)}: {_describe(loc)}{msg}" for loc, msg in check_references(protocol)]
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
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise ProtocolDataError([f"{path}:{line}: not valid YAML: {exc.problem or exc.context}"]) from None
    except yaml.YAMLError as exc:
        raise ProtocolDataError([f"{path}:1: not valid YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise ProtocolDataError([f"{path}:1: expected a mapping at the top of the file"])
    try:
        return node, model.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{path}:{_line_of(node, tuple(err['loc']))}: {_describe(tuple(err['loc']))}{err['msg']}"
            for err in exc.errors()
        ]
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
            if clause.expect and not clause.items:
                problems.append(((*loc, "expect"), "an expectation list needs items"))
            if clause.expect and clause.expect.who == clause.expect.from_:
                problems.append(((*loc, "expect"), "'who' and 'from' must be different sides"))
    refs = {clause.ref for clause in protocol.clauses}

    role_ids: set[str] = set()
    for r, role in enumerate(protocol.roles):
        if role.id in role_ids:
            problems.append((("roles", r, "id"), f"role {role.id!r} appears twice"))
        role_ids.add(role.id)
        for i, ref in enumerate(role.refs):
            if ref not in refs:
                problems.append((("roles", r, "refs", i), f"no clause numbered {ref!r}"))

    procedure_ids: set[str] = set()
    for p, procedure in enumerate(protocol.procedures):
        ploc: Loc = ("procedures", p)
        if procedure.id in procedure_ids:
            problems.append(((*ploc, "id"), f"procedure {procedure.id!r} appears twice"))
        procedure_ids.add(procedure.id)
        if procedure.ref not in refs:
            problems.append(((*ploc, "ref"), f"no clause numbered {procedure.ref!r}"))
        for i, about in enumerate(procedure.about):
            if about not in role_ids:
                problems.append(((*ploc, "about", i), f"no role {about!r} in 'roles'"))
        for i, step in enumerate(procedure.steps):
            sloc = (*ploc, "steps", i)
            problems += _check_quote(protocol, sloc, step.ref or procedure.ref, step.quote)
            for j, about in enumerate(step.when_about):
                if about not in procedure.about:
                    problems.append(((*sloc, "when_about", j), f"{about!r} is not in the procedure's 'about'"))

    concern_ids: set[str] = set()
    for k, concern in enumerate(protocol.concerns):
        kloc: Loc = ("concerns", k)
        if concern.id in concern_ids:
            problems.append(((*kloc, "id"), f"concern {concern.id!r} appears twice"))
        concern_ids.add(concern.id)
        for i, cite in enumerate(concern.cites):
            problems += _check_quote(protocol, (*kloc, "cites", i), cite.ref, cite.quote)
    return problems


def _check_quote(protocol: Protocol, loc: Loc, ref: str, quote: str) -> list[tuple[Loc, str]]:
    if not any(c.ref == ref for c in protocol.clauses):
        return [((*loc, "ref"), f"no clause numbered {ref!r}")]
    if protocol.clause_quoting(ref, quote) is None:
        return [((*loc, "quote"), f"the quote is not word for word in clause {ref}")]
    return []


def _describe(loc: Loc) -> str:
    if not loc:
        return ""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out + ": "


def _line_of(node: yaml.Node | None, loc: Loc) -> int:
    """The line of the deepest YAML node that ``loc`` reaches (1-based)."""
    if node is None:
        return 1
    line = node.start_mark.line + 1
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
            break
        node = child
        line = node.start_mark.line + 1
    return line
