"""The Flask app: search pages and a JSON API over the index built by `indexer`."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

from indexer.backends import target, typesense_target
from search_app.cache import DEFAULT_BYTES, DEFAULT_ENTRIES
from search_app.results import TIME_BUDGET
from search_app.security import MAX_CONTENT_LENGTH
from search_app.store import make_store


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: config from QSEARCH_INDEX (or `test_config`), blueprints, errors,
    request checks and security headers."""
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("QSEARCH_INDEX", "index"),
        # "whoosh" (INDEX_DIR) or "typesense" (TYPESENSE: an indexer.backends.typesense.client.TypesenseConfig,
        # from QSEARCH_TYPESENSE_NODES and QSEARCH_TYPESENSE_API_KEY[_FILE] when not given).
        BACKEND=os.environ.get("QSEARCH_BACKEND", "whoosh"),
        # Seconds of matching and ranking one search may take before it answers partial.
        SEARCH_TIME_BUDGET=TIME_BUDGET,
        # The document page marks query words in its first HIGHLIGHT_CHARS characters and
        # shows at most DOCUMENT_PAGE_CHARS (the API gives the whole text).
        HIGHLIGHT_CHARS=100_000,
        DOCUMENT_PAGE_CHARS=1_000_000,
        # Every route is a GET: a request with a larger body is refused with a 413.
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        # Answers kept per worker and index version (search_app.cache); 0 keeps none.
        RESPONSE_CACHE_ENTRIES=int(os.environ.get("QSEARCH_RESPONSE_CACHE", DEFAULT_ENTRIES)),
        RESPONSE_CACHE_BYTES=DEFAULT_BYTES,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    if app.config["BACKEND"] == "typesense" and app.config.get("TYPESENSE"):
        where = typesense_target(app.config["TYPESENSE"], app.config["INDEX_DIR"])
    else:
        where = target(app.config["BACKEND"], app.config["INDEX_DIR"])
    app.extensions["qsearch_store"] = make_store(where)

    from search_app import api, cache, errors, pages, security

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    errors.init_app(app)
    cache.init_app(app)
    security.init_app(app)
    return app
