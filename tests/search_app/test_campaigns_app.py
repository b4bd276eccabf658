"""Campaigns in the app: the search facet and filter, themes by campaign and year, and the
organizations of campaign documents against those of every document (API, pages, CLI)."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest import copy_sample_corpus
from indexer.campaigns import campaign_names
from indexer.backends.whoosh.writer import build_index
from search_app import create_app
from search_app.cli import main

# An invented notice about no campaign of indexer/data/campaigns.tsv that names organizations:
# added to the sample corpus so that the two organization scopes must differ.
NON_CAMPAIGN_PATH = "extra/elevator_check.txt"
NON_CAMPAIGN_TEXT = """温州市市场监督管理局关于开展电梯维保单位专项检查的通知

温市监特〔2023〕12号

各县（市、区）市场监督管理局：
为加强电梯维护保养单位管理，决定于2023年4月至6月开展电梯维保单位专项检查。现将有关事项通知如下。
一、检查对象
全市从事电梯维护保养的单位，重点检查温州瓯越电梯工程有限公司、温州鹿城梯安维保有限公司等单位。
二、检查内容
维保记录、作业人员持证情况、应急救援演练情况。
三、工作要求
各地要认真组织，如实填报检查情况，于2023年6月30日前报送温州市特种设备检测科学研究院汇总。

温州市市场监督管理局
2023年3月28日
"""


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _facet(data: dict, name: str) -> dict:
    return {row["value"]: row["count"] for row in data["facets"][name]}


def _orgs(client, **params) -> dict[str, dict]:
    response = client.get("/api/organizations", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {o["name"]: o for o in response.get_json()["organizations"]}


def _campaigns_by_doc(client) -> dict[str, list[str]]:
    """Document id -> campaigns, for every document (an empty query matches all)."""
    data = _search(client, per_page=100)
    assert data["total"] <= 100
    return {r["id"]: r["campaigns"] for r in data["results"]}


@pytest.fixture(scope="module")
def wider_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample corpus (seeds + fixtures) plus one notice about no campaign."""
    root = tmp_path_factory.mktemp("wider")
    corpus = copy_sample_corpus(root / "corpus")
    extra = corpus / NON_CAMPAIGN_PATH
    extra.parent.mkdir()
    extra.write_text(NON_CAMPAIGN_TEXT, encoding="utf-8")
    build_index(corpus, root / "index")
    return root / "index"


@pytest.fixture(scope="module")
def wider_client(wider_index: Path):
    app = create_app({"TESTING": True, "INDEX_DIR": str(wider_index)})
    yield app.test_client()
    app.extensions["qsearch_store"].close()


# --- search: facet and filter ---------------------------------------------------------------


@pytest.mark.parametrize("q", ["质量", "活动", ""])
def test_campaign_facet_counts_equal_filtered_totals(client, q: str) -> None:
    everything = _search(client, q=q, per_page=100)
    facet = _facet(everything, "campaign")
    assert facet, "the sample documents are about 质量月 and QC小组活动"
    assert set(facet) <= set(campaign_names())
    for name, count in facet.items():
        filtered = _search(client, q=q, campaign=name, per_page=100)
        assert filtered["total"] == count, name
        assert all(name in r["campaigns"] for r in filtered["results"]), name
        assert filtered["understood"]["filters"] == {"campaign": name}
    # Multi-valued: a document counts once under each of its campaigns.
    assert sum(facet.values()) == sum(len(r["campaigns"]) for r in everything["results"])


def test_campaign_filter_returns_only_its_documents(client) -> None:
    everything = _search(client, q="质量", per_page=100)
    filtered = _search(client, q="质量", campaign="质量月", per_page=100)
    assert filtered["total"] > 0
    assert all("质量月" in r["campaigns"] for r in filtered["results"])
    expected = [r["id"] for r in everything["results"] if "质量月" in r["campaigns"]]
    assert [r["id"] for r in filtered["results"]] == expected  # the same order, the others left out
    assert {"质量月"} <= set(_facet(filtered, "campaign"))
    assert _facet(filtered, "campaign")["质量月"] == filtered["total"]


def test_campaign_filter_combines_with_other_filters(client) -> None:
    both = _search(client, q="质量", campaign="质量月", region="上海", per_page=100)
    region_only = _search(client, q="质量", region="上海", per_page=100)
    assert both["total"] == _facet(region_only, "campaign")["质量月"]
    assert _facet(_search(client, q="质量", campaign="质量月", per_page=100), "region")["上海"] == both["total"]


@pytest.mark.parametrize("written,name", [("質量月", "质量月"), ("qc小组活动", "QC小组活动"), (" QC小組活動 ", "QC小组活动")])
def test_campaign_filter_reads_other_scripts_and_case(client, written: str, name: str) -> None:
    want = _search(client, q="质量", campaign=name, per_page=100)
    got = _search(client, q="质量", campaign=written, per_page=100)
    assert want["total"] > 0 and got["results"] == want["results"] and got["total"] == want["total"]
    assert got["understood"]["filters"]["campaign"] == name


@pytest.mark.parametrize("value", ["火星登陆月", "世界计量日"])
def test_campaign_nobody_is_about_matches_nothing(client, value: str) -> None:
    data = _search(client, q="质量", campaign=value)
    assert data["total"] == 0 and data["results"] == [] and data["facets"]["campaign"] == []
    page = client.get("/", query_string={"q": "质量", "campaign": value})
    assert page.status_code == 200
    assert f"去掉「活动：{value}」" in page.get_data(as_text=True)


def test_results_and_documents_carry_campaigns(client) -> None:
    by_doc = _campaigns_by_doc(client)
    assert all(isinstance(c, list) for c in by_doc.values())
    for ident, campaigns in by_doc.items():
        assert client.get(f"/api/documents/{ident}").get_json()["campaigns"] == campaigns
    ident, campaigns = next((i, c) for i, c in by_doc.items() if c)
    page = client.get(f"/documents/{ident}").get_data(as_text=True)
    assert "<dt>活动</dt>" in page and all(f">{c}</a>" in page for c in campaigns)


def test_search_page_campaign_facet_chip_and_rows(client) -> None:
    page = client.get("/", query_string={"q": "质量"}).get_data(as_text=True)
    assert 'data-facet="campaign"' in page and "campaign=%E8%B4%A8%E9%87%8F%E6%9C%88" in page  # campaign=质量月
    assert 'class="campaign"' in page  # each row shows its campaigns
    assert '<select name="campaign">' in page
    filtered = client.get("/", query_string={"q": "质量", "campaign": "质量月"}).get_data(as_text=True)
    assert "活动：质量月 ×" in filtered
    assert '<option value="质量月" selected>' in filtered
    total = _search(client, q="质量", campaign="质量月")["total"]
    assert f'<strong id="total">{total}</strong>' in filtered
    # A campaign alone is a search (like any filter).
    alone = client.get("/", query_string={"campaign": "QC小组活动"}).get_data(as_text=True)
    assert f'<strong id="total">{_search(client, campaign="QC小组活动")["total"]}</strong>' in alone


def test_cli_search_campaign(runner, client, sample_index: Path) -> None:
    result = runner.invoke(main, ["search", "质量", "--index", str(sample_index), "--campaign", "QC小组活动", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    api = _search(client, q="质量", campaign="QC小组活动")
    assert data["total"] == api["total"] > 0 and [r["id"] for r in data["results"]] == [r["id"] for r in api["results"]]
    assert all("QC小组活动" in r["campaigns"] for r in data["results"])
    readable = runner.invoke(main, ["search", "质量", "--index", str(sample_index), "--campaign", "QC小组活动"])
    assert readable.exit_code == 0 and f"共 {api['total']} 条结果" in readable.stdout and "QC小组活动" in readable.stdout
    nothing = runner.invoke(main, ["search", "质量", "--index", str(sample_index), "--campaign", "火星登陆月", "--json"])
    assert nothing.exit_code == 0 and json.loads(nothing.stdout)["total"] == 0


# --- themes by campaign and year ------------------------------------------------------------


def _order_key(theme: dict) -> tuple:
    names = campaign_names()
    rank = names.index(theme["campaign"]) if theme["campaign"] in names else len(names) + (theme["campaign"] is None)
    return (rank, -(theme["year"] or 0))


def test_themes_are_ordered_by_campaign_then_newest_year(client) -> None:
    themes = client.get("/api/themes").get_json()["themes"]
    assert themes and all({"campaign", "year", "region", "theme", "document"} <= set(t) for t in themes)
    assert all(t["campaign"] is None or t["campaign"] in campaign_names() for t in themes)
    keys = [_order_key(t) for t in themes]
    assert keys == sorted(keys)
    campaigns = list(dict.fromkeys(t["campaign"] for t in themes))
    assert "质量月" in campaigns and "QC小组活动" in campaigns
    assert campaigns.index("质量月") < campaigns.index("QC小组活动")  # data-file order
    if None in campaigns:
        assert campaigns[-1] is None


def test_themes_campaign_filter(client) -> None:
    everything = client.get("/api/themes").get_json()["themes"]
    for name in ("质量月", "QC小组活动"):
        themes = client.get("/api/themes", query_string={"campaign": name}).get_json()["themes"]
        assert themes == [t for t in everything if t["campaign"] == name] and themes
    assert client.get("/api/themes", query_string={"campaign": "qc小組活動"}).get_json()["themes"] == [
        t for t in everything if t["campaign"] == "QC小组活动"
    ]
    both = client.get("/api/themes", query_string={"campaign": "质量月", "year": "2022", "region": "上海"}).get_json()["themes"]
    assert both and all(t["campaign"] == "质量月" and t["year"] == 2022 for t in both)
    assert client.get("/api/themes", query_string={"campaign": "火星登陆月"}).get_json()["themes"] == []


def test_themes_page_has_a_section_per_campaign(client) -> None:
    themes = client.get("/api/themes").get_json()["themes"]
    page = client.get("/themes").get_data(as_text=True)
    headings = [t["campaign"] or "其他活动" for t in themes]
    positions = [page.index(f"<h2>{h}</h2>") for h in dict.fromkeys(headings)]
    assert positions == sorted(positions)
    for t in themes:
        assert f"/documents/{t['document']['id']}" in page
    section = page[page.index("<h2>质量月</h2>"):]
    # Since issue 23 a year's heading links to the campaign-year page.
    assert section.index(">2022</a></h3>") < section.index(">2020</a></h3>")
    assert '/campaigns/%E8%B4%A8%E9%87%8F%E6%9C%88/2022"' in section
    filtered = client.get("/themes", query_string={"campaign": "QC小组活动"}).get_data(as_text=True)
    assert "<h2>QC小组活动</h2>" in filtered and "<h2>质量月</h2>" not in filtered
    assert '<option value="QC小组活动" selected>' in filtered
    assert client.get("/themes", query_string={"campaign": "质量月", "year": "x"}).status_code == 400


def test_cli_themes_grouped_by_campaign(runner, client, sample_index: Path) -> None:
    result = runner.invoke(main, ["themes", "--index", str(sample_index), "--campaign", "质量月", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == client.get("/api/themes?campaign=质量月").get_json()
    readable = runner.invoke(main, ["themes", "--index", str(sample_index)])
    assert readable.exit_code == 0
    themes = client.get("/api/themes").get_json()["themes"]
    lines = readable.stdout.splitlines()
    headings = [line for line in lines if line.startswith("【")]
    assert headings == [f"【{c or '其他活动'}】" for c in dict.fromkeys(t["campaign"] for t in themes)]
    rows = [line.split("\t") for line in lines if "\t" in line]
    assert [(r[2], r[3]) for r in rows] == [(t["theme"], t["document"]["path"]) for t in themes]
    only = runner.invoke(main, ["themes", "--index", str(sample_index), "--campaign", "QC小组活动"])
    assert only.exit_code == 0 and only.stdout.splitlines()[0] == "【QC小组活动】"
    assert runner.invoke(main, ["themes", "--index", str(sample_index), "--campaign", "质量月", "--year", "x"]).exit_code == 2


# --- organizations: campaign documents or all documents ----------------------------------


def _outside_campaign(client) -> dict[str, set[str]]:
    """Document id -> the names of its organizations named outside its campaign's story."""
    data = _search(client, per_page=100)
    return {
        r["id"]: {n for o in r["organizations"] if not o.get("in_campaign", True) for n in [o["name"], *o["short_forms"]]}
        for r in data["results"]
    }


def _check_scopes(client) -> tuple[dict, dict]:
    """scope=campaign is scope=all restricted to the documents about a campaign, and in them to
    the organizations named where the document reports on it."""
    about = {ident for ident, campaigns in _campaigns_by_doc(client).items() if campaigns}
    outside = _outside_campaign(client)
    everything = _orgs(client, scope="all")
    assert everything == _orgs(client)  # the API's default scope is all
    in_campaigns = _orgs(client, scope="campaign")
    expected = {}
    for name, org in everything.items():
        documents = [d for d in org["documents"] if d["id"] in about and name not in outside.get(d["id"], set())]
        if documents:
            expected[name] = documents
    assert {name: org["documents"] for name, org in in_campaigns.items()} == expected
    return everything, in_campaigns


def test_org_scopes_on_the_sample_index(client) -> None:
    everything, in_campaigns = _check_scopes(client)
    assert in_campaigns and set(in_campaigns) <= set(everything)


def test_org_scopes_differ_when_a_document_is_about_no_campaign(wider_client) -> None:
    by_path = {r["path"]: r for r in _search(wider_client, per_page=100)["results"]}
    extra = by_path[NON_CAMPAIGN_PATH]
    assert extra["campaigns"] == [] and extra["organizations"]
    everything, in_campaigns = _check_scopes(wider_client)
    only_all = set(everything) - set(in_campaigns)
    assert only_all, "the organizations of the non-campaign notice appear only in scope=all"
    # Both documents about no campaign: since issue 23 Shanghai's 市生态环境局 (a campaign document) no
    # longer merges into the 南京市生态环境局 of the 空气质量月报 page, which now stands alone.
    for name in only_all:
        assert {d["path"] for d in everything[name]["documents"]} <= {NON_CAMPAIGN_PATH, "fixtures/false_friend.txt"}
    extra_names = {o["name"] for o in extra["organizations"]}
    assert only_all & extra_names
    # The page opens on campaign documents; its switch leads to all of them.
    page = wider_client.get("/organizations", query_string={"per_page": 100}).get_data(as_text=True)  # paged since issue 23
    assert f'<strong id="org-total">{len(in_campaigns)}</strong>' in page
    assert not any(f">{name}</a>" in page for name in only_all)
    page_all = wider_client.get("/organizations", query_string={"scope": "all", "per_page": 100}).get_data(as_text=True)
    assert f'<strong id="org-total">{len(everything)}</strong>' in page_all
    for name in only_all:  # each on the page that finds it by name (the list is paged)
        found = wider_client.get("/organizations", query_string={"scope": "all", "q": name}).get_data(as_text=True)
        assert f">{name}</a>" in found
    # CSV: the default is all documents, scope=campaign the campaign documents.
    rows = lambda **q: list(csv.reader(io.StringIO(wider_client.get("/api/organizations.csv", query_string=q).data.decode("utf-8-sig"))))  # noqa: E731
    assert {r[0] for r in rows()[1:]} == set(everything)
    assert {r[0] for r in rows(scope="campaign")[1:]} == set(in_campaigns)


@pytest.mark.parametrize("url", ["/api/organizations", "/api/organizations.csv"])
@pytest.mark.parametrize("scope", ["campaigns", "ALL", "x", "全部"])
def test_bad_scope_is_400_json(client, url: str, scope: str) -> None:
    response = client.get(url, query_string={"scope": scope})
    assert response.status_code == 400 and response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and "scope" in body["error"]


def test_bad_scope_on_the_page_is_400_with_its_message(client) -> None:
    response = client.get("/organizations", query_string={"scope": "everything"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "error-text" in page and "scope" in page and "只看质量活动文档" in page


def test_organizations_page_switch_keeps_filters_and_csv_keeps_scope(client) -> None:
    page = client.get("/organizations", query_string={"kind": "enterprise"}).get_data(as_text=True)
    assert 'aria-current="page">只看质量活动文档' in page
    assert 'href="/organizations?kind=enterprise&amp;scope=all"' in page
    assert 'href="/api/organizations.csv?kind=enterprise&amp;scope=campaign"' in page
    assert '<input type="hidden" name="scope" value="campaign">' in page
    page_all = client.get("/organizations", query_string={"kind": "enterprise", "scope": "all"}).get_data(as_text=True)
    assert 'aria-current="page">全部文档' in page_all
    assert 'href="/api/organizations.csv?kind=enterprise&amp;scope=all"' in page_all
    assert 'href="/organizations?kind=enterprise&amp;scope=campaign"' in page_all
    total = len(_orgs(client, kind="enterprise", scope="campaign"))
    assert f'<strong id="org-total">{total}</strong>' in page


def test_cli_orgs_scope(runner, client, sample_index: Path) -> None:
    for args, query in (([], {}), (["--scope", "all"], {"scope": "all"}), (["--scope", "campaign"], {"scope": "campaign"})):
        result = runner.invoke(main, ["orgs", "--index", str(sample_index), "--json", *args])
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout) == client.get("/api/organizations", query_string=query).get_json()
    csv_out = runner.invoke(main, ["orgs", "--index", str(sample_index), "--csv", "--scope", "campaign"])
    assert csv_out.stdout_bytes == client.get("/api/organizations.csv?scope=campaign").data
    bad = runner.invoke(main, ["orgs", "--index", str(sample_index), "--scope", "campaigns"])
    assert bad.exit_code == 2 and "scope" in bad.output


def test_cli_orgs_scope_differs_on_the_wider_index(runner, wider_index: Path) -> None:
    counts = {}
    for scope in ("campaign", "all"):
        result = runner.invoke(main, ["orgs", "--index", str(wider_index), "--scope", scope, "--json"])
        assert result.exit_code == 0, result.output
        counts[scope] = len(json.loads(result.stdout)["organizations"])
    assert counts["campaign"] < counts["all"]


# --- the OpenAPI description --------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        if "$ref" in node:
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_documents_campaign_and_scope(client) -> None:
    spec = client.get("/api/openapi.json").get_json()
    for ref in _refs(spec):  # every reference resolves
        node = spec
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    params = lambda path: {p["name"]: p for p in spec["paths"][path]["get"]["parameters"]}  # noqa: E731
    assert "campaign" in params("/api/search") and "campaign" in params("/api/themes")
    for path in ("/api/organizations", "/api/organizations.csv"):
        assert params(path)["scope"]["schema"]["enum"] == ["campaign", "all"]
        assert "400" in spec["paths"][path]["get"]["responses"]
    schemas = spec["components"]["schemas"]
    assert "campaigns" in schemas["Result"]["required"] and "campaigns" in schemas["Document"]["properties"]
    assert "campaign" in schemas["SearchResponse"]["properties"]["facets"]["required"]
    assert {"campaign", "year", "region", "theme", "document"} <= set(schemas["Theme"]["required"])
    # What the API answers has the documented fields.
    result = _search(client, q="质量月")["results"][0]
    assert set(schemas["Result"]["required"]) <= set(result)
    theme = client.get("/api/themes").get_json()["themes"][0]
    assert set(theme) == set(schemas["Theme"]["properties"])
    try:
        from openapi_spec_validator import validate
    except ImportError:
        return  # not a dependency of the project; the structure above is still checked
    validate(spec)
