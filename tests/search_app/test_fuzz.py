"""Generated input: schemathesis against the OpenAPI description (the app in process), and
hypothesis properties of the query parser, snippets and the API parameters. Each is bounded
(a fixed number of examples, no deadline) so that the whole file takes a few seconds."""
from __future__ import annotations

import html
import json
import re
import tempfile
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

from conftest import ROOT
from indexer.document import doc_id
from search_app.backends.whoosh.compile import to_whoosh
from search_app.query import MAX_CLAUSES, MAX_PHRASE_WORDS, MAX_VARIANTS, MAX_WORDS, parse_query
from search_app.snippets import match_spans, snippet

# Hypothesis keeps caches in a folder of its own: not in the work tree (no example database is used).
set_hypothesis_home_dir(str(Path(tempfile.gettempdir()) / "qsearch-hypothesis"))
SPEC = ROOT / "search_app" / "data" / "openapi.json"
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
_MARK = re.compile(r"</?mark>")

# Pieces that mean something to the parser, Traditional and Simplified words, and odd characters.
PIECES = [
    "质量", "質量", "质量月", "月", "的", "首席质量官", "培训", "上海", "OR", "AND", "NOT", "or", "-", "--", '"', "“", "”",
    "*", ":", "path:", "id:*", "(", ")", "[", "]", "\\", " ", "  ", "\t", "\n", "\x00", "\ufeff", "\u3000", "&", "<", ">",
    "<mark>", "</mark>", "'", "%", "+", "a", "Z9", "２０２２", "𠀀", "\u200b",
]
query_text = st.one_of(
    st.text(max_size=80),
    st.lists(st.sampled_from(PIECES), max_size=40).map("".join),
    st.lists(st.sampled_from(PIECES), max_size=200).map(" ".join),
)


def _all_clauses(parsed, typed_only: bool = False):
    """Every clause; with `typed_only`, a chunk's other spellings and names left out (issue 21: only
    the chunk as typed counts against the caps, its alternatives are bounded by MAX_VARIANTS)."""
    stack = list(parsed.clauses)
    while stack:
        clause = stack.pop()
        stack += clause.options[:1] if typed_only and clause.unquoted else clause.options
        yield clause


@FAST
@given(query_text)
def test_parser_never_fails_and_keeps_its_caps(text: str) -> None:
    parsed = parse_query(text)
    query = to_whoosh(parsed)  # never raises either
    assert query is not None
    leaves = [c for c in _all_clauses(parsed, typed_only=True) if c.kind != "or"]
    assert len(leaves) <= MAX_CLAUSES
    assert all(len(c.options) <= MAX_VARIANTS for c in _all_clauses(parsed) if c.unquoted)
    assert len({w for c in leaves for w in c.words}) <= MAX_WORDS
    assert all(len(c.words) <= MAX_PHRASE_WORDS for c in leaves if c.kind == "phrase")
    assert all(c.words for c in _all_clauses(parsed) if c.kind != "or")
    for clause in parsed.clauses:
        assert clause.describe()
    assert parsed.is_empty == (not any(not c.negated for c in parsed.clauses))


@FAST
@given(st.text(max_size=300), st.lists(st.sampled_from(["质量", "月", "质量月", "的", "a", "&", "<", "上海", "櫻花卡"]), max_size=4))
def test_marks_stay_in_the_text(text: str, words: list[str]) -> None:
    spans = match_spans(text, words)
    assert all(0 <= start < end <= len(text) for start, end in spans)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:]))  # sorted, apart


@FAST
@given(st.text(max_size=600), st.lists(st.sampled_from(["质量", "月", "质量月", "的", "a", "&", "<", "櫻花卡"]), max_size=4))
def test_snippets_hold_only_mark_markup(text: str, words: list[str]) -> None:
    piece = str(snippet(text, words))
    marks = _MARK.findall(piece)
    assert marks == ["<mark>", "</mark>"] * (len(marks) // 2)  # balanced, never nested
    plain = _MARK.sub("", piece)
    assert "<" not in plain and ">" not in plain
    for part in html.unescape(plain).split("…"):
        assert part in text


API_VALUES = st.one_of(st.none(), st.text(max_size=30), st.sampled_from(["", "0", "1", "-1", "2022", "2020-2022", "101", "10**9", "date", "relevance", "上海", "通知"]))


@settings(FAST, max_examples=80)
@given(
    q=st.one_of(st.none(), query_text), year=API_VALUES, region=API_VALUES, doc_type=API_VALUES, org=API_VALUES,
    campaign=API_VALUES, sort=API_VALUES, page=API_VALUES, per_page=API_VALUES,
)
def test_search_parameters_never_break_the_api(app, **params) -> None:
    client = app.test_client()
    args = {k: v for k, v in params.items() if v is not None}
    response = client.get("/api/search", query_string=args)
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    data = response.get_json()
    if response.status_code == 400:
        assert set(data) == {"error"} and data["error"]
        return
    assert data["total"] >= len(data["results"]) and isinstance(data["partial"], bool)
    for item in data["results"]:
        for field in ("snippet", "title_html"):
            assert "<" not in _MARK.sub("", item[field])
    page = client.get("/", query_string=args)
    assert page.status_code in (200, 400)
    text = page.get_data(as_text=True)
    assert "<script" not in text and "<mark " not in text


@FAST
@given(q=query_text)
def test_document_page_marks_only_with_mark(app, q: str) -> None:
    client = app.test_client()
    response = client.get(f"/documents/{doc_id('fixtures/hostile.html')}", query_string={"q": q})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    fulltext = page[page.index('<div class="fulltext">'):page.index("</article>")]
    assert set(re.findall(r"<\s*/?\s*([a-zA-Z]+)", fulltext)) <= {"div", "p", "mark", "a"}
    assert not re.search(r"<mark\s", page)


# The description the app serves at /api/openapi.json; each case is sent to the Flask app in
# process, over the sample index.
schema = schemathesis.openapi.from_path(SPEC)


def test_the_served_description_is_the_file(app) -> None:
    assert app.test_client().get("/api/openapi.json").get_json() == json.loads(SPEC.read_text("utf-8"))


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_api_conforms_to_its_openapi_description(case, app) -> None:
    """No 5xx, and every response (status, content type, headers, body) is the one described."""
    response = case.call_and_validate(app=app)
    assert response.status_code < 500
