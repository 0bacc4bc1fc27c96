"""An echoed API key is masked in every form an upstream or a log line may carry it, and only the key."""

from __future__ import annotations

import base64
import logging
import urllib.parse

import pytest

from octolens_mcp import redaction
from octolens_mcp.redaction import MASK, protect, redact, redact_value

KEY = "ak_live_FORMS_3c9e1a7b5d2f4086"


@pytest.fixture(autouse=True)
def registered() -> None:
    protect(KEY)


def _mixed_percent(key: str) -> str:
    return "".join(f"%{ord(char):02X}" if index % 2 else char for index, char in enumerate(key))


def _base64_forms() -> list[str]:
    forms = []
    for before in ("", "x", "xy"):
        data = f"{before}Authorization: Bearer {KEY} trailing".encode()
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(data).decode()
            forms += [encoded, encoded.rstrip("=")]
    return forms


FORMS = [
    KEY,
    KEY.upper(),
    KEY.swapcase(),
    urllib.parse.quote(KEY, safe=""),
    KEY.replace("_", "%5F"),
    KEY.replace("_", "%5f"),
    "".join(f"%{byte:02x}" for byte in KEY.encode()),
    "".join(f"%{byte:02X}" for byte in KEY.encode()),
    _mixed_percent(KEY.upper()),
    "\u00ad".join(KEY),
    "\u200b".join(KEY),
    KEY[:6] + "\u200c\u200d" + KEY[6:12] + "\u2060" + KEY[12:] + "\ufeff",
    *_base64_forms(),
]


def _absent(text: str) -> bool:
    lowered = text.lower()
    stripped = lowered
    for filler in "\u00ad\u200b\u200c\u200d\u2060\ufeff":
        stripped = stripped.replace(filler, "")
    decoded = urllib.parse.unquote(stripped)
    return KEY.lower() not in decoded


@pytest.mark.parametrize("form", FORMS, ids=range(len(FORMS)))
def test_every_form_is_masked_in_a_result(form: str) -> None:
    value = {"data": [{"body": f"echo {form} here", "nested": {"deep": [form]}}], form: "as a key"}
    shown = redact_value(value)
    body = shown["data"][0]["body"]
    assert MASK in body and body.startswith("echo ") and body.endswith(" here")
    for text in (body, shown["data"][0]["nested"]["deep"][0], *(name for name in shown if name != "data")):
        assert MASK in text
        if not text.startswith(("QXV0", "eEF1", "eHlB")):  # a base64 form: only its core is masked
            assert _absent(text)
    for core in redaction._base64_cores(KEY):
        assert core not in body and core.translate(redaction._URLSAFE) not in body


@pytest.mark.parametrize("form", FORMS, ids=range(len(FORMS)))
def test_every_form_is_masked_in_a_log_record(form: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("octolens_mcp.test").info("upstream said %s", form)
    message = caplog.records[-1].getMessage()
    assert MASK in message
    assert all(core not in message for core in redaction._base64_cores(KEY))


def test_a_json_escaped_key_is_found_in_the_json_search() -> None:
    key = 'ak_live"quoted\\slashed_9f8e7d6c'
    protect(key)
    assert redact_value({"name": f"hello {key}", key: [key.upper()]}) == {"name": f"hello {MASK}", MASK: [MASK]}


@pytest.mark.parametrize(
    "near",
    [
        KEY[:-1] + "7",  # one character different
        "x" + KEY[1:],
        KEY[:10] + KEY[11:],  # one character missing
        KEY.replace("_", "-"),
    ],
)
def test_a_string_that_merely_looks_similar_is_not_masked(near: str) -> None:
    assert redact(f"echo {near}") == f"echo {near}"
    assert redact_value({"body": near}) == {"body": near}


def test_short_strings_are_never_registered() -> None:
    protect("ak_1234")
    assert redact("echo ak_1234") == "echo ak_1234"


def test_no_match_returns_the_same_value() -> None:
    value = {"data": [{"body": "nothing secret here %41 \u200b"}]}
    assert redact_value(value) is value


def test_a_value_nested_10000_deep_is_redacted() -> None:
    value: list[object] = []
    innermost = value
    for _ in range(10_000):
        inner: list[object] = []
        innermost.append(inner)
        innermost = inner
    innermost.append(f"echo {KEY.upper()}")
    shown = redact_value(value)
    for _ in range(10_000):
        shown = shown[0]
    assert shown == [f"echo {MASK}"]
