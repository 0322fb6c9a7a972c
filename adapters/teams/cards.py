"""A core Reply as an Adaptive Card (schema 1.5, which Teams supports), with buttons as
``Action.Submit`` whose ``data`` carries the value the core receives back."""

from __future__ import annotations

from typing import Any

from chatops import wording
from chatops.reply import Paragraph, Reply

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_ACTIONS = 6  # more than this go in ActionSets in the body, five to a row
ROW = 5
SUBMIT_KEY = "chatops"

Card = dict[str, Any]


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(reply: Reply, *, short: bool = False) -> Card:
    """The reply as a card; ``short`` keeps a channel answer to its first quote."""
    body: list[dict[str, Any]] = [
        _text(reply.title, size="Medium", weight="Bolder", style="heading"),
        _text(reply.council_name, isSubtle=True, spacing="None", size="Small"),
    ]
    blocks = list(reply.blocks)
    if short:
        first_quote = next((i for i, b in enumerate(blocks) if not isinstance(b, Paragraph)), len(blocks))
        blocks = blocks[: first_quote + 1]
    for block in blocks:
        if isinstance(block, Paragraph):
            body.append(_text(block.text))
            continue
        items: list[dict[str, Any]] = [_text(f"**{block.label}{' ' + block.heading if block.heading else ''}**")]
        items += [_text(p, spacing="Small") for p in block.paragraphs]
        if block.items:
            items.append(_text("\r".join(f"- {item}" for item in block.items), spacing="Small"))
        body.append({"type": "Container", "style": "emphasis", "items": items, "spacing": "Medium"})
    if short and len(blocks) < len(reply.blocks):
        body.append(_text(wording.CHANNEL_SHORT, isSubtle=True))
    if reply.source:
        body.append(_text(reply.source, isSubtle=True, size="Small", spacing="Medium"))
    actions = [
        {"type": "Action.Submit", "title": choice.label, "data": {SUBMIT_KEY: choice.value}} for choice in reply.choices
    ]
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if len(actions) <= CARD_ACTIONS:
        if actions:
            out["actions"] = actions
    else:
        body += [{"type": "ActionSet", "actions": actions[i : i + ROW]} for i in range(0, len(actions), ROW)]
    out["fallbackText"] = reply.as_text()[:3000]
    return out
