"""Pinyin suggestions: the domain words a Latin-only query spells, in full or as initials.

zhiliangyue, "zhi liang yue" and zly spell 质量月 (indexer/data/pinyin_words.tsv, written by
scripts/make_pinyin.py). They are offered (您是不是要找：质量月), never searched in the query's place.
"""
from __future__ import annotations

import re
from functools import lru_cache

from indexer.datafiles import data_lines

LATIN_QUERY = re.compile(r"^[A-Za-z' \t\u3000-]+$")  # letters, spaces, apostrophes (xi'an), hyphens
_NOT_LETTER = re.compile(r"[^a-z]")
MAX_SUGGESTIONS = 5


@lru_cache(maxsize=1)
def _spellings() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Full pinyin -> words, initials -> words."""
    full: dict[str, list[str]] = {}
    initials: dict[str, list[str]] = {}
    for line in data_lines("pinyin_words.tsv"):
        word, spelled, first = line.split("\t")
        full.setdefault(spelled, []).append(word)
        initials.setdefault(first, []).append(word)
    return full, initials


def pinyin_candidates(text: str | None) -> list[str]:
    """The words a Latin-only query spells (full pinyin first, then initials); [] for any other query."""
    if not text or not LATIN_QUERY.match(text):
        return []
    key = _NOT_LETTER.sub("", text.lower())
    if len(key) < 2:
        return []
    full, initials = _spellings()
    return list(dict.fromkeys(full.get(key, []) + initials.get(key, [])))
