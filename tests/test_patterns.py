"""The vocabulary's pattern lists are read with a word prefilter (``chatops.patterns``): it must find and
replace exactly what the whole alternation would, or a danger message could go unseen."""

from __future__ import annotations

import re

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatops.concerns.safety import plain
from chatops.patterns import AnyOf, any_of, branches, needs
from chatops.vocabulary import shared

from .conftest import ROOT


def _lists() -> dict[str, list[str]]:
    vocabulary = shared()
    safety = vocabulary.safety
    lists = {
        "danger": safety.danger,
        "self_harm": safety.self_harm,
        "not_danger": safety.not_danger,
        "jest": safety.in_jest.markers,
        "hyperbole": safety.in_jest.hyperbole,
        "witness": vocabulary.witness,
        "each_other": vocabulary.each_other,
        "asking": vocabulary.asking,
        "public": vocabulary.self_.public,
        "self councillor": vocabulary.self_.councillor,
        "self officer": vocabulary.self_.officer,
    }
    lists.update({f"one side {party}": patterns for party, patterns in vocabulary.one_side.items()})
    return lists


LISTS = _lists()
WHOLE = {name: re.compile("|".join(f"(?:{p})" for p in patterns) or "(?!)") for name, patterns in LISTS.items()}
READ = {name: any_of(patterns) for name, patterns in LISTS.items()}


def _corpus() -> list[str]:
    cases = []
    for path in sorted((ROOT / "benchmarks" / "concerns").glob("*.yaml")):
        cases += yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return [plain(case["text"]) for case in cases[::8]]  # the whole alternations are slow: a sample keeps it quick


def test_every_list_finds_and_replaces_what_the_whole_alternation_does_on_the_corpus() -> None:
    texts = _corpus()
    assert len(texts) > 300
    for name, whole in WHOLE.items():
        for text in texts:
            assert (READ[name].search(text) is None) == (whole.search(text) is None), (name, text)
            assert READ[name].sub(" ~ ", text) == whole.sub(" ~ ", text), (name, text)


_WORDS = sorted({w for ps in LISTS.values() for p in ps for c in needs(p) for ws in c for w in ws.split()})


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from([*_WORDS, "he", "me", "my", "at", "a", ".", "not", "was"]), max_size=40))
def test_text_made_of_the_patterns_own_words_is_read_as_the_whole_alternation_reads_it(chosen: list[str]) -> None:
    text = " ".join(chosen)
    for name, whole in WHOLE.items():
        assert (READ[name].search(text) is None) == (whole.search(text) is None), (name, text)
        assert READ[name].sub(" ~ ", text) == whole.sub(" ~ ", text), (name, text)


def test_where_two_patterns_overlap_the_first_to_start_wins_then_the_first_listed() -> None:
    for patterns, text in [
        (["ab", "bc"], "abc"),
        (["bc", "abc"], "abc"),
        (["a", "ab"], "xab ab"),
        (["b|ab", "a"], "ab"),
    ]:
        assert AnyOf(tuple(patterns)).sub("~", text) == re.sub("|".join(f"(?:{p})" for p in patterns), "~", text)


def test_a_pattern_is_split_only_at_its_own_top_level_bars() -> None:
    assert branches(r"\bhit\b|\bpunch(?:ed|es)?\b") == [r"\bhit\b", r"\bpunch(?:ed|es)?\b"]
    assert branches(r"a(?:b|c)") == [r"a(?:b|c)"]
    assert branches(r"[|]x|y") == ["[|]x", "y"]
    assert branches(r"[]|]x") == ["[]|]x"]
    assert branches(r"\|a") == [r"\|a"]


def test_what_a_pattern_needs_is_only_what_every_match_holds() -> None:
    assert needs(r"\bpushed (?:me|her)\b") == (frozenset({"pushed "}),)
    assert needs(r"\b(?:hit|punched)\b") == (frozenset({"hit", "punched"}),)
    assert needs(r"\b(?:hit|me)\b") == ()  # "me" is too short to be worth looking for
    assert needs(r"(?i)pushed") == ()  # another case could match: always tried
    assert needs(r"\bthreat(?:en)?s?\b") == (frozenset({"threat"}),)
