"""The words people use for each side, role and kind of concern, mapped onto one council's protocol.

Nothing here knows a council: general language (sides, local-government titles, jobs, kinds of
concern, the search synonyms) comes from ``protocol_data/shared/vocabulary.yaml``, and each council's
own file adds its role names and titles (``roles[].name``, ``roles[].words``), its names for each side
(``parties``) and its own kinds of concern (``concerns[].words``). :func:`for_protocol` joins the two
into a :class:`Vocabulary` once per council.

Matching is on whole words after spelling slips are fixed and each word is stemmed, longest phrase
first, so "member of staff" is never "member" and "the Town Mayor" is the council's ``town-mayor``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from .model import Party, Protocol
from .patterns import branches
from .text import Speller, stem, words

PARTIES: tuple[Party, Party] = ("councillor", "officer")


def other(party: Party) -> Party:
    return "officer" if party == "councillor" else "councillor"


# --- the shared file -----------------------------------------------------------------------------
def _compiles(pattern: str) -> str:
    try:
        branches(pattern)  # compiled as the reading will use it, once
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc})") from None
    return pattern


Patterns = list[Annotated[str, AfterValidator(_compiles)]]
"""Regular expressions over the message as the safety check reads it: a broken one is reported with its
line when the file is loaded, not met by the first person who types."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Title(_Model):
    id: str
    party: Party
    words: list[str]


class Jest(_Model):
    """Violent words said in jest ("I could throttle him, joking obviously"): ``hyperbole`` is not read as
    danger when the message has a ``markers`` cue and no ``earnest`` one ("not really a joke")."""

    markers: Patterns
    earnest: Patterns
    hyperbole: Patterns


class Safety(_Model):
    danger: Patterns
    self_harm: Patterns
    not_danger: Patterns
    in_jest: Jest
    text_speak: dict[str, str] = Field(default_factory=dict)
    # signs of distress, none enough alone ("I can't cope", "not sleeping"): several together are self-harm
    distress: Patterns = Field(default_factory=list)


class Concept(_Model):
    typed: str
    written: str


class Said(_Model):
    """How people say who they are, that someone else is affected, or that they are correcting themselves."""

    councillor: Patterns
    officer: Patterns
    public: Patterns = Field(default_factory=list)  # "I'm not on the council, I just live in the village"


class Search(_Model):
    concepts: list[Concept] = Field(default_factory=list)
    rewrites: list[Concept] = Field(default_factory=list)
    where_to_go: list[str] = Field(default_factory=list)


_PLACEHOLDER = re.compile(r"<(\w+)>")


def _expand(phrases: list[str], fills: dict[str, list[str]]) -> list[str]:
    """Phrases with a ``<service>`` or ``<group>`` in them, once for each word that can fill it ("head of
    <service>" → "head of planning", "head of highways" …): people name a title by its service."""
    out: list[str] = []
    for phrase in phrases:
        names = _PLACEHOLDER.findall(phrase)
        if not names:
            out.append(phrase)
            continue
        for name in names:
            if name not in fills:
                raise ValueError(f"'{phrase}': no list of words for <{name}> (one of {', '.join(sorted(fills))})")
        expanded = [phrase]
        for name in dict.fromkeys(names):
            expanded = [e.replace(f"<{name}>", fill) for e in expanded for fill in fills[name]]
        out += expanded
    return out


class Shared(_Model):
    """General language, the same for every council."""

    # what fills a <service> or <group> in a title's or job's words: council services, political groups
    services: list[str] = Field(default_factory=list)
    groups: list[str] = Field(default_factory=list)
    sides: dict[Party, list[str]]
    titles: list[Title]
    jobs: dict[Party, list[str]]
    outside: dict[str, list[str]]
    concerns: dict[str, list[str]]
    not_concern: list[str] = Field(default_factory=list)
    safety: Safety
    search: Search = Search()
    self_: Said = Field(alias="self")
    each_other: Patterns = Field(default_factory=list)  # "at each other's throats": one side at odds
    asking: Patterns = Field(default_factory=list)  # "link to the protocol pls": a request, not a concern
    only_asking: Patterns = Field(default_factory=list)  # "not a complaint, a question": said outright
    thanks: Patterns = Field(default_factory=list)  # "diolch for the laptop": small talk, not a concern
    trouble: Patterns = Field(default_factory=list)  # "rude", "no reply": a question that tells of a concern
    one_side: dict[Party, Patterns] = Field(default_factory=dict)  # "member on member": outside the protocol
    not_council: Patterns = Field(default_factory=list)  # "he's not council, just lives by the hall": the public
    witness: Patterns = Field(default_factory=list)
    relatives: list[str] = Field(default_factory=list)
    corrections: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _fill_placeholders(cls, data: object) -> object:
        if not isinstance(data, dict):
            return data
        fills = {"service": list(data.get("services") or []), "group": list(data.get("groups") or [])}
        data = dict(data)
        titles = data.get("titles")
        if isinstance(titles, list):
            data["titles"] = [
                {**t, "words": _expand(t["words"], fills)}
                if isinstance(t, dict) and isinstance(t.get("words"), list)
                else t
                for t in titles
            ]
        jobs = data.get("jobs")
        if isinstance(jobs, dict):
            data["jobs"] = {k: _expand(v, fills) if isinstance(v, list) else v for k, v in jobs.items()}
        return data


def shared_path() -> Path:
    from .councils import shipped_protocol_dir

    return shipped_protocol_dir() / "shared" / "vocabulary.yaml"


@cache
def shared() -> Shared:
    from .loading import load_yaml_model

    return load_yaml_model(shared_path(), Shared)[1]


# --- phrases --------------------------------------------------------------------------------------
def plural(word: str) -> str:
    """A word without its plural ending: lighter than a stemmer, which makes "office" of "officer"."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def key(text: str) -> str:
    """A role or side as it is matched: lower-case words without plural endings ("Councillors" → "councillor")."""
    return " ".join(plural(w) for w in words(text.replace("-", " ").replace("/", " ")))


def concern_key(text: str) -> str:
    """A kind of concern's phrase as it is matched: each word stemmed, so "bully" finds "bullied"."""
    return " ".join(stem(w) for w in words(text.replace("-", " ").replace("/", " ")))


@dataclass(frozen=True)
class Meaning:
    """What a phrase names: a role of this council (or its side's base role) or people outside."""

    role: str | None  # the council's role id
    party: Party | None  # None: outside both sides (the public)
    asked: str  # the title or role id the words name, e.g. "head-of-service"
    kind: str  # "role", "side", "title", "job" or "outside"


@dataclass(frozen=True)
class Mention:
    start: int  # word index
    end: int
    meaning: Meaning
    typed: str


@dataclass(frozen=True)
class Resolved:
    """What a typed word meant: the role asked about, the role this council has for it, and its side."""

    asked: str
    role: str | None
    party: Party
    corrected_from: str | None = None


@dataclass
class Vocabulary:
    """One council's words: phrases → meanings, kinds of concern → phrases, and a speller for slips."""

    protocol: Protocol
    phrases: dict[str, Meaning] = field(default_factory=dict)
    concern_phrases: dict[str, list[str]] = field(default_factory=dict)
    not_concern: list[str] = field(default_factory=list)  # phrases that look like a kind of concern but aren't
    longest: int = 1

    @cached_property
    def speller(self) -> Speller:
        known = {w for phrase in self.phrases for w in phrase.split()}
        known |= {w for phrases in self.concern_phrases.values() for p in phrases for w in p.split()}
        return Speller(w for w in known if len(w) >= 5)

    @cached_property
    def written(self) -> frozenset[str]:
        """Words the protocol itself uses: real words, never "corrected" into a title ("directly" is not
        a misspelt "director")."""
        found = {
            w
            for clause in self.protocol.clauses
            for part in (clause.heading or "", *clause.text, *clause.items)
            for w in words(part)
        }
        return frozenset(found)

    def base_role(self, party: Party) -> str | None:
        """The role that stands for a whole side: the one whose id is the side's, else its first role."""
        roles = [r.id for r in self.protocol.roles if r.party == party]
        return party if party in roles else (roles[0] if roles else None)

    @cached_property
    def _corrections(self) -> dict[str, str | None]:
        return {}

    def _correct(self, word: str) -> str | None:
        """The speller's answer, remembered: the same slips recur, and a lookup is cheaper than a search."""
        if word not in self._corrections:
            if len(self._corrections) > 50_000:
                self._corrections.clear()
            self._corrections[word] = self.speller.correct(word)
        return self._corrections[word]

    def keys(self, text: str) -> tuple[list[str], list[str]]:
        """The message as matched: role keys and concern stems, word by word, with slips in longer
        words corrected to known words ("councellor" → "councillor", "harrased" → "harass")."""
        roles, concerns = [], []
        for word in words(text.replace("-", " ").replace("/", " ")):
            role_key, concern_stem = plural(word), stem(word)
            if (
                len(word) >= 6
                and role_key not in self.speller
                and concern_stem not in self.speller
                and word not in self.written
                and not word.endswith("ly")  # adverbs are words, not slips: "directly", "formally"
            ):
                if not word.endswith(("ed", "ing")):  # "worked" is a verb, not a misspelt "worker"
                    role_key = self._correct(role_key) or role_key
                fixed = self._correct(concern_stem)
                concern_stem = fixed or concern_stem
            roles.append(role_key)
            concerns.append(concern_stem)
        return roles, concerns

    @cached_property
    def _openers(self) -> dict[str, int]:
        """The first word of each phrase → the longest phrase it opens (so most words are passed over at once)."""
        openers: dict[str, int] = {}
        for phrase in self.phrases:
            first, size = phrase.split(" ", 1)[0], phrase.count(" ") + 1
            openers[first] = max(openers.get(first, 0), size)
        return openers

    def mentions(self, tokens: list[str]) -> list[Mention]:
        """Every role, side, title, job or outsider named, longest first, never overlapping."""
        candidates: list[Mention] = []
        for start, token in enumerate(tokens):
            for size in range(min(self._openers.get(token, 0), len(tokens) - start), 0, -1):
                phrase = " ".join(tokens[start : start + size])
                meaning = self.phrases.get(phrase)
                if meaning is not None:
                    candidates.append(Mention(start, start + size, meaning, phrase))
        taken = [False] * len(tokens)
        found: list[Mention] = []
        for mention in sorted(candidates, key=lambda m: (m.start - m.end, m.start)):
            if not any(taken[mention.start : mention.end]):
                found.append(mention)
                taken[mention.start : mention.end] = [True] * (mention.end - mention.start)
        return sorted(found, key=lambda m: m.start)

    def resolve(self, text: str) -> Resolved | None:
        """A typed role word (``roles clerk``, ``expectations cllr``) → this council's role and side."""
        tokens = [plural(w) for w in words(text.replace("-", " "))]
        if not tokens:
            return None
        joined = " ".join(tokens)
        for candidate in (joined, joined.replace(" ", "")):
            meaning = self.phrases.get(candidate)
            if meaning and meaning.party:
                return Resolved(meaning.asked, meaning.role, meaning.party)
        mentions = [m for m in self.mentions(tokens) if m.meaning.party and m.meaning.kind != "job"]
        if mentions:
            best = max(mentions, key=lambda m: (m.end - m.start, m.meaning.kind == "role"))
            assert best.meaning.party is not None
            return Resolved(best.meaning.asked, best.meaning.role, best.meaning.party)
        for token in words(text.replace("-", " ")):
            fixed = self.speller.correct(plural(token)) if len(token) >= 4 else None
            meaning = self.phrases.get(fixed or "")
            if meaning and meaning.party:
                return Resolved(meaning.asked, meaning.role, meaning.party, corrected_from=token)
        return None

    def examples(self) -> list[str]:
        """Words to suggest when a word is not recognised: this council's own names for its roles."""
        names = [self.protocol.name_of(p, plural=False).casefold() for p in PARTIES]
        names += [r.id.replace("-", " ") for r in self.protocol.roles]
        return list(dict.fromkeys(names))[:8]


def _name_phrases(name: str) -> list[str]:
    """A role's name as people would type it: whole, without brackets, and each part of a list."""
    plain = re.sub(r"\([^)]*\)", " ", name)
    parts = [name, plain, *re.split(r",|\band\b|\bor\b", plain)]
    inside = re.findall(r"\(([^)]*)\)", name)
    for group in inside:
        parts += group.split(",")
    out = []
    for part in parts:
        part = part.strip()
        if part:
            out.append(part)
            if part.casefold().startswith("the "):
                out.append(part[4:])
    return out


_BUILT: dict[int, tuple[Protocol, Vocabulary]] = {}


def for_protocol(protocol: Protocol) -> Vocabulary:
    """The council's vocabulary, built once per loaded protocol."""
    built = _BUILT.get(id(protocol))
    if built is None or built[0] is not protocol:
        built = (protocol, _build(protocol))
        _BUILT[id(protocol)] = built
    return built[1]


def _build(protocol: Protocol) -> Vocabulary:
    vocab = Vocabulary(protocol)
    common = shared()

    def add(phrase: str, meaning: Meaning, overwrite: bool = False) -> None:
        k = key(phrase)
        if not k or (k in vocab.phrases and not overwrite):
            return
        vocab.phrases[k] = meaning
        vocab.longest = max(vocab.longest, len(k.split()))

    # 1. the council's own roles: their ids, names, and the words its file gives them
    for role in protocol.roles:
        meaning = Meaning(role.id, role.party, role.id, "role")
        for phrase in [*role.words, role.id.replace("-", " ")]:
            add(phrase, meaning, overwrite=True)
        for phrase in _name_phrases(role.name):
            add(phrase, meaning)
    # 2. general titles: to the council role whose name, id or words contain one, else the side's base role.
    # Titles this council has come first, so words two titles share ("runs the council day to day": a Town
    # Clerk, a Chief Executive) go to the one it has.
    targets = [(title, _title_role(protocol, title.party, [key(w) for w in title.words])) for title in common.titles]
    for title, target in sorted(targets, key=lambda pair: pair[1] is None):
        if target is not None:
            meaning = Meaning(target, title.party, target, "title")
        else:  # a title this council's protocol lacks still says which side the person is on
            meaning = Meaning(vocab.base_role(title.party), title.party, title.id, "title")
        for phrase in title.words:
            add(phrase, meaning)
    # 3. the two sides, in general words and in this council's own
    for party in PARTIES:
        base = Meaning(vocab.base_role(party), party, party, "side")
        names = protocol.parties.get(party)
        own = [names.singular, names.plural, *names.words] if names else []
        for phrase in [*own, *common.sides[party]]:
            add(phrase, base)
        for phrase in common.jobs.get(party, []):
            add(phrase, Meaning(vocab.base_role(party), party, party, "job"))
    for group, phrases in common.outside.items():
        kind = "outside" if group != "ignore" else "ignore"
        for phrase in phrases:
            add(phrase, Meaning(None, None, group, kind), overwrite=True)
    # 4. kinds of concern: the shared words for the same id, the label's words, and the council's own
    for concern in protocol.concerns:
        phrases = [*common.concerns.get(concern.id, []), *concern.words]
        vocab.concern_phrases[concern.id] = list(dict.fromkeys(k for k in map(concern_key, phrases) if k))
    vocab.not_concern = [k for k in map(concern_key, common.not_concern) if k]
    return vocab


def _title_role(protocol: Protocol, party: Party, title_keys: list[str]) -> str | None:
    """The council role a general title belongs to: exact name or word first, then a name containing it."""
    best: tuple[int, int, int, str] | None = None
    for index, role in enumerate(protocol.roles):
        if role.party != party:
            continue
        own = {key(p) for p in [*role.words, role.id.replace("-", " "), *_name_phrases(role.name)]}
        for order, title_key in enumerate(title_keys):  # a title's first words are its most telling
            if title_key in own:
                rank = 0
            elif any(f" {title_key} " in f" {phrase} " for phrase in own):
                rank = 1
            else:
                continue
            candidate = (rank, order, index, role.id)
            best = candidate if best is None or candidate < best else best
    return best[3] if best else None


def unreachable(protocol: Protocol) -> list[str]:
    """Roles and kinds of concern nobody could type: what ``chatops validate`` warns about."""
    vocab = for_protocol(protocol)
    warnings = []
    for i, role in enumerate(protocol.roles):
        found = vocab.resolve(role.name)
        if found is None or found.role != role.id:
            other_role = f"'{found.role}'" if found and found.role else "nothing"
            warnings.append(
                f"roles[{i}] {role.id}: typing its name '{role.name}' finds {other_role}; add words: people would type"
            )
    for i, concern in enumerate(protocol.concerns):
        if not vocab.concern_phrases.get(concern.id):
            warnings.append(
                f"concerns[{i}] {concern.id}: no words describe it, so it is never read from what people type; "
                "add words: (e.g. the phrases people use for it)"
            )
    return warnings
