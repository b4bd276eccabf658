"""Hostile queries in process: the worst time of each query of bench/hostile_queries.tsv.

    .venv/bin/python -m bench.hostile --index /tmp/hard_ix [--runs 3] [--budget 1.0] [--only LABEL] [--cold]

Each query goes through the whole Flask request (parsing, search, snippets, JSON or page
rendering) with the app's test client, `--runs` times; the worst time is printed with the
status, the total and whether the answer was marked partial. `document` rows open the
largest document of the index with the query highlighted. With `--cold` every run starts with
no decoded posting lists and no kept answers (as on a server that just opened a new index).
Exit status 1 when a query took longer than `--budget` seconds without saying it was partial.
Never part of `make test`.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

from indexer import fields as F

QUERIES = Path(__file__).with_name("hostile_queries.tsv")


def load(path: Path = QUERIES) -> list[tuple[str, str, str, dict[str, str]]]:
    """(label, route, q, extra parameters) of each line; # lines are comments."""
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        label, route, q, extra = (line.split("\t") + ["", "", ""])[:4]
        rows.append((label, route, q, dict(parse_qsl(extra))))
    return rows


def largest_document(app) -> str:
    """The id of the document with the longest text."""
    with app.extensions["qsearch_store"].searcher() as searcher:
        best = max(searcher.all_stored_fields(), key=lambda s: len(s.get(F.TEXT_, "")))
    return best[F.ID_]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", required=True)
    parser.add_argument("--queries", default=str(QUERIES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds a query may take")
    parser.add_argument("--only", action="append", help="run only these labels")
    parser.add_argument("--cold", action="store_true", help="empty the term caches before every run")
    args = parser.parse_args(argv)

    from search_app import create_app
    from search_app.backends.whoosh.doctable import CACHE
    from search_app.backends.whoosh.postings import ARRAYS

    app = create_app({"INDEX_DIR": args.index, **({"RESPONSE_CACHE_ENTRIES": 0} if args.cold else {})})
    client = app.test_client()
    client.get("/api/search", query_string={"q": "质量月"})  # open the index, load the dictionary
    doc = largest_document(app)
    over = 0
    worst_all = 0.0
    print(f"{'label':<22} {'worst s':>8} {'status':>6} {'total':>7} partial")
    for label, route, q, extra in load(Path(args.queries)):
        if args.only and label not in args.only:
            continue
        url = {"search": "/api/search", "page": "/", "document": f"/documents/{doc}"}[route]
        params = {"q": q, **extra}
        worst, status, total, partial = 0.0, 0, "", ""
        for _ in range(args.runs):
            if args.cold:
                ARRAYS.clear_terms()
                CACHE.clear_terms()
            started = time.perf_counter()
            response = client.get(url, query_string=params)
            body = response.get_data()
            worst = max(worst, time.perf_counter() - started)
            status = response.status_code
        if route == "search" and response.is_json:
            data = response.get_json()
            total = data.get("total", "")
            partial = "yes" if data.get("partial") else ""
        elif b"notice partial" in body:
            partial = "yes"
        worst_all = max(worst_all, worst)
        slow = worst > args.budget and not partial
        flag = "  OVER" if slow else ""
        over += slow
        print(f"{label:<22} {worst:8.3f} {status:>6} {total!s:>7} {partial}{flag}")
    print(f"worst {worst_all:.3f} s; {over} over {args.budget} s without being marked partial")
    app.extensions["qsearch_store"].close()
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
