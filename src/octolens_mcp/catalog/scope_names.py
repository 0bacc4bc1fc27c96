"""The scopes a ``GET /auth`` answer names, read from any shape the reference leaves open (§5.15).

The scopes may be ``scopes`` or ``scope``, a string ("read write", "read,write") or an array, at the top
level or inside ``data``, ``key`` or ``apiKey``. Both ``get_auth_info`` (which shows them) and the
scope-aware tool list (which ranks them) read them here. Imports nothing, so start-up stays light.
"""

from __future__ import annotations

from typing import Any

HOLDERS = ("data", "key", "apiKey")
"""Objects the scopes may be nested in, tried after the top level."""


def scope_names(body: Any) -> list[str] | None:
    """The scope names as sent (in order, without blanks), or None when the answer names none."""
    if not isinstance(body, dict):
        return None
    holders = [body, *(body.get(name) for name in HOLDERS)]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        for field in ("scopes", "scope"):
            names = _names(holder.get(field))
            if names is not None:
                return names
    return None


def _names(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        return [part for part in raw.replace(",", " ").split() if part]
    if isinstance(raw, list):
        return [text for text in (str(part).strip() for part in raw if part is not None) if text]
    return None
