"""Reading a concern described in someone's own words: who they are, who it is about, what kind of
concern, whether they would rather speak to a male or a female manager, whether informal steps
were tried, and whether anyone may be in danger.

The text is only read here; nothing returned holds any of it. Patterns are deliberately simple and
explainable: each answer is confirmed with the person before it is used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from .model import Party, Protocol
from .text import clean, words
from .vocabulary import ROLE_PARTY, ROLE_WORDS

Gender = Literal["male", "female", "any"]
Tried = Literal["yes", "no", "unsure"]

CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    # category id → words and phrases that suggest it (matched on whole words, after cleaning)
    "bullying": (
        "bully",
        "bullied",
        "bullying",
        "bullies",
        "harass",
        "harassed",
        "harassing",
        "harassment",
        "intimidate",
        "intimidated",
        "intimidating",
        "intimidation",
        "shout",
        "shouted",
        "shouting",
        "shouts",
        "yelled",
        "yelling",
        "screamed",
        "threaten",
        "threatened",
        "threatening",
        "undue pressure",
        "pressure",
        "pressured",
        "pressurise",
        "pressurised",
        "pressurising",
        "aggressive",
        "belittle",
        "belittled",
        "belittling",
        "humiliated",
        "humiliate",
        "abusive",
        "demands",
        "hounded",
        "picked on",
    ),
    "advice": (
        "change my report",
        "change the report",
        "change my recommendation",
        "change the recommendation",
        "change my advice",
        "alter my report",
        "rewrite my report",
        "rewrite the report",
        "recommendation",
        "recommendations",
        "professional advice",
        "my advice",
        "professional view",
        "tone down",
        "water down",
        "overrule",
        "reword",
        "change my figures",
        "report",
    ),
    "political": (
        "campaign",
        "campaigning",
        "canvass",
        "canvassing",
        "leaflet",
        "leaflets",
        "party political",
        "political party",
        "election",
        "electioneering",
        "his party",
        "her party",
        "their party",
        "party work",
        "party group",
        "politically",
        "political",
        "partisan",
        "manifesto",
    ),
    "improper": (
        "personal interest",
        "personal interests",
        "personal gain",
        "own interest",
        "own benefit",
        "benefit",
        "his business",
        "her business",
        "their business",
        "brother",
        "sister",
        "relative",
        "family business",
        "planning application",
        "contract",
        "favour for",
        "use his position",
        "use her position",
        "using his position",
        "using her position",
        "using their position",
        "influence decisions",
        "influence the decision",
        "gift",
        "gifts",
        "backhander",
        "bribe",
    ),
    "confidentiality": (
        "confidential",
        "confidentiality",
        "leak",
        "leaked",
        "leaking",
        "secret",
        "secrets",
        "gossip",
        "gossiping",
        "private information",
        "shared information",
        "told the press",
        "data protection",
        "disclosed",
    ),
    "respect": (
        "rude",
        "rudely",
        "rudeness",
        "disrespect",
        "disrespectful",
        "disrespected",
        "insult",
        "insulted",
        "insulting",
        "swore",
        "swearing",
        "sworn at",
        "sarcastic",
        "dismissive",
        "courtesy",
        "discourteous",
        "impolite",
        "mocked",
        "mocking",
        "ignored me in",
        "talked down",
        "patronising",
        "condescending",
    ),
    "management": (
        "day to day",
        "day-to-day",
        "interfering",
        "interferes",
        "interfere",
        "interference",
        "meddling",
        "micromanage",
        "micromanaging",
        "micro-managing",
        "instructing my staff",
        "instructs my staff",
        "telling my team",
        "running the office",
        "run the office",
        "running of the council",
        "managing my team",
        "told my staff",
        "directing my staff",
        "my staff what to do",
    ),
    "personal-issues": (
        "personal issues",
        "personal problems",
        "personal life",
        "private life",
        "personal matters",
        "their divorce",
        "her divorce",
        "his divorce",
        "money problems",
        "health problems",
        "personal grievance",
        "outside agreed procedures",
    ),
    "relationships": (
        "relationship with",
        "relationships",
        "affair",
        "dating",
        "friendship",
        "friends with",
        "close friend",
        "too close",
        "favouritism",
        "favouring",
        "favoured",
        "favoritism",
        "favourite",
        "favours one",
        "favours the",
        "preferential",
        "special treatment",
        "treated differently",
        "treats differently",
        "treated unequally",
        "unfair treatment",
        "plays favourites",
        "familiarity",
    ),
    "responsiveness": (
        "respond",
        "responds",
        "responding",
        "kept informed",
        "keeping me informed",
        "response",
        "replies",
        "reply",
        "replied",
        "answer my emails",
        "ignores my emails",
        "ignoring my emails",
        "ignored my emails",
        "never answers",
        "slow to",
        "weeks to",
        "no reply",
        "unanswered",
        "chasing",
        "not kept informed",
        "keep me informed",
        "information",
        "updates",
        "workload",
        "workloads",
        "enquiries",
    ),
    "code": (
        "code of conduct",
        "breach of the code",
        "breached the code",
        "breaching the code",
        "standards",
        "misconduct",
        "dishonest",
        "dishonesty",
        "lied",
        "lying",
    ),
}

SELF_HARM_WORDS = (
    "kill myself",
    "suicide",
    "suicidal",
    "self harm",
    "self-harm",
    "harm myself",
    "hurt myself",
    "end my life",
    "end it all",
)

DANGER_WORDS = (
    *SELF_HARM_WORDS,
    "kill",
    "killing",
    "kill me",
    "hit me",
    "hits me",
    "punched",
    "slapped",
    "attacked",
    "assault",
    "assaulted",
    "sexual assault",
    "sexually assaulted",
    "rape",
    "raped",
    "violence",
    "violent",
    "weapon",
    "knife",
    "in danger",
    "unsafe at home",
    "scared for my safety",
    "afraid for my safety",
    "stalking",
    "stalked",
    "grabbed me",
    "touched me",
    "groped",
)

GENDER_PATTERNS: tuple[tuple[str, Gender], ...] = (
    (r"\b(?:female|woman|women|lady|a she)\b", "female"),
    (r"\b(?:male|man|men|gentleman|a he)\b", "male"),
)
GENDER_CONTEXT = re.compile(r"\b(?:prefer|rather|want|like|speak|talk|manager|someone|to a|with a)\b")

TRIED_NO = re.compile(
    r"\b(?:not yet|haven't|have not|havent|didn't|did not|didnt|never|too scared to|afraid to|not tried|"
    r"not raised|not spoken|no one|nobody)\b[^.!?]{0,40}\b(?:tried|raise|raised|spoke|spoken|talk|talked|told|said|"
    r"mention|mentioned|anyone|anything|informal|informally|sort|resolve|done)"
)
TRIED_YES = re.compile(
    r"\b(?:already|i've|i have|ive|we've|we have|tried to|i tried|i raised|i spoke|i talked|i told|i mentioned|"
    r"raised it|spoke to|talked to|told my|mentioned it|asked them to stop|asked him to stop|asked her to stop)\b"
    r"[^.!?]{0,60}\b(?:tried|spoke|spoken|talked|raised|told|mentioned|manager|informally|sort|resolve|stop|chat)"
)

IDENTITY = re.compile(
    r"\b(?:i am|i'm|im|i work as|as)\s+(?:an?|the|one of the)?\s*"
    r"(?P<role>(?:member of staff|staff member|(?:[a-z-]+\s){0,2}?(?:councillor|councilor|cllr|member|officer|"
    r"employee|clerk|staff|manager|worker|chair|chairman|vice-chair|director|executive)))\b"
)


@dataclass(frozen=True)
class Reading:
    """What could be read from a description; None where it could not."""

    reporter: Party | None = None
    subject: str | None = None  # a role id of this council's protocol
    category: str | None = None
    gender: Gender | None = None
    informal_tried: Tried | None = None
    danger: bool = False
    self_harm: bool = False
    found: tuple[str, ...] = field(default=())  # which fields were read, in order

    @property
    def anything(self) -> bool:
        return bool(self.found) or self.danger


def read(text: str, protocol: Protocol) -> Reading:
    cleaned, _ = clean(text)
    lowered = " " + " ".join(words(cleaned.replace("-", " - "))).replace(" - ", "-") + " "
    plain = " " + cleaned.casefold() + " "

    danger = _has_any(lowered, DANGER_WORDS)
    self_harm = _has_any(lowered, SELF_HARM_WORDS)

    reporter: Party | None = None
    identity_span = (0, 0)
    identity = IDENTITY.search(plain)
    if identity:
        role = _role_in(identity.group("role"))
        if role:
            reporter = ROLE_PARTY[role]
            identity_span = identity.span()

    subject_role = _subject(plain, identity_span, reporter)
    if reporter is None and subject_role and re.search(r"\b(?:i|me|my|i'm|im)\b", plain):
        reporter = "officer" if ROLE_PARTY[subject_role] == "councillor" else "councillor"
    if subject_role is None and reporter is not None and re.search(r"\b(?:he|she|they|him|her|them)\b", plain):
        subject_role = "officer" if reporter == "councillor" else "councillor"
    subject = _council_role(subject_role, protocol, reporter) if subject_role else None

    category = _category(lowered, protocol, reporter)
    gender = _gender(plain)
    tried: Tried | None = "no" if TRIED_NO.search(plain) else "yes" if TRIED_YES.search(plain) else None

    found = tuple(
        name
        for name, value in (
            ("reporter", reporter),
            ("subject", subject),
            ("category", category),
            ("informal_tried", tried),
            ("gender", gender),
        )
        if value is not None
    )
    return Reading(reporter, subject, category, gender, tried, danger, self_harm, found)


def _has_any(lowered: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {p} " in lowered for p in phrases)


_ROLE_PHRASES = sorted(
    ((phrase, role) for role, phrases in ROLE_WORDS.items() for phrase in phrases if len(phrase) > 2),
    key=lambda item: -len(item[0]),
)


def _role_in(text: str) -> str | None:
    padded = f" {text.casefold().replace('-', ' ')} "
    for phrase, role in _ROLE_PHRASES:
        if f" {phrase.replace('-', ' ')} " in padded:
            return role
    return None


def _subject(plain: str, identity: tuple[int, int], reporter: Party | None) -> str | None:
    """The most specific role named outside the person's own description of themselves."""
    rest = (plain[: identity[0]] + " " + plain[identity[1] :]).replace("-", " ")
    rest = re.sub(r"[^\w\s']", " ", rest)
    best: tuple[int, int, str] | None = None  # (specificity, position, role)
    for phrase, role in _ROLE_PHRASES:
        match = re.search(rf"\b{re.escape(phrase.replace('-', ' '))}\b", rest)
        if not match:
            continue
        party = ROLE_PARTY[role]
        if reporter is not None and party == reporter and role in ("councillor", "officer", "clerk"):
            continue  # "my colleagues", "other members" rarely name the person concerned
        specific = 0 if role in ("councillor", "officer") else 1
        key = (-specific, match.start(), role)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def _council_role(role: str, protocol: Protocol, reporter: Party | None) -> str | None:
    """The role id this council's protocol uses for ``role`` as the subject of a concern."""
    allowed = subject_roles(protocol, reporter) if reporter else [r.id for r in protocol.roles]
    if role in allowed:
        return role
    party: str = ROLE_PARTY[role]
    fallback = [r for r in allowed if r == party] or [r for r in allowed if ROLE_PARTY.get(r) == party]
    return fallback[0] if fallback else None


def subject_roles(protocol: Protocol, reporter: Party) -> list[str]:
    """Whom a concern from ``reporter`` can be about: the procedure's list, else the other side's roles."""
    for procedure in protocol.procedures:
        if procedure.raised_by == reporter:
            return list(procedure.about)
    return [r.id for r in protocol.roles if r.party != reporter]


def _category(lowered: str, protocol: Protocol, reporter: Party | None) -> str | None:
    offered = {c.id for c in protocol.concerns if c.cites_for(reporter)}
    best: tuple[int, str] | None = None
    for category, phrases in CATEGORY_WORDS.items():
        if category not in offered:
            continue
        score = sum(len(p.split()) + 1 for p in phrases if f" {p} " in lowered)
        if score and (best is None or score > best[0]):
            best = (score, category)
    return best[1] if best else None


def _gender(plain: str) -> Gender | None:
    if re.search(r"\b(?:no preference|don't mind|dont mind|either is fine|doesn't matter)\b", plain):
        return "any"
    for pattern, gender in GENDER_PATTERNS:
        for match in re.finditer(pattern, plain):
            window = plain[max(0, match.start() - 40) : match.end() + 20]
            if GENDER_CONTEXT.search(window):
                return gender
    return None
