"""Plain text and Markdown: one block per paragraph or list line.

A text file says nothing of its layout but its lines: a blank line ends a paragraph, a line starting
with a number, a letter in brackets or a bullet starts a new one, ``#`` marks a Markdown heading, and
a long line that stops mid-sentence is a line wrapped by whoever saved the file, so the next joins it.
"""

from __future__ import annotations

import re

from .blocks import Block, clean, split_label

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_WRAPPED_AT = 60  # a line at least this long that stops mid-sentence was wrapped, not ended


def read_text(text: str, name: str) -> list[Block]:
    blocks: list[Block] = []
    joinable = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = clean(raw.replace("**", "").replace("__", ""))
        if not line:
            joinable = False
            continue
        heading = _MD_HEADING.match(line)
        if heading:
            level = len(heading.group(1))
            blocks.append(Block(clean(heading.group(2)), f"{name}:{number}", "heading", level))
            joinable = False
            continue
        kind, _, _ = split_label(line)
        if joinable and kind is None and blocks:
            blocks[-1].text += " " + line
        else:
            blocks.append(Block(line, f"{name}:{number}", "item" if kind == "bullet" else "para"))
        joinable = len(line) >= _WRAPPED_AT and not line.endswith((".", ":", ";", "!", "?", ")", "”", '"'))
    return blocks
