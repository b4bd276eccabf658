"""What every request and response goes through: UTF-8 query strings, a body limit, and the
security headers of every reply (pages, API, static files and errors alike)."""
from __future__ import annotations

from urllib.parse import unquote_to_bytes, urlsplit, urlunsplit

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

from search_app.query import BadParameter

MAX_CONTENT_LENGTH = 64 * 1024  # no route reads a body: every one is a GET
# No script at all, styles only from /static, nothing may frame the pages.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
NOT_UTF8 = "查询参数不是有效的 UTF-8 编码：请用 UTF-8 对网址中的中文编码（如 q=%E8%B4%A8%E9%87%8F）"


def query_string_is_utf8(raw: bytes) -> bool:
    """True when the query string, raw and after percent-decoding, is UTF-8."""
    try:
        raw.decode("utf-8")
        unquote_to_bytes(raw.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def init_app(app: Flask) -> None:
    """Register the request checks and the response headers."""
    # Werkzeug would answer `/static//x` with a 308 to an absolute URL built from the request's
    # Host header; a doubled slash is simply not one of our paths (404).
    app.url_map.merge_slashes = False

    @app.before_request
    def check_request() -> None:
        # Werkzeug decodes the query string as strict UTF-8 and would fail with a 500;
        # percent-encoded GBK would silently become a search for "%D6%CA".
        try:
            raw = request.query_string
        except UnicodeEncodeError:  # not a WSGI (latin-1) string: not from a real client
            raw = b"\xff"
        if raw and not query_string_is_utf8(raw):
            raise BadParameter(NOT_UTF8)
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.after_request
    def security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        location = response.headers.get("Location")
        if location:
            # A redirect never names a host: whatever the request's Host header said stays out of it.
            parts = urlsplit(location)
            if parts.scheme or parts.netloc:
                response.headers["Location"] = urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))
        return response
