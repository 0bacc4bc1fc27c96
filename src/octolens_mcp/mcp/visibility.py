"""Which tools this server exposes, so text for the agent never points at a tool it cannot call.

Hints and ``verify`` instructions name other tools ("call list_keywords …"). When the selected
toolsets or read-only mode hide a named tool, ``render`` says so next to the name, and how to get it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from octolens_mcp.mcp.manifest import ToolEntry
from octolens_mcp.mcp.scopes import allows


@dataclass(frozen=True)
class Visibility:
    hidden: dict[str, str]
    """Hidden tool name → how to expose it."""

    @classmethod
    def of(
        cls,
        every_tool: Iterable[ToolEntry],
        *,
        exposed: Iterable[str],
        read_only: bool,
        enableable: bool = False,
        scope: str | None = None,
    ) -> Visibility:
        """``enableable``: dynamic mode, where a hidden tool's toolset can be enabled during the session.

        ``scope``: the key's scope, when known; a tool needing more is hidden for that reason.
        """
        shown = set(exposed)
        hidden: dict[str, str] = {}
        for tool in every_tool:
            if tool["name"] in shown:
                continue
            needed = tool.get("_meta", {}).get("octolens/scope", "read")
            if scope is not None and not allows(scope, needed):
                hidden[tool["name"]] = f"needs an API key with {needed} scope; this key has {scope}"
            elif read_only and not tool["annotations"]["readOnlyHint"]:
                hidden[tool["name"]] = "a write tool, hidden by read-only mode"
            elif enableable:
                hidden[tool["name"]] = f"not listed yet; call enable_toolset with {tool['toolset']}"
            else:
                hidden[tool["name"]] = f"not exposed; start the server with the {tool['toolset']} toolset"
        return cls(hidden)

    @classmethod
    def everything(cls) -> Visibility:
        return cls({})

    def render(self, text: str) -> str:
        """``text`` with every hidden tool it names followed by why it is missing."""
        if not self.hidden or not text:
            return text
        return _names(tuple(sorted(self.hidden))).sub(lambda m: f"{m.group(0)} ({self.hidden[m.group(0)]})", text)


_patterns: dict[tuple[str, ...], re.Pattern[str]] = {}


def _names(names: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _patterns.get(names)
    if pattern is None:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
        _patterns[names] = pattern
    return pattern
