"""Reading what arrives over the network without trusting it: request bodies and platform replies.

Anyone can send a body to a public endpoint, and a proxy in front of a platform can answer with
anything. Every function here turns a bad shape into ``ValueError`` (or a default) so that the
caller answers 400 or retries, instead of a ``RecursionError``, ``KeyError`` or ``TypeError``
deep inside slack-bolt or botbuilder becoming a 500.
"""

from __future__ import annotations

import json
import time
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

MAX_DEPTH = 64  # real Slack payloads and Teams activities nest about 10 deep
MAX_RETRY_AFTER = 3600.0

T = TypeVar("T")


def parse_object(raw: str | bytes, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    """A JSON object nested at most ``max_depth`` deep, else ``ValueError``.

    The decoder's own recursion guard turns very deep input into ``RecursionError``; the
    depth walk after it keeps moderately deep input away from libraries that recurse again.
    """
    try:
        value = json.loads(raw)
    except RecursionError:
        raise ValueError("nested too deep") from None
    if not isinstance(value, dict):
        raise ValueError("not an object")
    level: list[Any] = [value]
    for _ in range(max_depth):
        level = [c for v in level for c in (v.values() if isinstance(v, dict) else v) if isinstance(c, dict | list)]
        if not level:
            return value
    raise ValueError("nested too deep")


def field(obj: dict[str, Any], key: str, kind: type[T], *, required: bool = False) -> T | None:
    """``obj[key]`` if it is a ``kind``; None if absent and optional; else ``ValueError`` naming
    the key (never the value, which may be what someone typed)."""
    value = obj.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        raise ValueError(f"{key} is missing or not a {kind.__name__}")
    return value


def strings(obj: dict[str, Any], *keys: str) -> None:
    """Each of ``keys``, where present, is a string."""
    for key in keys:
        field(obj, key, str)


def objects(obj: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``obj[key]`` where present is a list of objects (absent: an empty list)."""
    items = field(obj, key, list) or []
    if not all(isinstance(item, dict) for item in items):
        raise ValueError(f"{key} holds something that is not an object")
    return items


def retry_after(header: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date), capped at an
    hour; None when absent or unreadable (``soon``, ``nan``), so the caller's own backoff applies."""
    text = (header or "").strip()
    if not text:
        return None
    try:
        seconds = float(text) if text.isascii() and text.replace(".", "", 1).isdigit() else None
        if seconds is None:
            seconds = parsedate_to_datetime(text).timestamp() - (time.time() if now is None else now)
    except (ValueError, TypeError, OverflowError, IndexError):
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)
