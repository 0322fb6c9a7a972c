"""A core Reply as an Adaptive Card (schema 1.5, which Teams supports), designed for Teams at desktop
and phone width.

- Teams drops single line breaks inside a TextBlock, so every line is its own TextBlock; ``Label:
  value`` lines are a FactSet, bullets are one TextBlock each, and backticks (which Teams shows as
  they are) become bold.
- Teams cuts a button's label to "…" when a row of buttons is wider than the card. The budgets
  below were measured with Microsoft's ``adaptivecards`` renderer and a Teams host config at 360 px
  (``benchmarks/tour.py``): choices that fit one row at phone width are a row of buttons; a few
  longer ones are stacked, one full-width button each, or, if one is too long even for that, links
  whose text wraps; many are an ``Input.ChoiceSet`` list, which wraps, with one button to choose.
- A long answer opens rather than scrolls: beyond the first quotes, each quoted clause is a heading
  that shows its words when selected (``Action.ToggleVisibility``); every word is still in the card.
"""

from __future__ import annotations

import re
from typing import Any

from chatops import wording
from chatops.reply import FACTS, Block, Choice, Paragraph, Quote, Reply

VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
SUBMIT_KEY = "chatops"
ROW_CHARS = 33
"""Characters of label, all buttons together, that one row holds at 360 px without cutting any."""
BUTTON_CHARS = 3
"""What each further button in a row costs in characters (its padding and the gap between buttons)."""
STACKED_CHARS = 33
"""The longest label a full-width button shows whole at 360 px."""
STACKED_MAX = 4
"""More choices than this are a list to choose from, not a column of buttons."""
OPEN_QUOTES = 3
"""A reply quoting more clauses than this shows the first open and the rest as headings to open."""

HINT_WORDS = 8
"""Words of a clause that has no heading shown beside its reference while it is folded."""

Card = dict[str, Any]
Element = dict[str, Any]
_CODE = re.compile(r"`([^`]+)`")
_FACT = re.compile(r"^([^:]{1,40}): (.+)$")


def _text(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": _CODE.sub(r"**\1**", text), "wrap": True, **style}


def _lines(text: str, first_spacing: str | None = None) -> list[Element]:
    """One TextBlock a line: a line break inside a TextBlock does not survive Teams."""
    out = []
    for i, line in enumerate(ln for ln in text.split("\n") if ln.strip()):
        spacing = first_spacing if i == 0 else "Small"
        out.append(_text(line, **({"spacing": spacing} if spacing else {})))
    return out


def _facts(text: str) -> list[Element]:
    """``Label: value`` lines as a FactSet (any other line as text)."""
    rows = [_FACT.match(line) for line in text.split("\n") if line.strip()]
    if not all(rows):
        return _lines(text)
    return [{"type": "FactSet", "facts": [{"title": m.group(1), "value": m.group(2)} for m in rows if m]}]


def _quote_words(block: Quote) -> list[Element]:
    items = [_text(p, spacing="Small") for p in block.paragraphs]
    items += [_text(f"• {item}", spacing="Small") for item in block.items]
    return items


def _heading(block: Quote, hint: bool = False) -> str:
    """The clause's reference and heading; ``hint``: a clause with no heading is known by its first words."""
    if block.heading or not hint:
        return f"**{block.label}{' ' + block.heading if block.heading else ''}**"
    first = (block.paragraphs or block.items or [""])[0]
    words = first.split()
    start = " ".join(words[:HINT_WORDS]) + ("…" if len(words) > HINT_WORDS else "")
    return f"**{block.label}** {start}"


def _quote(block: Quote, index: int, collapsed: bool) -> Element:
    if not collapsed:
        return {
            "type": "Container",
            "style": "emphasis",
            "spacing": "Medium",
            "items": [_text(_heading(block)), *_quote_words(block)],
        }
    words, show, hide = f"quote{index}", f"show{index}", f"hide{index}"
    return {
        "type": "Container",
        "style": "emphasis",
        "spacing": "Small",
        "selectAction": {"type": "Action.ToggleVisibility", "targetElements": [words, show, hide]},
        "items": [
            _text(_heading(block, hint=True)),
            _text(wording.CARD_SHOW, id=show, isSubtle=True, size="Small", spacing="None"),
            _text(wording.CARD_HIDE, id=hide, isSubtle=True, size="Small", spacing="None", isVisible=False),
            {"type": "Container", "id": words, "isVisible": False, "items": _quote_words(block)},
        ],
    }


def _body(blocks: list[Block], open_quotes: int) -> list[Element]:
    body: list[Element] = []
    quotes = sum(isinstance(b, Quote) for b in blocks)
    seen = 0
    for block in blocks:
        if isinstance(block, Paragraph):
            body += _facts(block.text) if block.tag == FACTS else _lines(block.text, "Medium")
            continue
        collapsed = quotes > open_quotes and seen >= 1
        body.append(_quote(block, seen, collapsed))
        seen += 1
    return body


def fits_a_row(labels: list[str]) -> bool:
    """Whether these labels fit one row of buttons at phone width, none cut."""
    return sum(len(label) for label in labels) + BUTTON_CHARS * (len(labels) - 1) <= ROW_CHARS


def layout(choices: list[Choice]) -> str:
    """How choices are shown: a ``row`` of buttons, a ``stack`` of full-width buttons, ``links`` whose text
    wraps, or a ``list`` to choose from."""
    labels = [c.label for c in choices]
    if fits_a_row(labels):
        return "row"
    if len(labels) > STACKED_MAX:
        return "list"
    return "stack" if all(len(label) <= STACKED_CHARS for label in labels) else "links"


def _submit(choice: Choice) -> Element:
    return {"type": "Action.Submit", "title": choice.label, "data": {SUBMIT_KEY: choice.value}}


def _choices(card: Card, choices: list[Choice]) -> None:
    if not choices:
        return
    how = layout(choices)
    if how == "row":
        card["actions"] = [_submit(c) for c in choices]
    elif how == "stack":
        card["body"] += [{"type": "ActionSet", "actions": [_submit(c)]} for c in choices]
    elif how == "links":
        card["body"] += [
            {
                "type": "Container",
                "spacing": "Small",
                "selectAction": _submit(c),
                "items": [_text(f"{c.label} ›", color="Accent", weight="Bolder")],
            }
            for c in choices
        ]
    else:
        card["body"].append(
            {
                "type": "Input.ChoiceSet",
                "id": SUBMIT_KEY,  # Teams sends the chosen value as {"chatops": value}, as a button would
                "style": "expanded",
                "wrap": True,
                "isRequired": True,
                "errorMessage": wording.CARD_CHOOSE_FIRST,
                "spacing": "Medium",
                "choices": [{"title": c.label, "value": c.value} for c in choices],
            }
        )
        card["actions"] = [{"type": "Action.Submit", "title": wording.CARD_CHOOSE}]


def card(reply: Reply, *, short: bool = False) -> Card:
    """The reply as a card; ``short`` (a channel, which everyone reads) opens only the first quote."""
    body: list[Element] = [
        _text(reply.title, size="Medium", weight="Bolder", style="heading"),
        _text(reply.council_name, isSubtle=True, spacing="None", size="Small"),
    ]
    body += _body(list(reply.blocks), 1 if short else OPEN_QUOTES)
    out: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    _choices(out, list(reply.choices))
    if reply.source:  # last, under the choices it cites for
        body.append(_text(reply.source, isSubtle=True, size="Small", spacing="Medium"))
    out["fallbackText"] = reply.as_text()[:3000]
    return out
