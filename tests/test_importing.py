"""``chatops import``: three protocols laid out unlike each other, each made here as a Word file with
Word's own numbering, a PDF and a web page, imported, validated and self-checked; the shipped
councils' source texts imported and compared with their reviewed files; bad files refused plainly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatops import selfcheck
from chatops.cli import main
from chatops.errors import ImportSourceError
from chatops.importing import Imported, import_source
from chatops.loading import load_protocol
from chatops.model import Protocol, squash
from tests.documents import DOCUMENTS, parse, write_docx, write_html, write_pdf

ROOT = Path(__file__).resolve().parent.parent
NAMES = ["ashcombe", "halden", "wexcombe"]
WRITERS = {"docx": write_docx, "pdf": write_pdf, "html": write_html}
META = {
    "ashcombe": {"council": "Ashcombe Parish Council", "adopted": "9 January 2024", "minute": "24/007"},
    "halden": {
        "council": "Halden Borough Council",
        "adopted": "12 October 2021",
        "minute": "C/21/88",
        "version": "4.1",
    },
    "wexcombe": {"council": "Wexcombe Town Council", "adopted": "3 May 2022", "minute": "22/115"},
}


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Imported]:
    folder = tmp_path_factory.mktemp("documents")
    out = {}
    for name in NAMES:
        out[(name, "txt")] = import_source(DOCUMENTS / f"{name}.txt", name)
        for fmt, write in WRITERS.items():
            out[(name, fmt)] = import_source(write(name, folder), name)
    return out


def _all_words(protocol: Protocol) -> str:
    parts = [protocol.council, protocol.title, protocol.source or ""]
    for section in protocol.sections:
        parts.append(section.heading or "")
        for clause in section.clauses:
            parts += [clause.heading or "", *clause.text, *clause.items]
    return squash(" ".join(parts))


def _expected_refs(name: str) -> list[str]:
    """The clause numbers the document shows, in order: numbered paragraphs and numbered sub-headings."""
    return [
        line.number
        for line in parse(name)
        if line.number and (line.kind == "para" or (line.kind == "heading" and "." in line.number))
    ]


@pytest.mark.parametrize("fmt", ["txt", "docx", "pdf", "html"])
@pytest.mark.parametrize("name", NAMES)
def test_each_format_gives_a_draft_that_validates_holds_every_sentence_and_keeps_the_numbering(
    name: str, fmt: str, imported: dict[tuple[str, str], Imported], tmp_path: Path
) -> None:
    draft = imported[(name, fmt)]
    path = tmp_path / f"{name}.yaml"
    path.write_text(draft.yaml, encoding="utf-8")
    protocol = load_protocol(path)  # what the bot would load, from the file a clerk is given

    words = _all_words(protocol)
    for line in parse(name):
        for sentence in re.split(r"(?<=[.;:])\s+", line.text):
            assert squash(sentence).replace("’", "'") in words.replace("’", "'"), (fmt, sentence)

    refs = [c.ref for c in protocol.clauses if c.ref[0].isdigit()]
    assert list(dict.fromkeys(refs)) == list(dict.fromkeys(_expected_refs(name)))
    for key, value in META[name].items():
        assert getattr(protocol, key) == value, key

    checks = selfcheck.run(protocol)
    assert [c.line for c in checks if not c.ok] == []


@pytest.mark.parametrize("name", NAMES)
def test_word_pdf_and_web_page_give_the_same_clauses_as_the_text(
    name: str, imported: dict[tuple[str, str], Imported]
) -> None:
    def clauses(fmt: str) -> list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]]:
        p = imported[(name, fmt)].protocol
        return [(c.ref, c.heading, tuple(map(squash, c.text)), tuple(map(squash, c.items))) for c in p.clauses]

    for fmt in WRITERS:
        assert clauses(fmt) == clauses("txt"), fmt


def test_word_numbering_comes_from_the_numbering_definitions(tmp_path: Path) -> None:
    import docx

    path = write_docx("halden", tmp_path)
    texts = [p.text for p in docx.Document(str(path)).paragraphs]
    assert not any(re.match(r"\d+\.\d|\([a-z]\)", t) for t in texts)  # no number typed in the text
    protocol = import_source(path, "halden").protocol
    assert [c.ref for c in protocol.clauses][:4] == ["1.1", "1.2", "2.1", "2.1.1"]
    expect = next(c for c in protocol.clauses if c.ref == "3.1")
    assert expect.markers == ["a", "b", "c", "d", "e"]
    assert expect.expect is not None and (expect.expect.who, expect.expect.from_) == ("councillor", "officer")


def test_adoption_details_in_a_word_table_are_read(tmp_path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_paragraph("Kestle Parish Council", style="Title")
    document.add_paragraph("Protocol on Member and Officer Relations")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Adopted by Full Council on 2 June 2021, Minute 21/064"
    table.cell(0, 0).merge(table.cell(0, 1))
    table.cell(1, 0).text = "Version 1.2"
    table.cell(1, 1).text = "To be reviewed every three years"
    document.add_heading("Introduction", level=1)
    document.add_paragraph("1. Councillors and officers should treat each other with respect.")
    document.save(str(tmp_path / "kestle.docx"))
    draft = import_source(tmp_path / "kestle.docx")
    p = draft.protocol
    assert (p.council, p.adopted, p.adopted_by, p.minute, p.version) == (
        "Kestle Parish Council",
        "2 June 2021",
        "Full Council",
        "21/064",
        "1.2",
    )
    assert p.review == "To be reviewed every three years"
    assert any(n.where == "kestle.docx: table 1 row 1" for n in draft.review)
    assert [c.ref for c in p.clauses] == ["1"]


def test_paragraphs_numbered_straight_through_under_headings(imported: dict[tuple[str, str], Imported]) -> None:
    protocol = imported[("ashcombe", "docx")].protocol
    confidentiality = next(s for s in protocol.sections if s.heading == "Confidentiality")
    assert confidentiality.ref is None
    assert [c.ref for c in confidentiality.clauses] == ["15", "16", "17"]
    assert [c.ref for c in protocol.clauses if c.ref.isdigit()] == [str(n) for n in range(1, 30)]
    assert protocol.review == "To be reviewed annually"
    assert protocol.adopted_by == "Parish Council"
    assert protocol.version is None


def test_a_web_page_whose_lists_start_again_is_numbered_on_and_flagged(
    imported: dict[tuple[str, str], Imported],
) -> None:
    draft = imported[("ashcombe", "html")]
    flagged = [n.line for n in draft.review if "starts again at 1" in n.text]
    headings_with_lists = sum(1 for line in parse("ashcombe") if line.kind == "heading") - 1
    assert len(flagged) == headings_with_lists
    assert "numbered on as 4" in flagged[0]


def test_roman_items_and_prose_expectations(imported: dict[tuple[str, str], Imported]) -> None:
    protocol = imported[("wexcombe", "pdf")].protocol
    listed = next(c for c in protocol.clauses if c.ref == "3.2")
    assert listed.markers == ["i", "ii", "iii", "iv"]
    prose = [c for c in protocol.clauses if c.expect and not c.items]
    assert [(c.ref, c.expect.who if c.expect else "") for c in prose] == [
        ("2.1", "councillor"),
        ("2.2", "councillor"),
        ("3.1", "officer"),
    ]
    assert protocol.review == "This Protocol will be reviewed every two years"


def test_proposals_are_listed_with_the_line_they_came_from(imported: dict[tuple[str, str], Imported]) -> None:
    draft = imported[("wexcombe", "txt")]
    lines = [n.line for n in draft.review]
    source = (DOCUMENTS / "wexcombe.txt").read_text(encoding="utf-8").splitlines()
    step = next(line for line in lines if "prohibition step" in line)
    number = int(step.split(":")[1])
    assert source[number - 1].startswith("5.5 Councillors must not raise a concern")
    assert any("proposed role 'town-clerk'" in line for line in lines)
    assert any("proposed committee 'Staffing Committee'" in line for line in lines)
    procedure = next(p for p in draft.protocol.procedures if p.raised_by == "officer")
    assert procedure.ref == "5.1" and procedure.also == ["5.2", "5.3"]
    about_mayor = next(s for s in procedure.steps if s.ref == "5.2")
    assert about_mayor.when_about == ["town-mayor"]
    grievance = next(s for s in procedure.steps if s.ref == "5.3")
    assert grievance.route == "formal" and grievance.to == ["grievance-and-disciplinary-policy", "staffing-committee"]
    councillors = next(p for p in draft.protocol.procedures if p.raised_by == "councillor")
    assert [s.route for s in councillors.steps][-1] == "prohibition"


SHIPPED = [
    ("protocol_data/sources/llangunnor.txt", "protocol_data/llangunnor.yaml"),
    ("protocol_data/sources/telford-and-wrekin.txt", "protocol_data/telford-and-wrekin.yaml"),
    ("tests/data/councils/sources/brackenford.txt", "tests/data/councils/brackenford.yaml"),
    ("tests/data/councils/sources/northmoor.txt", "tests/data/councils/northmoor.yaml"),
]


@pytest.mark.parametrize(("source", "reviewed"), SHIPPED)
def test_the_shipped_councils_sources_import_as_their_reviewed_files(source: str, reviewed: str) -> None:
    draft = import_source(ROOT / source).protocol
    done = load_protocol(ROOT / reviewed)
    assert {c.ref for c in draft.clauses} == {c.ref for c in done.clauses}
    for clause in done.clauses:
        mine = squash(
            " ".join(w for c in draft.clauses if c.ref == clause.ref for w in [c.heading or "", *c.text, *c.items])
        )
        for words in [*clause.text, *clause.items]:
            assert squash(words) in mine, (clause.ref, words)
    said = (ROOT / source).read_text(encoding="utf-8")
    for key in ("adopted", "minute", "version", "document_section"):
        if getattr(done, key) and (key != "version" or "version" in said.casefold()):  # some clerks added one
            assert getattr(draft, key) == getattr(done, key), key
    assert draft.council.casefold() == done.council.casefold() or done.short_name == draft.council
    assert {c.expect.who for c in draft.clauses if c.expect} == {"councillor", "officer"}


def _run(*argv: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chatops", *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("empty.docx", b"", "the file is empty"),
        ("broken.docx", b"PK\x03\x04 not really a zip", "not a readable Word (.docx) file"),
        ("broken.pdf", b"%PDF-1.4\n garbage without objects", "not a readable PDF file"),
        ("protocol.odt", b"anything", "chatops cannot read .odt"),
        ("blank.txt", b"\n\n   \n", "no text found"),
        ("images.html", b"<html><body><img src=a.png></body></html>", "no text found"),
    ],
)
def test_a_bad_file_gets_one_clear_line_and_a_non_zero_exit(
    name: str, content: bytes, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    code = main(["import", str(path), "--out", str(tmp_path / "out.yaml")])
    err = capsys.readouterr().err
    assert code != 0
    assert said in err and "Traceback" not in err
    assert not (tmp_path / "out.yaml").exists()


def test_the_readmes_walkthrough_from_a_word_file_to_a_working_bot(tmp_path: Path) -> None:
    """README "Add your council": import → review → validate → check → serve (the console here)."""
    write_docx("ashcombe", tmp_path)
    (tmp_path / "ashcombe.docx").rename(tmp_path / "Member Officer Protocol.docx")
    (tmp_path / "my-councils").mkdir()
    out = "my-councils/my-council.yaml"
    made = _run("import", "Member Officer Protocol.docx", "--council", "my-council", "--out", out, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith(f"wrote {out}: Ashcombe Parish Council, 9 sections, 29 clauses")
    assert "Member Officer Protocol.docx: paragraph 3: front matter" in made.stdout
    written = (tmp_path / out).read_text(encoding="utf-8")
    assert "#  - Member Officer Protocol.docx: paragraph" in written  # the review list, in the file too

    again = _run("import", "Member Officer Protocol.docx", "--council", "my-council", "--out", out, cwd=tmp_path)
    assert again.returncode != 0 and "exists" in again.stderr and "Traceback" not in again.stderr
    valid = _run("validate", "my-councils/", cwd=tmp_path)
    assert valid.returncode == 0 and valid.stdout.startswith(f"ok {out}"), valid.stdout
    env = {"CHATOPS_PROTOCOL_DIR": "my-councils"}
    checked = _run("check", "my-council", cwd=tmp_path, env=env)
    assert checked.returncode == 0 and "✗" not in checked.stdout, checked.stdout
    console = subprocess.run(
        [sys.executable, "-m", "chatops", "console", "--council", "my-council"],
        cwd=tmp_path,
        input="section Confidentiality\nquit\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, **env},
    )
    assert "Councillors and staff must keep confidential" in console.stdout, console.stdout + console.stderr
    missing = _run("import", "nowhere.docx", cwd=tmp_path)
    assert missing.returncode != 0 and "cannot open it" in missing.stderr and "Traceback" not in missing.stderr


_PIECES = [
    "1.",
    "2.1",
    "2.1.1",
    "26.",
    "(a)",
    "(i)",
    "(v)",
    "- ",
    "# ",
    "## ",
    "COUNCIL",
    "Adopted by Council on 1 May 2020, Minute 20/1.",
    "Councillors can expect from Officers:",
    "An Officer who has a concern about a Councillor should raise it with the Clerk.",
    "Councillors must not raise it in public.",
    "the Town Clerk",
    "Grievance Policy",
    "Confidentiality",
    "text",
    ":",
    "’",
    "&",
    "2-2",
]


@given(st.lists(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=5).map(" ".join), min_size=1, max_size=25))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_text_gives_a_valid_draft_or_one_clear_error(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "any.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    try:
        draft = import_source(path, "any")
    except ImportSourceError as exc:
        assert str(exc).startswith("any.txt: ") and "please report it" not in str(exc)
        return
    out = tmp_path / "any.yaml"
    out.write_text(draft.yaml, encoding="utf-8")
    load_protocol(out)
