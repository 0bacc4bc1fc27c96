"""Keeps API keys out of every log record and every tool result, in every form an echo may take.

``protect(key)`` registers a secret; from then on every log record created in the process has it
replaced, in its message, its arguments and its formatted traceback, before any handler sees it,
and ``redact_value`` replaces it in a result (an upstream may echo the Authorization header back).

A key is found written as it is, and also:

- in any letter case (``AK_LIVE_…``);
- percent-encoded, wholly or in part, with hex digits in either case (``ak%5Flive%5f…``, ``%61%6B…``);
- with soft hyphens or zero-width characters (U+00AD, U+200B to U+200D, U+2060, U+FEFF) between its characters;
- base64- or base64url-encoded inside a longer encoded string, with or without padding: whatever bytes come
  before it, the characters that encode only the key's bytes (its "core", one for each of the three byte
  alignments) are the same, and they are what is masked;
- JSON-escaped, in the search over a result's JSON text.

The HTTP server registers each request's key as the request arrives. So that a stream of made-up
keys can neither grow the registry without bound nor slow every result down, it keeps the
``RECENT_SECRETS`` most recently used keys (a key in use is registered again by each of its
requests) besides the pinned ones (the server's own key).

Finding them all stays one C-speed regex search per result (or log message). The text searched is
normalised first (the invisible characters above removed, ASCII percent-escapes decoded: a few C-speed
passes, only when the text holds them). The pattern, built once per key set, is a trie of one
``DETECT_CHARS``-character window of each form of each key (as written, as JSON escapes it, each base64
core), ignoring the case of ASCII letters. Each window starts at its rarest character, so the regex engine
skips at C speed nearly every position of the text. Only on a hit is the value walked, and each string
that holds a hit is rewritten with the exact patterns of the keys that hit (compiled once per key, cached).
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

from octolens_mcp.jsontext import may_match, rebuild

MASK = "ak_***"
RECENT_SECRETS = 512
SHORTEST_SECRET = 8
"""Shorter strings are not registered: no API key is that short, and masking one would mangle every log."""
DETECT_CHARS = 12
"""Characters of each key (and of each base64 core) in the one search: enough to make a hit on another key's
prefix rare (a hit costs only a walk), few enough that 512 keys compile in tens of milliseconds."""
_FILLERS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_GAP = f"[{_FILLERS}]*"
"""Between two characters of a key: any number of soft hyphens and zero-width characters."""

Alternative = tuple[str, str]
"""One way to write a character: its first character as written (a literal) and a regex for the rest."""

_pinned: set[str] = set()
_recent: dict[str, None] = {}


@dataclass(frozen=True)
class _Patterns:
    windows: re.Pattern[str]
    """Finds, in normalised text, a window of any registered key in any of its forms."""
    keys_of: dict[str, frozenset[str]]
    """The keys a matched window may belong to (its own, and those of the windows it starts with)."""


_patterns: _Patterns | None = None
_lock = threading.Lock()
_installed = False
_BY_FREQUENCY = " etanorsilhducp\"m:,gw.0yfvbk/21-_6x\\39854'7q{}[]|#()j`+?;%z$~=*!>@"
"""Characters by how often they appear in lower-cased results, most often first; others are rarer still."""
_RARITY = {char: rank for rank, char in enumerate(_BY_FREQUENCY)}
_PERCENT = re.compile("%([0-7][0-9a-fA-F])")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _normalised(text: str) -> str:
    """``text`` without the invisible fillers, its ASCII percent-escapes decoded (letter case is left to the
    pattern, which ignores it: lower-casing a whole result costs more than the search)."""
    if not text.isascii():
        for filler in _FILLERS:
            if filler in text:
                text = text.replace(filler, "")
    if "%" in text:
        text = _PERCENT.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


def _matchers() -> _Patterns | None:
    global _patterns
    patterns = _patterns
    if patterns is None and (_pinned or _recent):
        with _lock:
            owners: dict[str, set[str]] = {}
            for secret in _pinned | set(_recent):
                for window in _windows(secret):
                    owners.setdefault(window, set()).add(secret)
            keys_of = {
                window: frozenset().union(*(owners.get(window[:end], ()) for end in range(1, len(window) + 1)))
                for window in owners
            }
            patterns = _patterns = _Patterns(re.compile(_trie_source(sorted(owners)), re.ASCII), keys_of)
    return patterns


@functools.lru_cache(maxsize=2 * RECENT_SECRETS)
def _windows(secret: str) -> frozenset[str]:
    """Where a search of normalised text finds ``secret`` in any form: one window of each form of it."""
    forms = {secret, json.dumps(secret, ensure_ascii=False)[1:-1]}
    for core in _base64_cores(secret):
        forms |= {core, core.translate(_URLSAFE)}
    return frozenset(_window(_normalised(form).translate(_ASCII_LOWER)) for form in forms)


def _window(form: str) -> str:
    """``DETECT_CHARS`` characters of ``form`` starting at its rarest character (ASCII-only if it can)."""
    if len(form) <= DETECT_CHARS:
        return form
    starts: range | list[int] = range(len(form) - DETECT_CHARS + 1)
    if not form.isascii():
        starts = [start for start in starts if form[start : start + DETECT_CHARS].isascii()] or starts
    start = max(starts, key=lambda start: _RARITY.get(form[start], len(_BY_FREQUENCY)))  # the first of the rarest
    return form[start : start + DETECT_CHARS]


def _trie_source(windows: list[str]) -> str:
    """The windows as one regex, common prefixes shared, ASCII letters in either case.

    Each alternative starts with a literal character (a letter twice, once in each case, the rest of the
    window ignoring case), so the regex engine skips at C speed every position not starting a window.
    """
    trie: dict[str, Any] = {}
    for window in windows:
        node = trie
        for char in window:
            node = node.setdefault(char, {})
        node[""] = {}
    parts = []
    for char, child in trie.items():
        rest = _node_source(child)
        for case in sorted({char, char.upper()} if char.isascii() else {char}):
            parts.append(re.escape(case) + (f"(?i:{rest})" if rest else ""))
    return "|".join(parts)


def _node_source(node: dict[str, Any]) -> str:
    parts = [re.escape(char) + _node_source(child) for char, child in node.items() if char]
    if "" in node and parts:
        parts.append("")  # a window ends here, and longer ones go on
    if not parts:
        return ""
    return parts[0] if len(parts) == 1 else f"(?:{'|'.join(parts)})"


def redact(text: str) -> str:
    """``text`` with every form of every registered secret replaced by ``MASK``."""
    patterns = _matchers()
    return text if patterns is None else _redact_text(text, patterns)


def redact_value(value: Any, written: str | None = None) -> Any:
    """``value`` (JSON-like) with every registered secret replaced in its strings and keys.

    Usually nothing matches: one search over the value as JSON text (normalised, at C speed) says so, and
    only a value with a match is walked (with an explicit stack: any depth).
    """
    patterns = _matchers()
    if patterns is None or not may_match(patterns.windows, value, _normalised, written):
        return value

    def redacted(text: str) -> str:
        return _redact_text(text, patterns)

    return rebuild(value, lambda item: redacted(item) if isinstance(item, str) else item, redacted)


def _redact_text(text: str, patterns: _Patterns) -> str:
    normalised = _normalised(text)
    keys: set[str] = set()
    position = 0
    while (match := patterns.windows.search(normalised, position)) is not None:
        keys |= patterns.keys_of.get(match.group().translate(_ASCII_LOWER), frozenset())
        position = match.start() + 1  # overlapping: a hit on one key's window must not hide another's
    ordered = tuple(sorted(keys, key=lambda key: (-len(key), key)))  # longest first: a key inside another
    return _exact(ordered).sub(MASK, text) if ordered else text


@functools.lru_cache(maxsize=256)
def _exact(keys: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(_exact_source(key) for key in keys))


@functools.lru_cache(maxsize=2 * RECENT_SECRETS)
def _exact_source(key: str) -> str:
    """Every form of ``key``, whole: its characters (each written any way, gaps between them) or a core."""
    written = _GAP.join(_alternatives_source(_char_alternatives(char)) for char in key)
    cores = (
        "".join(_alternatives_source(_BASE64_ALTERNATIVES.get(char, ((char, ""),))) for char in core)
        for core in _base64_cores(key)
    )
    return "|".join([written, *cores])


def _alternatives_source(alternatives: tuple[Alternative, ...]) -> str:
    sources = [re.escape(first) + rest for first, rest in alternatives]
    return sources[0] if len(sources) == 1 else f"(?:{'|'.join(sources)})"


def _char_alternatives(char: str) -> tuple[Alternative, ...]:
    """``char`` in either letter case, as written or percent-encoded (hex digits in either case)."""
    cases = sorted({case for case in (char, char.lower(), char.upper()) if len(case) == 1})
    alternatives: list[Alternative] = []
    for case in cases:
        alternatives.append((case, ""))
    for case in cases:
        encoded = "".join(f"%{byte:02X}" for byte in case.encode("utf-8", "surrogatepass"))
        alternatives.append(("%", "".join(_hex_digit(digit) for digit in encoded[1:])))
    return tuple(alternatives)


def _hex_digit(digit: str) -> str:
    if digit == "%":
        return "%"
    return f"[{digit}{digit.lower()}]" if digit.isalpha() else digit


def _base64_cores(secret: str) -> list[str]:
    """The base64 characters that encode only ``secret``'s bytes, for each of its three byte alignments.

    Character ``j`` of an encoding stands for bits ``6j``…``6j+5``; the key's bytes, after ``shift`` bytes
    of anything, are bits ``8·shift``…``8·(shift+n)-1``. Each character is matched in base64 and base64url.
    """
    data = secret.encode("utf-8", "surrogatepass")
    cores = []
    for shift in range(3):
        encoded = base64.b64encode(bytes(shift) + data).decode("ascii")
        core = encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6]
        cores.append(core)
    return cores


_URLSAFE = str.maketrans("+/", "-_")
_BASE64_ALTERNATIVES: dict[str, tuple[Alternative, ...]] = {"+": (("+", ""), ("-", "")), "/": (("/", ""), ("_", ""))}


def protect(secret: str | None, *, pinned: bool = True) -> None:
    """Register ``secret`` (ignored when empty) and make sure log records are redacted.

    ``pinned`` secrets stay registered for the life of the process; the others (per-request keys) are
    the most recent ``RECENT_SECRETS``.
    """
    global _installed, _patterns
    if not secret or len(secret) < SHORTEST_SECRET:
        return
    with _lock:
        if pinned:
            if secret not in _pinned:
                _pinned.add(secret)
                _patterns = None
        elif secret in _recent:
            _recent[secret] = _recent.pop(secret)
        elif secret not in _pinned:
            _recent[secret] = None
            while len(_recent) > RECENT_SECRETS:
                del _recent[next(iter(_recent))]
            _patterns = None
        if _installed:
            return
        _installed = True
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            _scrub(record)
            return record

        logging.setLogRecordFactory(factory)


def _scrub(record: logging.LogRecord) -> None:
    if _matchers() is None:
        return
    try:
        message = record.getMessage()
    except (TypeError, ValueError):
        message = str(record.msg)
    record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[1] is not None:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        record.exc_info = None
