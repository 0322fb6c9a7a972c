"""What people see, checked without a browser on every reply of the tour (``benchmarks/tour.py``): the
Adaptive Cards as Teams shows them at phone width and the Block Kit messages as Slack shows them.

The button budgets come from measuring Microsoft's ``adaptivecards`` renderer with a Teams host config
(``node benchmarks/render/render.mjs --measure``); the rest are the rules a reader would apply.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from adapters.slack import blocks
from adapters.slack.blocks import SHARE_ACTION
from adapters.teams import cards
from benchmarks.tour import Stop, conversation, slack_payload, teams_card
from chatops import wording
from chatops.reply import Paragraph, Quote

from .adaptive_cards import validate_card


@cache
def tour(platform: str) -> tuple[Stop, ...]:
    return tuple(asyncio.run(conversation(platform)))


def stop(platform: str, name: str) -> Stop:
    return next(s for s in tour(platform) if s.name == name)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    """Every object in a card or payload, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def card_texts(card: dict[str, Any]) -> list[str]:
    """Every piece of text a person reads on the card."""
    out = []
    for node in walk(card):
        kind = node.get("type")
        if kind == "TextBlock":
            out.append(node["text"])
        elif kind in ("Action.Submit", "Action.ToggleVisibility") and node.get("title"):
            out.append(node["title"])
        elif "title" in node and "value" in node and isinstance(node["value"], str):  # a fact or a choice
            out.append(node["title"])
            if kind is None and not node["value"].startswith(("/protocol", "concern:", "ack:")):
                out.append(node["value"])
    return out


def slack_texts(messages: list[dict[str, Any]]) -> list[str]:
    out = []
    for message in messages:
        if "text" in message:
            out.append(message["text"])
        for node in walk(message.get("blocks", [])):
            if node.get("type") in ("plain_text", "mrkdwn"):
                out.append(node["text"])
    return out


def everything(platform: str) -> list[tuple[str, str]]:
    """(reply, text) for every text of every reply in the tour, as the platform would show it."""
    out = []
    for s in tour(platform):
        texts = card_texts(teams_card(s)) if platform == "teams" else slack_texts(slack_payload(s))
        out += [(s.name, t) for t in texts]
    return out


PLATFORMS = pytest.mark.parametrize("platform", ["slack", "teams"])


def test_the_tour_covers_every_kind_of_reply() -> None:
    names = {s.name for s in tour("teams")}
    assert {"help", "roles", "section-all", "about", "bullying-channel", "handoff-preview", "acks", "error"} <= names
    assert len(names) == len(tour("teams")) >= 40


def test_every_card_is_valid() -> None:
    for s in tour("teams"):
        validate_card(teams_card(s))


# --- Teams: buttons -----------------------------------------------------------------------------
def rows(card: dict[str, Any]) -> list[list[str]]:
    """Each row of buttons on the card, as their labels."""
    found = [[a["title"] for a in card.get("actions", [])]]
    found += [[a["title"] for a in n["actions"]] for n in walk(card["body"]) if n.get("type") == "ActionSet"]
    return [row for row in found if row]


def test_no_teams_button_is_cut_at_phone_width() -> None:
    for s in tour("teams"):
        for row in rows(teams_card(s)):
            if len(row) > 1:
                assert cards.fits_a_row(row), f"{s.name}: {row} is cut at 360 px"
            else:
                assert len(row[0]) <= cards.STACKED_CHARS, f"{s.name}: {row[0]!r} is cut at 360 px"


def test_the_measured_budgets_are_the_ones_used() -> None:
    # measured: at 360 px one button shows 33 characters whole; two 15 each, three 9 each, four 5 each
    assert cards.STACKED_CHARS <= 33
    assert cards.fits_a_row(["x" * 15] * 2) and cards.fits_a_row(["x" * 9] * 3)
    assert not cards.fits_a_row(["x" * 16] * 2) and not cards.fits_a_row(["x" * 6] * 4 + ["x"])


def test_many_options_are_a_list_to_choose_from() -> None:
    roles = teams_card(stop("teams", "roles"))
    [choice_set] = [n for n in walk(roles) if n.get("type") == "Input.ChoiceSet"]
    assert choice_set["id"] == cards.SUBMIT_KEY and choice_set["wrap"] is True and choice_set["isRequired"] is True
    reply = stop("teams", "roles").reply
    assert [c["value"] for c in choice_set["choices"]] == [c.value for c in reply.choices]
    assert [a["title"] for a in roles["actions"]] == [wording.CARD_CHOOSE]  # one button, whose data adds nothing
    assert "data" not in roles["actions"][0]


def test_a_few_long_options_are_links_that_wrap() -> None:
    s = stop("teams", "llangunnor-section-3")
    [choice] = s.reply.choices
    assert len(choice.label) > cards.STACKED_CHARS and cards.layout([choice]) == "links"
    [link] = [n for n in teams_card(s)["body"] if "selectAction" in n]
    assert link["selectAction"]["data"] == {cards.SUBMIT_KEY: choice.value}
    assert link["items"][0]["text"].startswith(choice.label) and link["items"][0]["wrap"] is True


def test_few_short_options_stay_buttons() -> None:
    preview = teams_card(stop("teams", "handoff-preview"))
    assert [a["title"] for a in preview["actions"]] == [wording.CHOICE_SEND, wording.CHOICE_DONT_SEND]
    assert not [n for n in walk(preview) if n.get("type") == "Input.ChoiceSet"]


# --- Teams: lines ----------------------------------------------------------------------------------
def test_no_teams_text_relies_on_a_single_line_break() -> None:
    for name, text in everything("teams"):
        assert "\n" not in text and "\r" not in text, f"{name}: {text!r}"
        assert "`" not in text, f"{name}: Teams shows backticks as they are: {text!r}"


def test_about_is_a_fact_set() -> None:
    about = teams_card(stop("teams", "about"))
    [facts] = [n for n in walk(about) if n.get("type") == "FactSet"]
    assert [f["title"] for f in facts["facts"]] == ["Council", "Document"]


def test_help_lists_each_command_on_its_own_line() -> None:
    texts = card_texts(teams_card(stop("teams", "help")))
    assert sum(t.startswith("**/protocol ") for t in texts) >= len(wording.COMMANDS)


# --- names, not markup ---------------------------------------------------------------------------
@PLATFORMS
def test_no_mention_markup_anywhere(platform: str) -> None:
    for name, text in everything(platform):
        assert not re.search(r"<@|&lt;@|<at>", text), f"{name}: {text!r}"


def test_the_hand_off_preview_names_the_person() -> None:
    for platform in ("slack", "teams"):
        preview = stop(platform, "handoff-preview").reply
        message = next(b for b in preview.blocks if isinstance(b, Quote))
        assert message.paragraphs[0].startswith("Sam Officer would like to talk to you")


# --- words ----------------------------------------------------------------------------------------
ARTICLE = re.compile(r"\b(an [bcdfgjklmnpqrstvwxz]\w*|a [aeio]\w*)", re.IGNORECASE)


@PLATFORMS
def test_articles_and_counts_read_right(platform: str) -> None:
    for name, text in everything(platform):
        assert not re.search(r"\b1 people\b|\b1 sections\b", text), f"{name}: {text!r}"
        assert not ARTICLE.search(text), f"{name}: {ARTICLE.search(text)} in {text!r}"


def test_counts_agree_with_their_number() -> None:
    assert wording.counted(wording.ACKS_PEOPLE, 1) == "1 person has"
    assert wording.counted(wording.ACKS_PEOPLE, 3) == "3 people have"
    acks = stop("slack", "acks").reply.as_text()
    assert "1 person has noted" in acks and "• Alex Example" in acks


@PLATFORMS
def test_versions_are_dates_and_minutes_never_ids(platform: str) -> None:
    for name, text in everything(platform):
        assert not re.search(r"\b[0-9a-f]{10,}\b", text), f"{name}: {text!r}"
    assert "the version adopted February 2020 (Minute 0202-6)" in stop(platform, "acked").reply.as_text()
    assert wording.version_label(None, None, "14 March 2023") == "the version of 14 March 2023"


def test_about_shows_what_an_officer_knows() -> None:
    for name in ("about", "llangunnor-about"):
        text = stop("teams", name).reply.as_text()
        for bad in ("protocol_data", ".txt", "Version:", "Part of:", "Source: Telford and Wrekin BC"):
            assert bad not in text.split("Source: ")[0] if bad.startswith("Source") else bad not in text, name
    assert "Adopted: February 2020" in stop("teams", "llangunnor-about").reply.as_text()


def test_titles() -> None:
    for s in tour("teams"):
        first = next((b.text for b in s.reply.blocks if isinstance(b, Paragraph)), None)
        assert s.reply.title != first, f"{s.name}: title and body say the same"
        assert "?" not in s.reply.title or (s.reply.title.endswith("?") and " ?" not in s.reply.title), s.name
    assert stop("teams", "section-3").reply.title == "Section 3 Expectations"
    assert stop("teams", "llangunnor-section-3").reply.title == "Section 3 Expectations"  # not its first clause's
    assert stop("teams", "section-ask").reply.title == wording.SECTION_ASK_TITLE


def test_the_preamble_heading_stands_apart_from_its_text() -> None:
    s = stop("teams", "llangunnor-preamble")
    assert s.reply.title == "Preamble"
    [container] = [n for n in teams_card(s)["body"] if n.get("type") == "Container"]
    heading, first = container["items"][:2]
    assert heading["text"] == "**Preamble**" and first["text"].startswith("Mutual trust")


@PLATFORMS
def test_quoted_fragments_say_they_are_fragments(platform: str) -> None:
    for s in tour(platform):
        for quote in s.reply.quotes:
            for paragraph in quote.paragraphs[:1]:
                assert not paragraph[:1].islower(), f"{s.name}: §{quote.ref} {paragraph[:40]!r}"
            if quote.items and quote.items[0][:1].islower() and not quote.paragraphs:
                assert (quote.heading or "").endswith(":"), f"{s.name}: §{quote.ref} list without its lead-in"


@PLATFORMS
def test_an_error_never_names_the_council_unknown(platform: str) -> None:
    error = stop(platform, "error").reply
    assert error.council_name != "unknown" and "unknown" not in error.as_text().lower()
    assert error.title == wording.SOMETHING_WRONG_TITLE


# --- buttons that do what they say ----------------------------------------------------------------
def shares(messages: list[dict[str, Any]]) -> bool:
    return any(n.get("action_id") == SHARE_ACTION for n in walk(messages))


def test_share_in_channel_only_where_it_shares_the_same_answer() -> None:
    for s in tour("slack"):
        if shares(slack_payload(s)):
            assert s.reply.quotes and s.reply.shareable, s.name
    for name in ("help", "empty", "about", "section-ask", "unknown-who", "acks", "error", "bullying-channel"):
        assert not shares(slack_payload(stop("slack", name))), name
    for name in ("section-3", "principles", "expectations-officer"):
        assert shares(slack_payload(stop("slack", name))), name


def test_the_home_tab_says_where_to_type_and_where_answers_go() -> None:
    home = " ".join(slack_texts(slack_payload(stop("slack", "home"))))
    assert "Ask me anything" not in home and "Messages tab" in home and "/protocol" in home


def test_in_a_teams_channel_a_bullying_question_keeps_its_matches_and_the_offer() -> None:
    s = stop("teams", "bullying-channel")
    card = teams_card(s)
    text = json.dumps(card, ensure_ascii=False)
    assert s.where == "channel" and len(s.reply.quotes) >= 2
    for quote in s.reply.quotes:
        assert f"**{quote.label}" in text
        assert all(p in text for p in quote.paragraphs)
    assert wording.CONCERN_OFFER in text and wording.CHOICE_CONCERN in text


# --- long content opens rather than scrolls ---------------------------------------------------------
def test_the_whole_protocol_opens_clause_by_clause_in_teams_word_for_word() -> None:
    s = stop("teams", "section-all")
    card = teams_card(s)
    toggles = [n for n in walk(card) if n.get("type") == "Action.ToggleVisibility"]
    assert len(toggles) == len(s.reply.quotes) - 1
    hidden = {n["id"] for n in walk(card) if n.get("isVisible") is False}
    assert all(set(t["targetElements"]) & hidden for t in toggles)
    texts = card_texts(card)
    for quote in s.reply.quotes:
        assert all(p in texts for p in quote.paragraphs)
        assert all(f"• {item}" in texts for item in quote.items)


def test_the_whole_protocol_in_slack_is_its_first_section_and_a_button_for_each() -> None:
    s = stop("slack", "section-all")
    messages = slack_payload(s)
    assert len(messages) == 1
    text = json.dumps(messages, ensure_ascii=False)
    assert wording.SLACK_MORE in text
    buttons = [n["value"] for n in walk(messages) if n.get("type") == "button" and n["action_id"] != SHARE_ACTION]
    assert buttons == [c.value for c in s.reply.choices] and len(buttons) == len(s.reply.choices) >= 4
    first = s.reply.quotes[0]
    assert first.paragraphs[0][:200] in text.replace("\\n", "\n")
    shared = blocks.messages(s.reply.model_copy(update={"choices": []}), shared_by="U1")  # no buttons: all of it
    assert wording.SLACK_MORE not in json.dumps(shared, ensure_ascii=False)
    assert s.reply.quotes[-1].paragraphs[0][:100] in "\n".join(slack_texts(shared))
