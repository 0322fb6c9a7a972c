"""PDF documents, with pdfplumber: lines with their positions and fonts, put back into paragraphs.

A PDF holds lines, not paragraphs. A line belongs to the paragraph above when the line above ran to
the right margin and it is close below it, starts no new number or bullet and is set in the same
font; a paragraph with a hanging number
(``1.1`` in the margin, the text indented) has its wrapped lines at the text's indent, not the
number's. A line wholly in a bold font, short and not a sentence, is a heading. Page numbers and
lines repeated at the top or foot of every page are left out.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ImportSourceError
from .blocks import Block, Kind, clean, split_label

_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d+(?:\s+of\s+\d+)?$", re.IGNORECASE)


def _lines(page: Any) -> list[dict[str, Any]]:
    out = []
    for line in page.extract_text_lines(return_chars=True, strip=True):
        chars = [c for c in line["chars"] if c["text"].strip()]
        if not chars:
            continue
        bold = all("bold" in str(c.get("fontname", "")).lower() for c in chars)
        size = max(float(c.get("size", 0)) for c in chars)
        out.append(
            {
                "text": clean(line["text"]),
                "x0": line["x0"],
                "x1": line["x1"],
                "top": line["top"],
                "bottom": line["bottom"],
                "chars": chars,
            }
        )
        out[-1].update(bold=bold, size=size)
    return out


def read_pdf(path: Path, name: str) -> list[Block]:
    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfplumber.utils.exceptions import PdfminerException
    except ImportError:  # pragma: no cover - a declared dependency
        raise ImportSourceError(f"{name}: reading PDF files needs pdfplumber (pip install pdfplumber)") from None
    try:
        with pdfplumber.open(str(path)) as pdf:
            pages = [_lines(page) for page in pdf.pages]
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise ImportSourceError(f"{name}: not a readable PDF file ({type(exc).__name__})") from None
    repeated = _running_lines(pages)
    blocks: list[Block] = []
    body = _body_size(pages)
    previous: dict[str, Any] | None = None
    indent = 0.0  # where the current paragraph's wrapped lines start
    right = max((line["x1"] for lines in pages for line in lines), default=0.0)
    left = min((line["x0"] for lines in pages for line in lines), default=0.0)
    full = right - (right - left) * 0.2  # a line that ends further right than this was wrapped
    for number, lines in enumerate(pages, 1):
        first_on_page = True  # a paragraph may run on from the foot of the page before
        for at, line in enumerate(lines, 1):
            text = line["text"]
            if _PAGE_NUMBER.match(text) or text in repeated:
                continue
            kind, marker, rest = split_label(text)
            heading = (line["bold"] or line["size"] > body + 1.5) and len(text) < 100 and not text.endswith(".")
            gap = 0.0 if first_on_page and previous else line["top"] - previous["bottom"] if previous else 99.0
            first_on_page = False
            height = line["bottom"] - line["top"]
            joins = (
                previous is not None
                and blocks
                and kind is None
                and gap < height * 0.9
                and line["bold"] == previous["bold"]
                and abs(line["size"] - previous["size"]) < 0.5
                and previous["x1"] >= full
                and abs(line["x0"] - indent) < 3
            )
            if joins:
                blocks[-1].text += " " + text
            else:
                where = f"{name}: page {number} line {at}"
                block_kind: Kind = "heading" if heading and kind != "bullet" else "item" if kind == "bullet" else "para"
                blocks.append(Block(text, where, block_kind))
                indent = _text_start(line, marker, rest) if kind else line["x0"]
            previous = line
    return blocks


def _text_start(line: dict[str, Any], marker: str, rest: str) -> float:
    """Where the text after a hanging number starts, which is where its wrapped lines start."""
    chars = [c for c in line.get("chars", []) if c["text"].strip()]
    if not chars or not rest:
        return float(line["x0"])
    first = rest[0]
    seen_marker = False
    for c in chars:
        if c["text"] in marker or c["text"] in "().•-–":
            seen_marker = True
            continue
        if seen_marker and c["text"] == first:
            return float(c["x0"])
    return float(line["x0"])


def _running_lines(pages: list[list[dict[str, Any]]]) -> set[str]:
    """Text at the top or foot of every page (a running title, the council's name): not the document's own."""
    if len(pages) < 3:
        return set()
    ends = [{p[0]["text"], p[-1]["text"]} for p in pages if p]
    common = set.intersection(*ends) if ends else set()
    return common


def _body_size(pages: list[list[dict[str, Any]]]) -> float:
    sizes: dict[float, int] = {}
    for lines in pages:
        for line in lines:
            sizes[round(line["size"], 1)] = sizes.get(round(line["size"], 1), 0) + len(line["text"])
    return max(sizes, key=lambda s: sizes[s]) if sizes else 0.0
