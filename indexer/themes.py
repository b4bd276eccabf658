"""Extract stage: campaign themes a document states, with the year and region they belong to.

Stated themes: 以“…”为主题, 主题为/是“…”, 围绕“…”主题, 活动主题：“…”, 聚焦今年“…”的主题.
Digest headings (宝山：奋进滨江北转型 构筑质量新高地) state their unit's theme. A theme's region
is its digest section's unit when the text is a digest, else the place its paragraph is
about, else the document's region. Matching runs on the folded text; themes are kept as
written (Traditional stays Traditional) with a folded form for grouping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from indexer.extract import find_regions, gazetteer
from indexer.normalize import fold
from indexer.organizations import digest_headings

_Q = r"[“\"「『]"
_E = r"[”\"」』]"
_BODY = r"([^”\"」』\n]{2,40})"
THEME_PATTERNS = (
    re.compile(_Q + _BODY + _E + r"为(?:主题|口号)"),
    re.compile(r"主题(?:为|是)[:：]?\s*" + _Q + _BODY + _E),
    re.compile(r"活动主题[:：]?\s*" + _Q + _BODY + _E),
    re.compile(r"围绕" + _Q + _BODY + _E + r"(?:的)?主题"),
    re.compile(r"聚焦(?:今年)?" + _Q + _BODY + _E + r"的主题"),
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")


@dataclass
class Theme:
    """A stated campaign theme."""

    theme: str  # as written
    folded: str  # Simplified, for grouping
    year: int | None
    region: str | None

    def as_dict(self) -> dict:
        """The JSON shape stored in the index."""
        return {"theme": self.theme, "theme_simplified": self.folded, "year": self.year, "region": self.region}


def _unit_region(unit: str) -> str:
    """A digest heading's unit as a region: 宝山 → 宝山区; organizations stay as named."""
    places = gazetteer().surface
    for form in (unit, f"{unit}区", f"{unit}县", f"{unit}市"):
        if form in places:
            return places[form]
    return unit


def _paragraph_at(folded: str, at: int) -> str:
    start = folded.rfind("\n", 0, at) + 1
    end = folded.find("\n", at)
    return folded[start : end if end >= 0 else len(folded)]


def find_themes(text: str, year: int | None, region: str | None) -> list[Theme]:
    """Themes stated in `text`; `year` and `region` are the document's, used as fallbacks."""
    folded = fold(text)
    headings = digest_headings(folded)
    found: list[Theme] = []

    def scope(at: int) -> str | None:
        section = [h for h in headings if h[0] <= at]
        if section:
            return _unit_region(section[-1][1])
        place = find_regions(None, _paragraph_at(folded, at))
        return place.district or place.region or region

    def year_at(at: int) -> int | None:
        years = [int(y) for y in _YEAR.findall(_paragraph_at(folded, at))]
        return years[0] if years and (year is None or abs(years[0] - year) <= 1) else year

    for start, unit, slogan in headings:
        slogan_at = folded.index(slogan, start)
        found.append(Theme(text[slogan_at : slogan_at + len(slogan)].strip(), slogan.strip(), year_at(start), _unit_region(unit)))
    for pattern in THEME_PATTERNS:
        for m in pattern.finditer(folded):
            theme = m.group(1).strip()
            if theme in ("质量月",):
                continue  # the campaign's own name, not its theme
            found.append(Theme(text[m.start(1) : m.end(1)].strip(), theme, year_at(m.start()), scope(m.start())))
    # One entry per theme and region: headings and the sentences under them often repeat it.
    unique: dict[tuple[str, str | None], Theme] = {}
    for theme in found:
        key = (re.sub(r"[\s，,、]", "", theme.folded), theme.region)
        unique.setdefault(key, theme)
    return sorted(unique.values(), key=lambda t: folded.find(t.folded))
