"""A core Reply as Block Kit, within Slack's limits (50 blocks a message, 3,000 characters a
section, 150 a header, 75 a button label, 255 an action id), always with a plain ``text`` fallback.
A reply too long for one message is split into several; a reply whose choices open each of its
sections (``section all``) shows its first section and those choices instead, as Slack cannot fold text.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from chatops import wording
from chatops.reply import FACTS, Block, Paragraph, Quote, Reply

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000
BUTTONS_PER_ROW = 5
ACTION_PREFIX = "chatops-"
SHARE_ACTION = "chatops-share"

Message = dict[str, Any]


def escape(text: str) -> str:
    """Slack's mrkdwn control characters, so protocol text is shown as written."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(text: str) -> list[dict[str, Any]]:
    """One or more mrkdwn sections, split at line (else word) boundaries under the limit."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        quote = ">" if line.startswith(">") else ""  # a quoted line's pieces are quoted too
        while len(line) > MAX_SECTION:
            if current:
                chunks.append(current)
                current = ""
            cut = line.rfind(" ", len(quote) + 1, MAX_SECTION)
            cut = cut if cut > 0 else MAX_SECTION  # one unbroken word: cut it anyway
            chunks.append(line[:cut])
            line = quote + line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > MAX_SECTION:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current.strip():
        chunks.append(current)
    return [{"type": "section", "text": {"type": "mrkdwn", "text": chunk}} for chunk in chunks if chunk.strip()]


def _first_section(reply: Reply) -> list[Block]:
    """The blocks up to the end of the first quoted section, and a line saying how to read the rest."""
    quotes = reply.quotes
    if not reply.index or not quotes or not reply.choices:  # shared without its buttons: all of it
        return list(reply.blocks)
    first = quotes[0].ref.split(".")[0]
    kept = [b for b in reply.blocks if not isinstance(b, Quote) or b.ref.split(".")[0] == first]
    rest = len(quotes) - sum(isinstance(b, Quote) for b in kept)
    if rest:
        kept.append(Paragraph(text=wording.SLACK_MORE))
    return kept


def _body(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    for block in _first_section(reply):
        if isinstance(block, Paragraph):
            text = escape(block.text)
            if block.tag == FACTS:  # "Label: value" lines, the label in bold
                text = "\n".join(f"*{k}:*{v}" if v else k for k, _, v in (ln.partition(":") for ln in text.split("\n")))
            blocks += _sections(text)
            continue
        lines = [f"*{escape(block.label)}{' ' + escape(block.heading) if block.heading else ''}*"]
        lines += [f">{escape(p)}" for p in block.paragraphs]
        lines += [f">• {escape(item)}" for item in block.items]
        blocks += _sections("\n".join(lines))
    return blocks


def buttons(reply: Reply) -> list[dict[str, Any]]:
    elements = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": _cut(c.label, MAX_BUTTON)},
            "action_id": f"{ACTION_PREFIX}{i}",
            "value": c.value[:MAX_VALUE],
        }
        for i, c in enumerate(reply.choices)
    ]
    return [
        {"type": "actions", "elements": elements[i : i + BUTTONS_PER_ROW]}
        for i in range(0, len(elements), BUTTONS_PER_ROW)
    ]


def messages(reply: Reply, *, share_value: str | None = None, shared_by: str | None = None) -> list[Message]:
    """The reply as one or more Slack messages (blocks + text); buttons go on the last one."""
    head = [{"type": "header", "text": {"type": "plain_text", "text": _cut(reply.title, MAX_HEADER)}}]
    context_text = escape(reply.council_name)
    if reply.source:
        context_text = escape(reply.source)
    if shared_by:
        context_text += f" · shared by <@{shared_by}>"
    context = [{"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(context_text, MAX_SECTION)}]}]
    tail = buttons(reply)
    if share_value is not None:
        share = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Share in channel"},
            "action_id": SHARE_ACTION,
            "value": share_value[:MAX_VALUE],
        }
        tail.append({"type": "actions", "elements": [share]})
    body = _body(reply)
    pages: list[list[dict[str, Any]]] = []
    room = MAX_BLOCKS - len(head) - len(context) - len(tail)
    first = True
    while body or first:
        size = room if first else MAX_BLOCKS - len(tail) - len(context)
        pages.append(body[:size])
        body = body[size:]
        first = False
    out = []
    for i, page in enumerate(pages):
        blocks = (head if i == 0 else []) + page
        if i == len(pages) - 1:
            blocks += context + tail
        text = reply.as_text() if i == 0 else f"{reply.title} (continued)"
        out.append({"blocks": blocks, "text": _cut(text, MAX_FALLBACK)})
    return out


class RenderCache:
    """Rendered pages for recently seen replies. The core hands back the same Reply object for a
    repeated question, so keeping a reference to it makes ``id()`` a safe key."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._pages: OrderedDict[tuple[int, str | None], tuple[Reply, list[Message]]] = OrderedDict()

    def messages(self, reply: Reply, share_value: str | None = None) -> list[Message]:
        key = (id(reply), share_value)
        hit = self._pages.get(key)
        if hit is not None and hit[0] is reply:
            self._pages.move_to_end(key)
            return hit[1]
        pages = messages(reply, share_value=share_value)
        self._pages[key] = (reply, pages)
        if len(self._pages) > self.size:
            self._pages.popitem(last=False)
        return pages


def home_view(reply: Reply) -> dict[str, Any]:
    """The App Home tab (a view holds up to 100 blocks; we keep to one message's worth)."""
    message = messages(reply)[0]
    return {"type": "home", "blocks": message["blocks"][:MAX_BLOCKS]}
