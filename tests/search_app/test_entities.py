"""One organization, one entry; its page and the campaign-year pages; paging and sorting (issue 23).

Counts are checked against what their links list, on the sample corpus and on a slice of the news
archive (skipped without ../shared/data)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import archive_slice, indexed_pages
from indexer.backends.whoosh.writer import build_index
from search_app.browse import Rows, gather_stored

PAGES = {
    "a.txt": "上海人民出版社举办读书节\n上海人民出版社在上海举办读书节。",
    "b.txt": "人民出版社出版新书\n人民出版社在北京发布新书。",
    "c.txt": "国家电网有限公司开展质量月活动\n国家电网有限公司组织质量月活动。",
    "d.txt": "国家电网公司召开质量大会\n国家电网公司在京召开质量大会。",
    "e.txt": "中国国家电网公司发布报告\n中国国家电网公司发布社会责任报告。",
    "f.txt": "上海医药集团股份有限公司质量月\n上海医药集团股份有限公司（以下简称“上海医药”）开展质量月活动。",
    "g.txt": "上海医药获奖\n上海医药荣获质量奖。",
    "news.txt": "国内联播快讯\n\n" + "\n\n".join(
        f"{headline}\n\n{body}" for headline, body in (
            ("全国秋粮收购进度过半", "国家粮食和物资储备局今天发布消息，全国秋粮收购进度过半，各地收购工作平稳有序，农民售粮顺畅。"),
            ("多地开展冬季供暖设施检修", "入冬以来，北方多地提前开展供暖设施检修，确保群众温暖过冬，检修工作已完成九成以上。"),
            ("首届麒麟鹿质量论坛在杭州举行", "首届麒麟鹿质量论坛今天在杭州举行，来自各地的企业代表交流质量管理经验，发布质量倡议。"),
            ("铁路部门增开旅客列车", "为满足旅客出行需要，铁路部门本周增开旅客列车一百余列，加强站车服务保障工作。"),
        )),
}


def _rows(orgs_by_doc: dict[str, list[dict]]) -> Rows:
    return gather_stored({"id": d, "path": d, "title": d, "organizations": orgs} for d, orgs in orgs_by_doc.items())


def _org(name: str, kind: str = "enterprise", short: list[str] = (), declared: list[str] = ()) -> dict:
    return {"name": name, "kind": kind, "original": name, "short_forms": list(short), "abbreviations": list(declared)}


def test_names_merge_only_when_they_are_one_body() -> None:
    rows = _rows({
        "1": [_org("上海人民出版社", "institution", short=["人民出版社"])],
        "2": [_org("人民出版社", "institution")],
        "3": [_org("国家电网有限公司")], "4": [_org("国家电网公司")], "5": [_org("中国国家电网公司")],
        "6": [_org("中国移动")], "7": [_org("中国移动通信集团有限公司")],
        "8": [_org("上海医药集团股份有限公司", short=["上海医药"], declared=["上海医药"])], "9": [_org("上海医药")],
        "10": [_org("上海市质量协会", "association", short=["市质协"], declared=["市质协"])],
        "11": [_org("市质协", "association")],
    })
    c = rows.canonical
    assert c["人民出版社"] == "人民出版社" and c["上海人民出版社"] == "上海人民出版社"
    assert c["国家电网公司"] == c["中国国家电网公司"] == c["国家电网有限公司"] == "国家电网有限公司"
    assert c["中国移动"] == "中国移动通信集团有限公司"
    assert c["上海医药"] == "上海医药集团股份有限公司"
    assert c["市质协"] == "市质协"  # relative: another city's 市质协 elsewhere


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    from search_app import create_app

    root = indexed_pages(tmp_path_factory.mktemp("entities"), PAGES)
    app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    yield app.test_client()
    app.extensions["qsearch_store"].close()


def _counts_match_links(client, scope: str) -> int:
    """Every row's count equals the documents its organization page lists; returns the rows checked."""
    orgs = client.get("/api/organizations", query_string={"scope": scope}).get_json()["organizations"]
    for org in orgs:
        page = client.get(f"/api/organizations/{quote(org['name'])}", query_string={"scope": scope, "per_page": 100})
        assert page.status_code == 200, org["name"]
        listed = page.get_json()
        assert listed["total"] == len(org["documents"]), org["name"]
        shown, counted = {d["id"] for d in listed["documents"]}, {d["id"] for d in org["documents"]}
        assert shown == counted if len(counted) <= 100 else shown < counted, org["name"]
    return len(orgs)


def test_every_count_is_what_its_link_lists(client) -> None:
    assert _counts_match_links(client, "all") >= 4
    orgs = {o["name"]: o for o in client.get("/api/organizations").get_json()["organizations"]}
    assert len(orgs["国家电网有限公司"]["documents"]) == 3 and "国家电网公司" not in orgs
    assert len(orgs["上海人民出版社"]["documents"]) == 1 and len(orgs["人民出版社"]["documents"]) == 1


def test_every_count_is_what_its_link_lists_on_the_sample(app) -> None:
    client = app.test_client()
    assert _counts_match_links(client, "all") > 50
    assert _counts_match_links(client, "campaign") > 10


@pytest.mark.archive
def test_every_count_is_what_its_link_lists_on_the_news_archive(tmp_path: Path) -> None:
    from search_app import create_app

    corpus = archive_slice(tmp_path / "corpus", 60)  # about 450 pages of all years
    build_index(corpus, tmp_path / "index")
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "index")})
    try:
        assert _counts_match_links(app.test_client(), "all") > 100
    finally:
        app.extensions["qsearch_store"].close()


def test_an_organization_page_lists_its_documents_and_what_it_did(client) -> None:
    data = client.get(f"/api/organizations/{quote('国家电网有限公司')}").get_json()
    assert data["total"] == 3 and set(data["aliases"]) >= {"国家电网公司", "中国国家电网公司"}
    assert any("组织" in d["roles"] for d in data["documents"])
    html = client.get(f"/organizations/{quote('国家电网有限公司')}").get_data(as_text=True)
    assert "国家电网公司召开质量大会" in html and "下载 CSV" in html
    assert client.get(f"/organizations/{quote('不存在的单位')}").status_code == 404
    csv = client.get(f"/api/organizations/{quote('国家电网有限公司')}/documents.csv").get_data(as_text=True)
    assert csv.startswith("\ufeff单位,年份") and csv.count("\n") == 4


def test_organizations_and_themes_page_and_sort(app) -> None:
    client = app.test_client()
    everything = client.get("/api/organizations").get_json()
    page2 = client.get("/api/organizations", query_string={"page": 2, "per_page": 5, "sort": "name"}).get_json()
    names = sorted(o["name"] for o in everything["organizations"])
    assert page2["total"] == everything["total"] == len(names) and [o["name"] for o in page2["organizations"]] == names[5:10]
    html = client.get("/organizations", query_string={"per_page": 5, "page": 2}).get_data(as_text=True)
    assert "第 2 / " in html and 'rel="prev"' in html and 'rel="next"' in html
    assert client.get("/api/organizations", query_string={"sort": "bogus"}).status_code == 400
    themes = client.get("/api/themes", query_string={"per_page": 2, "sort": "year"}).get_json()
    years = [t["year"] or 0 for t in client.get("/api/themes", query_string={"sort": "year"}).get_json()["themes"]]
    assert len(themes["themes"]) == 2 and themes["total"] == len(years) and years == sorted(years, reverse=True)


def test_campaign_pages(app) -> None:
    client = app.test_client()
    overview = client.get(f"/api/campaigns/{quote('质量月')}").get_json()
    assert overview["name"] == "质量月" and 2022 in [y["year"] for y in overview["years"]]
    year = client.get(f"/api/campaigns/{quote('质量月')}/2022").get_json()
    assert year["documents"] and year["organizers"] and year["year"] == 2022
    html = client.get(f"/campaigns/{quote('质量月')}/2022").get_data(as_text=True)
    assert "<svg" in html and "组织单位" in html and "<script" not in html
    assert client.get(f"/campaigns/{quote('没有这个活动')}").status_code == 404
    assert client.get(f"/campaigns/{quote('质量月')}/1900").status_code == 404


def test_search_results_export_as_csv(app) -> None:
    import csv
    import io

    client = app.test_client()
    data = client.get("/api/search", query_string={"q": "质量", "year": "2022", "per_page": 100}).get_json()
    response = client.get("/api/search.csv", query_string={"q": "质量", "year": "2022"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "标题", "日期"] and len(rows) == 1 + data["total"]
    assert [r[1] for r in rows[1:]] == [r["title"] for r in data["results"]]
    assert "<mark>" not in response.data.decode("utf-8-sig")
    assert client.get("/api/search.csv", query_string={"year": "abc"}).status_code == 400
    page = client.get("/", query_string={"q": "质量", "year": "2022"}).get_data(as_text=True)
    assert "/api/search.csv?q=" in page and "year=2022" in page


def test_a_multi_story_page_shows_the_story_that_matched(client) -> None:
    data = client.get("/api/search", query_string={"q": "麒麟鹿"}).get_json()
    (hit,) = data["results"]
    assert hit["title"] == "国内联播快讯" and hit["story"] == "首届麒麟鹿质量论坛在杭州举行"
    assert "<mark>麒麟鹿</mark>" in hit["story_html"]
    page = client.get("/", query_string={"q": "麒麟鹿"}).get_data(as_text=True)
    assert "首届<mark>麒麟鹿</mark>质量论坛在杭州举行</a></h2>" in page and "国内联播快讯" in page
    single = client.get("/api/search", query_string={"q": "读书节"}).get_json()["results"][0]
    assert single["story"] is None


def test_csv_cells_never_start_a_formula() -> None:
    from search_app.results import csv_text

    text = csv_text([["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "质量月", 3]])
    assert text.startswith('\ufeff"\'=HYPERLINK') and ",'+1,'-2,'@SUM(A1),质量月,3" in text
