"""The Slack integration."""

from __future__ import annotations

from octolens_mcp.catalog.models.common import NoInput
from octolens_mcp.catalog.models.misc import SlackChannelPage, SlackChannelsInput, SlackStatus
from octolens_mcp.catalog.operation import CursorPages, ItemKind, Items, Operation, lean

STATUS = Operation(
    name="get_slack_status",
    method="GET",
    path="/integrations/slack",
    scope="read",
    toolset="integrations",
    title="Slack status",
    description="Whether Slack is connected (needed for Slack destinations). Connecting happens in the web app.",
    input=NoInput,
    output=SlackStatus,
    read_only=True,
    destructive=False,
    idempotent=True,
    cache="slack",
)

CHANNEL = ItemKind(name="Slack channel", compact=lean())

CHANNELS = Operation(
    name="search_slack_channels",
    method="GET",
    path="/integrations/slack/channels",
    scope="read",
    toolset="integrations",
    title="Search Slack channels",
    description="Find Slack channel ids by name substring (q) for slackDestination.channels; SLACK_NOT_CONNECTED if unlinked.",
    input=SlackChannelsInput,
    output=SlackChannelPage,
    read_only=True,
    destructive=False,
    idempotent=True,
    items=Items(field="data", kind=CHANNEL),
    paging=CursorPages(None),
)

OPERATIONS = (STATUS, CHANNELS)
