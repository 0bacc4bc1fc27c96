"""Live mentions from Octolens webhooks: the receiver, the inboxes, and what the watch tools need per call."""

from __future__ import annotations

from dataclasses import dataclass

from octolens_mcp.webhooks.hub import Hub


@dataclass(frozen=True)
class Access:
    """What a call of a webhook tool may use: the server's hub, and whose call it is (a hash of its key)."""

    hub: Hub
    key: str


__all__ = ["Access", "Hub"]
