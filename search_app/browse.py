"""Browsing what documents say: organizations that took part, and campaign themes by campaign and year.

Rows are gathered from the stored fields once per index version (the store caches them)
and filtered in memory. Across documents, a name that some document gives as the short
form of a fuller name is listed under the fuller name (上海医药 → 上海医药集团股份有限公司).
Organizations can be limited to campaign documents (scope=campaign: documents about at
least one campaign of indexer/data/campaigns.tsv) or taken from every document (scope=all).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Iterable

from indexer import fields as F
from indexer.campaigns import campaign_names
from indexer.extract import gazetteer
from indexer.normalize import fold
from search_app.query import BadParameter, campaign_name, parse_year
from search_app.results import stored_campaigns

KINDS = {"enterprise": "企业", "association": "协会团体", "government": "政府机关", "institution": "院校医院研究机构", "other": "其他"}
SCOPES = {"campaign": "只看质量活动文档", "all": "全部文档"}
OTHER_CAMPAIGNS = "其他活动"  # the heading of themes stated for no campaign of the data file


@dataclass(frozen=True)
class Rows:
    """Per-document facts the browse views need."""

    docs: list[dict]  # {"id", "path", "title", "year", "regions", "campaigns", "organizations", "themes"}
    canonical: dict[str, str]  # short form -> full name, across the corpus


def gather_stored(all_stored: Iterable[dict]) -> Rows:
    """The browse rows from every document's stored fields (in the Whoosh index's shape)."""
    docs, canonical = [], {}
    for stored in all_stored:
        orgs = stored.get(F.ORGANIZATIONS) or []
        themes = stored.get(F.THEMES) or []
        if not orgs and not themes:
            continue
        docs.append({
            "id": stored[F.ID_], "path": stored.get(F.PATH), "title": stored.get(F.TITLE, ""),
            "year": stored.get(F.YEAR), "regions": set((stored.get(F.REGIONS) or "").split(",")) - {""},
            "campaigns": stored_campaigns(stored), "organizations": orgs, "themes": themes,
        })
        for org in orgs:
            for short in org.get("short_forms", []):
                # The fullest name wins when several documents expand the same short form.
                if len(org["name"]) > len(canonical.get(short, "")):
                    canonical[short] = org["name"]
    return Rows(docs, canonical)


def rows(store) -> Rows:
    """The browse rows of a store's current index (a search_app.store.Store), gathered once per index version."""
    return store.cached("browse-rows", lambda: gather_stored(store.stored_documents()))


def check_kind(kind: str | None) -> str | None:
    """A known organization kind or None; BadParameter otherwise."""
    if kind and kind not in KINDS:
        raise BadParameter(f"kind 只能是 {'、'.join(KINDS)} 之一，收到：{kind[:40]}")
    return kind or None


def check_scope(scope: str | None, default: str = "all") -> str:
    """`campaign` or `all` (`default` when not given); BadParameter otherwise."""
    scope = scope or default
    if scope not in SCOPES:
        raise BadParameter(f"scope 只能是 {' 或 '.join(SCOPES)}，收到：{scope[:40]}")
    return scope


def _doc_matches(doc: dict, years: tuple[int, int] | None, region: str | None) -> bool:
    if years and not (doc["year"] and years[0] <= doc["year"] <= years[1]):
        return False
    return not region or fold(region) in doc["regions"]


def organizations(
    rows: Rows, year: str | None = None, kind: str | None = None, region: str | None = None, q: str | None = None,
    scope: str | None = None,
) -> list[dict]:
    """Organizations with kind, years and documents, most documents first.

    `scope`: "all" (the default) reads every document, "campaign" only the documents about
    a campaign, and of those only the organizations named where the document reports on it."""
    years = parse_year(year)
    kind = check_kind(kind)
    campaign_only = check_scope(scope) == "campaign"
    needle = fold(q or "").strip()
    table: dict[str, dict] = {}
    for doc in rows.docs:
        if campaign_only and not doc["campaigns"]:
            continue
        if not _doc_matches(doc, years, region):
            continue
        for org in doc["organizations"]:
            if campaign_only and not org.get("in_campaign", True):
                continue  # named on the page, but outside its campaign's story
            name = rows.canonical.get(org["name"], org["name"])
            entry = table.setdefault(name, {"name": name, "kind": org["kind"], "years": set(), "documents": {}, "aliases": set()})
            if doc["year"]:
                entry["years"].add(doc["year"])
            listed = entry["documents"].setdefault(doc["id"], {"id": doc["id"], "path": doc["path"], "title": doc["title"], "did": []})
            listed["did"] += [d for d in org.get("did", []) if d not in listed["did"]]
            entry["aliases"].update(a for a in [org["name"], org.get("original"), *org.get("short_forms", [])] if a and a != name)
    out = []
    for entry in table.values():
        if kind and entry["kind"] != kind:
            continue
        if needle and needle not in entry["name"] and not any(needle in fold(a) for a in entry["aliases"]):
            continue
        out.append({
            "name": entry["name"], "kind": entry["kind"], "years": sorted(entry["years"]),
            "documents": list(entry["documents"].values()), "aliases": sorted(entry["aliases"]),
            # What 名单 tables say the organization did (小组名称：…；等级：…), across its documents.
            "did": [d for doc in entry["documents"].values() for d in doc["did"]],
        })
    out.sort(key=lambda e: (-len(e["documents"]), e["name"]))
    return out


def organizations_csv(orgs: list[dict]) -> str:
    """The table as CSV, UTF-8 with a BOM so that Excel reads the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["名称", "类型", "年份", "文档数", "文档", "名单记录"])
    for org in orgs:
        writer.writerow([
            org["name"], KINDS.get(org["kind"], org["kind"]), "、".join(map(str, org["years"])),
            len(org["documents"]), "；".join(f"{d['title']}（{d['path']}）" for d in org["documents"]),
            " | ".join(org.get("did", [])),
        ])
    return "\ufeff" + buffer.getvalue()


def themes(rows: Rows, year: str | None = None, region: str | None = None, campaign: str | None = None) -> list[dict]:
    """Stated themes grouped by campaign (data-file order, themes of no campaign last), newest
    year first inside each, each with its source document."""
    years = parse_year(year)
    wanted_region = fold(region or "").strip()
    wanted_campaign = campaign_name(campaign)
    out = []
    for doc in rows.docs:
        for theme in doc["themes"]:
            if years and not (theme["year"] and years[0] <= theme["year"] <= years[1]):
                continue
            theme_region = theme.get("region") or ""
            if wanted_region and wanted_region != fold(theme_region) and wanted_region not in doc["regions"]:
                continue
            theme_campaign = theme.get("campaign") or None
            if wanted_campaign and theme_campaign != wanted_campaign:
                continue
            out.append({
                "campaign": theme_campaign, "year": theme["year"], "region": theme_region, "theme": theme["theme"],
                "document": {"id": doc["id"], "path": doc["path"], "title": doc["title"]},
            })
    order = {name: n for n, name in enumerate(campaign_names())}
    out.sort(key=lambda t: (
        _campaign_rank(t["campaign"], order), t["campaign"] or "",
        -(t["year"] or 0), _scope_rank(t["region"]), t["region"], t["document"]["path"],
    ))
    return out


def _campaign_rank(campaign: str | None, order: dict[str, int]) -> int:
    """Campaigns in data-file order, then names the data file no longer has, then no campaign."""
    if campaign is None:
        return len(order) + 1
    return order.get(campaign, len(order))


def campaign_label(campaign: str | None) -> str:
    """A campaign's heading: its name, or 其他活动 for themes of no campaign."""
    return campaign or OTHER_CAMPAIGNS


def _scope_rank(region: str) -> int:
    """全国 first, then provinces, cities and districts, then enterprises and other units."""
    if region == "全国":
        return 0
    place = gazetteer().places.get(region)
    if place is None:
        return 3
    return 1 if place.level == "province" else 2
