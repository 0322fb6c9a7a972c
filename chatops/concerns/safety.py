"""Is anyone in danger? Read before anything else, in every place a person types.

Built for recall: a false alarm costs the person one sentence, a miss can cost a life. The patterns
are general language in the shared vocabulary (``safety``): everyday idioms ("this deadline is killing
me", "shot down my proposal") are taken out of the message first, then danger and self-harm are
looked for in what is left. Behind the patterns, a model learnt from the concern corpus
(``safety_model.json``, made by ``python -m benchmarks.train_safety``) weighs the words and word pairs
of the message, a phrase at a time, for what people say in words no pattern has. Nothing of the message
is kept.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

from ..patterns import AnyOf, any_of
from ..vocabulary import shared, shared_path


@dataclass(frozen=True)
class Alarm:
    danger: bool = False
    self_harm: bool = False

    def __bool__(self) -> bool:
        return self.danger or self.self_harm


@dataclass(frozen=True)
class _Patterns:
    """Each list read as one (``chatops.patterns.AnyOf``): only the patterns that could match a message are tried."""

    danger: AnyOf
    self_harm: AnyOf
    idioms: AnyOf
    jest: AnyOf
    earnest: AnyOf
    hyperbole: AnyOf
    text_speak: dict[str, str]
    distress: tuple[re.Pattern[str], ...]


@cache
def _patterns() -> _Patterns:
    safety = shared().safety
    return _Patterns(
        any_of(safety.danger),
        any_of(safety.self_harm),
        any_of(safety.not_danger),
        any_of(safety.in_jest.markers),
        any_of(safety.in_jest.earnest),
        any_of(safety.in_jest.hyperbole),
        safety.text_speak,
        tuple(re.compile(p) for p in safety.distress),
    )


DISTRESS_SIGNS = 2
"""How many different signs of distress in one message ("can't cope", "not sleeping", "what's the
point") are read as thoughts of self-harm: people rarely say it outright, and the Samaritans line
costs someone who is only exhausted one sentence."""

SAFETY_READS = 20_000
"""Characters of a message the safety check reads: all of any real message (lookups read only the first
500), because what matters most is often at the end of a long one."""


def plain(text: str) -> str:
    """The message as the patterns read it: lower case, no apostrophes, text-speak spelled out."""
    text = unicodedata.normalize("NFKC", text[:SAFETY_READS])
    if not text.isprintable():
        text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    lowered = text.casefold().replace("’", "'").replace("'", "").replace("‘", "")
    lowered = re.sub(r"[“”\"()\[\]*_~`]", " ", lowered)
    lowered = re.sub(r"(?<=\w)-(?=\w)", " ", lowered)  # knife-edge → knife edge, self-harm → self harm
    tokens = re.findall(r"[\w&]+|[^\w\s]", lowered)
    speak = _patterns().text_speak
    return " ".join(speak.get(t, t) for t in tokens)


@dataclass(frozen=True)
class _Model:
    prior: float
    weights: dict[str, float]
    threshold: float


def learnt_model(name: str) -> tuple[float, dict[str, float], dict[str, Any]] | None:
    """A model learnt from the concern corpus, beside the shared vocabulary: its prior, its weights and
    the rest of its settings; None if it is not there (the rules alone)."""
    path = shared_path().with_name(name)
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return float(data.pop("prior")), {str(k): float(v) for k, v in data.pop("weights").items()}, data


@cache
def _model() -> _Model | None:
    loaded = learnt_model("safety_model.json")
    return _Model(loaded[0], loaded[1], float(loaded[2]["threshold"])) if loaded else None


def model_features(said: str) -> set[str]:
    """What a model reads: the words of the message as the patterns read it (``plain``), and each adjacent pair."""
    words = re.findall(r"[a-z]+", said)
    return set(words) | {f"{a}_{b}" for a, b in itertools.pairwise(words)}


MODEL_WINDOW = 24
"""Words the model weighs at a time: danger is said in a phrase or two, so a long, calm message does not
add up to an alarm from many faintly suspicious words, and a short one is weighed whole."""


def model_score(prior: float, weights: dict[str, float], said: str) -> float:
    """The evidence for danger in the most worrying run of ``MODEL_WINDOW`` words of the message as the
    patterns read it (``plain``): each word's weight and that of the pair it ends."""
    words = re.findall(r"[a-z]+", said)
    each = [weights.get(w, 0.0) + (weights.get(f"{words[i - 1]}_{w}", 0.0) if i else 0.0) for i, w in enumerate(words)]
    best = running = sum(each[:MODEL_WINDOW])
    for i in range(MODEL_WINDOW, len(each)):
        running += each[i] - each[i - MODEL_WINDOW]
        best = max(best, running)
    return prior + best


def _learnt(said: str) -> bool:
    model = _model()
    return model is not None and model_score(model.prior, model.weights, said) > model.threshold


def assess(text: str) -> Alarm:
    """Whether a message suggests danger to someone, or thoughts of self-harm or suicide."""
    patterns = _patterns()
    spoken = plain(text)
    said = patterns.idioms.sub(" ~ ", spoken)
    self_harm = patterns.self_harm.search(said) is not None
    self_harm = self_harm or sum(p.search(said) is not None for p in patterns.distress) >= DISTRESS_SIGNS
    if patterns.jest.search(said) and not patterns.earnest.search(said):
        said = patterns.hyperbole.sub(" ~ ", said)  # only danger: self-harm said as a joke still counts
    danger = self_harm or patterns.danger.search(said) is not None or _learnt(spoken)
    return Alarm(danger=danger, self_harm=self_harm)
