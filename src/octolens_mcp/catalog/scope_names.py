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
    """The scope names as sent (in order, without blanks), or None when the answer names none.

    The first place that names any wins: what ``get_auth_info`` shows is one list as the API sent it.
    """
    return next(iter(_every_list(body)), None)


def all_scope_names(body: Any) -> list[str]:
    """Every scope name the answer holds in any of its places, so none that would widen the key is missed."""
    return [name for names in _every_list(body) for name in names]


def _every_list(body: Any) -> list[list[str]]:
    if not isinstance(body, dict):
        return []
    holders = [body, *(body.get(name) for name in HOLDERS)]
    found: list[list[str]] = []
    for holder in holders:
        if isinstance(holder, dict):
            found += [names for field in ("scopes", "scope") if (names := _names(holder.get(field))) is not None]
    return found


def _names(raw: Any) -> list[str] | None:
    if isinstance(raw, str):
        return [part for part in raw.replace(",", " ").split() if part]
    if isinstance(raw, list):
        return [text for text in (str(part).strip() for part in raw if part is not None) if text]
    return None
