"""What each MCP host needs: where its configuration file is, the key its servers sit under, an entry's shape.

These are the hosts' own documented facts, kept in one place for ``install`` (which writes an entry) and
``doctor`` (which finds every entry naming this server and starts it as its host would).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KEY_VARIABLE = "OCTOLENS_API_KEY"
VSCODE_INPUT = "octolens-api-key"
"""The id of VS Code's password prompt for the key (``${input:octolens-api-key}``)."""
GUI_PATH = "/usr/bin:/bin"
"""The PATH a GUI app started from the Dock, Finder or a desktop launcher has: not the shell's."""


@dataclass(frozen=True)
class Places:
    """Where configuration lives on this machine: the variables a host reads, and the platform."""

    home: Path
    platform: str = sys.platform
    appdata: Path | None = None
    xdg_config_home: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, platform: str = sys.platform) -> Places:
        env = os.environ if env is None else env
        home = Path(env["HOME"]) if env.get("HOME") else Path.home()
        appdata = Path(env["APPDATA"]) if env.get("APPDATA") else None
        xdg = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else None
        return cls(home, platform, appdata, xdg)

    @property
    def config_home(self) -> Path:
        """``~/.config`` (or ``$XDG_CONFIG_HOME``), where Linux apps keep their settings."""
        return self.xdg_config_home or self.home / ".config"

    def app_config(self, *parts: str) -> Path:
        """An app's settings directory: Application Support on macOS, %APPDATA% on Windows, ~/.config else."""
        if self.platform == "darwin":
            return self.home.joinpath("Library", "Application Support", *parts)
        if self.platform == "win32":
            return (self.appdata or self.home / "AppData" / "Roaming").joinpath(*parts)
        return self.config_home.joinpath(*parts)


@dataclass(frozen=True)
class Host:
    """One MCP host."""

    name: str
    """As ``install`` takes it: ``claude-desktop``."""
    label: str
    container: str
    """The member that holds the servers: ``mcpServers``, ``servers`` or ``context_servers``."""
    user_file: Callable[[Places], Path]
    project_file: str | None = None
    """The configuration inside a project directory, where the host has one."""
    jsonc: bool = False
    """Its files may hold comments (JSONC)."""
    restart: str = "Restart the app to load it."
    typed: bool = False
    """Its entries say ``"type": "stdio"``."""

    def entry(self, command: str, args: list[str], env: dict[str, str]) -> dict[str, Any]:
        """The server's entry in this host's shape."""
        entry: dict[str, Any] = {"command": command, "args": args}
        if self.typed:
            entry = {"type": "stdio", **entry}
        if env:
            entry["env"] = env
        return entry


def _zed(places: Places) -> Path:
    if places.platform == "win32":
        return places.app_config("Zed", "settings.json")
    return places.config_home / "zed" / "settings.json"  # macOS too: Zed keeps ~/.config/zed


HOSTS: dict[str, Host] = {
    host.name: host
    for host in (
        Host(
            "claude-desktop",
            "Claude Desktop",
            "mcpServers",
            lambda p: p.app_config("Claude", "claude_desktop_config.json"),
            restart="Quit Claude Desktop completely and open it again.",
        ),
        Host(
            "cursor",
            "Cursor",
            "mcpServers",
            lambda p: p.home / ".cursor" / "mcp.json",
            project_file=".cursor/mcp.json",
            restart="Cursor picks it up in Settings → MCP (toggle the server if it was already listed).",
        ),
        Host(
            "vscode",
            "VS Code",
            "servers",
            lambda p: p.app_config("Code", "User", "mcp.json"),
            project_file=".vscode/mcp.json",
            jsonc=True,
            typed=True,
            restart="VS Code asks for the key the first time the server starts, and keeps it in its secret storage.",
        ),
        Host(
            "windsurf",
            "Windsurf",
            "mcpServers",
            lambda p: p.home / ".codeium" / "windsurf" / "mcp_config.json",
            restart="Press Refresh in Windsurf's MCP panel.",
        ),
        Host("zed", "Zed", "context_servers", _zed, jsonc=True, restart="Zed reloads its settings by itself."),
        Host(
            "claude-code",
            "Claude Code",
            "mcpServers",
            lambda p: p.home / ".claude.json",
            restart="Run `claude mcp list` to see it connect.",
            typed=True,
        ),
    )
}
CLAUDE_CODE = HOSTS["claude-code"]
"""Written through its own CLI (``claude mcp add-json``), read from ``~/.claude.json``."""
