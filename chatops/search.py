"""Ranking the protocol's passages for a free-text question, with references.

A passage is one clause paragraph, one short list with its lead-in, or one item of a long list
with that list's heading: small enough to quote as the answer, never a whole section. Ranking is
BM25 over stems, with the words people type mapped onto the words protocols use (synonyms,
role vocabulary, spelling slips) and a nudge for "who can expect what from whom" questions.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Clause, Party, Protocol
from .synonyms import CONCEPTS, PARTY_STEMS, REWRITES
from .text import COMMON, STOPWORDS, Speller, stem, stems, words
from .vocabulary import ROLE_PARTY, ROLE_WORDS, phrase_role

SHORT_LIST = 400
"""A list whose whole text is at most this many characters is one passage; longer lists split by item."""


@dataclass(frozen=True)
class Passage:
    ref: str
    key: str  # the clause's unique key (its id, else its ref)
    heading: str
    paragraphs: tuple[str, ...]
    items: tuple[str, ...]
    section: str
    expect: tuple[Party, Party] | None = None  # (who, from) for an expectation list

    @property
    def text(self) -> str:
        if not self.paragraphs and len(self.items) == 1:
            return self.items[0]
        return "\n".join([*self.paragraphs, *(f"• {item}" for item in self.items)])


@dataclass(frozen=True)
class Hit:
    passage: Passage
    score: float


def passages(protocol: Protocol) -> list[Passage]:
    out: list[Passage] = []
    for section in protocol.sections:
        for clause in section.clauses:
            out += _clause_passages(clause, section.heading or "")
    return out


def _clause_passages(clause: Clause, section_heading: str) -> list[Passage]:
    expect = (clause.expect.who, clause.expect.from_) if clause.expect else None

    def passage(paragraphs: list[str], items: list[str], heading: str = clause.heading or "") -> Passage:
        return Passage(clause.ref, clause.key, heading, tuple(paragraphs), tuple(items), section_heading, expect)

    if clause.items and len(" ".join(clause.text + clause.items)) <= SHORT_LIST:
        return [passage(clause.text, clause.items)]
    out = []
    lead_in = ""
    for i, paragraph in enumerate(clause.text):
        if clause.items and i == len(clause.text) - 1:
            lead_in = paragraph  # introduces the list; its items carry it as their heading
        else:
            out.append(passage([paragraph], []))
    heading = " ".join(filter(None, (clause.heading, lead_in)))
    out += [passage([], [item], heading) for item in clause.items]
    return out


class BM25:
    """Okapi BM25 over pre-tokenised documents, with weighted query terms."""

    def __init__(
        self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75, others: float = 0.0
    ) -> None:
        self.k1, self.b, self.others = k1, b, others
        self.lengths = [len(d) for d in documents]
        self.average = (sum(self.lengths) / len(documents)) if documents else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for i, document in enumerate(documents):
            for term, count in Counter(document).items():
                self.postings.setdefault(term, []).append((i, count))
        n = len(documents)
        self.idf = {t: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in self.postings.items()}

    def scores(self, groups: Sequence[dict[str, float]]) -> dict[int, float]:
        """Score every matching document: the sum over groups of the group's best weighted term.

        A group holds alternatives (a word and its synonyms), so a passage that uses several of
        them is not counted several times; plain BM25 is one single-term group per query word.
        """
        out: dict[int, float] = {}
        for group in groups:
            best: dict[int, float] = {}
            total: dict[int, float] = {}
            for term, weight in group.items():
                for i, count in self.postings.get(term, ()):
                    norm = self.k1 * (1 - self.b + self.b * self.lengths[i] / (self.average or 1))
                    score = weight * self.idf[term] * count * (self.k1 + 1) / (count + norm)
                    total[i] = total.get(i, 0.0) + score
                    best[i] = max(best.get(i, 0.0), score)
            for i, score in best.items():
                out[i] = out.get(i, 0.0) + score + self.others * (total[i] - score)
        return out


_CONCEPT_OF: dict[str, set[str]] = {}
for _typed, _written in CONCEPTS:
    for _word in _typed.split():
        _CONCEPT_OF.setdefault(_word, set()).update(stem(w) for w in _written.split())
_PARTY_OF: dict[str, list[str]] = {
    role: [stem(w) for w in expansion.split()] for role, expansion in PARTY_STEMS.items()
}
_REWRITES = [(re.compile(pattern, re.IGNORECASE), meaning) for pattern, meaning in REWRITES]
_EXPECT_WORDS = frozenset({"expect", "expects", "expected", "expectation", "expectations", "entitled"})

TYPED, CORRECTED, CONCEPT = 1.0, 0.85, 0.6
SIDE = 0.3
"""Words naming a whole side (councillor, employee…) say *who*, not *what*: they count for less."""
ROLE = 1.0
OTHER_SYNONYMS = 0.3
"""A group's best match counts in full; its other words (a phrase's rest) count this much more."""
_SIDES = frozenset({"councillor", "officer", "clerk"})
HEADING_WEIGHT = 0.5
BIGRAM_BONUS = 1.5
DIRECTION_BOOST = 3.0


class Searcher:
    """Search over one council's protocol. Built once per council; a query costs well under a millisecond."""

    def __init__(self, protocol: Protocol) -> None:
        self.passages = passages(protocol)
        self._text = BM25([stems(p.text) for p in self.passages], others=OTHER_SYNONYMS)
        self._heading = BM25([stems(f"{p.heading} {p.section}") for p in self.passages], others=OTHER_SYNONYMS)
        self._bigrams = [set(_pairs(stems(p.text))) for p in self.passages]
        known = {w for p in self.passages for w in words(f"{p.heading} {p.text}")}
        known |= set(_CONCEPT_OF)
        known |= {w for phrases in ROLE_WORDS.values() for phrase in phrases for w in phrase.split()}
        self._speller = Speller(w for w in known if w not in STOPWORDS)

    def terms(self, question: str) -> list[dict[str, float]]:
        """The question as groups of weighted stems; a passage scores the best stem of each group.

        Each content word is a group with its synonyms; each role named (by one word or a phrase)
        is one group of the words protocols use for it, so "members and councillors" counts once.
        """
        groups: list[dict[str, float]] = []

        def add(group: dict[str, float]) -> None:
            if group not in groups:
                groups.append(group)

        tokens = self.tokens(question)
        fixed_words = [fixed for _, fixed in tokens]
        for word, fixed in tokens:
            if fixed in STOPWORDS:
                continue
            role = _single_role(fixed)
            if role:
                weight = SIDE if role in _SIDES else ROLE
                add(dict.fromkeys([stem(fixed), *_PARTY_OF[role]], weight))
                continue
            add({stem(fixed): TYPED if fixed == word else CORRECTED})
            if fixed in _CONCEPT_OF:
                add(dict.fromkeys(_CONCEPT_OF[fixed], CONCEPT))
        for size in (3, 2):
            for start in range(len(fixed_words) - size + 1):
                found = phrase_role(" ".join(fixed_words[start : start + size]))
                if found and found[1] is None and found[0] not in _SIDES:
                    add(dict.fromkeys(_PARTY_OF[found[0]], ROLE))
        return groups

    def tokens(self, question: str) -> list[tuple[str, str]]:
        """(typed, meant) word pairs; unknown words with no likely correction are dropped."""
        out = []
        for pattern, meaning in _REWRITES:
            question = pattern.sub(meaning, question)
        for word in words(question):
            known = word in self._speller or word in STOPWORDS or word in COMMON
            fixed = word if known else self._speller.correct(word)
            if fixed is not None:
                out.append((word, fixed))
        return out

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        groups = self.terms(question)
        if not groups:
            return []
        scores = self._text.scores(groups)
        for i, score in self._heading.scores(groups).items():
            scores[i] = scores.get(i, 0.0) + HEADING_WEIGHT * score
        typed = set(_pairs([stem(fixed) for _, fixed in self.tokens(question) if fixed not in STOPWORDS]))
        if typed:
            for i in scores:
                scores[i] += BIGRAM_BONUS * len(typed & self._bigrams[i])
        direction = _direction(question)
        if direction:
            for i, passage in enumerate(self.passages):
                if passage.expect == direction and i in scores:
                    scores[i] *= DIRECTION_BOOST
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(self.passages[i], round(score, 3)) for i, score in ranked[:limit] if score > 0]


def _pairs(terms: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(terms))


def _single_role(word: str) -> str | None:
    found = phrase_role(word) if len(word) > 2 else None
    return found[0] if found and found[1] is None else None


def _direction(question: str) -> tuple[Party, Party] | None:
    """(who, from) for questions like "what can officers expect from members" or "…from a cllr as clerk"."""
    tokens = words(question)
    if not _EXPECT_WORDS.intersection(tokens):
        return None
    who: Party | None = None
    source: Party | None = None
    after_from = False
    for token in tokens:
        role = _single_role(token)
        party = ROLE_PARTY[role] if role else None
        if token == "from":
            after_from = True
        elif party and after_from and source is None:
            source = party
            after_from = False
        elif party and who is None:
            who = party
    if source and who is None:
        who = "officer" if source == "councillor" else "councillor"
    if who and source is None:
        source = "officer" if who == "councillor" else "councillor"
    if who is None or source is None or who == source:
        return None
    return who, source
