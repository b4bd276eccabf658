"""The Flask app: search pages and a JSON API over the index built by `indexer`."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

from search_app.store import IndexStore


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Application factory: config from QSEARCH_INDEX (or `test_config`), blueprints, errors."""
    app = Flask(__name__)
    app.config.from_mapping(INDEX_DIR=os.environ.get("QSEARCH_INDEX", "index"))
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["qsearch_store"] = IndexStore(app.config["INDEX_DIR"])

    from search_app import api, errors, pages

    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    errors.init_app(app)
    return app
