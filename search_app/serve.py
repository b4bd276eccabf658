"""`qsearch serve`: the app under gunicorn, one worker process per core.

Gunicorn answers some requests itself, before the app sees them: a request line over
LIMIT_REQUEST_LINE bytes, oversized headers, a malformed request. Those answers are the
app's JSON error shape (`{"error": "…"}`) with the app's security headers instead of
gunicorn's HTML page, and no response names the server software.
"""
from __future__ import annotations

import json
import os
import threading
import time
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
        # Warm up in the worker: open the index, read the facet table (saved in the index by the
        # writer) and load the segmenter's dictionary now, so the first request does not pay for it
        # (0.2 s on the news archive).
        with app.app_context():
            app.extensions["qsearch_store"].search({"q": "质量月"}, budget=None)
        # The organizations and themes of every document (2 s on the news archive) only the browse
        # pages need: gathered in the background once the first requests have had the cores.
        threading.Thread(target=_gather_browse_rows, args=(app,), name="qsearch-warm", daemon=True).start()
        return app


BROWSE_WARM_DELAY = 2.0  # seconds after a worker starts


def _gather_browse_rows(app) -> None:
    """Gather the browse rows of the worker's index (what /organizations and /themes read)."""
    time.sleep(BROWSE_WARM_DELAY)
    try:
        with app.app_context():
            from search_app import browse

            browse.rows(app.extensions["qsearch_store"])
    except Exception:  # noqa: BLE001 - only a warm-up: the first browse request gathers them itself
        app.logger.exception("预先读取机构与主题失败（首次打开机构、主题页时再读取）")


def preload(where: Target) -> None:
    """Load what every worker needs and may share, in the main process before it forks them: the
    store's modules (Whoosh, numpy) and the segmenter's dictionary. Each worker then starts 0.3 s
    sooner. Not the index: its open files must not be shared between processes."""
    from indexer.segment import segmenter
    from search_app.store import load_backend

    load_backend(where.backend)
    segmenter()


def serve(where: Target, host: str, port: int, workers: int | None = None) -> None:
    """Run the production server on the index at `where` until interrupted."""
    workers = workers or os.cpu_count() or 2
    _quiet_server_header()
    preload(where)
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
