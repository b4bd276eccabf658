"""The industries a document is about (indexer/industries.py): a cue in the title, or enough in the text."""
from __future__ import annotations

from indexer.datafiles import data_lines
from indexer.industries import CUE_HITS, CUE_SHARE, find_industries, industries, industry_named


def test_a_title_cue_is_enough() -> None:
    assert find_industries("马钢举办质量开放日", "市民参观生产线。") == ["钢铁"]


def test_cues_in_the_text_count_from_the_threshold() -> None:
    text = "公司冷轧车间开展质量月活动，炼钢工序和钢材检验参加。"
    assert find_industries("质量月活动启动", text) == ["钢铁"]
    assert CUE_HITS == 3 and find_industries("质量月活动启动", "炼钢工序和钢材检验参加。") == []


def test_cues_must_fill_a_share_of_the_sentences() -> None:
    item = "我国卫星物联网业务商用试验启动。卫星通信连接各类设备。试验推动卫星应用。"
    others = "".join(f"第{n}条新闻的标题\n有关部门今天发布了数据。各地积极落实。\n" for n in range(6))
    assert find_industries("国内联播快讯", item) == ["航空航天"]
    assert CUE_SHARE == 0.2 and find_industries("国内联播快讯", others + item) == []  # one item of a round-up
    sectors = "推动食品企业质量提升。" + "全省各地开展质量宣传和咨询服务活动。" * 5
    assert find_industries("质量月活动情况", sectors * 4) == []  # 4 of 24 sentences: named in passing
    assert find_industries("质量月活动情况", sectors * 2 + "乳业企业开放生产线。乳制品检验。") == ["食品"]


def test_a_round_up_needs_two_stories() -> None:
    rail = ("我国铁路货运量创新高\n今年以来，国铁集团加强铁路货运组织，全国铁路货物发送量同比增长百分之五，高铁快运业务同步增长。\n")
    other = "".join(f"第{n}条新闻的标题\n有关部门今天发布了最新数据，各地积极落实相关政策措施，一季度取得了明显成效，群众普遍满意。\n" for n in range(2))
    assert find_industries("国内联播快讯", rail + other) == []  # one story of three
    second = "中欧班列开行突破新纪录\n今年中欧班列累计开行超过一万列，铁路口岸通关效率大幅提升，列车运行平稳有序，货物品类不断丰富。\n"
    assert find_industries("国内联播快讯", rail + second + other) == ["铁路"]
    assert find_industries("国内联播快讯", "本期节目关注铁路。\n" + rail + other) == []  # a lead-in is no story


def test_an_aircraft_carrier_is_no_industry() -> None:
    # Not aerospace (航空 in 航空母舰); not shipbuilding either: most pages that name one are war news.
    assert find_industries("我国第三艘航空母舰下水", "") == []
    assert find_industries("美军航母舰队进入加勒比海", "") == []


def test_railway_names_inside_other_words_are_no_cues() -> None:
    for title in ("集中铁腕整治质量违法行为", "其中铁矿石进口量下降", "钢铁建设项目质量月活动启动"):
        assert not {"铁路", "建筑"} & set(find_industries(title, "")), title


def test_a_china_railway_unit_is_railway_and_building() -> None:
    text = "项目部按照要求开展质量月活动，中铁武汉电气化局组织施工现场质量检查，中铁质量文化进工地。"
    assert set(find_industries("中铁二局四公司某项目部开展质量月活动", text)) == {"建筑", "铁路"}


def test_a_list_of_sectors_is_no_industry() -> None:
    text = "本市钢铁、化工、纺织、食品、汽车等行业的企业将举办质量开放日。"
    assert find_industries("质量开放日活动安排", text) == []


def test_traditional_and_latin_cues() -> None:
    assert find_industries("撫順特鋼召開質量大會", "") == ["钢铁"]
    assert find_industries("Shandong Iron and Steel Group holds Quality Month", "") == ["钢铁"]


def test_a_page_may_be_of_several_industries() -> None:
    text = "中建三局承建的铁路站房项目部开展质量月活动，施工现场、工地和高铁站房同步检查，铁路部门参加。"
    assert set(find_industries("项目部质量月", text)) == {"建筑", "铁路"}


def test_a_longer_name_holding_a_cue_is_not_one() -> None:
    power = "国家电网公司上海市电力公司获得全国质量奖。来源：国家电网。国家电网公司农电工作部"
    assert "家电" not in find_industries("上海市电力公司荣获全国质量奖", power)
    assert find_industries("国家电影局", "") == [] and find_industries("家电企业质量月", "") == ["家电"]
    regulator = "国家食品药品监督管理局发布药品GMP问答。各省食品药品监管部门。国家食品药品监督管理局"
    assert "食品" not in find_industries("药品GMP问答", regulator)
    assert "食品" in find_industries("", "乳业 乳制品 食品 质量")


def test_query_words_name_an_industry() -> None:
    assert industry_named("钢铁企业") == industry_named("鋼鐵") == industry_named("钢铁") == "钢铁"
    assert industry_named("家用电器") == "家电" and industry_named("食品企业") == "食品"
    assert industry_named("食品安全") is None and industry_named("质量月") is None


def test_the_data_file() -> None:
    rows = data_lines("industries.tsv")
    assert len(rows) == len(industries()) and all(len(row.split("\t")) in (3, 4) for row in rows)
    named: dict[str, str] = {}
    for industry in industries():
        for term in industry.query_terms:
            assert named.setdefault(term, industry.name) == industry.name, f"{term} names two industries"
        assert industry_named(industry.name) == industry.name
