"""The install and host instructions (README.md, docs/hosts.md, docs/team-server.md), run, so they cannot drift.

Every ``json``/``jsonc`` block parses; every server entry in it has the shape its host expects and carries no
key; every stdio configuration (and every server command of the README's start and host sections, of
docs/hosts.md and of the team server's section) starts the installed ``octolens-mcp`` with ``--demo`` and
answers ``list_keywords``; every configuration that connects by URL reaches ``octolens-mcp --transport http
--demo`` with its own header; the Python example runs; the README's ``tools``, ``call`` and ``tour`` lines
run. No command line anywhere in these documents carries a key.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import anyio
import httpx2
import pytest
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client

from octolens_mcp.cli import COMMANDS
from octolens_mcp.config import Settings
from tests.conftest import REPO
from tests.http_harness import http_process
from tests.installed_command import run_command
from tests.readme_blocks import (
    BEARER_PLACEHOLDER,
    PLACEHOLDER_KEY,
    PLACEHOLDER_VALUE,
    SHELL_LANGUAGES,
    SHELL_VARIABLE,
    Block,
    Command,
    Entry,
    commands,
    entries,
    key_like,
    load_json,
    parse,
    parse_claude_add,
    strings,
    strip_jsonc,
)

DOCS = ("docs/hosts.md", "docs/team-server.md")
"""Where the host details and the team server went: their commands and configurations are run too."""
DOCUMENTS = {name: parse((REPO / name).read_text(encoding="utf-8"), name) for name in ("README.md", *DOCS)}
README = DOCUMENTS["README.md"]
START = "Start here"
HOSTS = "Connect your host"
TEAM = "A shared HTTP server"
OURS = {("README.md", START), ("README.md", HOSTS), ("README.md", "The demo tour"), ("docs/team-server.md", TEAM)}
"""The sections whose commands this file runs (and all of docs/hosts.md); key hygiene holds everywhere."""
BLOCKS = [block for document in DOCUMENTS.values() for block in document.blocks]
SUBCOMMANDS = {*COMMANDS, "install", "doctor"}
"""``octolens-mcp`` words that are not the server (install and doctor: docs/install.md, docs/doctor.md)."""


def ours(block: Block) -> bool:
    return block.file == "docs/hosts.md" or (block.file, block.section) in OURS


COMMAND = str(Path(sys.executable).with_name("octolens-mcp"))
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
IMAGE = "ghcr.io/octolens-mcp/octolens-mcp"
LOCAL_IMAGE = "octolens-mcp"
"""The image as ``docker build -t octolens-mcp .`` names it."""
DEFAULT_NETLOC = f"{Settings().host}:{Settings().port}"
DEFAULT_URL = f"http://{DEFAULT_NETLOC}/mcp"
DUMMY_KEY = "readme-test-key"
"""Stands in for the reader's key: the demo server takes any non-empty bearer."""

SECRET_NAME = re.compile(r"KEY|TOKEN|SECRET|PASSWORD", re.IGNORECASE)
SHELL_REFERENCE = re.compile(r"\$\{[^}]+\}|\$[A-Za-z_]\w*|" + re.escape(PLACEHOLDER_KEY))

JSON_BLOCKS = [block for block in BLOCKS if block.lang in {"json", "jsonc"}]
SHELL_BLOCKS = [block for block in BLOCKS if block.lang in SHELL_LANGUAGES]


def _documents() -> list[tuple[Block, Any]]:
    documents = []
    for block in JSON_BLOCKS:
        try:
            documents.append((block, load_json(block)))
        except ValueError:
            continue  # test_every_json_block_parses names it
    return documents


ENTRIES = [entry for block, document in _documents() for entry in entries(block, document)]
OUR_COMMANDS = [command for block in SHELL_BLOCKS if ours(block) for command in commands(block)]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_")}
    env.update(extra)
    return env


# ---------------------------------------------------------------- what a launcher hands octolens-mcp


def _program(command: str) -> str:
    return (PureWindowsPath(command) if "\\" in command else PurePosixPath(command)).name


def _is_package(word: str) -> bool:
    return word in {"octolens-mcp", "octolens-mcp@latest", f"octolens-mcp@{VERSION}"}


def dockerfile_entrypoint() -> Any:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    found = [line.split(None, 1)[1] for line in lines if line.strip().upper().startswith("ENTRYPOINT")]
    assert found, "the Dockerfile has no ENTRYPOINT"
    return json.loads(found[-1])


def octolens_args(launcher: list[str], where: str) -> list[str]:
    """The arguments the README's launcher hands ``octolens-mcp``; the launcher must be one a reader has."""
    command, *args = launcher
    program = _program(command)
    bare = "/" not in command and "\\" not in command
    absolute = PurePosixPath(command).is_absolute() or PureWindowsPath(command).is_absolute()
    assert bare or absolute, f"{where}: a launcher path must be absolute for a GUI host, not {command!r}"
    if program in {"uvx", "uvx.exe"}:
        assert args and _is_package(args[0]), f"{where}: uvx must run octolens-mcp first, not {args}"
        return args[1:]
    if program in {"pipx", "pipx.exe"}:
        assert args[:1] == ["run"] and len(args) > 1 and _is_package(args[1]), f"{where}: pipx run octolens-mcp"
        return args[2:]
    if program in {"octolens-mcp", "octolens-mcp.exe"}:
        return args
    if program in {"docker", "docker.exe"}:
        assert args[:5] == ["run", "-i", "--rm", "-e", "OCTOLENS_API_KEY"], (
            f"{where}: docker needs exactly `run -i --rm -e OCTOLENS_API_KEY <image>`: stdin open, the container "
            f"removed, the key passed through by name; got {args}"
        )
        assert len(args) > 5, f"{where}: no image"
        assert args[5] in {LOCAL_IMAGE, f"{IMAGE}:{VERSION}"}, f"{where}: image {args[5]!r}, project is {VERSION}"
        assert dockerfile_entrypoint() == ["octolens-mcp"], "the image's arguments must go to octolens-mcp"
        return args[6:]
    raise AssertionError(f"{where}: unknown launcher {command!r}")


def serves_http(args: list[str]) -> bool:
    pairs = itertools.pairwise(args)
    return "--transport=http" in args or any(a == "--transport" and b == "http" for a, b in pairs)


@dataclass(frozen=True)
class Launch:
    """One start of the installed command: the README's arguments plus ``--demo``, its non-secret env."""

    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]

    @property
    def label(self) -> str:
        return " ".join(["octolens-mcp", *self.args, *(f"{k}={v}" for k, v in self.env)])


def demo_launch(args: list[str], env: dict[str, str]) -> Launch:
    kept = {
        name: value
        for name, value in env.items()
        if name != "OCTOLENS_API_KEY" and not PLACEHOLDER_VALUE.match(value) and not SHELL_VARIABLE.match(value)
    }
    return Launch(tuple(args if "--demo" in args else [*args, "--demo"]), tuple(sorted(kept.items())))


def _inspector_rest(argv: tuple[str, ...]) -> list[str] | None:
    """What ``npx @modelcontextprotocol/inspector …`` runs or connects to (its own ``-e K=V`` options skipped)."""
    if argv[:2] != ("npx", "@modelcontextprotocol/inspector"):
        return None
    rest: list[str] = []
    index = 2
    while index < len(argv):
        if argv[index] == "-e":
            index += 2
            continue
        if argv[index] == "--" and not rest:
            index += 1
            continue
        rest.append(argv[index])
        index += 1
    return rest


def server_launcher(command: Command) -> tuple[list[str], dict[str, str]] | None:
    """The server command (and env) a shell command starts, directly, through the Inspector or ``claude``."""
    argv = command.argv
    if argv[:3] == ("claude", "mcp", "add"):
        added = parse_claude_add(argv)
        return ([added.target, *added.args], added.env) if added.transport == "stdio" else None
    rest = _inspector_rest(argv)
    if rest is not None:
        return (rest, {}) if rest and "--cli" not in rest else None
    program = _program(argv[0])
    if program == "octolens-mcp" and argv[1:2] and argv[1] in SUBCOMMANDS:
        return None
    if program in {"uvx", "octolens-mcp"} or (program in {"pipx", "docker"} and argv[1:2] == ("run",)):
        return list(argv), {}
    return None


def stdio_launches() -> tuple[dict[Launch, list[str]], list[str]]:
    """Every distinct start the README asks for, with where it asks; and the launchers that cannot be mapped."""
    launches: dict[Launch, list[str]] = {}
    problems: list[str] = []
    found: list[tuple[str, list[str], dict[str, str]]] = [
        (entry.where, [entry.config["command"], *entry.config.get("args", [])], entry.config.get("env", {}))
        for entry in ENTRIES
        if isinstance(entry.config, dict) and isinstance(entry.config.get("command"), str)
    ]
    for command in OUR_COMMANDS:
        launcher = server_launcher(command)
        if launcher is not None:
            found.append((command.where, *launcher))
    for where, launcher_argv, env in found:
        try:
            args = octolens_args(launcher_argv, where)
        except AssertionError as exc:
            problems.append(str(exc))
            continue
        if not serves_http(args):
            launches.setdefault(demo_launch(args, env if isinstance(env, dict) else {}), []).append(where)
    return launches, problems


STDIO_LAUNCHES, LAUNCH_PROBLEMS = stdio_launches()


# ---------------------------------------------------------------- the blocks themselves


@pytest.mark.parametrize("block", JSON_BLOCKS, ids=lambda b: f"line{b.line}")
def test_every_json_block_parses(block: Block) -> None:
    try:
        document = load_json(block)
    except ValueError as exc:
        pytest.fail(f"{block.where}: not {block.lang}: {exc}")
    for path, text in strings(document):
        assert not key_like(text), f"{block.where}: {'.'.join(path)} looks like a real API key"


def test_jsonc_comments_are_stripped_outside_strings_only() -> None:
    text = '{\n  // a comment\n  "url": "http://127.0.0.1:8000/mcp", /* and "this" */ "a": "//b"\n}'
    assert json.loads(strip_jsonc(text)) == {"url": "http://127.0.0.1:8000/mcp", "a": "//b"}


def test_the_readme_configures_every_host() -> None:
    hosts = README.sections[HOSTS]
    for place in (
        "octolens-mcp install claude-desktop",
        "claude-code, cursor, vscode, windsurf, zed",
        "docs/install.md",
        "octolens-mcp doctor",
        ".cursor/mcp.json",
        ".vscode/mcp.json",
        "~/.codeium/windsurf/mcp_config.json",
        "~/.config/zed/settings.json",
        "docs/hosts.md",
    ):
        assert place in hosts, f"the README's host section no longer says {place!r}"
    details = DOCUMENTS["docs/hosts.md"].prose
    for place in (
        "~/Library/Application Support/Claude/claude_desktop_config.json",
        "%APPDATA%\\Claude\\claude_desktop_config.json",
        "which uvx",
    ):
        assert place in details, f"docs/hosts.md no longer says {place!r}"
    readme = [e for e in ENTRIES if e.block.file == "README.md" and e.block.section == HOSTS]
    assert {e.container for e in readme} == {"mcpServers", "servers", "context_servers"}
    for entry in readme:  # from a checkout: the absolute path install writes, as a GUI host needs
        command = str(entry.config.get("command", ""))
        assert PurePosixPath(command).is_absolute() and _program(command) == "octolens-mcp", entry.where
    by_hand = [str(e.config.get("command", "")) for e in ENTRIES if e.block.file == "docs/hosts.md"]
    assert {"uvx", "docker"} <= {_program(command) for command in by_hand}
    assert any(PurePosixPath(command).is_absolute() for command in by_hand), "no absolute-path variant"
    assert any("url" in e.config for e in ENTRIES if ours(e.block)), "no configuration that connects by URL"
    assert len([b for b in BLOCKS if ours(b) and b.lang == "python"]) == 1


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: f"line{e.block.line}-{e.container}-{e.name}")
def test_entry_has_its_hosts_shape_and_no_key(entry: Entry) -> None:
    config = entry.config
    where = entry.where
    assert isinstance(config, dict), f"{where}: a server entry is an object"
    assert ("command" in config) != ("url" in config), f"{where}: either a command (stdio) or a url (HTTP)"
    if "command" in config:
        assert set(config) <= {"type", "command", "args", "env"}, f"{where}: unexpected keys {sorted(config)}"
        if entry.container == "servers":
            assert config.get("type") == "stdio", f'{where}: VS Code needs "type": "stdio"'
        else:
            assert config.get("type", "stdio") == "stdio", f"{where}: a command entry is stdio"
        assert isinstance(config["command"], str) and config["command"], f"{where}: command"
        args = config.get("args", [])
        assert isinstance(args, list) and all(isinstance(a, str) for a in args), f"{where}: args is a string list"
        assert not serves_http(octolens_args([config["command"], *args], where)), f"{where}: stdio host, HTTP server"
        for arg in args:
            assert "=" not in arg or not SECRET_NAME.search(arg.split("=")[0]), f"{where}: a secret in args: {arg}"
            assert "Bearer" not in arg, f"{where}: a bearer token in args"
    else:
        assert set(config) <= {"type", "url", "headers"}, f"{where}: unexpected keys {sorted(config)}"
        if entry.container != "context_servers":
            assert config.get("type") == "http", f'{where}: a URL entry needs "type": "http"'
        url = httpx2.URL(config["url"])
        assert url.scheme in {"http", "https"} and url.path.endswith("/mcp"), f"{where}: url {config['url']}"
        headers = config.get("headers")
        assert isinstance(headers, dict), f"{where}: the server authenticates each request by its header"
        assert BEARER_PLACEHOLDER.match(headers.get("Authorization", "")), (
            f'{where}: "Authorization" must be "Bearer ${{VARIABLE}}" (or the {PLACEHOLDER_KEY} placeholder)'
        )
    env = config.get("env", {})
    assert isinstance(env, dict) and all(isinstance(v, str) for v in env.values()), f"{where}: env is strings"
    for name, value in env.items():
        if SECRET_NAME.search(name):
            assert PLACEHOLDER_VALUE.match(value), f"{where}: env {name} must be a placeholder or a variable"
    for path, text in strings(config):
        assert not key_like(text), f"{where}: {'.'.join(path)} looks like a real API key"
        if PLACEHOLDER_KEY in text:
            assert len(path) == 2 and path[0] in {"env", "headers"}, f"{where}: a key outside env/headers"
    declared = {item.get("id"): item for item in entry.document.get("inputs", []) if isinstance(item, dict)}
    for path, text in strings(config):
        for name in re.findall(r"\$\{input:([^}]+)\}", text):
            assert name in declared, f"{where}: ${{input:{name}}} at {'.'.join(path)} is not declared in inputs"
            item = declared[name]
            assert item.get("type") == "promptString" and item.get("password") is True, (
                f"{where}: input {name} must be a promptString with password: true (the key is not echoed)"
            )
            assert isinstance(item.get("description"), str) and item["description"], f"{where}: input description"


def test_docker_image_is_this_version_and_runs_octolens_mcp() -> None:
    dockers = [e for e in ENTRIES if isinstance(e.config, dict) and _program(e.config.get("command", "")) == "docker"]
    assert dockers, "no Docker configuration"
    for entry in dockers:
        assert octolens_args([entry.config["command"], *entry.config["args"]], entry.where) == []
    assert dockerfile_entrypoint() == ["octolens-mcp"]


def test_the_readme_starts_with_the_two_commands_and_says_what_they_need() -> None:
    first = README.blocks[0]
    assert first.section == START, f"the README's first code block is in {first.section!r}, not {START!r}"
    assert [c.argv for c in commands(first)] == [("python3", "scripts/demo"), ("./scripts/check",)], first.where
    section = README.sections[START]
    assert "Python 3.11 or newer" in section
    order = [section.find(s) for s in ("uvx octolens-mcp", "pipx run octolens-mcp", "pip install octolens-mcp")]
    assert -1 not in order and order == sorted(order), "once published: uvx, then pipx run, then pip install"


def test_uvx_is_only_offered_as_what_works_once_published() -> None:
    for paragraph in README.prose.split("\n\n"):
        if "uvx" in paragraph:
            assert "published" in paragraph, f"README.md: uvx, not said to need the published package:\n{paragraph}"
    for document in DOCS:
        intro = " ".join(DOCUMENTS[document].prose.split("\n## ", 1)[0].replace("**", "").split())
        assert "once the package is published on PyPI" in intro, f"{document}: its uvx commands need the package"


SUBCOMMAND_LINES = [
    command
    for command in OUR_COMMANDS
    if _program(command.argv[0]) == "octolens-mcp" and command.argv[1:2] and command.argv[1] in ("tools", "call")
]


def test_the_readme_shows_tools_call_and_the_tour() -> None:
    assert {command.argv[1] for command in SUBCOMMAND_LINES} == {"tools", "call"}
    assert "octolens-mcp tour" in README.sections["The demo tour"]


@pytest.mark.parametrize("command", SUBCOMMAND_LINES, ids=lambda c: " ".join(c.argv[1:3]))
def test_every_tools_and_call_line_runs(command: Command) -> None:
    done = run_command(*command.argv[1:])
    assert done.returncode == 0, f"{command.where}: {done.stderr[-2000:]}"
    assert done.stdout.strip(), command.where


def _literal_secret(line: str) -> str | None:
    """Why a command line would leave a key in shell history, or None."""
    if key_like(line) or PLACEHOLDER_KEY in line:
        return "it holds a key (even the placeholder belongs in a JSON env value, not on a command line)"
    for value in re.findall(r"OCTOLENS_API_KEY=(\S+)", line):
        if not SHELL_VARIABLE.match(value.strip("\"'")):
            return f"OCTOLENS_API_KEY={value} is not a $VARIABLE"
    for value in re.findall(r"Bearer\s+([^\s\"']+)", line):
        if not SHELL_VARIABLE.match(value):
            return f"Bearer {value} is not a $VARIABLE"
    return None


@pytest.mark.parametrize("block", SHELL_BLOCKS, ids=lambda b: f"line{b.line}")
def test_no_command_line_carries_a_key(block: Block) -> None:
    for command in commands(block):
        problem = _literal_secret(command.line)
        assert problem is None, f"{command.where}: {problem}"


def test_every_claude_mcp_add_takes_the_key_from_a_variable() -> None:
    lines = [c.line for block in SHELL_BLOCKS for c in commands(block)]
    lines += [span for document in DOCUMENTS.values() for span in document.code_spans() if "claude mcp add" in span]
    adds = [line for line in lines if "claude mcp add" in line]
    assert adds, "the README shows no claude mcp add"
    for line in adds:
        problem = _literal_secret(line)
        assert problem is None, f"{line}: {problem}"
        assert "$" in line, f"{line}: the key must come from a variable (or a file), never be typed"
    parsed = [parse_claude_add(c.argv) for c in OUR_COMMANDS if c.argv[:3] == ("claude", "mcp", "add")]
    stdio = [p for p in parsed if p.transport == "stdio"]
    http = [p for p in parsed if p.transport == "http"]
    assert stdio and all(p.env.get("OCTOLENS_API_KEY") == "$OCTOLENS_API_KEY" for p in stdio)
    for added in stdio:  # uvx once published; the checkout's absolute path until then
        assert added.target == "uvx" or (
            PurePosixPath(added.target).is_absolute() and _program(added.target) == "octolens-mcp"
        ), added.target
    assert http and all(p.headers == ("Authorization: Bearer $OCTOLENS_API_KEY",) for p in http)


# ---------------------------------------------------------------- stdio: start each configuration


@pytest.mark.anyio
@pytest.mark.parametrize("launch", list(STDIO_LAUNCHES), ids=lambda launch: launch.label)
async def test_stdio_configuration_starts_and_answers(launch: Launch) -> None:
    sources = "\n  ".join(STDIO_LAUNCHES[launch])
    params = StdioServerParameters(command=COMMAND, args=list(launch.args), env=environment(**dict(launch.env)))
    with anyio.fail_after(25):
        async with Client(params) as client:
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert "list_keywords" in tools, f"{launch.label}, from:\n  {sources}"
            result = await client.call_tool("list_keywords", {})
    assert not result.is_error, f"{launch.label}: {result.content}, from:\n  {sources}"
    assert result.structured_content is not None and result.structured_content["data"]


def test_every_stdio_configuration_is_started() -> None:
    assert not LAUNCH_PROBLEMS, "\n".join(LAUNCH_PROBLEMS)
    started = {where for sources in STDIO_LAUNCHES.values() for where in sources}
    stdio_entries = [e for e in ENTRIES if isinstance(e.config, dict) and "command" in e.config]
    assert {e.where for e in stdio_entries} <= started
    assert len(stdio_entries) >= 5  # Claude Desktop/Cursor/Windsurf, absolute path, VS Code, Zed, Docker


# ---------------------------------------------------------------- HTTP: connect by URL, with the header


@dataclass(frozen=True)
class UrlSource:
    where: str
    url: str
    headers: tuple[tuple[str, str], ...]


def _header_pairs(raw: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((name.strip(), value.strip()) for name, _, value in (h.partition(":") for h in raw))


def url_sources() -> list[UrlSource]:
    sources = [
        UrlSource(e.where, e.config["url"], tuple(e.config.get("headers", {}).items()))
        for e in ENTRIES
        if isinstance(e.config, dict) and "url" in e.config and ours(e.block)
    ]
    for command in OUR_COMMANDS:
        argv = command.argv
        if argv[:3] == ("claude", "mcp", "add"):
            added = parse_claude_add(argv)
            if added.transport == "http":
                sources.append(UrlSource(command.where, added.target, _header_pairs(added.headers)))
            continue
        rest = _inspector_rest(argv)
        if rest and "--cli" in rest:
            urls = [word for word in rest if word.startswith(("http://", "https://"))]
            headers = tuple(rest[i + 1] for i, word in enumerate(rest[:-1]) if word == "--header")
            sources.extend(UrlSource(command.where, url, _header_pairs(headers)) for url in urls)
    return sources


URL_SOURCES = url_sources()


def http_server_args() -> list[str]:
    """The README's command for the team server (what the host configurations connect to)."""
    found = []
    for command in OUR_COMMANDS:
        launcher = server_launcher(command)
        if launcher is not None and serves_http(args := octolens_args(launcher[0], command.where)):
            found.append(args)
    assert len(found) == 1, f"expected one HTTP server command in {OURS}, found {found}"
    return found[0]


@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    """``host:port`` of the README's HTTP server command, started with ``--demo`` on a free port."""
    with http_process([*http_server_args(), "--demo"], env=environment(), program=[COMMAND]) as served:
        yield f"127.0.0.1:{served.port}"


def _with_dummy_key(value: str) -> str:
    return SHELL_REFERENCE.sub(DUMMY_KEY, value)


def test_every_url_source_is_the_documented_default_address() -> None:
    assert len(URL_SOURCES) >= 2, "the README shows no host connecting by URL"
    for source in URL_SOURCES:
        assert source.url == DEFAULT_URL, f"{source.where}: the server listens at {DEFAULT_URL}, not {source.url}"
        assert dict(source.headers).get("Authorization", "").startswith("Bearer $"), f"{source.where}: no bearer"


@pytest.mark.anyio
@pytest.mark.parametrize("source", URL_SOURCES, ids=lambda s: s.where.split(" ")[0])
async def test_url_configuration_connects_with_its_header(source: UrlSource, http_server: str) -> None:
    url = source.url.replace(DEFAULT_NETLOC, http_server)
    headers = {name: _with_dummy_key(value) for name, value in source.headers}
    with anyio.fail_after(25):
        async with (
            httpx2.AsyncClient(headers=headers) as http,
            Client(streamable_http_client(url, http_client=http)) as client,
        ):
            tools = {tool.name for tool in (await client.list_tools()).tools}
            assert "list_keywords" in tools, source.where
            result = await client.call_tool("list_keywords", {})
    assert not result.is_error, f"{source.where}: {result.content}"
    assert result.structured_content is not None and result.structured_content["data"]


@pytest.mark.anyio
async def test_the_header_is_what_lets_a_request_in(http_server: str) -> None:
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
    }
    accept = {"Accept": "application/json, text/event-stream"}
    async with httpx2.AsyncClient(timeout=10) as http:
        refused = await http.post(f"http://{http_server}/mcp", json=initialize, headers=accept)
        assert refused.status_code == 401
        allowed = await http.post(
            f"http://{http_server}/mcp", json=initialize, headers={**accept, "Authorization": f"Bearer {DUMMY_KEY}"}
        )
        assert allowed.status_code == 200


def test_the_python_example_runs_against_the_http_server(http_server: str) -> None:
    (block,) = [b for b in BLOCKS if ours(b) and b.lang == "python"]
    assert block.text.count(DEFAULT_URL) == 1, f"{block.where}: the example connects to {DEFAULT_URL}"
    code = block.text.replace(DEFAULT_URL, f"http://{http_server}/mcp")
    with tempfile.TemporaryDirectory() as workdir:
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=environment(OCTOLENS_API_KEY=DUMMY_KEY),
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, f"{block.where}: {done.stderr[-2000:]}"
    assert "'rows'" in done.stdout, f"{block.where}: printed {done.stdout[:500]!r}"
