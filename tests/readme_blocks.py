"""README.md and the docs read as data: fenced blocks with their sections, the host configurations, the commands.

Used by ``test_readme_hosts.py`` so the install and host instructions cannot drift from what the server does.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

SERVER_CONTAINERS = ("mcpServers", "servers", "context_servers")
"""Where hosts keep their servers: most hosts, VS Code, Zed."""

SHELL_LANGUAGES = frozenset({"sh", "shell", "bash", "zsh"})

PLACEHOLDER_KEY = "ak_live_..."
"""The one key a configuration may show, and only as an ``env`` value."""

_VARIABLE = r"\$\{[A-Za-z_][\w:.-]*\}"
PLACEHOLDER_VALUE = re.compile(rf"^(?:{re.escape(PLACEHOLDER_KEY)}|{_VARIABLE})$")
"""A secret's value in a configuration: the placeholder key, or a host variable (``${VAR}``, ``${input:id}``)."""

BEARER_PLACEHOLDER = re.compile(rf"^Bearer (?:{re.escape(PLACEHOLDER_KEY)}|{_VARIABLE})$")

SHELL_VARIABLE = re.compile(r"^\$(?:[A-Za-z_]\w*|\{[A-Za-z_]\w*\})$")
"""What a secret on a command line must be: a shell variable, expanded by the shell, not typed."""

_FENCE = re.compile(r"^(?P<ticks>`{3,})\s*(?P<lang>[\w+-]*)\s*$")
_CODE_SPAN = re.compile(r"`([^`]+)`")


@dataclass(frozen=True)
class Block:
    """One fenced code block."""

    lang: str
    text: str
    line: int
    """1-based line of the opening fence."""
    section: str
    """The ``##`` heading it is under ("" before the first)."""
    subsection: str
    """The ``###`` heading it is under within that section ("" when none)."""
    file: str = "README.md"
    """The document, relative to the repository."""

    @property
    def where(self) -> str:
        heading = " / ".join(h for h in (self.section, self.subsection) if h)
        return f"{self.file}:{self.line} ({heading})"


@dataclass(frozen=True)
class Readme:
    blocks: tuple[Block, ...]
    prose: str
    """Everything outside fenced blocks, as written."""
    sections: dict[str, str]
    """Each ``##`` heading's text (prose and blocks) up to the next ``##`` heading."""

    def code_spans(self) -> list[str]:
        """Inline code in the prose, a span possibly wrapping a line."""
        return [span.replace("\n", " ") for span in _CODE_SPAN.findall(self.prose)]


def parse(markdown: str, file: str = "README.md") -> Readme:
    blocks: list[Block] = []
    prose: list[str] = []
    sections: dict[str, list[str]] = {}
    section = subsection = ""
    fence: tuple[str, str, int, list[str]] | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        if section:
            sections[section].append(line)
        if fence is not None:
            ticks, lang, start, body = fence
            if line.strip() == ticks:
                blocks.append(Block(lang, "\n".join(body) + "\n", start, section, subsection, file))
                fence = None
            else:
                body.append(line)
            continue
        opening = _FENCE.match(line)
        if opening:
            fence = (opening["ticks"], opening["lang"].lower(), number, [])
            continue
        prose.append(line)
        if line.startswith("## "):
            section, subsection = line[3:].strip(), ""
            sections[section] = [line]
        elif line.startswith("### "):
            subsection = line[4:].strip()
    if fence is not None:
        raise ValueError(f"{file}:{fence[2]}: a fenced block is never closed")
    return Readme(tuple(blocks), "\n".join(prose), {k: "\n".join(v) for k, v in sections.items()})


def strip_jsonc(text: str) -> str:
    """JSON with comments (``//`` to the end of the line, ``/* … */``) as plain JSON; strings are kept whole."""
    out: list[str] = []
    index, length = 0, len(text)
    in_string = False
    while index < length:
        char = text[index]
        if in_string:
            out.append(char)
            if char == "\\" and index + 1 < length:
                out.append(text[index + 1])
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
            out.append(char)
        elif text.startswith("//", index):
            end = text.find("\n", index)
            index = length if end < 0 else end
            continue
        elif text.startswith("/*", index):
            end = text.find("*/", index + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            index = end + 2
            continue
        else:
            out.append(char)
        index += 1
    return "".join(out)


def load_json(block: Block) -> Any:
    """The block's JSON; ``jsonc`` may carry comments, ``json`` may not."""
    return json.loads(strip_jsonc(block.text) if block.lang == "jsonc" else block.text)


@dataclass(frozen=True)
class Entry:
    """One server in a host configuration."""

    block: Block
    container: str
    name: str
    config: Any
    document: dict[str, Any]

    @property
    def where(self) -> str:
        return f"{self.block.where} {self.container}.{self.name}"


def entries(block: Block, document: Any) -> list[Entry]:
    if not isinstance(document, dict):
        return []
    found: list[Entry] = []
    for container in SERVER_CONTAINERS:
        servers = document.get(container)
        if isinstance(servers, dict):
            found.extend(Entry(block, container, name, config, document) for name, config in servers.items())
    return found


def strings(value: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str]]:
    """Every string in a JSON value (keys included), with the path of keys that leads to it."""
    if isinstance(value, str):
        return [(path, value)]
    found: list[tuple[tuple[str, ...], str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append(((*path, key), key))
            found.extend(strings(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(strings(item, (*path, str(index))))
    return found


def key_like(text: str) -> bool:
    """Whether the text holds something that could be an Octolens key (anything ``ak_…`` but the placeholder)."""
    return re.search(r"ak_\w", text.replace(PLACEHOLDER_KEY, "")) is not None


@dataclass(frozen=True)
class Command:
    """One simple command of a shell block (``&&``, ``;`` and ``|`` separate them)."""

    block: Block
    line: str
    """The source line, continuation lines joined, as written."""
    argv: tuple[str, ...]

    @property
    def where(self) -> str:
        return f"{self.block.where}: {self.line.strip()}"


def logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        lines.append(pending + raw)
        pending = ""
    if pending:
        lines.append(pending)
    return [line for line in lines if line.strip() and not line.lstrip().startswith("#")]


def commands(block: Block) -> list[Command]:
    found: list[Command] = []
    for line in logical_lines(block.text):
        words = shlex.split(line, comments=True)
        current: list[str] = []
        for word in [*words, "&&"]:
            if word in {"&&", "||", ";", "|"}:
                if current:
                    found.append(Command(block, line, tuple(current)))
                current = []
            else:
                current.append(word)
    return found


@dataclass(frozen=True)
class ClaudeAdd:
    """A ``claude mcp add`` command line, parsed the way the Claude Code CLI takes it."""

    name: str
    transport: str
    target: str
    """The URL of an HTTP server, or the command of a stdio one."""
    args: tuple[str, ...]
    env: dict[str, str]
    headers: tuple[str, ...]


_CLAUDE_VALUE_OPTIONS = {
    "-t": "transport",
    "--transport": "transport",
    "-e": "env",
    "--env": "env",
    "-H": "header",
    "--header": "header",
    "-s": "scope",
    "--scope": "scope",
}


def parse_claude_add(argv: tuple[str, ...]) -> ClaudeAdd:
    if argv[:3] != ("claude", "mcp", "add"):
        raise ValueError(f"not a claude mcp add command: {argv}")
    words = list(argv[3:])
    after: list[str] = []
    if "--" in words:
        cut = words.index("--")
        words, after = words[:cut], words[cut + 1 :]
    transport, env, headers, positional = "stdio", {}, [], []
    index = 0
    while index < len(words):
        word = words[index]
        option, eq, inline = word.partition("=")
        if option in _CLAUDE_VALUE_OPTIONS:
            if eq:
                value = inline
            else:
                index += 1
                value = words[index]
            kind = _CLAUDE_VALUE_OPTIONS[option]
            if kind == "transport":
                transport = value
            elif kind == "env":
                name, _, val = value.partition("=")
                env[name] = val
            elif kind == "header":
                headers.append(value)
        elif word.startswith("-"):
            raise ValueError(f"unknown claude mcp add option {word!r}")
        else:
            positional.append(word)
        index += 1
    positional.extend(after)
    if len(positional) < 2:
        raise ValueError(f"claude mcp add needs a name and a command or URL: {argv}")
    return ClaudeAdd(positional[0], transport, positional[1], tuple(positional[2:]), env, tuple(headers))
