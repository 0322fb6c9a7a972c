"""Protocol versions: a fingerprint of what a council's file says, and clause-level differences
between two versions (added, removed, changed clauses, with old and new wording)."""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from .model import Clause, Protocol


def fingerprint(protocol: Protocol) -> str:
    """Changes whenever anything the protocol says changes (not when comments or layout do)."""
    canonical = json.dumps(protocol.model_dump(mode="json", by_alias=True), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def snapshot(protocol: Protocol) -> dict[str, Any]:
    """What the store keeps of an announced version, enough to diff against later."""
    return protocol.model_dump(mode="json", by_alias=True)


@dataclass(frozen=True)
class ClauseChange:
    ref: str
    key: str
    heading: str | None
    old: list[str]
    new: list[str]


def changed_lines(change: ClauseChange) -> tuple[list[str], list[str]]:
    """Only the lines that differ: (old wording, new wording)."""
    old: list[str] = []
    new: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=change.old, b=change.new).get_opcodes():
        if tag != "equal":
            old += change.old[i1:i2]
            new += change.new[j1:j2]
    return old, new


@dataclass
class Diff:
    added: list[ClauseChange] = field(default_factory=list)
    removed: list[ClauseChange] = field(default_factory=list)
    changed: list[ClauseChange] = field(default_factory=list)
    adopted: tuple[str | None, str | None] | None = None  # (old, new) when the adoption changed
    minute: tuple[str | None, str | None] | None = None

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.adopted or self.minute)

    def summary(self) -> dict[str, list[str]]:
        """The ``chatops diff --json`` contract: clause references per kind of change."""
        return {
            "added": [c.ref for c in self.added],
            "removed": [c.ref for c in self.removed],
            "changed": [c.ref for c in self.changed],
        }


def _lines(clause: Clause) -> list[str]:
    return [*clause.text, *(f"• {item}" for item in clause.items)]


def diff(old: Protocol, new: Protocol) -> Diff:
    before = {c.key: c for c in old.clauses}
    after = {c.key: c for c in new.clauses}
    out = Diff()
    for key, clause in after.items():
        if key not in before:
            out.added.append(ClauseChange(clause.ref, key, clause.heading, [], _lines(clause)))
        elif _lines(before[key]) != _lines(clause) or before[key].heading != clause.heading:
            out.changed.append(ClauseChange(clause.ref, key, clause.heading, _lines(before[key]), _lines(clause)))
    for key, clause in before.items():
        if key not in after:
            out.removed.append(ClauseChange(clause.ref, key, clause.heading, _lines(clause), []))
    if old.adopted != new.adopted:
        out.adopted = (old.adopted, new.adopted)
    if old.minute != new.minute:
        out.minute = (old.minute, new.minute)
    return out
