"""How well the free-text start reads concerns: does it reach the route a careful officer would give?

    python -m benchmarks.triage_quality [--misses]

A case is routed correctly when the person's side and whom the concern is about are read right, so
that the protocol's procedure and its steps (for a member at Telford and Wrekin: the Head of
Service, the Corporate Director or Chief Executive, or the Head of Human Resources) are the ones
the careful officer would give. The kind of concern is reported separately: it chooses the
clauses quoted, not the route, and a wrong guess is corrected at the confirmation line.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from chatops import triage
from chatops.contacts import Contacts
from chatops.councils import Library

CASES = Path(__file__).with_name("triage_cases.yaml")
HOLDOUT = Path(__file__).with_name("triage_cases_holdout.yaml")


def _route_key(state: triage.TriageState, ctx: triage.Context) -> tuple[object, ...]:
    plan = triage.route(state, ctx)
    return (plan.procedure.ref if plan.procedure else None, tuple((s.route, s.contact) for s in plan.steps))


def evaluate(library: Library | None = None, path: Path = CASES) -> dict[str, object]:
    library = library or Library()
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    routed = categorised = 0
    misses: list[str] = []
    for case in cases:
        ctx = triage.Context(library.protocol(case["council"]), Contacts({}))
        got = triage.step(None, case["text"], ctx).state or triage.start(ctx)
        expected = triage.TriageState(council=case["council"], **case["expect"])
        right_route = (got.reporter, got.subject) == (expected.reporter, expected.subject) and (
            _route_key(got, ctx) == _route_key(expected, ctx)
        )
        routed += right_route
        categorised += got.category == expected.category
        if not right_route or got.category != expected.category:
            misses.append(
                f"{case['council']}: {case['text']}\n      read {got.reporter}/{got.subject}/{got.category}"
                f", expected {expected.reporter}/{expected.subject}/{expected.category}"
            )
    return {"cases": len(cases), "routed": routed, "categorised": categorised, "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true")
    args = parser.parse_args()
    library = Library()
    for path in (CASES, HOLDOUT):
        result = evaluate(library, path)
        n = int(str(result["cases"]))
        routed, categorised = int(str(result["routed"])), int(str(result["categorised"]))
        print(f"{n} concern descriptions from {path.name}")
        print(f"  routed correctly     {routed:>2}/{n} = {routed / n:6.1%}   (target >= 90%)")
        print(f"  kind of concern read {categorised:>2}/{n} = {categorised / n:6.1%}")
        if args.misses:
            for miss in result["misses"]:  # type: ignore[attr-defined]
                print(f"    miss: {miss}")


if __name__ == "__main__":
    main()
