"""Extract stage: the themes a document states for a campaign or an event, with year, region and campaign.

Stated themes: 以“…”为主题, 主题为/是/确定为“…”, 围绕/紧扣“…”（这一）主题, 活动主题：“…”, 聚焦今年“…”的主题,
“…”主题活动, 全球/国际/国内/中国主题——“…”, unquoted ones (以推动…,促进…为主题), 活动主题 as a heading
with the theme on the next line, and lists of past themes (2008年主题：信任), each line its own year.
Digest headings (宝山：奋进滨江北转型 构筑质量新高地) state their unit's theme, but only in a digest
of campaign activities: on a news page the same shape is a headline or a quotation
(普京：…). A theme's campaign is the one its sentence (or paragraph, or the digest) names.
Its region is 全国 for a nationwide campaign or a national or international event, else the
digest section's unit, else the place its sentence is about, else the document's region.
Matching runs on the folded text; themes are kept as written with a folded form for grouping.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from functools import lru_cache

from indexer import campaigns as C
from indexer.datafiles import data_lines
from indexer.extract import find_regions, gazetteer
from indexer.normalize import fold
from indexer.organizations import digest_headings, find_organizations, national_host

_Q = r"[“\"「『‘']"
_E = r"[”\"」』’']"
_BODY = r"([^”\"」』’'\n]{2,40})"
_IS = r"(?:为|是|(?:正式)?确定为|定为)"
# Whose theme a form states: None (from the sentence), 国际 (全球/国际主题) or 全国 (国内/中国主题).
THEME_PATTERNS: tuple[tuple[re.Pattern, str | None], ...] = (
    (re.compile(r"以?\s*" + _Q + _BODY + _E + r"\s*为(?:活动)?(?:主题|口号)"), None),
    (re.compile(r"(?<![际内国球])主题" + _IS + r"[:：]?\s*" + _Q + _BODY + _E), None),
    # 2022年5.20世界计量日主题“Metrology in the Digital Era”: a day's or month's theme, quoted right after.
    (re.compile(r"(?:日|月|周|节)[”\"]?主题\s*[:：]?\s*" + _Q + _BODY + _E), None),
    (re.compile(r"活动主题[:：]?\s*" + _Q + _BODY + _E), None),
    (re.compile(r"(?:围绕|紧扣|紧紧围绕|聚焦|贯彻|深化|落实|突出|践行)(?:今年)?\s*" + _Q + _BODY + _E + r"\s*(?:的|这一|这个)?\s*(?:年度|活动)?主题"), None),
    (re.compile(r"聚焦[^。\n“”]{0,30}主题\s*[:：]?\s*" + _Q + _BODY + _E), None),
    # “红领巾爱祖国”主题活动, “质量第一”质量月主题活动: the quoted words are the activity's theme.
    (re.compile(_Q + _BODY + _E + r"(?:全国)?(?:[“\"]?[\u4e00-\u9fff]{1,6}(?:月|日|周|节)[”\"]?)?主题(?:活动|日|月|周|采访活动|宣传活动|展览|晚会|党日)"), None),
    (re.compile(r"(?:全球|国际)主题" + _IS + r"?\s*(?:——|—|-|[:：])?\s*" + _Q + _BODY + _E), "国际"),
    (re.compile(r"(?:国内|中国)(?:特别)?主题" + _IS + r"?\s*(?:——|—|-|[:：])?\s*" + _Q + _BODY + _E), "全国"),
    # Unquoted: 以推动质量变革创新,促进质量强国建设为主题 / 主题为,建设质量强国决胜全面小康等。
    (re.compile(r"(?<![\u4e00-\u9fff])以([^“”\"「」，,。；;\n]{4,24}(?:[，,\s][^“”\"「」，,。；;\n]{3,24})?)为主题"), None),
    (re.compile(r"(?:活动|的|日|月|周)主题(?:为|是)[,，:：]?\s*([^“”\"「」。；;\n,，(（]{4,24}(?:[，,\s][^“”\"「」。；;\n,，(（]{3,24})?)\s*[(（。；;\n]"), None),
)
# Words that say China's own theme of an international day is meant: 中国主题, 我国…主题, 中文主题.
_CHINA_MEANT = re.compile(r"中国|我国|国内|中文|全国")
# A further quoted theme after one: 主题为“兼容”和“聚变”.
_MORE_QUOTED = re.compile(r"\s*(?:和|、|及|与)\s*" + _Q + _BODY + _E)
# A heading 活动主题 (二、活动主题 / 活动主题：) with the theme alone on the next line.
_HEADING_THEME = re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|\d+[、.．])?\s*(?:活动)?主题\s*[:：]?\s*$")
# A line of a list of past themes: 2008年主题：信任 / 2021 “深入实施质量提升行动 大力推进质量强国建设”.
_LISTED = re.compile(
    r"^\s*((?:19|20)\d{2})\s*(?:年度?)?\s*(?:"
    r"(?:[^\s:：“”\"]{0,14}?主题)\s*[:：]?\s*[“\"]?([^”\"\n:：。]{2,30}?)[”\"]?。?"  # 2008年主题：信任, 2000年第31届世界标准日主题:…。
    r"|[:：]\s*[“\"]?([^”\"\n:：]{2,30}?)[”\"]?"  # 2008年：“信任”
    r"|[“\"]([^”\"\n:：]{2,30})[”\"]"  # 2021 “深入实施质量提升行动 大力推进质量强国建设”
    r")\s*$"
)
LISTED_MIN = 3  # lines of that shape that make a list of themes
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
# An enterprise running its own event under a theme: 公司召开了以“…”为主题的…, 组织开展以“…”为主题的….
_OWN_EVENT = re.compile(r"(?:召开|举办|举行|开展|组织|启动)[^，,。；;]{0,12}$")


@dataclass
class Theme:
    """A stated theme."""

    theme: str  # as written
    folded: str  # Simplified, for grouping
    year: int | None
    region: str | None
    campaign: str | None = None
    listed: bool = False  # from a list of past themes, one year a line

    def as_dict(self) -> dict:
        """The JSON shape stored in the index."""
        return {
            "theme": self.theme, "theme_simplified": self.folded, "year": self.year,
            "region": self.region, "campaign": self.campaign,
        }


@lru_cache(maxsize=1)
def national_themes() -> dict[str, tuple[str, int]]:
    """Folded theme (no punctuation or spaces) -> (campaign, year) of the national editions' themes."""
    out = {}
    for line in data_lines("national_themes.tsv"):
        campaign, year, theme = line.split("\t")
        out[_key(theme)] = (campaign, int(year))
    return out


def _key(theme: str) -> str:
    return re.sub(r"[\s，,、·—\-：:“”\"]", "", fold(theme))


def _unit_region(unit: str) -> str:
    """A digest heading's unit as a region: 宝山 → 宝山区; organizations stay as named."""
    places = gazetteer().surface
    for form in (unit, f"{unit}区", f"{unit}县", f"{unit}市"):
        if form in places:
            return places[form]
    return unit


def _paragraph_start(folded: str, at: int) -> int:
    return folded.rfind("\n", 0, at) + 1


def _paragraph_end(folded: str, at: int) -> int:
    end = folded.find("\n", at)
    return end if end >= 0 else len(folded)


def _heading_above(folded: str, at: int) -> tuple[int, int] | None:
    """The line right above the paragraph at `at` when it is a section heading (short, no sentence)."""
    end = _paragraph_start(folded, at) - 1
    while end > 0 and folded[end - 1] == "\n":
        end -= 1
    if end <= 0:
        return None
    start = _paragraph_start(folded, end)
    line = folded[start:end].strip()
    if not line or len(line) > C.HEADLINE_MAX or re.search(r"[。；;!！?？]", line):
        return None
    return start, end


def find_themes(
    text: str,
    title: str | None = None,
    year: int | None = None,
    region: str | None = None,
    campaigns: list[str] = (),
    date: str | None = None,
) -> list[Theme]:
    """Themes stated in `text`; the document's year, region, campaigns and date are fallbacks."""
    folded = fold(text)
    # Mentions that can own a theme: not those inside a theme, a slogan or a 《document》.
    mentions = [m for m in C.mentions(folded) if C.quoted_or_titled(folded, m) is None and not C.in_body_name(folded, m)]
    title_campaigns = [m.campaign.name for m in C.mentions(fold(title or ""))]
    found: list[Theme] = []

    starts = [m.start for m in mentions]  # in text order

    def campaign_at(span: tuple[int, int], sentence: tuple[int, int]) -> C.Mention | None:
        """The campaign named in the theme's sentence (not inside the theme; right after it first:
        以“…”为主题的“质量月”), else earlier in its paragraph."""
        here = [m for m in mentions if sentence[0] <= m.start < sentence[1] and not (span[0] <= m.start < span[1])]
        right_after = [m for m in here if span[1] <= m.start <= span[1] + 8]
        if right_after or here:
            return (right_after or here)[0]
        last = bisect.bisect_left(starts, span[0]) - 1
        if last >= 0 and starts[last] >= _paragraph_start(folded, span[0]):
            return mentions[last]
        heading = _heading_above(folded, span[0])  # (一)2018年上海市优秀质量管理小组活动 / 以“…”为主题,…
        return next((m for m in mentions if heading and heading[0] <= m.start < heading[1]), None)

    def year_at(at: int, sentence: tuple[int, int], mention: C.Mention | None) -> int | None:
        if mention is not None and C.year_of(folded, mention):
            return C.year_of(folded, mention)
        years = [int(y) for y in _YEAR.findall(folded, sentence[0], at)]  # the event is named before its theme
        latest = int(date[:4]) + 1 if date else None
        years = [y for y in years if latest is None or y <= latest]
        if years and (year is None or abs(years[0] - year) <= 1):
            return years[0]
        return int(date[:4]) if date else year

    headings = digest_headings(folded) if campaigns else []
    title_folded = fold(title or "")
    title_editions = {m.campaign.name: C.edition(title_folded, m) for m in C.mentions(title_folded)}

    def region_at(at: int, sentence: tuple[int, int], mention: C.Mention | None) -> str | None:
        section = [h for h in headings if h[0] <= at]
        if section:
            return _unit_region(section[-1][1])  # a digest section: its unit's theme
        place = find_regions(None, folded[sentence[0] : sentence[1]])
        local = place.district or place.region or region
        if mention is not None and mention.campaign.national:
            own = C.edition(folded, mention) or title_editions.get(mention.campaign.name)
            heading = _heading_above(folded, at) if own is None else None
            if heading:  # the section's heading says whose edition: (二)2018年上海市质量信得过班组活动
                own = next((C.edition(folded, m) for m in mentions if heading[0] <= m.start < heading[1] and m.campaign == mention.campaign), None)
            if mention.campaign.international and own is None and not _CHINA_MEANT.search(folded, sentence[0], sentence[1]):
                return "国际"
            if own is None or own == "全国":
                return "全国"
            return local if own == C.LOCAL else own
        if national_host(folded[_paragraph_start(folded, at) : _paragraph_end(folded, at)]):
            return "全国"  # an event a national body holds belongs to 全国, wherever it is held
        return local

    def page_campaign() -> str | None:
        """The campaign of a theme whose sentence names none: the page's, when its title names one of them."""
        if len(set(title_campaigns)) == 1 and title_campaigns[0] in campaigns:
            return title_campaigns[0]
        return None

    def add(theme_start: int, theme_end: int, at: int, hint: str | None) -> None:
        while theme_end > theme_start and folded[theme_end - 1] in "等 ":
            theme_end -= 1  # 主题为…等: the list ends, the theme does not
        theme = folded[theme_start:theme_end].strip()
        if C.mentions(theme) and len(theme) <= 6:
            return  # the campaign's own name (“质量月”), not its theme
        sentence = C.sentence_at(folded, at)
        mention = campaign_at((theme_start, theme_end), sentence)
        name = mention.campaign.name if mention else None
        if name is None:
            name = page_campaign()
            mention = next((x for x in mentions if x.campaign.name == name), None)
        place = hint or region_at(at, sentence, mention)
        if hint is None and place in ("全国", "国际", region) and not (mention and C.year_of(folded, mention) and "全国" in folded[max(0, mention.start - 6) : mention.start]):
            place = _host_enterprise(text, folded, sentence[0], at) or place
        found.append(Theme(text[theme_start:theme_end].strip(), theme, year_at(at, sentence, mention), place, name))

    for pattern, hint in THEME_PATTERNS:
        for m in pattern.finditer(folded):
            add(m.start(1), m.end(1), m.start(), hint)
            more = _MORE_QUOTED.match(folded, m.end(1) + 1) if folded[m.end(1) : m.end(1) + 1] in "”\"」』’'" else None
            while more:  # 主题为“兼容”和“聚变”: each quoted theme of the list
                add(more.start(1), more.end(1), m.start(), hint)
                more = _MORE_QUOTED.match(folded, more.end())
    # 二、活动主题 / 推动质量变革创新 促进质量强国建设: the theme alone on the line under the heading.
    offset = 0
    lines = folded.split("\n")
    for n, line in enumerate(lines):
        if _HEADING_THEME.match(line):
            after = offset + len(line) + 1
            for nxt in lines[n + 1 : n + 3]:
                if nxt.strip():
                    body = nxt.strip()
                    if 4 <= len(body) <= 40 and not re.search(r"[。；;:：]", body):
                        start = folded.index(body, after)
                        add(start, start + len(body), start, None)
                    break
                after += len(nxt) + 1
        offset += len(line) + 1
    found += _listed_themes(text, folded, campaigns)
    if campaigns:
        # A digest of campaign activities: each unit's heading states its theme for the campaign.
        for start, unit, slogan in headings:
            slogan_at = folded.index(slogan, start)
            found.append(Theme(
                text[slogan_at : slogan_at + len(slogan)].strip(), slogan.strip(),
                year, _unit_region(unit), campaigns[0],
            ))
    known = national_themes()
    listed = {id(t) for t in found if t.listed}
    for theme in found:
        national = known.get(_key(theme.folded))
        if national and theme.region != "国际" and theme.campaign in (None, national[0]):
            # The national edition's theme, wherever the page quotes it (a county's 质量月 under it);
            # a list of past themes keeps the years it gives.
            theme.campaign, theme.region = national[0], "全国"
            if id(theme) not in listed:
                theme.year = national[1]
    # One entry per theme and region: headings and the sentences under them often repeat it.
    unique: dict[tuple[str, str | None], Theme] = {}
    for theme in found:
        key = (re.sub(r"[\s，,、]", "", theme.folded), theme.region)
        unique.setdefault(key, theme)
    return sorted(unique.values(), key=lambda t: folded.find(t.folded))


def _host_enterprise(text: str, folded: str, start: int, at: int) -> str | None:
    """The enterprise that runs the event whose theme is stated at `at`, when the sentence names one
    before it as the event's host (开云(中国)公司召开了以…): the theme is the company's own."""
    before = folded[start:at]
    if not _OWN_EVENT.search(before):
        return None
    enterprises = [o for o in find_organizations(text[start:at], digest=False) if o.kind == "enterprise"]
    return enterprises[-1].original if enterprises else None


def _listed_themes(text: str, folded: str, campaigns: list[str]) -> list[Theme]:
    """A list of past themes, one year a line (2008年主题：信任): each theme with its own year, 全国
    (国际 for an international day's, unless the line says China's)."""
    rows = []
    offset = 0
    for line in folded.split("\n"):
        m = _LISTED.match(line)
        group = next((g for g in (2, 3, 4) if m and m.group(g)), None)
        if group and not re.search(r"[，,。；;]", m.group(group)) and len(re.findall(r"[\u4e00-\u9fff]", m.group(group))) >= 2:
            rows.append((int(m.group(1)), offset + m.start(group), offset + m.end(group)))
        offset += len(line) + 1
    if len(rows) < LISTED_MIN:
        return []
    campaign = campaigns[0] if campaigns else None
    international = campaign is not None and C.campaign_named(campaign).international
    return [Theme(text[a:b].strip(), folded[a:b].strip(), y,
                  "国际" if international and not _CHINA_MEANT.search(folded, _paragraph_start(folded, a), a) else "全国",
                  campaign, listed=True) for y, a, b in rows]
