"""Browsing what documents say: organizations that took part, and campaign themes by campaign and year.

Rows are gathered from the stored fields once per index version (the store caches them)
and filtered in memory. One organization is one entry: names merge across documents only when
they are the same body (indexer.organizations.same_body_elsewhere: a declared short form, a
brand without a suffix, another legal form of the name; and the names of
indexer/data/org_equivalents.tsv), never a complete name into a longer one (人民出版社 stays
apart from 上海人民出版社). Every count shown is the number of documents its link lists.
Organizations can be limited to campaign documents (scope=campaign: documents about at
least one campaign of indexer/data/campaigns.tsv) or taken from every document (scope=all).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from indexer import fields as F
from indexer.campaigns import campaign_names
from indexer.extract import gazetteer
from indexer.normalize import fold
from indexer.organizations import legal_stem, same_body_elsewhere
from search_app.query import BadParameter, campaign_name, equivalent_names, parse_year
from search_app.results import csv_text, make_paging, stored_campaigns

KINDS = {"enterprise": "企业", "association": "协会团体", "government": "政府机关", "institution": "院校医院研究机构", "other": "其他"}
SCOPES = {"campaign": "只看质量活动文档", "all": "全部文档"}
OTHER_CAMPAIGNS = "其他活动"  # the heading of themes stated for no campaign of the data file


@dataclass(frozen=True)
class Rows:
    """Per-document facts the browse views need."""

    docs: list[dict]  # {"id", "path", "title", "date", "year", "regions", "campaigns", "organizations", "themes"}
    canonical: dict[str, str]  # a name -> the name of its organization's entry, across the corpus


def gather_stored(all_stored: Iterable[dict]) -> Rows:
    """The browse rows from every document's stored fields (in the Whoosh index's shape)."""
    docs, links = [], {}
    seen: dict[str, int] = {}  # name -> documents naming the organization so
    for stored in all_stored:
        orgs = stored.get(F.ORGANIZATIONS) or []
        themes = stored.get(F.THEMES) or []
        if not orgs and not themes and not stored.get(F.CAMPAIGNS):
            continue
        docs.append({
            "id": stored[F.ID_], "path": stored.get(F.PATH), "title": stored.get(F.TITLE, ""), "date": stored.get(F.DATE),
            "year": stored.get(F.YEAR), "regions": set((stored.get(F.REGIONS) or "").split(",")) - {""},
            "campaigns": stored_campaigns(stored), "organizations": orgs, "themes": themes,
            "format": stored.get(F.FORMAT) or "html",
        })
        for org in orgs:
            seen[org["name"]] = seen.get(org["name"], 0) + 1
            for short in org.get("short_forms", []):
                if same_body_elsewhere(short, org["name"], short in org.get("abbreviations", [])):
                    # The fullest name wins when several documents expand the same short form.
                    if len(org["name"]) > len(links.get(short, "")):
                        links[short] = org["name"]
    return Rows(docs, _canonical(seen, links))


def _canonical(seen: dict[str, int], links: dict[str, str]) -> dict[str, str]:
    """Each name -> its entry's name: short forms to their full names, legal forms of one company to
    its most named form, the names of one organization in org_equivalents.tsv to the first."""
    parent = {name: name for name in [*seen, *links, *links.values()]}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[rb] = ra

    for short, full in links.items():
        union(full, short)
    stems: dict[str, str] = {}
    for name in list(parent):
        stem = legal_stem(name)
        if stem:
            union(stems.setdefault(stem, name), name)
    for name in list(parent):
        for other in equivalent_names(name):
            if other in parent:
                union(name, other)
    groups: dict[str, list[str]] = {}
    for name in list(parent):
        groups.setdefault(find(name), []).append(name)
    out = {}
    for names in groups.values():
        listed = [n for n in names if n in seen] or names
        # The entry's name: the fullest form of the data file when present, else the most named, then the longest.
        known = [n for n in equivalent_names(names[0]) if n in names] if equivalent_names(names[0]) else []
        head = known[0] if known else max(listed, key=lambda n: (seen.get(n, 0), len(n), n))
        for name in names:
            out[name] = head
    return out


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


ORG_SORTS = {
    "documents": lambda e: (-len(e["documents"]), e["name"]),
    "name": lambda e: e["name"],
    "year": lambda e: (-(e["years"][-1] if e["years"] else 0), -len(e["documents"]), e["name"]),
    "kind": lambda e: (list(KINDS).index(e["kind"]) if e["kind"] in KINDS else len(KINDS), -len(e["documents"]), e["name"]),
}
ORG_SORT_LABELS = {"documents": "文档数", "name": "名称", "year": "最近年份", "kind": "类型"}
THEME_SORTS = {
    "campaign": None,  # campaigns in data-file order, newest year first: the order themes() gives
    "year": lambda t: (-(t["year"] or 0), _scope_rank(t["region"]), t["region"], t["document"]["path"]),
    "region": lambda t: (_scope_rank(t["region"]), t["region"], -(t["year"] or 0), t["document"]["path"]),
}
THEME_SORT_LABELS = {"campaign": "活动", "year": "年份", "region": "地区"}


def sorted_by(items: list[dict], sort: str | None, sorts: dict, default: str) -> tuple[list[dict], str]:
    """The items in the order `sort` names (`default` when not given); BadParameter for other names."""
    sort = sort or default
    if sort not in sorts:
        raise BadParameter(f"sort 只能是 {'、'.join(sorts)} 之一，收到：{sort[:40]}")
    key = sorts[sort]
    return (sorted(items, key=key) if key else items), sort


def paged(items: list, page: str | None, per_page: str | None, default_size: int | None) -> dict:
    """One page of items: {"items", "total", "page", "per_page", "pages"}; all of them when no page
    size is asked for and `default_size` is None (the APIs' answer before paging existed)."""
    if per_page in (None, "") and page in (None, "") and default_size is None:
        return {"items": items, "total": len(items), "page": 1, "per_page": len(items), "pages": 1}
    paging = make_paging(page, per_page if per_page not in (None, "") else default_size)
    pages = max(1, -(-len(items) // paging.per_page))
    return {"items": items[paging.start : paging.limit], "total": len(items), "page": paging.page,
            "per_page": paging.per_page, "pages": pages}


_ROLE = re.compile(r"(主办|承办|协办|联合主办|指导|支持|发起|组织|参与|参加|获得|荣获|获评|获|授予|表彰|发布|通报|召开|举办|开展)")


def roles(text: str, names: list[str], window: int = 12) -> list[str]:
    """What a document says an organization did, from the words next to its names (由…主办, …承办, …荣获)."""
    found: list[str] = []
    folded = fold(text)
    for name in names:
        at = folded.find(name)
        looks = 0
        while at >= 0 and looks < 20:
            near = folded[at + len(name) : at + len(name) + window] + " " + folded[max(0, at - 2) : at]
            for match in _ROLE.finditer(near):
                role = match.group(1)
                if role not in found:
                    found.append(role)
            at = folded.find(name, at + 1)
            looks += 1
    return found


def organization(rows: Rows, name: str, year: str | None = None, region: str | None = None,
                 scope: str | None = None) -> dict | None:
    """One organization's entry (the documents the /organizations row with these filters counts):
    kind, other names, years, campaigns, and its documents newest first, each with what 名单 tables
    say it did there; None when no document names it."""
    wanted = rows.canonical.get(fold(name).strip(), fold(name).strip())
    entry = next((e for e in organizations(rows, year, None, region, None, scope) if e["name"] == wanted), None)
    if entry is None:
        return None
    by_id = {doc["id"]: doc for doc in rows.docs}
    documents = []
    campaigns: list[str] = []
    for ref in entry["documents"]:
        doc = by_id[ref["id"]]
        campaigns += [c for c in doc["campaigns"] if c not in campaigns]
        documents.append({**ref, "year": doc["year"], "date": doc["date"], "campaigns": doc["campaigns"],
                          "format": doc["format"], "roles": []})
    documents.sort(key=lambda d: d["path"])
    documents.sort(key=lambda d: (d["year"] or 0, d["date"] or ""), reverse=True)  # newest first, ties by path
    return {**entry, "campaigns": campaigns, "documents": documents}


def organization_csv(org: dict) -> str:
    """An organization's documents as CSV (UTF-8 with a BOM for Excel)."""
    rows: list[list] = [["单位", "年份", "日期", "文档", "文件", "活动", "所做的事", "名单记录"]]
    for doc in org["documents"]:
        rows.append([org["name"], doc["year"] or "", doc["date"] or "", doc["title"], doc["path"],
                     "、".join(doc["campaigns"]), "、".join(doc.get("roles", [])), " | ".join(doc["did"])])
    return csv_text(rows)


def organizations_csv(orgs: list[dict]) -> str:
    """The table as CSV, UTF-8 with a BOM so that Excel reads the Chinese correctly."""
    rows: list[list] = [["名称", "类型", "年份", "文档数", "文档", "名单记录"]]
    for org in orgs:
        rows.append([
            org["name"], KINDS.get(org["kind"], org["kind"]), "、".join(map(str, org["years"])),
            len(org["documents"]), "；".join(f"{d['title']}（{d['path']}）" for d in org["documents"]),
            " | ".join(org.get("did", [])),
        ])
    return csv_text(rows)


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
                "story": theme.get("story"),  # the story of a multi-story page that states it
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


ORGANIZER_KINDS = ("government", "association")  # bodies that organize campaigns; the others take part


def campaign(rows: Rows, name: str) -> dict | None:
    """A campaign's years: documents and the national theme of each, and a chart of documents per year."""
    wanted = campaign_name(name)
    if wanted is None:
        return None
    counts: dict[int, int] = {}
    for doc in rows.docs:
        if wanted in doc["campaigns"] and doc["year"]:
            counts[doc["year"]] = counts.get(doc["year"], 0) + 1
    national = _national(rows, wanted)
    years = sorted(set(counts) | set(national), reverse=True)
    if not years:
        return None
    return {
        "name": wanted,
        "years": [{"year": y, "documents": counts.get(y, 0), "theme": national.get(y)} for y in years],
        "chart": bar_chart([(y, counts.get(y, 0)) for y in sorted(years)]),
    }


def _national(rows: Rows, wanted: str) -> dict[int, str]:
    """Year -> the national theme of a campaign, as documents state it (全国)."""
    found: dict[int, str] = {}
    for doc in rows.docs:
        for theme in doc["themes"]:
            if theme.get("campaign") == wanted and theme.get("region") == "全国" and theme.get("year"):
                found.setdefault(theme["year"], theme["theme"])
    return found


def campaign_year(rows: Rows, name: str, year: int) -> dict | None:
    """One campaign year: the national theme, the local themes by region, who organized it and who
    took part (from text and from 名单 tables), its documents, and documents per year around it."""
    overview = campaign(rows, name)
    if overview is None:
        return None
    wanted = overview["name"]
    documents, local, organizers, taking_part = [], [], {}, {}
    for doc in rows.docs:
        if wanted not in doc["campaigns"] or doc["year"] != year:
            continue
        documents.append({"id": doc["id"], "path": doc["path"], "title": doc["title"], "date": doc["date"],
                          "format": doc["format"]})
        for org in doc["organizations"]:
            if not org.get("in_campaign", True):
                continue
            entry_name = rows.canonical.get(org["name"], org["name"])
            table = organizers if org["kind"] in ORGANIZER_KINDS and "did" not in org else taking_part
            entry = table.setdefault(entry_name, {"name": entry_name, "kind": org["kind"], "documents": 0, "did": []})
            entry["documents"] += 1
            entry["did"] += [d for d in org.get("did", []) if d not in entry["did"]]
    for theme in themes(rows, str(year), None, wanted):
        if theme["region"] != "全国":
            local.append(theme)
    documents.sort(key=lambda d: (d["date"] or "", d["path"]))
    national = next((y["theme"] for y in overview["years"] if y["year"] == year), None)
    if not documents and national is None:
        return None
    order = lambda e: (-e["documents"], e["name"])  # noqa: E731
    return {
        "name": wanted, "year": year, "theme": national,
        "themes": sorted(local, key=lambda t: (_scope_rank(t["region"]), t["region"])),
        "organizers": sorted(organizers.values(), key=order), "organizations": sorted(taking_part.values(), key=order),
        "documents": documents, "chart": overview["chart"], "years": [y["year"] for y in overview["years"]],
    }


def bar_chart(points: list[tuple[int, int]], width: int = 640, height: int = 160) -> str:
    """An SVG bar chart of documents per year (no script: the pages keep their CSP), escaped text only."""
    if not points:
        return ""
    top = max(count for _year, count in points) or 1
    step = width / len(points)
    bar = max(2.0, step * 0.7)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height + 34}" '
             f'role="img" aria-label="各年文档数">']
    for i, (year, count) in enumerate(points):
        h = round(count / top * height, 1)
        x = round(i * step + (step - bar) / 2, 1)
        parts.append(f'<g><title>{year} 年：{count} 篇</title><rect x="{x}" y="{height - h}" width="{bar:.1f}" height="{h}"></rect>'
                     f'<text x="{x + bar / 2:.1f}" y="{height - h - 3:.1f}" text-anchor="middle">{count}</text>'
                     f'<text x="{x + bar / 2:.1f}" y="{height + 16}" text-anchor="middle">{year}</text></g>')
    parts.append("</svg>")
    return "".join(parts)
