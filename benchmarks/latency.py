"""In-process latency of lookups and searches, and the whole-process time of ``chatops command help``.

    python -m benchmarks.latency [--rounds N]

Answers are timed uncached (``Lookup.compute``), as a first-time question costs; repeated
questions are served from a small cache of recent answers.

Targets (issue 2): any lookup or search in under 2 ms at p99 with both protocols loaded;
``chatops command help`` as a whole process under 1.5 s median.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

import yaml

from benchmarks.search_quality import QUESTIONS
from benchmarks.stats import percentile
from chatops.councils import Library

LOOKUPS = [
    "help",
    "about",
    "roles",
    "roles councillor",
    "roles cabinet",
    "expectations officer",
    "expectations cllr",
    "expectaions clrk",
    "principles",
    "procedure",
    "procedure employee",
    "when things go wrong",
    "section 4.2",
    "section 3",
    "section 2.2.1",
    "search confidential",
    "",
    "x" * 10_000,
]


def in_process(rounds: int) -> dict[str, list[float]]:
    library = Library()
    questions = [q["q"] for q in yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))]
    lookups = {c: library.lookup(c) for c in library.ids}  # both loaded, indexes built: steady state
    timings: dict[str, list[float]] = {"lookup": [], "search": []}
    for _ in range(rounds):
        for lookup in lookups.values():
            for text in LOOKUPS:
                start = time.perf_counter()
                lookup.compute(text)
                timings["lookup"].append(time.perf_counter() - start)
            for text in questions:
                start = time.perf_counter()
                lookup.compute(text)
                timings["search"].append(time.perf_counter() - start)
    return timings


def whole_process(runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "chatops", "command", "help"], check=True, capture_output=True)
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--process-runs", type=int, default=10)
    args = parser.parse_args()
    for name, samples in in_process(args.rounds).items():
        ms = [s * 1000 for s in samples]
        print(
            f"{name:<8} n={len(ms):>5}  median {statistics.median(ms):.3f} ms  p99 {percentile(ms, 0.99):.3f} ms"
            f"  max {max(ms):.3f} ms   (target p99 < 2 ms)"
        )
    runs = whole_process(args.process_runs)
    print(f"chatops command help: median {statistics.median(runs):.3f} s over {len(runs)} runs   (target < 1.5 s)")


if __name__ == "__main__":
    main()
