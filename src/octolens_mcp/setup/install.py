"""``octolens-mcp install HOST``: write (or merge) this server into an MCP host's configuration.

The entry starts this very installation by absolute paths, so a GUI host that does not see the shell's
PATH still finds it. The key goes where the host keeps it best (VS Code prompts for it; Claude Code is
told through its own CLI), and is never printed. A file is backed up before it changes, a file that does
not parse is refused untouched, and only the server's own entry is spliced in: other servers, settings and
comments stay as they were.
"""

from __future__ import annotations

import argparse
import difflib
import getpass
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from octolens_mcp.setup import jsonc
from octolens_mcp.setup.hosts import CLAUDE_CODE, HOSTS, KEY_VARIABLE, VSCODE_INPUT, Host, Places

VSCODE_KEY_INPUT: dict[str, Any] = {
    "type": "promptString",
    "id": VSCODE_INPUT,
    "description": "Octolens API key (Settings → API)",
    "password": True,
}
HIDDEN = "<hidden>"
_SECRET_MEMBER = re.compile(r'("[^"]*(?:KEY|TOKEN|SECRET|PASSWORD)[^"]*"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE)
_CACHES = ("/.cache/uv/", "/uv/archive-v", "\\uv\\cache\\", "/pipx/.cache/", "/.cache/pipx/")


class InstallError(Exception):
    """What stops the install; the message says what to do."""


def launcher() -> tuple[str, list[str]]:
    """The absolute command and arguments that start this installation, with no PATH needed.

    This interpreter with ``-m octolens_mcp`` rather than the ``octolens-mcp`` script: the interpreter is
    always there and absolute while this runs, whereas where the script lands depends on the installer (a
    venv's bin, ~/.local/bin, a uv tool shim, an .exe wrapper on Windows). ``sys.executable`` is kept as
    given, not resolved: a venv's python is a symlink to the base interpreter, and following it would
    start Python without the venv's packages.
    """
    return str(Path(sys.executable).absolute()), ["-m", "octolens_mcp"]


def server_args(args: argparse.Namespace) -> list[str]:
    from octolens_mcp.catalog.toolsets import TOOLSETS

    _, base = launcher()
    extra = ["--demo"] if args.demo else []
    if args.toolsets:
        unknown = [name for name in args.toolsets.split(",") if name.strip() not in {*TOOLSETS, "all"}]
        if unknown:
            raise InstallError(f"unknown toolset {', '.join(unknown)}: choose from {', '.join(TOOLSETS)}, or all")
        extra += ["--toolsets", args.toolsets]
    if args.read_only:
        extra.append("--read-only")
    return [*base, *extra]


def hide(text: str, key: str | None) -> str:
    """``text`` with ``key`` and every secret-named member's value hidden (other servers' keys too)."""
    if key:
        text = text.replace(key, HIDDEN)
    return _SECRET_MEMBER.sub(
        lambda m: m.group(1) + (m.group(2) if m.group(2).startswith("${") else HIDDEN) + m.group(3), text
    )


def read_key(host: Host, demo: bool) -> str | None:
    """The key to write, or None where none is written (``--demo``; VS Code prompts for it itself)."""
    if demo or host.name == "vscode":
        return None
    key = os.environ.get(KEY_VARIABLE, "").strip()
    if key:
        return key
    if sys.stdin.isatty():
        key = getpass.getpass("Octolens API key (Settings → API; not shown as you type): ").strip()
        if key:
            return key
    raise InstallError(
        f"no API key: set {KEY_VARIABLE} (read -rs {KEY_VARIABLE} && export {KEY_VARIABLE}) or run this in a "
        "terminal to be asked for it; --demo needs none."
    )


@dataclass(frozen=True)
class Change:
    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, key: str | None) -> str:
        existed = self.path.exists()
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=str(self.path) if existed else "/dev/null",
            tofile=str(self.path),
        )
        return hide("".join(line if line.endswith("\n") else line + "\n" for line in lines), key)


def planned(host: Host, path: Path, name: str, entry: dict[str, Any]) -> Change:
    """The file's text now and with the entry in it; raises ``InstallError`` for a file it cannot read."""
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        root = jsonc.parse(before)
        servers = root.value.get(host.container, {})
        if not isinstance(servers, dict):
            raise jsonc.JsoncError(f'"{host.container}" is not an object')
        after = before if servers.get(name) == entry else jsonc.set_member(before, (host.container, name), entry)
        if f"${{input:{VSCODE_INPUT}}}" in json.dumps(entry):
            inputs = jsonc.parse(after).value.get("inputs", [])
            if not isinstance(inputs, list):
                raise jsonc.JsoncError('"inputs" is not an array')
            if not any(isinstance(i, dict) and i.get("id") == VSCODE_INPUT for i in inputs):
                after = jsonc.append_item(after, ("inputs",), VSCODE_KEY_INPUT)
    except jsonc.JsoncError as exc:
        raise InstallError(
            f"{path} is not valid {'JSON with comments' if host.jsonc else 'JSON'} ({exc}); it was left untouched. "
            "Fix it (or move it away) and run this again."
        ) from None
    return Change(path, before, after)


def backup(path: Path) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bak-{stamp}")
    count = 1
    while target.exists():
        count += 1
        target = path.with_name(f"{path.name}.bak-{stamp}-{count}")
    shutil.copy2(path, target)
    return target


def write(change: Change, private: bool) -> Path | None:
    """The new text written in place of the old (atomically); the backup made of the old, if there was one."""
    path = change.path
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = backup(path) if path.exists() else None
    mode = path.stat().st_mode & 0o777 if path.exists() else (0o600 if private else 0o644)
    temporary = path.with_name(f".{path.name}.octolens-{os.getpid()}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(change.after)
    os.replace(temporary, path)
    return saved


def config_path(host: Host, args: argparse.Namespace, places: Places) -> Path:
    if args.config:
        return Path(args.config).expanduser().absolute()
    if args.project:
        if host.project_file is None:
            raise InstallError(f"{host.label} has no per-project configuration; leave out --project")
        return Path(args.project).expanduser().absolute() / host.project_file
    return host.user_file(places)


def claude_add_command(name: str, entry: dict[str, Any], claude: str = "claude") -> str:
    """``claude mcp add-json`` as a shell line, the key taken from ``$OCTOLENS_API_KEY``, never written out."""
    marker = "@@octolens-key@@"
    shown = dict(entry)
    if "env" in shown:
        shown["env"] = {k: marker if k == KEY_VARIABLE else v for k, v in shown["env"].items()}
    parts = json.dumps(shown, separators=(",", ":")).split(marker)
    quoted = f'"${KEY_VARIABLE}"'.join(shlex.quote(part) for part in parts)
    return f"{shlex.join([claude, 'mcp', 'add-json', '--scope', 'user', name])} {quoted}"


def install_claude_code(args: argparse.Namespace, entry: dict[str, Any], places: Places) -> int:
    """Through ``claude mcp add-json`` (user scope) when the CLI is here; else the exact command, printed."""
    claude = shutil.which("claude")
    if args.dry_run or claude is None:
        why = "Dry run: would run" if args.dry_run else "The claude CLI is not on PATH. Run"
        print(f"{why} (with {KEY_VARIABLE} set in that shell; `read -rs {KEY_VARIABLE}` reads it unseen):")
        print(f"  {claude_add_command(args.name, entry)}")
        return 0
    key = read_key(CLAUDE_CODE, args.demo)
    if key is not None:
        entry = {**entry, "env": {KEY_VARIABLE: key}}
    existing = _claude_code_entry(places, args.name)
    if existing == entry:
        print(f"{args.name} is already set up in Claude Code (user scope); nothing changed.")
        return 0
    if existing is not None:
        subprocess.run([claude, "mcp", "remove", "--scope", "user", args.name], capture_output=True, check=False)
    done = subprocess.run(
        [claude, "mcp", "add-json", "--scope", "user", args.name, json.dumps(entry)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"octolens-mcp install: claude mcp add-json failed: {hide(done.stderr.strip(), key)}", file=sys.stderr)
        return 1
    print(f"Added {args.name} to Claude Code (user scope) with `claude mcp add-json`. {CLAUDE_CODE.restart}")
    return 0


def _claude_code_entry(places: Places, name: str) -> Any:
    path = CLAUDE_CODE.user_file(places)
    try:
        servers = json.loads(path.read_text(encoding="utf-8")).get(CLAUDE_CODE.container, {})
    except (OSError, ValueError, AttributeError):
        return None
    return servers.get(name) if isinstance(servers, dict) else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="octolens-mcp install",
        description="Add this server to an MCP host's configuration, started by absolute paths (no PATH needed).",
        epilog=f"The key comes from {KEY_VARIABLE}, or is asked for without echo in a terminal; it is never printed.",
    )
    parser.add_argument("host", choices=sorted(HOSTS), help="the MCP host to configure")
    parser.add_argument("--name", default="octolens", help="the server's name in the configuration (default octolens)")
    parser.add_argument("--demo", action="store_true", help="serve demo data: no key needed")
    parser.add_argument("--toolsets", help="comma-separated toolsets to offer, or all")
    parser.add_argument("--read-only", action="store_true", help="offer read-only tools only")
    parser.add_argument("--dry-run", action="store_true", help="show the change as a diff and write nothing")
    parser.add_argument("--config", metavar="PATH", help="the configuration file to write (default: the host's own)")
    parser.add_argument("--project", metavar="DIR", help="the project's file (.cursor/mcp.json, .vscode/mcp.json)")
    return parser


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    host = HOSTS[args.host]
    places = Places.from_env()
    try:
        return _install(host, args, places)
    except InstallError as exc:
        print(f"octolens-mcp install: {exc}", file=sys.stderr)
        return 1


def _install(host: Host, args: argparse.Namespace, places: Places) -> int:
    if any(part in sys.prefix for part in _CACHES):
        print(
            f"Warning: this Python ({sys.executable}) lives in a package cache that may be cleared; the host "
            "would then fail to start it. Install for good (uv tool install, pipx install, or a venv) first.",
            file=sys.stderr,
        )
    command, arguments = launcher()[0], server_args(args)
    if host is CLAUDE_CODE and args.project:
        raise InstallError("for a project's .mcp.json, run `claude mcp add-json --scope project` in it")
    if host is CLAUDE_CODE and not args.config:
        env = {} if args.demo else {KEY_VARIABLE: f"${KEY_VARIABLE}"}
        return install_claude_code(args, host.entry(command, arguments, env), places)
    key = read_key(host, args.demo)
    env = {}
    if not args.demo:
        env[KEY_VARIABLE] = f"${{input:{VSCODE_INPUT}}}" if host.name == "vscode" else str(key)
    entry = host.entry(command, arguments, env)
    change = planned(host, config_path(host, args, places), args.name, entry)
    if not change.changed:
        print(f"{args.name} is already set up in {change.path}; nothing changed.")
        return 0
    if args.dry_run:
        print(change.diff(key), end="")
        print(f"Dry run: {change.path} was not written.")
        return 0
    saved = write(change, private=key is not None)
    print(f"Wrote {args.name} to {change.path}" + (f" (the old file is kept as {saved.name})." if saved else "."))
    print(f"It starts: {shlex.join([command, *arguments])}" + (" (key in its env, not shown)." if key else ""))
    print(host.restart)
    return 0
