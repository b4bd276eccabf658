"""Extract stage: the campaigns a document is about (质量月, 世界计量日 …), and each one's year.

Names and cues are data (indexer/data/campaigns.tsv). A document is about a campaign when its
title names it, when its text names it twice, or once in a sentence that reports on it (活动,
举行, 主题 … from indexer/data/campaign_cues.txt). A name inside an enumeration (制造强国、质量强国、
网络强国) is a mention in passing and never counts. Matching runs on folded text.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from indexer.datafiles import data_lines, words_pattern
from indexer.extract import find_regions
from indexer.normalize import fold
from indexer.segment import segmenter

_QUOTES = "“”\"「」『』‘’'"
# The year written just before a campaign's name: 2024年中国品牌日, 2022年全国“质量月”, 2023年度质量月.
_YEAR_BEFORE = re.compile(
    r"((?:19|20)\d{2})\s*(?:年度?)?\s*(?:全国|全省|全市|全区|国家|[\u4e00-\u9fff]{1,8}?[省市区县]|第[一二三四五六七八九十\d]+[届个次])?\s*[“\"「『‘']?$"
)
# Words that make a campaign's edition a local one: 本市以“…”为主题, 2022年全省“质量月”.
_LOCAL_WORDS = re.compile(r"本市|全市|本省|全省|本区|全区|我市|我省|我区|本县|全县")
_NATIONAL_WORDS = re.compile(r"全国|国家|中国|中央")
EDITION_WINDOW = 15


@dataclass(frozen=True)
class CampaignName:
    """A row of indexer/data/campaigns.tsv."""

    name: str
    national: bool
    international: bool = False  # a day international bodies set (世界计量日): its theme is theirs unless China's is meant


@dataclass(frozen=True)
class Mention:
    """Where a text names a campaign."""

    campaign: CampaignName
    start: int
    end: int


@dataclass(frozen=True)
class _Table:
    by_cue: dict[str, CampaignName]
    pattern: re.Pattern
    cues: tuple[str, ...]


@lru_cache(maxsize=1)
def _table() -> _Table:
    by_cue: dict[str, CampaignName] = {}
    for line in data_lines("campaigns.tsv"):
        name, scope, cues = (line.split("\t") + ["", ""])[:3]
        campaign = CampaignName(name, scope in ("national", "international"), scope == "international")
        for cue in [name, *(c for c in cues.split(",") if c)]:
            by_cue.setdefault(fold(cue), campaign)
    # A cue may carry quotes inside the text (“质量月”活动): the pattern allows them around the name.
    pattern = re.compile(words_pattern(by_cue))
    return _Table(by_cue, pattern, tuple(fold(c) for c in data_lines("campaign_cues.txt")))


def campaign_named(name: str) -> CampaignName:
    """The campaign of that name (a row of campaigns.tsv)."""
    return _table().by_cue[fold(name)]


def campaign_names() -> list[str]:
    """Every campaign name, in data-file order."""
    return list(dict.fromkeys(c.name for c in _table().by_cue.values()))


def _word_edges(folded: str, start: int, end: int) -> set[int]:
    """Offsets where jieba's words begin or end in folded[start:end] (the analyzer's cut)."""
    edges = set()
    for _word, s, e in segmenter().tokenize(folded[start:end], "default", True):
        edges.update((start + s, start + e))
    return edges


@lru_cache(maxsize=8)
def mentions(folded: str) -> tuple[Mention, ...]:
    """Every place a folded text names a campaign as a word of its own, mentions in passing included.

    A name inside a longer word is no mention: 空气质量月报 is 空气质量/月/报, not 质量月. Cached:
    campaigns, themes and campaign passages all ask for the same text's mentions, and each
    answer cuts the sentences around the matches with jieba.
    """
    table = _table()
    found = []
    edges: dict[tuple[int, int], set[int]] = {}
    for m in table.pattern.finditer(folded):
        sentence = sentence_at(folded, m.start())
        if sentence not in edges:
            edges[sentence] = _word_edges(folded, *sentence)
        if m.start() in edges[sentence] and m.end() in edges[sentence]:
            found.append(Mention(table.by_cue[m.group(0)], m.start(), m.end()))
    return tuple(found)


def _in_passing(folded: str, m: Mention) -> bool:
    """A name in an enumeration: 、 right before or after it (quotes aside)."""
    before = folded[: m.start].rstrip(_QUOTES)[-1:]
    after = folded[m.end :].lstrip(_QUOTES)[:1]
    return before == "、" or after == "、"


_SENTENCE_END = re.compile(r"[。！？!?\n]")


@lru_cache(maxsize=4)
def _sentence_ends(folded: str) -> list[int]:
    """Offsets of every sentence end of a text, once per text (str caches its hash)."""
    return [m.start() for m in _SENTENCE_END.finditer(folded)]


def sentence_at(folded: str, at: int) -> tuple[int, int]:
    """Start and end of the sentence holding offset `at`."""
    ends = _sentence_ends(folded)
    i = bisect.bisect_left(ends, at)
    start = ends[i - 1] + 1 if i > 0 else 0
    return start, ends[i] + 1 if i < len(ends) else len(folded)


def reports_on(folded: str, m: Mention) -> bool:
    """True when the sentence naming the campaign reports on it (活动, 举行, 主题 …)."""
    start, end = sentence_at(folded, m.start)
    rest = folded[start : m.start] + folded[m.end : end]
    return any(cue in rest for cue in _table().cues)


def year_of(folded: str, m: Mention) -> int | None:
    """The year written just before a campaign's name, if any."""
    found = _YEAR_BEFORE.search(folded, max(0, m.start - 16), m.start)
    return int(found.group(1)) if found else None


@dataclass(frozen=True)
class Campaign:
    """A campaign a document is about, with the year the document gives it (None when it gives none)."""

    name: str
    year: int | None


_PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》", "〈": "〉", "‘": "’"}
_CLOSERS = {close: open_ for open_, close in _PAIRS.items()}
ENCLOSURE_WINDOW = 60
_EVENT_END = re.compile(r"(?:行动|活动|仪式|大会|论坛|宣传周|宣传月|系列活动|启动式|开幕式|主场活动|媒体行)$")


def enclosure(folded: str, start: int, end: int) -> tuple[str, int, int] | None:
    """(opening mark, inner start, inner end) of the quotes or book-title marks around folded[start:end]
    (the innermost still open; pairs closed before the name are skipped), or None."""
    closed: dict[str, int] = {}
    for i in range(start - 1, max(-1, start - ENCLOSURE_WINDOW), -1):
        ch = folded[i]
        if ch == "\n":
            return None
        if ch in _CLOSERS:
            closed[_CLOSERS[ch]] = closed.get(_CLOSERS[ch], 0) + 1
        elif ch in _PAIRS:
            if closed.get(ch):
                closed[ch] -= 1
                continue
            close = folded.find(_PAIRS[ch], end, end + ENCLOSURE_WINDOW)
            newline = folded.find("\n", end, close) if close >= 0 else -1
            return (ch, i + 1, close) if close >= 0 and newline < 0 else None
    return None


# A name that is part of a body's name (质量强国建设协调推进领导小组), not a mention of the campaign.
_BODY_AFTER = re.compile(r"(?:建设|战略)?(?:协调推进|工作|推进)?(?:领导小组|委员会|办公室|组委会|工作组|成员单位)")


def in_body_name(folded: str, m: Mention) -> bool:
    """True when a campaign's name is the start of a body's name (质量强县成员单位, 质量强国建设领导小组)."""
    return bool(_BODY_AFTER.match(folded, m.end))
# A name in a clause that gives a purpose or a background (为深入贯彻质量强国战略, 推进质量强国建设,
# 以…促进质量强国建设为主题): the text is about something else.
_BACKGROUND = re.compile(
    r"(?:^|[，,；;：:。])\s*(?:为了?|以|围绕|按照|根据)[^，,；;：:。]*$"
    r"|(?:贯彻|落实|助力|服务于?|对标|推进|推动|促进|加快|迈向|实现|建设|实施|深化|参与|投身|践行|围绕)[^，,；;：:。]*$"
)
_THEME_AROUND = re.compile(r"(?:主题(?:为|是)|口号(?:为|是))[^。\n]*$")


def background(folded: str, m: Mention) -> bool:
    """True when a mention is part of a body's name, a purpose or background clause, or an unquoted theme."""
    if in_body_name(folded, m):
        return True
    start, end = sentence_at(folded, m.start)
    before = folded[start : m.start]
    clause_end = min([i for i in (folded.find(ch, m.end, end) for ch in "，,；;。") if i >= 0] or [end])
    if re.search(r"为主题|为口号", folded[m.end : clause_end + 6]) or _THEME_AROUND.search(before):
        return True
    return bool(_BACKGROUND.search(before))


def quoted_or_titled(folded: str, m: Mention) -> str | None:
    """"book" when a mention stands inside 《…》 (a document's title), "quote" when inside a quotation
    longer than the name (a theme or slogan: “推动质量变革创新 促进质量强国建设”), else None."""
    found = enclosure(folded, m.start, m.end)
    if found is None:
        return None
    mark, inner_start, inner_end = found
    if mark in "《〈":
        return "book"
    inner = folded[inner_start:inner_end].strip()
    if len(inner) <= (m.end - m.start) + 2 or _EVENT_END.search(inner):
        return None  # the name itself, or a quoted event of the campaign (“5·10中国品牌日媒体行动”)
    return "quote"


def find_campaigns(title: str | None, text: str) -> list[Campaign]:
    """Campaigns the document is about, title's first, each with its year.

    Not a mention of its own: a name inside a quoted theme or slogan, inside a 《document title》
    in the text, or in an enumeration. A 《document》 the title names makes the page about its
    campaign only when the title names no campaign itself (印发《质量强国建设纲要》)."""
    counts: dict[str, int] = {}
    first: dict[str, int | None] = {}
    about: list[str] = []
    for source, in_title in ((fold(title or ""), True), (fold(text), False)):
        found = [m for m in mentions(source) if not _in_passing(source, m)]
        where = {m: quoted_or_titled(source, m) for m in found}
        plain_in_title = in_title and any(where[m] is None for m in found)
        for m in found:
            if where[m] == "quote" or (where[m] == "book" and (not in_title or plain_in_title)):
                continue
            if (background(source, m) if not in_title else in_body_name(source, m)):
                continue
            name = m.campaign.name
            counts[name] = counts.get(name, 0) + 1
            year = year_of(source, m)
            if first.get(name) is None:
                first[name] = year
            if name not in about and (in_title or counts[name] >= 2 or reports_on(source, m)):
                about.append(name)
    return [Campaign(name, first.get(name)) for name in about]


LOCAL = "local"


def edition(folded: str, m: Mention) -> str | None:
    """Whose edition of a campaign a mention names: 全国, a place name, LOCAL (a local body's,
    place unnamed) or None when the text does not say."""
    start, end = sentence_at(folded, m.start)
    clause = max(start, *(folded.rfind(ch, 0, m.start) + 1 for ch in "，,；;"))
    window = folded[max(clause, m.start - EDITION_WINDOW) : m.start]
    if _NATIONAL_WORDS.search(window):
        return "全国"
    place = find_regions(None, window)
    if place.region:
        return place.district or place.region
    if _LOCAL_WORDS.search(folded, start, end):
        return LOCAL
    return None


HEADLINE_MAX = 40  # a paragraph this short that names a campaign is a story's headline


MULTI_STORY_HEADLINES = 3  # a page with this many headlined stories holds several stories


_ENUMERATION = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十\d]+[)）]|\d+[、.．])")
STORY_MIN = 40  # a story's body paragraph is at least this long


def _stories(paragraphs: list[str]) -> int:
    """How many headline + body pairs a text has: a short line that is no list item or section
    number, then a long paragraph (the shape of a multi-story news page, not of a notice)."""
    count = 0
    for line, body in zip(paragraphs, paragraphs[1:]):
        line = line.strip()
        if (
            0 < len(line) <= HEADLINE_MAX and line[-1] not in "。！？!?；;，,：:" and not _ENUMERATION.match(line)
            and len(body.strip()) >= STORY_MIN
        ):
            count += 1
    return count


_ITEM = re.compile(r"(?:^|(?<=[；;。\s:：]))\s*(?:\d{1,2}[.．、]|[(（]\d{1,2}[)）])")
SUMMARY_ITEMS = 3  # a paragraph with this many numbered items is a list of stories


def _items(paragraph: str) -> list[str]:
    """A paragraph cut at its numbered items when it lists stories (1.…； 2.…), else whole."""
    starts = [m.start() for m in _ITEM.finditer(paragraph)]
    if len(starts) < SUMMARY_ITEMS:
        return [paragraph]
    bounds = [0, *starts[1:], len(paragraph)] if starts[0] > 0 else [*starts, len(paragraph)]
    return [paragraph[a:b] for a, b in zip(bounds, bounds[1:])]


def campaign_passages(title: str | None, text: str) -> list[str] | None:
    """The folded passages of a document that are about its campaigns: None when the whole
    document is (its title names one, or it is a single story); on a multi-story page, each
    paragraph that reports on a campaign, with the paragraph after it when it is a headline."""
    title_folded = fold(title or "")
    if any(not _in_passing(title_folded, m) for m in mentions(title_folded)):
        return None
    folded = fold(text)
    # Passages with their offsets: paragraphs, and the items of a programme summary that lists
    # its stories in one paragraph (1.…； 2.…； 国内联播快讯：（1）…；).
    passages: list[tuple[int, str, bool]] = []  # (start, text, is an item of a list)
    at = 0
    for paragraph in folded.split("\n"):
        items = _items(paragraph)
        offset = at
        for item in items:
            if item.strip():  # blank lines between a headline and its body do not count
                passages.append((offset, item, len(items) > 1))
            offset += len(item)
        at += len(paragraph) + 1
    listed = any(is_item for _, _, is_item in passages)
    if not listed and _stories([text for _, text, _ in passages]) < MULTI_STORY_HEADLINES:
        return None
    starts = [start for start, _, _ in passages]
    chosen: set[int] = set()
    for m in mentions(folded):
        if _in_passing(folded, m):
            continue
        i = bisect.bisect_right(starts, m.start) - 1
        chosen.add(i)
        _start, passage, is_item = passages[i]
        if not is_item and len(passage.strip()) <= HEADLINE_MAX and i + 1 < len(passages):
            chosen.add(i + 1)  # a story's headline: its body follows
    return [passages[i][1] for i in sorted(chosen)]


STORY_HEADLINE_MIN = 6  # shorter lines are bylines and labels (记者 王某), not a story's headline
_BRACKETED = re.compile(r"^[（(【\[].*[)）】\]]$")  # (徐東周): a reporter's name in brackets


def story_headlines(text: str) -> list[tuple[int, str]]:
    """(offset, headline) of each story of a multi-story page (国内联播快讯: a short headline line,
    then its body), in order; [] for a page that is one story."""
    found = []
    lines = text.split("\n")
    at = 0
    offsets = []
    for line in lines:
        offsets.append(at)
        at += len(line) + 1
    body = [(i, line) for i, line in enumerate(lines) if line.strip()]
    for (i, line), (_j, after) in zip(body, body[1:]):
        line = line.strip()
        if (STORY_HEADLINE_MIN <= len(line) <= HEADLINE_MAX and line[-1] not in "。！？!?；;，,：:"
                and not _ENUMERATION.match(line) and not _BRACKETED.match(line) and len(after.strip()) >= STORY_MIN):
            found.append((offsets[i], line))
    return found if len(found) >= MULTI_STORY_HEADLINES else []


def story_at(text: str, offset: int, headlines: list[tuple[int, str]] | None = None) -> str | None:
    """The headline of the story a position of a multi-story page falls in, None on a one-story page."""
    headlines = story_headlines(text) if headlines is None else headlines
    i = bisect.bisect_right([start for start, _ in headlines], offset) - 1
    return headlines[i][1] if i >= 0 else None
