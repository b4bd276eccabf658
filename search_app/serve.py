"""`qsearch serve`: the app under gunicorn, one worker process per core.

Gunicorn answers some requests itself, before the app sees them: a request line over
LIMIT_REQUEST_LINE bytes, oversized headers, a malformed request. Those answers are the
app's JSON error shape (`{"error": "…"}`) with the app's security headers instead of
gunicorn's HTML page, and no response names the server software.
"""
from __future__ import annotations

import json
import os
from typing import Any

import gunicorn.http.wsgi
import gunicorn.util
from gunicorn.app.base import BaseApplication

from indexer.backends import Target
from search_app import create_app
from search_app.security import HEADERS

# Gunicorn's largest request line (its default is 4094): a 900-character Chinese query,
# percent-encoded, fits. A longer line gets a 400 {"error": …} from gunicorn.
LIMIT_REQUEST_LINE = 8190
SERVER_NAME = "qsearch"
TYPESENSE_THREADS = 4  # threads per worker on the typesense backend (see serve())

_PROTOCOL_ERRORS = {
    400: "请求格式有误",
    403: "请求被拒绝",
    417: "不支持的 Expect 请求头",
    431: "请求头过大",
    500: "服务器内部错误，请稍后再试",
    501: "不支持的传输编码",
}


def _write_json_error(sock, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn.util.write_error, answering the app's JSON error shape and headers."""
    message = _PROTOCOL_ERRORS.get(status_int, "请求出错")
    if "Request Line is too large" in mesg:
        message = f"请求行过长（上限 {LIMIT_REQUEST_LINE} 字节）：请缩短检索词"
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    head = [f"HTTP/1.1 {status_int} {reason}", "Connection: close", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in HEADERS.items())]
    gunicorn.util.write_nonblock(sock, ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body)


def _quiet_server_header() -> None:
    """No server software banner: gunicorn names itself in every response's Server header."""
    gunicorn.http.wsgi.SERVER = SERVER_NAME
    gunicorn.util.write_error = _write_json_error


class Server(BaseApplication):
    """Gunicorn, configured in code; each worker builds its own app (its own open index)."""

    def __init__(self, where: Target, options: dict[str, Any]) -> None:
        self.where = where
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        _quiet_server_header()
        app = create_app({"INDEX_DIR": str(self.where.index_dir), "BACKEND": self.where.backend,
                          "TYPESENSE": self.where.typesense})
        # Warm up in the worker: open the index, read the facet table and load the dictionary now,
        # so the first request does not pay for it.
        with app.app_context():
            from search_app import browse

            store = app.extensions["qsearch_store"]
            # One search reads the facet table of the index and loads the segmenter's dictionary.
            store.search({"q": "质量月"}, budget=None)
            browse.rows(store)  # organizations and themes of every document (about 1 s on the archive)
        return app


def serve(where: Target, host: str, port: int, workers: int | None = None) -> None:
    """Run the production server on the index at `where` until interrupted."""
    workers = workers or os.cpu_count() or 2
    _quiet_server_header()
    Server(
        where,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            # Whoosh: one thread per worker: queries are CPU-bound Python, and on the archive 4
            # threads per worker served 101 req/s (p95 401 ms) against 128 req/s (p95 255 ms) for 1.
            # Typesense: a worker waits for the cluster about 2/3 of a search, so a few threads
            # overlap those waits. On the archive (30 s loads, unique / Zipf log): 2 threads 80 req/s
            # p95 456 ms / p95 98 ms; 4: 83 req/s p95 345 ms / p95 53 ms; 8: 81 req/s p95 666 ms /
            # p95 125 ms (more threads only queue more searches on the same two cores).
            "threads": TYPESENSE_THREADS if where.backend == "typesense" else 1,
            "timeout": 60,
            "limit_request_line": LIMIT_REQUEST_LINE,
            "accesslog": "-",
            "errorlog": "-",
            "loglevel": "info",
        },
    ).run()
