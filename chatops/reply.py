"""The core's answer, whatever the platform: a title, quoted clauses, plain paragraphs, choices.

Adapters decide how a :class:`Reply` looks (Block Kit, an Adaptive Card, terminal text); the core
decides only what it says. Every reply names its council and the document it quotes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


FACTS = "facts"
"""A paragraph's tag for ``Label: value`` lines, which a platform may show as a table of facts."""


class Paragraph(_Model):
    kind: Literal["text"] = "text"
    text: str
    tag: str | None = None  # what the core marks it as ("safety", "understood"), so it is found without reading it


class Quote(_Model):
    """Words quoted from the protocol, under their clause reference."""

    kind: Literal["quote"] = "quote"
    ref: str
    heading: str | None = None
    paragraphs: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)

    @property
    def label(self) -> str:
        """How a clause is cited: the word Preamble stays a word, numbers get a section sign."""
        return f"§{self.ref}" if self.ref[:1].isdigit() else self.ref


Block = Annotated[Paragraph | Quote, Field(discriminator="kind")]


class Choice(_Model):
    """A button: ``value`` is exactly what the core receives when it is chosen."""

    label: str
    value: str


class Reply(_Model):
    council: str  # the council's id
    council_name: str
    title: str
    blocks: list[Block] = Field(default_factory=list)
    choices: list[Choice] = Field(default_factory=list)
    source: str = ""  # the citation of the document quoted
    private: bool = True  # answered only to the person who asked, unless they choose to share
    move_to_direct: bool = False  # a concern started in a channel: continue it in a direct message
    shareable: bool = False  # True for an answer that quotes the protocol and reads the same to anyone
    # its choices open each section it quotes, so a platform that cannot fold long text may show the first
    # section and the choices (``section all``)
    index: bool = False

    @property
    def quotes(self) -> list[Quote]:
        return [b for b in self.blocks if isinstance(b, Quote)]

    def as_text(self) -> str:
        """A plain-text rendering: the fallback every platform needs, and the console's view."""
        lines = [f"{self.council_name} · {self.title}", ""]
        for block in self.blocks:
            if isinstance(block, Paragraph):
                lines += [block.text, ""]
                continue
            lines.append(f"{block.label} {block.heading}" if block.heading else block.label)
            lines += [f"  {p}" for p in block.paragraphs]
            lines += [f"  • {item}" for item in block.items]
            lines.append("")
        if self.source:
            lines.append(f"Source: {self.source}")
        return "\n".join(lines).rstrip() + "\n"
