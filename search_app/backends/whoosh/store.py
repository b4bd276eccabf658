"""The Whoosh store: one open index per process, reopened when it is rebuilt, and its searches."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Mapping, TypeVar

from whoosh import index as windex
from whoosh.searching import Searcher

from indexer import fields as F
from indexer.backends.whoosh.internals import newest_toc
from indexer.errors import IndexNotFound
from search_app.backends.whoosh.ranking import search, weighting
from search_app.results import DOC_ID, TIME_BUDGET, document_item, read_request, soft_search

T = TypeVar("T")

CHECK_EVERY = 1.0  # seconds between looks at the index directory


class WhooshStore:
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
        toc = newest_toc(self.index_dir)
        if toc is None:
            return None
        st = toc.stat()
        return (toc.name, st.st_ino, st.st_mtime_ns)

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

    def search(self, args: Mapping[str, str], budget: float | None | str = "default") -> dict:
        """The /api/search answer for request-style parameters (BadParameter on bad input);
        `budget`: seconds the search may take (results.TIME_BUDGET by default)."""
        request = read_request(args)
        budget = TIME_BUDGET if budget == "default" else budget
        with self.searcher() as searcher:
            return soft_search(request, lambda r: search(searcher, r, budget), self.cached)

    def document(self, doc_id: str) -> dict | None:
        """A document by id (the /api/documents shape), or None; ids are looked up, never used as paths."""
        if not DOC_ID.match(doc_id or ""):
            return None
        with self.searcher() as searcher:
            stored = searcher.document(**{F.ID_: doc_id})
        return None if stored is None else document_item(stored)

    def stored_documents(self) -> Iterator[dict]:
        """Every document's stored fields (for the browse views: search_app.browse)."""
        with self.searcher() as searcher:
            yield from searcher.all_stored_fields()

    def doc_count(self) -> int:
        """Documents in the index."""
        return self.index().doc_count()

    def version(self) -> tuple:
        """What changes with every commit and every swapped-in rebuild (the newest TOC)."""
        self.index()
        return ("whoosh", str(self.index_dir), self._stamp)

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """`build()` computed once per index version."""
        self.index()
        cache = self._cache
        if key not in cache:
            cache[key] = build()
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
            fresh = ix.searcher(weighting=weighting())
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
