"""The schema for real protocols, on a council whose paragraphs run 1-29 under un-numbered headings
(tests/data/councils/ashcombe.yaml) and one with lettered items: sections by heading, items cited as
``3.1(b)``, procedures over several paragraphs, steps for whom it is about and for the kind of
concern, prohibitions, policies and committees, and a document with no version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from chatops import concerns
from chatops.concerns.machine import Context, State
from chatops.concerns.render import recommendation
from chatops.contacts import NO_CONTACTS
from chatops.errors import ProtocolDataError
from chatops.importing import import_source
from chatops.loading import load_protocol
from chatops.lookup import Lookup
from chatops.model import Protocol
from chatops.search import Searcher
from chatops.selfcheck import missed

ROOT = Path(__file__).resolve().parent.parent
ASHCOMBE = ROOT / "tests" / "data" / "councils" / "ashcombe.yaml"


@pytest.fixture(scope="module")
def ashcombe() -> Protocol:
    protocol = load_protocol(ASHCOMBE)
    return protocol


def _lookup(protocol: Protocol) -> Lookup:
    return Lookup(protocol, Searcher(protocol))


@pytest.mark.parametrize("typed", ["section Confidentiality", "section confidentiality", "section confiden"])
def test_a_section_is_found_by_its_heading(ashcombe: Protocol, typed: str) -> None:
    reply = _lookup(ashcombe).answer(typed)
    assert missed(reply) is None
    assert reply.title == "Confidentiality"
    assert [b.ref for b in reply.blocks if hasattr(b, "ref")] == ["15", "16", "17"]


def test_every_section_button_answers(ashcombe: Protocol) -> None:
    lookup = _lookup(ashcombe)
    choices = lookup.answer("section").choices
    assert len(choices) == len(ashcombe.sections)
    for choice in choices:
        reply = lookup.answer(choice.value)
        assert missed(reply) is None, choice.value
        for follow in reply.choices:  # the neighbouring sections' buttons too
            assert missed(lookup.answer(follow.value)) is None, follow.value


def test_a_paragraph_number_still_finds_its_paragraph(ashcombe: Protocol) -> None:
    reply = _lookup(ashcombe).answer("section 23")
    assert [b.ref for b in reply.blocks if hasattr(b, "ref")] == ["23"]
    assert "There is no section" in _lookup(ashcombe).answer("section 41").as_text()


def test_a_lettered_item_is_cited_and_shown_on_its_own(tmp_path: Path) -> None:
    from tests.documents import write_docx

    draft = import_source(write_docx("halden", tmp_path), "halden")
    data: dict[str, Any] = yaml.safe_load(draft.yaml)
    data["concerns"] = [
        {"id": "bullying", "label": "Bullying", "cites": [{"ref": "3.2(a)", "quote": "freedom from bullying"}]}
    ]
    path = tmp_path / "halden.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    protocol = load_protocol(path)
    reply = _lookup(protocol).answer("3.2(b)")
    assert reply.title == "Section 3.2(b)"
    assert reply.as_text().count("professional advice will be respected") == 1
    assert "respect, courtesy" not in reply.as_text()

    data["concerns"][0]["cites"][0]["ref"] = "3.2(b)"  # the words are in item (a), not (b)
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ProtocolDataError, match=r"concerns\[0\]\.cites\[0\]\.quote: the quote is not word for word"):
        load_protocol(path)


def _route(protocol: Protocol, reporter: str, subject: str, category: str | None = None) -> concerns.Route:
    state = State(council="ashcombe", reporter=reporter, subject=subject, category=category)  # type: ignore[arg-type]
    return concerns.route(state, protocol, NO_CONTACTS)


def test_steps_follow_whom_the_concern_is_about(ashcombe: Protocol) -> None:
    about_clerk = _route(ashcombe, "councillor", "clerk")
    assert [s.role for s in about_clerk.of("informal")] == ["Chairman"]
    about_assistant = _route(ashcombe, "councillor", "assistant-clerk")
    assert [s.role for s in about_assistant.of("informal")] == ["Clerk"]
    about_chairman = _route(ashcombe, "officer", "chairman")
    assert [s.role for s in about_chairman.of("informal")] == ["Clerk", "Vice-Chairman"]
    assert [s.role for s in _route(ashcombe, "officer", "councillor").of("informal")] == ["Clerk"]


def test_a_procedure_over_several_paragraphs_is_shown_whole(ashcombe: Protocol) -> None:
    reply = _lookup(ashcombe).answer("procedure councillor")
    assert [b.ref for b in reply.blocks if hasattr(b, "ref")] == ["23", "24", "25", "28"]


def test_steps_for_a_kind_of_concern_and_prohibitions_and_bodies(ashcombe: Protocol) -> None:
    bullying = _route(ashcombe, "councillor", "clerk", "bullying")
    code = _route(ashcombe, "councillor", "clerk", "code")
    assert not bullying.of("related")
    assert [s.ref for s in code.of("related")] == ["28"]
    assert [s.detail for s in bullying.of("prohibition")] == ["and not with the Clerk directly or in public"]
    assert [s.bodies for s in bullying.of("formal")] == [("Personnel Committee",)]

    state = State(council="ashcombe", reporter="councillor", subject="clerk", category="bullying", phase="done")
    text = recommendation(state, Context(ashcombe, NO_CONTACTS)).as_text()
    assert "What the protocol says not to do" in text
    assert "Under: Personnel Committee" in text
    assert "Westvale" not in text


def test_adoption_details_and_no_version(ashcombe: Protocol) -> None:
    assert (ashcombe.adopted, ashcombe.adopted_by, ashcombe.minute) == ("9 January 2024", "Parish Council", "24/007")
    assert ashcombe.review == "To be reviewed annually"
    assert ashcombe.version is None
    home = _lookup(ashcombe).home().as_text()
    assert "Current version: The version adopted 9 January 2024 (Minute 24/007)." in home  # known by its adoption


def test_help_advertises_only_what_this_council_has(ashcombe: Protocol) -> None:
    text = _lookup(ashcombe).help().as_text()
    assert "section 29" in text and "section 4.2" not in text
    assert "procedure councillor" in text and "procedure employee" not in text


def test_references_to_policies_and_kinds_are_checked(tmp_path: Path) -> None:
    data: dict[str, Any] = yaml.safe_load(ASHCOMBE.read_text(encoding="utf-8"))
    steps = data["procedures"][0]["steps"]
    steps[3]["to"] = ["personel-committee"]
    steps[4]["when_kind"] = ["cod"]
    data["sections"][0]["clauses"][0]["markers"] = ["a"]
    path = tmp_path / "ashcombe.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(ProtocolDataError) as raised:
        load_protocol(path)
    problems = "\n".join(raised.value.problems)
    assert "markers: give one marker for each item, or none" in problems
    assert "'personel-committee' is not a body in 'bodies'; did you mean 'personnel-committee'?" in problems
    assert "'cod' is not a concern id; did you mean 'code'?" in problems
