"""Text helpers shared by lookup, vocabulary and search: cleaning input, words, stems, typos."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

MAX_INPUT = 500
"""Characters of a command we read; a question longer than this is cut (and the user told)."""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_stemmer = snowballstemmer.stemmer("english")

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have
    having he her here hers herself him himself his how i if in into is it its itself just me more most
    my myself no nor not of off on once only or other our ours ourselves out over own same she should so
    some such than that the their theirs them themselves then there these they this those through to too
    under until up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves etc e g""".split()
)


COMMON = frozenset(
    """stuff thing things get got make made tell told ask asked want need keep keeps bring bringing share
    say said go going help let like know think feel really just also still ok okay please thanks hi
    hello allowed allow way lot lots much many kind sort bit time times day days week new old good bad
    right left sure thing come came take took give gave put see seen look looked use used""".split()
)
"""Everyday words that are never "corrected" into a protocol word (stuff is not staff)."""


_SPACES = str.maketrans("\t\n\r\x0b\x0c", "     ")


def clean(text: str) -> tuple[str, bool]:
    """Make typed input safe to parse: NFKC, no control or format characters, one line, bounded.

    Returns the cleaned text and whether it had to be shortened.
    """
    cut = len(text) > MAX_INPUT * 2
    text = unicodedata.normalize("NFKC", text[: MAX_INPUT * 2]).translate(_SPACES)
    if not text.isprintable():  # the slow way only where there is something to take out
        text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split())
    if len(text) > MAX_INPUT:
        return text[:MAX_INPUT].rsplit(" ", 1)[0], True
    return text, cut


def words(text: str) -> list[str]:
    """Lower-case words; possessives lose their ``'s`` (officer's → officer)."""
    out = []
    for match in _WORD.finditer(text.casefold()):
        word = match.group().replace("’", "'")
        if word.endswith("'s"):
            word = word[:-2]
        word = word.replace("'", "")
        out.extend(_CONTRACTIONS.get(word, word).split())
    return out


_STEM_OVERRIDES = {
    "informal": "informal",
    "informally": "informal",
    "informality": "informal",
    "responsible": "responsible",
    "accountable": "responsible",
    "responsibility": "responsibility",
    "responsibilities": "responsibility",
}
"""Where Snowball merges words a protocol keeps apart: informally ≠ information, and being
responsible to someone ≠ a responsibility ≠ a response."""

_CONTRACTIONS = {
    "cant": "cannot",
    "wont": "will not",
    "dont": "do not",
    "doesnt": "does not",
    "isnt": "is not",
    "shouldnt": "should not",
    "mustnt": "must not",
    "im": "i am",
    "ive": "i have",
    "whats": "what is",
}


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    return _STEM_OVERRIDES.get(word) or str(_stemmer.stemWord(word))


def stems(text: str, *, keep_stopwords: bool = False) -> list[str]:
    return [stem(w) for w in words(text) if keep_stopwords or w not in STOPWORDS]


def distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment edit distance (a transposition counts as one), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def allowed_typos(word: str) -> int:
    """How many slips a word of this length may carry and still be recognised."""
    return 0 if len(word) < 4 or len(word) > 30 else 1 if len(word) < 8 else 2


class Speller:
    """Finds the known word a typo was meant to be, via a deletion index (fast at query time)."""

    def __init__(self, known: Iterable[str]) -> None:
        self._known = set(known)
        self._index: dict[str, set[str]] = {}
        for word in self._known:
            for variant in self._deletes(word, allowed_typos(word)):
                self._index.setdefault(variant, set()).add(word)

    @staticmethod
    def _deletes(word: str, depth: int) -> set[str]:
        found = {word}
        frontier = {word}
        for _ in range(depth):
            frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))} - found
            found |= frontier
        return found

    def __contains__(self, word: str) -> bool:
        return word in self._known

    def correct(self, word: str) -> str | None:
        """The closest known word within the allowed typos, or None. Ties go to the longer word."""
        if word in self._known:
            return word
        limit = allowed_typos(word)
        if not limit:
            return None
        candidates: set[str] = set()
        for variant in self._deletes(word, limit):
            candidates |= self._index.get(variant, set())
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            d = distance(word, candidate, limit)
            if d <= min(limit, allowed_typos(candidate) or 1):
                key = (d, -len(candidate), candidate)
                best = key if best is None or key < best else best
        return best[2] if best else None
