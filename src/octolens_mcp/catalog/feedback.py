"""Relevance feedback that trains the workspace's relevance model."""

from __future__ import annotations

from typing import Any

from octolens_mcp.catalog.mentions import mention_facts, read_mention
from octolens_mcp.catalog.models.feedback import (
    DeleteFeedbackInput,
    FeedbackDeletion,
    FeedbackRecord,
    FeedbackStats,
    FeedbackStatsInput,
    SubmitFeedbackInput,
)
from octolens_mcp.catalog.operation import Api, Operation
from octolens_mcp.http.errors import refused

FROM_MENTION = ("keywordId", "source", "originalRelevanceScore")
"""What only a read of the mention tells, when omitted; its timestamp and id an earlier answer may have stated."""


async def _submit(api: Api, op: Operation, args: SubmitFeedbackInput) -> Any:
    data = args.model_dump(mode="json", exclude_none=True)
    missing = {"timestamp", "postId", *FROM_MENTION} - data.keys()
    if missing & set(FROM_MENTION):
        mention = await read_mention(api, args.sourceId)
        keywords = mention.get("keywords") if isinstance(mention.get("keywords"), list) else []
        known = {
            "timestamp": mention.get("timestamp"),
            "postId": mention.get("id"),
            "keywordId": keywords[0].get("id") if keywords and isinstance(keywords[0], dict) else None,
            "source": mention.get("source"),
            "originalRelevanceScore": mention.get("relevanceScore"),
        }
        for key in missing:
            if known[key] is not None:
                data[key] = known[key]
    elif missing:
        timestamp, post_id = await mention_facts(api, args.sourceId, args.timestamp, args.postId, need_id=True)
        data.update({k: v for k, v in (("timestamp", timestamp), ("postId", post_id)) if v is not None})
    if "keywordId" not in data:
        raise refused("keywordId", "required: the mention has no matched keyword")
    data.setdefault("feedbackSource", "API")
    return (await api.call(op, data)).body


async def _delete(api: Api, op: Operation, args: DeleteFeedbackInput) -> Any:
    timestamp, _ = await mention_facts(api, args.sourceId, args.timestamp, None, need_id=False)
    return (await api.call(op, {"sourceId": args.sourceId, "timestamp": timestamp})).body


SUBMIT = Operation(
    name="submit_feedback",
    method="POST",
    path="/feedback",
    scope="write",
    toolset="feedback",
    title="Submit relevance feedback",
    description=(
        "Tell the relevance model a mention is RELEVANT or NOT_RELEVANT (with a reason); replaces earlier feedback "
        "on that mention. Omitted timestamp, postId, keywordId, source are read from the mention."
    ),
    input=SubmitFeedbackInput,
    output=FeedbackRecord,
    read_only=False,
    destructive=False,
    idempotent=True,
    changes=frozenset({"mention"}),
    runner=_submit,
    verify="call get_feedback_stats, or simply submit again: feedback is an upsert",
)

DELETE = Operation(
    name="delete_feedback",
    method="DELETE",
    path="/feedback",
    scope="write",
    toolset="feedback",
    title="Delete relevance feedback",
    description="Remove the feedback on a mention; removed=false when there was none.",
    input=DeleteFeedbackInput,
    output=FeedbackDeletion,
    read_only=False,
    destructive=True,
    idempotent=True,
    changes=frozenset({"mention"}),
    runner=_delete,
    verify="delete again: removed=false means it is gone",
)

STATS = Operation(
    name="get_feedback_stats",
    method="GET",
    path="/feedback/stats",
    scope="read",
    toolset="feedback",
    title="Feedback statistics",
    description="Feedback totals and false-positive rate, org-wide or for one keywordId.",
    input=FeedbackStatsInput,
    output=FeedbackStats,
    read_only=True,
    destructive=False,
    idempotent=True,
)

OPERATIONS = (SUBMIT, DELETE, STATS)
