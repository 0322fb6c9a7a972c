"""One rooted exception hierarchy for the whole core.

Everything the core raises on purpose derives from :class:`ChatopsError`, so the boundaries
(the CLI, and later the adapters) catch it once and turn it into a safe, one-line message.
Messages never carry what a person typed, nor a secret.
"""

from __future__ import annotations


class ChatopsError(Exception):
    """Root of every error the core raises on purpose."""


class SettingsError(ChatopsError):
    """A setting is missing or malformed; the message names the setting, never its value if secret."""


class UnknownCouncilError(ChatopsError):
    """A council id that no protocol file provides."""

    def __init__(self, council_id: str, known: list[str]) -> None:
        self.council_id = council_id
        self.known = known
        listed = ", ".join(known) if known else "none"
        super().__init__(f"unknown council {council_id!r}; known councils: {listed}")


class ProtocolDataError(ChatopsError):
    """A protocol file failed to load; ``problems`` are ``file:line: what is wrong`` lines."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class StoreError(ChatopsError):
    """The store could not be opened, read or written; the message never holds a URL or password."""


class ImportSourceError(ChatopsError):
    """A document to import could not be read: missing, empty, corrupt or in a format chatops does not read."""
