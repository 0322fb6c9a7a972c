"""``/protocol`` lookups as a person would use them, through the shipped test chat."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatops import wording
from chatops.councils import Library
from chatops.testing import Chat

from .conftest import COUNCILS


@pytest.mark.parametrize(
    ("council", "heading", "first_item"),
    [
        ("llangunnor", "Officers can expect from Councillors:", "a working partnership;"),
        ("telford-and-wrekin", "Employees can expect from members:", "A working partnership"),
    ],
)
async def test_expectations_officer_lists_what_officers_can_expect(council: str, heading: str, first_item: str) -> None:
    chat = Chat(council)
    reply = await chat.say("/protocol expectations officer")
    assert reply.quotes[0].heading == heading and reply.quotes[0].items[0] == first_item
    assert reply.council == council and reply.council_name in reply.as_text()
    assert reply.private
    reverse = await chat.choose("can expect")  # the one-tap way to the other side
    assert reverse.quotes[0].heading != heading
    assert "can expect" in (reverse.quotes[0].heading or "")


@pytest.mark.parametrize("council", COUNCILS)
@pytest.mark.parametrize("word", ["officer", "employee", "staff", "clerk", "Officers", "emplyee", "clrk"])
async def test_every_officer_word_reaches_the_officer_list(council: str, word: str) -> None:
    reply = await Chat(council).say(f"/protocol expectations {word}")
    assert (
        reply.quotes
        and reply.quotes[0].heading
        and reply.quotes[0].heading.lower().startswith(("officers can expect", "employees can expect"))
    )


@pytest.mark.parametrize("council", COUNCILS)
@pytest.mark.parametrize(
    "word", ["councillor", "member", "cllr", "chair", "vice-chair", "cabinet", "opposition", "councilor", "membr"]
)
async def test_every_councillor_word_reaches_the_councillor_list(council: str, word: str) -> None:
    reply = await Chat(council).say(f"expectations {word}")
    headings = [q.heading or "" for q in reply.quotes]
    assert any(h.lower().startswith(("all councillors can expect", "members can expect")) for h in headings)


async def test_roles_without_a_party_lists_the_roles_with_choices() -> None:
    chat = Chat("telford-and-wrekin")
    reply = await chat.say("/protocol roles")
    labels = [c.label for c in reply.choices]
    assert "Opposition Members" in labels and "Members of the Cabinet" in labels
    opposition = await chat.choose("Opposition Members")
    assert [q.ref for q in opposition.quotes] == ["2.4"]


async def test_a_role_the_council_lacks_gets_a_plain_answer_and_the_nearest() -> None:
    reply = await Chat("llangunnor").say("/protocol roles cabinet")
    text = reply.as_text()
    assert "says nothing specific about cabinet" in text
    assert "2.2.2" in [q.ref for q in reply.quotes]


async def test_procedure_for_employees_quotes_4_1() -> None:
    reply = await Chat("telford-and-wrekin").say("/protocol procedure employee")
    assert [q.ref for q in reply.quotes] == ["4.1"]
    assert "Grievance Procedure" in reply.quotes[0].paragraphs[0]
    other = await Chat("telford-and-wrekin").say("/protocol when things go wrong")
    assert {q.ref for q in other.quotes} == {"4.1", "4.2"}


async def test_llangunnor_has_no_procedure_and_says_so() -> None:
    reply = await Chat("llangunnor").say("/protocol procedure member")
    assert "does not set out a procedure" in reply.as_text()
    assert [q.ref for q in reply.quotes] == ["3.1"]  # what councillors can expect instead
    assert "Grievance" not in reply.as_text()  # never borrows another council's procedure


async def test_principles_and_their_absence() -> None:
    assert [q.ref for q in (await Chat("llangunnor").say("principles")).quotes] == ["3.3"]
    reply = await Chat("telford-and-wrekin").say("principles")
    assert "no separate section of general principles" in reply.as_text() and reply.quotes


@pytest.mark.parametrize(
    ("council", "ref", "expected"),
    [
        ("telford-and-wrekin", "4.2", ["4.2"]),
        ("telford-and-wrekin", "3", ["3", "3"]),
        ("llangunnor", "2.2", ["2.2", "2.2.2", "2.2.3", "2.2.4"]),
        ("llangunnor", "§2.2.4", ["2.2.4"]),
    ],
)
async def test_section_quotes_by_the_documents_numbering(council: str, ref: str, expected: list[str]) -> None:
    reply = await Chat(council).say(f"/protocol section {ref}")
    assert [q.ref for q in reply.quotes] == expected


async def test_a_missing_section_suggests_the_nearest() -> None:
    chat = Chat("llangunnor")
    reply = await chat.say("/protocol section 2.2.1")
    assert "There is no section 2.2.1" in reply.as_text()
    assert "Section 2.2.2" in [c.label for c in reply.choices]
    assert [q.ref for q in (await chat.choose("Section 2.2.2")).quotes] == ["2.2.2"]


async def test_about_names_the_adoption() -> None:
    text = (await Chat("llangunnor").say("/protocol about")).as_text()
    assert "Adopted: February 2020" in text and "Minute: 0202-6" in text
    assert "Version:" not in text and "protocol_data" not in text  # nothing that means nothing to an officer
    assert "no adoption date" in (await Chat("telford-and-wrekin").say("about")).as_text()


@pytest.mark.parametrize("council", ["llangunnor", "telford-and-wrekin"])
async def test_the_whole_protocol_is_one_button_from_about(council: str) -> None:
    from chatops.councils import Library

    chat = Chat(council)
    await chat.say("/protocol about")
    whole = await chat.choose("Read the whole protocol")
    protocol = Library().protocol(council)
    assert [q.ref for q in whole.quotes] == [c.ref for c in protocol.clauses]
    assert (await chat.say("/protocol section whole protocol")).quotes == whole.quotes


async def test_help_lists_every_command_with_an_example() -> None:
    text = (await Chat().say("/protocol help")).as_text()
    for command in wording.COMMANDS:
        assert command.name == "procedure" or f"/protocol {command.example.partition(' ')[0]}" in text


async def test_questions_are_answered_by_search_with_references() -> None:
    reply = await Chat("llangunnor").say("/protocol can a cllr make me change my report?")
    assert reply.quotes[0].ref == "2.4"
    assert "pressurise" in reply.quotes[0].paragraphs[0]
    assert reply.source.startswith("Llangunnor Community Council")


async def test_unknown_words_get_a_suggestion() -> None:
    reply = await Chat("llangunnor").say("/protocol expectations wizard")
    assert "I don't recognise “wizard”" in reply.as_text() and reply.choices
    typo = await Chat("llangunnor").say("/protocol expectaions officer")
    assert "Showing “expectations”" in typo.as_text() and typo.quotes[0].ref == "3.2"
    nothing = await Chat("llangunnor").say("/protocol zzzzqqq")
    assert "couldn't find that" in nothing.as_text() and nothing.choices


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "/protocol",
        "x" * 10_000,
        "officer " * 1500,
        "😀🙈🔥",
        "مرحبا هل يمكن للعضو",
        "\u202eofficer\u202c",
        "\x00\x01\x1b[31mexpectations\x07 officer",
        "expectations \x00",
        "section",
        "section 99.99.99",
        "section ../../etc",
        "roles \U0001f600",
        "?",
        "procedure 😀",
        "search",
        "''",
        "\\",
        "{{council}}",
        "%s %d {0}",
    ],
)
@pytest.mark.parametrize("council", COUNCILS)
async def test_odd_input_gets_a_helpful_reply(text: str, council: str) -> None:
    reply = await Chat(council).say(text)
    assert reply.council == council and reply.title
    assert reply.blocks or reply.choices
    assert len(reply.as_text()) < 20_000
    assert "Traceback" not in reply.as_text() and "something went wrong" not in reply.as_text()


async def test_long_input_is_cut_and_the_user_is_told() -> None:
    reply = await Chat("llangunnor").say("/protocol timely response " * 2000)
    assert "read only the first" in reply.as_text()


_library = Library()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.sampled_from(COUNCILS))
def test_any_text_gets_a_reply(text: str, council: str) -> None:
    reply = _library.lookup(council).answer(text)
    assert reply.council == council and (reply.blocks or reply.choices)
