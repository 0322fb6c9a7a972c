"""A list of vocabulary patterns read as one: only the patterns that could match a message are tried.

The shared vocabulary holds hundreds of patterns. Joined into one alternation, every one of them is tried
at every word of a long message, which put reading one message over its time budget. Most patterns can
only match if some word of theirs is in the message ("pushed", "knows where"), and a substring test is far
cheaper than a regular expression, so each pattern's required words are worked out once from its parsed
form, and a message is searched only with the patterns whose words it holds. A pattern with no word that
must be there is always tried, so what matches is exactly what the whole alternation would match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, lru_cache
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

SHORTEST = 3
"""Letters a required word must have to be worth testing for: shorter ones are in nearly every message."""

Clause = frozenset[str]
"""Words one of which every match of a pattern holds."""

Needs = tuple[Clause, ...]
"""Clauses every match of a pattern meets, most telling first; none when nothing can be told (always try it)."""


def any_of(patterns: list[str]) -> AnyOf:
    """A list of patterns as one alternation (nothing matches an empty list)."""
    return AnyOf(tuple(patterns))


class AnyOf:
    """Patterns joined into one alternation that tries, for each message, only those that could match."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        self.patterns = tuple(branch for pattern in patterns for branch in branches(pattern))
        self._needs = tuple(needs(p) for p in self.patterns)
        self._each = tuple(compiled(p) for p in self.patterns)
        _WORDS.add(word for clauses in self._needs for words in clauses for word in words)
        # each pattern filed under the words of its most telling clause: a message's words find its candidates
        self._always = tuple(i for i, clauses in enumerate(self._needs) if not clauses)
        self._by_word: dict[str, list[int]] = {}
        for i, clauses in enumerate(self._needs):
            for word in clauses[0] if clauses else ():
                self._by_word.setdefault(word, []).append(i)
        self._keys = frozenset(self._by_word)

    def _could(self, text: str) -> tuple[int, ...]:
        held = _WORDS.held(text)
        found = set(self._always)
        for word in held & self._keys:
            found.update(self._by_word[word])
        return tuple(i for i in sorted(found) if all(not words.isdisjoint(held) for words in self._needs[i][1:]))

    def search(self, text: str) -> re.Match[str] | None:
        """A match of any of the patterns (the leftmost of the first pattern that has one)."""
        for i in self._could(text):
            found = self._each[i].search(text)
            if found:
                return found
        return None

    def sub(self, replacement: str, text: str) -> str:
        """Each match replaced by the (literal) replacement, as the whole alternation would replace them: left
        to right, where two start at one place the first pattern's; a match of nothing is not replaced."""
        ahead = {i: self._each[i].search(text) for i in self._could(text)}
        out: list[str] = []
        done = 0
        while True:
            found = [(m.start(), i, m) for i, m in ahead.items() if m is not None]
            if not found:
                return "".join([*out, text[done:]])
            start, i, match = min(found, key=lambda f: f[:2])
            if match.end() > start:
                out += [text[done:start], replacement]
                done = match.end()
            for j, later in ahead.items():  # each pattern's next match from where this one ends
                if later is not None and (later.start() < done or j == i):
                    ahead[j] = self._each[j].search(text, max(done, later.start() + (j == i)))


class _Words:
    """Every word some pattern needs, found in a message in one pass (a trie as a regular expression), for
    all the alternations at once: a message is read by several, and testing each word apart cost more than
    the patterns it saved."""

    def __init__(self) -> None:
        self._words: set[str] = set()
        self._finder: re.Pattern[str] | None = None
        self._prefixes: dict[str, frozenset[str]] = {}

    def add(self, words: Iterable[str]) -> None:
        self._words.update(words)
        self._finder = None
        self.held.cache_clear()

    @lru_cache(maxsize=8)  # noqa: B019 - one module-level instance; a message is read by several alternations
    def held(self, text: str) -> frozenset[str]:
        """The needed words the text holds: at each place, the longest one that starts there and the
        needed words it begins with."""
        if self._finder is None:
            self._finder = re.compile(f"(?=({_trie(sorted(self._words))}))")
            self._prefixes = {w: frozenset(w[:i] for i in range(1, len(w) + 1)) & self._words for w in self._words}
        found = {match.group(1) for match in self._finder.finditer(text)}
        return frozenset().union(*(self._prefixes[word] for word in found))  # "shell" found holds "she" too


def _trie(words: list[str]) -> str:
    """Words as one regular expression that matches, where any of them starts, the longest there."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + emit(child) for ch, child in node.items() if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if "" in node else body

    return emit(root) or "(?!)"


_WORDS = _Words()


def branches(pattern: str) -> list[str]:
    """A pattern's top-level alternatives ("a|b(?:c|d)" → "a", "b(?:c|d)"), each filtered on its own words;
    the pattern whole if a part would not stand alone. Raises ``re.error`` if the pattern is not valid."""
    parts, depth, start, escaped, opened = [], 0, 0, False, -1
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif opened >= 0:  # in a [character class]: "]" right after "[" or "[^" is a character
            opened = opened if ch != "]" or i == opened + 1 or pattern[opened + 1 : i] == "^" else -1
        elif ch == "[":
            opened = i
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
    parts.append(pattern[start:])
    try:
        for part in parts:
            compiled(part)
    except re.error:
        compiled(pattern)  # a broken pattern raises re.error here
        return [pattern]
    return parts


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """Each vocabulary pattern compiled once, for the check when the file loads and for every reading after
    (``re``'s own cache holds fewer than the vocabulary has)."""
    return re.compile(pattern)


def needs(pattern: str) -> Needs:
    """What any text the pattern matches must hold: for each clause, one of its words; () if nothing can be told."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return ()
    if parsed.state.flags & (sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_VERBOSE):
        return ()
    clauses = set(_sequence(list(parsed)))
    return tuple(sorted(clauses, key=lambda words: (-min(map(len, words)), len(words))))  # most telling first


def _sequence(items: list[tuple[Any, Any]]) -> list[Clause]:
    clauses: list[Clause] = []
    run: list[str] = []
    for op, arg in items:
        if op is sre.LITERAL:
            run.append(chr(arg))
            continue
        if len(run) >= SHORTEST:
            clauses.append(frozenset({"".join(run)}))
        run = []
        clauses += _part(op, arg)
    if len(run) >= SHORTEST:
        clauses.append(frozenset({"".join(run)}))
    return clauses


def _part(op: Any, arg: Any) -> list[Clause]:
    if op is sre.SUBPATTERN:
        _group, add_flags, _del_flags, inner = arg
        return [] if add_flags & sre.SRE_FLAG_IGNORECASE else _sequence(list(inner))
    if op is sre.BRANCH:  # one word from each branch's most telling clause
        each = [_sequence(list(branch)) for branch in arg[1]]
        if not all(each):
            return []
        return [frozenset().union(*(max(clauses, key=lambda words: min(map(len, words))) for clauses in each))]
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, inner = arg
        return _sequence(list(inner)) if low >= 1 else []
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(arg))
    if op is sre.ASSERT:  # a lookahead or lookbehind: what it looks for is in the text too
        _direction, inner = arg
        return _sequence(list(inner))
    return []
