"""Extract stage: the themes a document states for a campaign or an event, with year, region and campaign.

Stated themes: 以“…”为主题, 主题为/是“…”, 围绕/紧扣“…”（这一）主题, 活动主题：“…”, 聚焦今年“…”的主题.
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

from indexer import campaigns as C
from indexer.extract import find_regions, gazetteer
from indexer.normalize import fold
from indexer.organizations import digest_headings, national_host

_Q = r"[“\"「『]"
_E = r"[”\"」』]"
_BODY = r"([^”\"」』\n]{2,40})"
THEME_PATTERNS = (
    re.compile(r"以\s*" + _Q + _BODY + _E + r"为(?:主题|口号)"),
    re.compile(r"主题(?:为|是)[:：]?\s*" + _Q + _BODY + _E),
    re.compile(r"活动主题[:：]?\s*" + _Q + _BODY + _E),
    re.compile(r"(?:围绕|紧扣|紧紧围绕|聚焦)(?:今年)?\s*" + _Q + _BODY + _E + r"\s*(?:的|这一|这个)?\s*主题"),
    # “红领巾爱祖国”主题活动, “多彩神州”主题日: the quoted words are the activity's theme.
    re.compile(_Q + _BODY + _E + r"主题(?:活动|日|月|周|采访活动|宣传活动|展览|晚会|党日)"),
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass
class Theme:
    """A stated theme."""

    theme: str  # as written
    folded: str  # Simplified, for grouping
    year: int | None
    region: str | None
    campaign: str | None = None

    def as_dict(self) -> dict:
        """The JSON shape stored in the index."""
        return {
            "theme": self.theme, "theme_simplified": self.folded, "year": self.year,
            "region": self.region, "campaign": self.campaign,
        }


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
    mentions = C.mentions(folded)
    title_campaigns = [m.campaign.name for m in C.mentions(fold(title or ""))]
    found: list[Theme] = []

    starts = [m.start for m in mentions]  # in text order

    def campaign_at(at: int, sentence: tuple[int, int]) -> C.Mention | None:
        """The campaign named in the theme's sentence, else earlier in its paragraph."""
        first = bisect.bisect_left(starts, sentence[0])
        if first < len(starts) and starts[first] < sentence[1]:
            return mentions[first]
        last = bisect.bisect_left(starts, at) - 1
        return mentions[last] if last >= 0 and starts[last] >= _paragraph_start(folded, at) else None

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
            if own is None or own == "全国":
                return "全国"
            return local if own == C.LOCAL else own
        if national_host(folded[_paragraph_start(folded, at) : _paragraph_end(folded, at)]):
            return "全国"  # an event a national body holds belongs to 全国, wherever it is held
        return local

    for pattern in THEME_PATTERNS:
        for m in pattern.finditer(folded):
            theme = m.group(1).strip()
            if C.mentions(theme) and len(theme) <= 6:
                continue  # the campaign's own name (“质量月”), not its theme
            sentence = C.sentence_at(folded, m.start())
            mention = campaign_at(m.start(), sentence)
            name = mention.campaign.name if mention else None
            if name is None and len(set(title_campaigns)) == 1 and title_campaigns[0] in campaigns:
                name = title_campaigns[0]
                mention = next((x for x in mentions if x.campaign.name == name), None)
            found.append(Theme(
                text[m.start(1) : m.end(1)].strip(), theme, year_at(m.start(), sentence, mention),
                region_at(m.start(), sentence, mention), name,
            ))
    if campaigns:
        # A digest of campaign activities: each unit's heading states its theme for the campaign.
        for start, unit, slogan in headings:
            slogan_at = folded.index(slogan, start)
            found.append(Theme(
                text[slogan_at : slogan_at + len(slogan)].strip(), slogan.strip(),
                year, _unit_region(unit), campaigns[0],
            ))
    # One entry per theme and region: headings and the sentences under them often repeat it.
    unique: dict[tuple[str, str | None], Theme] = {}
    for theme in found:
        key = (re.sub(r"[\s，,、]", "", theme.folded), theme.region)
        unique.setdefault(key, theme)
    return sorted(unique.values(), key=lambda t: folded.find(t.folded))
