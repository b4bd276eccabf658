"""The web pages: search with facets and paging, and a document's full text."""
from __future__ import annotations

import json
from importlib import resources
from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from indexer.campaigns import campaign_names
from indexer.industries import industries
from search_app import browse
from search_app.cache import cached, uncacheable
from search_app.query import BadParameter, parse_query
from search_app.results import SOFT_AND_BELOW, with_attachments
from search_app.snippets import highlight
from search_app.store import current_store

bp = Blueprint("pages", __name__)
FILTERS = ("year", "region", "doc_type", "org", "campaign", "industry")
FILTER_LABELS = {"year": "年份", "region": "地区", "doc_type": "类型", "org": "单位", "campaign": "活动", "industry": "行业"}
KEPT_ARGS = ("q", *FILTERS, "sort", "per_page")


def _url_with(**changes) -> str:
    """The current search URL with some parameters changed (None removes one); back to page 1."""
    args = {k: request.args[k] for k in KEPT_ARGS if request.args.get(k)}
    args.update({k: str(v) for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
    return url_for("pages.search_page") + ("?" + urlencode(args) if args else "")


MAX_COPIES_SHOWN = 20


def _copies(ids: list[str]) -> list[dict]:
    """The near-duplicates of a result, to open from it: title, path, date (at most MAX_COPIES_SHOWN)."""
    out = []
    for ident in ids[:MAX_COPIES_SHOWN]:
        doc = current_store().document(ident)
        if doc is not None:
            out.append({"id": ident, "title": doc["title"], "path": doc["path"], "date": doc["date"]})
    return out


def _search_args() -> dict:
    """The current request's search (query, filters, sort, paging), to carry to a document and back."""
    return {k: request.args[k] for k in (*KEPT_ARGS, "page") if request.args.get(k)}


def _doc_url(doc_id: str) -> str:
    """A document's page, carrying the search it was found by (its words marked, the way back kept)."""
    return url_for("pages.document_page", doc_id=doc_id, **_search_args())


@bp.app_context_processor
def helpers():
    return {"url_with": _url_with, "filter_labels": FILTER_LABELS, "campaign_names": campaign_names(),
            "industry_names": [i.name for i in industries()], "doc_url": _doc_url}


@bp.get("/")
@cached
def search_page():
    args = request.args
    searching = any(args.get(k) for k in ("q", *FILTERS))
    result, error, status = None, None, 200
    if searching:
        try:
            result = current_store().search(args, current_app.config["SEARCH_TIME_BUDGET"])
            if result["partial"] and not current_store().partial_is_final:
                uncacheable()
        except BadParameter as exc:
            error, status = str(exc), 400
    pages = 0
    if result:
        pages = (result["total"] + result["per_page"] - 1) // result["per_page"]
        for item in result["results"]:
            item["copies"] = _copies(item["duplicates"])
    return render_template(
        "search.html", q=args.get("q", ""), args=args, result=result, error=error,
        pages=pages, active={k: args[k] for k in FILTERS if args.get(k)}, soft_and_below=SOFT_AND_BELOW,
        export_args={k: args[k] for k in ("q", *FILTERS, "sort") if args.get(k)},
    ), status


@bp.get("/documents/<doc_id>")
@cached
def document_page(doc_id: str):
    doc = current_store().document(doc_id)
    if doc is None:
        abort(404)
    doc = with_attachments(current_store(), doc)
    words = parse_query(request.args.get("q")).highlight_terms
    paragraphs, cut_marks, cut_text = _paragraphs(
        doc["text"], words, current_app.config["HIGHLIGHT_CHARS"], current_app.config["DOCUMENT_PAGE_CHARS"],
    )
    back = _search_args()
    searched = any(back.get(k) for k in ("q", *FILTERS))
    rows = browse.rows(current_store())
    orgs = list(dict.fromkeys(rows.canonical.get(org["name"], org["name"]) for org in doc.get("organizations") or []))
    return render_template(
        "document.html", doc=doc, title_html=highlight(doc["title"], words), paragraphs=paragraphs,
        q=request.args.get("q", ""), cut_marks=cut_marks and bool(words), cut_text=cut_text,
        back_url=url_for("pages.search_page", **back) if searched else None, org_names=orgs,
        highlight_chars=current_app.config["HIGHLIGHT_CHARS"], page_chars=current_app.config["DOCUMENT_PAGE_CHARS"],
    )


def _paragraphs(text: str, words: list[str | tuple[str, ...]], mark_chars: int, show_chars: int) -> tuple[list[Markup], bool, bool]:
    """The paragraphs of a document's page: query words marked in the first `mark_chars`
    characters, text shown up to `show_chars` (so that a huge document costs bounded work).
    Returns (paragraphs, whether marking stopped early, whether text was left out)."""
    out: list[Markup] = []
    used = 0
    cut_marks = cut_text = False
    for paragraph in text.split("\n"):
        if not paragraph.strip():
            continue
        if used >= show_chars:
            cut_text = True
            break
        if used + len(paragraph) > show_chars:
            paragraph, cut_text = paragraph[: show_chars - used], True
        room = max(0, mark_chars - used) if words else 0
        if room >= len(paragraph):
            out.append(highlight(paragraph, words))
        else:
            cut_marks = cut_marks or bool(words)
            out.append(highlight(paragraph[:room], words) + escape(paragraph[room:]))
        used += len(paragraph)
    return out, cut_marks, cut_text


ORG_FILTERS = ("year", "kind", "region", "q")
PAGE_SIZE = 50  # rows per page of the browse pages


def _page_urls(endpoint: str, kept: dict, page: dict, **values) -> dict:
    """Links to the previous and next pages of a paged list, keeping its filters and sort."""
    def at(n: int) -> str | None:
        return url_for(endpoint, **values, **kept, page=n) if 1 <= n <= page["pages"] and n != page["page"] else None

    return {"prev": at(page["page"] - 1), "next": at(page["page"] + 1)}


@bp.get("/organizations")
@cached
def organizations_page():
    """Organizations of campaign documents by default; scope=all for every document."""
    args = request.args
    error, status, page, sort = None, 200, browse.paged([], None, None, PAGE_SIZE), "documents"
    scope = args.get("scope") or "campaign"
    try:
        scope = browse.check_scope(scope)
        orgs = browse.organizations(browse.rows(current_store()), *(args.get(k) for k in ORG_FILTERS), scope)
        orgs, sort = browse.sorted_by(orgs, args.get("sort"), browse.ORG_SORTS, "documents")
        page = browse.paged(orgs, args.get("page"), args.get("per_page"), PAGE_SIZE)
    except BadParameter as exc:
        error, status = str(exc), 400
    kept = {k: args[k] for k in ORG_FILTERS if args.get(k)}
    # The API's default scope is all: the CSV link always says which scope the page shows.
    sorted_as = {"sort": sort} if args.get("sort") else {}
    csv_url = url_for("api.api_organizations_csv", **kept, scope=scope, **sorted_as)
    scope_urls = {name: url_for("pages.organizations_page", **kept, scope=name, **sorted_as) for name in browse.SCOPES}
    sort_urls = {name: url_for("pages.organizations_page", **kept, scope=scope, sort=name) for name in browse.ORG_SORTS}
    # An organization's link lists exactly the documents its row counts: same scope and filters.
    org_args = {k: args[k] for k in ("year", "region") if args.get(k)} | {"scope": scope}
    return render_template(
        "organizations.html", orgs=page["items"], page=page, args=args, kinds=browse.KINDS, error=error,
        csv_url=csv_url, scope=scope, scopes=browse.SCOPES, scope_urls=scope_urls, sort=sort, sort_urls=sort_urls,
        sort_labels=browse.ORG_SORT_LABELS, org_args=org_args,
        page_urls=_page_urls("pages.organizations_page", kept | {"scope": scope, "sort": sort}, page),
    ), status


@bp.get("/organizations/<path:name>")
@cached
def organization_page(name: str):
    """One organization: its names, years, campaigns and documents by year, with what it did there."""
    args = request.args
    try:
        org = browse.organization(browse.rows(current_store()), name, args.get("year"), args.get("region"), args.get("scope"))
        if org is None:
            abort(404)
        page = browse.paged(org["documents"], args.get("page"), args.get("per_page"), PAGE_SIZE)
    except BadParameter as exc:
        return render_template("error.html", message=str(exc)), 400
    with_roles(org, page["items"])
    kept = {k: args[k] for k in ("year", "region", "scope") if args.get(k)}
    by_year: dict = {}
    for doc in page["items"]:
        by_year.setdefault(doc["year"] or "年份不详", []).append(doc)
    return render_template(
        "organization.html", org=org, page=page, by_year=by_year, kinds=browse.KINDS,
        csv_url=url_for("api.api_organization_csv", name=org["name"], **kept),
        page_urls=_page_urls("pages.organization_page", kept, page, name=org["name"]),
    )


def with_roles(org: dict, documents: list[dict]) -> None:
    """Add to each shown document what its text says the organization did there (主办, 承办, 获奖 …)."""
    names = [org["name"], *org["aliases"]]
    for doc in documents:
        stored = current_store().document(doc["id"])
        doc["roles"] = browse.roles(stored["text"], names) if stored else []


@bp.get("/campaigns/<name>")
@cached
def campaign_page(name: str):
    """A campaign's years, each with its national theme and documents, and a chart of documents per year."""
    overview = browse.campaign(browse.rows(current_store()), name)
    if overview is None:
        abort(404)
    return render_template("campaign.html", campaign=overview, chart=Markup(overview["chart"]))


@bp.get("/campaigns/<name>/<int:year>")
@cached
def campaign_year_page(name: str, year: int):
    """One campaign year: themes, organizers, organizations that took part, documents."""
    view = browse.campaign_year(browse.rows(current_store()), name, year)
    if view is None:
        abort(404)
    return render_template("campaign_year.html", view=view, chart=Markup(view["chart"]), kinds=browse.KINDS)


@bp.get("/help")
@cached
def help_page():
    """The query syntax and what the search does for the user, in Chinese."""
    return render_template("help.html")


API_EXAMPLES = {
    "/api/search": "/api/search?q=质量月&year=2022&per_page=5",
    "/api/organizations": "/api/organizations?scope=campaign&sort=documents&per_page=20",
    "/api/themes": "/api/themes?campaign=质量月&sort=year",
    "/api/campaigns/{name}": "/api/campaigns/质量月",
    "/healthz": "/healthz",
}


@bp.get("/api")
@cached
def api_page():
    """The API's endpoints, parameters and answers, readable (from /api/openapi.json)."""
    spec = json.loads(resources.files("search_app").joinpath("data/openapi.json").read_text("utf-8"))
    return render_template("api.html", spec=spec, examples=API_EXAMPLES)


@bp.get("/themes")
@cached
def themes_page():
    """Stated themes, a section per campaign (themes of no campaign last), years inside."""
    args = request.args
    error, status, page, sort = None, 200, browse.paged([], None, None, PAGE_SIZE), "campaign"
    try:
        items = browse.themes(browse.rows(current_store()), args.get("year"), args.get("region"), args.get("campaign"))
        items, sort = browse.sorted_by(items, args.get("sort"), browse.THEME_SORTS, "campaign")
        page = browse.paged(items, args.get("page"), args.get("per_page"), PAGE_SIZE)
    except BadParameter as exc:
        error, status = str(exc), 400
    sections: dict = {}  # campaign -> year -> themes, in the order of the page
    for item in page["items"]:
        years = sections.setdefault(item["campaign"] if sort == "campaign" else "", {})
        years.setdefault(item["year"] or "年份不详", []).append(item)
    kept = {k: args[k] for k in ("year", "region", "campaign") if args.get(k)}
    sort_urls = {name: url_for("pages.themes_page", **kept, sort=name) for name in browse.THEME_SORTS}
    return render_template(
        "themes.html", sections=sections, label=browse.campaign_label, args=args, error=error, page=page,
        sort=sort, sort_urls=sort_urls, sort_labels=browse.THEME_SORT_LABELS,
        page_urls=_page_urls("pages.themes_page", kept | {"sort": sort}, page),
    ), status
