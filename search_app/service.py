"""What the API, the pages and the CLI share: run a search, fetch a document."""
from __future__ import annotations

import re
from typing import Mapping

from whoosh.searching import Searcher

from indexer import fields as F
from search_app.query import make_filters, parse_query
from search_app.ranking import TIME_BUDGET, check_sort, make_paging, search, stored_metadata

DOC_ID = re.compile(r"^[0-9a-f]{16}$")


def search_from_args(searcher: Searcher, args: Mapping[str, str], budget: float | None = TIME_BUDGET) -> dict:
    """Validate request-style parameters and run the search (BadParameter on bad input);
    `budget`: seconds the search may take (ranking.search)."""
    filters = make_filters(args.get("year"), args.get("region"), args.get("doc_type"), args.get("org"), args.get("campaign"))
    sort = check_sort(args.get("sort"))
    paging = make_paging(args.get("page"), args.get("per_page"))
    return search(searcher, parse_query(args.get("q")), filters, sort, paging, budget)


def get_document(searcher: Searcher, doc_id: str) -> dict | None:
    """A document's stored fields by id, or None; ids are looked up, never used as paths."""
    if not DOC_ID.match(doc_id or ""):
        return None
    stored = searcher.document(**{F.ID_: doc_id})
    return None if stored is None else document_item(stored)


def document_item(stored: dict) -> dict:
    """A document in the /api/documents shape, from its stored fields."""
    return {
        **stored_metadata(stored),
        "doc_number": stored.get(F.DOC_NUMBER),
        "text": stored.get(F.TEXT_, ""),
        "organizations": stored.get(F.ORGANIZATIONS, []),
        "themes": stored.get(F.THEMES, []),
        "encoding": stored.get(F.ENCODING),
    }
