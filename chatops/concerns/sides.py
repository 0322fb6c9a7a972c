"""Which side a writer who doesn't say so is most likely on, learnt from how people write.

A councillor writes of "my ward", "residents", "my group", "the Clerk"; an officer of "my team", "my
manager", "the councillor", "my report". The reading's rules find a writer who names themselves; when
they don't, the rules guess from who did what to whom, and that guess is the part that fails most on
phrasing nobody has seen. This model (``sides_model.json`` beside the shared vocabulary, made by
``python -m benchmarks.train_sides``) weighs every word and word pair of the message for the side of the
person affected. Nothing of the message is kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from ..model import Party
from .safety import learnt_model, model_features


@dataclass(frozen=True)
class _Model:
    prior: float
    weights: dict[str, float]
    margin: float  # how sure it must be to overrule a guess of the rules
    margin_alone: float  # how sure it must be where the rules have no guess


@cache
def _model() -> _Model | None:
    loaded = learnt_model("sides_model.json")
    if loaded is None:
        return None
    prior, weights, settings = loaded
    return _Model(prior, weights, float(settings["margin"]), float(settings["margin_alone"]))


def score(prior: float, weights: dict[str, float], said: str) -> float:
    """Log-odds that the person affected is an officer (above 0) rather than a councillor (below), from
    the message as the safety patterns read it (``safety.plain``)."""
    return prior + sum(weights.get(f, 0.0) for f in model_features(said))


def lean(said: str, guessed: Party | None) -> Party | None:
    """The side the model is sure enough of to replace the rules' guess (``guessed``); None to keep it."""
    model = _model()
    if model is None:
        return None
    odds = score(model.prior, model.weights, said)
    side: Party = "officer" if odds > 0 else "councillor"
    needed = model.margin if guessed is not None else model.margin_alone
    return side if abs(odds) > needed and side != guessed else None
