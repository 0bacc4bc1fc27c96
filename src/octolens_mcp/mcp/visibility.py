"""Which tools this server exposes, so text for the agent never points at a tool it cannot call.

Hints and ``verify`` instructions name other tools ("call list_keywords …"). Every one of them is
rendered here before it reaches the agent: when the selected toolsets, read-only mode or the key's scope
hide a named tool, ``render`` says so next to the name, and how to show it (the flag and variable, or
``enable_toolset`` in a dynamic session).
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
                hidden[tool["name"]] = "a write tool, hidden by read-only mode: --read-only, OCTOLENS_READ_ONLY"
            elif enableable:
                hidden[tool["name"]] = f"not listed yet; call enable_toolset with {tool['toolset']}"
            else:
                hidden[tool["name"]] = (
                    f"not exposed; start the server with the {tool['toolset']} toolset: --toolsets, OCTOLENS_TOOLSETS"
                )
        return cls(hidden)

    @classmethod
    def everything(cls) -> Visibility:
        return cls({})

    def render(self, text: str, *, calling: str | None = None) -> str:
        """``text`` with every hidden tool it names followed by why it is missing and how to show it.

        ``calling``: the tool whose result this is. The agent has just called it, so naming it needs no note.
        """
        hidden = {name: why for name, why in self.hidden.items() if name != calling}
        if not hidden or not text:
            return text
        return _names(tuple(sorted(hidden))).sub(lambda m: f"{m.group(0)} ({hidden[m.group(0)]})", text)


_patterns: dict[tuple[str, ...], re.Pattern[str]] = {}


def _names(names: tuple[str, ...]) -> re.Pattern[str]:
    pattern = _patterns.get(names)
    if pattern is None:
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")
        _patterns[names] = pattern
    return pattern
