"""``octolens-mcp install HOST``: each host's file written in a temporary HOME, then started as the host starts it.

A host started from the Dock or a desktop launcher passes only the command, args and env its configuration
names, with a PATH that is not the shell's: each written configuration is started that way (PATH=/usr/bin:/bin,
HOME the temporary one, nothing of this process's OCTOLENS_ settings) by the SDK's stdio client, which must
initialize and list the tools. The rest pins what the installer promises about files: dry runs write nothing,
a second run changes nothing, a backup comes first, a file that does not parse is refused untouched, and
comments and other servers survive. The key is never printed.
"""

from __future__ import annotations

import fcntl
import json
import os
import select
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from octolens_mcp.setup import jsonc
from octolens_mcp.setup.hosts import GUI_PATH, HOSTS, KEY_VARIABLE, VSCODE_INPUT, Places
from tests.conftest import CANARY_KEY, TOOL_COUNT

FILE_HOSTS = [name for name in HOSTS if name != "claude-code"]
PROMPTED_KEY = "ak_live_typed_into_vscode_prompt"
"""What the test types into VS Code's password prompt."""

FAKE_CLAUDE = """#!{python}
# Stands for the claude CLI: records its arguments, and keeps user-scope servers in ~/.claude.json as it does.
import json, os, sys
from pathlib import Path
args = sys.argv[1:]
with open(os.environ["CLAUDE_CALLS"], "a") as log:
    log.write(json.dumps(args) + "\\n")
path = Path(os.environ["HOME"]) / ".claude.json"
state = json.loads(path.read_text()) if path.exists() else {{}}
servers = state.setdefault("mcpServers", {{}})
if args[:2] == ["mcp", "add-json"]:
    servers[args[-2]] = json.loads(args[-1])
elif args[:2] == ["mcp", "remove"]:
    servers.pop(args[-1], None)
path.write_text(json.dumps(state))
"""


def environment(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCTOLENS_") and k not in {"APPDATA"}}
    env.pop("XDG_CONFIG_HOME", None)
    env.update(HOME=str(home), **extra)
    return env


def install(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "octolens_mcp", "install", *args],
        env=environment(home, **env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert CANARY_KEY not in done.stdout + done.stderr, "the key was printed"
    return done


def config_file(home: Path, host: str) -> Path:
    return HOSTS[host].user_file(Places(home=home))


def entry_in(home: Path, host: str, name: str = "octolens") -> dict[str, Any]:
    document = jsonc.parse(config_file(home, host).read_text(encoding="utf-8")).value
    entry: dict[str, Any] = document[HOSTS[host].container][name]
    return entry


def host_env(entry: dict[str, Any], home: Path, inputs: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a GUI host gives the server: its minimal PATH and HOME, and the entry's env filled in."""
    env = {"PATH": GUI_PATH, "HOME": str(home)}
    for name, value in entry.get("env", {}).items():
        for input_id, typed in (inputs or {}).items():
            value = value.replace(f"${{input:{input_id}}}", typed)
        env[name] = value
    return env


async def started_tools(entry: dict[str, Any], home: Path, inputs: dict[str, str] | None = None) -> set[str]:
    """The tools the configured server lists, started exactly as its host starts it."""
    assert Path(entry["command"]).is_absolute(), f"a GUI host needs an absolute command, not {entry['command']}"
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=host_env(entry, home, inputs))
    with anyio.fail_after(30):
        async with Client(params) as client:
            return {tool.name for tool in (await client.list_tools()).tools}


def fake_claude(tmp_path: Path) -> tuple[Path, Path]:
    """A directory holding a ``claude`` that records its calls, and the file it records them in."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    claude = bin_dir / "claude"
    claude.write_text(FAKE_CLAUDE.format(python=sys.executable))
    claude.chmod(0o755)
    return bin_dir, tmp_path / "claude-calls.jsonl"


# ---------------------------------------------------------------- every host: written, then started


@pytest.mark.anyio
@pytest.mark.parametrize("host", FILE_HOSTS)
async def test_each_host_file_starts_as_its_host_starts_it(host: str, tmp_path: Path) -> None:
    done = install(tmp_path, host, "--demo", "--toolsets", "all")
    assert done.returncode == 0, done.stderr
    entry = entry_in(tmp_path, host)
    assert entry["args"][:2] == ["-m", "octolens_mcp"] and "--demo" in entry["args"]
    if HOSTS[host].typed:
        assert entry["type"] == "stdio"
    assert len(await started_tools(entry, tmp_path)) == TOOL_COUNT


@pytest.mark.anyio
async def test_claude_code_is_told_through_its_cli(tmp_path: Path) -> None:
    bin_dir, calls = fake_claude(tmp_path)
    path = f"{bin_dir}:{os.environ['PATH']}"
    done = install(
        tmp_path, "claude-code", "--toolsets", "all", PATH=path, CLAUDE_CALLS=str(calls), **{KEY_VARIABLE: CANARY_KEY}
    )
    assert done.returncode == 0, done.stderr
    (call,) = [json.loads(line) for line in calls.read_text().splitlines()]
    assert call[:6] == ["mcp", "add-json", "--scope", "user", "octolens", call[5]]
    entry = json.loads((tmp_path / ".claude.json").read_text())["mcpServers"]["octolens"]
    assert entry["env"] == {KEY_VARIABLE: CANARY_KEY}
    assert len(await started_tools(entry, tmp_path)) == TOOL_COUNT
    again = install(
        tmp_path, "claude-code", "--toolsets", "all", PATH=path, CLAUDE_CALLS=str(calls), **{KEY_VARIABLE: CANARY_KEY}
    )
    assert again.returncode == 0 and "nothing changed" in again.stdout
    assert len(calls.read_text().splitlines()) == 1, "a second run must not call claude again"


@pytest.mark.anyio
async def test_without_the_claude_cli_the_exact_command_is_printed_with_the_key_as_a_variable(tmp_path: Path) -> None:
    done = install(tmp_path, "claude-code", "--demo", PATH="/usr/bin:/bin")
    assert done.returncode == 0, done.stderr
    (line,) = [line.strip() for line in done.stdout.splitlines() if line.strip().startswith("claude mcp add-json")]
    keyed = install(tmp_path, "claude-code", PATH="/usr/bin:/bin", **{KEY_VARIABLE: CANARY_KEY})
    (keyed_line,) = [ln.strip() for ln in keyed.stdout.splitlines() if ln.strip().startswith("claude mcp add-json")]
    assert f'"${KEY_VARIABLE}"' in keyed_line
    bin_dir, calls = fake_claude(tmp_path)
    for command in (line, keyed_line):  # the printed line, run as a user would paste it
        await anyio.run_process(
            ["bash", "-c", command],
            env=environment(
                tmp_path, PATH=f"{bin_dir}:/usr/bin:/bin", CLAUDE_CALLS=str(calls), **{KEY_VARIABLE: CANARY_KEY}
            ),
            check=True,
        )
        entry = json.loads((tmp_path / ".claude.json").read_text())["mcpServers"]["octolens"]
        assert len(await started_tools(entry, tmp_path)) > 0
    assert entry["env"] == {KEY_VARIABLE: CANARY_KEY}


# ---------------------------------------------------------------- where the key goes


@pytest.mark.anyio
@pytest.mark.parametrize("host", ["claude-desktop", "cursor", "windsurf", "zed"])
async def test_the_key_goes_in_env_and_is_never_printed(host: str, tmp_path: Path) -> None:
    done = install(tmp_path, host, "--read-only", **{KEY_VARIABLE: CANARY_KEY})
    assert done.returncode == 0, done.stderr
    entry = entry_in(tmp_path, host)
    assert entry["env"] == {KEY_VARIABLE: CANARY_KEY}
    assert entry["args"] == ["-m", "octolens_mcp", "--read-only"]
    assert config_file(tmp_path, host).stat().st_mode & 0o077 == 0, "a new file holding a key is private"
    dry = install(tmp_path, host, "--name", "second", "--dry-run", **{KEY_VARIABLE: CANARY_KEY})
    assert "<hidden>" in dry.stdout
    tools = await started_tools(entry, tmp_path)
    assert "list_mentions" in tools and "delete_keyword" not in tools


@pytest.mark.anyio
async def test_vscode_asks_for_the_key_with_a_password_prompt(tmp_path: Path) -> None:
    done = install(tmp_path, "vscode", **{KEY_VARIABLE: CANARY_KEY})
    assert done.returncode == 0, done.stderr
    text = config_file(tmp_path, "vscode").read_text()
    assert CANARY_KEY not in text
    document = jsonc.parse(text).value
    assert document["inputs"] == [
        {
            "type": "promptString",
            "id": VSCODE_INPUT,
            "description": "Octolens API key (Settings → API)",
            "password": True,
        }
    ]
    entry = document["servers"]["octolens"]
    assert entry["env"] == {KEY_VARIABLE: f"${{input:{VSCODE_INPUT}}}"}
    assert "list_mentions" in await started_tools(entry, tmp_path, {VSCODE_INPUT: PROMPTED_KEY})


def _read_until(master: int, done: Callable[[bytes], bool], seen: bytes = b"") -> bytes:
    deadline = time.monotonic() + 60
    while not done(seen) and time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the process is gone
                break
            if not chunk:
                break
            seen += chunk
    return seen


def test_in_a_terminal_the_key_is_asked_for_and_not_echoed(tmp_path: Path) -> None:
    master, slave = os.openpty()

    def own_terminal() -> None:  # the pseudo-terminal becomes the process's terminal, as a shell's is
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [sys.executable, "-m", "octolens_mcp", "install", "zed"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=environment(tmp_path),
        preexec_fn=own_terminal,
    )
    os.close(slave)
    try:
        shown = _read_until(master, lambda out: b"not shown as you type" in out)
        assert b"not shown as you type" in shown, shown
        os.write(master, CANARY_KEY.encode() + b"\n")
        shown = _read_until(master, lambda out: False, shown)
        assert process.wait(timeout=60) == 0, shown
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
    assert CANARY_KEY.encode() not in shown, "the key was echoed"
    assert entry_in(tmp_path, "zed")["env"] == {KEY_VARIABLE: CANARY_KEY}


def test_an_unknown_toolset_is_refused(tmp_path: Path) -> None:
    done = install(tmp_path, "cursor", "--demo", "--toolsets", "mentions,nope")
    assert done.returncode == 1 and "unknown toolset nope" in done.stderr
    assert not config_file(tmp_path, "cursor").exists()


def test_without_a_key_or_a_terminal_it_says_how_to_give_one(tmp_path: Path) -> None:
    done = install(tmp_path, "cursor")
    assert done.returncode == 1
    assert KEY_VARIABLE in done.stderr and "--demo" in done.stderr
    assert not config_file(tmp_path, "cursor").exists()


# ---------------------------------------------------------------- what happens to the file


def test_dry_run_shows_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = config_file(tmp_path, "claude-desktop")
    path.parent.mkdir(parents=True)
    path.write_text('{"mcpServers": {"other": {"command": "x", "env": {"TOKEN": "other-secret"}}}}\n')
    before = sorted(path.parent.iterdir())
    done = install(tmp_path, "claude-desktop", "--dry-run", **{KEY_VARIABLE: CANARY_KEY})
    assert done.returncode == 0, done.stderr
    assert any(line.startswith("+") and '"octolens": {' in line for line in done.stdout.splitlines())
    assert "not written" in done.stdout
    assert "other-secret" not in done.stdout
    assert sorted(path.parent.iterdir()) == before
    assert json.loads(path.read_text()) == {"mcpServers": {"other": {"command": "x", "env": {"TOKEN": "other-secret"}}}}
    fresh = install(tmp_path, "windsurf", "--demo", "--dry-run")
    assert fresh.returncode == 0 and "--- /dev/null" in fresh.stdout
    assert not config_file(tmp_path, "windsurf").exists()


def test_a_backup_comes_first_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    path = config_file(tmp_path, "cursor")
    path.parent.mkdir(parents=True)
    original = '{\n    "mcpServers": {\n        "other": {"command": "/bin/other"}\n    },\n    "theme": "dark"\n}\n'
    path.write_text(original)
    first = install(tmp_path, "cursor", "--demo")
    assert first.returncode == 0, first.stderr
    (saved,) = path.parent.glob("mcp.json.bak-*")
    assert saved.read_text() == original
    written = path.read_text()
    assert '        "octolens": {' in written, "the file's own indentation is kept"
    second = install(tmp_path, "cursor", "--demo")
    assert second.returncode == 0 and "nothing changed" in second.stdout
    assert path.read_text() == written
    assert len(list(path.parent.glob("mcp.json.bak-*"))) == 1
    document = json.loads(written)
    assert document["theme"] == "dark" and document["mcpServers"]["other"] == {"command": "/bin/other"}


@pytest.mark.parametrize("host", FILE_HOSTS)
def test_a_file_that_does_not_parse_is_refused_and_left_untouched(host: str, tmp_path: Path) -> None:
    path = config_file(tmp_path, host)
    path.parent.mkdir(parents=True)
    broken = '{\n  "mcpServers": {\n    "other": {"command": "x",,}\n'
    path.write_text(broken)
    done = install(tmp_path, host, "--demo")
    assert done.returncode == 1
    assert str(path) in done.stderr and "untouched" in done.stderr and "line 3" in done.stderr
    assert path.read_text() == broken
    assert list(path.parent.iterdir()) == [path]


ZED_SETTINGS = """// Zed settings
{
  // my fonts
  "buffer_font_size": 15, /* not too big */
  "context_servers": {
    // a server of mine
    "other": {
      "command": "/usr/bin/other",
      "args": [],
    },
  },
}
"""
VSCODE_MCP = """{
  // shared with the team
  "inputs": [
    {"type": "promptString", "id": "gh-token", "password": true}, // GitHub
  ],
  "servers": {
    /* keep this one */
    "github": {"type": "stdio", "command": "gh-mcp", "env": {"GH": "${input:gh-token}"}},
  },
}
"""


@pytest.mark.anyio
@pytest.mark.parametrize(("host", "original"), [("zed", ZED_SETTINGS), ("vscode", VSCODE_MCP)])
async def test_jsonc_comments_and_other_servers_survive(host: str, original: str, tmp_path: Path) -> None:
    path = config_file(tmp_path, host)
    path.parent.mkdir(parents=True)
    path.write_text(original)
    demo = [] if host == "vscode" else ["--demo"]  # VS Code asks for the key: no demo needed to keep it out
    done = install(tmp_path, host, *demo, "--name", "octolens-demo")
    assert done.returncode == 0, done.stderr
    written = path.read_text()
    comments = [line.strip() for line in original.splitlines() if "//" in line or "/*" in line]
    for line in comments:
        assert line in written, f"lost: {line}"
    before, after = jsonc.parse(original).value, jsonc.parse(written).value
    container = HOSTS[host].container
    for name, entry in before[container].items():
        assert after[container][name] == entry
    assert {k: v for k, v in after.items() if k not in {container, "inputs"}} == {
        k: v for k, v in before.items() if k not in {container, "inputs"}
    }
    if host == "vscode":
        assert after["inputs"][0] == before["inputs"][0] and after["inputs"][1]["id"] == VSCODE_INPUT
    assert await started_tools(after[container]["octolens-demo"], tmp_path, {VSCODE_INPUT: PROMPTED_KEY})


def test_project_files_and_an_explicit_path(tmp_path: Path) -> None:
    project = tmp_path / "project"
    done = install(tmp_path, "cursor", "--demo", "--project", str(project))
    assert done.returncode == 0, done.stderr
    assert "octolens" in json.loads((project / ".cursor" / "mcp.json").read_text())["mcpServers"]
    done = install(tmp_path, "vscode", "--demo", "--project", str(project))
    assert "octolens" in jsonc.parse((project / ".vscode" / "mcp.json").read_text()).value["servers"]
    refused = install(tmp_path, "windsurf", "--demo", "--project", str(project))
    assert refused.returncode == 1 and "no per-project configuration" in refused.stderr
    explicit = tmp_path / "elsewhere" / "config.json"
    assert install(tmp_path, "claude-desktop", "--demo", "--config", str(explicit)).returncode == 0
    assert "octolens" in json.loads(explicit.read_text())["mcpServers"]
    assert not config_file(tmp_path, "claude-desktop").exists()


def test_each_platform_has_its_hosts_files(tmp_path: Path) -> None:
    mac = Places(home=Path("/Users/u"), platform="darwin")
    windows = Places(home=Path("C:/Users/u"), platform="win32", appdata=Path("C:/Users/u/AppData/Roaming"))
    linux = Places(home=Path("/home/u"), platform="linux", xdg_config_home=Path("/home/u/.cfg"))
    desktop, code = HOSTS["claude-desktop"], HOSTS["vscode"]
    assert desktop.user_file(mac) == Path("/Users/u/Library/Application Support/Claude/claude_desktop_config.json")
    assert desktop.user_file(windows) == Path("C:/Users/u/AppData/Roaming/Claude/claude_desktop_config.json")
    assert desktop.user_file(linux) == Path("/home/u/.cfg/Claude/claude_desktop_config.json")
    assert code.user_file(mac) == Path("/Users/u/Library/Application Support/Code/User/mcp.json")
    assert code.user_file(windows) == Path("C:/Users/u/AppData/Roaming/Code/User/mcp.json")
    assert HOSTS["zed"].user_file(mac) == Path("/Users/u/.config/zed/settings.json")
    assert HOSTS["windsurf"].user_file(linux) == Path("/home/u/.codeium/windsurf/mcp_config.json")
    assert (
        Places.from_env({"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "x")}).config_home == tmp_path / "x"
    )


# ---------------------------------------------------------------- the splice itself

SPLICES = [
    ("", {"s": {"o": 1}}),
    ("// only a comment\n", {"s": {"o": 1}}),
    (
        '{"a": "// not a comment", "b": "/* nor this */"}',
        {"a": "// not a comment", "b": "/* nor this */", "s": {"o": 1}},
    ),
    ('\ufeff{\n\t"s": {\n\t\t"x": [1, 2,],\n\t},\n}\n', {"s": {"x": [1, 2], "o": 1}}),
    ('{\n  "s": {\n    "x": 1 // last, no comma\n  }\n}\n', {"s": {"x": 1, "o": 1}}),
    ('{\n  "s": {\n    "o": {"old": true}, /* replaced */\n    "y": 2\n  }\n}\n', {"s": {"o": 1, "y": 2}}),
]


@pytest.mark.parametrize(("text", "expected"), SPLICES)
def test_the_splice_sets_one_member_and_keeps_the_rest(text: str, expected: dict[str, Any]) -> None:
    spliced = jsonc.set_member(text, ("s", "o"), 1)
    assert jsonc.parse(spliced).value == expected
    for comment in ("// only a comment", "// last, no comma", "/* replaced */"):
        if comment in text:
            assert comment in spliced
    if "\t" in text:
        assert '\t\t"o": 1' in spliced, "the file's tab indentation is kept"
    assert jsonc.set_member(spliced, ("s", "o"), 1) == spliced, "setting the same value again changes nothing"


@pytest.mark.parametrize(
    "text", ['{"a": 1,, }', '{"a": 1', '{"a": }', "[1]", '{"a": 1, "a": 2}', "{/* open", '{"a": 1} x', "{'a': 1}"]
)
def test_what_is_not_jsonc_is_refused(text: str) -> None:
    with pytest.raises(jsonc.JsoncError):
        jsonc.parse(text)
