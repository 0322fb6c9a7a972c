"""Ranking the protocol's passages for a free-text question, with references.

A passage is one clause paragraph, one short list with its lead-in, or one item of a long list
with that list's heading: small enough to quote as the answer, never a whole section. Ranking is
BM25 over stems, with the words people type mapped onto the words protocols use (synonyms,
role vocabulary, spelling slips) and a nudge for "who can expect what from whom" questions.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .model import Clause, Party, Protocol
from .text import COMMON, STOPWORDS, Speller, stem, stems, words
from .vocabulary import Meaning, for_protocol, key, other, plural, shared

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


@functools.cache
def _concepts() -> dict[str, set[str]]:
    """Words people type → the stems protocols use for the same idea (from the shared vocabulary)."""
    out: dict[str, set[str]] = {}
    for concept in shared().search.concepts:
        for word in concept.typed.split():
            out.setdefault(word, set()).update(stem(w) for w in concept.written.split())
    return out


@functools.cache
def _rewrites() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(r.typed, re.IGNORECASE), r.written) for r in shared().search.rewrites]


@functools.cache
def _where_to_go() -> list[re.Pattern[str]]:
    return [re.compile(p, re.IGNORECASE) for p in shared().search.where_to_go]


def asks_where_to_go(question: str) -> bool:
    """ "Who do I go to?", "what can I do?": a question answered by a procedure, not by a clause's words."""
    plain = question.replace("’", "'").replace("'", "")
    return any(p.search(plain) for p in _where_to_go())


_EXPECT_WORDS = frozenset({"expect", "expects", "expected", "expectation", "expectations", "entitled"})

TYPED, CORRECTED, CONCEPT = 1.0, 0.85, 0.6
SIDE = 0.3
"""Words naming a whole side (councillor, employee…) say *who*, not *what*: they count for less."""
ROLE = 1.0
OTHER_SYNONYMS = 0.3
"""A group's best match counts in full; its other words (a phrase's rest) count this much more."""
PROCEDURE_BOOST = 1.5
"""For a where-to-go question, the asker's own procedure is lifted this far above the best other match."""
HEADING_WEIGHT = 0.5
BIGRAM_BONUS = 1.5
DIRECTION_BOOST = 3.0


class Searcher:
    """Search over one council's protocol. Built once per council; a query costs well under a millisecond."""

    def __init__(self, protocol: Protocol) -> None:
        self.protocol = protocol
        self.vocabulary = for_protocol(protocol)
        self.passages = passages(protocol)
        self._expansion = _role_expansions(protocol)
        self._text = BM25([stems(p.text) for p in self.passages], others=OTHER_SYNONYMS)
        self._heading = BM25([stems(f"{p.heading} {p.section}") for p in self.passages], others=OTHER_SYNONYMS)
        self._bigrams = [set(_pairs(stems(p.text))) for p in self.passages]
        known = {w for p in self.passages for w in words(f"{p.heading} {p.text}")}
        known |= set(_concepts())
        known |= {w for phrase in self.vocabulary.phrases for w in phrase.split()}
        self._speller = Speller(w for w in known if w not in STOPWORDS)
        self._known_stems = {stem(w) for w in known}  # "reviewed" is the document's "review", not a slip

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
            meaning = self._single_role(fixed)
            if meaning and meaning.role:
                weight = SIDE if self._is_side(meaning) else ROLE
                add(dict.fromkeys([stem(fixed), *self._expansion[meaning.role]], weight))
                continue
            add({stem(fixed): TYPED if fixed == word else CORRECTED})
            if fixed in _concepts():
                add(dict.fromkeys(_concepts()[fixed], CONCEPT))
        for size in (3, 2):
            for start in range(len(fixed_words) - size + 1):
                meaning = self.vocabulary.phrases.get(key(" ".join(fixed_words[start : start + size])))
                if meaning and meaning.role and not self._is_side(meaning):
                    add(dict.fromkeys(self._expansion[meaning.role], ROLE))
        return groups

    def _single_role(self, word: str) -> Meaning | None:
        meaning = self.vocabulary.phrases.get(plural(word)) if len(word) > 2 else None
        return meaning if meaning and meaning.party else None

    def _is_side(self, meaning: Meaning) -> bool:
        """Words naming a whole side (or a job on it) say who, not what."""
        return meaning.kind in ("side", "job") or meaning.role == self.vocabulary.base_role(meaning.party or "officer")

    def tokens(self, question: str) -> list[tuple[str, str]]:
        """(typed, meant) word pairs; unknown words with no likely correction are dropped."""
        out = []
        for pattern, meaning in _rewrites():
            question = pattern.sub(meaning, question)
        for word in words(question):
            known = word in self._speller or word in STOPWORDS or word in COMMON or stem(word) in self._known_stems
            fixed = word if known else self._speller.correct(word)
            if fixed is not None:
                out.append((word, fixed))
        return out

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        """The best passages for ``question``; a where-to-go question leads with the asker's own procedure."""
        groups = self.terms(question)
        where = asks_where_to_go(question) and bool(self.protocol.procedures)
        asker: Party | None = None
        if where:
            from .concerns.reading import read  # who is asking decides whose procedure answers

            asker = read(question, self.protocol).reporter
        if not groups and not where:
            return []
        scores = self._text.scores(groups)
        for i, score in self._heading.scores(groups).items():
            scores[i] = scores.get(i, 0.0) + HEADING_WEIGHT * score
        typed = set(_pairs([stem(fixed) for _, fixed in self.tokens(question) if fixed not in STOPWORDS]))
        if typed:
            for i in scores:
                scores[i] += BIGRAM_BONUS * len(typed & self._bigrams[i])
        direction = _direction(question, self)
        if where:
            top = max(scores.values(), default=1.0)
            for procedure in self.protocol.procedures:
                lift = PROCEDURE_BOOST if asker in (None, procedure.raised_by) else PROCEDURE_BOOST / 3
                for i, passage in enumerate(self.passages):
                    if passage.ref == procedure.ref:
                        scores[i] = scores.get(i, 0.0) + top * lift
        if direction:
            for i, passage in enumerate(self.passages):
                if passage.expect == direction and i in scores:
                    scores[i] *= DIRECTION_BOOST
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(self.passages[i], round(score, 3)) for i, score in ranked[:limit] if score > 0]


def _pairs(terms: list[str]) -> list[tuple[str, str]]:
    return list(itertools.pairwise(terms))


def _role_expansions(protocol: Protocol) -> dict[str, list[str]]:
    """Each role → the stems this protocol uses for it: its name and its side's names."""
    out: dict[str, list[str]] = {}
    for role in protocol.roles:
        text = role.name
        names = protocol.parties.get(role.party)
        text += f" {names.singular} {names.plural}" if names else ""  # a role is also its side
        out[role.id] = list(dict.fromkeys(s for s in stems(re.sub(r"\([^)]*\)", " ", text)) if s))
    return out


def _direction(question: str, searcher: Searcher) -> tuple[Party, Party] | None:
    """(who, from) for questions like "what can officers expect from members" or "…from a cllr as clerk"."""
    tokens = words(question)
    if not _EXPECT_WORDS.intersection(tokens):
        return None
    who: Party | None = None
    source: Party | None = None
    after_from = False
    for token in tokens:
        meaning = searcher._single_role(token)
        party = meaning.party if meaning else None
        if token == "from":
            after_from = True
        elif party and after_from and source is None:
            source = party
            after_from = False
        elif party and who is None:
            who = party
    if source and who is None:
        who = other(source)
    if who and source is None:
        source = other(who)
    if who is None or source is None or who == source:
        return None
    return who, source
