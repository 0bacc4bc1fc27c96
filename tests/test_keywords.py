"""Keywords and keyword suggestions: what each call sends, and what it returns."""

from __future__ import annotations

import json
from typing import Any

import pytest
from mcp import Client

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import fails, ok, sent

pytestmark = pytest.mark.anyio


async def test_list_keywords_sorted_by_name(client: Client) -> None:
    rows = (await ok(client, "list_keywords"))["data"]
    names = [row["keyword"].casefold() for row in rows]
    assert names == sorted(names) and len(rows) == 7


async def test_add_keyword_then_list_and_no_duplicate(client: Client, sandbox: Sandbox) -> None:
    created = await ok(
        client, "add_keyword", {"keyword": "Pulsar DB", "platforms": ["reddit", "hackernews"], "tag": "competitor"}
    )
    assert created["keyword"] == "Pulsar DB" and created["platforms"] == ["reddit", "hackernews"]
    assert created["context"]  # AI-filled when omitted
    assert sent(sandbox, "POST /keywords") == [
        ("/keywords", {"keyword": "Pulsar DB", "platforms": ["reddit", "hackernews"], "tag": "competitor"})
    ]
    again = await ok(client, "add_keyword", {"keyword": "pulsar db", "platforms": ["reddit"]})
    assert again["id"] == created["id"] and again["alreadyExisted"] is True
    assert sandbox.count("POST /keywords") == 1


async def test_update_keyword_changes_only_what_is_sent(client: Client, sandbox: Sandbox) -> None:
    updated = await ok(client, "update_keyword", {"id": 1, "excludeWords": "jobs,hiring", "caseSensitive": True})
    assert updated["excludeWords"] == "jobs,hiring" and updated["caseSensitive"] is True
    assert sent(sandbox, "PATCH /keywords/{id}") == [
        ("/keywords/1", {"excludeWords": "jobs,hiring", "caseSensitive": True})
    ]
    error = await fails(client, "update_keyword", {"id": 1})
    assert error["code"] == "VALIDATION_ERROR"
    error = await fails(client, "update_keyword", {"id": 1, "platforms": []})
    assert error["code"] == "VALIDATION_ERROR" and error["details"][0]["path"] == "platforms"


async def test_delete_keyword_cascades_to_feeds_and_notifications(client: Client) -> None:
    created = await ok(client, "add_keyword", {"keyword": "Zephyr", "platforms": ["reddit"]})
    feed = await ok(
        client,
        "create_feed",
        {"name": "Zephyr only", "simpleFilters": {"conditions": [{"field": "Keywords", "values": str(created["id"])}]}},
    )
    note = await ok(
        client,
        "create_notification",
        {
            "name": "Zephyr alert",
            "feedId": feed["id"],
            "destinations": [
                {"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": "a@acme-analytics.test"}}
            ],
        },
    )
    report = await ok(client, "delete_keyword", {"id": created["id"]})
    assert report["ok"] is True
    assert report["deletedFeeds"] == [{"id": feed["id"], "name": "Zephyr only"}]
    assert [n["id"] for n in report["deletedNotifications"]] == [note["id"]]
    feeds = (await ok(client, "list_feeds"))["data"]
    assert feed["id"] not in [f["id"] for f in feeds]
    error = await fails(client, "delete_keyword", {"id": created["id"]})
    assert error["code"] == "KEYWORD_NOT_FOUND" and "list_keywords" in error["hint"]


async def test_pause_and_resume_are_set_to_semantics(client: Client, sandbox: Sandbox) -> None:
    paused = await ok(client, "pause_keyword", {"id": 1})
    assert paused == {"id": 1, "keyword": "Acme Analytics", "paused": True, "changed": True}
    still = await ok(client, "pause_keyword", {"id": 1, "paused": True})
    assert still["changed"] is False and still["paused"] is True
    resumed = await ok(client, "pause_keyword", {"id": 1, "paused": False})
    assert resumed["paused"] is False and resumed["changed"] is True
    # Each call reads the state first; the toggle goes out only when it differs (bodiless, as documented).
    assert [r.operation for r in sandbox.requests] == [
        "GET /keywords",
        "POST /keywords/{id}/pause",
        "GET /keywords",
        "GET /keywords",
        "POST /keywords/{id}/pause",
    ]
    assert sent(sandbox, "POST /keywords/{id}/pause") == [("/keywords/1/pause", None)] * 2
    missing = await fails(client, "pause_keyword", {"id": 999})
    assert missing["code"] == "KEYWORD_NOT_FOUND"


def _keywords_answer(sandbox: FaultySandbox, row: dict[str, Any]) -> None:
    """The next GET /keywords answers exactly ``[row]``."""
    body = json.dumps({"data": [row]})
    json_type = {"Content-Type": "application/json"}
    sandbox.faults.append(Fault("status", route="GET /keywords", status=200, body=body, headers=json_type))


@pytest.mark.parametrize("paused", [None, "yes", 0, "missing"])
async def test_pause_refuses_when_the_read_does_not_state_the_pause(
    client: Client, sandbox: FaultySandbox, paused: Any
) -> None:
    row: dict[str, Any] = {"id": 1, "keyword": "Acme Analytics"}
    if paused != "missing":
        row["paused"] = paused
    _keywords_answer(sandbox, row)
    error = await fails(client, "pause_keyword", {"id": 1, "paused": True})
    assert error["code"] == "INVALID_RESPONSE" and error["sent"] is False
    assert "changed" not in error and "landed" not in error
    assert [r.operation for r in sandbox.requests] == ["GET /keywords"]  # no toggle


async def test_a_toggle_on_an_odd_phrase_still_fits_the_output_schema(client: Client, sandbox: FaultySandbox) -> None:
    _keywords_answer(sandbox, {"id": 1, "keyword": {"text": "Acme"}, "paused": False})
    result = await ok(client, "pause_keyword", {"id": 1, "paused": True})  # ok() validates the outputSchema
    assert result == {"id": 1, "paused": True, "changed": True}
    assert [r.operation for r in sandbox.requests] == ["GET /keywords", "POST /keywords/{id}/pause"]
    assert sandbox.requests[-1].path == "/keywords/1/pause"


async def test_list_suggestions_in_every_shape(client: Client) -> None:
    org_wide = await ok(client, "list_keyword_suggestions", {"limit": 3})
    scores = [s["impactScore"] for s in org_wide["data"]]
    assert len(scores) == 3 and scores == sorted(scores, reverse=True)
    assert org_wide["totalSuggestionCount"] == 6 and org_wide["nextCursor"]
    assert all(s["keyword"] for s in org_wide["data"])  # joined from the keywords array
    rest = await ok(client, "list_keyword_suggestions", {"limit": 3, "cursor": org_wide["nextCursor"]})
    assert len(rest["data"]) == 3 and rest["nextCursor"] is None
    scoped = await ok(client, "list_keyword_suggestions", {"keywordId": 5})
    assert {s["keywordId"] for s in scoped["data"]} == {5} and "excludeWords" in scoped["keyword"]
    summary = await ok(client, "list_keyword_suggestions", {"summary": True})
    assert {"keywordId": 5, "count": 2} in summary["counts"] and summary["data"] == []


async def test_accept_suggestion_applies_it_once(client: Client, sandbox: Sandbox) -> None:
    accepted = await ok(client, "accept_keyword_suggestion", {"suggestionId": 100})
    assert accepted == {"success": True, "appliedChanges": {"excludeWords": "cartoon,looney,coyote,roadrunner"}}
    again = await fails(client, "accept_keyword_suggestion", {"suggestionId": 100})
    assert again["code"] == "SUGGESTION_NOT_FOUND" and "list_keyword_suggestions" in again["hint"]
    assert sent(sandbox, "POST /keywords/suggestions") == [("/keywords/suggestions", {"suggestionId": 100})] * 2


async def test_accept_with_modified_value_and_keyword_changed_race(client: Client) -> None:
    raced = await fails(client, "accept_keyword_suggestion", {"suggestionId": 101, "modifiedValue": "bot_one"})
    assert raced["code"] == "KEYWORD_CHANGED" and raced["status"] == 409 and "Retry" in raced["hint"]
    accepted = await ok(client, "accept_keyword_suggestion", {"suggestionId": 101, "modifiedValue": "bot_one"})
    assert accepted["appliedChanges"] == {"excludeAuthors": "bot_one"}


async def test_reject_one_or_all_of_a_keyword(client: Client, sandbox: Sandbox) -> None:
    one = await ok(client, "reject_keyword_suggestion", {"suggestionId": 104})
    assert one["rejectedSuggestionIds"] == [104]
    every = await ok(client, "reject_keyword_suggestion", {"keywordId": 5})
    assert sorted(every["rejectedSuggestionIds"]) == [102, 103] and every["rejectedCount"] == 2
    assert sent(sandbox, "DELETE /keywords/suggestions") == [
        ("/keywords/suggestions", {"suggestionId": 104}),
        ("/keywords/suggestions", {"keywordId": 5}),
    ]
    both = await fails(client, "reject_keyword_suggestion", {"suggestionId": 100, "keywordId": 1})
    assert both["code"] == "VALIDATION_ERROR"
