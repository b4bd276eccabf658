"""One error shape: JSON `{"error": "…"}` for the API, a Chinese page for people."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.errors import IndexNotFound
from search_app.query import BadParameter

_MESSAGES = {404: "找不到这个页面或文档", 405: "不支持这种请求方法", 400: "请求参数有误"}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def _respond(status: int, message: str):
    if _wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    """Register the error handlers."""

    @app.errorhandler(BadParameter)
    def bad_parameter(exc: BadParameter):
        return _respond(400, str(exc))

    @app.errorhandler(IndexNotFound)
    def no_index(exc: IndexNotFound):
        return _respond(503, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return _respond(exc.code or 500, _MESSAGES.get(exc.code or 0, exc.description or "请求出错"))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        app.logger.exception("unexpected error on %s", request.path)
        return _respond(500, "服务器内部错误，请稍后再试")
