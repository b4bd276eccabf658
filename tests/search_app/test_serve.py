"""The production server, for real on loopback: the API answers, also to unencoded Chinese URLs."""
from __future__ import annotations

import json
import socket
import urllib.parse
import urllib.request


def _raw_get(base: str, target: bytes) -> tuple[int, bytes]:
    """A GET with the request target sent byte for byte, as curl sends an unencoded URL."""
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def test_api_over_http(server: str) -> None:
    url = server + "/api/search?" + urllib.parse.urlencode({"q": "质量月", "per_page": 3})
    with urllib.request.urlopen(url, timeout=10) as response:
        data = json.load(response)
    assert data["total"] > 0 and len(data["results"]) == 3


def test_unencoded_chinese_query_is_answered(server: str) -> None:
    status, body = _raw_get(server, "/api/search?q=质量月".encode("utf-8"))
    assert status == 200
    assert json.loads(body)["query"] == "质量月"


def test_errors_over_http_are_json(server: str) -> None:
    status, body = _raw_get(server, b"/api/search?q=x&page=0")
    assert status == 400 and set(json.loads(body)) == {"error"}
