"""Extract stage: the industries a document is about, from cues in its title and text (indexer/data/industries.tsv)."""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache

from indexer.campaigns import story_headlines
from indexer.datafiles import data_lines, words_pattern
from indexer.normalize import fold

CUE_HITS = 3  # cues in the text that make a page one of its industry's (a title cue is enough)
# and they must stand in this share of its sentences: a page is about what a fifth of it talks of, not
# about the one item of a news round-up, or the sectors a long provincial report names in passing.
CUE_SHARE = 0.2
# On a multi-story page (国内联播快讯) its cues must stand in STORY_HITS stories and STORY_SHARE of them:
# one item of a round-up is not what the page is about.
STORY_HITS = 2
STORY_SHARE = 0.25
_SENTENCE = re.compile(r"[^。｡！？!?;；\s][^。｡！？!?;；\n]*")


@dataclass(frozen=True)
class Industry:
    """An industry: its name, the words users type for it, and the pattern of its cues on a page."""

    name: str
    query_terms: tuple[str, ...]
    cues: re.Pattern  # the cues, and the longer names that hold one without being about the industry
    not_cues: frozenset[str] = frozenset()

    def cue_starts(self, text: str) -> list[int]:
        """Where the cues stand in folded `text` (国家电网 is not 家电: it is matched whole)."""
        return [match.start() for match in self.cues.finditer(text) if match.group() not in self.not_cues]

    def cue_count(self, text: str, enough: int) -> int:
        """The cues in folded `text`, counted up to `enough` (国家电网 is not 家电: it is matched whole)."""
        hits = 0
        for match in self.cues.finditer(text):
            if match.group() not in self.not_cues:
                hits += 1
                if hits >= enough:
                    break
        return hits


@lru_cache(maxsize=1)
def industries() -> tuple[Industry, ...]:
    """The industries of indexer/data/industries.tsv, in file order."""
    out = []
    for line in data_lines("industries.tsv"):
        name, terms, cues, *rest = (part.strip() for part in line.split("\t"))
        blocked = frozenset(fold(c.strip()) for c in (rest[0] if rest else "").split(",") if c.strip())
        words = {fold(c.strip()) for c in cues.split(",") if c.strip()} | blocked
        out.append(Industry(fold(name), tuple(fold(t.strip()) for t in terms.split(",") if t.strip()),
                            re.compile(words_pattern(words)), blocked))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_term() -> dict[str, str]:
    return {term: industry.name for industry in industries() for term in (industry.name, *industry.query_terms)}


def industry_named(text: str) -> str | None:
    """The industry a query chunk names (钢铁企业, 家用电器, 食品企业), or None."""
    return _by_term().get(fold(text).strip())


def _parts(at: list[int], starts: list[int]) -> set[int]:
    """The parts (sentences or stories, beginning at `starts`) that positions `at` fall in, numbered
    from 1 (0: the text before the first)."""
    return {bisect_right(starts, pos) for pos in at}


def find_industries(title: str | None, text: str) -> list[str]:
    """The industries a document is about: a cue in its title, or CUE_HITS cues in its text, in at
    least CUE_SHARE of its sentences (and on a multi-story page in STORY_HITS of its stories)."""
    head = fold(title or "")
    body = fold(text)
    sentences: list[int] | None = None
    stories: list[int] | None = None
    found = []
    for industry in industries():
        if industry.cue_count(head, 1):
            found.append(industry.name)
        elif industry.cue_count(body, CUE_HITS) >= CUE_HITS:
            if sentences is None:
                sentences = [m.start() for m in _SENTENCE.finditer(body)]
                stories = [start for start, _ in story_headlines(text)]
            at = industry.cue_starts(body)
            if len(_parts(at, sentences)) < CUE_SHARE * len(sentences):
                continue
            # A round-up's lead-in (央视网消息（新闻联播）：…) is no story of its own.
            if stories and len(_parts(at, stories) - {0}) < max(STORY_HITS, STORY_SHARE * len(stories)):
                continue
            found.append(industry.name)
    return found
