"""Cleaning and metadata: chrome out, article in; titles, dates, years, regions right."""
from __future__ import annotations

import pytest

from conftest import FIXTURE_CORPUS, SEEDS
from indexer.clean import clean_html, strip_chrome_lines, strip_site_suffix
from indexer.document import build_document
from indexer.errors import DocumentError
from indexer.extract import doc_number, document_year, doc_type, find_regions, parse_date, title_from_text

# Gold metadata for the five seeds, checked by hand against the texts.
SEED_GOLD = {
    "000_0bce4af3382c1576.txt": dict(
        title="市質量工作領導小組辦公室等相關部門開展了上海市“質量月”活動",
        date=None, year=2022, region="上海", district=None, doc_type="新闻", doc_number=None,
    ),
    "001_d323e32c5bf0f654.txt": dict(
        title="上海市质量工作领导小组办公室关于2022年上海市“质量月”活动情况的通报",
        date=None, year=2022, region="上海", district=None, doc_type="通报", doc_number="沪质办〔2022〕5号",
    ),
    "002_2bb829a5f8e33f8c.txt": dict(
        title="河北省質量強省戰略領導小組辦公室聯合省委宣傳部、省發展改革委等18個部門開展2022年全省“質量月”…",
        date=None, year=2022, region="全国", district=None, doc_type="新闻", doc_number=None,
    ),
    "003_b1e6235fe70e8a2b.txt": dict(
        # A page without a headline takes its first real sentence whole when it is short enough
        # (issue 20); a clause of it was taken before.
        title="8月29日上午,由上海市質協和市質監局自貿區分局共同組織的質量月升旗儀式在中國上海自由貿易試驗區舉行",
        date=None, year=2014, region="上海", district=None, doc_type="新闻", doc_number=None,
    ),
    "004_fb5c211a9a1c32cf.txt": dict(
        title="关于开展2018年 上海市群众性质量管理活动的通知",
        date="2018-09-07", year=2018, region="上海", district=None, doc_type="通知", doc_number=None,
    ),
}


def _seed(name: str):
    return build_document(name, (SEEDS / name).read_bytes())


@pytest.mark.parametrize("name", sorted(SEED_GOLD))
def test_seed_metadata(name: str) -> None:
    doc = _seed(name)
    got = {k: getattr(doc, k) for k in SEED_GOLD[name]}
    assert got == SEED_GOLD[name]


def test_seed_002_can_be_found_under_each_province() -> None:
    regions = _seed("002_2bb829a5f8e33f8c.txt").regions
    for province in ("河北", "浙江", "安徽", "福建", "湖北", "广东", "广西", "重庆", "云南", "甘肃"):
        assert province in regions


def test_seed_003_sidebar_lists_are_not_text() -> None:
    doc = _seed("003_b1e6235fe70e8a2b.txt")
    assert "漕河涇" in doc.text
    for chrome in ("通知公告", "會員活動", "最新動態", "上海質量工匠", "2025年"):
        assert chrome not in doc.text
    assert doc.text.endswith("來自漕河涇區內的近百余家企業參加。")
    assert doc.year == 2014


@pytest.mark.parametrize(
    "name",
    ["gbk_notice.html", "big5_news.html", "utf16_report.txt", "utf8bom_notice.txt", "pinyin_glossed.txt",
     "chrome_heavy.html", "hostile.html", "sub/dir/gb18030_notice.txt", "table_layout.htm", "false_friend.txt"],
)
def test_fixture_documents(name: str, expected: dict) -> None:
    want = expected[name]
    doc = build_document(name, (FIXTURE_CORPUS / name).read_bytes())
    for key in ("title", "date", "year", "region", "district", "doc_type", "doc_number", "url"):
        assert getattr(doc, key) == want[key], key
    for text in want["must_contain"]:
        assert text in doc.text
    for chrome in want["must_not_contain"]:
        assert chrome not in doc.text and chrome not in doc.title


def test_hostile_markup_is_text_not_markup() -> None:
    doc = build_document("hostile.html", (FIXTURE_CORPUS / "hostile.html").read_bytes())
    assert "<b>质量月</b>" in doc.text  # escaped entities in the page are literal text
    assert "alert(" not in doc.text and "onerror" not in doc.text and "javascript:" not in doc.text


@pytest.mark.parametrize("name,reason", [("empty.txt", "文件为空"), ("binary.html", "二进制"), ("spaces_only.txt", "文件为空")])
def test_broken_fixture_files_fail_with_reason(name: str, reason: str) -> None:
    with pytest.raises(DocumentError, match=reason):
        build_document(name, (FIXTURE_CORPUS / name).read_bytes())


def test_link_only_page_is_a_directory_not_a_document() -> None:
    links = "".join(f'<li><a href="/n{i}.html">质量月新闻标题第{i}条</a></li>' for i in range(30))
    with pytest.raises(DocumentError, match="目录页"):
        clean_html(f"<html><body><ul>{links}</ul></body></html>")


def test_error_page_is_reported() -> None:
    with pytest.raises(DocumentError, match="错误页"):
        clean_html("<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>")


def test_video_page_falls_back_to_description() -> None:
    page = ('<html><head><meta property="og:title" content="质量月启动"><meta name="description" '
            'content="本期节目主要内容：1.全国质量月活动启动。"></head><body><div class="nav">首页</div></body></html>')
    article = clean_html(page)
    assert article.title == "质量月启动" and "全国质量月活动启动" in article.text


def test_script_date_variable_is_a_date_hint() -> None:
    page = "<html><head><script>var fdate='2024/08/21 19:30:00';</script></head><body><p>" + "质量月活动，" * 20 + "</p></body></html>"
    assert "2024/08/21" in clean_html(page).date_hints


_BODY = "<p>" + "企业围绕质量提升开展了一系列活动，取得良好成效。" * 8 + "</p>"


@pytest.mark.parametrize(
    "page,iso",
    [
        # The date under the heading, in its own element.
        (f'<html><body><h1>某公司开展质量月活动</h1><div class="date">2016-09-08</div>{_BODY}</body></html>', "2016-09-08"),
        # A source line: date, then 来源.
        (f"<html><body><h1>质量月活动</h1><span>2018-09-03 来源：企业供稿</span>{_BODY}</body></html>", "2018-09-03"),
        (f"<html><body><h1>质量月活动</h1><p>2022-09-06 10:21:33\u3000来源：本站</p>{_BODY}</body></html>", "2022-09-06"),
        # A lone date right under the title, with no class to tell.
        (f"<html><body><h1>质量月活动</h1><p>2019年9月2日</p>{_BODY}</body></html>", "2019-09-02"),
        # Labelled lines keep working.
        (f"<html><body><h1>质量月活动</h1><p>发布日期：2021-09-01</p>{_BODY}</body></html>", "2021-09-01"),
    ],
)
def test_cms_date_lines(page: str, iso: str) -> None:
    assert build_document("page.html", page.encode("utf-8")).date == iso


def test_htmldate_is_the_fallback_when_our_rules_find_no_date() -> None:
    # Only the URL-like path in a link of the page's own head carries the date: our rules miss it.
    page = (f'<html><head><link rel="canonical" href="https://example.org/2020/09/15/quality.html"></head>'
            f"<body><h1>质量月活动</h1>{_BODY}</body></html>")
    assert build_document("page.html", page.encode("utf-8")).date == "2020-09-15"
    plain = f"<html><body><h1>质量月活动</h1>{_BODY}</body></html>"
    assert build_document("page.html", plain.encode("utf-8")).date is None


@pytest.mark.parametrize(
    "title,out",
    [
        ("关于开展2021年“质量月”活动的通知_某某区市场监督管理局", "关于开展2021年“质量月”活动的通知"),
        ("青岛市2015年“质量月”活动实施方案-青岛市质量技术监督局", "青岛市2015年“质量月”活动实施方案"),
        ("2022-2023年质量提升行动 | 质量网", "2022-2023年质量提升行动"),
        ("质量月", "质量月"),
    ],
)
def test_strip_site_suffix(title: str, out: str) -> None:
    assert strip_site_suffix(title) == out


def test_plain_text_sidebar_block_is_removed_but_prose_stays() -> None:
    text = "正文第一段，介绍质量月活动。\n相关阅读\n更多\n- 链接一\n- 链接二\n- 链接三\n正文最后一段很长很长，说明活动的成效和下一步工作安排，并提出要求。"
    out = strip_chrome_lines(text)
    assert "链接一" not in out and "相关阅读" not in out
    assert "正文第一段" in out and "正文最后一段" in out


@pytest.mark.parametrize(
    "text,iso",
    [("2022-09-01", "2022-09-01"), ("2022/9/1 10:00", "2022-09-01"), ("2022年9月1日", "2022-09-01"),
     ("二〇一八年九月七日", "2018-09-07"), ("二〇二三年十二月三十一日", "2023-12-31"), ("2022年13月1日", None), ("无日期", None)],
)
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_title_from_text_file_header() -> None:
    text = "某市质量办文件\n\n某质办〔2023〕3号\n\n某市质量办关于\n开展2023年质量月活动的通知\n各区：\n正文。"
    assert title_from_text(text) == "某市质量办关于开展2023年质量月活动的通知"


def test_year_is_campaign_then_publication_then_title_or_first_paragraph() -> None:
    assert document_year("某报道", "2023年回顾。\n他1974年出生。", "2024-02-07", [2023]) == 2023
    assert document_year("新闻", "第一段。\n他1974年出生，2022年入职。", "2023-02-07") == 2023
    assert document_year("2019年质量月总结", "2020年 2020年") == 2019
    assert document_year(None, "2020年质量月，2020年度，2019年") == 2020
    assert document_year(None, "没有年份", "2021-05-01") == 2021
    assert document_year(None, "二〇一八年的活动") == 2018
    # A year only mentioned after the first paragraph is not the document's year.
    assert document_year(None, "开展活动。\n此前，他于1969年出生。") is None
    assert document_year(None, "活动", "2022-05-01", [None, 2030]) == 2022


def test_campaigns_a_document_is_about() -> None:
    from indexer.campaigns import find_campaigns

    assert [(c.name, c.year) for c in find_campaigns("李克强对2022年全国“质量月”活动作出重要批示", "")] == [("质量月", 2022)]
    assert find_campaigns("标题", "加快建设制造强国、质量强国、网络强国。") == []
    assert [c.name for c in find_campaigns("快讯", "今天是第24个世界计量日，中国主场活动在湖北武汉举行。")] == ["世界计量日"]
    assert find_campaigns("标题", "他提到世界计量日。") == []
    assert [(c.name, c.year) for c in find_campaigns(None, "唐晓芬宣布2014年上海市质量月活动升旗仪式开始。")] == [("质量月", 2014)]


def test_regions_ignore_street_names_and_ordinary_words() -> None:
    text = "上海市质量协会地址:长宁区泰安路74号；上海市总工会地址:中山东一路14号。欢迎各位来宾。"
    region = find_regions(None, text)
    assert region.region == "上海"
    assert "泰安" not in region.regions and "中山" not in region.regions and "来宾" not in region.regions


def test_district_when_one_dominates() -> None:
    region = find_regions("浦东新区2021年质量月活动", "浦东新区开展活动。浦东新区企业参加。上海市")
    assert (region.region, region.district) == ("上海", "浦东新区")


def test_doc_type_and_number() -> None:
    assert doc_type("2025年获奖名单公告", "") == "公告"
    assert doc_type("关于开展质量月活动的通知", "") == "通知"
    assert doc_type(None, "现将有关情况通报如下。") == "通报"
    assert doc_type("质量月启动", "") == "新闻"
    assert doc_number("标题\n沪质办〔2022〕5号\n正文引用（沪质办〔2022〕902号）") == "沪质办〔2022〕5号"
    assert doc_number("正文引用了（沪质办〔2022〕902号）文件") is None
    assert doc_number("", ["发文字号：沪市监质〔2022〕123号"]) == "沪市监质〔2022〕123号"


def test_symbol_runs_injected_into_sentences_are_removed() -> None:
    from indexer.clean import strip_spam

    assert strip_spam("质量★■◆★■◆月活动启动。") == "质量月活动启动。"


@pytest.mark.parametrize("text,iso", [
    ("某某新闻\n发布于 2021-09-03 10:20\n正文第一段说明活动情况。", "2021-09-03"),
    ("正文第一段说明活动情况，内容很长很长。\n\n海岳市市场监督管理局\n2020年9月1日", "2020-09-01"),
])
def test_labelled_and_signed_dates(text: str, iso: str) -> None:
    from indexer.extract import find_date

    assert find_date([], text) == iso


def test_original_title_line_is_the_title() -> None:
    assert title_from_text("原标题：海岳市举办2021年质量月启动仪式\n正文第一段说明活动情况。") == "海岳市举办2021年质量月启动仪式"


def test_attachment_links_in_every_spelling_and_none_from_script_words() -> None:
    from indexer.extract import attachment_links
    from indexer.formats import ATTACHMENT_SUFFIXES

    page = (
        "<script>window.document.write('x.etc')</script>"
        '<a href="files/%E5%90%8D%E5%8D%95.PDF">名单</a> <a href="plan.Docx">方案</a>'
        "<a href='sheet&#46;xlsx'>表</a> <a href=\"scan%2Epdf\">扫描件</a> <a href=\"next.html\">下一篇</a>"
    )
    assert attachment_links(page, "site/notice.html", ATTACHMENT_SUFFIXES) == [
        "site/files/名单.PDF", "site/plan.Docx", "site/sheet.xlsx", "site/scan.pdf"]
    assert attachment_links("<script>document.title</script><a href='a.html'>a</a>", "n.html", ATTACHMENT_SUFFIXES) == []
