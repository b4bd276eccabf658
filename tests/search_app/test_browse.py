"""Organizations and themes: API shapes, filters, CSV for Excel, pages and CLI agree (on both backends)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from search_app.cli import main


@pytest.fixture(params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def app(request):
    """The app on each backend over the same sample corpus."""
    return request.getfixturevalue("app" if request.param == "whoosh" else "typesense_app")


def test_organizations_api_shape_and_filters(client) -> None:
    orgs = client.get("/api/organizations").get_json()["organizations"]
    assert orgs and all({"name", "kind", "years", "documents"} <= set(o) for o in orgs)
    assert all({"id", "path", "title"} <= set(d) for o in orgs for d in o["documents"])  # did: added by issue 22
    enterprises = client.get("/api/organizations", query_string={"kind": "enterprise", "year": "2022"}).get_json()["organizations"]
    names = {o["name"] for o in enterprises}
    assert {"上海申驰实业股份有限公司", "同济大学建筑设计研究院(集团)有限公司", "申通地铁集团"} <= names
    assert all(o["kind"] == "enterprise" and 2022 in o["years"] for o in enterprises)
    shanghai_2018 = {o["name"] for o in client.get("/api/organizations", query_string={"year": "2018", "region": "上海"}).get_json()["organizations"]}
    assert "上海市质量协会" in shanghai_2018 and "申通地铁集团" not in shanghai_2018


def test_name_fragment_finds_short_and_traditional_forms(client) -> None:
    found = client.get("/api/organizations", query_string={"q": "上海醫藥"}).get_json()["organizations"]
    assert [o["name"] for o in found] == ["上海医药集团股份有限公司"]


def test_bad_browse_parameters_are_400(client) -> None:
    for url in (
        "/api/organizations?kind=company", "/api/organizations?year=x", "/api/themes?year=20x2", "/api/organizations.csv?kind=x",
        "/api/organizations?scope=campaigns", "/api/organizations.csv?scope=x", "/api/themes?campaign=质量月&year=x",
    ):
        response = client.get(url)
        assert response.status_code == 400 and set(response.get_json()) == {"error"}, url


def test_csv_has_bom_and_opens_as_chinese(client) -> None:
    response = client.get("/api/organizations.csv", query_string={"kind": "enterprise"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0] == ["名称", "类型", "年份", "文档数", "文档", "名单记录"]
    assert any(row[0] == "上海申驰实业股份有限公司" and row[1] == "企业" for row in rows[1:])
    assert len(rows) - 1 == len(client.get("/api/organizations?kind=enterprise").get_json()["organizations"])


def test_themes_api(client) -> None:
    themes = client.get("/api/themes", query_string={"year": "2022"}).get_json()["themes"]
    assert all({"campaign", "year", "region", "theme", "document"} <= set(t) and t["year"] == 2022 for t in themes)  # story: added by issue 23
    baoshan = [t for t in themes if t["region"] == "宝山区"]
    assert baoshan and baoshan[0]["theme"].startswith("奮進濱江北轉型")  # as written, Traditional
    assert baoshan[0]["document"]["path"] == "000_0bce4af3382c1576.txt"
    assert baoshan[0]["campaign"] == "质量月"
    scopes = [t["region"] for t in themes if t["campaign"] == "质量月"]
    assert scopes.index("上海") < scopes.index("宝山区") < scopes.index("申通地铁")
    everything = client.get("/api/themes").get_json()["themes"]
    assert 2018 in {t["year"] for t in everything}
    for campaign in {t["campaign"] for t in everything}:
        years = [t["year"] or 0 for t in everything if t["campaign"] == campaign]
        assert years == sorted(years, reverse=True), campaign


def test_search_results_by_org_show_the_name_marked(client) -> None:
    data = client.get("/api/search", query_string={"org": "瑞金医院"}).get_json()
    assert [r["path"] for r in data["results"]] == ["001_d323e32c5bf0f654.txt"]
    assert "<mark>瑞金医院</mark>" in data["results"][0]["snippet"]


def test_pages(client) -> None:
    # Issue 23: a row links to its organization's page, and the list is paged (50 rows a page).
    page = client.get("/organizations", query_string={"kind": "enterprise", "per_page": 100}).get_data(as_text=True)
    assert "上海申驰实业股份有限公司" in page and "下载 CSV" in page and "/organizations/" in page
    assert client.get("/organizations", query_string={"kind": "x"}).status_code == 400
    themes = client.get("/themes").get_data(as_text=True)
    assert "2022" in themes and "宝山区" in themes and "/documents/" in themes and "<h2>质量月</h2>" in themes
    page = client.get("/organizations").get_data(as_text=True)
    assert "只看质量活动文档" in page and "全部文档" in page and "scope=campaign" in page


def test_cli_prints_the_api_objects(runner, client, sample_index: Path) -> None:
    result = runner.invoke(main, ["orgs", "--index", str(sample_index), "--kind", "enterprise", "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == client.get("/api/organizations?kind=enterprise").get_json()
    result = runner.invoke(main, ["themes", "--index", str(sample_index), "--year", "2022", "--json"])
    assert json.loads(result.stdout) == client.get("/api/themes?year=2022").get_json()
    result = runner.invoke(main, ["orgs", "--index", str(sample_index), "--csv"])
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbf")
    assert runner.invoke(main, ["orgs", "--index", str(sample_index), "--json", "--csv"]).exit_code == 2


@pytest.mark.parametrize("command", ["orgs", "themes"])
def test_cli_without_index(runner, tmp_path: Path, command: str) -> None:
    result = runner.invoke(main, [command, "--index", str(tmp_path / "none")])
    assert result.exit_code == 1 and "qsearch index" in result.output
