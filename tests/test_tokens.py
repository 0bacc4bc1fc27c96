"""The token estimate against the real o200k_base tokenizer: never below it, not wasteful on English JSON."""

from __future__ import annotations

import random
import time

import pytest

from octolens_mcp.mcp import tokens
from octolens_mcp.mcp.tokens import estimate_tokens
from tests.token_corpora import RANDOM_LETTERS, all_corpora, compact, mentions, real_tokens

CORPORA = all_corpora()


@pytest.mark.parametrize("name", sorted(set(CORPORA) - {"lowercase random words"}))
def test_never_below_real_tokens(name: str) -> None:
    text = CORPORA[name]
    real, estimate = real_tokens(text), estimate_tokens(text)
    assert real <= estimate, f"{name}: {real} real tokens, estimated {estimate}"
    rng = random.Random(f"pieces:{name}")
    for size in (300, 3_000) if name in RANDOM_LETTERS else (30, 300, 3_000):
        for _ in range(15):
            start = rng.randrange(max(1, len(text) - size))
            piece = text[start : start + size]
            assert real_tokens(piece) <= estimate_tokens(piece), (name, piece)


@pytest.mark.parametrize("name", sorted(set(CORPORA) - RANDOM_LETTERS))
def test_pieces_joined_by_commas_stay_within_the_sum(name: str) -> None:
    text = CORPORA[name]
    rng = random.Random(f"join:{name}")
    pieces: list[str] = []
    start = 0
    while start < min(len(text), 30_000):
        size = rng.choice((1, 2, 5, 20, 200))
        pieces.append(text[start : start + size])
        start += size
    joined = "[" + ",".join(pieces) + "]"
    assert real_tokens(joined) <= sum(estimate_tokens(piece) for piece in pieces) + estimate_tokens("[]")


def test_items_of_a_json_array_of_mentions() -> None:
    items = [compact(item) for item in mentions()]
    shell = '{"data":[],"truncated":null}'
    whole = '{"data":[' + ",".join(items) + '],"truncated":null}'
    assert real_tokens(whole) <= sum(estimate_tokens(item) for item in items) + estimate_tokens(shell)


@pytest.mark.parametrize("name", [name for name in CORPORA if name.startswith("English")])
def test_english_json_is_not_overestimated_much(name: str) -> None:
    text = CORPORA[name]
    ratio = estimate_tokens(text) / real_tokens(text)
    limit = 1.7 if "indented" in name else 1.45
    assert ratio <= limit, f"{name}: estimated at {ratio:.2f}x real"


def test_random_letter_words_are_the_known_limit() -> None:
    """Gibberish words of random lowercase letters cost up to 2.2x the estimate (module docstring)."""
    text = CORPORA["lowercase random words"]
    assert real_tokens(text) <= 2.5 * estimate_tokens(text)


@pytest.mark.parametrize(
    "text", ["a", " ", "\n", "\u4e00", "\U00010000", "\x00", "\\u003c", "123456", '","', "\U0001f600"]
)
def test_tiny_texts(text: str) -> None:
    assert estimate_tokens("") == 0
    assert real_tokens(text) <= estimate_tokens(text)


def test_every_character_gets_its_class_however_the_text_is_read() -> None:
    # Text nearly all ASCII has its runs of other characters classed apart: the classes must be the table's.
    draw = random.Random(7)
    ranges = [(0x80, 0xFF), (0x100, 0xFFFF), (0xD800, 0xDFFF), (0x10000, 0x10FFFF)]
    texts = ["".join(map(chr, range(0x110000))), "caf\u00e9 \U0001f680 " * 50, "\u043f\u0440\u0438 " * 50]
    for _ in range(2000):
        chars = [chr(draw.randint(0, 0x7F)) for _ in range(draw.randint(1, 400))]
        for _ in range(draw.randint(1, len(chars) // 16 + 1)):  # runs of 1 to 3, sparse or not
            run = [chr(draw.randint(*draw.choice(ranges))) for _ in range(draw.randint(1, 3))]
            at = draw.randrange(len(chars) + 1)
            chars[at:at] = run
        texts.append("".join(chars))
    for text in texts:
        assert tokens._classes(text) == text.translate(tokens._CLASSES).encode("latin-1"), repr(text[:60])


def test_lone_surrogates_cost_their_bytes() -> None:
    assert estimate_tokens("\ud800\udfff") >= 6


def test_linear_and_fast_enough() -> None:
    text = CORPORA["English mentions JSON (400)"][:100_000]
    estimate_tokens(text)
    started = time.perf_counter()
    for _ in range(10):
        estimate_tokens(text)
    per_call = (time.perf_counter() - started) / 10
    assert per_call < 0.02, f"{per_call * 1000:.1f} ms per 100 KB"
