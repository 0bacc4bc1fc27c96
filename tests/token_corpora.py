"""Deterministic text corpora for the token estimator: dense scripts, adversarial ASCII, realistic JSON.

Shared by tests/test_tokens.py and scripts/bench_tokens.py. Everything is generated from fixed seeds
(no downloads), so a run measures the same strings every time.
"""

from __future__ import annotations

import json
import random
import string
from datetime import UTC, datetime
from typing import Any

from bpe_openai import get_encoding

from octolens_sandbox import seed

ENCODING = get_encoding("o200k_base")
CHUNK = 60_000
"""bpe-openai refuses texts of more than 200,000 tokens: count longer ones in pieces of about this size."""


def real_tokens(text: str) -> int:
    """o200k_base tokens; a long text is cut just before a quote (a pre-token boundary in JSON)."""
    total = 0
    start = 0
    while start < len(text):
        end = min(len(text), start + CHUNK)
        if end < len(text):
            quote = text.find('"', end, end + 2_000)
            end = quote if quote > 0 else end
        total += len(ENCODING.encode(text[start:end]))
        start = end
    return total


RANDOM_LETTERS = {"random lowercase run", "random letters", "lowercase random words"}
"""Letters only, no digits, punctuation or case changes: indistinguishable from English words by class."""

SIZE = 20_000
"""Characters per generated corpus (about; JSON corpora are whole items)."""

SCRIPTS: dict[str, tuple[tuple[int, int], ...]] = {
    "CJK": ((0x4E00, 0x9FFF),),
    "CJK common": ((0x4E00, 0x4FFF), (0x5B50, 0x5BFF), (0x6700, 0x67FF)),
    "Japanese kana": ((0x3041, 0x3096), (0x30A1, 0x30FA)),
    "Hangul": ((0xAC00, 0xD7A3),),
    "Cyrillic": ((0x0410, 0x044F),),
    "Greek": ((0x0391, 0x03A9), (0x03B1, 0x03C9)),
    "Arabic": ((0x0621, 0x064A),),
    "Hebrew": ((0x05D0, 0x05EA),),
    "Latin-1": ((0x00C0, 0x00FF),),
    "Latin Extended": ((0x0100, 0x024F),),
    "Devanagari": ((0x0900, 0x097F),),
    "Thai": ((0x0E01, 0x0E5B),),
    "Ethiopic": ((0x1200, 0x137F),),
    "Canadian syllabics": ((0x1400, 0x167F),),
    "Tifinagh": ((0x2D30, 0x2D7F),),
    "Yi": ((0xA000, 0xA48C),),
    "Symbols/arrows": ((0x2190, 0x27BF),),
    "Linear B": ((0x10000, 0x100FA),),
    "Math alphanumerics": ((0x1D400, 0x1D7FF),),
    "CJK Ext B": ((0x20000, 0x2A6DF),),
    "Private use": ((0xE000, 0xF8FF),),
    "Supplementary PUA": ((0xF0000, 0xFFFFD),),
}
EMOJI_BASES = [*range(0x1F600, 0x1F650), *range(0x1F300, 0x1F5FF), *range(0x1F900, 0x1F9FF)]
SKIN_TONES = [chr(c) for c in range(0x1F3FB, 0x1F400)]
ZWJ_SEQUENCES = [
    "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466",
    "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\U0001f469\U0001f3fd\u200d\U0001f4bb",
    "\U0001f9d1\U0001f3ff\u200d\U0001f91d\u200d\U0001f9d1\U0001f3fb",
    "\u2764\ufe0f\u200d\U0001f525",
    "\U0001f1fa\U0001f1f8",
    "\U0001f1ef\U0001f1f5",
]


def _rng(name: str) -> random.Random:
    return random.Random(f"tokens:{name}")


def script_text(name: str, ranges: tuple[tuple[int, int], ...], size: int = SIZE, words: bool = False) -> str:
    """Random characters of a script; ``words`` puts them in space-separated words of 1 to 8 characters."""
    rng = _rng(name)
    pool = [cp for lo, hi in ranges for cp in range(lo, hi + 1)]
    if not words:
        return "".join(chr(rng.choice(pool)) for _ in range(size))
    out: list[str] = []
    total = 0
    while total < size:
        word = "".join(chr(rng.choice(pool)) for _ in range(rng.randint(1, 8)))
        out.append(word)
        total += len(word) + 1
    return " ".join(out)


def emoji_text(size: int = SIZE // 4) -> str:
    rng = _rng("emoji")
    out: list[str] = []
    for _ in range(size):
        roll = rng.random()
        if roll < 0.2:
            out.append(rng.choice(ZWJ_SEQUENCES))
        elif roll < 0.4:
            out.append(chr(rng.choice(range(0x1F44A, 0x1F450))) + rng.choice(SKIN_TONES))
        elif roll < 0.5:
            out.append(" ")
        else:
            out.append(chr(rng.choice(EMOJI_BASES)))
    return "".join(out)


def zalgo_text(size: int = SIZE) -> str:
    rng = _rng("zalgo")
    out: list[str] = []
    while len(out) < size:
        out.append(rng.choice(string.ascii_letters))
        out.extend(chr(rng.randint(0x0300, 0x036F)) for _ in range(rng.randint(3, 15)))
    return "".join(out)


def random_ascii(alphabet: str, name: str, size: int = SIZE) -> str:
    rng = _rng(name)
    return "".join(rng.choice(alphabet) for _ in range(size))


def ascii_corpora() -> dict[str, str]:
    rng = _rng("ascii")
    printable = "".join(chr(c) for c in range(32, 127))
    every = "".join(chr(c) for c in range(128))
    b64 = string.ascii_letters + string.digits + "+/"
    hexd = "0123456789abcdef"
    lower = string.ascii_lowercase
    punct = string.punctuation
    corpora = {
        "random printable ASCII": random_ascii(printable, "printable"),
        "random ASCII incl. controls": random_ascii(every, "every"),
        "random base64": random_ascii(b64, "b64"),
        "random hex": random_ascii(hexd, "hex"),
        "random HEX upper": random_ascii("0123456789ABCDEF", "HEX"),
        "random digits": random_ascii(string.digits, "digits"),
        "random punctuation": random_ascii(punct, "punct"),
        "random lowercase run": random_ascii(lower, "lower"),
        "random letters": random_ascii(string.ascii_letters, "letters"),
        "letter-digit alternation": "a1" * (SIZE // 2),
        "letter-punct alternation": "a." * (SIZE // 2),
        "case alternation": "aB" * (SIZE // 2),
        "comma-quote runs": '","' * (SIZE // 3),
        "spaced digits": " ".join(str(rng.randrange(10 ** rng.randint(1, 7))) for _ in range(SIZE // 5)),
        "numbers with separators": ",".join(
            f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 4)}f}" for _ in range(SIZE // 10)
        ),
        "unicode escapes": "".join(f"\\u{rng.randrange(0x10000):04x}" for _ in range(SIZE // 6)),
        "html escapes \\u003c": "".join(
            rng.choice(["\\u003c", "\\u003e", "\\u0026", "\\u0027", '\\"', "\\n", "a", "b "]) for _ in range(SIZE // 4)
        ),
        "whitespace runs": "".join(
            rng.choice([" " * rng.randint(1, 40), "\n", "\t", "\r\n", "x"]) for _ in range(SIZE // 8)
        ),
        "one letter per line": "x\n" * (SIZE // 2),
        "short lines, CRLF": "".join(
            random_ascii(lower, f"l{i}", rng.randint(1, 4)) + "\r\n" for i in range(SIZE // 5)
        ),
        "digits per line": "".join(f"{rng.randrange(1000)}\n" for _ in range(SIZE // 3)),
        "tab-separated values": "\n".join(
            "\t".join(random_ascii(b64, f"v{i}.{j}", rng.randint(1, 3)) for j in range(8)) for i in range(SIZE // 20)
        ),
        "short lines as JSON escapes": json.dumps(
            [
                "\r\n".join(random_ascii(lower + "ABC123", f"e{i}.{j}", rng.randint(1, 4)) for j in range(30))
                for i in range(100)
            ]
        ),
        "newlines and tabs": random_ascii("\n\t\r\x0b\x0c x1.", "nl"),
        "URLs": " ".join(
            f"https://{random_ascii(lower, f'h{i}', rng.randint(3, 12))}.example.test/"
            f"{random_ascii(b64, f'p{i}', rng.randint(4, 30))}?q={rng.randrange(10**6)}"
            f"&ref={random_ascii(hexd, f'r{i}', 8)}"
            for i in range(SIZE // 60)
        ),
        "slash paths": "/".join(random_ascii(lower + "_-.", f"s{i}", rng.randint(1, 6)) for i in range(SIZE // 4)),
        "single letters spaced": " ".join(rng.choice(string.ascii_letters) for _ in range(SIZE // 2)),
        "lowercase random words": " ".join(random_ascii(lower, f"w{i}", rng.randint(1, 10)) for i in range(SIZE // 6)),
    }
    tags = [random_ascii(lower + string.digits, f"t{i}", rng.randint(1, 3)) for i in range(200_000)]
    corpora["JSON array of 200k tiny tags"] = json.dumps(tags, separators=(",", ":"))
    corpora["JSON array of 1-char tags"] = json.dumps([rng.choice(printable) for _ in range(SIZE // 4)])
    return corpora


def mentions() -> list[dict[str, Any]]:
    now = datetime(2025, 6, 1, tzinfo=UTC)
    rows = seed.keywords(now)
    items = seed.mentions(now, random.Random(7), rows, 400)
    for item in items:
        item.pop("_moment", None)
    return items


def compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_corpora() -> dict[str, str]:
    items = mentions()
    page = compact({"data": items[:100], "cursor": "abc"})
    escaped = json.dumps(items[:60], separators=(",", ":"))  # ensure_ascii: \u escapes
    html = compact(items[:60]).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return {
        "English mentions JSON (400)": compact(items),
        "English mentions page (100)": page,
        "English mentions, indented": json.dumps(items[:80], ensure_ascii=False, indent=2),
        "mentions JSON ensure_ascii": escaped,
        "fenced JSON with \\u003c escapes": "```json\n" + html + "\n```",
    }


def unicode_corpora() -> dict[str, str]:
    corpora = {name: script_text(name, ranges) for name, ranges in SCRIPTS.items()}
    for name in ("CJK", "Hangul", "Cyrillic", "Arabic", "Devanagari", "Ethiopic", "Greek", "Hebrew"):
        corpora[f"{name} words"] = script_text(name + " words", SCRIPTS[name], words=True)
    corpora["emoji incl. ZWJ and skin tones"] = emoji_text()
    corpora["Zalgo"] = zalgo_text()
    return corpora


def mixed_corpora(base: dict[str, str]) -> dict[str, str]:
    rng = _rng("mixed")
    names = sorted(set(base) - RANDOM_LETTERS)  # the known limit stays out of the mixes
    pieces = [base[rng.choice(names)][i : i + rng.randint(1, 40)] for i in range(0, SIZE * 2, 40)]
    items = mentions()[:80]
    dense = []
    for index, item in enumerate(items):
        name = names[index % len(names)]
        start = rng.randrange(len(base[name]) - 300)
        dense.append({**item, "body": base[name][start : start + 300] + " " + (item.get("body") or "")[:200]})
    return {
        "mixed snippets": "".join(pieces),
        "mentions with dense-script bodies": compact(dense),
        "alternating ASCII/Linear B": "".join(f"a{chr(0x10000 + i % 200)}1" for i in range(SIZE // 3)),
        "alternating ASCII/CJK": "".join(f"{chr(0x4E00 + i * 7 % 20000)}x" for i in range(SIZE // 2)),
    }


def all_corpora() -> dict[str, str]:
    base = {**json_corpora(), **ascii_corpora(), **unicode_corpora()}
    return {**base, **mixed_corpora(base)}
