"""Check a concern corpus file's shape and labels against the councils' ids, without running the reader
(a writer of a held-out set must never see how the bot reads it). See ``benchmarks/concerns/BRIEF.md``.

    python -m benchmarks.check_corpus FILE.yaml     # problems, and the mix of councils, danger and self-harm
    python -m benchmarks.check_corpus --ids         # the role and concern ids each council's labels may use
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from chatops.councils import Library

ROOT = Path(__file__).resolve().parents[1]
COUNCILS = ("telford-and-wrekin", "llangunnor", "northmoor", "brackenford")
KEYS = {"reporter", "subject", "category", "scope", "witness", "danger", "self_harm"}
DEFAULTS: dict[str, Any] = {"reporter": None, "subject": None, "category": None, "scope": "in", "witness": False}
DEFAULTS |= {"danger": False, "self_harm": False}
SCOPES = ("in", "same-side", "public", "other")


def _library() -> Library:
    return Library((ROOT / "tests" / "data" / "councils",))


def ids() -> str:
    library = _library()
    lines = []
    for council in COUNCILS:
        protocol = library.protocol(council)
        lines.append(f"== council: {council}  ({protocol.council})")
        lines.append("  role ids usable as `subject` (id: name [side]):")
        lines += [f"    {r.id}: {r.name} [{r.party}]" for r in protocol.roles]
        lines.append("  concern ids usable as `category`:")
        lines += [f"    {c.id}: {c.label}" for c in protocol.concerns]
    return "\n".join(lines)


def problems(cases: list[dict[str, Any]]) -> list[str]:
    library = _library()
    out = []
    for number, case in enumerate(cases, 1):
        where = f"case {number} ({str(case.get('text', ''))[:50]!r})"
        if case.get("council") not in library.ids:
            out.append(f"{where}: council must be one of {', '.join(sorted(library.ids))}")
            continue
        protocol = library.protocol(case["council"])
        given = case.get("expect") or {}
        if not set(given) <= KEYS:
            out.append(f"{where}: expect may have only {', '.join(sorted(KEYS))}")
            continue
        expect = {**DEFAULTS, **given}  # what is left out reads as the benchmark reads it
        if expect["reporter"] not in ("officer", "councillor", None):
            out.append(f"{where}: reporter must be officer, councillor or null")
        if expect["subject"] is not None and expect["subject"] not in protocol.role_by_id:
            out.append(f"{where}: subject {expect['subject']!r} is not a role id of {case['council']}")
        if expect["category"] is not None and expect["category"] not in {c.id for c in protocol.concerns}:
            out.append(f"{where}: category {expect['category']!r} is not a concern id of {case['council']}")
        if expect["scope"] not in SCOPES:
            out.append(f"{where}: scope must be one of {', '.join(SCOPES)}")
        elif expect["scope"] != "in" and expect["subject"] is not None:
            out.append(f"{where}: an out-of-scope case has subject null")
        if not all(isinstance(expect[k], bool) for k in ("witness", "danger", "self_harm")):
            out.append(f"{where}: witness, danger and self_harm are true or false")
        elif expect["self_harm"] and not expect["danger"]:
            out.append(f"{where}: self_harm true needs danger true")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", type=Path)
    parser.add_argument("--ids", action="store_true", help="list the ids labels may use")
    args = parser.parse_args()
    if args.ids or args.file is None:
        print(ids())
        return
    try:
        cases = yaml.safe_load(args.file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        sys.exit(f"cannot read {args.file}: {error}")
    if not isinstance(cases, list):
        sys.exit(f"{args.file}: expected a YAML list of cases")
    found = problems(cases)
    print("\n".join(found))
    councils = Counter(c.get("council") for c in cases)
    danger = sum(bool((c.get("expect") or {}).get("danger")) for c in cases)
    self_harm = sum(bool((c.get("expect") or {}).get("self_harm")) for c in cases)
    mix = f"per council {dict(councils)}; danger {danger}, self-harm {self_harm}"
    print(f"{len(cases)} cases, {len(found)} problems; {mix}")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
