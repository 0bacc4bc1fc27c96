"""Every Octolens operation, declared once, in tool order. Importing this module imports every model."""

from __future__ import annotations

from octolens_mcp.catalog import (
    analytics,
    feedback,
    feeds,
    filters,
    integrations,
    keywords,
    mentions,
    notifications,
    org,
    search,
    webhooks,
)
from octolens_mcp.catalog.operation import Operation

OPERATIONS: tuple[Operation, ...] = (
    *mentions.OPERATIONS,
    *search.OPERATIONS,
    *keywords.OPERATIONS,
    *feeds.OPERATIONS,
    *notifications.OPERATIONS,
    *feedback.OPERATIONS,
    *analytics.OPERATIONS,
    *org.OPERATIONS,
    *filters.OPERATIONS,
    *integrations.OPERATIONS,
    *webhooks.OPERATIONS,
)

BY_NAME: dict[str, Operation] = {operation.name: operation for operation in OPERATIONS}
