"""A real browser against a real server: search, click a facet, open a document, see the highlight.

Needs Debian's chromium (installed by .ci/run): the `browser` marker skips it locally when chromium
is missing; with QSEARCH_REQUIRE_BROWSER=1 (set by .ci/run) a missing browser is a failure instead.
"""
from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from playwright import sync_api

from conftest import CHROMIUM

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
    page.locator("table.orgs a", has_text="上海申驰实业股份有限公司").click()
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
