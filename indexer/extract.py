"""Extract stage: metadata from cleaned text. Pure functions; None when data is missing."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date as _date
from functools import lru_cache

from htmldate import find_date as htmldate_find_date

from indexer.clean import DATE_LABEL
from indexer.datafiles import data_lines
from indexer.normalize import fold

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0, "Ｏ": 0}
_NUMERIC_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_CN_DATE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_DATE_LINE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日|(?:19|20)\d{2}-\d{1,2}-\d{1,2})\s*$"
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|年度)")
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})年")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号"
)
_DOC_NUMBER_LABEL = re.compile(r"(?:发文字号|文号|发文号|文件编号)\s*[:：]\s*")
_FILE_HEADER = re.compile(r"^.{2,40}文件$")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_CLAUSE = re.compile(r"[，,；;：:]")
_TITLE_END = re.compile(r"[。！？!?，,；;：:]$")
_TITLE_HINT = ("质量月", "活动", "会议", "仪式", "大会", "通知", "通报", "质量")
_ADDRESSEE = re.compile(r"[:：]$")
_PLACE_STOP = r"(?![东南西北中]?[一二三四五六七八九十]?[路街巷弄]|大道|大街|大学|中学|小学|公园|广场|时代)"
TITLE_MAX = 50


# ---------------------------------------------------------------- dates


def _cn_number(s: str) -> int:
    if "十" not in s:
        return _CN_DIGITS.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return _date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(s: str) -> str | None:
    """The first date in `s` as ISO YYYY-MM-DD (2022-9-1, 2022年9月1日, 二〇二二年九月一日)."""
    if not s:
        return None
    m = _NUMERIC_DATE.search(s)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _CN_DATE.search(s)
    if m:
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _iso(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


def find_date(hints: list[str], text: str) -> str | None:
    """Publication date: page metadata, then a labelled date line, then a lone date line (signature)."""
    for hint in hints:
        found = parse_date(hint)
        if found:
            return found
    m = DATE_LABEL.search(text)
    if m:
        return parse_date(m.group(1))
    # A signature date stands alone on a line, usually at the end of a notice.
    for line in reversed(text.split("\n")):
        if _DATE_LINE.match(line):
            return parse_date(line)
    return None


def fallback_date(html: str) -> str | None:
    """htmldate's reading of a page's publication date, for pages where our own rules find none.

    Its fast mode only (original_date=True, extensive_search=False): measured on the archive,
    the extensive search and using it before our rules both add wrong dates.
    """
    try:
        found = htmldate_find_date(html, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


# ---------------------------------------------------------------- title


def _derived_title(paragraph: str) -> str | None:
    """A title for text without one: the clause of the first sentence that names the event."""
    first = _SENTENCE.match(paragraph)
    sentence = (first.group(0) if first else paragraph).rstrip("。！？!?")
    clauses = [c.strip() for c in _CLAUSE.split(sentence) if len(c.strip()) >= 4]
    if not clauses:
        return None
    folded = [fold(c) for c in clauses]
    hinted = (c for h in _TITLE_HINT for c, f in zip(clauses, folded) if h in f)
    pick = next(hinted, max(clauses, key=len))
    return pick if len(pick) <= TITLE_MAX else pick[:TITLE_MAX] + "…"


def title_from_text(text: str) -> str | None:
    """Title of a plain-text file: a 文件 header's title, else a short first line, else a derived one."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    if _FILE_HEADER.match(lines[0]):
        # 文件 header: skip it and the doc number, join the title lines up to the addressee.
        parts: list[str] = []
        for line in lines[1:8]:
            if not parts and (_DOC_NUMBER.fullmatch(line) or len(line) <= 2):
                continue
            if _ADDRESSEE.search(line) or len(line) > 60 or _TITLE_END.search(line) and parts:
                break
            parts.append(line)
            if re.search(r"(通知|通报|方案|决定|意见|报告|公告|公示|名单|总结|函)$", fold(line)):
                break
        if parts:
            return "".join(parts)
    if len(lines[0]) <= 60 and not _TITLE_END.search(lines[0]):
        return lines[0]
    return _derived_title(lines[0])


# ---------------------------------------------------------------- year


def _cn_year(s: str) -> int:
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def _years_in(s: str, latest: int) -> list[int]:
    years = [int(y) for y in _YEAR.findall(s)] + [_cn_year(y) for y in _CN_YEAR.findall(s)]
    return [y for y in years if 1949 <= y <= latest]


def document_year(title: str | None, text: str, date: str | None = None, campaign_years: list[int | None] = ()) -> int | None:
    """The year a document is about: its campaign's year, else its publication year, else the
    first year its title or first paragraph gives. A year only mentioned further on (a birth
    year, a look back) never wins."""
    latest = int(date[:4]) + 1 if date else _date.today().year + 1
    for year in campaign_years:
        if year is not None and 1949 <= year <= latest:
            return year
    if date:
        return int(date[:4])
    first_paragraph = next((line for line in text.split("\n") if line.strip()), "")
    years = _years_in(title or "", latest) or _years_in(first_paragraph, latest)
    return years[0] if years else None


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class Place:
    """A row of indexer/data/regions.tsv."""

    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class Region:
    """Where a document is about: the province-level region, a city/district, and all for filtering."""

    region: str | None
    district: str | None
    regions: tuple[str, ...]


@dataclass(frozen=True)
class _Gazetteer:
    places: dict[str, Place]
    surface: dict[str, str]
    pattern: re.Pattern


@lru_cache(maxsize=1)
def gazetteer() -> _Gazetteer:
    """Place names from the data files, as one longest-first regex."""
    places: dict[str, Place] = {}
    surface: dict[str, str] = {}
    for line in data_lines("regions.tsv")[1:]:  # after the header row
        name, level, parent, aliases = (line.split("\t") + ["", "", ""])[:4]
        places[name] = Place(name, level, parent)
        for form in [name] + [a for a in aliases.split(",") if a]:
            surface.setdefault(form, name)
    guarded = set(data_lines("regions_guarded.txt"))
    plain = sorted((s for s in surface if s not in guarded), key=len, reverse=True)
    guards = sorted((s for s in surface if s in guarded), key=len, reverse=True)
    alternatives = [re.escape(s) for s in plain]
    alternatives += [re.escape(s) + r"(?=市|州|地区|盟)" for s in guards]
    pattern = re.compile("(" + "|".join(alternatives) + ")" + _PLACE_STOP)
    return _Gazetteer(places, surface, pattern)


def _province_of(name: str, places: dict[str, Place]) -> str:
    place = places[name]
    while place.level != "province" and place.parent in places:
        place = places[place.parent]
    return place.name


def find_regions(title: str | None, text: str) -> Region:
    """Province-level region (or 全国 for a spread over many), district when one dominates."""
    g = gazetteer()
    weights: Counter[str] = Counter()
    for source, weight in ((fold(title or ""), 5), (fold(text), 1)):
        for m in g.pattern.finditer(source):
            weights[g.surface[m.group(1)]] += weight
    if not weights:
        return Region(None, None, ())
    provinces: Counter[str] = Counter()
    for name, n in weights.items():
        provinces[_province_of(name, g.places)] += n
    total = sum(provinces.values())
    ranked = provinces.most_common()
    significant = [p for p, n in ranked if n / total >= 0.05 and n >= 2]
    top, top_n = ranked[0]
    if top_n / total < 0.5 and sum(1 for p in significant if provinces[p] / total >= 0.1) >= 3:
        return Region("全国", None, tuple(["全国"] + significant))
    locals_ = Counter({n: c for n, c in weights.items() if g.places[n].level != "province" and _province_of(n, g.places) == top})
    district = None
    if locals_:
        name, n = locals_.most_common(1)[0]
        if n >= 2 and n / sum(locals_.values()) >= 0.6:
            district = name
    regions = [top] + ([district] if district else []) + [p for p in significant if p != top and provinces[p] / total >= 0.1]
    return Region(top, district, tuple(regions))


# ---------------------------------------------------------------- type and number


@lru_cache(maxsize=1)
def _doc_types() -> tuple[tuple[str, str], ...]:
    rows = []
    for line in data_lines("doc_types.tsv"):
        kind, words = line.split("\t")
        rows += [(kind, w) for w in words.split(",") if w]
    return tuple(rows)


def doc_type(title: str | None, text: str) -> str:
    """通知/通报/方案/总结/公示/名单/公告/决定/意见/报告 from the title's last type word, else 新闻."""
    folded = fold(title or "")
    best, best_at = None, -1
    for kind, word in _doc_types():
        at = folded.rfind(word)
        if at > best_at and at >= len(folded) - len(word) - 6:
            best, best_at = kind, at
    if best:
        return best
    head = fold(text[:800])
    if "通报如下" in head:
        return "通报"
    if "通知如下" in head:
        return "通知"
    return "新闻"


def doc_number(text: str, page_lines: list[str] | None = None) -> str | None:
    """A document number such as 沪质办〔2022〕5号: on a line of its own or after 文号：."""
    for line in text.split("\n")[:40] + (page_lines or []):
        line = line.strip()
        labelled = _DOC_NUMBER_LABEL.search(line)
        if labelled:
            m = _DOC_NUMBER.search(line, labelled.end())
            if m:
                return m.group(0)
        if len(line) <= 30:
            m = _DOC_NUMBER.fullmatch(line)
            if m:
                return m.group(0)
    return None
