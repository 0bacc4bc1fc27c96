"""Decisions to write are made on fresh state: a change made in the web app a second ago is never undone or missed.

Each case reads through the tool that fills the reference-data cache, changes the state upstream (as a
teammate in the web app would), then calls the deciding tool and checks what it sent.
"""

from __future__ import annotations

import pytest
from mcp import Client

from octolens_sandbox import Sandbox
from tests.conftest import fails, ok, sent

pytestmark = pytest.mark.anyio


async def test_pause_decides_on_the_current_state(client: Client, sandbox: Sandbox) -> None:
    keyword = next(k for k in sandbox.keywords.values() if not k["paused"])
    await ok(client, "list_keywords")  # cached: not paused
    sandbox.keywords[keyword["id"]]["paused"] = True  # paused in the web app meanwhile
    result = await ok(client, "pause_keyword", {"id": keyword["id"], "paused": True})
    assert result["changed"] is False and result["paused"] is True
    assert sandbox.count("POST /keywords/{id}/pause") == 0  # a toggle here would have resumed it


async def test_resume_after_a_pause_made_elsewhere(client: Client, sandbox: Sandbox) -> None:
    keyword = next(k for k in sandbox.keywords.values() if not k["paused"])
    await ok(client, "list_keywords")
    sandbox.keywords[keyword["id"]]["paused"] = True
    result = await ok(client, "pause_keyword", {"id": keyword["id"], "paused": False})
    assert result["changed"] is True and result["paused"] is False
    assert [r.operation for r in sandbox.requests[-2:]] == ["GET /keywords", "POST /keywords/{id}/pause"]
    assert sent(sandbox, "POST /keywords/{id}/pause") == [(f"/keywords/{keyword['id']}/pause", None)]


async def test_engaged_decides_on_the_current_state(client: Client, sandbox: Sandbox) -> None:
    mention = next(m for m in sandbox.mentions if not m["engaged"])
    await ok(client, "get_mention", {"sourceId": mention["sourceId"]})
    mention["engaged"] = True  # marked handled in the web app meanwhile
    result = await ok(client, "update_mention", {"sourceId": mention["sourceId"], "engaged": True})
    assert result["changed"] is False and result["engaged"] is True
    assert sandbox.count("PATCH /mentions/{sourceId}") == 0 and mention["engaged"] is True


async def test_add_keyword_sees_a_keyword_added_elsewhere(client: Client, sandbox: Sandbox) -> None:
    await ok(client, "list_keywords")  # cached without the new term
    template = next(iter(sandbox.keywords.values()))
    new_id = max(sandbox.keywords) + 1
    sandbox.keywords[new_id] = {**template, "id": new_id, "keyword": "Quasar Cloud", "isSubReddit": False}
    result = await ok(client, "add_keyword", {"keyword": "quasar cloud"})
    assert result["alreadyExisted"] is True and result["id"] == new_id
    assert sandbox.count("POST /keywords") == 0


async def test_a_subreddit_is_not_the_phrase_with_its_name(client: Client, sandbox: Sandbox) -> None:
    phrase = await ok(client, "add_keyword", {"keyword": "selfhosted"})
    assert phrase.get("alreadyExisted") is not True
    subreddit = await ok(client, "add_keyword", {"keyword": "selfhosted", "isSubReddit": True})
    assert subreddit.get("alreadyExisted") is not True and subreddit["id"] != phrase["id"]
    again = await ok(client, "add_keyword", {"keyword": "SelfHosted", "isSubReddit": True})
    assert again["alreadyExisted"] is True and again["id"] == subreddit["id"]
    assert sandbox.count("POST /keywords") == 2


async def test_replace_global_filters_confirms_values_added_elsewhere(client: Client, sandbox: Sandbox) -> None:
    before = await ok(client, "get_global_filters")  # cached
    assert sandbox.global_filters is not None
    sandbox.global_filters["negativeKeywords"].append("added-by-a-teammate")
    error = await fails(client, "replace_global_filters", {"negativeKeywords": before["negativeKeywords"]})
    assert error["code"] == "CONFIRMATION_REQUIRED"
    assert error["details"] == [{"path": "negativeKeywords", "wouldRemove": ["added-by-a-teammate"]}]
    assert sandbox.count("PATCH /filters/global") == 0
