"""Web pages: headings, paragraphs and lists from the HTML, with the standard library's parser.

A council's web page often shows numbered paragraphs as ordered lists that start again at 1 under
each heading (or each page of a longer document), although the printed document numbers them
straight through. A list that starts again where numbers would repeat is numbered on and flagged.
"""

from __future__ import annotations

from html.parser import HTMLParser

from .blocks import Block, clean, to_roman

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "div", "td", "th", "dt", "dd", "blockquote", "caption"}
_SKIP = {"script", "style", "head", "nav", "noscript", "template"}
_BOLD = {"b", "strong"}


class _Page(HTMLParser):
    def __init__(self, name: str) -> None:
        super().__init__(convert_charrefs=True)
        self.name = name
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.bold_parts: list[str] = []
        self.bold = 0
        self.skip = 0
        self.tag = "p"
        self.lists: list[dict[str, str | int]] = []  # open <ol>/<ul>: kind, type, next number
        self.numbered_to = 0  # the last paragraph number a top-level list gave

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BOLD:
            self.bold += 1
        elif tag == "br":
            self.parts.append(" ")
        elif tag in ("ol", "ul"):
            self._flush()
            values = dict(attrs)
            start = values.get("start")
            self.lists.append(
                {
                    "kind": tag,
                    "type": values.get("type") or "1",
                    "next": int(start) if start and start.isdigit() else 1,
                    "given": int(bool(start)),
                }
            )
        elif tag in _BLOCKS:
            self._flush()
            self.tag = tag

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(self.skip - 1, 0)
        elif tag in _BOLD:
            self.bold = max(self.bold - 1, 0)
        elif tag in ("ol", "ul"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.parts.append(data)
        if self.bold:
            self.bold_parts.append(data)

    def _flush(self) -> None:
        text = clean("".join(self.parts))
        bold = clean("".join(self.bold_parts)) == text
        self.parts, self.bold_parts = [], []
        if not text:
            return
        where = f"{self.name}:{self.getpos()[0]}"
        if self.tag.startswith("h") and self.tag[1:].isdigit():
            self.blocks.append(Block(text, where, "heading", int(self.tag[1:])))
        elif self.tag == "li" and self.lists:
            self.blocks.append(self._item(text, where))
        else:
            self.blocks.append(Block(text, where, "heading" if bold and len(text) < 100 else "para"))
        self.tag = "p"

    def _item(self, text: str, where: str) -> Block:
        current = self.lists[-1]
        if current["kind"] == "ul":
            return Block(text, where, "item")
        number = int(current["next"])
        current["next"] = number + 1
        kind = str(current["type"])
        if kind in ("a", "A"):
            return Block(text, where, "item", label=f"({chr(ord('a') + number - 1)})")
        if kind in ("i", "I"):
            return Block(text, where, "item", label=f"({to_roman(number)})")
        if len(self.lists) > 1:
            return Block(text, where, "item", label=f"({number})")
        doubt = None
        if number <= self.numbered_to and not current["given"]:  # starts again: the document runs on
            doubt = (
                f"this list starts again at 1 on the web page; numbered on as {self.numbered_to + 1},"
                " as the document's paragraphs run straight through: check against the printed document"
            )
            current["next"] = self.numbered_to + 2
            current["given"] = 1
            number = self.numbered_to + 1
        self.numbered_to = max(self.numbered_to, number)
        return Block(text, where, "para", label=f"{number}.", doubt=doubt)


def read_html(text: str, name: str) -> list[Block]:
    page = _Page(name)
    page.feed(text)
    page.close()
    page._flush()
    return page.blocks
