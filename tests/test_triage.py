"""Raising a concern privately, as an anxious officer or councillor would, through the test chat."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatops import concerns
from chatops.concerns import machine
from chatops.contacts import Contacts, load_contacts
from chatops.councils import Library
from chatops.reply import Paragraph, Quote, Reply
from chatops.testing import Chat

from .conftest import DATA, ROOT, run_cli

CONTACTS = load_contacts(DATA / "contacts.example.yaml")


def text_of(reply: Reply) -> str:
    return reply.as_text()


def quote_refs(reply: Reply) -> list[str]:
    return [q.ref for q in reply.quotes]


async def test_officer_at_telford_and_wrekin_with_buttons() -> None:
    chat = Chat("telford-and-wrekin", contacts=CONTACTS)
    opening = await chat.say("concern")
    assert "private" in text_of(opening) and "`forget`" in text_of(opening)  # the two-line promise
    assert [c.label for c in opening.choices] == [
        "Employee, about a Member",
        "Member, about an Employee",
        "Something else",
    ]
    category = await chat.choose("Employee")  # whom it is about can't change an employee's route: not asked
    assert "Bullying or undue pressure" in [c.label for c in category.choices]
    assert "Something else" in [c.label for c in category.choices]
    await chat.choose("Bullying")
    gender = await chat.choose("Not yet")
    assert "male or a female manager" in text_of(gender)
    advice = await chat.choose("A female manager")
    text = text_of(advice)
    assert advice.title == "Your options under the protocol"
    assert "Not to be subject to bullying" in text  # the clause that applies, quoted
    assert text.index("Informal route") < text.index("Formal route")
    assert "Sam Example (Communities)" in text and "Jo Example (Finance)" in text
    assert "Alex Example" not in text  # she asked for a female manager
    assert "Grievance Procedure" in text and "Monitoring Officer" in text
    assert "In the event of a grievance or complaint being upheld" in text
    assert "confidential reporting" in text and "§1.2" in text
    assert {"3", "4.1", "1.2"} <= set(quote_refs(advice))


@pytest.mark.parametrize(
    ("subject", "expected", "absent"),
    [
        ("Employees", "appropriate Head of Service", "Head of Human Resources"),
        ("Head of Service", "appropriate Corporate Director or with the Chief Executive", "Head of Human Resources"),
        ("Chief Executive", "raised with the Head of Human Resources", "appropriate Head of Service"),
    ],
)
async def test_a_member_is_routed_by_who_the_employee_is(subject: str, expected: str, absent: str) -> None:
    chat = Chat("telford-and-wrekin")
    await chat.say("concern")
    await chat.choose("Member, about")
    await chat.choose(subject)
    await chat.choose("Responsiveness")
    reply = await chat.choose("Yes, I've tried")
    if reply.title != "Your options under the protocol":
        reply = await chat.choose("No preference")
    text = text_of(reply)
    assert expected in text and absent not in text
    assert "Disciplinary Procedure" in text
    assert text.index("Formal route") < text.index("Informal route")  # they have tried informally
    assert "Timely response to enquiries and complaints" in text


async def test_llangunnor_has_no_procedure_and_invents_none() -> None:
    chat = Chat("llangunnor")
    await chat.say("concern")
    await chat.choose("Officer, about")
    reply = await chat.choose("Pressure to change professional advice")
    text = text_of(reply)
    # no whom, no "tried informally", no male/female question: none of them could change this council's advice
    assert reply.title == "Your options under the protocol"
    assert "does not set out a procedure" in text
    assert "should not pressurise the officer" in text and "2.4" in quote_refs(reply)
    for borrowed in ("Grievance", "Monitoring Officer", "Head of Service", "Disciplinary"):
        assert borrowed not in text
    assert "has not named anyone" in text
    configured = Chat("llangunnor", contacts=CONTACTS)
    await configured.say("concern")
    await configured.choose("Councillor, about")
    reply = await configured.choose("Confidentiality")
    assert "Cllr Example (Chair of the Council)" in text_of(reply)
    assert "Respect, courtesy, integrity and appropriate confidentiality from Officers;" in text_of(reply)


async def test_free_text_start_confirms_its_reading_and_asks_only_what_is_missing() -> None:
    chat = Chat("telford-and-wrekin")
    reply = await chat.say(
        "I'm an employee and a cabinet member keeps shouting at me in meetings. I'd rather talk to a woman."
    )
    text = text_of(reply)
    assert "I understand: you're an Employee, concerned about Members of the Cabinet, about bullying" in text
    assert "female manager" in text
    assert [c.value for c in reply.choices][:3] == [
        "concern:informal_tried=yes",
        "concern:informal_tried=no",
        "concern:informal_tried=unsure",
    ]
    done = await chat.say("no, not yet")
    assert done.title == "Your options under the protocol"
    assert "Employees can expect from members" in text_of(done)  # the list for the reporter's own side
    again = await chat.choose("Change what it's about")  # a wrong guess is one tap to put right
    assert "What is it about?" in text_of(again)
    changed = await chat.choose("Confidentiality")
    assert "Integrity, mutual support and appropriate confidentiality" in text_of(changed)
    assert "female manager" in text_of(changed)  # the other answers are kept


async def test_a_question_asked_on_the_way_leaves_the_concern_as_it_was() -> None:
    chat = Chat("llangunnor")
    await chat.say("concern")
    first = await chat.say("I do the minutes and Cllr Davies keeps rewriting them")
    assert "you're an Officer, concerned about a Councillor" in text_of(first)
    asked = await chat.say("how do I book the council chamber for scrutiny")
    assert asked.title != "Outside this protocol"
    back = await chat.choose("Respect and courtesy")
    assert back.title == "Your options under the protocol" or "Have you" in text_of(back)


async def test_a_plain_question_after_the_advice_is_answered_from_the_protocol() -> None:
    chat = Chat("telford-and-wrekin")
    await chat.say("I'm an employee and a cabinet member keeps shouting at me in meetings. I'd rather talk to a woman.")
    done = await chat.say("no, not yet")
    assert done.title == "Your options under the protocol"
    asked = await chat.say("is there any training on the member/officer protocol for new starters?")
    assert asked.title == "What the protocol says", asked.as_text()


async def test_typed_answers_and_unexpected_input() -> None:
    chat = Chat("telford-and-wrekin")
    await chat.say("concern")
    assert "Who is the concern about?" in text_of(await chat.say("I'm a councillor"))
    confused = await chat.say("purple elephants")
    assert "didn't follow" in text_of(confused) and "Who is the concern about?" in text_of(confused)
    assert confused.choices  # never a dead end
    assert "What is it about?" in text_of(await chat.say("the chief exec"))


async def test_danger_comes_first() -> None:
    reply = await Chat("telford-and-wrekin", contacts=CONTACTS).say("a member grabbed me and I'm scared for my safety")
    first = text_of(reply).split("\n\n")[1]
    assert "call 999" in first and "confidential reporting (§1.2)" in first and "01952 000001" in first
    assert "Samaritans" in first  # shown beside 999 whatever was read: self-harm is often said as danger
    self_harm = await Chat("llangunnor").say("I feel like I want to end it all because of the chair")
    first = text_of(self_harm).split("\n\n")[1]
    assert "999" in first and "Samaritans" in first and "116 123" in first


async def test_hand_off_shows_exactly_what_is_sent_and_waits_for_confirmation() -> None:
    chat = Chat("telford-and-wrekin", contacts=CONTACTS, user_name="Jordan Smith")
    await chat.say("I'm an employee and a member keeps pressuring me to change my report. I haven't told anyone.")
    await chat.choose("No preference")
    preview = await chat.choose("Ask Pat Example")
    assert chat.sent == []
    message = "Jordan Smith would like to talk to you about a member/officer relations matter."
    assert message in text_of(preview) and "none of your answers" in text_of(preview)
    cancelled = await chat.choose("Don't send")
    assert chat.sent == [] and "Nothing was sent" in text_of(cancelled)
    await chat.choose("Ask Pat Example")
    sent = await chat.choose("Send it")
    assert sent.title == "Message sent"
    assert len(chat.sent) == 1
    person, text = chat.sent[0]
    assert person.name == "Pat Example" and text.startswith(message)
    assert "report" not in text and "pressur" not in text  # none of their answers


async def test_forget_erases_at_once_and_the_conversation_survives_restarts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/chat.sqlite3"
    chat = Chat("telford-and-wrekin", database_url=url)
    await chat.say("concern")
    await chat.choose("Member, about")
    later = Chat("telford-and-wrekin", database_url=url)  # a new process, the same store
    resumed = await later.say("concern")
    assert "Welcome back" in text_of(resumed) and "Who is the concern about?" in text_of(resumed)
    forgotten = await later.say("forget")
    assert "erased" in text_of(forgotten)
    fresh = await later.say("concern")
    assert "First, which fits?" in text_of(fresh)
    await later.say("forget")
    import sqlite3

    rows = sqlite3.connect(tmp_path / "chat.sqlite3").execute("SELECT count(*) FROM triage_state").fetchone()[0]
    assert rows == 0


async def test_a_concern_started_in_a_channel_moves_to_a_direct_message() -> None:
    chat = Chat("llangunnor")
    reply = await chat.say("/protocol concern", direct=False)
    assert reply.move_to_direct and reply.private


async def test_questions_in_a_direct_message_are_looked_up_with_a_way_to_raise_a_concern() -> None:
    reply = await Chat("llangunnor").say("can a councillor ask me to campaign?")
    assert reply.quotes and reply.choices[-1].value.startswith("concern:start")


async def test_a_slash_question_describing_a_concern_offers_the_private_way_and_others_do_not() -> None:
    chat = Chat("telford-and-wrekin")
    reply = await chat.say("/protocol a member is bullying me, who do I go to?")
    assert reply.quotes and reply.choices[0].label == "Raise a concern privately"
    assert "If this is happening to you" in reply.as_text()
    moved = await chat.choose("Raise a concern privately")
    assert moved.move_to_direct and moved.private
    carried = await chat.choose("Raise a concern privately") if not moved.choices else moved
    assert "Employee" in text_of(carried) and "First, which fits?" not in text_of(carried)  # what was read is kept
    for question in ("/protocol what should officers expect from members", "/protocol section 4.1"):
        plain = await Chat("telford-and-wrekin").say(question)
        assert "Raise a concern privately" not in [c.label for c in plain.choices], question


async def test_nothing_typed_is_kept_or_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    marker = "ZEBRA-7731-QUOKKA"
    url = f"sqlite:///{tmp_path}/private.sqlite3"
    caplog.set_level(logging.DEBUG)
    chat = Chat("telford-and-wrekin", database_url=url, contacts=CONTACTS)
    await chat.say(f"I'm an employee and Cllr {marker} keeps bullying me about the {marker} contract")
    await chat.say(f"{marker} said I must not tell anyone")
    await chat.say(f"no, {marker}")
    await chat.say("1")
    db = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert db, "the store was written"
    assert marker.encode() not in db
    assert marker not in caplog.text
    state = Chat("telford-and-wrekin", database_url=url)
    assert "Employee" in text_of(await state.say("concern"))  # the answers were kept, the words were not


def test_the_state_holds_only_fixed_answers() -> None:
    with pytest.raises(ValueError):
        concerns.State(council="llangunnor", subject="Cllr Jones bullied me")
    assert set(concerns.State.model_fields) == {
        "council",
        "phase",
        "reporter",
        "subject",
        "category",
        "informal_tried",
        "gender",
        "scope",
        "witness",
        "handoff",
    }


_library = Library()
_contexts = {c: concerns.Context(_library.protocol(c), CONTACTS) for c in _library.ids}
_contexts_bare = {c: concerns.Context(_library.protocol(c), Contacts({})) for c in _library.ids}

_inputs = st.one_of(
    st.integers(min_value=0, max_value=12),  # press the n-th choice of the last reply
    st.sampled_from(
        [
            "forget",
            "restart",
            "concern",
            "yes",
            "no",
            "female",
            "the chair",
            "officer",
            "send",
            "concern:send",
            "concern:cancel",
            "concern:handoff=head-of-hr.0",
            "concern:gender=male",
            "concern:subject=nobody",
            "I was bullied by a councillor",
            "he hit me",
            "?",
            "",
        ]
    ),
    st.text(max_size=80),
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(_contexts)), st.booleans(), st.lists(_inputs, max_size=14))
def test_any_sequence_of_inputs_gets_a_question_or_a_recommendation(
    council: str, contacts: bool, inputs: list[int | str]
) -> None:
    ctx = (_contexts if contacts else _contexts_bare)[council]
    state: concerns.State | None = None
    reply: Reply | None = None
    for item in inputs:
        if isinstance(item, int):
            if reply is None or not reply.choices:
                continue
            item = reply.choices[item % len(reply.choices)].value
        result = concerns.step(state, item, ctx)
        state, reply = result.state, result.reply
        assert reply.council == council and reply.blocks
        assert reply.choices, "never a dead end"
        if state is not None:
            assert state.phase in ("asking", "done", "confirm", "outside")
            if state.phase == "asking":
                assert machine.next_question(state, ctx) is not None
            if state.phase == "done":
                assert reply.title in ("Your options under the protocol", "Message sent")
        assert result.handoff is None or str(item).casefold() in machine.SEND_WORDS  # only a confirmation sends
        if result.handoff is not None:
            assert "member/officer relations matter" in result.handoff.message
        assert all(isinstance(b, Quote) or b.text for b in reply.blocks)


def test_every_concern_corpus_file_is_labelled_with_its_councils_ids() -> None:
    """A label naming a role or kind of concern the council lacks would score the reader against nothing."""
    import yaml

    from benchmarks.check_corpus import problems

    for path in sorted((ROOT / "benchmarks" / "concerns").glob("*.yaml")):
        assert problems(yaml.safe_load(path.read_text(encoding="utf-8"))) == [], path.name
    bad = [{"council": "brackenford", "text": "x", "expect": {"reporter": "officer", "subject": "clerk"}}]
    assert "not a role id of brackenford" in problems(bad)[0]  # Brackenford's clerk is the town-clerk


def test_free_text_reading_meets_its_targets_on_the_tuning_corpus() -> None:
    """The benchmark's tuning part, as a floor under regressions (the held-out figures are in the note)."""
    from benchmarks.concern_reading import TUNING, evaluate

    result = evaluate(TUNING)
    assert result.cases >= 400
    assert result.safety_recall == 1.0, result.misses["danger"]
    assert result.false_alarm_rate <= 0.03, result.misses["false alarm"]
    # floors under the whole tuning corpus, which grows harder as each measured held-out set joins it
    assert result.reporter_rate >= 0.92 and result.route_rate >= 0.90


# --- reading people's own words (issue: who is who, danger first, any council) --------------------
@pytest.mark.parametrize(
    ("text", "reporter", "subject", "procedure"),
    [
        ("I'm a Head of Service and Councillor Smith keeps emailing my team", "officer", "councillor", "4.1"),
        ("I chair the planning committee and an officer was rude to me", "councillor", "officer", "4.2"),
        ("Clerk here. Cllr Evans wants me to change my advice", "officer", "councillor", "4.1"),
        ("I'm just a member of staff and a councillor keeps shouting at me", "officer", "councillor", "4.1"),
        ("as a ward councillor I can't get a reply from the chief exec", "councillor", "chief-executive", "4.2"),
        ("I was elected in May and the Head of Service ignores my emails", "councillor", "head-of-service", "4.2"),
        ("PA in the Chief Executive's office. A cabinet member keeps belittling me", "officer", "cabinet", "4.1"),
    ],
)
def test_who_is_who_from_the_sentence(text: str, reporter: str, subject: str, procedure: str) -> None:
    found = json.loads(run_cli("triage", text, "--council", "telford-and-wrekin", "--json").stdout)
    assert (found["reporter"], found["subject"], found["procedure"]) == (reporter, subject, procedure)


@pytest.mark.parametrize(
    "text",
    [
        "I have been self harming",
        "I've thought about ending it all",
        "i dont want to be here anymore",
        "a councillor pushed me against the wall",
        "I feel unsafe, a councillor is outside my house",
        "a councillor exposed himself to me",
        "Cllr X has been sexually harassing me",
        "cllr grabbed my arm in the car park and said he knows where i live",
        "everyone would be better off without me",
        "might do something stupid to myself tbh",
        "Parish clerk here, one of our councillors turned up on my doorstep at 10pm shouting",
        "the councillor blocked the doorway so I couldnt get out of the room",
        "said if i told anyone he'd make my life hell and slashed my tyres",
        "he said there'd be consequences for my family",
        "the chair drove us back from the civic dinner over the limit, swerving all over",
        "i'm tired of being alive",
        "i cant see myself being here by christmas",
        "after that meeting I could kill myself",
        "the Executive Member told her he knew where she lived and would be paying her a visit",
        "on further questioning she said she had on two occasions caused herself harm",
        "I can't go on like this, the councillor rings every night",
        "I've put the files in order, written down every password and left a note for whoever comes next",
        "caretaker at the community centre told me I'll get mine one dark night",
    ],
)
async def test_danger_is_read_the_way_people_say_it_everywhere_they_type(text: str) -> None:
    dm = await Chat("telford-and-wrekin").say(text)
    slash = await Chat("telford-and-wrekin").say(f"/protocol {text}")
    for reply in (dm, slash):
        first = next(b for b in reply.blocks if isinstance(b, Paragraph))
        assert "call 999" in first.text, reply.as_text()
    assert "conciliation" not in text_of(dm).split("call 999")[0]


@pytest.mark.parametrize(
    "text",
    [
        "this deadline is killing me, a councillor wants the report by friday",
        "Cllr Jones shot down my proposal in committee",
        "the chair attacked my report in front of everyone",
        "I could murder a coffee after that meeting with the clerk",
        "I could cheerfully have throttled the Director of Planning on Tuesday",
        "the Town Clerk called the Mayor's twinning fund financially suicidal",
        "the Chairman subjected the officer's report to a sustained assault and said he'd shoot it down in flames",
        "He rings after 10pm shouting about the agenda. I don't want to make trouble but this can't go on.",
        "Asked the Deputy Clerk about my expenses and got the door shut in my face. Could've strangled her honestly.",
        "Fourth email to the Director and still nothing. I am going to throttle my laptop.",
        "The Head of Legal threatens me with the Standards Committee over every little thing I say",
    ],
)
async def test_workplace_idioms_are_not_danger(text: str) -> None:
    reply = await Chat("telford-and-wrekin").say(text)
    assert "999" not in text_of(reply)


@pytest.mark.parametrize(
    ("text", "alarm"),
    [
        ("honestly I could throttle the clerk, only joking, but can she move the meeting again?", False),
        ("lol the chair said he'd murder me if I forgot the biscuits again 😂 he's lovely", True),
        ("he said he'd kill me if I told anyone lol", True),
        ("haha running joke is I'll end up in the reservoir. not really a joke tbh", True),
        ("I'd cheerfully strangle the Head of HR. Not literally. Three months for an answer!", False),
    ],
)
def test_violent_words_said_in_jest_are_not_danger_but_a_reported_threat_is(text: str, alarm: bool) -> None:
    """A laugh sets aside only the speaker's own hyperbole: a threat someone reported, or self-harm
    joked about, still gets the safety line (a false alarm costs a sentence, a miss can cost a life)."""
    assert bool(concerns.assess(text)) is alarm


async def test_danger_typed_as_an_answer_still_comes_first() -> None:
    chat = Chat("telford-and-wrekin")
    await chat.say("concern")
    await chat.choose("Employee, about")
    reply = await chat.say("he hit me")
    assert "call 999" in text_of(reply).split("\n\n")[1]


async def test_typed_corrections_change_the_reading_and_a_new_description_starts_afresh() -> None:
    chat = Chat("telford-and-wrekin")
    first = await chat.say("a councillor keeps shouting at me in meetings")
    assert "you're an Employee" in text_of(first)
    corrected = await chat.say("no, I'm a member and it's an officer who shouts at me")
    assert "you're a Member" in text_of(corrected) and "didn't follow" not in text_of(corrected)
    done = await chat.choose("Yes, I've tried")
    if done.title != "Your options under the protocol":
        done = await chat.choose("No preference")
    assert "Disciplinary Procedure" in text_of(done)
    again = await chat.say("also the chief executive leaked my casework to the press")
    text = text_of(again)
    assert "started afresh" in text and "didn't follow" not in text
    assert "Chief Executive" in text


async def test_a_new_concern_that_sounds_dangerous_starts_with_the_safety_line() -> None:
    chat = Chat("llangunnor")
    advice = await chat.say("I'm the clerk and a councillor keeps shouting at me")
    assert advice.title == "Your options under the protocol"  # Llangunnor asks nothing more of its Clerk
    text = text_of(await chat.say("now a different councillor has been waiting by my car after work every night"))
    assert "call 999" in text and text.index("call 999") < text.index("started afresh")


async def test_out_of_scope_is_said_plainly_with_no_borrowed_procedure() -> None:
    for text in ("a member of the public is abusing me on the phone", "a fellow councillor keeps undermining me"):
        reply = await Chat("telford-and-wrekin", contacts=CONTACTS).say(text)
        body = text_of(reply)
        assert reply.title == "Outside this protocol", body
        assert "Grievance Procedure" not in body and "Disciplinary" not in body
        assert "Pat Example" in body  # the council's configured contacts


async def test_a_witness_is_told_the_route_the_colleague_can_take() -> None:
    chat = Chat("telford-and-wrekin")
    reply = await chat.say("my colleague is being picked on by a councillor, she hasn't told anyone")
    assert "for someone else" in text_of(reply)
    while reply.title != "Your options under the protocol":
        reply = await chat.choose(1)
    assert "routes open to them" in text_of(reply) and "Grievance Procedure" in text_of(reply)


async def test_an_upheld_grievance_leads_with_what_happens_next() -> None:
    chat = Chat("telford-and-wrekin")
    reply = await chat.say("I'm an employee, my grievance about a cabinet member's bullying was upheld. What now?")
    reply = await chat.choose("Raise a concern privately")  # a question is looked up first; the button carries on
    while reply.title != "Your options under the protocol":
        reply = await chat.choose("No preference")
    text = text_of(reply)
    assert text.index("What happens next") < text.index("Formal route") < text.index("Informal route")


async def test_who_do_i_go_to_answers_with_the_askers_own_procedure() -> None:
    employee = await Chat("telford-and-wrekin").say("/protocol a member is bullying me, who do I go to?")
    assert employee.quotes[0].ref == "4.1"
    member = await Chat("telford-and-wrekin").say("/protocol I'm a councillor, who do I complain to about an officer?")
    assert member.quotes[0].ref == "4.2"


async def test_a_forged_hand_off_is_not_honoured() -> None:
    chat = Chat("telford-and-wrekin", contacts=CONTACTS)
    reply = await chat.say(
        "I'm an employee and a member keeps pressuring me to change my report. I haven't told anyone."
    )
    reply = await chat.choose("No preference")
    offered = {c.value for c in reply.choices}
    assert "concern:handoff=head-of-hr.0" not in offered  # an employee's route never names the Head of HR
    forged = await chat.press("concern:handoff=head-of-hr.0")
    assert forged.title != "Check before I send"
    await chat.press("concern:send")
    assert chat.sent == []


TEST_COUNCILS = ROOT / "tests" / "data" / "councils"


@pytest.mark.parametrize(
    ("council", "text", "reporter", "subject", "category", "contact"),
    [
        (
            "brackenford",
            "I'm the RFO and the Town Mayor keeps posting about me on Facebook",
            "officer",
            "town-mayor",
            "social-media",
            "deputy-mayor",
        ),
        (
            "brackenford",
            "Deputy Town Clerk here. A group leader keeps lobbying me over the Red Lion planning application",
            "officer",
            "group-leader",
            "lobbying",
            "town-clerk",
        ),
        (
            "northmoor",
            "As Leader of the Council I find the managing director has ignored my emails for weeks",
            "councillor",
            "managing-director",
            None,
            "leader",
        ),
        (
            "northmoor",
            "I'm a service manager. An executive member made a racist remark about my team",
            "officer",
            "executive-member",
            "equality",
            "service-manager",
        ),
    ],
)
def test_a_council_with_its_own_titles_and_concerns_is_understood_from_its_file(
    council: str, text: str, reporter: str, subject: str, category: str | None, contact: str
) -> None:
    env = {"CHATOPS_PROTOCOL_DIR": str(TEST_COUNCILS)}
    found = json.loads(run_cli("triage", text, "--council", council, "--json", env=env).stdout)
    assert (found["reporter"], found["subject"]) == (reporter, subject)
    if category:
        assert found["category"] == category
    contacts = [s["contact"] for kind in ("informal", "formal") for s in found["route"][kind]]
    assert contact in contacts
    assert "gender" not in found["needs"]  # no male/female manager where the procedure offers none
    assert "male manager" not in found["reply"]["text"]


def test_roles_of_another_council_are_understood_from_its_own_buttons() -> None:
    env = {"CHATOPS_PROTOCOL_DIR": str(TEST_COUNCILS)}
    listing = json.loads(run_cli("command", "roles", "--council", "brackenford", "--json", env=env).stdout)
    for choice in listing["choices"]:
        args = choice["value"].removeprefix("/protocol ")
        answer = json.loads(run_cli("command", args, "--council", "brackenford", "--json", env=env).stdout)
        assert "don't recognise" not in json.dumps(answer), args


def test_validate_warns_about_a_role_or_concern_nobody_could_type(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load((TEST_COUNCILS / "brackenford.yaml").read_text(encoding="utf-8"))
    data["roles"].append({"id": "clerk-two", "name": "Town Clerk", "party": "officer", "refs": ["2.1"]})
    cite = data["concerns"][0]["cites"][0]
    data["concerns"].append({"id": "parking-permits", "label": "Parking permits", "cites": [cite]})
    path = tmp_path / "newtown.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = run_cli("validate", str(path))
    assert result.returncode == 0, result.stdout  # warnings, not errors
    assert "clerk-two: typing its name 'Town Clerk' finds 'town-clerk'" in result.stdout
    assert "parking-permits: no words describe it" in result.stdout


def test_wording_templates_are_filled_with_exactly_their_placeholders() -> None:
    from chatops import wording
    from chatops.concerns import render
    from chatops.errors import ChatopsError

    assert render.placeholders(wording.READING) == {"summary", "other_side"}
    assert render.fill(wording.HANDOFF_SENT, person="Pat") == "Sent to Pat. They'll get in touch with you directly."
    with pytest.raises(ChatopsError):
        render.fill(wording.HANDOFF_SENT)  # a missing value is an error, never a "{person}" shown to someone


async def test_danger_at_the_end_of_a_long_message_is_still_read() -> None:
    long = "The councillor keeps asking me to print his party leaflets on the council copier. " * 8
    text = long + "Some nights I think it would be easier if I just didn't wake up."
    assert len(text) > 600
    for said in (text, f"/protocol {text}", f"/protocol search {text}"):
        reply = await Chat("llangunnor").say(said)
        assert "Samaritans" in text_of(reply), said[:30]


async def test_something_unclear_after_the_advice_points_back_briefly() -> None:
    chat = Chat("llangunnor")
    advice = await chat.say("Clerk here. Cllr Evans keeps shouting at me in meetings")
    assert advice.title == "Your options under the protocol"
    assert "concerned about a Councillor" in text_of(advice)  # a whole side reads as one person
    unclear = await chat.say("hmm ok")
    assert "didn't follow" in text_of(unclear) and not unclear.quotes  # not the whole advice again
    assert [c.label for c in unclear.choices] == [c.label for c in advice.choices]


def test_another_councils_titles_read_naturally() -> None:
    env = {"CHATOPS_PROTOCOL_DIR": str(TEST_COUNCILS)}
    said = "I work in the town hall and the Town Mayor keeps texting me at midnight"
    found = json.loads(run_cli("triage", said, "--council", "brackenford", "--json", env=env).stdout)
    assert "concerned about the Town Mayor" in found["reply"]["text"]
    answer = json.loads(
        run_cli("command", "expectations officer", "--council", "brackenford", "--json", env=env).stdout
    )
    assert "are Members of Staff: here is what" not in json.dumps(answer)  # the side itself needs no note


@pytest.mark.parametrize(
    ("council", "text", "reporter", "subject", "scope"),
    [
        (
            "brackenford",
            "Town Clerk here. Writing about how our admin assistant keeps being belittled by the Deputy Town Mayor.",
            "officer",
            "deputy-mayor",
            "in",
        ),
        ("northmoor", "I lead the opposition group and a service manager ignores every email I send", "councillor",
         "service-manager", "in"),
        ("llangunnor", "I'm not on the council, I just live in the village. The clerk was rude to me.", None, None,
         "public"),
        ("telford-and-wrekin", "Still no reply about the allotments report. Ward member, getting nowhere with the officer",
         "councillor", "officer", "in"),
        ("brackenford", "A councillor (I won't say who) grabbed my wrist at the fete. I work on the events team.",
         "officer", "councillor", "in"),
        ("northmoor", "I'm a councillor. The service manager was rude to me, no wait, it was the director of service",
         "councillor", "director-of-service", "in"),
        ("llangunnor", "My husband, who is the caretaker at the hall, was shouted at by the chair", "officer", "chair",
         "in"),
        ("llangunnor", "Sorry to bother you. Cllr Morgan, as Chair of the Planning Committee, tore strips off me "
         "because the minutes didn't record his objection.", "officer", "chair", "in"),
        ("brackenford", "A member of the public at the Mayor's coffee morning was abusive to me. I'm the events officer.",
         "officer", None, "public"),
        ("telford-and-wrekin", "my cllr got followed back to her car after the ward surgery by a bloke off the estate",
         "councillor", None, "public"),
        ("telford-and-wrekin", "I'm a Member. After full council I saw another Member follow one of the committee "
         "officers down the stairs and grab her by the arm.", "officer", "councillor", "in"),
        ("brackenford", "Deputy Mayor, when I clean the Town Hall in the evening he comes and stands behind me.",
         "officer", "deputy-mayor", "in"),
        ("llangunnor", "Cyng. Davies shouted at me after the meeting. I'm the clerk.", "officer", "councillor", "in"),
        # people named by what they do, letters to someone who is not the subject, a party instead of a title
        ("telford-and-wrekin", "The Head of Highways has ignored three emails from me. I'm Labour, in opposition.",
         "councillor", "head-of-service", "in"),
        ("brackenford", "Dear Town Clerk, Cllr Farrow keeps texting me at 2am asking what I'm wearing. I'm on "
         "reception.", "officer", "councillor", "in"),
        ("brackenford", "The one who chairs events said my contract is up in March if the lights go wrong again",
         "officer", "committee-chair", "in"),
        ("brackenford", "The lady who does the money has ignored my emails again. Second term and never been treated "
         "like this.", "councillor", "rfo", "in"),
        # the public, said outright or by who acted first; a writer's own line of management
        ("llangunnor", "Angry man in the hall about the fence. Grabbed my arm when I tried to leave. He's not a "
         "councillor, just lives by the park. I'm the clerk.", "officer", None, "public"),
        ("brackenford", "A resident told me at my surgery he'd put a brick through my window if the skate park went "
         "ahead. Last night someone did. I'm a councillor and I want the Town Clerk to know.", "councillor", None,
         "public"),
        ("northmoor", "the director of my service is a bully, everyone knows it and nobody does owt", "officer", None,
         "same-side"),
        ("northmoor", "the leader has told the whole group i'm the reason we lost the by-election", "councillor", None,
         "same-side"),
        # only a question, said outright; someone else's words are not the writer's title
        ("northmoor", "Cllr Hargreaves, 30 yrs on Northmoor. Not a complaint, a question. Do Members still go through a "
         "Director before contacting junior staff?", "councillor", None, "other"),
        ("llangunnor", "Chair rings me after 10pm most nights about the agenda. Told him the deadline. He says \"I'm the "
         "Chair, I decide\".", "officer", "chair", "in"),
        ("telford-and-wrekin", "I do the minutes for planning and the chair keeps rewriting them to suit himself",
         "officer", "chair", "in"),
        ("northmoor", "I'm on the licensing committee and the lad on reception rolled his eyes at me again",
         "councillor", "officer", "in"),
        ("brackenford", "I look after the hall and one of the tory lot shouted at me about the heating", "officer",
         "councillor", "in"),
    ],
)  # fmt: skip
def test_who_is_who_in_more_of_the_ways_people_put_it(
    council: str, text: str, reporter: str | None, subject: str | None, scope: str
) -> None:
    reading = concerns.read(text, Library((TEST_COUNCILS,)).protocol(council))
    assert (reading.reporter, reading.subject, reading.scope) == (reporter, subject, scope)


@pytest.mark.parametrize(
    ("council", "text", "reporter", "subject"),
    [
        ("brackenford", "The deputy town clerk keeps tweeting about 'certain councillors' who 'can't read an agenda' "
         "— it's obviously me, I'm the only new one.", "councillor", "deputy-town-clerk"),
        ("brackenford", "The office staff have a WhatsApp group where they share memes about councillors — one of "
         "them showed me one of me with a pig's head.", "councillor", "staff"),
        ("northmoor", "In the firing line again - the Executive Member told the press the team 'botched' the bins.",
         "officer", "executive-member"),
    ],
)  # fmt: skip
def test_a_writer_who_does_not_say_their_side_is_read_from_how_they_write(
    council: str, text: str, reporter: str, subject: str
) -> None:
    """The learnt sides model (``sides_model.json``) reads the writer's side where the rules' guess is wrong."""
    protocol = Library((TEST_COUNCILS,)).protocol(council)
    reading = concerns.read(text, protocol)
    assert (reading.reporter, reading.subject) == (reporter, subject)
    assert not reading.said_who


def test_the_sides_model_never_overrules_a_writer_who_says_who_they_are() -> None:
    protocol = Library((TEST_COUNCILS,)).protocol("brackenford")
    text = "I'm a councillor. The office staff share memes about councillors and showed me one of me."
    assert concerns.read(text, protocol).reporter == "councillor"
    text = "I work for the town council. The office staff share memes about councillors and showed me one of me."
    assert concerns.read(text, protocol).reporter == "officer"


async def test_more_detail_typed_mid_conversation_is_not_called_a_correction() -> None:
    chat = Chat("telford-and-wrekin")
    first = await chat.say("a councillor keeps emailing me late at night")
    assert first.title != "Your options under the protocol"  # something is still to be asked
    more = await chat.say("he also shouts at me in meetings and it's bullying really")
    assert "I've changed that" not in more.as_text()
    changed = await chat.say("no, I'm a member and it's an officer who does it")
    assert "I've changed that" in changed.as_text()


@pytest.mark.parametrize(
    ("text", "alarm"),
    [
        ("I can't cope any more and I haven't slept in a week", True),
        ("feel so alone with all this and nobody cares", True),
        ("whats the point. been crying at my desk every day since the chair started on me", True),
        ("I can't cope with the workload the councillors give me", False),
        ("the clerk had a panic about the agenda but it's sorted", False),
    ],
)
def test_several_signs_of_distress_together_are_read_as_self_harm(text: str, alarm: bool) -> None:
    """None of "can't cope", "not sleeping", "nobody cares" is alarming alone; two together get the
    Samaritans line, as people rarely say it outright."""
    assert concerns.assess(text).self_harm is alarm


def test_a_reported_warning_that_the_writer_will_regret_it_is_danger() -> None:
    """Said by someone else it is a threat; said of oneself it is not."""
    assert concerns.assess("Clerk here. The vice chair said I'd regret it if the minutes go out as they are.").danger
    assert not concerns.assess("I said I would regret it if I missed the meeting").danger


def test_the_learnt_safety_model_backs_up_the_patterns() -> None:
    """What no pattern says ("found me on the bathroom floor … I don't remember much") is weighed by the
    model learnt from the concern corpus (``python -m benchmarks.train_safety``); ordinary questions are not."""
    from chatops.concerns import safety

    said = (
        "my manager found me on the bathroom floor at work last week, I don't remember much, "
        "the councillor had been on at me all morning"
    )
    assert safety._learnt(safety.plain(said)) and concerns.assess(said)
    for question in ("can a councillor ask me to campaign?", "who do I talk to about my leave", "roles clerk"):
        assert not safety._learnt(safety.plain(question))


def test_the_safety_model_is_trained_and_its_threshold_chosen_on_files_it_never_saw() -> None:
    from benchmarks import train_safety as t

    danger = [("he grabbed me and pinned me to the wall", True), ("she pinned me down and grabbed my arm", True)]
    calm = [("the agenda was late again", False), ("the agenda went out late and the minutes too", False)]
    model = t.train(danger + calm)
    assert t.score(model, "he grabbed my arm") > t.score(model, "the minutes were late")
    threshold, recall, fa, fa_asked = t.choose([(30.0, True), (8.0, False), (-5.0, False)], [-3.0])
    assert 8.0 <= threshold < 30.0 and recall == 1.0 and fa == fa_asked == 0.0


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("My service manager keeps giving the easy cases to her friend and the awful ones to me.", "same-side"),
        ("My manager told me to raise it here. I'm being ignored by everyone in the team.", "in"),
        ("had words with a man in the car park, he doesnt work for the council, he shoved me", "public"),
        ("two of the councillors had a right ding-dong at each other in the meeting. I just take the minutes",
         "same-side"),
        ("both councillors had a go at me after the meeting", "in"),
        ("I started as the new receptionist last week - is there any training on the councillor/staff protocol?",
         "other"),
        ("how do I book the council chamber for the scrutiny meeting next Tuesday", "other"),
        ("Cllr Mensah talks to me like I'm a child in every meeting. Is that allowed?", "in"),
        ("Is there anything in the protocol about a councillor who is rude to staff?", "in"),
        ("I am a councillor and I think the clerk is fiddling the accounts. Who do I tell?", "in"),
        ("Raising for one of our lads about his supervisor, not a councillor. He keeps making jokes about him.",
         "same-side"),
        ("Someone has been putting notes through my letterbox since the planning vote. I'm a councillor.", "public"),
        ("I'm an admin officer. A member of staff and my team leader are not speaking. Neither of them is a "
         "councillor. Where do I go?", "same-side"),
    ],
)  # fmt: skip
def test_whom_it_is_about_decides_whether_the_protocol_applies(text: str, scope: str) -> None:
    """Someone on the writer's own side is whom it is about unless they only sent the writer here."""
    from chatops.councils import Library

    assert concerns.read(text, Library().protocol("telford-and-wrekin")).scope == scope
