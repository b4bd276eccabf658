"""The JSON API: /api/search, /api/documents/<id>, /healthz, /api/openapi.json, and the browse
views /api/organizations(.csv) and /api/themes."""
from __future__ import annotations

from importlib import resources

from flask import Blueprint, abort, current_app, jsonify, request

from search_app import browse
from search_app.cache import cached, uncacheable
from search_app.results import with_attachments
from search_app.store import current_store as store

bp = Blueprint("api", __name__)


@bp.get("/api/search")
@cached
def api_search():
    result = store().search(request.args, current_app.config["SEARCH_TIME_BUDGET"])
    if result["partial"] and not store().partial_is_final:
        uncacheable()  # cut short by the time budget: another try may rank more
    return jsonify(result)


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


def _organizations() -> list[dict]:
    args = request.args
    return browse.organizations(
        browse.rows(store()), args.get("year"), args.get("kind"), args.get("region"), args.get("q"), args.get("scope"),
    )


@bp.get("/api/organizations")
@cached
def api_organizations():
    return jsonify(organizations=_organizations())


@bp.get("/api/organizations.csv")
@cached
def api_organizations_csv():
    body = browse.organizations_csv(_organizations())
    return current_app.response_class(
        body.encode("utf-8"), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename*=UTF-8''organizations.csv"},
    )


@bp.get("/api/themes")
@cached
def api_themes():
    args = request.args
    return jsonify(themes=browse.themes(browse.rows(store()), args.get("year"), args.get("region"), args.get("campaign")))
