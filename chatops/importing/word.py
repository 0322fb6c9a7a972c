"""Word documents (.docx), with python-docx.

Word's automatic numbering is not in a paragraph's text: the paragraph names a list (``numId``) and a
level (``ilvl``), and the numbering part defines each level's format (decimal, letters, numerals), its
pattern (``%1.%2``) and where it starts. The counters are kept here as Word keeps them, so ``2.2.4``
and ``(b)`` come out as the reader of the document sees them. Heading styles give the heading levels;
a short paragraph set wholly in bold is a heading too. Paragraphs in tables are read in their place.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ImportSourceError
from .blocks import Block, Kind, clean, to_roman

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass
class _Level:
    fmt: str = "decimal"
    text: str = "%1."
    start: int = 1


@dataclass
class _Numbering:
    """Word's numbering definitions and the counters as the document runs."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)  # abstractNumId -> level -> format
    abstract_of: dict[str, str] = field(default_factory=dict)  # numId -> abstractNumId
    starts: dict[tuple[str, int], int] = field(default_factory=dict)  # (numId, level) -> override
    counters: dict[str, list[int]] = field(default_factory=dict)
    restarted: set[str] = field(default_factory=set)

    def label(self, num_id: str, level: int) -> tuple[str, str] | None:
        """The label Word shows for the next paragraph of list ``num_id`` at ``level``, and its format."""
        abstract = self.abstract_of.get(num_id)
        if abstract is None or abstract not in self.levels:
            return None
        levels = self.levels[abstract]
        counters = self.counters.setdefault(abstract, [0] * 9)
        if (num_id, level) in self.starts and num_id not in self.restarted:
            self.restarted.add(num_id)
            counters[level] = self.starts[(num_id, level)] - 1
        fmt = levels.get(level, _Level())
        counters[level] = max(counters[level], fmt.start - 1) + 1
        for deeper in range(level + 1, 9):
            counters[deeper] = 0
        if fmt.fmt in ("bullet", "none"):
            return "", fmt.fmt

        def shown(match: re.Match[str]) -> str:
            at = int(match.group(1)) - 1
            value = counters[at] or levels.get(at, _Level()).start
            return _format(value, levels.get(at, _Level()).fmt)

        return re.sub(r"%(\d)", shown, fmt.text), fmt.fmt


def _format(value: int, fmt: str) -> str:
    if fmt == "lowerLetter":
        return chr(ord("a") + (value - 1) % 26)
    if fmt == "upperLetter":
        return chr(ord("A") + (value - 1) % 26)
    if fmt == "lowerRoman":
        return to_roman(value)
    if fmt == "upperRoman":
        return to_roman(value).upper()
    return str(value)


def _numbering(document: Any) -> _Numbering:
    out = _Numbering()
    try:
        root = document.part.numbering_part.element
    except (KeyError, NotImplementedError, AttributeError):
        return out
    for abstract in root.iter(f"{_W}abstractNum"):
        levels: dict[int, _Level] = {}
        for lvl in abstract.iter(f"{_W}lvl"):
            level = _Level()
            for tag, attr in (("numFmt", "fmt"), ("lvlText", "text"), ("start", "start")):
                found = lvl.find(f"{_W}{tag}")
                if found is not None and found.get(f"{_W}val") is not None:
                    value = found.get(f"{_W}val")
                    setattr(level, attr, int(value) if attr == "start" and value.isdigit() else value)
            levels[int(lvl.get(f"{_W}ilvl", "0"))] = level
        out.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
    for num in root.iter(f"{_W}num"):
        num_id = num.get(f"{_W}numId", "")
        ref = num.find(f"{_W}abstractNumId")
        if ref is not None:
            out.abstract_of[num_id] = ref.get(f"{_W}val", "")
        for override in num.iter(f"{_W}lvlOverride"):
            start = override.find(f"{_W}startOverride")
            if start is not None:
                out.starts[(num_id, int(override.get(f"{_W}ilvl", "0")))] = int(start.get(f"{_W}val", "1"))
    return out


def _num_pr(paragraph: Any) -> tuple[str, int] | None:
    """The list and level a paragraph belongs to: its own, else its style's (``List Number`` …)."""
    elements = [paragraph._p.pPr]
    style = paragraph.style
    while style is not None:
        elements.append(style.element.pPr)
        style = style.base_style
    for pPr in elements:
        num = pPr.numPr if pPr is not None else None
        if num is not None and num.numId is not None:
            num_id = str(num.numId.val)
            level = num.ilvl.val if num.ilvl is not None else 0
            return (num_id, int(level)) if num_id != "0" else None
    return None


def _paragraphs(document: Any) -> Iterator[tuple[str, Any]]:
    """The body's paragraphs in order, with those in tables (adoption details often sit in one)."""
    from docx.table import Table

    number = tables = 0
    for part in document.iter_inner_content():
        if not isinstance(part, Table):
            number += 1
            yield f"paragraph {number}", part
            continue
        tables += 1
        seen: set[Any] = set()
        for r, row in enumerate(part.rows, 1):
            for cell in row.cells:
                if cell._tc in seen:  # a merged cell is listed once per column it spans
                    continue
                seen.add(cell._tc)
                for paragraph in cell.paragraphs:
                    yield f"table {tables} row {r}", paragraph


def read_docx(path: Path, name: str) -> list[Block]:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImportSourceError(f"{name}: reading Word files needs python-docx (pip install python-docx)") from None
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportSourceError(f"{name}: not a readable Word (.docx) file ({type(exc).__name__})") from None
    numbering = _numbering(document)
    blocks: list[Block] = []
    for place, paragraph in _paragraphs(document):
        text = clean(paragraph.text)
        if not text:
            continue
        where = f"{name}: {place}"
        style = (paragraph.style.name or "") if paragraph.style is not None else ""
        if style == "Title":
            blocks.append(Block(text, where, "heading", 0))
            continue
        heading = re.match(r"Heading (\d)", style)
        listed = _num_pr(paragraph)
        shown = numbering.label(*listed) if listed else None
        label, fmt = shown if shown else (None, "")
        if heading:
            blocks.append(Block(text, where, "heading", int(heading.group(1)), label=label or None))
        elif fmt == "bullet" or (listed and label == ""):
            blocks.append(Block(text, where, "item"))
        elif label:
            kind: Kind = "item" if fmt in ("lowerLetter", "upperLetter", "lowerRoman", "upperRoman") else "para"
            blocks.append(Block(text, where, kind, label=label))
        else:
            runs = [r for r in paragraph.runs if r.text.strip()]
            bold = bool(runs) and all(r.bold or (r.style is not None and r.style.font.bold) for r in runs)
            blocks.append(Block(text, where, "heading" if bold and len(text) < 100 else "para"))
    return blocks
