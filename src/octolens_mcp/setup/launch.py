"""Find every host configuration on this machine that names this server, and start each as its host would.

A GUI host (Claude Desktop, Cursor, Windsurf, VS Code, Zed started from the Dock or a launcher) runs the
entry's command with its args and env on a minimal PATH, not the shell's; Claude Code, a terminal program,
keeps the shell's. Placeholders a host fills in itself (``${input:…}``, ``${VAR}``, ``${env:VAR}``) are
filled from this shell's environment, and said so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters, stdio_client

from octolens_mcp.setup import jsonc
from octolens_mcp.setup.hosts import CLAUDE_CODE, GUI_PATH, HOSTS, KEY_VARIABLE, Host, Places

START_TIMEOUT = 30.0
_PLACEHOLDER = re.compile(r"\$\{(?:input:([^}]+)|env:([A-Za-z_]\w*)|([A-Za-z_]\w*))\}")


@dataclass(frozen=True)
class Configured:
    """One server entry in one host's file."""

    host: Host
    path: Path
    name: str
    entry: dict[str, Any]


@dataclass(frozen=True)
class Unreadable:
    host: Host
    path: Path
    problem: str


@dataclass
class Started:
    """What starting one entry showed."""

    tools: int | None = None
    problem: str | None = None
    fix: str | None = None
    notes: list[str] = field(default_factory=list)
    key: str | None = None
    """The key the server was started with (never shown whole)."""
    base_url: str | None = None


def _names_us(name: str, entry: Any) -> bool:
    if not isinstance(entry, dict):
        return False
    launched = json.dumps([entry.get("command"), entry.get("args"), entry.get("url")])
    return "octolens" in name.lower() or "octolens" in launched.lower()


def _files(host: Host, places: Places, cwd: Path) -> list[Path]:
    files = [host.user_file(places)]
    if host.project_file is not None:
        files.append(cwd / host.project_file)
    if host is CLAUDE_CODE:
        files.append(cwd / ".mcp.json")
    return files


def configured(places: Places, cwd: Path) -> tuple[list[Configured], list[Unreadable]]:
    """Every entry naming this server in the hosts' files here, and the files that could not be read."""
    found: list[Configured] = []
    unreadable: list[Unreadable] = []
    for host in HOSTS.values():
        for path in dict.fromkeys(_files(host, places, cwd)):
            if not path.is_file():
                continue
            try:
                document = jsonc.parse(path.read_text(encoding="utf-8")).value
            except (OSError, UnicodeDecodeError, jsonc.JsoncError) as exc:
                unreadable.append(Unreadable(host, path, str(exc)))
                continue
            containers = [document.get(host.container)]
            if host is CLAUDE_CODE and isinstance(document.get("projects"), dict):
                project = document["projects"].get(str(cwd))
                containers.append(project.get("mcpServers") if isinstance(project, dict) else None)
            for servers in containers:
                if isinstance(servers, dict):
                    found += [Configured(host, path, n, e) for n, e in servers.items() if _names_us(n, e)]
    return found, unreadable


def _filled(value: str, notes: list[str]) -> str:
    def fill(match: re.Match[str]) -> str:
        input_id, env_name, bare = match.groups()
        name = env_name or bare or KEY_VARIABLE
        if input_id:
            notes.append(f"its ${{input:{input_id}}} is asked by the host; {name} from this shell stood in for it")
        return os.environ.get(name, "")

    return _PLACEHOLDER.sub(fill, value)


def _program(host: Host, command: str, path: str) -> tuple[str | None, str | None]:
    """The program a host would run, or None and why not."""
    if os.path.isabs(command):
        return (command, None) if os.access(command, os.X_OK) else (None, f"{command} does not exist or cannot run")
    found = shutil.which(command, path=path)
    if found is not None:
        return found, None
    return None, f"`{command}` is not on {host.label}'s PATH ({path}): the host fails with `spawn {command} ENOENT`"


async def start(item: Configured, places: Places) -> Started:
    """Start the entry as its host does; initialize, list tools."""
    entry, host, result = item.entry, item.host, Started()
    if "command" not in entry:
        result.notes.append(f"connects by URL ({entry.get('url')}); not started here")
        return result
    path = os.environ.get("PATH", GUI_PATH) if host is CLAUDE_CODE else GUI_PATH
    command = str(entry["command"])
    program, why = _program(host, command, path)
    if program is None:
        shell = shutil.which(command)
        result.problem = why
        result.fix = (
            f'use the absolute path in {item.path}: "command": "{shell}"' if shell else "use an absolute path there"
        ) + f", or run `octolens-mcp install {host.name}` to write one that needs no PATH"
        return result
    env = {"PATH": path, "HOME": str(places.home)}
    for name, value in (entry.get("env") or {}).items():
        env[str(name)] = _filled(str(value), result.notes)
    args = [str(a) for a in entry.get("args") or []]
    result.key = env.get(KEY_VARIABLE) or None
    result.base_url = env.get("OCTOLENS_BASE_URL")
    demo = "--demo" in args
    if not demo and not result.key:
        result.problem = f"its env gives no {KEY_VARIABLE}: the server stops at once (no key)"
        result.fix = f"add the key to its env, or run `octolens-mcp install {host.name}`"
        return result
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        try:
            params = StdioServerParameters(command=program, args=args, env=env)
            with anyio.fail_after(START_TIMEOUT):
                async with Client(stdio_client(params, errlog=errors)) as client:
                    result.tools = len((await client.list_tools()).tools)
        except Exception as exc:  # whatever stopped it, the user needs the server's own last words
            errors.seek(0)
            said = [line for line in errors.read().splitlines() if line.strip()]
            last = said[-1] if said else f"{type(exc).__name__}: {exc}"
            result.problem = f"it did not start: {last}"
            result.fix = _start_fix(last, host)
    return result


def _start_fix(said: str, host: Host) -> str:
    if "No module named" in said:
        return f"that Python no longer has octolens-mcp: reinstall it, then run `octolens-mcp install {host.name}`"
    if "no Octolens API key" in said:
        return f"add {KEY_VARIABLE} to its env, or run `octolens-mcp install {host.name}`"
    return f"run its command in a terminal to see it fail, or rewrite it with `octolens-mcp install {host.name}`"
