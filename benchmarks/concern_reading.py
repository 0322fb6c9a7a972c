"""How well concerns described in people's own words are read, beside an earlier version in the same run.

    python -m benchmarks.concern_reading [--baseline REV] [--misses KIND]

The corpus (``benchmarks/concerns/``) is written as many different people would write, over the two
shipped councils and two test councils of our own (``tests/data/councils``: a town council and a
district council, with titles and routes unlike the shipped ones). ``tuning-*.yaml`` were used while
tuning (an earlier held-out set joins them once its misses have been read); ``holdout-*.yaml`` were
written after the last tuning by separate hands, in voices of their own, and are not read case by case:
their figures are the honest ones. Each case is labelled with what a careful council HR officer would read:

- who is who: the side of the person affected (``reporter``) and whom it is about (``subject``),
  counted where the label names a side; guesses where the label says the text doesn't tell are
  counted separately;
- the route: the council's procedure and steps that follow from those, or "outside this protocol"
  (a concern between two councillors or two officers, or with a member of the public); a labelled role
  the council's procedures do not name (a Monitoring Officer where they list Heads of Service and the
  Chief Executive) is routed as its side's base role, an employee like any other, as the bot does;
- safety: recall of danger and self-harm (the 999 / Samaritans line shown), and false alarms on
  everything else, harmless look-alikes ("this deadline is killing me") included;
- the kind of concern, which chooses the clauses quoted (it is confirmed in the conversation).

``--baseline REV`` runs the same cases through the version at git revision REV (default: the last
commit before the concern reader was rebuilt), in a subprocess on a checkout of that revision.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from chatops import concerns
from chatops.concerns.reading import procedure_role
from chatops.contacts import Contacts
from chatops.councils import Library
from chatops.model import Protocol

from .stats import percentile

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CORPUS = HERE / "concerns"
TUNING = sorted(CORPUS.glob("tuning-*.yaml"))
HOLDOUT = sorted(CORPUS.glob("holdout-*.yaml"))
UNSEEN = sorted(CORPUS.glob("unseen-*.yaml"))
"""Councils the reader never saw, written after all tuning (no baseline: older versions cannot load them)."""
TEST_COUNCILS = ROOT / "tests" / "data" / "councils"
BASELINE = "5c65892"
"""The last commit before the concern reader was rebuilt from data."""

Reading = dict[str, Any]  # reporter, subject, category, scope, danger, self_harm, samaritans (the line shown)


@dataclass
class Result:
    cases: int = 0
    labelled: int = 0
    reporter: int = 0
    reversed: int = 0
    unlabelled: int = 0
    guessed: int = 0
    subject: int = 0
    category: int = 0
    route: int = 0
    danger_cases: int = 0
    danger_read: int = 0
    self_harm_cases: int = 0
    self_harm_read: int = 0
    calm_cases: int = 0
    false_alarms: int = 0
    misses: dict[str, list[str]] = field(default_factory=dict)

    @property
    def reporter_rate(self) -> float:
        return self.reporter / max(1, self.labelled)

    @property
    def route_rate(self) -> float:
        return self.route / max(1, self.cases)

    @property
    def safety_recall(self) -> float:
        return self.danger_read / max(1, self.danger_cases)

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / max(1, self.calm_cases)

    def miss(self, kind: str, case: dict[str, Any], got: Reading) -> None:
        shown = {k: got.get(k) for k in ("reporter", "subject", "category", "scope")}
        self.misses.setdefault(kind, []).append(
            f"{case['council']}: {case['text']}\n      read {shown}, expected {case['expect']}"
        )


def load(paths: Iterable[Path]) -> list[dict[str, Any]]:
    return [case for path in paths for case in yaml.safe_load(path.read_text(encoding="utf-8"))]


def read_now(cases: list[dict[str, Any]], library: Library) -> list[Reading]:
    """This version's reading of each case."""
    out = []
    for case in cases:
        reading = concerns.read(case["text"], library.protocol(case["council"]))
        out.append(
            {
                "reporter": reading.reporter,
                "subject": reading.subject,
                "category": reading.category,
                "scope": reading.scope,
                "danger": reading.alarm.danger,
                "self_harm": reading.alarm.self_harm,
                "samaritans": reading.alarm.danger,  # the Samaritans line is shown with every safety line
            }
        )
    return out


def _route(protocol: Protocol, reporter: str | None, subject: str | None, scope: str) -> object:
    if scope != "in":
        return "outside"
    if reporter is None:
        return None
    if subject in protocol.role_by_id:  # a labelled role the procedures don't name is routed as its side's
        subject = procedure_role(protocol, reporter, subject, protocol.role_by_id[subject].party)
    state = concerns.State(council=protocol.id, reporter=reporter, subject=subject)  # type: ignore[arg-type]
    plan = concerns.route(state, protocol, Contacts({}))
    return (plan.procedure.id if plan.procedure else None, tuple((s.route, s.contact) for s in plan.steps))


def score(cases: list[dict[str, Any]], readings: list[Reading], library: Library) -> Result:
    result = Result()
    for case, got in zip(cases, readings, strict=True):
        expect = case["expect"]
        protocol = library.protocol(case["council"])
        scope = expect.get("scope", "in")
        result.cases += 1
        if expect.get("reporter") is None:
            result.unlabelled += 1
            result.guessed += got["reporter"] is not None
        else:
            result.labelled += 1
            right = got["reporter"] == expect["reporter"]
            result.reporter += right
            if not right:
                result.reversed += got["reporter"] is not None
                result.miss("reporter", case, got)
        subject_ok = got["subject"] == expect.get("subject") or (scope != "in" and got.get("scope", "in") != "in")
        result.subject += subject_ok
        if not subject_ok:
            result.miss("subject", case, got)
        result.category += got["category"] == expect.get("category")
        expected_route = _route(protocol, expect.get("reporter"), expect.get("subject"), scope)
        got_route = _route(protocol, got["reporter"], got["subject"], got.get("scope", "in"))
        result.route += got_route == expected_route
        if got_route != expected_route:
            result.miss("route", case, got)
        if expect.get("danger") or expect.get("self_harm"):
            result.danger_cases += 1
            result.danger_read += bool(got["danger"])
            if not got["danger"]:
                result.miss("danger", case, got)
        else:
            result.calm_cases += 1
            result.false_alarms += bool(got["danger"])
            if got["danger"]:
                result.miss("false alarm", case, got)
        if expect.get("self_harm"):
            result.self_harm_cases += 1
            result.self_harm_read += bool(got["samaritans"])
            if not got["samaritans"]:
                result.miss("self-harm", case, got)
    return result


def evaluate(paths: Iterable[Path]) -> Result:
    library = Library((TEST_COUNCILS,))
    cases = load(paths)
    return score(cases, read_now(cases, library), library)


# --- an earlier version, in its own checkout ---------------------------------------------------------
_OLD_READER = """
import json, sys
from pathlib import Path
from chatops.councils import Library
try:  # the concerns package (since the reading was rebuilt; its safety line always names the Samaritans)
    from chatops.concerns import read
    library = Library((Path(sys.argv[2]),))
    def reading(r):
        return {"reporter": r.reporter, "subject": r.subject, "category": r.category, "scope": r.scope,
                "danger": r.alarm.danger, "self_harm": r.alarm.self_harm, "samaritans": r.alarm.danger}
except ImportError:  # the first reader, given the test councils in the schema it knew
    from chatops.inference import read
    library = Library((Path(sys.argv[1]),))
    def reading(r):
        return {"reporter": r.reporter, "subject": r.subject, "category": r.category, "scope": "in",
                "danger": r.danger, "self_harm": r.self_harm, "samaritans": r.self_harm}
print(json.dumps([reading(read(case["text"], library.protocol(case["council"]))) for case in json.load(sys.stdin)]))
"""


def read_then(cases: list[dict[str, Any]], revision: str) -> list[Reading]:
    """The reading of each case by the version at ``revision`` (test councils given in the schema it knew)."""
    with tempfile.TemporaryDirectory(prefix="chatops-baseline-") as folder:
        tree = Path(folder) / "tree"
        tree.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
        councils = Path(folder) / "councils"
        councils.mkdir()
        for path in TEST_COUNCILS.glob("*.yaml"):
            data = _without(yaml.safe_load(path.read_text(encoding="utf-8")), {"words", "on_danger"})
            (councils / path.name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        run = subprocess.run(
            [sys.executable, "-c", _OLD_READER, str(councils), str(TEST_COUNCILS)],
            input=json.dumps(cases),
            capture_output=True,
            text=True,
            cwd=tree,
            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
            check=True,
        )
        readings: list[Reading] = json.loads(run.stdout)
        return readings


def _without(data: Any, keys: set[str]) -> Any:
    if isinstance(data, dict):
        return {k: _without(v, keys) for k, v in data.items() if k not in keys}
    if isinstance(data, list):
        return [_without(v, keys) for v in data]
    return data


def _line(name: str, now: float | str, then: float | str | None) -> str:
    def show(value: float | str | None) -> str:
        return f"{value:7.1%}" if isinstance(value, float) else f"{value or '':>7}"

    return f"  {name:<34}{show(now)}   {show(then)}"


def report(title: str, now: Result, then: Result | None) -> None:
    print(f"\n{title}: {now.cases} cases   (this version | baseline)")
    rows = [
        ("who is who: reporter (labelled)", lambda r: r.reporter_rate),
        ("  reversed (read the other side)", lambda r: f"{r.reversed}/{r.labelled}"),
        ("  guessed where the text doesn't say", lambda r: f"{r.guessed}/{r.unlabelled}"),
        ("whom it is about", lambda r: r.subject / max(1, r.cases)),
        ("route (procedure and steps)", lambda r: r.route_rate),
        ("kind of concern", lambda r: r.category / max(1, r.cases)),
        ("safety recall (danger + self-harm)", lambda r: r.safety_recall),
        ("  self-harm: Samaritans line shown", lambda r: r.self_harm_read / max(1, r.self_harm_cases)),
        ("false alarms", lambda r: r.false_alarm_rate),
        ("  counts", lambda r: f"{r.danger_read}/{r.danger_cases}+{r.false_alarms}/{r.calm_cases}"),
    ]
    for name, value in rows:
        print(_line(name, value(now), value(then) if then else None))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare with ('' for none)")
    parser.add_argument("--misses", default="", help="show misses of a kind: reporter, subject, route, danger, …")
    args = parser.parse_args()
    library = Library((TEST_COUNCILS,))
    for title, paths in (("tuning", TUNING), ("held out", HOLDOUT), ("unseen council", UNSEEN)):
        cases = load(paths)
        now = score(cases, read_now(cases, library), library)
        baseline = args.baseline if paths is not UNSEEN else ""
        then = score(cases, read_then(cases, baseline), library) if baseline else None
        report(title, now, then)
        for kind in filter(None, args.misses.split(",")):
            for miss in now.misses.get(kind, []):
                print(f"    {kind}: {miss}")
    timings = []
    cases = load(TUNING + HOLDOUT)
    for case in cases:
        protocol = library.protocol(case["council"])
        best = float("inf")
        for _ in range(3):  # the best of three: a shared machine's other work is not the reader's cost
            started = time.perf_counter()
            concerns.read(case["text"], protocol)
            best = min(best, (time.perf_counter() - started) * 1000)
        timings.append(best)
    p50, p99 = percentile(timings, 0.5), percentile(timings, 0.99)
    print(f"\nreading one message in-process (best of 3 runs each): p50 {p50:.2f} ms, p99 {p99:.2f} ms")


if __name__ == "__main__":
    main()
