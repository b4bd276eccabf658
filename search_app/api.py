"""The JSON API: /api/search, /api/documents/<id>, /healthz, /api/openapi.json, and the browse
views /api/organizations(.csv) and /api/themes."""
from __future__ import annotations

from importlib import resources
from urllib.parse import quote

from flask import Blueprint, abort, current_app, jsonify, request

from search_app import browse
from search_app.cache import cached, uncacheable
from search_app.results import results_csv, with_attachments
from search_app.pages import with_roles
from search_app.store import current_store as store

MAX_ROLE_DOCUMENTS = 200  # documents whose text is read for what the organization did there

bp = Blueprint("api", __name__)


@bp.get("/api/search")
@cached
def api_search():
    result = store().search(request.args, current_app.config["SEARCH_TIME_BUDGET"])
    if result["partial"] and not store().partial_is_final:
        uncacheable()  # cut short by the time budget: another try may rank more
    return jsonify(result)


MAX_EXPORT = 1000  # search results one CSV export holds at most


@bp.get("/api/search.csv")
@cached
def api_search_csv():
    """The current query's results with its filters and sort, as CSV (at most MAX_EXPORT rows)."""
    rows = []
    total = 0
    for page in range(1, MAX_EXPORT // 100 + 1):
        args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")} | {"page": str(page), "per_page": "100"}
        result = store().search(args, current_app.config["SEARCH_TIME_BUDGET"])
        total = result["total"]
        rows += result["results"]
        if len(rows) >= total or not result["results"]:
            break
    return _csv(results_csv(rows[:MAX_EXPORT], total), "search.csv")


@bp.get("/api/documents/<doc_id>")
@cached
def api_document(doc_id: str):
    doc = store().document(doc_id)
    if doc is None:
        abort(404)
    return jsonify(with_attachments(store(), doc))


@bp.get("/healthz")
def healthz():
    return jsonify(status="ok", documents=store().doc_count(), backend=store().backend)


@bp.get("/api/openapi.json")
def openapi():
    spec = resources.files("search_app").joinpath("data/openapi.json").read_text("utf-8")
    return current_app.response_class(spec, mimetype="application/json")


def _organizations() -> dict:
    """The organizations the request asks for: sorted, and one page of them when it asks for a page."""
    args = request.args
    orgs = browse.organizations(
        browse.rows(store()), args.get("year"), args.get("kind"), args.get("region"), args.get("q"), args.get("scope"),
    )
    orgs, _sort = browse.sorted_by(orgs, args.get("sort"), browse.ORG_SORTS, "documents")
    return browse.paged(orgs, args.get("page"), args.get("per_page"), None)


@bp.get("/api/organizations")
@cached
def api_organizations():
    page = _organizations()
    return jsonify(organizations=page.pop("items"), **page)


@bp.get("/api/organizations.csv")
@cached
def api_organizations_csv():
    return _csv(browse.organizations_csv(_organizations()["items"]), "organizations.csv")


def _csv(body: str, filename: str):
    return current_app.response_class(
        body.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"},
    )


def _organization(name: str) -> dict:
    args = request.args
    org = browse.organization(browse.rows(store()), name, args.get("year"), args.get("region"), args.get("scope"))
    if org is None:
        abort(404)
    return org


@bp.get("/api/organizations/<path:name>/documents.csv")
@cached
def api_organization_csv(name: str):
    org = _organization(name)
    with_roles(org, org["documents"][:MAX_ROLE_DOCUMENTS])
    return _csv(browse.organization_csv(org), f"{org['name']}.csv")


@bp.get("/api/organizations/<path:name>")
@cached
def api_organization(name: str):
    org = _organization(name)
    page = browse.paged(org["documents"], request.args.get("page"), request.args.get("per_page"), None)
    with_roles(org, page["items"][:MAX_ROLE_DOCUMENTS])
    return jsonify({**org, "documents": page.pop("items"), **page})


@bp.get("/api/themes")
@cached
def api_themes():
    args = request.args
    items = browse.themes(browse.rows(store()), args.get("year"), args.get("region"), args.get("campaign"))
    items, _sort = browse.sorted_by(items, args.get("sort"), browse.THEME_SORTS, "campaign")
    page = browse.paged(items, args.get("page"), args.get("per_page"), None)
    return jsonify(themes=page.pop("items"), **page)


@bp.get("/api/campaigns/<name>")
@cached
def api_campaign(name: str):
    overview = browse.campaign(browse.rows(store()), name)
    if overview is None:
        abort(404)
    return jsonify({k: v for k, v in overview.items() if k != "chart"})


@bp.get("/api/campaigns/<name>/<int:year>")
@cached
def api_campaign_year(name: str, year: int):
    view = browse.campaign_year(browse.rows(store()), name, year)
    if view is None:
        abort(404)
    return jsonify({k: v for k, v in view.items() if k != "chart"})
