"""The data-file helpers: words_pattern matches what a flat longest-first alternation matches."""
from __future__ import annotations

import random
import re

from indexer.datafiles import words_pattern


def _flat(words: list[str], tails: dict[str, str] | None = None) -> str:
    ordered = sorted(set(w for w in words if w), key=len, reverse=True)
    return "|".join(re.escape(w) + (tails or {}).get(w, "") for w in ordered) or "(?!)"


def test_words_pattern_matches_as_the_flat_alternation() -> None:
    """Same matches (spans and text) as the longest-first alternation, also where what follows makes the
    regex backtrack into a shorter word, repeated, anchored or inside a group."""
    rng = random.Random(5)
    alphabet = "质量月活动标准日.+*(|)"  # regex characters are literal text in words
    for _ in range(300):
        words = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 30))]
        words += [words[0][:n] for n in range(1, len(words[0]))]  # a chain of prefixes
        text = "".join(rng.choice(alphabet + "xy") for _ in range(200))
        # Some words count only before 动 or not before 标 (the place names' guards are such tails).
        tails = {w: rng.choice(["(?=动)", "(?!标)"]) for w in rng.sample(words, len(words) // 3)}
        for wrap in ("({})", "(?:{})(?!活)", "(?:{})+", "(?:{})$", "({})(?=动)"):
            want = re.compile(wrap.format(_flat(words, tails)))
            got = re.compile(wrap.format(words_pattern(words, tails)))
            assert [m.span() for m in got.finditer(text)] == [m.span() for m in want.finditer(text)], (words, wrap)


def test_words_pattern_tails_and_edges() -> None:
    tails = {"盐城": "(?=市)"}
    pattern = re.compile(words_pattern(["盐城", "盐", "城市"], tails))
    assert [m.group() for m in pattern.finditer("盐城市 盐城 城市")] == ["盐城", "盐", "城市"]
    assert re.compile(words_pattern([])).search("任何文字") is None  # no words: matches nothing
    assert re.compile(words_pattern(["", "a.b"])).findall("a.b axb") == ["a.b"]
