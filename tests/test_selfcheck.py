"""A clerk's edits, checked: ``chatops validate``'s hints and ``chatops check``'s self-test, on council
files written here from the Brackenford test council with the slips clerks make."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from chatops.reply import Reply
from chatops.selfcheck import missed

from .conftest import COUNCILS, ROOT, run_cli

TEST_COUNCILS = ROOT / "tests" / "data" / "councils"


def _brackenford() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((TEST_COUNCILS / "brackenford.yaml").read_text(encoding="utf-8"))
    return data


def _write(folder: Path, data: dict[str, Any], *edits: tuple[str, str]) -> tuple[Path, str]:
    """The council as a clerk's file (``edits`` are text replacements, for slips YAML cannot dump)."""
    folder.mkdir(exist_ok=True)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = folder / "brackenford.yaml"
    path.write_text(text, encoding="utf-8")
    return path, text


def _line(text: str, fragment: str, exact: bool = False) -> int:
    lines = enumerate(text.splitlines(), 1)
    return next(n for n, line in lines if (line.strip() == fragment if exact else fragment in line))


def _problems(*paths: Path, env: dict[str, str] | None = None) -> tuple[int, list[str]]:
    result = run_cli("validate", *map(str, paths), env=env)
    return result.returncode, [line for line in result.stdout.splitlines() if not line.startswith("ok ")]


def test_validate_says_what_to_write_for_yaml_slips_and_misspelt_keys(tmp_path: Path) -> None:
    data = _brackenford()
    data["sections"][1]["clauses"][2]["headng"] = data["sections"][1]["clauses"][2].pop("heading")
    data["roles"][0]["words"][1] = "NO-WORD"
    path, text = _write(
        tmp_path,
        data,
        ("ref: '2.4'", "ref: 4.10"),
        ("ref: '2.5'", "ref: 7"),
        ("- NO-WORD", "- no"),
    )
    code, problems = _problems(path)
    assert code == 1
    assert problems == [
        f"{path}:{_line(text, 'headng:')}: sections[1].clauses[2]: 'headng' is not a field here; "
        "did you mean 'heading'?",
        f"{path}:{_line(text, 'ref: 4.10')}: sections[1].clauses[3].ref: "
        '4.10 is a number here, not text (YAML reads it as 4.1); write it in quotes: ref: "4.10"',
        f"{path}:{_line(text, 'ref: 7')}: sections[1].clauses[4].ref: "
        '7 is a number here, not text; write it in quotes: ref: "7"',
        f"{path}:{_line(text, '- no', exact=True)}: roles[0].words[1]: "
        'no is read as false in YAML, not as text; write it in quotes: "no"',
    ]


def test_validate_names_tabs_and_colons_in_plain_text(tmp_path: Path) -> None:
    path, text = _write(tmp_path, _brackenford(), ("  heading: Who Does What", "\theading: Who Does What"))
    assert _problems(path) == (
        1,
        [f"{path}:{_line(text, 'Who Does')}: a tab in the indentation; YAML indents with spaces only"],
    )
    path, text = _write(tmp_path, _brackenford(), ("heading: Who Does What", "heading: Note: Who Does What"))
    code, [problem] = _problems(path)
    assert code == 1 and problem.startswith(f"{path}:{_line(text, 'Note: Who')}: not valid YAML: ")
    assert problem.endswith("a colon followed by a space inside unquoted text? Put the whole text in quotes")


def test_quotes_pass_whatever_the_typography_and_a_real_slip_is_shown_in_place(tmp_path: Path) -> None:
    data = _brackenford()
    clause = data["sections"][2]["clauses"][1]  # 3.2: what Councillors can expect, quoted with straight ' below
    clause["items"] = [item.replace("Council's", "Council\u2019s").replace("  ", " ") for item in clause["items"]]
    assert any("Council\u2019s official" in item for item in clause["items"])
    for cite in data["concerns"][0]["cites"]:
        cite["quote"] = cite["quote"].replace(", harassed or", ",\u00a0harassed\u00a0\u00a0or")  # non-breaking spaces
    step = data["procedures"][1]["steps"][0]
    step["quote"] = step["quote"].replace("who is concerned", "whose concerned")
    path, text = _write(tmp_path, data)
    code, problems = _problems(path)
    assert code == 1
    assert problems == [
        f"{path}:{_line(text, 'whose concerned')}: procedures[1].steps[0].quote: the quote is not word for word in "
        "clause 7.3: 'whose' where the clause has 'who': \u201cA Councillor who is concerned about the\u2026\u201d"
    ]


def test_a_contacts_file_is_checked_against_its_councils_roles_and_steps(tmp_path: Path) -> None:
    councils = tmp_path / "councils"
    _write(councils, _brackenford())
    contacts = councils / "contacts.yaml"
    contacts.write_text(
        "brackenford:\n  town-clerk:\n    - {name: A Clerk}\n  monitoring-oficer:\n    - {name: B Officer}\n"
        "brakenford:\n  town-clerk:\n    - {name: C Clerk}\n",
        encoding="utf-8",
    )
    code, problems = _problems(councils)
    assert code == 1
    assert problems == [
        f"{contacts}:4: 'monitoring-oficer' is not a role or step contact of brackenford; "
        "did you mean 'monitoring-officer'?",
        f"{contacts}:6: 'brakenford' is not a council here; did you mean 'brackenford'?",
    ]
    # the shipped councils count too, through CHATOPS_PROTOCOL_DIR or the file itself
    contacts.write_text(
        "brackenford:\n  town-clerk: [{name: A}]\nllangunnor:\n  chair: [{name: B}]\n", encoding="utf-8"
    )
    assert _problems(contacts, env={"CHATOPS_PROTOCOL_DIR": str(councils)}) == (0, [])
    assert _problems(councils) == (0, [])


@pytest.mark.parametrize(
    ("council", "env"),
    [(c, {}) for c in COUNCILS]
    + [(c, {"CHATOPS_PROTOCOL_DIR": str(TEST_COUNCILS)}) for c in ("brackenford", "northmoor")],
)
def test_check_passes_on_the_shipped_and_test_councils(council: str, env: dict[str, str]) -> None:
    result = run_cli("check", council, env=env)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines and all(line.startswith("\u2713 ") for line in lines)
    for part in ("role ", "concern ", "procedure", "can expect from", "help example"):
        assert any(part in line for line in lines), part
    as_json = json.loads(run_cli("check", council, "--json", env=env).stdout)
    assert as_json["council"] == council and as_json["ok"] and len(as_json["checks"]) == len(lines)


def test_check_fails_usefully_on_a_broken_council(tmp_path: Path) -> None:
    data = _brackenford()
    del data["sections"][2]["clauses"][2]["expect"]  # 3.3, "Members of Staff can expect from Councillors:"
    data["roles"].append({"id": "assistant", "name": "Clerk", "party": "officer", "refs": ["2.7"]})
    data["concerns"].append({"id": "noise", "label": "Noise", "cites": data["concerns"][0]["cites"][:1]})
    steps = [s for s in data["procedures"][0]["steps"] if "town-mayor" in s.get("when_about", ["town-mayor"])]
    early = {**data["procedures"][0], "id": "mayor", "about": ["town-mayor"], "steps": steps}
    data["procedures"].insert(0, early)
    _write(tmp_path, data)
    result = run_cli("check", "brackenford", env={"CHATOPS_PROTOCOL_DIR": str(tmp_path)})
    assert result.returncode == 1
    failed = [line for line in result.stdout.splitlines() if line.startswith("\u2717")]
    assert failed == [
        "\u2717 role assistant: typing 'Clerk' finds 'town-clerk' \u2014 add words people would type to "
        "roles[9].words, or take 'Clerk' out if it means 'town-clerk'",
        "\u2717 concern noise: no words describe it \u2014 add concerns[7].words: the phrases people use for it",
        "\u2717 procedure staff (7.2): a concern raised by Members of Staff about 'councillor', 'town-mayor', "
        "'deputy-mayor', 'group-leader', 'committee-chair': about 'town-mayor' reaches 'mayor' instead \u2014 "
        "procedure 'mayor' comes first and lists 'town-mayor' too; take it out of one 'about'",
        "\u2717 what Members of Staff can expect from Councillors: not marked, but clause 3.3 looks like it \u2014 "
        "mark it with expect: {who: officer, from: councillor}",
    ]


@pytest.mark.parametrize(
    ("council", "env"), [("llangunnor", {}), ("brackenford", {"CHATOPS_PROTOCOL_DIR": str(TEST_COUNCILS)})]
)
def test_help_shows_only_examples_that_work_for_the_council(council: str, env: dict[str, str]) -> None:
    text = run_cli("command", "help", "--council", council, env=env).stdout
    examples = re.findall(r"`(/protocol [^`]+)`", text.split("In a channel:")[0])
    assert len(examples) >= 8
    if council == "llangunnor":  # no procedure section, and no section 4.2
        assert not any(e.startswith("/protocol procedure") or e == "/protocol section 4.2" for e in examples)
    else:
        assert "/protocol procedure member of staff" in examples and "/protocol section 8.1" in examples
    for example in examples:
        result = run_cli("command", example, "--council", council, "--json", env=env)
        assert result.returncode == 0, example
        reply = json.loads(result.stdout)
        reply.pop("text")
        assert missed(Reply.model_validate(reply)) is None, example
