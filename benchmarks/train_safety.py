"""Train the safety model: word and word-pair evidence for danger or self-harm, learnt from the concern
corpus, which backs up the hand-written safety patterns where people say it in words no pattern has.

    python -m benchmarks.train_safety [--check]

Each tuning case (``benchmarks/concerns/tuning-*.yaml``) is a message labelled danger/self-harm or not.
The model is naive Bayes over the presence of words and adjacent word pairs (as the safety check reads
them: lower case, text-speak spelled out), kept for those seen at least twice; a message is scored by its
most worrying run of words (``safety.MODEL_WINDOW``). Its threshold is chosen by
leaving out one corpus file at a time (each written by a different hand, in its own voices), training on
the rest and reading the file left out: the highest recall whose false alarms on those unseen files, and on
the lookup questions of ``search_questions*.yaml``, stay within ``MAX_FALSE_ALARMS``. It writes
``protocol_data/shared/safety_model.json``; ``--check`` only reports.
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from chatops.concerns.safety import model_features, model_score, plain

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "benchmarks" / "concerns"
QUESTIONS = sorted((ROOT / "benchmarks").glob("search_questions*.yaml"))
OUT = ROOT / "protocol_data" / "shared" / "safety_model.json"
MIN_SEEN = 2
MAX_FALSE_ALARMS = 0.03
THRESHOLDS = [x / 2 for x in range(10, 81)]


def _cases(paths: list[Path]) -> list[tuple[str, bool]]:
    out = []
    for path in paths:
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            expect = case["expect"]
            out.append((case["text"], bool(expect.get("danger") or expect.get("self_harm"))))
    return out


def train(cases: list[tuple[str, bool]]) -> dict[str, Any]:
    """Log-odds per feature present, and the prior."""
    seen: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    counts = Counter(label for _, label in cases)
    for text, label in cases:
        seen[label].update(model_features(plain(text)))
    weights = {}
    for feature in set(seen[True]) | set(seen[False]):
        yes, no = seen[True][feature], seen[False][feature]
        if yes + no < MIN_SEEN:
            continue
        weight = math.log((yes + 0.5) / (counts[True] + 1)) - math.log((no + 0.5) / (counts[False] + 1))
        weights[feature] = round(weight, 3)
    return {"prior": round(math.log(counts[True] / counts[False]), 3), "weights": weights}


def score(model: dict[str, Any], text: str) -> float:
    return model_score(model["prior"], model["weights"], plain(text))


def left_out(files: list[Path], questions: list[str]) -> tuple[list[tuple[float, bool]], list[float]]:
    """Each file's scores from a model that never saw it; the lookup questions' from every such model."""
    scored: list[tuple[float, bool]] = []
    asked: list[float] = []
    for held in files:
        model = train(_cases([f for f in files if f != held]))
        scored += [(score(model, text), label) for text, label in _cases([held])]
        asked += [score(model, q) for q in questions]
    return scored, asked


def choose(scored: list[tuple[float, bool]], asked: list[float]) -> tuple[float, float, float, float]:
    """(threshold, recall, false alarms on concerns, on lookups): the lowest threshold within the limit."""
    positives = [s for s, label in scored if label]
    calm = [s for s, label in scored if not label]
    for threshold in THRESHOLDS:
        fa = sum(s > threshold for s in calm) / len(calm)
        fa_asked = sum(s > threshold for s in asked) / len(asked)
        if fa <= MAX_FALSE_ALARMS and fa_asked <= MAX_FALSE_ALARMS:
            recall = sum(s > threshold for s in positives) / len(positives)
            return threshold, recall, fa, fa_asked
    raise SystemExit("no threshold keeps false alarms within the limit")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="report only; do not write the model")
    args = parser.parse_args()
    files = sorted(CORPUS.glob("tuning-*.yaml"))
    questions = [q["q"] for path in QUESTIONS for q in yaml.safe_load(path.read_text(encoding="utf-8"))]
    threshold, recall, fa, fa_asked = choose(*left_out(files, questions))
    print(
        f"left-out files ({len(files)}): threshold {threshold}: recall {recall:.1%}, "
        f"false alarms {fa:.1%} on concerns, {fa_asked:.1%} on {len(questions)} lookup questions"
    )
    model = {"threshold": threshold, **train(_cases(files))}
    print(f"{len(model['weights'])} features from {len(_cases(files))} cases")
    if not args.check:
        write(model, OUT)


def write(model: dict[str, Any], path: Path) -> None:
    """Save a model beside the shared vocabulary, compactly and in a stable order (small diffs)."""
    path.write_text(json.dumps(model, sort_keys=True, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
