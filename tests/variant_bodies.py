"""Literal API answers for tests/test_variants.py, written from the reference (§4-§6), not taken from the sandbox.

Each is a plausible 2xx body; the variants combine them with one twist at a time (a decimal where the
reference leaves the number type open, an unknown status, a field the reference says may be absent…).
"""

from __future__ import annotations

from typing import Any

TS = "2026-05-06 13:35:37.000"
ISO = "2026-06-01T09:30:00.000Z"
LATER = "2026-06-02T10:00:00.000Z"
SOURCE_ID = "reddit_t3_1abc234"
SEARCH_ID = "srch_2h9dK3mQxYz"

MENTION: dict[str, Any] = {
    "id": 1298401,
    "sourceId": SOURCE_ID,
    "url": "https://reddit.com/r/analytics/comments/1abc234",
    "title": "Acme vs Heliograph?",
    "body": "Has anyone moved from Heliograph to Acme?",
    "source": "reddit",
    "timestamp": TS,
    "author": "data_dan",
    "authorName": "Dan",
    "authorAvatar": None,
    "authorUrl": "https://reddit.com/u/data_dan",
    "authorFollowers": 1520,
    "relevance": "relevant",
    "relevanceComment": "Compares the brand with a competitor",
    "sentiment": "Neutral",
    "language": "english",
    "tags": ["competitor_mention"],
    "keywords": [{"id": 42, "keyword": "acme"}],
    "engaged": False,
    "relevanceScore": 0,
}

# Every nullable field null, every optional field absent (§5.1).
BARE_MENTION: dict[str, Any] = {
    "id": 1298402,
    "sourceId": "hackernews_40000001",
    "url": "https://news.ycombinator.com/item?id=40000001",
    "title": None,
    "body": None,
    "source": "hackernews",
    "timestamp": "2026-05-06 14:00:00.000",
    "author": None,
    "authorName": None,
    "authorAvatar": None,
    "authorUrl": None,
    "authorFollowers": None,
    "relevance": "not_relevant",
    "relevanceComment": None,
    "sentiment": None,
    "language": None,
    "tags": [],
    "keywords": [],
    "engaged": False,
}

# A fresh on-demand search row (§5.12, §6.2): no internal id, no engaged flag, language as an ISO code.
FRESH_RESULT: dict[str, Any] = {
    "sourceId": "twitter_1790000000000000001",
    "url": "https://x.com/ada/status/1790000000000000001",
    "title": None,
    "body": "Trying Acme for our product analytics",
    "source": "twitter",
    "timestamp": "2026-06-01 09:12:00.000",
    "author": "ada",
    "authorName": "Ada",
    "authorAvatar": None,
    "authorUrl": "https://x.com/ada",
    "authorFollowers": 812,
    "relevance": "relevant",
    "relevanceComment": "Evaluates the product",
    "sentiment": "Positive",
    "language": "en",
    "tags": ["buy_intent"],
    "keywords": [],
    "relevanceScore": 1,
    "alreadyInWorkspace": False,
}

SEARCH_STATS: dict[str, Any] = {
    "rawMatches": 40,
    "afterDedup": 35,
    "afterRelevance": 2,
    "mentionsConsumed": 1,
    "perSource": {"reddit": 25, "twitter": 15},
    "skippedSources": {"linkedin": "requires the LinkedIn add-on"},
}

SEARCH_DONE: dict[str, Any] = {
    "searchId": SEARCH_ID,
    "status": "completed",
    "query": "acme",
    "timeWindow": "7d",
    "sources": ["reddit", "twitter"],
    "startedAt": ISO,
    "completedAt": "2026-06-01T09:30:09.000Z",
    "stats": SEARCH_STATS,
    "mentions": [FRESH_RESULT, {**MENTION, "alreadyInWorkspace": True}],
}

SEARCH_RUNNING: dict[str, Any] = {
    "status": "running",
    "searchId": SEARCH_ID,
    "pollUrl": f"/api/v2/search/{SEARCH_ID}",
    "partialStats": {"rawMatches": 10},
}

KEYWORD: dict[str, Any] = {
    "id": 42,
    "keyword": "acme",
    "context": "Acme Analytics, the product analytics platform",
    "additionalTerms": None,
    "additionalTermsAndOr": True,
    "caseSensitive": False,
    "symbolSensitive": True,
    "platforms": ["reddit", "twitter"],
    "excludeWords": "cartoon",
    "wildcardExcludeWords": None,
    "excludeAuthors": None,
    "tag": "own_brand",
    "paused": False,
    "isSubReddit": None,
}

EMAIL_DESTINATION: dict[str, Any] = {
    "type": "EMAIL",
    "frequency": "daily",
    "deliveryMode": "batch",
    "time": "09:00",
    "timezone": "UTC",
    "emailDestination": {"emails": "team@acme-analytics.test"},
}

SLACK_DESTINATION: dict[str, Any] = {
    "type": "SLACK",
    "frequency": "hourly",
    "deliveryMode": "batch",
    "slackDestination": {"channels": "C0123ABC", "channelNamesMap": '{"C0123ABC":"competitors"}'},
}

# The web app's "Instantly" frequency (§4.4: no documented API value).
INSTANT_WEBHOOK: dict[str, Any] = {
    "type": "WEBHOOK",
    "frequency": "instantly",
    "deliveryMode": "individual",
    "webhookDestination": {"url": "https://hooks.example.com/octolens"},
}

ADVANCED_FILTERS: dict[str, Any] = {
    "top_level_operator": "AND",
    "groups": [
        {
            "group_operator": "AND",
            "isSingleCondition": False,
            "conditions": [
                {"field": "Keywords", "operator": "in", "values": "42,43"},
                {"field": "Source", "operator": "in", "values": "reddit,hackernews"},
            ],
        }
    ],
}

# Feed filter fields of a later API revision (§4.3 [later]): IsReply and per-platform engagement.
LATER_FILTERS: dict[str, Any] = {
    "top_level_operator": "AND",
    "groups": [
        {
            "group_operator": "AND",
            "isSingleCondition": False,
            "conditions": [
                {"field": "Keywords", "operator": "in", "values": "42"},
                {"field": "IsReply", "operator": "equals", "values": "0"},
                {"field": "Engagement.twitter.likes", "operator": ">=", "values": "100"},
            ],
        }
    ],
}

FEED: dict[str, Any] = {
    "id": 42,
    "name": "Competitor buzz",
    "icon": "MegaphoneIcon",
    "simpleFilters": None,
    "advancedFilters": ADVANCED_FILTERS,
    "isDefault": False,
    "destinations": [SLACK_DESTINATION],
    "createdAt": ISO,
    "updatedAt": ISO,
}

NOTIFICATION: dict[str, Any] = {
    "id": 19,
    "name": "Competitor alert",
    "enabled": True,
    "feedId": 42,
    "feedName": "Competitor buzz",
    "destinations": [EMAIL_DESTINATION],
    "createdAt": ISO,
    "updatedAt": ISO,
}

FEEDBACK_RECORD: dict[str, Any] = {
    "id": 311,
    "sourceId": SOURCE_ID,
    "timestamp": TS,
    "organizationId": "org_2abcDEFghij345",
    "postId": 1298401,
    "keywordId": 42,
    "source": "reddit",
    "feedbackType": "NOT_RELEVANT",
    "feedbackReason": "A job ad",
    "feedbackSource": "API",
    "originalRelevanceScore": 0,
    "createdBy": None,
    "createdAt": ISO,
}

USAGE: dict[str, Any] = {
    "plan": "Pro_v3",
    "mentions": {"count": 4210, "limit": 10000, "resetAt": "2026-07-01T00:00:00.000Z"},
    "keywords": {"count": 7, "limit": 25},
}

ORG: dict[str, Any] = {
    "organizationId": "org_2abcDEFghij345",
    "name": "Acme Analytics",
    "plan": "Pro_v3",
    "isAnnualPlan": False,
    "platforms": "all",
    "createdAt": "2025-06-01T09:30:00.000Z",
    "onboardingFinishedAt": "2025-06-01T10:00:00.000Z",
    "freeTrialExpired": False,
}

COMPANY: dict[str, Any] = {
    "id": 1,
    "name": "Acme Analytics",
    "domain": "acme-analytics.test",
    "website": "https://acme-analytics.test",
    "logo": None,
    "industry": "Software",
    "sector": "Analytics",
    "tags": "saas,analytics,b2b",
    "description": "Product analytics for startups.",
    "linkedin": None,
    "twitter": None,
    "relevanceContext": None,
    "productUseCases": "Funnels\nRetention cohorts",
    "competitors": '[{"name":"Heliograph"}]',
    "companyMoat": None,
    "relevanceGuidelines": None,
    "classificationGuidelines": None,
}

GLOBAL_FILTERS: dict[str, Any] = {
    "negativeKeywords": ["looney tunes"],
    "negativeAuthors": ["spam_bot_9000"],
    "negativeSubreddits": ["memes"],
    "positiveSubreddits": [],
    "negativeRepos": ["acme/old-sdk"],
}
