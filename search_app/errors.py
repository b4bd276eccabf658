"""One error shape: JSON `{"error": "…"}` for the API, a Chinese page for people."""
from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.errors import BackendUnavailable, IndexNotFound
from search_app.query import BadParameter

_MESSAGES = {
    400: "请求参数有误",
    404: "找不到这个页面或文档",
    405: "不支持这种请求方法",
    413: "请求体过大：本服务只接受 GET 请求，不接受请求体",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, message: str, headers: list[tuple[str, str]] | None = None):
    if _wants_json():
        response = make_response(jsonify(error=message), status)
    else:
        response = make_response(render_template("error.html", status=status, message=message), status)
    for name, value in headers or []:
        # Headers the error calls for (Allow on a 405, Retry-After …), never its content type.
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return _respond(400, str(exc))

    @app.errorhandler(IndexNotFound)
    def no_index(exc: IndexNotFound):
        return _respond(503, str(exc))

    @app.errorhandler(BackendUnavailable)
    def engine_unavailable(exc: BackendUnavailable):
        app.logger.warning("backend unavailable: %s", exc)
        return _respond(503, str(exc), [("Retry-After", "5")])

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(
            exc.code or 500, _MESSAGES.get(exc.code or 0, exc.description or "请求出错"), exc.get_headers(),
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return _respond(500, "服务器内部错误，请稍后再试")
