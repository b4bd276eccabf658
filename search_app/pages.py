"""The web pages: search with facets and paging, and a document's full text."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, abort, current_app, render_template, request, url_for
from markupsafe import Markup, escape

from indexer.campaigns import campaign_names
from search_app import browse
from search_app.cache import cached, uncacheable
from search_app.query import BadParameter, parse_query
from search_app.results import SOFT_AND_BELOW, with_attachments
from search_app.snippets import highlight
from search_app.store import current_store

bp = Blueprint("pages", __name__)
FILTERS = ("year", "region", "doc_type", "org", "campaign")
FILTER_LABELS = {"year": "年份", "region": "地区", "doc_type": "类型", "org": "单位", "campaign": "活动"}
KEPT_ARGS = ("q", *FILTERS, "sort", "per_page")


def _url_with(**changes) -> str:
    """The current search URL with some parameters changed (None removes one); back to page 1."""
    args = {k: request.args[k] for k in KEPT_ARGS if request.args.get(k)}
    args.update({k: str(v) for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            args.pop(k, None)
    return url_for("pages.search_page") + ("?" + urlencode(args) if args else "")


@bp.app_context_processor
def helpers():
    return {"url_with": _url_with, "filter_labels": FILTER_LABELS, "campaign_names": campaign_names()}


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
    return render_template(
        "search.html", q=args.get("q", ""), args=args, result=result, error=error,
        pages=pages, active={k: args[k] for k in FILTERS if args.get(k)}, soft_and_below=SOFT_AND_BELOW,
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
    return render_template(
        "document.html", doc=doc, title_html=highlight(doc["title"], words), paragraphs=paragraphs,
        q=request.args.get("q", ""), cut_marks=cut_marks and bool(words), cut_text=cut_text,
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


@bp.get("/organizations")
@cached
def organizations_page():
    """Organizations of campaign documents by default; scope=all for every document."""
    args = request.args
    error, status, orgs = None, 200, []
    scope = args.get("scope") or "campaign"
    try:
        scope = browse.check_scope(scope)
        orgs = browse.organizations(browse.rows(current_store()), *(args.get(k) for k in ORG_FILTERS), scope)
    except BadParameter as exc:
        error, status = str(exc), 400
    kept = {k: args[k] for k in ORG_FILTERS if args.get(k)}
    # The API's default scope is all: the CSV link always says which scope the page shows.
    csv_url = url_for("api.api_organizations_csv", **kept, scope=scope)
    scope_urls = {name: url_for("pages.organizations_page", **kept, scope=name) for name in browse.SCOPES}
    return render_template(
        "organizations.html", orgs=orgs, args=args, kinds=browse.KINDS, error=error, csv_url=csv_url,
        scope=scope, scopes=browse.SCOPES, scope_urls=scope_urls,
    ), status


@bp.get("/themes")
@cached
def themes_page():
    """Stated themes, a section per campaign (themes of no campaign last), years inside."""
    args = request.args
    error, status, items = None, 200, []
    try:
        items = browse.themes(browse.rows(current_store()), args.get("year"), args.get("region"), args.get("campaign"))
    except BadParameter as exc:
        error, status = str(exc), 400
    sections: dict = {}  # campaign -> year -> themes, in the order browse.themes gives
    for item in items:
        years = sections.setdefault(item["campaign"], {})
        years.setdefault(item["year"] or "年份不详", []).append(item)
    return render_template(
        "themes.html", sections=sections, label=browse.campaign_label, args=args, error=error,
    ), status
