"""What every reader hands the draft builder: the document as blocks in reading order.

Each format says different things about its layout (Word has numbering definitions and styles, a web
page has headings and lists, a PDF has fonts and indents, a text file has only its lines), so a
reader records what it knows and leaves the rest to the text: a number typed at the start of a
paragraph is found by :func:`split_label` whichever format it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Kind = Literal["heading", "para", "item"]


@dataclass
class Block:
    """One heading, paragraph or list item, with where it came from (``line`` is the source's own unit:
    a text line, a Word paragraph, a PDF page and line)."""

    text: str
    where: str
    kind: Kind = "para"
    level: int = 0  # a heading's level when the format says it (1 = a part of the document, 2 = below it)
    label: str | None = None  # a number or letter the format keeps outside the text (Word, <ol>)
    doubt: str | None = None  # what the reader could not be sure of, for the review list


_DECIMAL = re.compile(r"^(\d{1,3}(?:\.\d{1,3})*)(?:\.(?!\d))?\s+(?=\S)")
_LETTER = re.compile(r"^\(?([a-z]{1,2})\)\s+(?=\S)")
_ROMAN = re.compile(r"^\(?((?:x{0,3})(?:ix|iv|v?i{0,3}))\)\s+(?=\S)")
_BULLET = re.compile(r"^[-•*·▪◦‣–]\s+(?=\S)")


def split_label(text: str) -> tuple[str | None, str, str]:
    """A paragraph's own marker typed at its start: ``(kind, marker, rest)``, kind being ``decimal``
    (``2.2.4``, ``26.``), ``letter`` (``(b)``), ``roman`` (``(ii)``), ``bullet`` or None. A letter that
    is also a numeral (``(i)``) is reported as ``roman``; :func:`letter_or_roman` decides by context."""
    if bullet := _BULLET.match(text):
        text = text[bullet.end() :]
        inner = split_label(text)
        return inner if inner[0] == "decimal" else ("bullet", "", text)
    if found := _DECIMAL.match(text):
        return "decimal", found.group(1), text[found.end() :]
    if (found := _ROMAN.match(text)) and found.group(1):
        return "roman", found.group(1), text[found.end() :]
    if found := _LETTER.match(text):
        return "letter", found.group(1), text[found.end() :]
    return None, "", text


def letter_or_roman(marker: str, previous: str | None) -> str:
    """``(i)`` after ``(h)`` is the ninth letter; otherwise a numeral. Returns ``letter`` or ``roman``."""
    if previous and len(previous) == 1 and previous.isalpha() and ord(marker[0]) == ord(previous) + 1:
        return "letter"
    if marker in ("i", "v", "x") and previous is None:
        return "roman" if marker == "i" else "letter"
    return "roman"


def to_roman(number: int) -> str:
    out = ""
    for value, numeral in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + numeral, number - value
    return out


def clean(text: str) -> str:
    """A paragraph's text with its runs of white space (line breaks, non-breaking spaces) as one space."""
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()
