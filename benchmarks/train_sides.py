"""Train the sides model: which side the person affected is on, learnt from how people write, for the
reading to use where the writer doesn't say (``chatops/concerns/sides.py``).

    python -m benchmarks.train_sides [--check]

Each tuning case (``benchmarks/concerns/tuning-*.yaml``) whose label names the side of the person
affected is a message and a side. The model is naive Bayes over the presence of words and word pairs, as
the safety model is. How sure it must be before it overrules the rules' guess (and before it guesses
where the rules have none) is chosen by leaving out one corpus file at a time (each written by a
different hand), training on the rest, and reading the file left out with the rules and the model
together: the margins that read most sides right. It writes ``protocol_data/shared/sides_model.json``;
``--check`` only reports.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import yaml

from chatops.concerns.reading import read_by_rules
from chatops.concerns.safety import plain
from chatops.concerns.sides import score
from chatops.councils import Library
from chatops.text import clean

from .train_safety import CORPUS, train, write

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "protocol_data" / "shared" / "sides_model.json"
MARGINS = [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]


def _cases(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8")))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    library = Library((ROOT / "tests" / "data" / "councils",))
    files = sorted(CORPUS.glob("tuning-*.yaml"))
    cases = {f: _cases(f) for f in files}

    def labelled(paths: list[Path]) -> list[tuple[str, bool]]:
        return [
            (c["text"], c["expect"]["reporter"] == "officer")
            for p in paths
            for c in cases[p]
            if c["expect"].get("reporter")
        ]

    rows: list[tuple[str | None, str | None, bool, float]] = []  # (label, rules' side, said so, model odds)
    for held in files:
        model = train(labelled([f for f in files if f != held]))
        for case in cases[held]:
            rules = read_by_rules(case["text"], library.protocol(case["council"]))
            odds = score(model["prior"], model["weights"], plain(clean(case["text"])[0]))
            rows.append((case["expect"].get("reporter"), rules.reporter, rules.said_who, odds))

    def right(margin: float, alone: float) -> int:
        hits = 0
        for label, guessed, said, odds in rows:
            side = guessed
            if not said and abs(odds) > (margin if guessed else alone):
                side = "officer" if odds > 0 else "councillor"
            hits += side == label
        return hits

    rules_only = sum(label == guessed for label, guessed, _, _ in rows)
    best = max((right(m, a), -m, -a) for m in MARGINS for a in MARGINS)  # most right, then the smallest margins
    margin, alone = -best[1], -best[2]
    print(
        f"left-out files ({len(files)}): sides read right {rules_only / len(rows):.1%} by the rules alone, "
        f"{best[0] / len(rows):.1%} with the model (margin {margin}, {alone} where the rules have no guess)"
    )
    model = {"margin": margin, "margin_alone": alone, **train(labelled(files))}
    print(f"{len(model['weights'])} features")
    if not args.check:
        write(model, OUT)


if __name__ == "__main__":
    main()
