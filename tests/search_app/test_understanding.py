"""Search that finds what users mean, on both backends: names kept whole, soft AND, other names of
an organization, phrases marked as phrases, pinyin offered (issue 21). The corpus is written here."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import indexed_pages

PAGES = {
    "notice.txt": "关于开展2023年全国“质量月”活动的通知\n各区市场监管局：现就开展全国“质量月”活动有关事项通知如下。",
    "air.txt": "本市发布十月空气质量月报\n环境监测中心发布空气质量月报，优良天数比例提高。",
    "qc_meeting.txt": "质量月QC成果发布会举行\n质量月期间，公司举办QC小组成果发布会，十个小组发布了成果。",
    "qc_contest.txt": "QC小组成果发表赛\n质量月期间，公司组织QC小组成果发表赛，评出一等奖。",
    "bureau.txt": "国家市场监督管理总局召开质量工作会议\n国家市场监督管理总局在京召开会议，部署今年的质量工作。",
    "brand.txt": "中国品牌日活动举行\n5月10日是中国品牌日，各地举办品牌展示活动。",
    "not_brand.txt": "中国制造日益发展\n中国企业日渐重视品牌建设，品牌价值日益提升。",
    "phrase.txt": "公司推进质量提升工作\n公司推进质量提升工作。质量是生命，提升服务水平，推进改革。",
    "sh_defines.txt": "上海市质量协会举办培训\n上海市质量协会（以下简称“市质协”）在上海举办首席质量官培训。",
    "sh_short.txt": "市质协举办讲座\n上海市浦东新区，市质协举办质量讲座，市质协专家授课。",
    "sz_short.txt": "市质协召开年会\n江苏省苏州市，市质协召开年会，市质协秘书长作报告。",
    "mayor_award.txt": "市长质量奖揭晓\n五家企业获得市长质量奖。",
    "gov_award.txt": "政府质量奖评审办法\n本办法规定政府质量奖的评审程序。",
    "works.txt": "建设工程安全检查\n各区开展建设工程安全检查。",
    # Steel without the word 钢铁 (马钢, 炼钢, 轧钢, 钢材), and 钢铁 named in passing in a list of sectors.
    "mill.txt": "马钢举办质量开放日\n马钢集团冷轧总厂举办质量开放日，市民参观炼钢和轧钢生产线，了解钢材检验。",
    "sectors.txt": "质量开放日活动安排\n本市钢铁、化工、纺织等行业的企业将举办质量开放日。",
    "grid.txt": "国家电网公司召开职工代表大会\n国家电网公司在京召开职工代表大会。",
    "appliance.txt": "家电企业提升售后服务\n本市家电企业提升售后服务水平。",
    "yard.txt": "船厂重视安全生产\n船厂把石油储运和化工装置的安全放在首位。",
    "data.txt": "数据质量的六个方面\n数据质量包括完整性和准确性，数据质量决定分析的结论。",
    # A page of 2019 (its date line) that never writes 2019 as a word; and one of 2018 on the same.
    "metrology.txt": "陕西省举行世界计量日宣传\n陕西农村报 2019-05-20 09:00\n今年的世界计量日，全省开展计量宣传。",
    "metrology_2018.txt": "甘肃省举行世界计量日宣传\n甘肃日报 2018-05-21 10:00\n今年的世界计量日，全省开展计量宣传。",
    "altay.txt": "阿勒泰地区举办计量开放日\n阿勒泰地区市场监管局举办计量开放日，阿勒泰市民参观检定实验室。",
    "kpi.txt": "品质部推行KPI管理\n公司品质部推行KPI管理，每月公布各班组的指标。",
}


@pytest.fixture(scope="module")
def pages_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return indexed_pages(tmp_path_factory.mktemp("understanding"), PAGES)


@pytest.fixture(scope="module", params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def client(request, pages_corpus: Path):
    """A test client of the app over the pages above, on each backend."""
    from search_app import create_app

    if request.param == "whoosh":
        app = create_app({"TESTING": True, "INDEX_DIR": str(pages_corpus / "index")})
    else:
        from indexer.backends.typesense.client import TypesenseConfig
        from indexer.backends.typesense.writer import build_typesense

        node = request.getfixturevalue("typesense_node")
        config = TypesenseConfig(tuple(node.nodes), node.api_key, "understanding")
        assert build_typesense(pages_corpus / "corpus", config, rebuild=True).added == len(PAGES)
        app = create_app({"TESTING": True, "BACKEND": "typesense", "TYPESENSE": config})
    yield app.test_client()
    app.extensions["qsearch_store"].close()


@pytest.mark.typesense
def test_both_backends_score_what_was_searched_too_alike(pages_corpus: Path, typesense_node) -> None:
    """Short forms learned in a region, a region's, a year's documents, other names in soft AND."""
    from search_app import create_app
    from indexer.backends.typesense.client import TypesenseConfig
    from indexer.backends.typesense.writer import build_typesense

    config = TypesenseConfig(tuple(typesense_node.nodes), typesense_node.api_key, "understanding_scores")
    build_typesense(pages_corpus / "corpus", config, rebuild=True)
    apps = [create_app({"TESTING": True, "INDEX_DIR": str(pages_corpus / "index")}),
            create_app({"TESTING": True, "BACKEND": "typesense", "TYPESENSE": config})]
    try:
        for q in ["上海市质量协会", "新疆 计量开放日", "新疆计量开放日", "2019年世界计量日 宣传", "质量部 KPI 考核"]:
            wh, ts = (_search(app.test_client(), q) for app in apps)
            assert wh["results"] and [r["id"] for r in wh["results"]] == [r["id"] for r in ts["results"]], q
            assert [r["score"] for r in ts["results"]] == pytest.approx([r["score"] for r in wh["results"]], abs=1e-3), q
    finally:
        for app in apps:
            app.extensions["qsearch_store"].close()


def _search(client, q: str) -> dict:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _paths(data: dict) -> list[str]:
    return [r["path"] for r in data["results"]]


def test_a_name_typed_without_quotes_is_kept_whole(client) -> None:
    assert _paths(_search(client, "中国品牌日")) == ["brand.txt"]  # not 中国 + 品牌 + 日 anywhere


def test_a_long_word_finds_pages_that_write_it_apart(client) -> None:
    assert "notice.txt" in _paths(_search(client, "2023年全国质量月"))  # pages write 全国“质量月”


def test_campaign_name_is_no_false_friend(client) -> None:
    assert "air.txt" not in _paths(_search(client, "质量月"))  # 空气质量月报


def test_a_word_across_the_parts_of_a_name_is_no_false_friend(client) -> None:
    assert _paths(_search(client, "家电")) == ["appliance.txt"]  # 国家电网 is 国家 + 电网, not 家电
    assert _paths(_search(client, "电网")) == ["grid.txt"]


def test_a_word_that_is_no_name_is_relaxed_to_its_parts(client) -> None:
    data = _search(client, "船厂 石油化工")  # no page writes 石油化工, one has 石油 and 化工 apart
    assert _paths(data) == ["yard.txt"]
    assert data["results"][0]["matched_all"] is False and data["results"][0]["missing"] == []


def test_a_chunk_of_three_words_is_relaxed_to_its_two_word_phrases(client) -> None:
    data = _search(client, "数据质量管理")  # no page has it, nor 数据 + 质量 + 管理: data.txt has 数据质量
    assert _paths(data) == ["data.txt", "bureau.txt"]  # then the last resort's two of three words apart
    assert [(r["matched_all"], r["missing"]) for r in data["results"]] == [(False, ["管理"]), (False, ["数据"])]
    assert data["understood"]["relaxed"] == ["管理", "数据"]


def test_soft_and_lists_pages_with_most_words_below_and_marked(client) -> None:
    data = _search(client, "质量月 QC成果发表")
    assert _paths(data)[0] == "qc_contest.txt" and data["results"][0]["matched_all"] is True
    relaxed = {r["path"]: r for r in data["results"] if not r["matched_all"]}
    assert relaxed["qc_meeting.txt"]["missing"] == ["发表"]
    assert relaxed["notice.txt"]["missing"] == ["qc成果发表"]  # the last resort: either chunk, last
    assert _paths(data)[-1] == "notice.txt" and data["understood"]["relaxed"] == ["发表", "qc成果发表"]
    assert "air.txt" not in _paths(data)


def test_when_no_page_has_both_words_pages_with_one_follow_marked(client) -> None:
    data = _search(client, "空气质量 升旗")  # ⌈¾ × 2⌉ is both: the last resort is every word but one
    assert _paths(data) == ["air.txt"] and data["results"][0]["matched_all"] is False
    assert data["results"][0]["missing"] == ["升旗"] and data["understood"]["relaxed"] == ["升旗"]
    page = client.get("/", query_string={"q": "空气质量 升旗"}).get_data(as_text=True)
    assert "没有文档包含全部检索词" in page and "缺少：<s>升旗</s>" in page


def test_when_few_pages_have_three_words_pages_with_two_follow_marked(client) -> None:
    data = _search(client, "公司 发布会 升旗")  # ⌈¾ × 3⌉ is all three: the last resort is two of them
    assert _paths(data) == ["qc_meeting.txt"]  # never a page with one of the three (phrase.txt: 公司)
    assert data["results"][0]["missing"] == ["升旗"] and data["understood"]["relaxed"] == ["升旗"]


@pytest.mark.parametrize("q", ["质量月 QC成果发表", "公司 发布会 升旗", "空气质量 升旗"])
def test_soft_and_pages_follow_on(client, q: str) -> None:
    def page(n: int, per_page: int) -> dict:
        response = client.get("/api/search", query_string={"q": q, "page": n, "per_page": per_page})
        return response.get_json()

    whole = page(1, 10)
    pieces = [r for n in (1, 2, 3) for r in page(n, 2)["results"]]
    assert [r["id"] for r in pieces] == [r["id"] for r in whole["results"][:6]]
    assert [r["matched_all"] for r in pieces] == [r["matched_all"] for r in whole["results"][:6]]
    assert all(page(n, 2)["total"] == whole["total"] for n in (1, 2))


def test_a_chunk_found_only_written_apart_is_not_called_missing(client) -> None:
    data = _search(client, "公司质量")  # 公司 … 质量 in phrase.txt, never side by side
    assert "phrase.txt" in _paths(data)
    assert all(r["matched_all"] is False and r["missing"] == [] for r in data["results"])
    page = client.get("/", query_string={"q": "公司质量"}).get_data(as_text=True)
    assert "没有文档连着写出所检索的词" in page and "没有文档包含全部检索词" not in page


def test_a_year_finds_the_pages_of_that_year_that_never_write_it(client) -> None:
    data = _search(client, "2019年世界计量日 宣传")
    assert _paths(data)[0] == "metrology.txt" and data["results"][0]["year"] == 2019
    assert data["results"][0]["matched_all"] is True and data["results"][0]["missing"] == []
    assert "2019年的文档 + 世界计量日" in data["understood"]["expanded"]
    page = client.get("/", query_string={"q": "2019年世界计量日 宣传"}).get_data(as_text=True)
    assert "也搜索了：2019年的文档 + 世界计量日" in page and "没有文档连着写出" not in page
    beside = _search(client, "2019 世界计量日")  # 2018's page has the word, not the year: the last resort's
    assert _paths(beside) == ["metrology.txt", "metrology_2018.txt"]
    assert [r["missing"] for r in beside["results"]] == [[], ["2019"]]
    assert "2019年的文档" in beside["understood"]["expanded"]


def test_a_region_finds_the_pages_about_it_that_name_only_its_cities(client) -> None:
    data = _search(client, "新疆 计量开放日")  # altay.txt names 阿勒泰, never 新疆
    assert _paths(data) == ["altay.txt"] and data["results"][0]["region"] == "新疆"
    assert data["results"][0]["matched_all"] is True and "新疆的文档" in data["understood"]["expanded"]
    filtered = client.get("/api/search", query_string={"q": "新疆 计量开放日", "region": "新疆"}).get_json()
    assert _paths(filtered) == ["altay.txt"] and filtered["results"][0]["missing"] == []
    assert _search(client, "新疆")["total"] == 0  # alone: nothing else to rank the region's pages by


def test_soft_and_finds_a_word_by_its_other_names(client) -> None:
    data = _search(client, "质量部 KPI 考核")  # no page has all three; kpi.txt says 品质部
    assert _paths(data) == ["kpi.txt"]
    assert data["results"][0]["matched_all"] is False and data["results"][0]["missing"] == ["考核"]


def test_soft_and_never_relaxes_phrases(client) -> None:
    data = _search(client, '"QC成果发表" 质量月 小组 公司')
    assert _paths(data) == ["qc_contest.txt"] and data["understood"]["relaxed"] == []


def test_an_organization_is_also_found_by_its_other_names(client) -> None:
    data = _search(client, "市场监管总局")
    assert "bureau.txt" in _paths(data)
    assert "国家市场监督管理总局" in data["understood"]["expanded"]
    quoted = _search(client, '"市场监管总局"')
    assert "bureau.txt" not in _paths(quoted) and quoted["understood"]["expanded"] == []


def test_a_short_form_a_page_declares_is_searched_in_its_region_only(client) -> None:
    data = _search(client, "上海市质量协会")
    assert set(_paths(data)) == {"sh_defines.txt", "sh_short.txt"}  # not Suzhou's 市质协
    assert all(r["score"] > 1 for r in data["results"])  # the short form scores where it is searched
    assert "市质协（上海）" in data["understood"]["expanded"]
    assert _search(client, '"上海市质量协会"')["understood"]["expanded"] == []


def test_a_concept_is_also_found_by_its_synonyms(client) -> None:
    data = _search(client, "建筑工程")
    assert _paths(data) == ["works.txt"] and "建设工程" in data["understood"]["expanded"]
    assert _search(client, '"建筑工程"')["results"] == []


def test_a_broader_term_finds_its_narrower_terms_not_the_reverse(client) -> None:
    assert set(_paths(_search(client, "政府质量奖"))) == {"gov_award.txt", "mayor_award.txt"}
    assert _paths(_search(client, "市长质量奖")) == ["mayor_award.txt"]


def test_an_industry_named_finds_its_pages_first(client) -> None:
    data = _search(client, "钢铁 质量开放日")
    assert _paths(data) == ["mill.txt", "sectors.txt"]  # 马钢's own day above a passing mention
    assert data["results"][0]["industries"] == ["钢铁"] and data["results"][1]["industries"] == []
    assert "钢铁行业" in data["understood"]["expanded"] and data["total"] == 2
    assert _paths(_search(client, "钢铁企业 质量开放日")) == ["mill.txt", "sectors.txt"]


def test_a_page_of_the_industry_ranks_above_the_other_word_alone(client) -> None:
    # No page has both words: 马钢's, which never writes 钢铁, comes before those with 安全 alone
    # (it used to come last, found but unscored) and lacks only 安全.
    data = _search(client, "钢铁 安全")
    assert _paths(data)[0] == "mill.txt" and data["results"][0]["missing"] == ["安全"]
    assert {"works.txt", "yard.txt", "sectors.txt"} <= set(_paths(data))
    assert {r["path"]: r["missing"] for r in data["results"]}["works.txt"] == ["钢铁"]


def test_soft_and_finds_a_word_by_its_industry_too(client) -> None:
    # 马钢's page has three of the four words only when 钢铁 counts by its industry: soft AND's ¾ step.
    data = _search(client, "钢铁 质量开放日 市民 检查")
    assert _paths(data) == ["mill.txt"] and data["results"][0]["missing"] == ["检查"]


@pytest.mark.parametrize("q, searched", [
    ("钢铁 质量月", {"钢铁": "钢铁"}), ("钢铁 安全 培训 活动", {"钢铁": "钢铁"}),
    ('"钢铁" 质量月', {}), ("钢铁企业质量月活动", {}), ("钢铁", {}),
])
def test_a_word_counts_as_present_by_its_industry_only_where_it_was_searched_so(q: str, searched: dict) -> None:
    from search_app.query import Filters, parse_query
    from search_app.results import SearchRequest, searched_industries, with_industries

    query = with_industries(SearchRequest(parse_query(q), Filters())).query
    for step in (query, *(r[0] for r in (query.relaxed(), query.relaxed(all_but_one=True)) if r)):
        assert searched_industries(step.clauses) == searched, step
    filtered = with_industries(SearchRequest(parse_query(q), Filters(industry="钢铁"))).query
    assert searched_industries(filtered.clauses) == {}


def test_an_industry_is_not_expanded_in_quotes_or_alone(client) -> None:
    quoted = _search(client, '"钢铁" 质量开放日')
    assert _paths(quoted) == ["sectors.txt"] and quoted["understood"]["expanded"] == []
    alone = _search(client, "钢铁")  # nothing else to rank the industry's pages by
    assert _paths(alone) == ["sectors.txt"] and alone["understood"]["expanded"] == []


def test_the_industry_filter(client) -> None:
    response = client.get("/api/search", query_string={"q": "质量开放日", "industry": "钢铁企业"})
    data = response.get_json()
    assert _paths(data) == ["mill.txt"] and data["understood"]["filters"] == {"industry": "钢铁"}
    unknown = client.get("/api/search", query_string={"q": "质量开放日", "industry": "不存在的行业"}).get_json()
    assert unknown["total"] == 0
    page = client.get("/", query_string={"q": "质量开放日", "industry": "钢铁"}).get_data(as_text=True)
    assert '<option value="钢铁" selected>' in page and "马钢举办" in page


def test_a_phrase_is_marked_as_a_phrase(client) -> None:
    data = _search(client, '"推进质量提升"')
    snippet = data["results"][0]["snippet"]
    assert "<mark>推进质量提升</mark>" in snippet
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["推进质量提升"] * snippet.count("<mark>")


@pytest.mark.parametrize("q", ["zhiliangyue", "zhi liang yue", "zly"])
def test_pinyin_that_finds_nothing_offers_the_word(client, q: str) -> None:
    data = _search(client, q)
    assert data["total"] == 0 and data["understood"]["clauses"]  # the query itself is not rewritten
    assert data["suggestions"] and data["suggestions"][0]["q"] == "质量月" and data["suggestions"][0]["total"] >= 2


def test_the_page_says_what_it_did(client) -> None:
    soft = client.get("/", query_string={"q": "质量月 QC成果发表"}).get_data(as_text=True)
    assert "缺少：<s>发表</s>" in soft
    other = client.get("/", query_string={"q": "市场监管总局"}).get_data(as_text=True)
    assert "也搜索了：" in other and "国家市场监督管理总局" in other
    pinyin = client.get("/", query_string={"q": "zhiliangyue"}).get_data(as_text=True)
    assert "您是不是要找：" in pinyin and "质量月" in pinyin
