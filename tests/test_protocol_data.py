"""The shipped protocol files: faithful to the documents, validated, and extendable by other councils."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from chatops.cli import schema
from chatops.councils import Library
from chatops.errors import ProtocolDataError
from chatops.loading import load_protocol
from chatops.model import Protocol

from .conftest import COUNCILS, DATA


def _normal(text: str) -> str:
    text = text.casefold().replace("’", "'").replace("—", "–").replace("**", "")
    text = re.sub(r"[()]", "", text)
    return re.sub(r"\s+", " ", text).strip()


def _corpus(p: Protocol) -> str:
    """Everything the data says, the way the bot shows it (the free-text 'source' note excluded)."""
    parts = [p.council, p.short_name or "", p.title]
    if p.document_section:
        parts.append(f"{p.document_section} – {p.title}")
    if p.adopted:
        parts.append(f"adopted {p.adopted} – minute {p.minute}")
    for section in p.sections:
        parts += [section.ref, section.heading or ""]
        for clause in section.clauses:
            parts += [clause.ref, clause.heading or "", *clause.text, *clause.items]
    return _normal("\n".join(parts))


def _sentences(source: str) -> list[str]:
    out = []
    for line in source.splitlines():
        line = re.sub(r"^\s*(#+\s*|-\s+)*", "", line).strip()
        line = re.sub(r"^(section\s+)?\d+(\.\d+)*\.?\s+(?=\D)", "", line, flags=re.IGNORECASE)
        for sentence in re.split(r"(?<=[.;:!?])\s+", line):
            sentence = _normal(sentence).rstrip(".;:")
            if sentence:
                out.append(sentence)
    return out


@pytest.mark.parametrize("council", COUNCILS)
def test_every_sentence_of_the_document_is_in_the_data(council: str) -> None:
    source = (DATA / "sources" / f"{council}.txt").read_text(encoding="utf-8")
    corpus = _corpus(load_protocol(DATA / f"{council}.yaml"))
    sentences = _sentences(source)
    assert len(sentences) > 40
    missing = [s for s in sentences if s not in corpus]
    assert missing == []


@pytest.mark.parametrize("council", COUNCILS)
def test_shipped_sources_match_the_shared_documents(council: str) -> None:
    shared = DATA.parent.parent / "shared" / "protocols" / f"{council}.txt"
    if not shared.exists():
        pytest.skip("shared/ is not beside this checkout")
    assert (DATA / "sources" / f"{council}.txt").read_bytes() == shared.read_bytes()


def test_document_numbering_and_metadata_are_kept(library: Library) -> None:
    llan = library.protocol("llangunnor")
    assert [c.ref for c in llan.clauses_at("2.2")] == ["2.2", "2.2.2", "2.2.3", "2.2.4"]  # the document has no 2.2.1
    assert llan.adopted == "February 2020" and llan.minute == "0202-6"
    assert llan.clause_by_key["3.2"].expect is not None and llan.clause_by_key["3.2"].expect.who == "officer"
    tw = library.protocol("telford-and-wrekin")
    assert tw.adopted is None and tw.minute is None  # the document gives neither
    expectation_lists = [c for c in tw.clauses if c.expect]
    assert [c.ref for c in expectation_lists] == ["3", "3"]  # un-numbered parts take the enclosing number
    assert {(c.expect.who, c.expect.from_) for c in expectation_lists if c.expect} == {
        ("councillor", "officer"),
        ("officer", "councillor"),
    }


def test_procedures_exist_only_where_the_document_sets_them_out(library: Library) -> None:
    assert library.protocol("llangunnor").procedures == []
    tw = library.protocol("telford-and-wrekin")
    by_id = {p.id: p for p in tw.procedures}
    assert by_id["employee"].ref == "4.1" and by_id["employee"].raised_by == "officer"
    assert by_id["member"].ref == "4.2" and by_id["member"].raised_by == "councillor"
    routes = {(s.route, tuple(s.contacts)) for s in by_id["employee"].steps}
    assert ("formal", ("grievance-procedure",)) in routes
    assert ("formal", ("monitoring-officer",)) in routes
    chief_exec = [s for s in by_id["member"].steps if "chief-executive" in s.when_about]
    assert chief_exec and chief_exec[0].contacts == ["head-of-hr"]
    assert any(s.gender_choice for s in by_id["employee"].steps)


def test_roles_cover_the_document_parts(library: Library) -> None:
    assert {"councillor", "chair", "officer", "clerk"} <= set(library.protocol("llangunnor").role_by_id)
    assert {"councillor", "chair", "cabinet", "opposition", "officer", "statutory"} <= set(
        library.protocol("telford-and-wrekin").role_by_id
    )


def test_shipped_schema_is_generated_from_the_models() -> None:
    shipped = json.loads((DATA / "protocol.schema.json").read_text(encoding="utf-8"))
    assert shipped == schema(), "run: chatops schema --out protocol_data/protocol.schema.json"


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("yaml_text", "line", "words"),
    [
        (
            "council: X\ntitle: T\nversion: '1'\nparties: {}\nsections:\n  - ref: '1'\n    clauses:\n      - ref: '1.1'\n"
            "        wording: oops\n",
            9,
            "wording",
        ),
        (
            "council: X\ntitle: T\nversion: '1'\nparties:\n  councillor: {singular: M, plural: Ms}\n"
            "  officer: {singular: E, plural: Es}\nsections:\n  - ref: '1'\n    clauses:\n      - ref: '1.1'\n"
            "        text: [hello]\n        expect: {who: councillor, from: boss}\n",
            12,
            "from",
        ),
        ("council: X\ntitle: [unclosed\n", 3, "not valid YAML"),
        (
            "council: X\ntitle: T\nversion: '1'\nparties:\n  councillor: {singular: M, plural: Ms}\n"
            "  officer: {singular: E, plural: Es}\nsections:\n  - ref: '1'\n    clauses:\n      - ref: '1.1'\n"
            "        text: [hello]\nroles:\n  - id: officer\n    name: Officers\n    party: officer\n    refs: ['9.9']\n",
            16,
            "no clause numbered '9.9'",
        ),
        (
            "council: X\ntitle: T\nversion: '1'\nparties:\n  councillor: {singular: M, plural: Ms}\n"
            "  officer: {singular: E, plural: Es}\nsections:\n  - ref: '1'\n    clauses:\n      - ref: '1.1'\n"
            "        text: [hello world]\nroles:\n  - {id: officer, name: O, party: officer, refs: ['1.1']}\n"
            "procedures:\n  - id: p\n    ref: '1.1'\n    raised_by: officer\n    about: [officer]\n    steps:\n"
            "      - route: informal\n        quote: goodbye\n",
            21,
            "not word for word",
        ),
    ],
)
def test_problems_are_reported_as_file_line_what(tmp_path: Path, yaml_text: str, line: int, words: str) -> None:
    path = _write(tmp_path, "broken.yaml", yaml_text)
    with pytest.raises(ProtocolDataError) as caught:
        load_protocol(path)
    first = caught.value.problems[0]
    assert first.startswith(f"{path}:{line}: "), caught.value.problems
    assert words in first


def test_protocol_dir_adds_a_council_without_code(tmp_path: Path) -> None:
    text = (
        (DATA / "llangunnor.yaml")
        .read_text(encoding="utf-8")
        .replace("council: Llangunnor Community Council", "council: Somewhere Town Council")
    )
    _write(tmp_path, "somewhere.yaml", text)
    shutil.copy(DATA / "protocol.schema.json", tmp_path)  # non-protocol files are ignored
    _write(tmp_path, "contacts.example.yaml", "not: a protocol\n")
    library = Library((tmp_path,))
    assert library.ids == ["llangunnor", "somewhere", "telford-and-wrekin"]
    assert library.protocol("somewhere").council == "Somewhere Town Council"
    reply = library.lookup("somewhere").answer("expectations officer")
    assert reply.council_name == "Somewhere Town Council" and reply.quotes[0].ref == "3.2"


def _load_shared_with(tmp_path: Path, old: str, new: str) -> tuple[str, ProtocolDataError]:
    """The shipped shared vocabulary with one edit, loaded: the edited text and the error it raises."""
    from chatops.loading import load_yaml_model
    from chatops.vocabulary import Shared, shared_path

    text = shared_path().read_text(encoding="utf-8")
    edited = text.replace(old, new, 1)
    assert edited != text
    path = tmp_path / "vocabulary.yaml"
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(ProtocolDataError) as raised:
        load_yaml_model(path, Shared)
    return edited, raised.value


def test_a_broken_pattern_in_the_shared_vocabulary_is_reported_with_its_line(tmp_path: Path) -> None:
    """Someone editing the general language is told where, when it loads, not the first person who types."""
    broken, error = _load_shared_with(tmp_path, "trouble:\n  - '", "trouble:\n  - '(unclosed ")
    line = broken.splitlines().index(next(x for x in broken.splitlines() if "(unclosed" in x)) + 1
    assert f"vocabulary.yaml:{line}:" in str(error)
    assert "trouble" in str(error) and "not a regular expression" in str(error)


def test_a_placeholder_in_the_shared_vocabulary_names_a_list_of_words(tmp_path: Path) -> None:
    """ "head of <service>" stands for every service people name; a placeholder with no list is an error."""
    from chatops.vocabulary import shared

    words = {t.id: t.words for t in shared().titles}["head-of-service"]
    assert {"head of planning", "head of highways"} <= set(words) and not any("<" in w for w in words)
    _, error = _load_shared_with(tmp_path, "head of <service>", "head of <department>")
    assert "no list of words for <department>" in str(error)
