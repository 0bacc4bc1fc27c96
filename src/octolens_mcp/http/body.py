"""Reads an answer's body within bounds: its size after decompression, its nesting, and off the event loop.

A hostile or broken upstream can send a huge body, a small gzip body that inflates to gigabytes, or
JSON nested a hundred thousand deep. ``read_body`` decompresses gzip and deflate itself, never holding
more than ``limit`` bytes of output; ``parse_json`` parses large bodies in a worker thread and refuses
nesting deeper than any Octolens answer has.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import AsyncIterator
from typing import Any

import anyio

MAX_DEPTH = 64
"""Deepest nesting accepted in an answer; Octolens answers nest less than ten levels."""
THREAD_PARSE_BYTES = 256 * 1024
"""Bodies at least this large are parsed in a worker thread, so other calls keep running."""
ACCEPT_ENCODING = "gzip, deflate"


class TooLarge(Exception):
    """The body is larger than the limit (after decompression)."""


class Unreadable(Exception):
    """The body cannot be decoded or parsed: bad compression, not JSON, or nested too deeply."""


async def read_body(chunks: AsyncIterator[bytes], encoding: str, limit: int) -> bytes:
    """The decoded body from raw ``chunks``, or ``TooLarge`` as soon as it passes ``limit`` bytes."""
    decoder = _decoder(encoding.strip().lower())
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        data = chunk
        while data:
            if decoder is None:
                out, data = data, b""
            else:
                out = decoder.decompress(data, limit - size + 1)
                data = decoder.unconsumed_tail
            size += len(out)
            if size > limit:
                raise TooLarge
            if out:
                parts.append(out)
    if decoder is not None:
        try:
            tail = decoder.flush()
        except zlib.error:
            raise Unreadable("the compressed body is corrupt") from None
        if not decoder.complete:
            raise Unreadable("the compressed body ended early")
        size += len(tail)
        if size > limit:
            raise TooLarge
        parts.append(tail)
    return b"".join(parts)


class _Decoder:
    def __init__(self, wbits: int) -> None:
        self._zlib = zlib.decompressobj(wbits)
        self._fallback_raw = wbits == zlib.MAX_WBITS
        self._head = b""
        """The first bytes seen, kept until the zlib header (2 bytes) has been judged."""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._fallback_raw and len(self._head) < 2:
            self._head += data
        try:
            out = self._zlib.decompress(data, max_length)
        except zlib.error:
            if self._fallback_raw:
                # "deflate" is sent both zlib-wrapped and raw in the wild: start again, raw, from the first byte.
                self._zlib, self._fallback_raw = zlib.decompressobj(-zlib.MAX_WBITS), False
                return self.decompress(self._head if len(self._head) >= len(data) else data, max_length)
            raise Unreadable("the compressed body is corrupt") from None
        if len(self._head) >= 2:
            self._fallback_raw = False
        if self._zlib.eof and self._zlib.unused_data.strip(b"\x00"):
            raise Unreadable("the body holds several compressed members")
        return out

    @property
    def complete(self) -> bool:
        return self._zlib.eof

    @property
    def unconsumed_tail(self) -> bytes:
        return self._zlib.unconsumed_tail

    def flush(self) -> bytes:
        return self._zlib.flush()


def _decoder(encoding: str) -> _Decoder | None:
    if encoding in {"", "identity"}:
        return None
    if encoding in {"gzip", "x-gzip"}:
        return _Decoder(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Decoder(zlib.MAX_WBITS)
    raise Unreadable(f"unsupported Content-Encoding {encoding[:40]!r}")


async def parse_json(data: bytes) -> Any:
    """``data`` parsed as JSON (``None`` when empty); ``Unreadable`` when it is not JSON or nests too deeply."""
    if not data.strip():
        return None
    if len(data) >= THREAD_PARSE_BYTES:
        return await anyio.to_thread.run_sync(_parse, data, abandon_on_cancel=True)
    return _parse(data)


def _parse(data: bytes) -> Any:
    # Decoded here, not by json.loads: it lets lone surrogates through ("surrogatepass"), and no output
    # encoder can write them later. Undecodable bytes become U+FFFD; the rest of the answer stays usable.
    text = data.decode(json.detect_encoding(data), "replace")
    try:
        value = json.loads(text)
    except RecursionError:
        raise Unreadable("the body is nested too deeply") from None
    except ValueError:
        raise Unreadable("the body is not valid JSON") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise Unreadable("the body is nested too deeply")
    if _may_hold_lone_surrogates(text):
        # JSON may escape a lone surrogate ("\ud800"), which no UTF-8 output can carry: it becomes U+FFFD.
        value = _without_surrogates(value)
    return value


_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Starts with a literal, so the search skips ahead at C speed (a body can be tens of megabytes, and the
# regex engine holds the GIL): a high escape with no low one after, or a low one with no high one before.
_LONE_ESCAPED_SURROGATE = re.compile(
    r"\\u[dD](?:[89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|[c-fC-F][0-9a-fA-F]{2}(?<!\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}))"
)


def _may_hold_lone_surrogates(text: str) -> bool:
    """Whether the parsed body may hold a lone surrogate; escaped pairs (emoji, often) are whole characters.

    The pairing test reads escapes only: after an escaped backslash, text such as ``\\ud800`` looks like
    one, so then any escaped surrogate counts.
    """
    if "\\\\" in text:
        return _ESCAPED_SURROGATE.search(text) is not None
    return _LONE_ESCAPED_SURROGATE.search(text) is not None


_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_surrogates(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(key): _without_surrogates(item) for key, item in value.items()}
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children: Any = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False
