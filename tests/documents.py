"""Test documents written three ways, as a council would publish them: a Word file with Word's own
automatic numbering, a PDF with hanging numbers and bold headings, and a web page.

The sources in tests/data/documents are plain text in a small mark-up: ``#``/``##`` headings, typed
numbers (``2.1.1``, ``26.``, ``(b)``, ``(iv)``) and ``-`` bullets. The Word file does not type the
numbers: each becomes a paragraph in a numbered list whose numbering definition gives it, so the
importer must read the definitions to find them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from pathlib import Path

DOCUMENTS = Path(__file__).parent / "data" / "documents"

_NUMBER = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+")
_MARK = re.compile(r"^\(([a-z]+)\)\s+")
_ROMAN = ("i", "ii", "iii", "iv")


@dataclass
class Line:
    kind: str  # front, heading, para, item, bullet
    text: str  # without its number
    number: str = ""  # 2.1.1, 26, b, iv
    level: int = 0  # heading level


def parse(name: str) -> list[Line]:
    lines: list[Line] = []
    front = True
    for raw in (DOCUMENTS / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        if raw.startswith("#"):
            front = False
            level = len(raw) - len(raw.lstrip("#"))
            text = raw.lstrip("# ")
            number = _NUMBER.match(text)
            lines.append(
                Line("heading", text[number.end() :] if number else text, number.group(1) if number else "", level)
            )
        elif front:
            lines.append(Line("front", raw.strip()))
        elif raw.startswith("- "):
            lines.append(Line("bullet", raw[2:].strip()))
        elif mark := _MARK.match(raw):
            lines.append(Line("item", raw[mark.end() :], mark.group(1)))
        elif number := _NUMBER.match(raw):
            lines.append(Line("para", raw[number.end() :], number.group(1)))
        else:
            lines.append(Line("para", raw.strip()))
    return lines


def typed(line: Line) -> str:
    """The line as the document shows it, number and all."""
    if line.kind == "item":
        return f"({line.number}) {line.text}"
    if line.number and "." not in line.number and line.kind == "para":
        return f"{line.number}. {line.text}"
    return f"{line.number} {line.text}" if line.number else line.text


# --- Word, with Word's own numbering ----------------------------------------------------------------
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def write_docx(name: str, path: Path) -> Path:
    import docx
    from docx.oxml import parse_xml

    lines = parse(name)
    document = docx.Document()
    numbering = document.part.numbering_part.element
    decimal = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        f'<w:lvlText w:val="{".".join(f"%{j + 1}" for j in range(i + 1))}{"." if i == 0 else ""}"/></w:lvl>'
        for i in range(3)
    )
    numbering.append(parse_xml(f'<w:abstractNum xmlns:w="{_W}" w:abstractNumId="90">{decimal}</w:abstractNum>'))
    for abstract, fmt in ((91, "lowerLetter"), (92, "lowerRoman")):
        level = f'<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="(%1)"/></w:lvl>'
        numbering.append(
            parse_xml(f'<w:abstractNum xmlns:w="{_W}" w:abstractNumId="{abstract}">{level}</w:abstractNum>')
        )
    next_num = [100]

    def new_list(abstract: int) -> int:
        num = next_num[0]
        next_num[0] += 1
        numbering.append(
            parse_xml(
                f'<w:num xmlns:w="{_W}" w:numId="{num}"><w:abstractNumId w:val="{abstract}"/>'
                f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
            )
        )
        return num

    def number(paragraph: object, num: int, level: int) -> None:
        p_pr = paragraph._p.get_or_add_pPr()  # type: ignore[attr-defined]
        p_pr.append(parse_xml(f'<w:numPr xmlns:w="{_W}"><w:ilvl w:val="{level}"/><w:numId w:val="{num}"/></w:numPr>'))

    outline = new_list(90)
    items: int | None = None
    first = True
    for line in lines:
        if line.kind == "front":
            document.add_paragraph(line.text, style="Title" if first else None)
            first = False
            continue
        if line.kind != "item":
            items = None
        if line.kind == "heading":
            paragraph = document.add_heading(line.text, level=line.level)
            if line.number:
                number(paragraph, outline, line.number.count("."))
        elif line.kind == "bullet":
            document.add_paragraph(line.text, style="List Bullet")
        elif line.kind == "item":
            if items is None:
                items = new_list(92 if line.number in _ROMAN else 91)
            number(document.add_paragraph(line.text), items, 0)
        else:
            paragraph = document.add_paragraph(line.text)
            if line.number:
                number(paragraph, outline, line.number.count("."))
    out = path / f"{name}.docx"
    document.save(str(out))
    return out


# --- PDF, with hanging numbers and bold headings ----------------------------------------------------
def write_pdf(name: str, path: Path) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_margins(25, 20, 25)
    pdf.set_auto_page_break(True, 20)
    pdf.add_page()
    width = pdf.w - 50
    for at, line in enumerate(parse(name)):
        text = _latin(line.text)
        if line.kind == "front":
            pdf.set_font("Helvetica", "B" if at == 0 else "", 12)
            pdf.multi_cell(width, 6, text, new_x="LMARGIN", new_y="NEXT")
        elif line.kind == "heading":
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 13 if line.level == 1 else 11)
            shown = f"{line.number} {text}" if line.number else text
            pdf.multi_cell(width, 7, shown, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font("Helvetica", "", 10)
            hang = 14 if line.kind in ("para",) else 22
            marker = {"bullet": "-", "item": f"({line.number})"}.get(line.kind, typed(line)[: -len(line.text)].strip())
            pdf.ln(2)
            start = 25 + (8 if line.kind != "para" else 0)
            if marker:
                pdf.set_x(start)
                pdf.cell(hang - (8 if line.kind != "para" else 0), 5, marker)
            pdf.set_x(25 + hang)
            pdf.multi_cell(width - hang, 5, text, new_x="LMARGIN", new_y="NEXT")
    out = path / f"{name}.pdf"
    pdf.output(str(out))
    return out


def _latin(text: str) -> str:
    return text.translate(str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-"}))


# --- a web page, whose numbered paragraphs are lists that start again under each heading ---------
def write_html(name: str, path: Path) -> Path:
    parts = ["<!doctype html><html><head><title>Protocol</title><style>p{margin:0}</style></head><body><main>"]
    open_list = ""
    for at, line in enumerate(parse(name)):
        wanted = {"item": "ol-a", "bullet": "ul"}.get(
            line.kind, "ol" if line.kind == "para" and line.number.isdigit() else ""
        )
        if line.kind == "item" and line.number in _ROMAN:
            wanted = "ol-i"
        if wanted != open_list and open_list:
            parts.append("</ul>" if open_list == "ul" else "</ol>")
            open_list = ""
        if wanted and wanted != open_list:
            parts.append({"ul": "<ul>", "ol": "<ol>", "ol-a": '<ol type="a">', "ol-i": '<ol type="i">'}[wanted])
            open_list = wanted
        text = escape(line.text)
        if line.kind == "front":
            parts.append(f"<p><strong>{text}</strong></p>" if at == 0 else f"<p>{text}</p>")
        elif line.kind == "heading":
            shown = f"{line.number} {text}" if line.number else text
            parts.append(f"<h{line.level + 1}>{shown}</h{line.level + 1}>")
        elif wanted:
            parts.append(f"<li>{text}</li>")
        else:
            parts.append(f"<p>{escape(typed(line))}</p>")
    if open_list:
        parts.append("</ul>" if open_list == "ul" else "</ol>")
    parts.append("</main></body></html>")
    out = path / f"{name}.html"
    out.write_text("\n".join(parts), encoding="utf-8")
    return out
