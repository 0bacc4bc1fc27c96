"""The sandbox's route table: each area's (method, path template, required scope, handler), in match order."""

from __future__ import annotations

from octolens_sandbox.routes import analytics, feedback, feeds, keywords, mentions, misc, org, search
from octolens_sandbox.routes._common import Route

ROUTES: tuple[Route, ...] = (
    mentions.ROUTES
    + search.ROUTES
    + keywords.ROUTES
    + feeds.ROUTES
    + feedback.ROUTES
    + misc.ROUTES
    + analytics.ROUTES
    + org.ROUTES
)
