"""Search quality: top-1 and top-3 hit rates of chatops search beside plain BM25, in one run.

    python -m benchmarks.search_quality            # table
    python -m benchmarks.search_quality --misses   # and the questions each got wrong

Two more sets ask whether the tuning carries over to councils whose wording it never saw: the
reviewed test council tests/data/councils/ashcombe.yaml (``unseen``; general-language synonyms
were added after its first run), and unreviewed drafts ``chatops import`` makes of two more test
documents (``drafts``; written after all tuning, never tuned on).

Plain BM25 ranks the same passages with lower-cased words, stop words removed, no stemming, no
synonyms and no spelling correction: what a search box gives you out of the box.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from chatops.councils import Library
from chatops.importing import import_source
from chatops.search import BM25, Passage, Searcher
from chatops.text import STOPWORDS, words

QUESTIONS = Path(__file__).with_name("search_questions.yaml")
HOLDOUT = Path(__file__).with_name("search_questions_holdout.yaml")
UNSEEN = Path(__file__).with_name("search_questions_unseen.yaml")
DRAFTS = Path(__file__).with_name("search_questions_drafts.yaml")
TESTS = Path(__file__).resolve().parent.parent / "tests" / "data"
DRAFTED = ("halden", "wexcombe")
Ranker = Callable[[str], list[Passage]]


class PlainBM25:
    def __init__(self, searcher: Searcher) -> None:
        self.passages = searcher.passages
        self.index = BM25([self._tokens(f"{p.heading} {p.text}") for p in self.passages])

    @staticmethod
    def _tokens(text: str) -> list[str]:
        return [w for w in words(text) if w not in STOPWORDS]

    def __call__(self, question: str, limit: int = 3) -> list[Passage]:
        scores = self.index.scores([{t: 1.0} for t in self._tokens(question)])
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [self.passages[i] for i, _ in ranked[:limit]]


@dataclass
class Result:
    name: str
    top1: int = 0
    top3: int = 0
    total: int = 0
    misses: list[str] | None = None

    def row(self) -> str:
        return (
            f"{self.name:<16} top-1 {self.top1:>2}/{self.total} = {self.top1 / self.total:6.1%}   "
            f"top-3 {self.top3:>2}/{self.total} = {self.top3 / self.total:6.1%}"
        )


def _hit(passage: Passage, answer: dict[str, str]) -> bool:
    return (
        passage.ref == str(answer["ref"])
        and answer.get("text", "").lower() in passage.text.lower()
        and answer.get("heading", "").lower() in passage.heading.lower()
    )


def evaluate(library: Library | None = None, path: Path = QUESTIONS) -> tuple[Result, Result]:
    library = library or Library()
    questions = yaml.safe_load(path.read_text(encoding="utf-8"))
    ours, plain = Result("chatops search", misses=[]), Result("plain BM25", misses=[])
    rankers: dict[str, tuple[Ranker, Ranker]] = {}
    for q in questions:
        council = q["council"]
        if council not in rankers:
            searcher = library.lookup(council).searcher
            rankers[council] = (lambda text, s=searcher: [h.passage for h in s.search(text, 3)], PlainBM25(searcher))
        for result, rank in zip((ours, plain), rankers[council], strict=True):
            found = [any(_hit(p, a) for a in q["answer"]) for p in rank(q["q"])]
            result.total += 1
            result.top1 += bool(found[:1] and found[0])
            result.top3 += any(found)
            if not (found[:1] and found[0]) and result.misses is not None:
                result.misses.append(f"{council}: {q['q']}" + ("" if any(found) else "  (not in top 3)"))
    return ours, plain


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", action="store_true", help="list the questions missed at top-1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as drafts:
        for name in DRAFTED:  # imported as a clerk would start, with nothing reviewed
            imported = import_source(TESTS / "documents" / f"{name}.txt", name)
            (Path(drafts) / f"{name}.yaml").write_text(imported.yaml, encoding="utf-8")
        library = Library((TESTS / "councils", Path(drafts)))
        results = [(path, *evaluate(library, path)) for path in (QUESTIONS, HOLDOUT, UNSEEN, DRAFTS)]
    for path, ours, plain in results:
        print(f"{ours.total} questions from {path.name}")
        for result in (ours, plain):
            print(result.row())
            if args.misses:
                for miss in result.misses or []:
                    print(f"    miss: {miss}")


if __name__ == "__main__":
    main()
