"""A real browser against a real server: search, click a facet, open a document, see the highlight.

Needs Debian's chromium (installed by .ci/run): the `browser` marker skips it locally when chromium
is missing; with QSEARCH_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure instead.
"""
from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api

from conftest import CHROMIUM, serving

pytestmark = pytest.mark.browser

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    assert CHROMIUM, "chromium is required (QSEARCH_REQUIRE_BROWSER is set)"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
        page = context.new_page()
        yield page
        context.close()
        browser.close()


def test_search_facet_document_highlight(server: str, page, tmp_path: Path) -> None:
    page.goto(server + "/")
    page.fill("input[name=q]", "质量月")
    page.press("input[name=q]", "Enter")
    page.wait_for_selector("#total")
    total = int(page.inner_text("#total"))
    assert total > 1
    assert page.locator(".hit mark").count() > 0

    facet = page.locator('[data-facet="region"] a', has_text="浙江")
    facet.click()
    page.wait_for_url("**region=*")
    filtered = int(page.inner_text("#total"))
    assert 0 < filtered < total
    assert page.locator(".chip", has_text="地区：浙江").count() == 1

    page.locator(".hit h2 a").first.click()
    page.wait_for_selector("article.document")
    marks = page.locator(".fulltext mark")
    assert marks.count() > 0
    assert marks.first.is_visible()
    assert marks.first.inner_text() in ("质量月", "質量月")
    page.screenshot(path=str(tmp_path / "document.png"), full_page=True)


def test_hostile_page_runs_no_script(server: str, page) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/?q=" + urllib.request.quote("质量月 北京"))
    page.wait_for_selector("#total")
    page.locator(".hit h2 a", has_text="北京").first.click()
    page.wait_for_selector("article.document")
    assert "<b>质量月</b>" in page.inner_text(".fulltext")
    assert dialogs == []


def test_phone_width_layout(server: str, page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/?q=" + urllib.request.quote("首席质量官"))
    page.wait_for_selector("#total")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 400, "the results page must not scroll sideways on a phone"
    page.screenshot(path=str(tmp_path / "phone.png"))


def test_organizations_scope_switch(server: str, page) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server + "/organizations?kind=enterprise")
    current = page.locator(".tabs .tab.current")
    assert current.inner_text() == "只看质量活动文档"
    assert "scope=campaign" in page.get_attribute("a.download", "href")
    in_campaigns = int(page.inner_text("#org-total"))
    page.locator(".tabs a", has_text="全部文档").click()
    page.wait_for_url("**scope=all*")
    assert page.locator(".tabs .tab.current").inner_text() == "全部文档"
    assert int(page.inner_text("#org-total")) >= in_campaigns > 0
    href = page.get_attribute("a.download", "href")
    assert "scope=all" in href and "kind=enterprise" in href
    # Filtering keeps the scope the page shows.
    page.fill("input[name=q]", "上海")
    page.click("form.search button[type=submit]")
    page.wait_for_url("**q=*")
    assert "scope=all" in page.url and page.locator(".tabs .tab.current").inner_text() == "全部文档"


def test_organizations_and_themes_pages(server: str, page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server + "/organizations?kind=enterprise")
    assert int(page.inner_text("#org-total")) > 5
    # A row leads to the organization's page (issue 23), and from there to the search filtered by it.
    page.locator("table.orgs a.org", has_text="上海申驰实业股份有限公司").click()
    page.wait_for_selector("article.organization")
    assert page.locator("h1").inner_text() == "上海申驰实业股份有限公司"
    page.locator("a", has_text="在检索中筛选").click()
    page.wait_for_selector("#total")
    marked = page.locator(".hit mark").all_inner_texts()
    assert {"上海申驰实业股份有限公司", "上海申馳實業股份有限公司"} & set(marked), marked
    page.goto(server + "/themes?year=2022")
    assert page.locator("section.campaign h2").first.inner_text() == "质量月"
    link = page.locator(".timeline a").first
    assert link.is_visible()
    link.click()
    page.wait_for_selector("article.document")
    page.screenshot(path=str(tmp_path / "theme-source.png"))


def test_organization_page_counts_and_campaign_year(server: str, page, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server + "/organizations?scope=all&sort=documents")
    first = page.locator("table.orgs tbody tr").first
    name, count = first.locator("a.org").inner_text(), int(first.locator("a.count").inner_text())
    first.locator("a.org").click()
    page.wait_for_selector("article.organization")
    assert page.locator("h1").inner_text() == name and int(page.inner_text("#org-docs")) == count
    assert page.locator(".orgdocs > li").count() == min(count, 50)
    page.goto(server + "/campaigns/" + urllib.request.quote("质量月"))
    assert page.locator("figure.chart svg rect").count() >= 2
    page.locator("table.years a", has_text="2022").click()
    page.wait_for_selector("article.campaign-year")
    assert "2022 年质量月" in page.locator("h1").inner_text()
    assert page.locator("h2", has_text="组织单位").is_visible() and page.locator(".orgdocs li").count() > 0
    page.screenshot(path=str(tmp_path / "campaign-year.png"), full_page=True)


def test_paging_and_sorting_of_the_lists(server: str, page) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server + "/organizations?scope=all&per_page=5")
    total = int(page.inner_text("#org-total"))
    assert page.locator("table.orgs tbody tr").count() == 5 and total > 10
    first_page = page.locator("table.orgs a.org").all_inner_texts()
    page.locator(".pager a[rel=next]").click()
    page.wait_for_url("**page=2*")
    assert "第 2 / " in page.inner_text(".pager") and page.locator("table.orgs a.org").all_inner_texts() != first_page
    page.locator(".sorts a", has_text="名称").click()
    page.wait_for_url("**sort=name*")
    names = page.locator("table.orgs a.org").all_inner_texts()
    assert names == sorted(names)
    page.goto(server + "/themes?per_page=3&sort=year")
    years = [int(t) for t in page.locator("section.year h3").all_inner_texts() if t.isdigit()]
    assert years == sorted(years, reverse=True) and page.locator(".pager a[rel=next]").count() == 1


def test_document_page_links_and_the_way_back(server: str, page) -> None:
    page.set_viewport_size({"width": 1200, "height": 900})
    page.goto(server + "/?q=" + urllib.request.quote("质量月") + "&year=2022")
    page.wait_for_selector("#total")
    page.locator(".hit h2 a").first.click()
    page.wait_for_selector("article.document")
    back = page.get_attribute(".back a", "href")
    assert "year=2022" in back and "q=" in back
    assert page.locator(".orgs-found a").count() > 0
    page.locator(".orgs-found a").first.click()
    page.wait_for_selector("article.organization")
    page.locator(".orgdocs a").first.click()
    page.wait_for_selector("article.document")
    assert page.locator(".back").count() == 0  # no search to go back to
    page.goto(server + "/help")
    assert page.locator("#syntax table").is_visible()
    page.locator("footer a", has_text="API 说明").click()
    page.wait_for_selector("article.api")
    assert page.locator("section.endpoint").count() >= 8


@pytest.mark.parametrize("path", ["/?q=%E8%B4%A8%E9%87%8F%E6%9C%88&year=2022", "/organizations", "/themes",
                                  "/campaigns/%E8%B4%A8%E9%87%8F%E6%9C%88/2022", "/help", "/api"])
def test_375_px_layout(server: str, page, tmp_path: Path, path: str) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(server + path)
    assert page.evaluate("document.documentElement.scrollWidth") <= 376, path
    page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    # Each filter label stays on the line of its input; no word of a kind breaks inside (政府机关).
    for label in page.locator("form.search label").all():
        box, field = label.bounding_box(), label.locator("input, select").bounding_box()
        assert field["y"] < box["y"] + box["height"] and field["y"] + field["height"] > box["y"], label.inner_text()
    lines = page.evaluate("""() => [...document.querySelectorAll('table.orgs td:nth-child(2)')].slice(0, 20)
        .map(td => { const r = document.createRange(); r.selectNodeContents(td); return [td.innerText, r.getClientRects().length]; })""")
    assert all(n <= 1 for _text, n in lines), lines  # 政府机关 on one line, never 政府机/关
    page.screenshot(path=str(tmp_path / "phone.png"), full_page=True)


def test_a_repost_group_opens_its_copies(page, tmp_path: Path) -> None:
    from indexer.backends.whoosh.writer import build_index
    from repost_texts import NOTICE, TRADITIONAL

    corpus = tmp_path / "corpus"
    for name, text in {"a/notice.txt": "2023-08-25\n" + NOTICE, "b/notice.txt": "2023-08-28\n" + NOTICE,
                       "c/notice.txt": "2023-09-02\n" + TRADITIONAL}.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, "utf-8")
    build_index(corpus, tmp_path / "index")
    # A context of its own, closed before the server stops: gunicorn waits for open keep-alive connections.
    context = page.context.browser.new_context(viewport={"width": 1200, "height": 900}, locale="zh-CN")
    with serving(tmp_path / "index") as (_proc, base):
        try:
            _repost_group(context.new_page(), base)
        finally:
            context.close()


def _repost_group(page, base: str) -> None:
    """The one result of three copies, its copies opened from it."""
    page.goto(base + "/?q=" + urllib.request.quote("质量强国 建设有我"))
    page.wait_for_selector("#total")
    assert page.inner_text("#total") == "1"
    copies = page.locator("details.copies")
    assert copies.locator("summary").inner_text() == "另有 2 处相同内容"
    assert not copies.locator("li").first.is_visible()
    copies.locator("summary").click()
    assert copies.locator("li").count() == 2 and copies.locator("li").first.is_visible()
    copies.locator("li a").last.click()
    page.wait_for_selector("article.document")
    assert "c/notice.txt" in page.inner_text(".docmeta")
