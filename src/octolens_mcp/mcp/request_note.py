"""What one HTTP request did, noted by the layers that know it and read by the access log and the guard.

Kept apart (no Starlette here) so that ``server`` can fill it in without loading the HTTP stack over stdio.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NOTE_SCOPE = "octolens.note"
"""Where a request's ``RequestNote`` is in its ASGI scope."""


@dataclass
class RequestNote:
    """What one HTTP request did, filled in by whichever layer knows it."""

    tool: str | None = None
    outcome: str | None = None
    key_fingerprint: str | None = None
    key_answered: bool = False
    """Octolens answered one of this key's requests 2xx (during this request, or before it)."""
    key_rejected: bool = False
    """Octolens answered 401 for the key during this request."""
    key_verified: bool = False
    """The key was accepted by Octolens before this request (the guard's book): it may hold streams."""
    listening: bool = False
    """The request is a ``subscriptions/listen`` stream: it carries no call, and shutdown ends it at once."""
    refused: str | None = None
    """Why the request was refused before any work, when it was."""


def note_of(scope: Any) -> RequestNote | None:
    """The request's note, when it has one (over HTTP, behind ``observability.AccessLog``)."""
    note = scope.get(NOTE_SCOPE) if isinstance(scope, dict) else None
    return note if isinstance(note, RequestNote) else None
