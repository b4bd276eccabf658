"""Hostile input, for real: bytes that are not UTF-8, long request lines, queries that would
cost seconds, header and traversal probes, reflected markup, and the spec agreeing with the
code. HTTP-level tests go to the real gunicorn (`server` fixture) over raw sockets."""
from __future__ import annotations

import json
import re
import socket
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT
from indexer.document import doc_id
from indexer.normalize import fold
from indexer.segment import analyze
from search_app import create_app
from search_app.query import MAX_CLAUSES, MAX_PHRASE_WORDS, MAX_WORDS, YEAR_PATTERN, parse_query
from search_app.serve import LIMIT_REQUEST_LINE
from search_app.snippets import SNIPPET_SCAN_CHARS, match_spans, snippet

TEMPLATES = ROOT / "search_app" / "templates"
SEED = "001_d323e32c5bf0f654.txt"
GBK_QUALITY = "质量".encode("gbk")  # b"\xd6\xca\xc1\xbf"
API_ROUTES = ["/api/search", "/api/organizations", "/api/organizations.csv", "/api/themes", "/healthz", "/api/openapi.json"]
PAGE_ROUTES = ["/", "/organizations", "/themes"]
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
}


def _raw(base: str, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` byte for byte; (status, headers with lower-case names, body)."""
    parts = urllib.parse.urlsplit(base)
    with socket.create_connection((parts.hostname, parts.port), timeout=15) as conn:
        conn.sendall(request)
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ", 2)[1]), headers, body


def _get(base: str, target: bytes, extra: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    return _raw(base, b"GET " + target + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + extra + b"\r\n")


def _json_error(status: int, headers: dict[str, str], body: bytes, expected: int = 400) -> None:
    assert status == expected, body[:300]
    assert headers["content-type"].startswith("application/json")
    data = json.loads(body)
    assert set(data) == {"error"} and data["error"]


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


# 1. Query strings that are not UTF-8 ------------------------------------------------------


@pytest.mark.parametrize("raw", [b"q=\xff\xfe", b"q=" + GBK_QUALITY, b"q=%D6%CA%C1%BF", b"q=%FF", b"year=2022&region=" + GBK_QUALITY])
@pytest.mark.parametrize("route", API_ROUTES + [f"/api/documents/{doc_id(SEED)}"])
def test_non_utf8_query_string_is_a_json_400_on_the_api(client, route: str, raw: bytes) -> None:
    response = client.get(route, environ_overrides={"QUERY_STRING": raw.decode("latin-1")})
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"} and "UTF-8" in response.get_json()["error"]


@pytest.mark.parametrize("raw", [b"q=\xff\xfe", b"q=" + GBK_QUALITY, b"q=%D6%CA%C1%BF"])
@pytest.mark.parametrize("route", PAGE_ROUTES + [f"/documents/{doc_id(SEED)}"])
def test_non_utf8_query_string_is_a_400_page(client, route: str, raw: bytes) -> None:
    response = client.get(route, environ_overrides={"QUERY_STRING": raw.decode("latin-1")})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert "UTF-8" in response.get_data(as_text=True)


def test_non_utf8_over_http(server: str) -> None:
    _json_error(*_get(server, b"/api/search?q=\xff\xfe"))
    _json_error(*_get(server, b"/api/search?q=" + GBK_QUALITY))
    _json_error(*_get(server, b"/healthz?x=\xc0\xaf"))
    status, headers, body = _get(server, b"/?q=" + GBK_QUALITY)
    assert status == 400 and headers["content-type"].startswith("text/html") and "UTF-8" in body.decode("utf-8")
    status, _, body = _get(server, "/api/search?q=质量月".encode("utf-8"))  # raw UTF-8 stays fine
    assert status == 200 and json.loads(body)["total"] > 0


def test_non_utf8_path_is_no_server_error(server: str) -> None:
    for target in (b"/documents/\xff\xfe", b"/api/documents/\xd6\xca", b"/static/\xff.css", b"/\xff"):
        status, _, _ = _get(server, target)
        assert status in (400, 404), target


# 2. Long request lines and long queries ---------------------------------------------------


def _seed_text(client) -> str:
    return client.get(f"/api/documents/{doc_id(SEED)}").get_json()["text"]


def test_a_452_character_chinese_query_over_http(server: str, client) -> None:
    text = re.sub(r"[^\u4e00-\u9fff]", "", _seed_text(client))  # Chinese only: 9 bytes a character
    query = text[100:552]
    assert len(query) == 452
    target = ("/api/search?" + urllib.parse.urlencode({"q": query})).encode("ascii")
    assert len(b"GET " + target + b" HTTP/1.1") > 4094  # over gunicorn's default limit
    status, headers, body = _get(server, target)
    assert status == 200, body[:200]
    data = json.loads(body)
    assert data["understood"]["truncated"] and len(data["understood"]["clauses"]) >= 1
    assert SEED in [r["path"] for r in data["results"]]


def test_a_request_line_over_the_limit_is_a_json_400(server: str) -> None:
    target = ("/api/search?" + urllib.parse.urlencode({"q": "质" * 1000})).encode("ascii")
    assert len(target) > LIMIT_REQUEST_LINE
    status, headers, body = _get(server, target)
    _json_error(status, headers, body)
    assert "8190" in json.loads(body)["error"]
    assert headers["x-content-type-options"] == "nosniff" and "frame-ancestors 'none'" in headers["content-security-policy"]
    assert "gunicorn" not in (headers.get("server", "") + body.decode("utf-8")).lower()


def test_long_queries_never_match_everything(client) -> None:
    everything = client.get("/healthz").get_json()["documents"]
    for query in ("的" * 80, "首席质量官 " * 200, " ".join(f"w{n}" for n in range(100)), _seed_text(client)[:1500]):
        parsed = parse_query(query)
        assert parsed.clauses and not parsed.is_empty, query[:20]
        data = _search(client, q=query)
        assert data["total"] < everything, query[:20]
    # A long text is the AND of its first MAX_WORDS distinct words: the seed still matches.
    data = _search(client, q=_seed_text(client)[:1500], per_page=50)
    assert data["understood"]["truncated"] and SEED in [r["path"] for r in data["results"]]


def test_word_and_clause_caps() -> None:
    words = [f"w{n}" for n in range(70)]
    parsed = parse_query(" ".join(words))
    kept = [w for c in parsed.clauses for w in c.words]
    assert parsed.truncated and len(kept) == MAX_WORDS
    assert kept == words[:MAX_WORDS]  # the first ones
    ors = parse_query(" OR ".join(words[:51]))
    assert ors.truncated and len(ors.clauses) == 1 and len(ors.clauses[0].options) == MAX_CLAUSES
    phrase = parse_query('"' + "的" * 60 + '"')
    assert phrase.truncated and phrase.clauses[0].kind == "phrase" and len(phrase.clauses[0].words) == MAX_PHRASE_WORDS
    # A shortened phrase leaves the rest of the query as it is.
    assert [c.describe() for c in parse_query('"' + "的" * 60 + '" OR 质量 培训').clauses] == ["“" + "的" * 16 + "” 或 质量", "培训"]
    many = parse_query(" ".join(f'"质量{n}"' for n in range(40)))
    assert many.truncated and len(many.clauses) <= MAX_CLAUSES
    # Negations are fitted after the positive words, so they cannot push them out.
    parsed = parse_query(" ".join(f"-w{n}" for n in range(30)) + " 质量")
    assert [c.words for c in parsed.clauses if not c.negated] == [["质量"]]


def test_repetition_collapses() -> None:
    assert [c.describe() for c in parse_query(" ".join(["的"] * 25)).clauses] == ["的"]
    assert [c.describe() for c in parse_query("的" * 80).clauses] == ["的"]
    assert not parse_query("的" * 80).truncated
    assert [c.describe() for c in parse_query("的 OR 是 OR 在 OR 的 OR 是").clauses] == ["的 或 是 或 在"]
    assert [c.describe() for c in parse_query("质量 -空气 -空气 NOT 空气").clauses] == ["质量", "不含 空气"]
    # -"…" negates the whole phrase, as NOT "…" does (it used to negate the first word only).
    assert [c.describe() for c in parse_query('质量 -"质量 提升"').clauses] == [c.describe() for c in parse_query('质量 NOT "质量 提升"').clauses]
    assert [(c.kind, c.negated) for c in parse_query('质量 -“质量 提升”').clauses] == [("words", False), ("phrase", True)]
    # A and (A or B) is A, and (A or B) and A.
    assert [c.describe() for c in parse_query("质量 质量 OR 品牌").clauses] == ["质量"]
    assert [c.describe() for c in parse_query("质量 OR 品牌 质量").clauses] == ["质量"]
    assert [c.describe() for c in parse_query("质量 OR 品牌 培训 质量").clauses] == ["质量", "培训"]
    # The word that stands for the OR takes its place: the caps, keeping the first clauses, keep it.
    long = parse_query("质量 OR 品牌 " + " ".join(f"词{n}" for n in range(MAX_CLAUSES + 2)) + " 质量")
    assert long.truncated and long.clauses[0].describe() == "质量"
    assert [c.describe() for c in parse_query("质量 OR 品牌 -质量").clauses] == ["质量 或 品牌", "不含 质量"]


@pytest.mark.parametrize("pieces", [
    ("质量 OR 品牌", "质量"), ("质量", "质量 OR 品牌"), ("品牌 OR 质量月", "-品牌", "-品牌"), ("质量月", "质量月", "培训"),
    ('"推动质量变革创新"', '"推动质量变革创新"'), ("质量", "-空气", "-空气"),
])
def test_collapsing_keeps_the_results(app, pieces: tuple[str, ...]) -> None:
    """Collapsed repetition finds exactly the documents the query as typed finds: the query as parsed
    against the clauses of its pieces searched one after another, uncollapsed."""
    from search_app.backends.whoosh.ranking import search
    from search_app.query import ParsedQuery
    from search_app.results import Paging, SearchRequest

    collapsed = parse_query(" ".join(pieces))
    typed = ParsedQuery(" ".join(pieces), [c for piece in pieces for c in parse_query(piece).clauses])
    assert len(collapsed.clauses) < len(typed.clauses)  # something was collapsed
    with app.extensions["qsearch_store"].searcher() as searcher:
        found = [search(searcher, SearchRequest(q, paging=Paging(1, 100)), None) for q in (collapsed, typed)]
    assert found[0]["total"] == found[1]["total"] > 0
    assert {r["id"] for r in found[0]["results"]} == {r["id"] for r in found[1]["results"]}


def test_negation_only_lists_documents_without_the_word(client) -> None:
    everything = client.get("/healthz").get_json()["documents"]
    with_word = _search(client, q="上海", per_page=100)["total"]
    data = _search(client, q="NOT 上海", per_page=100)
    assert data["understood"]["negation_only"] and data["total"] == everything - with_word
    assert all(r["score"] is None for r in data["results"])
    dates = [r["date"] for r in data["results"] if r["date"]]
    assert dates == sorted(dates, reverse=True)
    assert _search(client, q="-上海")["total"] == data["total"]
    page = client.get("/", query_string={"q": "NOT 上海"}).get_data(as_text=True)
    assert "只有排除条件" in page


def test_search_answers_carry_partial(client) -> None:
    data = _search(client, q="质量")
    assert data["partial"] is False and data["total_exact"] is True


@pytest.fixture(scope="module")
def hurried_client(sample_index: Path):
    """The app with no time budget at all: every search that has work left is cut short."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index), "SEARCH_TIME_BUDGET": 0.0, "HIGHLIGHT_CHARS": 40})
    yield app.test_client()
    app.extensions["qsearch_store"].close()


def test_a_search_cut_short_is_marked_partial(hurried_client, tmp_path: Path) -> None:
    """Once the budget is spent, a phrase whose words' positions are not decoded yet (and are more
    than postings.SMALL_POSITIONS documents) is checked document by document while time lasts."""
    from indexer.backends.whoosh.writer import build_index
    from search_app.backends.whoosh.doctable import CACHE
    from search_app.backends.whoosh.postings import ARRAYS

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for n in range(300):
        # Every page has both words; one in three has them side by side.
        body = "质量工作要抓好。" if n % 3 == 0 else "质量要抓，工作要做。"
        (corpus / f"{n:03d}.txt").write_text(f"第{n}号通知\n\n{body}各单位认真落实。", encoding="utf-8")
    build_index(corpus, tmp_path / "index")
    patient = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")})
    hurried = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index"), "SEARCH_TIME_BUDGET": 0.0})
    try:
        full = _search(patient.test_client(), q='"质量 工作"', per_page=1)
        ARRAYS.clear_terms()  # cold again: positions the patient search decoded would be used for free
        CACHE.clear_terms()  # and the phrase's documents it found
        data = _search(hurried.test_client(), q='"质量 工作"', per_page=1)
        assert full["total"] == 100 and full["partial"] is False
        assert data["partial"] is True and data["total_exact"] is False
        assert 0 < data["total"] < full["total"]  # only documents checked in time, never a wrong one
        assert len(data["results"]) == 1  # a partial answer still fills its page
        page = hurried.test_client().get("/", query_string={"q": '"质量 工作"', "per_page": "1"}).get_data(as_text=True)
        assert 'class="notice partial' in page and "部分文档" in page
    finally:
        for app in (patient, hurried):
            app.extensions["qsearch_store"].close()
    assert _search(hurried_client, q="瑞金医院")["partial"] is False  # too little work to cut
    assert _search(hurried_client, q="质量", per_page=1)["partial"] is False  # ranked by the arrays, not cut


def test_document_page_marks_a_bounded_prefix(client, hurried_client) -> None:
    """HIGHLIGHT_CHARS bounds the marking work on a document's page (40 characters here)."""
    ident = doc_id("fixtures/chrome_heavy.html")
    full = client.get(f"/documents/{ident}", query_string={"q": "质量月"}).get_data(as_text=True)
    short = hurried_client.get(f"/documents/{ident}", query_string={"q": "质量月"}).get_data(as_text=True)
    body = lambda page: page[page.index('<div class="fulltext">'):]  # noqa: E731
    assert body(full).count("<mark>") > body(short).count("<mark>")
    assert "只在前 40 字中标出检索词" in short and "标出检索词" not in full
    strip = lambda page: re.sub(r"</?mark>", "", body(page))  # noqa: E731
    assert strip(full) == strip(short)  # the same text, fewer marks


def test_document_page_shows_a_bounded_prefix(sample_index: Path) -> None:
    """DOCUMENT_PAGE_CHARS bounds the text a document's page shows; the API keeps it whole."""
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index), "DOCUMENT_PAGE_CHARS": 120})
    client = app.test_client()
    ident = doc_id(SEED)
    page = client.get(f"/documents/{ident}", query_string={"q": "质量"}).get_data(as_text=True)
    fulltext = page[page.index('<div class="fulltext">'):page.index("</div>", page.index('<div class="fulltext">'))]
    shown = re.sub(r"<[^>]+>|\s", "", fulltext)
    assert 0 < len(shown) <= 120 and "页面只显示前 120 字" in page and f"/api/documents/{ident}" in page
    assert len(client.get(f"/api/documents/{ident}").get_json()["text"]) > 1000
    app.extensions["qsearch_store"].close()


def test_snippet_of_a_huge_document_is_bounded() -> None:
    text = "前言。" + "没有标点的很长一句话" * 50_000 + "质量月活动。" + "结尾。" * 1000
    piece = snippet(text, ["质量月"])
    assert len(re.sub(r"</?mark>", "", str(piece))) <= 170
    # Past SNIPPET_SCAN_CHARS a document is not read for snippets: the opening is shown.
    assert len(text) > SNIPPET_SCAN_CHARS and str(piece).startswith("前言") and str(piece).endswith("…")
    # One sentence of 90,000 characters: only a window around the word is analyzed.
    marked = str(snippet("甲" * 50_000 + "质量月" + "乙" * 40_000, ["质量月"]))
    assert "<mark>质量月</mark>" in marked and len(re.sub(r"</?mark>", "", marked)) <= 170


def test_snippet_pieces_are_analyzed_on_the_documents_fold() -> None:
    """A sentence or window is analyzed on its part of the document's fold (folded once per snippet):
    what folding it alone gives, or better where it cuts a phrase OpenCC reads whole (什么: 么 alone
    folds to 幺)."""
    text = "國際人士說：這是為什麼質量月活動受到重視。" * 3
    assert match_spans(text, ["质量月"], fold(text)) == match_spans(text, ["质量月"])
    piece = "为什么质量月活动受到重视"[2:]  # a window that starts inside 什么
    assert [t.text for t in analyze(piece, folded=fold("为什么质量月活动受到重视")[2:])][0] == "么"
    assert [t.text for t in analyze(piece)][0] == "幺"


# 4. Headers, traversal, body limit ---------------------------------------------------------


def _check_headers(headers) -> None:
    get = {k.lower(): v for k, v in headers.items()}.get
    csp = get("content-security-policy") or ""
    assert "frame-ancestors 'none'" in csp and "default-src 'none'" in csp and "script-src" not in csp
    for name, value in SECURITY_HEADERS.items():
        assert get(name) == value, name


@pytest.mark.parametrize("url", [
    "/", "/?q=质量月", f"/documents/{doc_id(SEED)}?q=质量", "/organizations", "/themes", "/static/style.css",
    "/api/search?q=质量", "/api/organizations", "/api/organizations.csv", "/api/themes", "/healthz", "/api/openapi.json",
    "/nowhere", "/api/nowhere", "/api/search?page=0", "/?year=明年", f"/api/documents/{doc_id(SEED)}",
])
def test_security_headers_on_every_reply(client, url: str) -> None:
    with client.get(url) as response:
        _check_headers(response.headers)


def test_security_headers_and_no_banner_over_http(server: str) -> None:
    for target in (b"/", b"/api/search?q=x", b"/static/style.css", b"/nowhere", b"/api/search?page=0"):
        status, headers, _ = _get(server, target)
        _check_headers(headers)
        assert "gunicorn" not in headers.get("server", "").lower() and not re.search(r"\d", headers.get("server", ""))


def test_templates_have_no_inline_script_or_style() -> None:
    for template in TEMPLATES.glob("*.html"):
        html = template.read_text("utf-8")
        assert not re.search(r"<script|<style|\sstyle=|\son[a-z]+=|javascript:", html, re.I), template.name


@pytest.mark.parametrize("target", [
    b"/static/../setup.cfg", b"/static/../../setup.cfg", b"/static/%2e%2e/setup.cfg", b"/static/%2e%2e%2fsetup.cfg",
    b"/static/..%2f..%2fsetup.cfg", b"/static/%2E%2E%2F%2E%2E%2Fsetup.cfg", b"/static/..\\..\\setup.cfg",
    b"/static/%252e%252e/setup.cfg", b"/static//etc/passwd", b"/static/%2fetc%2fpasswd", b"/static/../search_app/__init__.py",
    b"/static/style.css/../../__init__.py", b"/static/%c0%ae%c0%ae/setup.cfg",
])
def test_static_files_stay_in_their_folder(server: str, target: bytes) -> None:
    status, headers, body = _get(server, target)
    assert status in (400, 404), (target, status)
    assert b"[metadata]" not in body and b"root:" not in body and b"create_app" not in body


@pytest.mark.parametrize("target", [b"/static//x", b"/static//style.css", b"//api/search?q=x", b"/api//search", b"//"])
def test_doubled_slashes_are_not_redirected_to_the_requests_host(server: str, target: bytes) -> None:
    """Werkzeug would answer these with a 308 to an absolute URL made of the Host header: they are
    not our paths (404), or gunicorn reads them as a path it knows; never a redirect."""
    status, headers, _ = _get(server, target, b"X-Forwarded-Host: evil.example\r\n")
    assert status in (200, 404) and "location" not in headers, (target, status, headers)
    if target.startswith(b"/static/"):
        assert status == 404
    raw = _raw(server, b"GET " + target + b" HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n")
    assert raw[0] == status and "location" not in raw[1]


def test_a_redirect_never_names_a_host(app) -> None:
    """Any redirect the app gives keeps only its path: a Location is relative."""
    from flask import redirect

    with app.test_request_context("/", headers={"Host": "evil.example"}):
        response = app.process_response(redirect("http://evil.example/?q=1"))
    assert response.headers["Location"] == "/?q=1"


def test_static_files_are_served(server: str) -> None:
    status, headers, body = _get(server, b"/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and b"mark" in body


def test_request_bodies_are_limited(client, server: str) -> None:
    response = client.get("/api/search", data=b"x" * (1024 * 1024))
    assert response.status_code == 413 and set(response.get_json()) == {"error"}
    body = b"x" * (256 * 1024)
    status, headers, reply = _raw(server, (
        b"POST /api/search HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: text/plain\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    ))
    _json_error(status, headers, reply, 413)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
@pytest.mark.parametrize("url", ["/api/search", "/", f"/documents/{doc_id(SEED)}", "/api/organizations.csv"])
def test_405_says_what_is_allowed(client, method: str, url: str) -> None:
    response = client.open(url, method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "HEAD"}
    if url.startswith("/api/"):
        assert set(response.get_json()) == {"error"}
    _check_headers(response.headers)


# 5. Nothing from the query is reflected as markup ------------------------------------------

PAYLOADS = [
    "<mark>质量</mark>", "<script>alert(1)</script>质量", '"><img src=x onerror=alert(1)>质量', "</p><b>质量</b>",
    "<mark onclick=alert(1)>质量</mark>", "javascript:alert(1) 质量", "&lt;b&gt;质量", "质量\u2028<svg/onload=alert(1)>",
]
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")


def _user_markup(html: str) -> list[str]:
    """Tags in the results or the document text other than the app's own <p>, <mark>, <li>…"""
    bad = []
    for m in _TAG.finditer(html):
        if m.group(2).lower() == "mark" and m.group(3):
            bad.append(m.group(0))  # a <mark> with attributes is never the app's
        if m.group(2).lower() in ("script", "img", "svg", "b", "iframe"):
            bad.append(m.group(0))
    return bad


@pytest.mark.parametrize("payload", PAYLOADS)
def test_document_page_never_reflects_q(client, payload: str) -> None:
    ident = doc_id(SEED)
    page = client.get(f"/documents/{ident}", query_string={"q": payload}).get_data(as_text=True)
    assert not _user_markup(page), _user_markup(page)
    assert "<mark onclick" not in page and "<img" not in page and "<svg" not in page
    fulltext = page[page.index('<div class="fulltext">'):page.index("</article>")]
    assert set(re.findall(r"</?([a-z]+)", fulltext)) <= {"div", "p", "mark"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_search_page_and_api_never_reflect_q(client, payload: str) -> None:
    page = client.get("/", query_string={"q": payload}).get_data(as_text=True)
    assert not _user_markup(page) and "<img" not in page and "<mark onclick" not in page
    for item in _search(client, q=payload, per_page=50)["results"]:
        for field in ("snippet", "title_html"):
            assert re.sub(r"</?mark>", "", item[field]).count("<") == 0, item[field]


@pytest.mark.parametrize("query", ["path:*", "content_hash:*", "id:*", "title:质量", "year:2022", "path:001_d323e32c5bf0f654.txt"])
def test_field_syntax_is_plain_text(client, query: str) -> None:
    everything = client.get("/healthz").get_json()["documents"]
    data = _search(client, q=query)
    assert data["total"] < everything
    assert all(":" not in clause for clause in data["understood"]["clauses"])
    # Only punctuation (`*:*`) has no word to search for: it is the empty query, not syntax.
    assert _search(client, q="*:*")["understood"]["clauses"] == [] and _search(client, q="*:*")["total"] == _search(client)["total"]


# 6. The spec and the code agree -------------------------------------------------------------


@pytest.fixture(scope="module")
def spec(sample_index: Path) -> dict:
    app = create_app({"TESTING": True, "INDEX_DIR": str(sample_index)})
    return app.test_client().get("/api/openapi.json").get_json()


def _year_allows(spec: dict, path: str, value: str) -> bool:
    param = next(p for p in spec["paths"][path]["get"]["parameters"] if p["name"] == "year")
    assert param["schema"]["pattern"] == YEAR_PATTERN  # the code's own pattern
    return bool(re.fullmatch(param["schema"]["pattern"], value))


@pytest.mark.parametrize("path", ["/api/search", "/api/organizations", "/api/organizations.csv", "/api/themes"])
@pytest.mark.parametrize("year", [
    "", " ", "2022", "2020-2022", "2022-2020", "2020 至 2022", "1900", "2099", " 2022 ", "0000", "9999", "1899", "2100",
    "2022-", "20222", "2022\n", "\x852022", "２０２２", "20２２",
])
def test_year_pattern_and_code_agree(client, spec: dict, path: str, year: str) -> None:
    """Empty means no filter (the spec allows it); 0000 matches neither (the code refuses it)."""
    allowed = _year_allows(spec, path, year)
    with client.get(path, query_string={"year": year}) as response:
        assert response.status_code == (200 if allowed else 400), (path, year)
    assert allowed == (year.strip(" ") in ("", "2022", "2020-2022", "2022-2020", "2020 至 2022", "1900", "2099"))


def test_the_spec_describes_every_api_route_and_error(client, spec: dict) -> None:
    app = client.application
    routes = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule).replace("{doc_id}", "{id}") for r in app.url_map.iter_rules()}
    api_routes = {r for r in routes if r.startswith("/api/") or r == "/healthz"}
    assert api_routes == set(spec["paths"])
    for path, item in spec["paths"].items():
        responses = item["get"]["responses"]
        assert "400" in responses, path
        if path != "/api/openapi.json":
            assert "503" in responses and "200" in responses, path
    assert "partial" in spec["components"]["schemas"]["SearchResponse"]["required"]


def test_no_index_is_a_503_everywhere_the_spec_says(tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "missing")})
    client = app.test_client()
    spec = client.get("/api/openapi.json").get_json()
    for path, item in spec["paths"].items():
        if "503" in item["get"]["responses"]:
            url = path.replace("{id}", doc_id(SEED)).replace("{name}", "质量月").replace("{year}", "2022")
            response = client.get(url)
            assert response.status_code == 503, path
            assert set(response.get_json()) == {"error"}
