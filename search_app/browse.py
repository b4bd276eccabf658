"""Browsing what documents say: organizations that took part, and campaign themes by year.

Rows are gathered from the stored fields once per index version (the store caches them)
and filtered in memory. Across documents, a name that some document gives as the short
form of a fuller name is listed under the fuller name (上海医药 → 上海医药集团股份有限公司).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from whoosh.searching import Searcher

from indexer import fields as F
from indexer.extract import gazetteer
from indexer.normalize import fold
from search_app.query import BadParameter, parse_year

KINDS = {"enterprise": "企业", "association": "协会团体", "government": "政府机关", "institution": "院校医院研究机构", "other": "其他"}


@dataclass(frozen=True)
class Rows:
    """Per-document facts the browse views need."""

    docs: list[dict]  # {"id", "path", "title", "year", "regions", "organizations", "themes"}
    canonical: dict[str, str]  # short form -> full name, across the corpus


def gather(searcher: Searcher) -> Rows:
    """Read organizations and themes of every document from the index."""
    docs, canonical = [], {}
    for stored in searcher.all_stored_fields():
        orgs = stored.get(F.ORGANIZATIONS) or []
        themes = stored.get(F.THEMES) or []
        if not orgs and not themes:
            continue
        docs.append({
            "id": stored[F.ID_], "path": stored.get(F.PATH), "title": stored.get(F.TITLE, ""),
            "year": stored.get(F.YEAR), "regions": set((stored.get(F.REGIONS) or "").split(",")) - {""},
            "organizations": orgs, "themes": themes,
        })
        for org in orgs:
            for short in org.get("short_forms", []):
                # The fullest name wins when several documents expand the same short form.
                if len(org["name"]) > len(canonical.get(short, "")):
                    canonical[short] = org["name"]
    return Rows(docs, canonical)


def rows(store) -> Rows:
    """The browse rows of a store's current index, gathered once per index version."""
    return store.cached("browse-rows", gather)


def check_kind(kind: str | None) -> str | None:
    """A known organization kind or None; BadParameter otherwise."""
    if kind and kind not in KINDS:
        raise BadParameter(f"kind 只能是 {'、'.join(KINDS)} 之一，收到：{kind[:40]}")
    return kind or None


def _doc_matches(doc: dict, years: tuple[int, int] | None, region: str | None) -> bool:
    if years and not (doc["year"] and years[0] <= doc["year"] <= years[1]):
        return False
    return not region or fold(region) in doc["regions"]


def organizations(rows: Rows, year: str | None = None, kind: str | None = None, region: str | None = None, q: str | None = None) -> list[dict]:
    """Organizations with kind, years and documents, most documents first."""
    years = parse_year(year)
    kind = check_kind(kind)
    needle = fold(q or "").strip()
    table: dict[str, dict] = {}
    for doc in rows.docs:
        if not _doc_matches(doc, years, region):
            continue
        for org in doc["organizations"]:
            name = rows.canonical.get(org["name"], org["name"])
            entry = table.setdefault(name, {"name": name, "kind": org["kind"], "years": set(), "documents": {}, "aliases": set()})
            if doc["year"]:
                entry["years"].add(doc["year"])
            entry["documents"][doc["id"]] = {"id": doc["id"], "path": doc["path"], "title": doc["title"]}
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
        })
    out.sort(key=lambda e: (-len(e["documents"]), e["name"]))
    return out


def organizations_csv(orgs: list[dict]) -> str:
    """The table as CSV, UTF-8 with a BOM so that Excel reads the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["名称", "类型", "年份", "文档数", "文档"])
    for org in orgs:
        writer.writerow([
            org["name"], KINDS.get(org["kind"], org["kind"]), "、".join(map(str, org["years"])),
            len(org["documents"]), "；".join(f"{d['title']}（{d['path']}）" for d in org["documents"]),
        ])
    return "\ufeff" + buffer.getvalue()


def themes(rows: Rows, year: str | None = None, region: str | None = None) -> list[dict]:
    """Stated themes, newest year first, each with its source document."""
    years = parse_year(year)
    wanted_region = fold(region or "").strip()
    out = []
    for doc in rows.docs:
        for theme in doc["themes"]:
            if years and not (theme["year"] and years[0] <= theme["year"] <= years[1]):
                continue
            theme_region = theme.get("region") or ""
            if wanted_region and wanted_region != fold(theme_region) and wanted_region not in doc["regions"]:
                continue
            out.append({
                "year": theme["year"], "region": theme_region, "theme": theme["theme"],
                "document": {"id": doc["id"], "path": doc["path"], "title": doc["title"]},
            })
    out.sort(key=lambda t: (-(t["year"] or 0), _scope_rank(t["region"]), t["region"], t["document"]["path"]))
    return out


def _scope_rank(region: str) -> int:
    """全国 first, then provinces, cities and districts, then enterprises and other units."""
    if region == "全国":
        return 0
    place = gazetteer().places.get(region)
    if place is None:
        return 3
    return 1 if place.level == "province" else 2
