"""Index access for the web app: one open index per process, reopened when it is rebuilt."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import current_app
from whoosh import index as windex
from whoosh.searching import Searcher

from indexer.errors import IndexNotFound

CHECK_EVERY = 1.0  # seconds between looks at the index directory


class IndexStore:
    """Hands out searchers on the current index; notices new commits and swapped-in rebuilds."""

    # A partial answer here is one the time budget cut short: another try may rank more.
    partial_is_final = False

    def __init__(self, index_dir: Path | str) -> None:
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._ix: windex.Index | None = None
        self._stamp: tuple | None = None
        self._checked = 0.0
        self._cache: dict[str, object] = {}
        self._local = threading.local()
        self._open: list[Searcher] = []

    def _current_stamp(self) -> tuple | None:
        """Name, inode and mtime of the newest TOC: changes on every commit and every swap."""
        tocs = sorted(self.index_dir.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.rsplit("_", 1)[-1]))
        if not tocs:
            return None
        st = tocs[-1].stat()
        return (tocs[-1].name, st.st_ino, st.st_mtime_ns)

    def index(self) -> windex.Index:
        """The open index, reopened if the directory holds a newer one."""
        now = time.monotonic()
        if self._ix is not None and now - self._checked < CHECK_EVERY:
            return self._ix
        with self._lock:
            self._checked = now
            try:
                stamp = self._current_stamp()
            except OSError:
                stamp = None
            if stamp is None:
                if self._ix is None:
                    raise IndexNotFound(str(self.index_dir))
                return self._ix  # mid-swap: keep serving the old index
            if stamp != self._stamp or self._ix is None:
                try:
                    self._ix = windex.open_dir(str(self.index_dir))
                    self._stamp = stamp
                    self._cache = {}
                except (OSError, windex.EmptyIndexError):
                    if self._ix is None:
                        raise IndexNotFound(str(self.index_dir)) from None
            return self._ix

    backend = "whoosh"

    def search(self, args, budget: float | None | str = "default") -> dict:
        """The /api/search answer for request-style parameters (BadParameter on bad input);
        `budget`: seconds the search may take (search_app.ranking.TIME_BUDGET by default)."""
        from search_app.ranking import TIME_BUDGET
        from search_app.service import search_from_args

        budget = TIME_BUDGET if budget == "default" else budget
        with self.searcher() as searcher:
            return search_from_args(searcher, args, budget)

    def document(self, doc_id: str) -> dict | None:
        """A document by id (the /api/documents shape), or None."""
        from search_app.service import get_document

        with self.searcher() as searcher:
            return get_document(searcher, doc_id)

    def rows(self):
        """Organizations and themes of every document (search_app.browse), once per index version."""
        from search_app.browse import gather

        return self.cached("browse-rows", gather)

    def doc_count(self) -> int:
        """Documents in the index."""
        return self.index().doc_count()

    def version(self) -> tuple:
        """What changes with every commit and every swapped-in rebuild (the newest TOC)."""
        self.index()
        return ("whoosh", str(self.index_dir), self._stamp)

    def cached(self, key: str, build):
        """`build(searcher)` computed once per index version."""
        ix = self.index()
        cache = self._cache
        if key not in cache:
            with ix.searcher() as searcher:
                cache[key] = build(searcher)
        return cache[key]

    @contextmanager
    def searcher(self) -> Iterator[Searcher]:
        """A searcher on the current index, kept per thread while the index stays the same.

        Opening a searcher reads the TOC and opens every segment's files: about as long as a
        whole query. Whoosh searchers must not be shared between threads (their file reads
        seek), so each server thread keeps its own and replaces it when the index changes.
        """
        ix = self.index()
        local = self._local
        searcher = getattr(local, "searcher", None)
        if searcher is None or local.ix is not ix:
            fresh = ix.searcher()
            with self._lock:
                if searcher is not None and searcher in self._open:
                    self._open.remove(searcher)  # closed here, not again by close()
                self._open.append(fresh)
            if searcher is not None:
                searcher.close()
            searcher = local.searcher = fresh
            local.ix = ix
        yield searcher

    def close(self) -> None:
        """Close every searcher the threads opened (at shutdown, or after a one-off command)."""
        with self._lock:
            open_searchers, self._open = self._open, []
        for searcher in open_searchers:
            searcher.close()
        self._local = threading.local()


def make_store(config: dict):
    """The store of an app's config: BACKEND "whoosh" (INDEX_DIR) or "typesense" (TYPESENSE)."""
    if config.get("BACKEND", "whoosh") == "typesense":
        from search_app.typesense_search import TypesenseStore

        return TypesenseStore(config["TYPESENSE"])
    return IndexStore(config["INDEX_DIR"])


def current_store() -> IndexStore:
    """The IndexStore of the running Flask app."""
    return current_app.extensions["qsearch_store"]
