"""Every error code of the reference, produced by the sandbox, arrives as a structured tool error."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from octolens_sandbox import Fault, FaultySandbox, Sandbox
from tests.conftest import DATA, connect, fails

pytestmark = pytest.mark.anyio

EMAIL = {"type": "EMAIL", "frequency": "daily", "emailDestination": {"emails": "a@acme-analytics.test"}}


def _nothing(sb: Sandbox) -> None:
    return None


def _envelope_fault(code: str, status: int, route: str) -> Callable[[FaultySandbox], None]:
    def arrange(sb: FaultySandbox) -> None:
        body = json.dumps({"error": {"code": code, "message": f"{code} from the API", "status": status}})
        sb.faults.append(
            Fault("status", route=route, status=status, body=body, headers={"Content-Type": "application/json"})
        )

    return arrange


def _set(**values: Any) -> Callable[[FaultySandbox], None]:
    def arrange(sb: FaultySandbox) -> None:
        for key, value in values.items():
            setattr(sb, key, value)

    return arrange


def _fill_keywords(sb: Sandbox) -> None:
    sb.keyword_limit = len(sb.keywords)


# (code, status, arrange, tool, arguments, what the hint must mention)
CASES: list[tuple[str, int, Callable[[FaultySandbox], None], str, dict[str, Any], str]] = [
    (
        "VALIDATION_ERROR",
        400,
        _nothing,
        "create_feed",
        {"name": "x", "simpleFilters": {"conditions": [{"field": "Keywords", "values": "424242"}]}},
        "simpleFilters",
    ),
    ("KEYWORD_LIMIT_EXCEEDED", 400, _fill_keywords, "add_keyword", {"keyword": "New", "platforms": ["reddit"]}, "cap"),
    ("LAST_ADMIN", 400, _nothing, "remove_member", {"id": "orgmem_2adaADMIN01"}, "admin"),
    (
        "ITEM_EXISTS",
        400,
        _nothing,
        "create_notification",
        {"name": "n", "feedId": 1, "destinations": [EMAIL]},
        "update_notification",
    ),
    (
        "INVALID_DOMAIN",
        400,
        _envelope_fault("INVALID_DOMAIN", 400, "PATCH /org/company"),
        "update_company",
        {"name": "Acme"},
        "refused",
    ),
    (
        "INVALID_TIMEZONE",
        400,
        _nothing,
        "create_feed",
        {"name": "x", "destinations": [{**EMAIL, "timezone": "Mars/Olympus"}]},
        "IANA",
    ),
    ("GENERIC_EMAIL_DOMAIN", 400, _nothing, "invite_member", {"email": "me@gmail.com"}, "work email"),
    (
        "WEBHOOK_URL_INVALID",
        400,
        _nothing,
        "create_feed",
        {
            "name": "x",
            "destinations": [
                {"type": "WEBHOOK", "frequency": "hourly", "webhookDestination": {"url": "http://127.0.0.1/hook"}}
            ],
        },
        "public",
    ),
    ("SLACK_NOT_CONNECTED", 400, _set(slack_connected=False), "search_slack_channels", {}, "Slack"),
    ("UNAUTHORIZED", 401, _set(keys={"ak_someone_else": "admin"}), "list_keywords", {}, "Settings"),
    ("QUOTA_EXCEEDED", 402, _set(mentions_used=10_000), "run_search", {"query": "acme"}, "flex"),
    ("FORBIDDEN", 403, _set(plan_active=False), "list_keywords", {}, "scope"),
    ("UPGRADE_REQUIRED", 403, _set(plan="Agents", searches_used=50), "run_search", {"query": "acme"}, "upgrade"),
    ("NOT_FOUND", 404, _nothing, "update_notification", {"id": 4040, "enabled": False}, "list_notifications"),
    ("FEED_NOT_FOUND", 404, _nothing, "list_mentions", {"view": 4040}, "list_feeds"),
    ("KEYWORD_NOT_FOUND", 404, _nothing, "update_keyword", {"id": 4040, "caseSensitive": True}, "list_keywords"),
    (
        "POST_NOT_FOUND",
        404,
        _nothing,
        "update_mention",
        {"sourceId": "reddit_t3_zzz", "sentiment": "Neutral", "timestamp": "2026-01-01 00:00:00.000"},
        "list_mentions",
    ),
    ("MENTION_NOT_FOUND", 404, _nothing, "get_mention", {"sourceId": "reddit_t3_zzz"}, "list_mentions"),
    ("SEARCH_NOT_FOUND", 404, _nothing, "get_search", {"searchId": "srch_zzz"}, "list_searches"),
    (
        "SUGGESTION_NOT_FOUND",
        404,
        _nothing,
        "accept_keyword_suggestion",
        {"suggestionId": 4040},
        "list_keyword_suggestions",
    ),
    ("COMPANY_NOT_FOUND", 404, _set(company=None), "get_company", {}, "company profile"),
    ("ORG_NOT_FOUND", 404, _set(org=None), "get_org", {}, "does not exist"),
    ("SETTINGS_NOT_FOUND", 404, _set(global_filters=None), "get_global_filters", {}, "settings"),
    ("KEYWORD_CHANGED", 409, _nothing, "accept_keyword_suggestion", {"suggestionId": 101}, "Retry"),
    ("RATE_LIMITED", 429, _set(rate_limit=0), "list_keywords", {}, "wait"),
    ("INTERNAL_ERROR", 500, _envelope_fault("INTERNAL_ERROR", 500, "GET /org/usage"), "get_usage", {}, "retry"),
    (
        "ADMIN_SCOPE_REQUIRED",
        403,
        _envelope_fault("ADMIN_SCOPE_REQUIRED", 403, "POST /org/members/invite"),
        "invite_member",
        {"email": "x@acme-analytics.test"},
        "admin",
    ),
    (
        "INVITER_REQUIRED",
        400,
        _set(inviter_present=False),
        "invite_member",
        {"email": "x@acme-analytics.test"},
        "refused",
    ),
    (
        "MEMBER_NOT_FOUND",
        404,
        _envelope_fault("MEMBER_NOT_FOUND", 404, "DELETE /org/members/{id}"),
        "remove_member",
        {"id": "orgmem_ghost"},
        "list_members",
    ),
]


def reference_codes() -> set[str]:
    """Every code in the reference's error table (§2.7), as copied into tests/data."""
    codes: list[str] = json.loads((DATA / "reference-error-codes.json").read_text(encoding="utf-8"))["codes"]
    return set(codes)


def test_every_reference_code_has_a_case() -> None:
    assert reference_codes() <= {case[0] for case in CASES}


@pytest.mark.parametrize(
    ("code", "status", "arrange", "tool", "arguments", "hint"), CASES, ids=[case[0] for case in CASES]
)
async def test_error_code_arrives_structured(
    sandbox: FaultySandbox,
    code: str,
    status: int,
    arrange: Callable[[FaultySandbox], None],
    tool: str,
    arguments: dict[str, Any],
    hint: str,
) -> None:
    arrange(sandbox)
    async with connect(sandbox) as client:
        error = await fails(client, tool, arguments)
    assert error["code"] == code
    assert error["status"] == status
    assert error["message"]
    assert hint.lower() in error["hint"].lower(), error["hint"]
    if code == "VALIDATION_ERROR":
        assert error["details"] and error["details"][0]["path"].startswith("simpleFilters")
    if code == "RATE_LIMITED":
        assert error["retryAfterSeconds"] > 0 and str(error["retryAfterSeconds"]) in error["hint"]


async def test_unknown_codes_pass_through_with_every_field(sandbox: FaultySandbox) -> None:
    body = {
        "error": {
            "code": "BRAND_NEW_THING",
            "message": "new",
            "status": 418,
            "details": [{"path": "x"}],
            "docsUrl": "https://octolens.com/docs/x",
        }
    }
    sandbox.faults.append(Fault("status", route="GET /tags", status=418, body=json.dumps(body)))
    async with connect(sandbox) as client:
        error = await fails(client, "list_tags")
    assert error["code"] == "BRAND_NEW_THING" and error["status"] == 418
    assert error["details"] == [{"path": "x"}] and error["docsUrl"] == "https://octolens.com/docs/x"


async def test_forbidden_names_the_needed_scope(sandbox: FaultySandbox) -> None:
    from tests.conftest import READ_KEY

    async with connect(sandbox, api_key=READ_KEY) as client:
        error = await fails(client, "add_keyword", {"keyword": "x", "platforms": ["reddit"]})
    assert error["code"] == "FORBIDDEN" and error["status"] == 403
    assert "'write'" in error["hint"] and "Retrying will not help" in error["hint"]
