"""Relevance feedback and analytics."""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import connect, fails, ok, records, sent

pytestmark = pytest.mark.anyio


async def test_feedback_round_trip(client: Client, sandbox: Sandbox) -> None:
    mention = sandbox.mentions[5]
    record = await ok(
        client,
        "submit_feedback",
        {"sourceId": mention["sourceId"], "feedbackType": "NOT_RELEVANT", "feedbackReason": "job ad"},
    )
    assert record["sourceId"] == mention["sourceId"] and record["timestamp"] == mention["timestamp"]
    assert record["keywordId"] == mention["keywords"][0]["id"] and record["feedbackSource"] == "API"
    assert record["postId"] == mention["id"] and record["source"] == mention["source"]
    stats = await ok(client, "get_feedback_stats")
    assert stats == {"totalFeedback": 1, "relevantCount": 0, "notRelevantCount": 1, "falsePositiveRate": 1.0}
    replaced = await ok(client, "submit_feedback", {"sourceId": mention["sourceId"], "feedbackType": "RELEVANT"})
    assert replaced["id"] == record["id"]
    assert (await ok(client, "get_feedback_stats"))["relevantCount"] == 1
    other = mention["keywords"][0]["id"] + 1
    assert (await ok(client, "get_feedback_stats", {"keywordId": other}))["totalFeedback"] == 0
    removed = await ok(client, "delete_feedback", {"sourceId": mention["sourceId"]})
    assert removed["removed"] is True
    assert (await ok(client, "get_feedback_stats"))["totalFeedback"] == 0
    again = await ok(client, "delete_feedback", {"sourceId": mention["sourceId"], "timestamp": mention["timestamp"]})
    assert again["removed"] is False


async def test_feedback_with_a_timestamp_that_is_not_the_mentions(client: Client, sandbox: Sandbox) -> None:
    mention = sandbox.mentions[0]
    error = await fails(
        client,
        "submit_feedback",
        {
            "sourceId": mention["sourceId"],
            "feedbackType": "RELEVANT",
            "timestamp": "2020-01-01 00:00:00.000",
            "keywordId": 1,
            "source": mention["source"],
            "postId": mention["id"],
            "originalRelevanceScore": 0,
        },
    )
    assert error["code"] == "POST_NOT_FOUND" and "list_mentions" in error["hint"]
    malformed = await fails(
        client, "submit_feedback", {"sourceId": "x", "feedbackType": "RELEVANT", "timestamp": "yesterday"}
    )
    assert malformed["code"] == "VALIDATION_ERROR" and malformed["details"][0]["path"] == "timestamp"


async def test_analytics_agree_with_each_other(client: Client) -> None:
    volume = await ok(client, "get_mention_volume", {})
    total = sum(row["count"] for row in volume["data"])
    assert volume["granularity"] == "day" and total > 0
    assert [r["bucket"] for r in volume["data"]] == sorted(r["bucket"] for r in volume["data"])
    sentiment = await ok(client, "get_sentiment_breakdown", {})
    assert sum(r["count"] for r in sentiment["data"]) == total
    sources = await ok(client, "get_source_breakdown", {})
    counts = [r["count"] for r in sources["data"]]
    assert sum(counts) == total and counts == sorted(counts, reverse=True)
    keywords = await ok(client, "get_keyword_breakdown", {})
    assert sum(r["count"] for r in keywords["data"]) >= total
    dashboard = await ok(client, "get_dashboard", {})
    assert sum(r["count"] for r in dashboard["volume"]["data"]) == total
    assert dashboard["keywords"] == keywords["data"] and dashboard["sentiment"] == sentiment["data"]
    assert dashboard["usage"]["mentions"]["limit"] > 0


async def test_analytics_filters_translate_to_the_wire(client: Client, sandbox: Sandbox) -> None:
    negative = await ok(
        client,
        "get_sentiment_breakdown",
        {"sentiment": "negative", "keywordIds": [1, 3], "platforms": ["reddit", "twitter"], "relevance": [0]},
    )
    assert [r["sentiment"] for r in negative["data"]] in (["Negative"], [])
    hourly = await ok(
        client,
        "get_mention_volume",
        {"granularity": "hour", "startDate": "2026-01-01T00:00:00Z", "endDate": "2026-12-31T00:00:00Z"},
    )
    assert hourly["granularity"] == "hour"
    query = dict(sandbox.requests[0].query)
    assert query["sentiment"] == "NEGATIVE"
    assert [v for k, v in sandbox.requests[0].query if k == "keywordIds"] == ["1", "3"]


@pytest.mark.parametrize(
    "window",
    [
        {"startDate": "2026-01-01T00:00:00Z"},
        {"startDate": "2024-01-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"},
        {"startDate": "2026-02-01T00:00:00Z", "endDate": "2026-01-01T00:00:00Z"},
    ],
)
async def test_analytics_window_checked_before_sending(
    client: Client, sandbox: Sandbox, window: dict[str, str]
) -> None:
    error = await fails(client, "get_source_breakdown", window)
    assert error["code"] == "VALIDATION_ERROR" and sandbox.count() == 0


async def test_agents_plan_gets_upgrade_required_with_its_link(sandbox: Sandbox) -> None:
    sandbox.plan = "Agents"
    async with connect(sandbox) as client:
        error = await fails(client, "get_dashboard", {})
    assert error["code"] == "UPGRADE_REQUIRED" and error["status"] == 403
    assert error["upgradeUrl"].endswith("/me/upgrade?src=agents") and error["upgradeCommand"] == "octolens upgrade"
    assert error["upgradeUrl"] in error["hint"]


async def test_feedback_on_a_listed_mention_reads_it_only_for_what_no_answer_stated(
    client: Client, sandbox: Sandbox
) -> None:
    listed = await ok(client, "list_mentions", {"limit": 10})
    sid = records(listed)[1]["sourceId"]
    mention = next(m for m in sandbox.mentions if m["sourceId"] == sid)
    given = {
        "sourceId": sid,
        "feedbackType": "NOT_RELEVANT",
        "keywordId": mention["keywords"][0]["id"],
        "source": mention["source"],
        "originalRelevanceScore": mention["relevanceScore"],
    }
    record = await ok(client, "submit_feedback", given)
    assert record["postId"] == mention["id"] and record["timestamp"] == mention["timestamp"]
    # The list stated the mention's id and timestamp: nothing else is read.
    assert [r.operation for r in sandbox.requests] == ["POST /mentions", "POST /feedback"]
    assert sent(sandbox, "POST /feedback")[0][1] == {
        **given,
        "postId": mention["id"],
        "timestamp": mention["timestamp"],
        "feedbackSource": "API",
    }
    removed = await ok(client, "delete_feedback", {"sourceId": sid})
    assert removed["removed"] is True
    assert sent(sandbox, "DELETE /feedback") == [("/feedback", {"sourceId": sid, "timestamp": mention["timestamp"]})]
    assert sandbox.count() == 3
    # The keyword, platform and score only a read of the mention tells: one read, then the write.
    await ok(client, "submit_feedback", {"sourceId": sid, "feedbackType": "RELEVANT"})
    assert [r.operation for r in sandbox.requests[3:]] == ["GET /mentions/{sourceId}", "POST /feedback"]


async def test_delete_feedback_of_a_mention_no_answer_named_reads_its_timestamp(
    client: Client, sandbox: Sandbox
) -> None:
    mention = sandbox.mentions[2]
    removed = await ok(client, "delete_feedback", {"sourceId": mention["sourceId"]})
    assert removed["removed"] is False
    assert [r.operation for r in sandbox.requests] == ["GET /mentions/{sourceId}", "DELETE /feedback"]
    body = {"sourceId": mention["sourceId"], "timestamp": mention["timestamp"]}
    assert sent(sandbox, "DELETE /feedback") == [("/feedback", body)]
