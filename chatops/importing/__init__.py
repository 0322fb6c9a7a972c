"""``chatops import``: a council's own document (Word, PDF, web page, text) as a draft council file.

One reader per format turns the document into blocks (:mod:`.blocks`); :mod:`.draft` builds the
council file from them and lists what a clerk must confirm. The draft is checked as the bot would
load it before it is written, so what the clerk starts from validates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ImportSourceError, ProtocolDataError
from ..loading import check_references
from ..model import Protocol
from .blocks import Block
from .draft import Draft, Note, build
from .pdf import read_pdf
from .plain import read_text
from .web import read_html
from .word import read_docx

__all__ = ["FORMATS", "Imported", "Note", "import_source"]

FORMATS = {".txt": "text", ".md": "text", ".markdown": "text", ".html": "html", ".htm": "html"}
FORMATS |= {".docx": "docx", ".pdf": "pdf"}
MAX_BYTES = 20_000_000


@dataclass(frozen=True)
class Imported:
    """A draft ready to write: the YAML text, the protocol it loads as, and the review list."""

    yaml: str
    protocol: Protocol
    review: list[Note]


def import_source(path: Path, council_id: str | None = None) -> Imported:
    """Read ``path`` and build its draft council file; :class:`ImportSourceError` when it cannot be read."""
    name = path.name
    council = council_id or _slug(path.stem)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", council):
        raise ImportSourceError(f"{council!r} cannot be a council id: use lower-case letters, digits and hyphens")
    try:
        blocks = _read(path, name)
        if not any(b.text.strip() for b in blocks):
            raise ImportSourceError(f"{name}: no text found (a scanned image, or an empty document?)")
        draft = build(blocks, council, name)
    except (ImportSourceError, ProtocolDataError):
        raise
    except Exception as exc:  # a document is arbitrary input: whatever a reader trips on is said in one line
        raise ImportSourceError(
            f"{name}: could not be read as a protocol ({type(exc).__name__}); please report it"
        ) from None
    text = _yaml(draft, name)
    protocol = _check(draft, name)
    protocol._id = council
    return Imported(text, protocol, draft.review)


def _read(path: Path, name: str) -> list[Block]:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        known = ", ".join(sorted(FORMATS))
        raise ImportSourceError(
            f"{name}: chatops cannot read {path.suffix or 'files without an extension'}; it reads {known}"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ImportSourceError(f"{name}: cannot open it ({exc.strerror or type(exc).__name__})") from None
    if not path.is_file():
        raise ImportSourceError(f"{name}: not a file")
    if size == 0:
        raise ImportSourceError(f"{name}: the file is empty")
    if size > MAX_BYTES:
        raise ImportSourceError(f"{name}: larger than {MAX_BYTES // 1_000_000} MB; is it the protocol?")
    if kind == "docx":
        return read_docx(path, name)
    if kind == "pdf":
        return read_pdf(path, name)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return read_html(text, name) if kind == "html" else read_text(text, name)


def _yaml(draft: Draft, name: str) -> str:
    header = [
        "# yaml-language-server: $schema=protocol.schema.json",
        f"# A DRAFT imported by `chatops import` from {name}. Review every point below, then run",
        "# `chatops validate` and `chatops check`. Text is the document's, word for word.",
        "#",
        "# To review:",
        *(f"#  - {note.line}" for note in draft.review),
        "",
    ]
    body = yaml.safe_dump(draft.data, sort_keys=False, allow_unicode=True, width=100_000, default_flow_style=False)
    return "\n".join(header) + body


def _check(draft: Draft, name: str) -> Protocol:
    """The draft as the bot would load it; a problem here is a fault of the importer, said plainly."""
    try:
        protocol = Protocol.model_validate(draft.data)
    except ValueError as exc:
        raise ImportSourceError(f"{name}: the draft did not come out valid ({exc}); please report this") from None
    problems = check_references(protocol)
    if problems:
        lines = [f"{'.'.join(map(str, loc))}: {msg}" for loc, msg in problems]
        raise ProtocolDataError([f"{name}: the draft did not come out valid: {line}" for line in lines])
    return protocol


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].strip("-") or "council"
