"""The toolsets, declared once: the names an operation's ``toolset`` takes, what each holds, the defaults.

Imported at start-up (the CLI's help, the server's tool selection), so it imports nothing else.
"""

from __future__ import annotations

from typing import Literal

Toolset = Literal[
    "mentions",
    "search",
    "keywords",
    "feeds",
    "notifications",
    "feedback",
    "analytics",
    "org",
    "members",
    "filters",
    "integrations",
    "webhooks",
]

TOOLSETS: dict[Toolset, str] = {
    "mentions": "Mentions: list, export, read, triage; tags; plain-language filters",
    "search": "On-demand AI-scored searches of public platforms",
    "keywords": "Tracked keywords and AI tuning suggestions",
    "feeds": "Saved feeds (filters + destinations)",
    "notifications": "Delivery rules: email, Slack, webhooks",
    "feedback": "Relevance feedback",
    "analytics": "Volume, sentiment, sources, keywords, dashboard",
    "org": "Workspace, usage, billing link, company profile, API key check",
    "members": "Members and invitations",
    "filters": "Org-wide global filter lists",
    "integrations": "Slack connection and channels",
    "webhooks": "Live mentions: connect feeds to this server, wait for new mentions",
}
DEFAULT_TOOLSETS: tuple[Toolset, ...] = ("mentions", "search", "keywords", "feeds", "analytics")
"""Offered when no toolsets are named; an opt-in tool among them (``run_search``) only when its toolset is."""
