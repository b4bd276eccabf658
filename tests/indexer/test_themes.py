"""Stated themes: what counts as a theme, its campaign, year and region (invented sentences)."""
from __future__ import annotations

from indexer.document import build_document


def _themes(text: str, title: str = "") -> list[dict]:
    body = (title + "\n" if title else "") + text
    return build_document("t.txt", body.encode("utf-8")).themes


def test_national_campaign_is_national_wherever_the_ceremony_was() -> None:
    themes = _themes("2012年全国“质量月”活动启动仪式今天在安徽合肥举行，今年的主题是“全面推进质量强国建设”。",
                     "2012年全国质量月活动在合肥启动")
    assert [(t["theme"], t["year"], t["region"], t["campaign"]) for t in themes] == [
        ("全面推进质量强国建设", 2012, "全国", "质量月")
    ]


def test_a_local_edition_keeps_its_place() -> None:
    themes = _themes("9月2日，福建省2022年“质量月”系列活动启动，以“质量安全、守护成长”为主题开展嘉年华活动。")
    assert [(t["region"], t["campaign"]) for t in themes] == [("福建", "质量月")]
    themes = _themes("“质量月”期间，本市以“推动质量变革创新”为主题开展活动。", "2022年上海市“质量月”活动情况的通报")
    assert [t["region"] for t in themes] == ["上海"]


def test_an_event_held_by_a_national_body_is_national() -> None:
    themes = _themes("由中央广播电视总台和江苏省人民政府联合主办的论坛在江苏无锡举行。本届论坛以“新起点 智未来”为主题。")
    assert [(t["region"], t["campaign"]) for t in themes] == [("全国", None)]
    themes = _themes("第三十届杨凌农高会今天在陕西杨凌开幕，主题为“土壤健康与粮食安全”。")
    assert [t["region"] for t in themes] == ["陕西"]


def test_quotations_and_headlines_are_not_themes() -> None:
    text = (
        "国际联播快讯\n"
        "普京：干预乌克兰局势将遭俄迅速反击\n"
        "俄罗斯总统普京27日表示，任何干预乌克兰局势的行为都将遭到迅速反击。\n"
        "国际人士：美国和北约十分虚伪\n"
        "多国人士表示，美国和北约在冲突中十分虚伪。\n"
        "宁夏盐池：西北小城书写绿色画卷\n"
        "盐池县坚持生态优先，书写绿色发展画卷。\n"
    )
    assert _themes(text) == []


def test_digest_headings_are_themes_only_in_a_campaign_digest() -> None:
    text = (
        "2022年质量月活动综述\n"
        "各区围绕质量月开展了丰富多彩的活动。\n"
        "宝山：奋进滨江北转型 构筑质量新高地\n"
        "宝山区举行质量月启动仪式。\n"
        "青浦：数字赋能质量创新 打造质量高地\n"
        "青浦区开展质量月系列活动。\n"
    )
    themes = {t["theme"]: (t["region"], t["campaign"]) for t in _themes(text)}
    assert themes["奋进滨江北转型 构筑质量新高地"] == ("宝山区", "质量月")
    assert themes["数字赋能质量创新 打造质量高地"] == ("青浦区", "质量月")


def test_theme_year_is_the_events_not_a_year_mentioned_later() -> None:
    themes = _themes("2023年中国品牌日活动今天在上海开幕，今年的主题是“品牌新力量，品质新生活”，回顾2017年以来的成就。")
    assert [(t["year"], t["region"], t["campaign"]) for t in themes] == [(2023, "全国", "中国品牌日")]


def test_quoted_activity_theme() -> None:
    themes = _themes("全国少先队员开展“红领巾爱祖国”主题活动。")
    assert [t["theme"] for t in themes] == ["红领巾爱祖国"]


def test_a_campaign_name_inside_a_longer_word_is_no_mention() -> None:
    from conftest import FIXTURE_CORPUS

    doc = build_document("false_friend.txt", (FIXTURE_CORPUS / "false_friend.txt").read_bytes())
    assert doc.campaigns == [] and doc.themes == []


def test_a_theme_under_a_section_heading_takes_its_campaign_and_place() -> None:
    text = ("2018年海岳市群众性质量管理活动安排\n三、活动重点\n(一)2018年海岳市优秀质量管理小组活动\n"
            "以“传承精神、助力提升”为主题,培训宣贯《质量管理小组活动准则》标准。")
    themes = _themes(text)
    assert [(t["theme"], t["campaign"]) for t in themes] == [("传承精神、助力提升", "QC小组活动")]


def test_several_quoted_themes_and_listed_world_day_themes() -> None:
    themes = _themes("今年世界标准日的主题为“标准促进可持续发展”和“共享愿景”。")
    assert {t["theme"] for t in themes} == {"标准促进可持续发展", "共享愿景"}
    assert {t["region"] for t in themes} == {"国际"}
    assert {t["campaign"] for t in themes} == {"世界标准日"}


def test_a_theme_in_single_quotes_and_a_correcting_verb() -> None:
    themes = _themes("本届活动主题正式确定为‘品质生活 标准先行’。")
    assert [t["theme"] for t in themes] == ["品质生活 标准先行"]


def test_a_theme_on_a_multi_story_page_knows_its_story() -> None:
    from indexer.document import build_document

    stories = [
        ("全国秋粮收购进度过半", "国家粮食和物资储备局今天发布消息，全国秋粮收购进度过半，各地收购工作平稳有序，农民售粮顺畅。"),
        ("多地开展冬季供暖设施检修", "入冬以来，北方多地提前开展供暖设施检修，确保群众温暖过冬，检修工作已完成九成以上。"),
        ("2023年全国质量月活动启动", "2023年全国“质量月”活动今天启动，今年质量月的主题是“质量强国 建设有我”，各地将开展系列活动。"),
        ("铁路部门增开旅客列车", "为满足旅客出行需要，铁路部门本周增开旅客列车一百余列，加强站车服务保障工作。"),
    ]
    text = "国内联播快讯\n\n" + "\n\n".join(f"{h}\n\n{b}" for h, b in stories)
    (theme,) = build_document("news.txt", text.encode("utf-8")).themes
    assert theme["theme"] == "质量强国 建设有我" and theme["story"] == "2023年全国质量月活动启动"
    one = build_document("one.txt", ("2023年全国质量月活动启动\n\n" + stories[2][1]).encode("utf-8")).themes
    assert one and "story" not in one[0]
