"""Which councils this deployment serves: the protocol files shipped with chatops, plus any
folders named by ``CHATOPS_PROTOCOL_DIR`` (a file there with a shipped council's id replaces it).

Files are found cheaply at start and loaded only when a council is first asked for, so one
council's broken file never stops another council's answers.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from .errors import UnknownCouncilError
from .loading import load_protocol
from .lookup import Lookup
from .model import Protocol
from .search import Searcher

DEFAULT_COUNCIL = "llangunnor"
"""Used when CHATOPS_COUNCIL is not set and that council is available; otherwise the first id."""


def shipped_protocol_dir() -> Path:
    """protocol_data/ inside an installed wheel, or beside the package in a source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "protocol_data"
    return installed if installed.is_dir() else here.parent / "protocol_data"


def protocol_files(directory: Path) -> list[Path]:
    """Protocol files in a folder: every ``*.yaml``/``*.yml`` except contacts files."""
    files = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
    return sorted(f for f in files if f.is_file() and not f.name.startswith("contacts"))


class Library:
    """The councils available, their protocols and searchers, each loaded once on first use."""

    def __init__(self, extra_dirs: tuple[Path, ...] = (), default: str | None = None) -> None:
        self.paths: dict[str, Path] = {}
        for directory in (shipped_protocol_dir(), *extra_dirs):
            for path in protocol_files(directory):
                self.paths[path.stem] = path
        self._default = default
        self._protocols: dict[str, Protocol] = {}
        self._lookups: dict[str, Lookup] = {}

    @property
    def ids(self) -> list[str]:
        return sorted(self.paths)

    @cached_property
    def default(self) -> str:
        if self._default:
            self._check(self._default)
            return self._default
        if DEFAULT_COUNCIL in self.paths:
            return DEFAULT_COUNCIL
        if not self.paths:
            raise UnknownCouncilError(DEFAULT_COUNCIL, [])
        return self.ids[0]

    def resolve(self, council: str | None) -> str:
        if council is None:
            return self.default
        self._check(council)
        return council

    def protocol(self, council: str | None = None) -> Protocol:
        council = self.resolve(council)
        if council not in self._protocols:
            self._protocols[council] = load_protocol(self.paths[council])
        return self._protocols[council]

    def lookup(self, council: str | None = None) -> Lookup:
        council = self.resolve(council)
        if council not in self._lookups:
            protocol = self.protocol(council)
            self._lookups[council] = Lookup(protocol, Searcher(protocol))
        return self._lookups[council]

    def _check(self, council: str) -> None:
        if council not in self.paths:
            raise UnknownCouncilError(council, self.ids)
