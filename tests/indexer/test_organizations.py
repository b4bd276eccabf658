"""Organization extraction on small texts written for the tests: lists, scripts, brackets, headings."""
from __future__ import annotations

from indexer.organizations import find_organizations


def _names(text: str) -> dict[str, str]:
    return {o.name: o.kind for o in find_organizations(text)}


def test_enumerated_list_with_count() -> None:
    text = "星辰精密机械股份有限公司、海岳电子科技有限公司、青松食品集团等3家企业获得表彰。"
    assert _names(text) == {
        "星辰精密机械股份有限公司": "enterprise", "海岳电子科技有限公司": "enterprise", "青松食品集团": "enterprise",
    }


def test_brand_names_in_a_list_beside_a_known_company() -> None:
    names = _names("机场集团、铁路上海站、申通地铁集团在主要站点发布公益广告。")
    assert {"机场集团", "铁路上海站", "申通地铁集团"} <= set(names)


def test_traditional_names_fold_to_one_simplified_name_and_keep_the_original() -> None:
    orgs = find_organizations("由上海楊浦科技創業中心有限公司實施的項目，上海市質量協會參加。")
    by_name = {o.name: o for o in orgs}
    assert by_name["上海杨浦科技创业中心有限公司"].original == "上海楊浦科技創業中心有限公司"
    assert by_name["上海市质量协会"].kind == "association"


def test_parenthesised_group_stays_in_the_name() -> None:
    assert "重庆机床(集团)有限公司" in _names("如重慶機床(集團)有限公司開展歷年QC小組成果回顧")
    assert "同济大学建筑设计研究院(集团)有限公司" in _names("同濟大學建築設計研究院(集團)有限公司等企業")


def test_digest_headings_name_units_but_not_places() -> None:
    text = "宝山：奋进滨江北转型 构筑质量新高地\n宝山区举行活动。\n申通地铁：奋进高质量 迈向新征程\n9月1日下午，申通地铁集团举行活动。"
    names = _names(text)
    assert "申通地铁集团" in names and "宝山" not in names
    assert "申通地铁" in next(o for o in find_organizations(text) if o.name == "申通地铁集团").short_forms


def test_kinds() -> None:
    names = _names("瑞金医院、同济大学和上海市市场监督管理局、上海市总工会、共青团上海市委员会参加。")
    assert names["瑞金医院"] == "institution" and names["同济大学"] == "institution"
    assert names["上海市市场监督管理局"] == "government"
    assert names["上海市总工会"] == "association" and names["共青团上海市委员会"] == "association"


def test_no_fragments() -> None:
    names = _names("本市企业积极参与，各区政府和有关单位、行业协会共同推动。营造政府重视质量的氛围。这是一句恰好以公司结尾的话说到了公司")
    assert names == {}
    assert "产业布局" not in _names("全省市场监管系统对接产业布局，服从疫情防控大局。")


def test_contact_lines_are_not_headings() -> None:
    text = "上海市质量协会地址:长宁区泰安路74号\n联系人:周秀慧 徐俊杰\n邮政编码:200052"
    assert set(_names(text)) <= {"上海市质量协会"}


def _kinds(text: str) -> dict[str, str]:
    return {o.name: o.kind for o in find_organizations(text, digest=False)}


def test_central_bodies_are_government_not_enterprises() -> None:
    found = _kinds("财政部、商务部、外交部联合发布通知。中宣部、中央统战部和中央党校有关负责人出席。七国集团峰会在日本举行。")
    assert found == {
        "财政部": "government", "商务部": "government", "外交部": "government", "中宣部": "government",
        # Intergovernmental bodies are `other` since issue 20 (the README's table of kinds).
        "中央统战部": "government", "中央党校": "government", "七国集团": "other",
    }


def test_names_with_he_inside_are_whole() -> None:
    assert _kinds("工业和信息化部、文化和旅游部、国家粮食和物资储备局负责同志参加。") == {
        "工业和信息化部": "government", "文化和旅游部": "government", "国家粮食和物资储备局": "government",
    }


def test_no_places_people_titles_meetings_or_generic_phrases() -> None:
    found = _kinds(
        "辽宁省抚顺市、重庆巫溪发生暴雨。俄罗斯国家杜马主席沃洛金表示反对。中央政治局常委会会议召开。"
        "保险公司、新媒体平台和工业领域都受到影响。各级党委要认真落实党中央决策部署。"
    )
    assert found == {"俄罗斯国家杜马": "government", "中央政治局常委会": "government", "党中央": "government"}


def test_a_place_before_a_national_body_is_not_part_of_its_name() -> None:
    assert _kinds("习近平在北京中共中央政治局会议上讲话。") == {"中共中央政治局": "government"}
    # A local body of a listed kind keeps its seat: 省发改委, 上海市国资委.
    assert _kinds("省发改委、上海市国资委和市场监管总局参加。") == {
        "省发改委": "government", "上海市国资委": "government", "市场监管总局": "government",
    }


def test_media_and_foreign_bodies() -> None:
    assert _kinds("据新华社报道，路透社援引美国国务院发言人的话说，俄外交部已回应。") == {
        "新华社": "other", "路透社": "other", "美国国务院": "government", "俄外交部": "government",
    }
    assert _kinds("丁薛祥在北京会见美国苹果公司首席执行官。") == {"美国苹果公司": "enterprise"}


MULTI_STORY = (
    "国内联播快讯\n"
    "2024年中国品牌日活动在上海启动\n"
    "今天，2024年中国品牌日活动在上海启动，由市场监管总局和上海市人民政府主办，主题是“中国品牌，世界共享”。"
    "本次活动展陈面积大幅增加，各地品牌企业纷纷参展，展示高质量发展成果。\n"
    "以军空袭加沙\n"
    "以色列国防军今天空袭加沙地带多处目标，造成大量平民伤亡和房屋损毁，联合国表示强烈谴责，呼吁各方立即停火，保护平民安全。\n"
    "多地迎来降雨\n"
    "今天，南方多地迎来强降雨，气象部门提醒公众注意防范山洪、泥石流等次生灾害，合理安排出行计划。\n"
)


def test_on_a_multi_story_page_only_the_campaign_story_takes_part() -> None:
    from indexer.document import build_document

    doc = build_document("kuaixun.txt", MULTI_STORY.encode("utf-8"))
    assert doc.campaigns == ["中国品牌日"]
    flags = {o["name"]: o["in_campaign"] for o in doc.organizations}
    assert flags == {"市场监管总局": True, "上海市人民政府": True, "以军": False, "以色列国防军": False, "联合国": False}


def test_campaign_scope_lists_only_the_campaign_story(tmp_path) -> None:
    from indexer.backends.whoosh.writer import build_index
    from search_app import create_app

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "kuaixun.txt").write_text(MULTI_STORY, "utf-8")
    build_index(corpus, tmp_path / "ix")
    app = create_app({"TESTING": True, "INDEX_DIR": str(tmp_path / "ix")})
    try:
        client = app.test_client()
        names = lambda scope: {o["name"] for o in client.get("/api/organizations", query_string={"scope": scope}).get_json()["organizations"]}  # noqa: E731
        assert names("campaign") == {"市场监管总局", "上海市人民政府"}
        assert {"以色列国防军", "联合国"} <= names("all")
    finally:
        app.extensions["qsearch_store"].close()


def test_a_parent_body_is_not_a_short_form_of_its_office() -> None:
    orgs = {o.name: o.short_forms for o in find_organizations(
        "国务院妇女儿童工作委员会办公室发布通知，国务院有关部门参加。中国银行股份有限公司与中国银行同为一家。", digest=False)}
    assert "国务院" in orgs and "国务院" not in orgs["国务院妇女儿童工作委员会办公室"]
    assert "中国银行" in orgs["中国银行股份有限公司"]


def test_a_programme_summary_counts_only_the_campaign_item() -> None:
    from indexer.campaigns import campaign_passages

    summary = ("本期节目主要内容： 1.习近平同匈牙利总理举行会谈； 2.以色列国防军空袭加沙； "
               "3.国内联播快讯：（1）300亿元储蓄国债今起发行；（2）2024年中国品牌日活动在上海启动；（3）联合国发布报告。")
    assert campaign_passages("《新闻联播》 20240510 19:00", summary) == ["(2)2024年中国品牌日活动在上海启动;"]


def test_dates_and_lists_of_countries_are_not_part_of_a_name() -> None:
    assert _kinds("5月30日中共中央政治局召开会议。") == {"中共中央政治局": "government"}
    # The last country may name its own party's centre (古巴党中央); the list before it is no name.
    assert not any("越南" in name for name in _kinds("朝鲜越南老挝古巴党中央致电祝贺。"))


def test_whole_list_items_after_an_award_verb() -> None:
    names = _names("授予星辰精密机械股份有限公司、海岳市第一人民医院检验科、青松县质量技术监督检测所“质量标杆”称号。")
    assert {"星辰精密机械股份有限公司", "青松县质量技术监督检测所"} <= set(names)
    assert not any(n.startswith("授予") for n in names)


def test_counted_members_of_a_list() -> None:
    names = _names("星辰精密、海岳电子、青松食品等3家企业入选。")
    assert {"星辰精密", "海岳电子", "青松食品"} <= set(names)
    assert all(kind == "enterprise" for kind in names.values())


def test_a_plant_of_a_company_is_the_company() -> None:
    names = _names("海岳水务集团有限公司二水厂开展质量月活动。")
    assert "海岳水务集团有限公司" in names


def test_a_laboratory_belongs_to_its_institute() -> None:
    names = _names("星辰市计量测试研究院实验室承担检定任务。")
    assert "星辰市计量测试研究院" in names and names["星辰市计量测试研究院"] == "institution"


def test_media_in_source_lines_and_bylines() -> None:
    names = _names("质量强则企业强\n转自：星辰日报\n本报讯 近日，星辰市开展质量月活动。")
    assert names.get("星辰日报") == "other"  # media are 'other' bodies


def test_collective_clauses_name_no_body() -> None:
    assert not _names("各有关单位、各企业集团要认真组织。")


def test_short_forms_a_document_declares_are_recorded() -> None:
    text = ("2022年中國質量協會（以下簡稱“中國質協”）將繼續開展活動；福耀玻璃工业集团股份有限公司(以下简称福耀集团)参加。"
            "依据《药品经营质量管理规范》（以下简称《规范》）。")
    orgs = {o.name: o.as_dict() for o in find_organizations(text)}
    assert orgs["中国质量协会"]["abbreviations"] == ["中国质协"]
    assert orgs["福耀玻璃工业集团股份有限公司"]["abbreviations"] == ["福耀集团"]
    assert all("规范" not in a for o in orgs.values() for a in o["abbreviations"])


def test_a_list_table_gives_its_organizations_not_people_groups_or_places() -> None:
    from indexer.formats.model import Table
    from indexer.organizations import table_organizations

    table = Table(["序号", "单位名称", "小组名称", "等级"], [
        ["1", "甲乙精密机械有限公司", "精益求精QC小组", "一等奖"],
        ["2", "丙丁电子科技股份有限公司第一分公司", "攻坚QC小组", "二等奖"],
        ["3", "庚辛百货有限公司中山路店", "微笑服务小组", "三等奖"],
        ["4", "示例市申酉人民医院、壬癸学校", "护理质量小组", "三等奖"],
        ["5", "张伟", "个人", "优秀奖"],
        ["6", "浦东新区", "区级推荐", "优秀奖"],
        ["7", "机加工二车间QC小组", "", "优秀奖"],
        ["8", "装配一班组", "", "优秀奖"],
    ])
    orgs = {org["name"]: org for org in table_organizations([table])}
    assert set(orgs) == {"甲乙精密机械有限公司", "丙丁电子科技股份有限公司第一分公司", "庚辛百货有限公司中山路店",
                         "示例市申酉人民医院", "壬癸学校"}
    assert orgs["甲乙精密机械有限公司"]["did"] == ["小组名称：精益求精QC小组；等级：一等奖"]
    assert orgs["示例市申酉人民医院"]["kind"] == "institution"
    assert table_organizations([Table(["序号", "姓名", "单位"], [["1", "李四", "甲乙精密机械有限公司"]])])[0]["name"] == "甲乙精密机械有限公司"
    assert table_organizations([Table(["序号", "课题名称", "等级"], [["1", "降低焊接不良率", "一等奖"]])]) == []


def test_an_attachment_without_a_heading_is_titled_by_its_file_name() -> None:
    from indexer.document import attachment_title

    assert attachment_title("www.x.gov.cn/P020230901385_%E5%90%8D%E5%8D%95.pdf") == "名单"
    assert attachment_title("附件2：2023年度名单.xlsx") == "附件2：2023年度名单"
