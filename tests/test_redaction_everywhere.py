"""The API key never shows in any tool's result, however a hostile upstream disguises it (acceptance, C).

Each case makes one call of one tool on a fresh sandbox whose answers echo the session's key, disguised every
way at once, in every string value (and in an error answer's message and details): in upper case,
percent-encoded (every byte, and only the underscores), base64 standard and URL-safe at each of the three
alignments inside a longer string, and split by soft hyphens and zero-width characters (which cleaning
removes, so the key must not be rebuilt by it). The check (``key_problems``) decodes each string of the whole
result every one of those ways and looks for the key, case-insensitively.
"""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import quote

import pytest
from mcp_types import CallToolResult, TextContent

from tests.conftest import CANARY_KEY
from tests.everywhere import Outcome, call_ids, every, hostile, json_error, key_problems, whole_json

pytestmark = pytest.mark.anyio


def disguises(secret: str) -> dict[str, str]:
    raw = secret.encode()
    out = {
        "upper case": secret.upper(),
        "percent-encoded": "".join(f"%{byte:02X}" for byte in raw),
        "percent-encoded, lower hex": "".join(f"%{byte:02x}" for byte in raw),
        "percent-encoded underscores": quote(secret, safe="").replace("_", "%5F"),
        "split by soft hyphens": "\u00ad".join(secret),
        "split by zero-width characters": "\u200b\u200c".join(secret[i : i + 3] for i in range(0, len(secret), 3)),
    }
    for pad in range(3):
        out[f"base64 at offset {pad}"] = "token=" + base64.b64encode(b"key"[:pad] + raw + b";exp=1").decode()
        out[f"url-safe base64 at offset {pad}"] = "t=" + base64.urlsafe_b64encode(b"\xfb\xff"[:pad] + raw).decode()
    return out


DISGUISES = disguises(CANARY_KEY)
ECHO = " ".join(f"[{name}: {value}]" for name, value in DISGUISES.items())


@pytest.mark.parametrize("where", ["answer", "error"])
@pytest.mark.parametrize("call_id", call_ids())
async def test_the_key_never_shows(call_id: str, where: str) -> None:
    if where == "answer":
        faults = [every("mutate_strings", text=f" {ECHO}")]
    else:
        faults = [json_error(401, f"Bad key {ECHO}", [{"path": "authorization", "message": ECHO}], echo=ECHO)]
    outcome = await hostile(call_id, faults)
    problems = key_problems(outcome)
    dumped = whole_json(outcome.result)
    shown = [name for name, value in DISGUISES.items() if visible_core(value) in unescaped(dumped)]
    assert not problems, f"{'; '.join(problems)} (shown: {', '.join(shown)}) — {outcome.describe()}"


def visible_core(disguise: str) -> str:
    """The part of a disguise that survives cleaning: without invisible characters or its label prefix."""
    return re.sub("[\u00ad\u200b\u200c]", "", disguise).split("=", 1)[-1]


def unescaped(dumped: str) -> str:
    return re.sub("[\u00ad\u200b\u200c]", "", json.dumps(json.loads(dumped), ensure_ascii=False))


@pytest.mark.parametrize("name", list(DISGUISES))
def test_the_check_sees_each_disguise(name: str) -> None:
    """Each disguise, alone in a longer string of a result, is found by the check."""
    text = f"some answer text {DISGUISES[name]} and more"
    result = CallToolResult(content=[TextContent(type="text", text=text)], structured_content={"a": text})
    assert key_problems(Outcome("fake", result, 0.0))
    clean = CallToolResult(content=[TextContent(type="text", text="nothing here")], structured_content={"a": "b"})
    assert key_problems(Outcome("fake", clean, 0.0)) == []
