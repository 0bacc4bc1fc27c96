"""Token estimate without a tokenizer: an upper bound on o200k_base tokens, calibrated by measurement.

``estimate_tokens(text)`` is meant never to be below the real o200k_base token count, so that a result
cut to a budget of N estimated tokens is at most N real tokens. It is pure Python: the tokenizer
(``bpe-openai``, a 41 MB wheel) is used only by ``tests/test_tokens.py`` and ``scripts/bench_tokens.py``.

How it works and how it was calibrated:

- Every character gets a class (``_class_table``): ASCII lower, upper, digit, space, newline, other
  whitespace, punctuation, quote, backslash, control; a non-ASCII character gets the number of tokens
  o200k_base gives it alone, 1 to 4, measured for every code point from U+0080 and stored in ``_COSTS``
  (zlib + base64). That is 1 for common CJK ideographs, kana, Hangul syllables and many 2-byte letters,
  and up to the UTF-8 byte count for rare ones (most Ethiopic, Canadian syllabics, Tifinagh, Yi, Linear
  B, CJK Ext B, emoji parts, combining marks). Random text in every script measured at most this sum:
  merges inside a run only make it cheaper.
- The estimate is a weighted count of classes (``_CLASS_WEIGHTS``), of class pairs (``_PAIR_WEIGHTS``:
  where o200k starts a pre-token, letter/digit, lower/upper, punctuation/letter...) and of blocks of
  long runs (``_RUN_WEIGHTS``), plus ``_PER_TEXT`` per text. The weights are the solution of a linear
  program: the smallest estimate of compact JSON of English mentions (the sandbox seed) such that every
  corpus in ``tests/token_corpora.py`` (random text in 22 scripts, words of 8 of them, emoji with ZWJ
  sequences and skin tones, Zalgo, random ASCII, base64, hex, digits, punctuation, URLs, JSON of 200,000
  tiny tags, ``\\u003c`` escapes, mentions with dense-script bodies, mixes), whole and in 120 random
  pieces of 30, 300 and 3,000 characters each, is estimated at least 4% above its real count. Checks on
  pieces the program had not seen then added, by hand, a token for each newline and tab and for a word
  after them or after a JSON escape's backslash (short lines, tab-separated values, ``\\r\\n`` escapes).
- ``_PER_TEXT`` also covers a join: real tokens of pieces joined by "," stay within the sum of the
  pieces' estimates (the budget fitter sums per-item estimates).

Measured (``python scripts/bench_tokens.py``): no corpus above its estimate (dense scripts within 0.1%
of it); compact JSON of English mentions estimated at 1.42x real (bytes / 3: 1.35x, but Amharic 2x
and Linear B 3x under). Known limit: gibberish of random lowercase letters ("qzx vbnm kq") looks like
English words to a class count and reaches 2.2x the estimate (runs of 16 letters or more are covered).

Speed: one ``str.translate`` (``bytes.translate`` for ASCII text, and for text nearly all ASCII but its
runs of other characters), class pairs by integer shifts, their weights summed by ``zlib.adler32`` per 256
bytes, four ``bytes.count``: about 1 ms per 100 KB of ASCII or of English mentions with a few emoji, 2 to
3 ms per 100 KB of text in other scripts, with no Python loop per character.
"""

from __future__ import annotations

import base64
import codecs
import math
import zlib

__all__ = ["estimate_tokens"]

_PER_TEXT = 3.0
"""Added to every non-empty text: a cut inside a pre-token, a join with a neighbour."""

# Character classes, one byte each (0 marks the end of the text).
_CONTROL, _LOWER, _UPPER, _DIGIT, _SPACE, _NEWLINE, _TAB, _PUNCT, _QUOTE, _BACKSLASH = range(1, 11)
_COST_1 = 11
"""Classes 11..14: a non-ASCII character whose o200k tokens alone are 1..4."""

_CLASS_WEIGHTS = {
    _LOWER: 0.05,
    _UPPER: 0.9,
    _DIGIT: 0.35,
    _SPACE: 1.04,
    _PUNCT: 0.72,
    _QUOTE: 0.09,
    _BACKSLASH: 0.67,
    _CONTROL: 1.86,
    _NEWLINE: 1.0,  # a byte is at most a token: a newline or a tab stands for itself
    _TAB: 1.0,
    **{_COST_1 + n: n + 1.0 for n in range(4)},
}
"""Tokens per character of a class (a non-ASCII character: its own cost, measured)."""

_PAIR_WEIGHTS = {
    (_LOWER, _UPPER): 0.1,  # camelCase starts a pre-token
    (_LOWER, _DIGIT): 1.8,  # letters and digits are never in one pre-token
    (_DIGIT, _LOWER): 1.23,
    (_UPPER, _DIGIT): 0.25,
    (_DIGIT, _UPPER): 0.12,
    (_PUNCT, _LOWER): 2.08,
    (_QUOTE, _LOWER): 1.59,
    (_LOWER, _PUNCT): 0.13,
    (_PUNCT, _DIGIT): 0.62,
    (_SPACE, _DIGIT): 0.45,
    (_QUOTE, _DIGIT): 0.57,
    (_BACKSLASH, _LOWER): 1.0,  # a JSON escape (\\n, \\t, \\u...): its letter starts the next word
    (_BACKSLASH, _UPPER): 1.0,
    (_BACKSLASH, _DIGIT): 1.64,
    (_NEWLINE, _LOWER): 1.0,  # a word after a newline has no space to carry its cost
    (_NEWLINE, _UPPER): 1.0,
    (_NEWLINE, _DIGIT): 1.0,
    (_TAB, _LOWER): 1.0,
    (_TAB, _UPPER): 1.0,
    (_TAB, _DIGIT): 1.0,
    (_COST_1, _LOWER): 0.43,  # a non-ASCII character next to an ASCII letter
    (_COST_1 + 1, _LOWER): 1.13,
    (_COST_1 + 3, _LOWER): 1.83,
    (_LOWER, _COST_1 + 1): 0.13,
    (_LOWER, _COST_1 + 2): 0.81,
    (_LOWER, _COST_1 + 3): 0.46,
}
"""Tokens per occurrence of a class followed by another: the pre-token boundaries o200k splits at."""

_RUN_WEIGHTS = (
    (bytes([_LOWER]) * 8, 0.13),
    (bytes([_LOWER]) * 16, 8.22),  # a run of 16 lowercase letters is no word: about 0.5 per letter
    (bytes([_UPPER]) * 2, 1.57),
    (bytes([_PUNCT]) * 4, 0.9),
)
"""Tokens per block of a run (``bytes.count``: a run of n counts n // len(block) blocks)."""

_SCALE = 40
"""Class and pair weights are summed in 1/40 token, rounded up (at most 255 per character and pair)."""

_CHUNK = 256
"""Bytes summed per zlib.adler32 call: 256 weights of at most 255 stay below its modulus, 65521."""


_COSTS = (
    "eNrt3YmW27CRAMDXkP//m3eT2DO8L4E4yFI2O7GtkUgABLrQIBhp+oqI//74+dPVVzr/9v/99+9B/PvTf/+cfv/+f3/691fx86bf"
    "P6Z/f/3vk//z5zT6z8+3Tk/+58R//mLy71uv7X8981o4toO/+N9j/Fdedx7m4ABj9UCOnedvxa8cbWQu3umR/nzJejMet6m1Rnyl"
    "FH9/M7653uYXXTp/QH9/J/5daTG8/oZXaorNNvbzzX/fE+MajJMHNW4wkUYX8OjUf0vz75VwtNyOH8pPe1go3/22sd5KYqnd73ze"
    "Xiuc/n3M/iENW8u/ep4f5bgvHnTRf3vdQU+81erGB3PTBd3T61P2ldb/Ml3+/evHktJvC/xpVHsd27QPSL+xw/DiWb5GlsKd3+t/"
    "/ZobBhPDUeu3Jc8+fRBMzC7b2ZHGT7cZP1dSDEtnEsz8fn/6/f7VWGXQ++wMQL/fv1ToEaP3r5f/xlW/HUr8DMjxE8eMvmRU1NPj"
    "vhjp/NT/3x4y/lXeby81Gml+znUwAqXjY8jsEEfV+O/LfoPc3fL/aSZXArzJkDmJqQ/V//T7F8LqOHb+6ffzI43aYFoa5Mbfn+JM"
    "vQ9GxJgczm/g8tswfmpidIDDrmvhgjhY/GkewOxTangWN4ypcb9xSn3wrR89GRfTyfHy98qZsXUw3EwitrQW7k/GlUMd35y73zSh"
    "/UC7avhzILhJeWOrnfcJgF8VfheN79NG80w3tOutXxz2jymzI/592BMq83yLTLe0nbO/l27sI+806O+8x8Ls3+o07FpglmYzILtT"
    "gy/3/61fcPEQvjn3xw0oF082lf26cV+Uyn/vw6qv4Hh3X/x2tkNLBcs6/et0j2B1K2EQo/TVwm9N0nRx1XMpBhP8EdN80HSSaOF/"
    "DdJ80zRrNqnHoX//HY4vNJ6REo8dRWwmtMaJxzSaUYuIWfLtTII4doskDpdsXKuoOP/vsZj+vZqkXiv9yJl3v9iCY/F8f2ZivinE"
    "6ez6I5Ntbx/Xj85yt/raOry4cEGN2nocu/5GWYDJ8Ywk99ujTLL/P4mEuNxJnUlXjf7/ge79xmT7t/5fOO1lcdea/d/55QsoHP0p"
    "+J//X+z/3OP/f66nFMVOk/9zH0MqfH6V/d9aPaY6VdVeEzrq/5WfR49ltJBsvLjoWNwyXH61s3BuaaHsfBXsbBXZzqLntL5EZ3mV"
    "bQwWkOZc4LE41bH3HbPBo7P8f+/jWap4eOlI+Uf+8i9VnvL/Pc7n1Lua35j//zok+9L/8v/8/2b/33Gpyf/zP//zfw/+77a/SI01"
    "3GwnWNb/Z96TGuwvevf/k8d0/ud//ud//ud//hcn8H97/h+u/k4/m0CM7yIb7HA22sAs/W6akH7vPUs/G/KkmGzmNtqTZLz6Mcb/"
    "97ty+t9Kx58NHkZrFQd/NfjF8d4Hg70dxgsSx0u7R7uWjTZYijRbaJkWV0f/7hky+N3ZWtBYWWIaSwveY3yUC5+1mK2P5aXrMT7f"
    "pQX2EWm6vDNWtoeK+YfF4nr9+W/G6vLzzc2odhbkx4l92uLs+sxY+8bhjZeTrXwGJzzYtWywachwDUUab3w4XYE/vFJ+yyAG9Tpb"
    "gPC7Unih4COGi44nt+v8rsYYXy2DRcoxabuxWjODxcqxtkxifWOWyU4RsbjCOmZtfLRP44nbHxZ6qa2tK8ZrSgZ7Y4yXc097qYjV"
    "SvrtikaNYX3NyWDjl9/+MmZL3H+bX5r+expsQzXqGUeF/rtJyM8JR4rlu3Nm3d1Cx7CxX1Ts3f1zrAeddPfrbzraF6y1i0ibHx7b"
    "9xAtNcLlFfOxs6ooLnViKwUY33adUWYHnM1bz2J6qQ07kPEmkTG+qXG5Yufvi+Ffjz989Nu7xRnXz3PjWvv2no9Y6pX3b/hbjUmO"
    "3awY0/YYJ3vwjfaw9g/DnmnQJuJ3BB/9TUxHg+GIExtnGONQdvZpsd5XxUqHOPqgWLozJ9ZvqozlYHClmg//5ea3x9UeeNYoIs53"
    "Rtlv0pn126N9AWMh5olxDcTPlorjVbWjrdYGVZwGu1FPwt5RgcS8f/tpzr/eSr/LaIcXw2LgH+PAd7h12PxqjHmNHbvhOhYjvNge"
    "6o/Ua5zqir5b/1rC/4duPo75sDQO5aemjbRQj4ON4mI2KB4vxphSaTZQxmRQTTOGn9ppM7buyp6sdo+Jk5ZDsM1NhmPhRvWY74Yw"
    "2NzzX6HOB76YhHwxPfjJ0Y51smrmWOvkp2H/2FEHxu31Czx2bqmNrRYcI2lsxq6xOGewP3ewPGgdHjVidauDWOoR84a5X3xwLN4O"
    "vaS5mAxXM6L80jIWqmG4me0sXJ6PiEOGzsQ/u5ZiJOyf/mU4PRJLvdp4DjOtzcLFSfrE4oTbWjNYvKjTeGomYo8JMet8YnO28UBz"
    "iM0bo2NpPu9wxBcb0fHqaL0zQ7DOjTwXx6RfjuHd/jGatplOGY+bbsRWcaxE99OCjslk9GJ3N3goyaivj5XAam6R8eW61D5mwd5i"
    "KxtO+SxMacf8aliP2w7vGBMb4Ikh6mZPk4j5BPd0h9vh4DvaPnfJlSNFTmOFWGtgB9vzpL4itnubpQqKycRHbHdZg4JLw5TH0am7"
    "ODbKxhwysTsXFQdNuj8H9t1YHbszPRGnA9fDXxiHfyO2Z1TicIBxrsDj+xLe8tf5+//XAtDp5G0sN9y1PNnIyEuh+VJvdaKdjrrS"
    "0b4wV7Y2i4VAdimLOB2T16b/I2KD+LE06Eyypmu9WUxkEivToDE+oZjNH23F/kvJhYWQfzpKLoaBo4E6NsaqWIoAInaYsQGTlSF0"
    "MUqNtDISx072eK/LX50LODo/c7D/iaWRdHX0XAwaY68kj8wBpu1K/j4GrZZXuXoGsxR3WpzCPsbz6SOzdrKD13eg25iHj4MVc/KK"
    "PVH7u38TVxvZZkwdS8t6VvA4Gx+uz1csD7GxORsSpyZ3YuNqXRB6puhwnpiKdUBt9Ud702qx1rhPLZiJfFtvni/OOP/euBIKDVa8"
    "xSSgieHE0WqTXpzhOdBzbA+AsZhMiZR7y7pLNXJy59HRUye/q/2YLCoZxdixFALFPPCJODaFcHSC+OAGife0/Y2AZHk24ET0tjvu"
    "xsWoMM7sFhynCHnHvHvsTVzMMre7B3YmMTnvhWIW6sRG3x1Ln3dgBF6fUY7jJbc4oxircxDnq3iYX4gDQ8JmsLY37o9mfo+1zNi8"
    "IuJo0BKnwBX3djrn6mmLWXFshDn2OMe9yD4WkoSTVTTzsWQ+N7m6kGY2Q3topUpcmTOLtaXikaWK43R//W1TG83W/y5gGCUSIo0e"
    "H/mb/IvJ6D6fIY4jndzxEG1jiicibS2QThuPUIidiHAr4Ihdyi0sdrzUXKbXweKsy9JIGMsTc3tTZzFr8zFr+7GxbH+lYGP3NPcH"
    "6jhwgcZ+R3Vkxuv4xEJMFogtWDempRaxOGofj1uWjjhSmq84OtTdjBfcbuXqN55EnGdQjNVSjq23xvZRxGJPM50BOBp2x6noZiNn"
    "H1tj22p7OLFB/JnGH2eqqRy6vlhfGoc+PM5PIka+Yjh8XcRaW15tIblCh4uP8olbm8/eJ49SlpF5/eeR15f3la5gcLpg7GTbjeXu"
    "P3bnDEYTPBFpczKtbPLkUCCytkwx1tOKsyc+nooSYpJO3RwmY3/ScR5DzYLU2IwMVltAzG6TS1vJ+DwTPJerd/tuuPX07FLsMniE"
    "Skzq6+eG4/GM5+Qekog0uRYj0mwp92qiffUvj3TmcaiA1q/TWKRmjFlwJIi4EPgNb8IYxp4xfnD59BDHZo3ZKoLZM4e2LXD4YW4L"
    "I24s9s1Xhry7nuKULZkU5yajVxv47nTRdqy8ERfN7/Cez00MV7QMf44W1Awb4WSJ9GBh9uTRWwvfHWlwS8dkGWTE8gzP7O7JQScT"
    "gwXY08mUyd4CsTYbtjHw7C99iO2eIHYVlqEtH31qwsF+8lgLi8EK1eKv+OL9LaxfOSfKKF9gFT6y9CHGVnnHYvHvzi/Egbg01u4r"
    "jK2O42hwv3u6sZJG2Ags4+J1FtPb6OKAw5fWvcZ8T4tYu68hTRd4/qblYqk+Yun2nr0Qfbrofno74cI03HS5ehwf1A/kAkc3TGxH"
    "qENKX7kB9HCzW8so/mxec2Bo3HlOYsR88m919BvckbKw9CkinVoRvTJfurS8NA4Egzf1hxE7GxetH2akPFOiNWdNI00SDYsp++WO"
    "/kzIFqlMXLGWuCr5uOOe9//737MSrzXEbIsGX77/35EZkN0plBNLAONYzcTKdNna1NCsy792DZ7YBOmLBduH6BfnOgD7/z9gY1X7"
    "/7ewB639/zOdk/3/O6w/+//vvs/+/5nr2P7/t47bj33Z//97g8fiFgL7+3x+MWcy/r7tzNfiFk8L841biba1FSi7axozz0ssncNw"
    "zVdcqb+L82Dzer9Yf+toP1Qu31zSsTF/kW3uaJ/fccv1uvP8v5i8LS76P+eEcRxOZe8vbFnoJ2aLvY62vTPXdBybilnY3evcEoD1"
    "FQ3net1vY9tv58uvzvuutb+jKz3W+rOlehitcEnze15ydw8R2/sODH9+77XlceXqOBYb19+VviBH+4mL/dfW2H8pebXwb8MLKi7W"
    "3ze5rOzxYGH/58h/feP/L1JI+fuJSPPFpEup44u7PWzEfLG1J+XS712KvReuvrP+j436OxPzxc3p2b1YOC70lQv1EOP2srJpWNyw"
    "Pmz9cT+7WzrG3vKHI+f+939+Pc/3pWFL+D8u+u9C/DlczxWxEkvlGn/SJP5cijU27xKN72LFODC+py/G3yOFE3F9HiL34p6ry6I3"
    "29LJ+O+M/xuZ67znuNKxLHFamQcoVUYl12AtjAHbi0W/XMy3EL+s3OS4fz1E+q5fumPBXpwt69x9Txzvl9bintPx7nTF6Zeg+bas"
    "5f/L5v/j37zxyfhpK4aext6jlc1bcXI2x41uR9z8vtnO/9cct9nPx/VNZHbLZc0Bp+eFj25BvxMrro5HR8pzwfrrfdbyZx6adNrI"
    "/29+X5zdkO6redq4ZRzL6IAb+u/tOYFrY1wcuYEm5/zzt/N3d8BY/v98/UXstbOYPn39trm0xX7+4rhypV86+otX5222rp9N51y8"
    "fmJlsdmRcskSoyycQ6lNi/fml1Zzu3nn1s61n6P+v8mGd80vXZr33ijPzTG8wPql28280y9dGSfi4vgdmcbvdGL90pX8w8X481Dd"
    "5oxfvlm/tL7/4Lk++c4YKTZ6tJjU/9X9uI4ezHB9VJr0nwd2ojzaBmPVqTuOiy8XrG3NN562/cW2dKRPPh1rHJg/ixNrL9L3tDjX"
    "f57YVPfS7X9frv/38vLy8vLyet+r6vztN/Og7v+/fDru/988Fvf/Zzon9/+/of93/3+203f/f9E+M11s/pEx/+/+/3s6DPn/rquv"
    "3jG8bP+/1urR+v/dD9lc/1/j/v8KywrO7jO5+h7+53/+5/+3+n8+HtRrxfzP/6X9X7lT5v/K/v92kSb/d+7/G/Of/e3/H5He9YrR"
    "w/I2Xun3AWu/t+0Nn4Q0RufwSeox2mfnxPOuI099xNZjeP509Pqs/iHHB7Zygp/bT+dz8T2fO+qxpTZV+PA+f573+qyf3+XL95Ph"
    "YD6Dn5/cZf95Tn1+PvVa8eeL3/tk/o5P+ev2c+mDz3fmnwLncu5wP8cP5ZP3WD6VO+XPmS/8FC6fvgLC+8vhaPl/PuW/92HVV+8Y"
    "PoXP71OmPD5ZBpsifXKNqmqvCX2OKXHt5xP7Dv7nf/7P7b3vXvzP/z37P3f753/+5/+CpVfw+uV//n+a/3NcP/zP//zP//xvXOd/"
    "/u/J/1feJ///HP9Xnv/h/1JYKNQ/8T//9+T/1uqR//mf//mf//mf//m/df9n9CP/V/B/5U65uv8bWv/C/xXihJr1/8T1j735X/6f"
    "//mf//mf//mf//n/nP+ztiL+5//C/n9OQMj/D6q+zvHWj/9bq0f+5/+e/J91/pD/K3jn3fPf/M///M///M///M///M///M///F/r"
    "BPm/8hgk/8///M///M///M///M///M///M///M//xnX+53/+53/+53/+53/+53/+53/+53/+72v8q/zif/7nf/7nf/7nf/7nf/7n"
    "//f4v+r+s/zP/y/3/53nJP/P//zP//zP//wvTuB//ud//s9SJPL//J/FO/b/43/+53/+53/+53/+53/+53/+f4P/m3r+bQX/1zh/"
    "+X/+53/+53/+53/+5/96dfr2/Af/8z//v9f/7Z2g/D//8z//l/L+t/Ef//M///M///fo/0arr6Pxj//5v1//fzp6pdU/5PjAVk4w"
    "3X466eJ70h312FKbKnx4LZRD+vK1dU4p0+WbMhRwGvxMucs+1avP7PWX6rXi9MXvpczfkcpft+nSB5/vzFPNPiit/2Uq29r++1mp"
    "cqecznxhKlw+fQWE95fD0fJPqfz3Pqz66h1DKnx+qUx5pCyDTZE+uUZVtdeE0jElrv08eizy//L/Pef/v77Ovjy8muvn5P/l//Pn"
    "Q+pdzfL/8v/y//L/8v/y/30nb+X/5f/l/+X/78//587/vS7//95XRMbP+v///OcDI9OnNVZSO9dParM7OfKKf63gPz9j55T3/7J4"
    "zcn/y/9/k3yv3RvJ/8v/y//L/8v/y//XyP/3lL+U/5f/LzAH7f5/+X/5f/l/+X/5f/l/+X/5f/l/+X/5/0fm/7vtL/if//mf//mf"
    "//mf//mf//n/Qn9fL//H//zP//zfs/+z9p/8X7z8+Z//+Z//+Z//+Z//+Z//+Z//+Z//65wg/1cOIfif//mf//mf//mf/x/t/0ar"
    "j//5v0hVZZj/quv/F+0/zv/8z/+tefH+/of/+Z//+Z//+Z//+Z//+b+h60L+n//5n/+N63/k//mf//mf//mf/8UJ/M///H+r/zvP"
    "/1c9fv7nf/7nf/7nf/7nf/5/nf9zx5/8z//8z//F/L/y84l9h/w///N/bu/lj3/4n//5n//5n/9b9/8dlxr/8z//8z//8z//8/+b"
    "xnX+53/+53/+53/+FyfwP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP/+37P/b9q/jf/7n"
    "f/7nf/5vevzif/7nf/7nf/7nf/5/l///yP/zP//zv3Gd/59Qf/L//M///P8S/9v/n//5n//5n//5n///2P//Vfv/fyq/+J//+Z//"
    "+b+O/++41Pif//mf//mf//mf/980rsv/d15//M//L/J/5fk7/ud//ud//ud//ud//ud//ud//ud//i/g/8qdMv/zP//zP//zP//z"
    "P//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP/9fjne+vv+L//mf//nfuM7//M///M///M//4gT+5//G"
    "/d9sE+J//ud//ud//ud//ud//ud//ud//ud//s/k/56eX8X//M//rXnx/v6D//mf//mf//mf//mf//mf//P4v9v+gv/5n/+bvkbl"
    "//m/df83NP/N//zP//zP//zP//zfhf9Lxk/8z/89t1/+53/+b8v/V94n/8///M///M///M//b/Z/tYLmf/6/51jk//mf//mf//n/"
    "8f7v6f5P/ud//s/r/xzX/zfH3XX/w//8z//8b1znf/7nf/7n/878/1RA8j//8/++/1urR/l//i/p/6bmn/if//mf//mf//mf//mf"
    "//mf//mf//lf/p//+T+79/LOf/E///M///M//xcpvVr7T/E///N/9/7P0H/wP//zP/8b1/mf//mf//mf/ysPoPL//M///N9tE+J/"
    "/ud//ud//ud//ud//ud//ud//ud//uf/v/Fq9/tH8j//838l/2fpP/if//mf//mf//mf//mf//m/iP8f1bHyP//zf1H/5zzpN/o/"
    "5/wr//M///M///N/qfHH8//qPv+P/+v6v6f8Of/nj21r1D//t1MO9v/j/2/8L//fuf8L9//8z//8z//NxD8v939r9cj/Zf3fbX/B"
    "/7fEtlvvkf83rp85J/7nf/5v3P8txPz8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z/9X"
    "r/Mb7n/jf/5/i/8Lbr/A//zP//zP//zP//zP//zP//xfrBzk//mf/2/vk7vy/2375/A///M///M///M///M///M///M///N/S9eF"
    "/D//8z//G9f5n//5n//5n//5X5zA//zP//zP//z/UP/39PzMFv1/a/nxP//zP//zP//zP//zP//zP//zP/834Hf5/5vLif/5n//5"
    "n//5n//5v3D8x//8z//8z/8N+7/i4fE///cf//A///M///fpf/v/v9z/Nx4U//M///M///M///N/H/MB9Vox//M///N/Sf/fcanx"
    "f0f+l//nf/7nf/7nf/7nf/7nf/7nf/7nf/5/vv9vPCj+53/+53/+53/+53/+53/+53/+53/+53/+5//a/u9p/3L+53/+5//m+i/+"
    "53/+53/+53/+53/+5/9O/N9tf8H//M//r/f/2bFV/p//+Z//+Z//+Z//+f/d/s+QP3p1/r/kK63+IccHtnKC6fbTSRffk+6ox5ba"
    "VOHDS5/nvdL6+V2+fFOGg0mDn2n45y9fww9/Qn2mVK8Vpy9+L2X+jlT+uk2XPvh8Z55q9kFp/S9T2db2389KlTvldOYLU+Hy6Ssg"
    "vL8cjpZ/SuW/92HVV+8YUuHzS2XKI2UZbIr0yTWqqr0mlI4pce3n0WOR/5f/l/+X/5f/l/+X/5f/l/+X/5f/l/+X/5f/f0P+v9km"
    "ZP0///M///M///M///M///M///M///M///M///M//3/tvbz75/E///fk/4b2v+V//uf/s6VX8Prlf/5/mv9zXD/8z//8z//8b1zn"
    "f/7vyf9X3if//xz/V57/4f9SWCjUP/E///fk/9bqkf/5n//5n//5n//5v3X/Z/Qj/1fwf+VOubr/G1r/wv8V4oSa9f/E9Y+9+V/+"
    "n//5n//5n//5n//5/5z/s7Yi/uf/wv5/TkDI/w+qvs7x1o//W6tH/uf/nvyfdf6Q/yt4593z3/zP//zP//zP//zP//zP//zP//xf"
    "6wT5v/IYJP/P//zP//zP//zP//zP//zP//zP//zP/8Z1/ud//ud//ud//ud//ud//ud//ud//u9r/Kv84n/+53/+53/+53/+53/+"
    "5//3+L/q/rP8z/8v9/+d5yT/z//8z//8z//8L07gf/7nf/7PUiTy//yfxTv2/+N//ud//ud//ud//ud//ud//n+D/5t6/m0F/9c4"
    "f/l//ud//ud//ud//uf/enX69vwH//M//7/X/+2doPw///M//5fy/rfxH//zP//zP//36P9Gq6+j8Y//+Z//+Z//+d+4zv+d15/8"
    "P//zP//zP/+/wf83HhT/8z//8z//39hf5J/A/ZT8fv7nf/7nf/7nf/7nf/7nf/7n/1L+/3T0Sqt/yPGBrZxguv100sX3pDvqsaU2"
    "Vfjw0ud5r7R+fpcv35ThYNLgZ8pd9uk59ZlSvVacvvi9lPk7UvnrNl364POdeSpwLucONx0/lJT3WFL9TjndWNUPf6Wy5XC0/FOq"
    "1UIeU331jiEVPr9UpjxSlsGmSJ9co6raa0LpmBLXfpYqI/l/+f+ei936f/l/+X/5f/l/+X/5f/l/+X/5f/l/+f+35P+77S/4n//5"
    "n//5n//5n//5n//5/0J/Xy//x//8z//837P/s/af/F+8/Pmf//mf//mf//mf//mf//mf//mf/+ucIP9XDiH4n//5n//5n//5n/8f"
    "7f9Gq4//+b9IVWWY/6rr/47u3+d//uf/Z43rJfof/ud//ud//ud//ud//uf/hq4L+X/+53/+N67/kf/nf/7nf/7nf/4XJ/A///P/"
    "rf7vPP9f9fj5n//5n//5n//5n//5/3X+zx1/8j//8z//F/P/ys8n9h3y//zP/7m9lz/+4X/+53/+53/+b93/d1xq/M///M///M//"
    "/M//bxrX+Z//+Z//+Z//+V+cwP/8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//837L/b9u/"
    "jv/5n//5n//5v+nxi//5n//5n//5n//5/13+/yP/z//8z//Gdf5/Qv3J//M///P/S/xv/3/+53/+53/+53/+/2P//1ft//+p/OJ/"
    "/ud//uf/Ov6/41Ljf/7nf/7nf/7nf/5/07gu/995/fE//7/I/5Xn7/if//mf//mf//mf//mf//mf//mf//m/gP8rd8r8z//8z//8"
    "z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8fzne+fr+L/7nf/7nf+M6//M///M///M//4sT"
    "+J//G/d/s02I//mf//mf//mf//mf//mf//mf//mf//k/k/97en4V//M//7fmxfv7D/7nf/7nf/7nf/7nf/7nf/7P4/9u+wv+53/+"
    "b/oalf/n/9b939D8N//zP//zP//zP//zfxf+Lxk/8T//99x++Z//+b8t/195n/w///M///M///M//7/Z/9UKmv/5/55jkf/nf/7n"
    "f/7n/8f7v6f7P/mf//k/r/9zXP/fHHfX/Q//8z//879xnf/5n//5n/878/9TAcn//M//+/5vrR7l/8v6/9PRK63+IccHtnKC6fbT"
    "SRffk+6ox5baVOHDS5/nvdL6+V2+fFOGg0mDnyl32afn1GdKZVtx+vL1OVmfOd6X7rp00k2dSLp3GP36cNPxQ0l5jyVV7pTTmS9M"
    "hcunr4Dw/nI4Wv4plf/eh1VfvWNIhc8vlSmPlGWwKdIn16iq9ppQOqbEtZ9Hj0X+X/5f/v+9+f/c66/k/+X/5f/l/+X/5f+LlF7B"
    "9cPy//L/8v/Pyv9n6D+s/+d//ud/4zr/8z//8z//83/lAdT6f/7nf/7vtgnxP//zP//zP//zP//zP//zP//zP//zP//z/994tfv9"
    "I/mf//m/kv+z9B/8z//8z//8z//8z//8z//8X8T/j+pY+Z//+b+o/3Oe9Bv9n3P+lf/5n//5n//5v9T44/l/3xcf//fr/57y5/yf"
    "P7atUf/830452P+P/7/xv/x/5/4v3P/zP//zP/83E/+83P+t1SP/l/V/t/0F/98S2269R/7fuH7mnPif//m/cf+3EPPzP//zP//z"
    "P//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP//zP/9fvc5vuP+N//n/Lf4vuP0C//M///M///M///M///M/"
    "//N/sXKQ/+d//r+9T+7K/7ftn8P//M///M///M///M///M///M///M//LV0X8v/8z//8b1znf/7nf/7nf/7nf3EC//M///M///P/"
    "Q/3f0/MzW/T/reXH//zP//zP//zP//zP//zP//zP//zfgN/l/28uJ/7nf/7nf/7nf/7n/8LxH//zP//zP/837P+Kh8f//N9//MP/"
    "/M///N+n/+3//3L/33hQ/M///M///M///M//fcwH1GvF/M///M//Jf1/x6XG/x35X/6f//mf//mf//mf//mf//mf//mf//n/+f6/"
    "8aD4n//5n//5n//5n//5n//5n//5n//5n//5n/9r+7+n/cv5n//5n/+b67/4n//5n//5n//5n//5n/878X+3/QX/8z//v97/Z8dW"
    "+X/+53/+53/+53/+5/93+z9D/oj/+Z//+d+4zv/8z//8z//8z//iBP7n/8b932wT4n/+53/+53/+53/+53/+53/+53/+53/+z+T/"
    "T+VXWnpFOvz67ss/bb3SdweVMr4v3VhcqbUir3R4rTW/3OeUNk43lSinNP+fafDf3Cf9hPo836Om6tfDmfrM8b5016WTbiq0lOc6"
    "vK2O0/FDSXmPJVXulNOZL0yFy6erwaZAORwt/5TKf+/Dqq/eMaTC55fKlEfKMtgU6ZNrVFV7TSgdU+Laz6PHIv8v/y///978f+79"
    "8+T/5f97yv83tP+t/L/8v/z/2dIreP3K/8v/Py3/n+P6kf/vN//P//zP/+/1/53nxP/837r/r7zP+v/n+L/y/A//l8JCof6J//m/"
    "J/+3Vo/8z//8z//8z//8z/+t+z+jH/m/gv8rd8rV/d/Q+hf+rxAn1Kz/J65/7M3/8v/8z//8z//8z//8z//n/J+1FfE//xf2/3MC"
    "Qv5/UPV1jrd+/N9aPfI///fk/6zzh/xfwTvvnv/mf/7nf/7nf/7nf/7nf/7nf/7n/1onyP+VxyD5f/7nf/7nf/7nf/7nf/7nf/7n"
    "f/7nf/43rvM///M///M///M///M///M///M///N/X+Nf5Rf/8z//8z//8z//8z//8z//v8f/Vfef5X/+f7n/7zwn+X/+53/+53/+"
    "539xAv/zP//zf5Yikf/n/yzesf8f//M///M///M///M///M///P/G/zf1PNvK/i/xvnL//M///M///M///M//9er07fnP/if//n/"
    "vf5v7wTl//mf//m/lPe/jf/4n//5n//5v0f/N1p9HY1//M///M///M//xnX+77z+5P/5n//5n//5/w3+v/Gg+J//+Z//+f/G/iL/"
    "BO6n5PfzP//zP//zP//zP//zP//zP//34v+S/uF//i8wBsn/8z//8z//83+B+If/+Z//a/mD//n/zf7vKX/J//zP//zP//zP//zf"
    "gv/vOAT+53/+7xlv/M//ffi/2/6C//mf//mf//mf//mf//mf/y/09/b/53/+53/+r95/8n/x8ud//ud//ud//ud//ud//ud//ud/"
    "/q9zgvxfOYTgf/7nf/7nf/7nf/5/tP8brT7+5/8iVZVh/quu/1+0/zj/8z//t+bF+/sf/ud//ud//ud//ud//uf/hq4L+X/+53/+"
    "N67/kf/nf/7nf/7nf/4XJ/A///P/rf7vPP9f9fj5n//5n//5n//5n//5/3X+v+PxcfzP//zP/0X8v/LziX2H/D//839u7933+Fz+"
    "53/+53/+5/9W/X/Hpcb//M///M///M///P+mcZ3/+Z//+Z//+Z//xQn8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8"
    "z//8z//8z//8z//8z//8z/8t+/+2/ev4n//5n//5n/+bHr/4n//5n//5n//5n//f5f8/8v/8z//8b1zn/yfUn/w///M//7/E//b/"
    "53/+53/+53/+5/8/9v9/1f7/n8ov/ud//ud//q/j/zsuNf7nf/7nf/7nf/7n/zeN6/L/ndcf//P/i/xfef6O//mf//mf//mf//mf"
    "//mf//mf//mf/wv4v3KnzP/8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z//8z/+X452v"
    "7//if/7nf/43rvM///M///M///O/OIH/+b9x/zfbhPif//mf//mf//mf//mf//mf//mf//mf/zP5v6fnV/E///N/a168v//gf/7n"
    "f/7nf/7nf/7nf/7n/zz+77a/4H/+5/+mr1H5f/5v3f8NzX/zP//zP//zP//zP/934f+S8RP/83/P7Zf/+Z//2/L/lffJ//M///M/"
    "//M///P/m/1fraD5n//vORb5f/7nf/7nf/5/vP97uv+T//mf//P6P8f1/81xd93/8D//8z//G9f5n//5n//5vzP/PxWQ/M///L/v"
    "/9bqUf6f/0v6v6n5J/7nf/7nf/7nf/7nf/7nf/7nf/7nf/6X/+d//s/uvbzzX/zP//zP//zP/0VKr9b+U/zP//zfvf8z9B/8z//8"
    "z//Gdf7nf/7nf/7n/8oDqPw///M//3fbhPif//mf//mf//mf//mf//mf//mf//mf//n/b7za/f6R/M///F/J/1n6D/7nf/7nf/7n"
    "f/7nf/7nf/4v4v9Hdaz8z//8X9T/OU/6jf7POf/K//zP//zP//xfavzx/L+6z//j/7r+7yl/zv/5Y9sa9c//7ZSD/f/4/xv/y/93"
    "7v/C/T//8z//838z8c/L/d9aPfJ/Wf9321/w/y2x7dZ75P+N62fOif/5n/8b938LMT//8z//8z//8z//8z//8z//8z//8z//8z//"
    "8z//8z//8z//8z//8z//8z//8z//8z//8//V6/yG+9/4n//f4v+C2y/wP//zP//zP//zP//zP//zP/8XKwf5f/7n/9v75K78f9v+"
    "OfzP//zP//zP//zP//zP//zP//zP//zf0nUh/8///M//xnX+53/+53/+53/+FyfwP//zP//zP/8/1P89PT+zRf/fWn78z//8z//8"
    "z//8z//8z//8z//8z/8N+F3+/+Zy4n/+53/+53/+53/+Lxz/8T//8z//83/D/q94ePzP//3HP/zP//zP/3363/7/L/f/jQfF//zP"
    "//zP//zP//zfx3xAvVbM//zP//xf0v93XGr835H/5f/5n//5n//5n//5n//5n//5n//5n/+f7/8bD4r/+Z//+Z//+Z//+Z//+Z//"
    "+Z//+Z//+Z//+b+2/3vav5z/+Z//+b+5/ov/+Z//+Z//+Z//+Z//+b8T/3fbX/A///P/6/1/dmyV/+d//ud//ud//ud//n+3/zPk"
    "j/if//mf/43r/M///M///M///C9O4H/+b9z/zTYh/ud//ud//ud//ud//ud//ud//ud//ud//ud//ud//ud//ud//ud//ud//ud/"
    "/ud//ud//uf/Xe/l3T+P//m/J/83tP8t//M//58tvYLXL//z/9P8n+P64X/+53/+53/jOv/zf0/+v/I++f/n+L/y/A//l8JCof6J"
    "//m/J/+3Vo/8z//8z//8z//8z/+t+z+jH/m/gv8rd8rV/d/T85/5/47+vl79P3H9Y2/+l//nf/7nf/7nf/7nf/4/5/+srYj/+b+w"
    "/58TEPL/g6qvc7z14//W6pH/+b8n/2edP+T/Ct559/w3//M///M///M///M///M///M//9c6Qf6vPAbJ//M///M///M///M///M/"
    "//M///M///O/cZ3/+Z//+Z//+Z//+Z//+Z//+Z//+Z//+xr/Kr/4n//5n//5n//5n//5n//5/z3+r7r/LP/z/8v9f+c5yf/zP//z"
    "P//zP/+LE/if//mf/7MUifw//2fxjv3/+J//+Z//+Z//+Z//+Z//+Z//3+D/pp5/W8H/Nc5f/p//+Z//+Z//+Z//+b9enb49/8H/"
    "/M//7/V/eyco/8///M//pbz/bfzH//zP//zP/z36v9Hq62j843/+53/+53/+N67zf+f1J//P//zP//zP/2/w/40Hxf/8z//8z/83"
    "9hf5J3A/Jb+f//mf//mf//mf//mf//mf//m/F/+X9A//83+BMUj+n//5n//5n/8LxD/8z//8X8sf/M//b/Z/T/lL/ud//ud//ud/"
    "/uf/Fvx/xyHwP//zf89443/+78P/3fYX/M///M///M///M///M///H+hv7f/P//zP//zf/X+k/+Llz//8z//8z//8z//8z//8z//"
    "8z//83+dE+T/yiEE//M///M///M///P/o/3faPXxP/8XqaoM8191/f+i/cf5n//5vzUv3t//8D//8z//8z//8z//8z//N3RdyP/z"
    "P//zv3H9j/w///M///M///O/OIH/+Z//b/V/5/n/qsfP//zP//zP//zP//zP/6/z/x2Pj+N//ud//i/i/5WfT+w75P/5n/9ze+++"
    "x+fyP//zP//zP/+36v87LjX+53/+53/+53/+5/83jev8z//8z//8z//8L07gf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7n"
    "f/7nf/7nf/7nf/7nf/7nf/7nf/5v2f+37V/H//zP//zP//zf9PjF//zP//zP//zP//z/Lv//kf/nf/7nf+M6/z+h/uT/+Z//+f8l"
    "/rf/P//zP//zP//zP///sf//q/b//1R+8T//8z//838d/99xqfE///M///M///M//79pXJf/77z++J//X+T/yvN3/M///M///M//"
    "/M///M///M///M///F/A/5U7Zf7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/7nf/6/"
    "HO98ff8X//M///O/cZ3/+Z//+Z//+Z//xQn8z/+N+7/ZJsT//M///M///M///M///M///M///M///J/J/z09v4r/+Z//W/Pi/f0H"
    "//M///M///M///M///M//+fxf7f9Bf/zP/83fY3K//N/6/5vaP6b//mf//mf//mf//m/C/+XjJ/4n/97br/8z//835b/r7xP/p//"
    "+Z//+Z//+Z//3+z/agXN//x/z7HI//M///M///P/4/3f0/2f/M///J/X/zmu/2+Ou+v+h//5n//537jO//zP//zP/535/6mA5H/+"
    "5/99/7dWj/L//F/S/03NP/E///M///M///M///M///M///M///O//D//83927+Wd/+J//ud//ud//i9SerX2n+J//uf/7v2fof/g"
    "f/7nf/43rvM///M///M//1ceQOX/+Z//+b/bJsT//M///M///M///M///M///M///M///M//f+PV7veP5H/+5/9K/s/Sf/A///M/"
    "//M///M///M///N/Ef8/qmPlf/7n/6L+z3nSb/R/zvlX/ud//ud//uf/UuOP5//Vff4f/9f1f0/5c/7PH9vWqH/+b6cc7P/H/9/4"
    "X/6/c/8X7v/5n//5n/+biX9e7v/W6pH/y/q/2/6C/2+JbbfeI/9vXD9zTvzP//zfuP9biPn5n//5n//5n//5n//5n//5n//5n//5"
    "n//5n//5n//5n//5n//5n//5n//5n//5n//5n/+vXuc33P/G//z/Fv8X3H6B//mf//mf//mf//mf//mf//m/WDnI//M//9/eJ3fl"
    "/9v2z+F//ud//ud//ud//ud//ud//ud//uf/lq4L+X/+53/+N67zP//zP//zP//zvziB//mf//mf//n/of7v6fmZLfr/1vLjf/7n"
    "f/7nf/7nf/7nf/7nf/7nf/5vwO/y/zeXE//zP//zP//zP//zf+H4j//5n//5n/8b9n/Fw+N//u8//uF//ud//u/T//b/f7n/bzwo"
    "/ud//ud//ud//uf/PuYD6rVi/ud//uf/kv6/41Lj/478L//P//zP//zP//zP//zP//zP//zP//z/fP/feFD8z//8z//8z//8z//8"
    "z//8z//8z//8z//8z/+1/d/T/uX8z//8z//N9V/8z//8z//8z//8z//8z/+d+L/b/oL/+Z//X+//s2Or/D//8z//8z//8z//8/+7"
    "/Z8hf8T//M///G9c53/+53/+53/+539xAv/zf+P+b7YJ8T//8z//8z//8z//8z//8z//8z//8z//Z/L//wHSS10s"
)
"""zlib + base64 of one byte per code point from U+0080: o200k_base tokens of that character alone."""


def _class_table() -> bytes:
    classes = bytearray(128)
    for code in range(128):
        char = chr(code)
        if char.islower():
            classes[code] = _LOWER
        elif char.isupper():
            classes[code] = _UPPER
        elif char.isdigit():
            classes[code] = _DIGIT
        elif char == " ":
            classes[code] = _SPACE
        elif char in "\r\n":
            classes[code] = _NEWLINE
        elif char in "\t\v\f":
            classes[code] = _TAB
        elif char == '"':
            classes[code] = _QUOTE
        elif char == "\\":
            classes[code] = _BACKSLASH
        elif code < 32 or code == 127:
            classes[code] = _CONTROL
        else:
            classes[code] = _PUNCT
    costs = zlib.decompress(base64.b64decode("".join(_COSTS)))
    if len(costs) != 0x110000 - 128 or not set(costs) <= {1, 2, 3, 4}:
        raise RuntimeError("token cost table is damaged")
    return bytes(classes) + costs.translate(bytes((_COST_1 - 1 + n) % 256 for n in range(256)))


def _pair_table() -> bytes:
    weights = bytearray(256)
    for first in range(16):
        for second in range(16):
            weight = _CLASS_WEIGHTS.get(first, 0.0) + _PAIR_WEIGHTS.get((first, second), 0.0)
            weights[first * 16 + second] = math.ceil(weight * _SCALE - 1e-9)
    if max(weights) * _CHUNK >= 65521:
        raise RuntimeError("pair weights too large for zlib.adler32 sums")
    return bytes(weights)


_CLASSES = _class_table()
"""Code point -> class byte (str.translate accepts a bytes table: it maps through its ints)."""
_ASCII_CLASSES = _CLASSES[:128] * 2
"""The same for the bytes of an ASCII text (bytes.translate, several times faster than str.translate)."""
_MARKED = 0x80
"""Set on the class byte ``_classes_of_run`` writes for a non-ASCII character, apart from every ASCII byte."""
_BYTE_CLASSES = _CLASSES[:128] + bytes(byte & ~_MARKED for byte in range(_MARKED, 256))
"""An ASCII byte -> its class; a marked class byte -> the class."""
_MARK = bytes(byte | _MARKED for byte in range(256))
_CLASSES_ERRORS = "octolens_mcp.token_classes"


def _classes_of_run(error: UnicodeError) -> tuple[bytes, int]:
    """Encoding error handler: the marked class bytes of a run of non-ASCII characters, in place of the run."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    run = error.object[error.start : error.end]
    return run.translate(_CLASSES).encode("latin-1").translate(_MARK), error.end


codecs.register_error(_CLASSES_ERRORS, _classes_of_run)


_SPARSE = 32
"""Text with at most one non-ASCII character in this many has its runs of them looked up apart."""


def _classes(text: str) -> bytes:
    """``text``'s class bytes. ``str.translate`` looks every character up in the table, slowly; ASCII bytes are
    translated at C speed, so text that is nearly all ASCII (a mention with a few emoji) has only its runs of
    other characters looked up, each by one call of ``_classes_of_run``."""
    ascii_bytes = text.encode("ascii", "ignore")
    if len(ascii_bytes) == len(text):
        return ascii_bytes.translate(_ASCII_CLASSES)
    if (len(text) - len(ascii_bytes)) * _SPARSE <= len(text):
        return text.encode("ascii", _CLASSES_ERRORS).translate(_BYTE_CLASSES)
    return text.translate(_CLASSES).encode("latin-1")


_PAIRS = _pair_table()
"""First class * 16 + next class -> weight of the first character and the pair, in 1/16 token."""


def estimate_tokens(text: str) -> int:
    """An upper bound on the o200k_base tokens of ``text`` (see the module docstring for how it holds).

    Linear in ``len(text)``, with no Python loop per character: about 1 ms per 100 KB of ASCII.
    """
    if not text:
        return 0
    classes = _classes(text)
    size = len(classes)
    # Byte i of the little-endian integer is class i; shifted one byte down, it is class i + 1.
    # (c << 4) + (c >> 8) puts 16 * class(i) + class(i + 1) in byte i with no carry (classes < 16).
    packed = int.from_bytes(classes, "little")
    pairs = ((packed << 4) + (packed >> 8)).to_bytes(size + 1, "little")[:size].translate(_PAIRS)
    view = memoryview(pairs)
    units = 0
    for start in range(0, size, _CHUNK):
        units += (zlib.adler32(view[start : start + _CHUNK]) & 0xFFFF) - 1
    total = _PER_TEXT + units / _SCALE
    for block, weight in _RUN_WEIGHTS:
        total += weight * classes.count(block)
    return math.ceil(total)
