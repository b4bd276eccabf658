"""Search through the Flask test client: ranking, phrases, filters, facets, snippets, errors.

Every test runs on both backends: the embedded Whoosh index and a Typesense node fed the
same analyzed documents (the `app` fixture below)."""
from __future__ import annotations

import pytest

from indexer.document import doc_id

# Queries chosen from the seeds, each with the one seed that obviously answers it.
RANKING = [
    ("沪质办〔2022〕5号", "001_d323e32c5bf0f654.txt"),
    ("群众性质量管理活动", "004_fb5c211a9a1c32cf.txt"),
    ("宝山 樱花卡", "000_0bce4af3382c1576.txt"),
    ("自贸区 升旗仪式", "003_b1e6235fe70e8a2b.txt"),
    ("河北 质量强省", "002_2bb829a5f8e33f8c.txt"),
    ("瑞金医院", "001_d323e32c5bf0f654.txt"),
    ("申通地铁 奋进高质量", "000_0bce4af3382c1576.txt"),
    ("浙江质量在线", "002_2bb829a5f8e33f8c.txt"),
    ("周秀慧", "004_fb5c211a9a1c32cf.txt"),
    ("外高桥第三发电厂", "003_b1e6235fe70e8a2b.txt"),
    ("质量品牌故事比赛", "004_fb5c211a9a1c32cf.txt"),
    ("烽火通信", "002_2bb829a5f8e33f8c.txt"),
    ("重庆机床", "002_2bb829a5f8e33f8c.txt"),
    ("陆家嘴物业", "000_0bce4af3382c1576.txt"),
]
TRADITIONAL = {
    "宝山 樱花卡": "寶山 櫻花卡",
    "自贸区 升旗仪式": "自貿區 升旗儀式",
    "河北 质量强省": "河北 質量強省",
    "瑞金医院": "瑞金醫院",
    "申通地铁 奋进高质量": "申通地鐵 奮進高質量",
    "质量品牌故事比赛": "質量品牌故事比賽",
    "陆家嘴物业": "陸家嘴物業",
}


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def app(request):
    """The app on each backend over the same sample corpus."""
    return request.getfixturevalue("app" if request.param == "whoosh" else "typesense_app")


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _paths(data: dict) -> list[str]:
    return [r["path"] for r in data["results"]]


@pytest.mark.parametrize("query,seed", RANKING)
def test_right_seed_ranks_first(client, query: str, seed: str) -> None:
    data = _search(client, q=query)
    assert data["results"], query
    assert data["results"][0]["path"] == seed


@pytest.mark.parametrize("simplified,traditional", sorted(TRADITIONAL.items()))
def test_traditional_query_gives_the_same_results(client, simplified: str, traditional: str) -> None:
    assert _paths(_search(client, q=simplified)) == _paths(_search(client, q=traditional))


def test_response_shape_is_the_contract(client) -> None:
    data = _search(client, q="质量月")
    assert list(data)[:7] == ["query", "total", "page", "per_page", "took_ms", "results", "facets"]
    for item in data["results"]:
        assert {"id", "title", "url", "date", "year", "region", "doc_type", "path", "snippet", "score", "organizations", "campaigns"} <= set(item)
        assert isinstance(item["campaigns"], list) and all(isinstance(c, str) and c for c in item["campaigns"])
    assert set(data["facets"]) >= {"year", "region", "doc_type", "campaign"}
    for rows in data["facets"].values():
        assert all(set(row) == {"value", "count"} for row in rows)


def test_phrase_matches_exactly(client) -> None:
    phrase = _paths(_search(client, q='"推动质量变革创新"'))
    assert set(phrase) >= {"000_0bce4af3382c1576.txt", "001_d323e32c5bf0f654.txt"}
    assert _search(client, q='"创新变革推动质量"')["total"] == 0
    assert _search(client, q="创新变革推动质量")["total"] > 0
    assert _paths(_search(client, q="“推动质量变革创新”")) == phrase


def test_or_and_not(client) -> None:
    both = set(_paths(_search(client, q="瑞金医院 OR 烽火通信", per_page=50)))
    assert {"001_d323e32c5bf0f654.txt", "002_2bb829a5f8e33f8c.txt"} <= both
    without = set(_paths(_search(client, q="质量月 -上海", per_page=50)))
    with_not = set(_paths(_search(client, q="质量月 NOT 上海", per_page=50)))
    assert without == with_not
    assert "001_d323e32c5bf0f654.txt" not in without
    assert without < set(_paths(_search(client, q="质量月", per_page=50)))


def test_a_negated_phrase_removes_exactly_the_phrase_documents(client) -> None:
    """NOT "…" and -"…" (Typesense 0.24 has no not-equals on ids: the gaps between seq numbers)."""
    every = set(_paths(_search(client, q="质量", per_page=100)))
    phrase = set(_paths(_search(client, q='质量 "推动质量变革创新"', per_page=100)))
    assert phrase and phrase < every
    for q in ('质量 NOT "推动质量变革创新"', '质量 -"推动质量变革创新"'):
        data = _search(client, q=q, per_page=100)
        assert set(_paths(data)) == every - phrase and data["total"] == len(every - phrase), q


@pytest.mark.parametrize("name,value", [("year", "2021"), ("year", "2020-2022"), ("region", "浙江"), ("doc_type", "通知"), ("region", "廣東")])
def test_filters_and_facets_agree(client, name: str, value: str) -> None:
    everything = _search(client, q="质量", per_page=100)
    filtered = _search(client, q="质量", per_page=100, **{name: value})
    assert 0 < filtered["total"] < everything["total"]
    facet = {"year": "year", "region": "region", "doc_type": "doc_type"}[name]
    if name == "year" and "-" not in value:
        count = next(r["count"] for r in everything["facets"][facet] if str(r["value"]) == value)
        assert count == filtered["total"]
    if name in ("region", "doc_type") and value in {r["value"] for r in everything["facets"][facet]}:
        count = next(r["count"] for r in everything["facets"][facet] if r["value"] == value)
        assert count == filtered["total"]
    for item in filtered["results"]:
        if name == "year":
            low, _, high = value.partition("-")
            assert int(low) <= item["year"] <= int(high or low)
        elif name == "doc_type":
            assert item["doc_type"] == value


def test_region_filter_matches_multi_province_digest(client) -> None:
    assert "002_2bb829a5f8e33f8c.txt" in _paths(_search(client, q="质量月", region="浙江", per_page=50))


def test_org_filter(client) -> None:
    paths = _paths(_search(client, q="质量", org="瑞金医院"))
    assert paths == ["001_d323e32c5bf0f654.txt"]


def test_sort_by_date_is_newest_first(client) -> None:
    dates = [r["date"] for r in _search(client, q="质量月", sort="date", per_page=50)["results"] if r["date"]]
    assert dates == sorted(dates, reverse=True) and len(dates) >= 5


def test_paging(client) -> None:
    first = _search(client, q="质量", per_page=3, page=1)
    second = _search(client, q="质量", per_page=3, page=2)
    assert first["total"] == second["total"] > 6
    assert not set(_paths(first)) & set(_paths(second))
    assert _search(client, q="质量", per_page=3, page=999)["results"] == []


def test_snippets_are_marked_and_in_the_original_script(client) -> None:
    data = _search(client, q="櫻花卡")
    snippet = data["results"][0]["snippet"]
    assert "<mark>櫻花卡</mark>" in snippet  # the page's own (Traditional) script
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 200
    simplified = _search(client, q="樱花卡")["results"][0]["snippet"]
    assert snippet == simplified


def test_hostile_page_cannot_inject_markup(client) -> None:
    data = _search(client, q="质量月 北京", per_page=50)
    hostile = next(r for r in data["results"] if r["path"] == "fixtures/hostile.html")
    for field in ("snippet", "title_html"):
        html = hostile[field].replace("<mark>", "").replace("</mark>", "")
        assert "<" not in html and "onerror=" not in html.lower().replace("&quot;", "")
    page = client.get("/", query_string={"q": "质量月 北京"}).get_data(as_text=True)
    assert "<b>质量月</b>" not in page and "<script>alert" not in page and "onerror=" not in page
    doc = client.get(f"/documents/{doc_id('fixtures/hostile.html')}", query_string={"q": "质量月"}).get_data(as_text=True)
    assert "&lt;b&gt;" in doc and "<b>" not in doc and "javascript:" not in doc


def test_chrome_only_words_do_not_match(client) -> None:
    for word in ("侧栏专有词", "脚本秘密词", "页脚专有词"):
        assert _search(client, q=word)["total"] == 0


@pytest.mark.parametrize(
    "params",
    [{"page": "0"}, {"page": "x"}, {"per_page": "101"}, {"per_page": "0"}, {"year": "abc"}, {"year": "20222"}, {"sort": "popular"}],
)
def test_bad_parameters_are_400_json(client, params: dict) -> None:
    response = client.get("/api/search", query_string={"q": "质量", **params})
    assert response.status_code == 400
    assert set(response.get_json()) == {"error"} and response.get_json()["error"]


@pytest.mark.parametrize(
    "query",
    ['"', '质量"月', "(质量", "质量)", "AND OR", "OR", "NOT", "-", "*", "质量*", "title:质量", "[]{}", "\\", "？？", "a" * 10000, "质量 " * 3000, "\x00"],
)
def test_odd_queries_still_answer(client, query: str) -> None:
    response = client.get("/api/search", query_string={"q": query})
    assert response.status_code == 200
    assert "results" in response.get_json()


def test_documents_endpoint(client) -> None:
    ident = doc_id("001_d323e32c5bf0f654.txt")
    data = client.get(f"/api/documents/{ident}").get_json()
    assert data["id"] == ident and data["doc_number"] == "沪质办〔2022〕5号"
    assert {"id", "title", "url", "date", "year", "region", "doc_type", "doc_number", "path", "text", "organizations", "themes", "campaigns"} <= set(data)
    assert "质量月" in data["campaigns"]
    assert "瑞金医院" in data["text"]
    for bad in ("0000000000000000", "..%2F..%2Fetc%2Fpasswd", "../setup.cfg"):
        response = client.get(f"/api/documents/{bad}")
        assert response.status_code == 404 and set(response.get_json()) == {"error"}


def test_healthz_and_openapi(client, app) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok", "documents": 19, "backend": app.config["BACKEND"]}
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/search", "/api/documents/{id}", "/healthz", "/api/themes", "/api/organizations", "/api/organizations.csv"} <= set(spec["paths"])


def test_home_and_results_pages(client) -> None:
    home = client.get("/").get_data(as_text=True)
    assert "质量档案检索" in home and 'name="q"' in home
    page = client.get("/", query_string={"q": "首席質量官"}).get_data(as_text=True)
    assert "<mark>" in page and "条结果" in page and 'data-facet="year"' in page


def test_empty_result_page_explains_the_query(client) -> None:
    # One chunk: two chunks typed apart would list the pages with one of them (issue 21's last resort).
    page = client.get("/", query_string={"q": "質量月火星基地", "year": "2021"}).get_data(as_text=True)
    assert "没有找到" in page
    assert "质量月" in page and "火星" in page  # the words, folded to Simplified
    assert "去掉「年份：2021」" in page


def test_bad_filter_on_the_page_is_400_with_a_message(client) -> None:
    response = client.get("/", query_string={"q": "质量", "year": "明年"})
    assert response.status_code == 400 and "year" in response.get_data(as_text=True)


def test_document_page_highlights_and_links_original(client) -> None:
    ident = doc_id("fixtures/chrome_heavy.html")
    page = client.get(f"/documents/{ident}", query_string={"q": "质量月"}).get_data(as_text=True)
    assert "<mark>质量月</mark>" in page and 'href="https://scjg.ningbo.example/' in page
    assert client.get("/documents/ffffffffffffffff").status_code == 404


def test_org_filter_uses_extracted_names_and_short_forms(client) -> None:
    assert _paths(_search(client, q="质量月", org="上海医药")) == ["000_0bce4af3382c1576.txt"]
    assert _paths(_search(client, q="质量月", org="上海醫藥集團股份有限公司")) == ["000_0bce4af3382c1576.txt"]
    assert _search(client, q="质量月", org="上海")["total"] == 0  # a place is not an organization


def test_results_carry_their_organizations(client) -> None:
    result = next(r for r in _search(client, q="瑞金医院")["results"] if r["path"] == "001_d323e32c5bf0f654.txt")
    names = {o["name"]: o["kind"] for o in result["organizations"]}
    assert names.get("瑞金医院") == "institution"
    assert all(set(o) >= {"name", "kind"} for o in result["organizations"])
