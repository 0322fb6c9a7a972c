"""Raising a concern privately: the machine (questions and states), the reading of what people type,
the safety check, the route through the council's procedure, and what the bot says.

    machine  the state machine: step(state, text, context) → Transition
    reading  who is who, what kind of concern, in scope or not, from someone's own words
    safety   danger and self-harm, read first, everywhere a person types
    route    the council's procedure, steps and clauses for a concern
    render   the replies
"""

from .machine import Context, Handoff, State, Transition, needs, start, step
from .reading import Reading, read
from .route import Route, cited, route
from .safety import Alarm, assess

__all__ = [
    "Alarm",
    "Context",
    "Handoff",
    "Reading",
    "Route",
    "State",
    "Transition",
    "assess",
    "cited",
    "needs",
    "read",
    "route",
    "start",
    "step",
]
