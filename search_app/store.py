"""The read-side seam: what the web app asks of an index, and the one function that makes a store.

The views (search_app.api, search_app.pages), the CLI and search_app.browse talk to a Store only;
a Store is made for an index Target (indexer.backends) by `make_store`:
search_app.backends.whoosh.store.WhooshStore for an index folder, search_app.backends.typesense.
store.TypesenseStore for a Typesense cluster.
"""
from __future__ import annotations

from typing import Callable, Iterator, Mapping, Protocol, TypeVar

from flask import current_app

from indexer.backends import Target

T = TypeVar("T")


class Store(Protocol):
    """An open index, whatever engine holds it."""

    backend: str  # "whoosh" or "typesense" (shown by /healthz)
    # True when a partial answer comes from fixed caps (the same on every try, so it may be
    # kept by the response cache); False when a time budget cut it short.
    partial_is_final: bool

    def search(self, args: Mapping[str, str], budget: float | None | str = "default") -> dict:
        """The /api/search answer for request-style parameters (BadParameter on bad input)."""

    def document(self, doc_id: str) -> dict | None:
        """A document by id in the /api/documents shape, or None."""

    def stored_documents(self) -> Iterator[dict]:
        """Every document's stored fields, in the Whoosh index's shape (for the browse views)."""

    def doc_count(self) -> int:
        """Documents in the index."""

    def version(self) -> tuple:
        """What changes with every write that readers must see (answers are cached per version)."""

    def cached(self, key: str, build: Callable[[], T]) -> T:
        """`build()` computed once per index version."""

    def close(self) -> None:
        """Let go of files and connections."""


def load_backend(backend: str) -> None:
    """Import a backend's store module (and what it needs: Whoosh, numpy …) without opening anything:
    a server's main process does it before forking its workers, so that each starts with it."""
    if backend == "typesense":
        import search_app.backends.typesense.store  # noqa: F401
    else:
        import search_app.backends.whoosh.store  # noqa: F401


def make_store(where: Target) -> Store:
    """The store that reads the index at `where`."""
    if where.backend == "typesense":
        from search_app.backends.typesense.store import TypesenseStore

        return TypesenseStore(where.typesense)
    from search_app.backends.whoosh.store import WhooshStore

    return WhooshStore(where.index_dir)


def current_store() -> Store:
    """The store of the running Flask app."""
    return current_app.extensions["qsearch_store"]
