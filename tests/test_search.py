"""Search: clause-sized passages with references, ranked for the way people ask."""

from __future__ import annotations

import pytest

from benchmarks.search_quality import evaluate
from chatops.councils import Library
from chatops.search import passages
from chatops.text import Speller

from .conftest import COUNCILS


def test_search_quality_meets_the_targets_and_beats_plain_bm25(library: Library) -> None:
    ours, plain = evaluate(library)
    assert ours.total >= 40
    assert ours.top1 / ours.total >= 0.90, ours.misses
    assert ours.top3 / ours.total >= 0.97, ours.misses
    assert ours.top1 - plain.top1 >= ours.total * 0.2  # clearly ahead, not a rounding error


@pytest.mark.parametrize("council", COUNCILS)
def test_passages_are_never_a_whole_section(library: Library, council: str) -> None:
    protocol = library.protocol(council)
    for passage in passages(protocol):
        section = protocol.section_of(protocol.clause_by_key[passage.key])
        whole = sum(len(" ".join(c.text + c.items)) for c in section.clauses)
        assert len(passage.text) < whole or (len(section.clauses) == 1 and len(passage.text) <= 1200)
        assert passage.ref


@pytest.mark.parametrize(
    ("council", "question", "ref", "words"),
    [
        ("llangunnor", "can a cllr make me change my report?", "2.4", "pressurise"),
        ("llangunnor", "clrk pressured", "3.2", "undue pressure"),
        ("telford-and-wrekin", "can a councillor ask me to campaign?", "3", "political"),
        ("telford-and-wrekin", "complaint about the chief exec", "4.2", "Head of Human Resources"),
    ],
)
def test_questions_from_the_issue(library: Library, council: str, question: str, ref: str, words: str) -> None:
    hits = library.lookup(council).searcher.search(question, limit=3)
    assert hits[0].passage.ref == ref and words in hits[0].passage.text


def test_nonsense_finds_nothing(library: Library) -> None:
    assert library.lookup("llangunnor").searcher.search("qwxz zzzq", limit=3) == []


def test_speller_corrects_slips_but_not_everyday_words(library: Library) -> None:
    speller = Speller(["clerk", "councillor", "confidentiality", "staff"])
    assert speller.correct("clrk") == "clerk"
    assert speller.correct("counciller") == "councillor"
    assert speller.correct("confidentialty") == "confidentiality"
    tokens = dict(library.lookup("llangunnor").searcher.tokens("share stuff"))
    assert tokens.get("stuff") == "stuff"  # not "staff"
