"""Answers kept per index version: a bounded LRU of whole responses, with ETag revalidation.

A GET's answer depends only on the index version and the request (path and parameters), so
each worker keeps the last answers it gave, keyed by both, and a repeated request costs a
lookup instead of a search. Every cached view's answer carries an `ETag` (a hash of its body)
and `Cache-Control: no-cache`: browsers and proxies may keep it but must ask again, and an
`If-None-Match` that still matches gets an empty 304. A new commit or a swapped-in rebuild
changes the version, so no answer of an older index is ever served.

Not kept: errors, answers a time budget cut short (`partial` from the Whoosh store; a Typesense
answer is partial only through fixed caps, the same on every try, and is kept), and bodies
over MAX_BODY.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from functools import wraps
from typing import Callable

from flask import current_app, g, request

MAX_BODY = 2 * 1024 * 1024  # bytes: a whole long document is not worth a cache slot
DEFAULT_ENTRIES = 4096
DEFAULT_BYTES = 64 * 1024 * 1024  # per worker process


class ResponseCache:
    """A thread-safe LRU of (status, headers, body) bounded by entries and by bytes."""

    def __init__(self, entries: int = DEFAULT_ENTRIES, max_bytes: int = DEFAULT_BYTES) -> None:
        self.entries, self.max_bytes = entries, max_bytes
        self._data: OrderedDict[tuple, tuple[bytes, list, str]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> tuple[bytes, list, str] | None:
        """(body, headers, etag) of a kept answer, marked most recently used; None when absent."""
        with self._lock:
            found = self._data.get(key)
            if found is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, body: bytes, headers: list, etag: str) -> None:
        """Keep an answer, dropping the least recently used ones beyond the bounds."""
        if self.entries <= 0 or len(body) > min(MAX_BODY, self.max_bytes):
            return
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._data[key] = (body, headers, etag)
            self._bytes += len(body)
            while len(self._data) > self.entries or self._bytes > self.max_bytes:
                _, (dropped, _, _) = self._data.popitem(last=False)
                self._bytes -= len(dropped)

    def __len__(self) -> int:
        return len(self._data)


def etag_of(body: bytes) -> str:
    """A strong ETag for a body (unquoted)."""
    return hashlib.blake2b(body, digest_size=12).hexdigest()


def _tag(response, etag: str, state: str | None = None) -> None:
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    if state:
        response.headers["X-Cache"] = state


def init_app(app) -> None:
    """Give the app its cache (RESPONSE_CACHE_ENTRIES answers, 0 for none)."""
    app.extensions["qsearch_cache"] = ResponseCache(app.config["RESPONSE_CACHE_ENTRIES"], app.config["RESPONSE_CACHE_BYTES"])


def uncacheable() -> None:
    """Mark the answer being made as not to be kept (a search the time budget cut short)."""
    g.qsearch_no_cache = True


def _not_modified(etag: str):
    response = current_app.response_class(status=304)
    _tag(response, etag)
    return response


def cached(view: Callable) -> Callable:
    """Serve a GET view's answer from the cache when the index version and the request are the same."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        from search_app.store import current_store

        cache: ResponseCache = current_app.extensions["qsearch_cache"]
        key = (current_store().version(), request.path, tuple(sorted(request.args.items(multi=True))))
        found = cache.get(key)
        if found is not None:
            body, headers, etag = found
            if request.if_none_match.contains(etag):
                return _not_modified(etag)
            response = current_app.response_class(body, headers=headers)
            _tag(response, etag, "hit")
            return response
        response = current_app.make_response(view(*args, **kwargs))
        if response.status_code != 200 or response.direct_passthrough:
            return response
        body = response.get_data()
        etag = etag_of(body)
        # The view's own headers (type, a CSV's file name); the security headers come after.
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        _tag(response, etag, "miss")
        if not g.pop("qsearch_no_cache", False):
            cache.put(key, body, headers, etag)
        if request.if_none_match.contains(etag):
            return _not_modified(etag)
        return response

    return wrapper
