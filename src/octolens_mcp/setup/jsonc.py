"""Read JSON with comments (JSONC) and change one member by splicing text, so comments and layout survive.

Zed's ``settings.json`` and VS Code's ``mcp.json`` are JSONC: ``//`` and ``/* */`` comments, trailing
commas. On PyPI, the libraries that keep comments either round-trip JSON5 through a model of their own
(json-five, json5kit) or are recent releases with little use yet (jsonc-edit, jsonc-document). What an
installer needs is small: find one member's text span and replace it, or add a member after an object's
last one. Everything outside that span is left byte for byte.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\.)*"')
_LITERALS = {"true": True, "false": False, "null": None}


class JsoncError(ValueError):
    """The text is not JSON with comments; the message names the line and column."""


@dataclass
class Node:
    """A value and where its text is: ``text[start:end]``; an object's members and an array's items too."""

    start: int
    end: int
    value: Any
    members: dict[str, Node] = field(default_factory=dict)
    items: list[Node] = field(default_factory=list)
    key_start: int = -1
    """For an object's member: where its name's text starts."""


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def fail(self, what: str) -> JsoncError:
        line = self.text.count("\n", 0, self.at) + 1
        column = self.at - (self.text.rfind("\n", 0, self.at) + 1) + 1
        return JsoncError(f"{what} at line {line}, column {column}")

    def skip(self) -> None:
        """Past whitespace and comments."""
        text = self.text
        while self.at < len(text):
            char = text[self.at]
            if char in " \t\r\n\ufeff":
                self.at += 1
            elif text.startswith("//", self.at):
                newline = text.find("\n", self.at)
                self.at = len(text) if newline < 0 else newline + 1
            elif text.startswith("/*", self.at):
                close = text.find("*/", self.at + 2)
                if close < 0:
                    raise self.fail("an unclosed /* comment")
                self.at = close + 2
            else:
                return

    def value(self) -> Node:
        self.skip()
        start = self.at
        char = self.text[start : start + 1]
        if char == "{":
            return self.object()
        if char == "[":
            return self.array()
        if char == '"':
            text = self.string()
            return Node(start, self.at, text)
        for word, literal in _LITERALS.items():
            if self.text.startswith(word, start):
                self.at += len(word)
                return Node(start, self.at, literal)
        number = _NUMBER.match(self.text, start)
        if number is None:
            raise self.fail("a value was expected")
        self.at = number.end()
        return Node(start, self.at, json.loads(number.group()))

    def string(self) -> str:
        found = _STRING.match(self.text, self.at)
        try:
            text = json.loads(found.group()) if found else None
        except ValueError:
            text = None
        if not isinstance(text, str) or found is None:
            raise self.fail("a bad string")
        self.at = found.end()
        return text

    def object(self) -> Node:
        node = Node(self.at, self.at, {})
        self.at += 1
        while True:
            self.skip()
            if self.text.startswith("}", self.at):
                break
            if not self.text.startswith('"', self.at):
                raise self.fail("a member name in double quotes was expected")
            key_start = self.at
            name = self.string()
            self.skip()
            if not self.text.startswith(":", self.at):
                raise self.fail("':' was expected")
            self.at += 1
            member = self.value()
            member.key_start = key_start
            if name in node.members:
                raise self.fail(f"{name!r} is set twice")
            node.members[name] = member
            node.value[name] = member.value
            self.skip()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif not self.text.startswith("}", self.at):
                raise self.fail("',' or '}' was expected")
        self.at += 1
        node.end = self.at
        return node

    def array(self) -> Node:
        node = Node(self.at, self.at, [])
        self.at += 1
        while True:
            self.skip()
            if self.text.startswith("]", self.at):
                break
            item = self.value()
            node.items.append(item)
            node.value.append(item.value)
            self.skip()
            if self.text.startswith(",", self.at):
                self.at += 1
            elif not self.text.startswith("]", self.at):
                raise self.fail("',' or ']' was expected")
        self.at += 1
        node.end = self.at
        return node


def parse(text: str) -> Node:
    """The document's tree; an empty (or comments-only) text is an empty object. Raises ``JsoncError``."""
    parser = _Parser(text)
    parser.skip()
    if parser.at == len(text):
        return Node(len(text), len(text), {})
    root = parser.value()
    parser.skip()
    if parser.at != len(text):
        raise parser.fail("text after the document")
    if not isinstance(root.value, dict):
        raise JsoncError("the document is not a JSON object")
    return root


def _indent_at(text: str, position: int) -> str:
    line_start = text.rfind("\n", 0, position) + 1
    line = text[line_start:position]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _unit(text: str) -> str:
    """The file's indentation step: a tab, or the smallest run of leading spaces (2 when there is none)."""
    widths = [len(m.group(1)) for m in re.finditer(r"\n( +)\S", text)]
    if re.search(r"\n\t+\S", text) and not widths:
        return "\t"
    return " " * min(widths) if widths else "  "


def _dumped(value: Any, indent: str, unit: str) -> str:
    """``value`` as JSON whose continuation lines start at ``indent``."""
    text = json.dumps(value, indent=unit, ensure_ascii=False)
    return text.replace("\n", "\n" + indent)


def _after_last(text: str, end: int) -> tuple[int, bool]:
    """Where to add after a last member or item ending at ``end``: past its comma and a comment on its line.

    Also whether it had a trailing comma, so the addition keeps that style.
    """
    at = end
    while at < len(text) and text[at] in " \t":
        at += 1
    comma = text.startswith(",", at)
    if comma:
        at += 1
    line_end = text.find("\n", at)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[at:line_end].strip()
    if rest.startswith("//") or (rest.startswith("/*") and rest.endswith("*/")):
        return line_end, comma
    return (at if comma else end), comma


def _add_after(text: str, end: int, indent: str, addition: str) -> str:
    at, comma = _after_last(text, end)
    if comma:
        return text[:at] + "\n" + indent + addition + "," + text[at:]
    return text[:end] + "," + text[end:at] + "\n" + indent + addition + text[at:]


def _replace(text: str, node: Node, value: Any, unit: str) -> str:
    return text[: node.start] + _dumped(value, _indent_at(text, node.start), unit) + text[node.end :]


def set_member(text: str, path: tuple[str, ...], value: Any) -> str:
    """``text`` with the member at ``path`` (object names from the top) set to ``value``.

    A member that exists has its value's text replaced; missing objects on the way are created. Only that
    span changes: comments, order and layout elsewhere stay as they were.
    """
    if parse(text).start == len(text):  # nothing but whitespace and comments: the object goes after them
        text = text + ("" if not text or text.endswith("\n") else "\n") + "{}\n"
    unit = _unit(text)
    node = parse(text)
    for depth, name in enumerate(path):
        if not isinstance(node.value, dict):
            raise JsoncError(f"{'.'.join(path[:depth])} is not an object")
        child = node.members.get(name)
        if child is None:
            rest: Any = value
            for outer in reversed(path[depth + 1 :]):
                rest = {outer: rest}
            return _insert(text, node, name, rest, unit)
        node = child
    return _replace(text, node, value, unit)


def append_item(text: str, path: tuple[str, ...], item: Any) -> str:
    """``text`` with ``item`` appended to the array at ``path`` (created when missing)."""
    node = parse(text)
    for name in path:
        child = node.members.get(name) if isinstance(node.value, dict) else None
        if child is None:
            return set_member(text, path, [item])
        node = child
    if not isinstance(node.value, list):
        raise JsoncError(f"{'.'.join(path)} is not an array")
    unit = _unit(text)
    if not node.items:
        return _replace(text, node, [item], unit)
    last = node.items[-1]
    if "\n" in text[node.start : node.items[0].start]:
        indent = _indent_at(text, last.start)
        return _add_after(text, last.end, indent, _dumped(item, indent, unit))
    indent = _indent_at(text, node.start)
    return text[: last.end] + ", " + _dumped(item, indent, unit) + text[last.end :]


def _insert(text: str, parent: Node, name: str, value: Any, unit: str) -> str:
    """``name: value`` added as the last member of the object ``parent``."""
    if parent.members:
        last = list(parent.members.values())[-1]
        indent = _indent_at(text, last.key_start)
        if last.key_start == parent.start + 1 or "\n" not in text[parent.start : last.key_start]:
            indent = _indent_at(text, parent.start) + unit
        return _add_after(text, last.end, indent, f"{json.dumps(name)}: {_dumped(value, indent, unit)}")
    outer = _indent_at(text, parent.start)
    indent = outer + unit
    member = f"{json.dumps(name)}: {_dumped(value, indent, unit)}"
    inside = text[parent.start + 1 : parent.end - 1]
    # An empty object may still hold comments: keep them, and put the member after them.
    body = inside.rstrip() + "\n" + indent + member + "\n" + outer
    return text[: parent.start + 1] + body + text[parent.end - 1 :]
