"""Attachments end to end on both backends (issue 22): a site mirror whose notice links a 名单 .xlsx,
the same list printed to .pdf and a programme .docx, beside bad files. Every file is generated here
(tests/attachment_fixtures.py, tests/pdf_fixtures.py); every name in them is invented."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import attachment_fixtures as af
import pdf_fixtures as pf
from indexer.backends.whoosh.writer import build_index
from indexer.formats.tables import cell_text

OFFICE = Path(__file__).parent.parent / "fixtures" / "attachments"
BAD = {  # file -> (status, words its reason says)
    "bad/扫描件.pdf": ("excluded", "扫描件"),
    "bad/乱码.pdf": ("excluded", "乱码"),
    "bad/加密.pdf": ("failed", "加密"),
    "bad/加密.xlsx": ("failed", "加密"),
    "bad/半截.pdf": ("failed", "损坏"),
    "bad/半截.docx": ("failed", "损坏"),
    "bad/炸弹.docx": ("failed", "压缩炸弹"),
    "bad/空.xls": ("failed", "空"),
}


@pytest.fixture(scope="module")
def mirror_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, dict]:
    root = tmp_path_factory.mktemp("attachments")
    corpus = root / "corpus"
    parents = af.mirror(corpus)
    (corpus / "bad").mkdir()
    pf.scan_pdf(corpus / "bad/扫描件.pdf")
    pf.garbled_pdf(corpus / "bad/乱码.pdf")
    pf.encrypted_pdf(corpus / "bad/加密.pdf")
    af.encrypted_xlsx(corpus / "bad/加密.xlsx")
    pf.truncated_pdf(corpus / "bad/半截.pdf")
    af.broken_zip(corpus / "bad/半截.docx")
    af.zip_bomb_docx(corpus / "bad/炸弹.docx")
    af.empty_file(corpus / "bad/空.xls")
    af.lying_docx_as_doc(corpus / "bad/其实是docx.doc")
    af.html_error_as_pdf(corpus / "bad/404.pdf")
    pf.partly_scanned_pdf(corpus / "部分扫描.pdf")
    (corpus / "wps").mkdir()  # Kingsoft WPS saves Word 97 and BIFF8 bytes under .wps and .et
    shutil.copy(OFFICE / "list.doc", corpus / "wps/名单.wps")
    shutil.copy(OFFICE / "list.xls", corpus / "wps/名单.et")
    # A notice whose attachment states no year, region or campaign of its own: it takes the notice's.
    _plain_list(corpus / af.MIRROR_HOST / "art/2023/9/2/报名表.xlsx")
    (corpus / af.MIRROR_HOST / "art/2023/9/2/art_2.html").write_text(af.notice_page(
        "关于开展2023年全国“质量月”活动的通知", "2023-09-02", "浙江省示例质量协会", ["请各单位填写报名表。"],
        [("%E6%8A%A5%E5%90%8D%E8%A1%A8.xlsx", "附件：报名表")], region="浙江省"), encoding="utf-8")
    parents[f"{af.MIRROR_HOST}/art/2023/9/2/报名表.xlsx"] = f"{af.MIRROR_HOST}/art/2023/9/2/art_2.html"
    report = build_index(corpus, root / "index")
    return root, parents, report.as_json()


def _plain_list(path: Path) -> None:
    from openpyxl import Workbook

    path.parent.mkdir(parents=True, exist_ok=True)
    book = Workbook()
    for row in (["序号", "企业名称", "联系人"], [1, "坤艮包装材料有限公司", "王工"], [2, "兑震物流有限公司", "李工"]):
        book.active.append(row)
    book.save(path)


@pytest.fixture(scope="module", params=["whoosh", pytest.param("typesense", marks=pytest.mark.typesense)])
def client(request, mirror_corpus):
    """A test client of the app over the mirror, on each backend."""
    from search_app import create_app

    root = mirror_corpus[0]
    if request.param == "whoosh":
        app = create_app({"TESTING": True, "INDEX_DIR": str(root / "index")})
    else:
        from indexer.backends.typesense.client import TypesenseConfig
        from indexer.backends.typesense.writer import build_typesense

        node = request.getfixturevalue("typesense_node")
        config = TypesenseConfig(tuple(node.nodes), node.api_key, "attachments")
        report = build_typesense(root / "corpus", config, rebuild=True)
        assert report.as_json()["failed"] == mirror_corpus[2]["failed"]
        app = create_app({"TESTING": True, "BACKEND": "typesense", "TYPESENSE": config})
    yield app.test_client()
    app.extensions["qsearch_store"].close()


def _search(client, **params) -> dict:
    response = client.get("/api/search", query_string={"per_page": 50, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def _doc(client, path: str) -> dict:
    from indexer.document import doc_id

    response = client.get(f"/api/documents/{doc_id(path)}")
    assert response.status_code == 200, path
    return response.get_json()


def test_every_file_has_the_right_status(mirror_corpus) -> None:
    _root, parents, report = mirror_corpus
    statuses = {e["path"]: ("failed", e["error"]) for e in report["failed"]}
    statuses |= {e["path"]: ("excluded", e["reason"]) for e in report["excluded"]}
    for path, (status, words) in BAD.items():
        assert path in statuses and statuses[path][0] == status and words in statuses[path][1], (path, statuses.get(path))
    assert "bad/404.pdf" in statuses and statuses["bad/404.pdf"][0] == "excluded"  # an error page, not a PDF
    assert report["skipped"] == []
    # attachments, 2 notices, the docx named .doc, the partly scanned PDF, the .wps and the .et
    assert report["added"] == len(parents) + 6


def test_attachments_are_tied_to_the_page_that_links_them(client, mirror_corpus) -> None:
    _root, parents, _report = mirror_corpus
    for path, parent in parents.items():
        doc = _doc(client, path)
        if parent is None:
            assert doc["parent"] is None, path
            continue
        assert doc["parent"]["path"] == parent, path
        assert doc["year"] == 2023 and doc["campaigns"], path  # its own, or the notice's when it states none
    plain = _doc(client, f"{af.MIRROR_HOST}/art/2023/9/2/报名表.xlsx")
    assert plain["campaigns"] == ["质量月"] and plain["region"] == "浙江" and plain["parent"]["title"].startswith("关于开展")
    page = _doc(client, f"{af.MIRROR_HOST}/art/2023/9/1/art_1_1.html")
    assert {a["path"] for a in page["attachments"]} == {a for a, p in parents.items() if p == page["path"]}
    assert all(_doc(client, a)["parent"]["title"] == af.NOTICE_TITLE for a in parents if parents[a] == page["path"])


def test_a_quoted_cell_finds_the_list_and_shows_its_row(client) -> None:
    row = af.list_rows(8)[5]
    data = _search(client, q=f'"{row[2]}"')
    formats = {r["format"] for r in data["results"]}
    assert {"xlsx", "pdf"} <= formats
    hit = next(r for r in data["results"] if r["format"] == "xlsx")
    assert "小组名称：" in hit["snippet"] and "单位名称：" in hit["snippet"]
    assert hit["parent"]["title"] == af.NOTICE_TITLE


def test_list_organizations_are_listed_with_what_they_did(client) -> None:
    rows = af.list_rows(8)
    orgs = {o["name"]: o for o in client.get("/api/organizations").get_json()["organizations"]}
    for row in rows:
        name = cell_text(row[1])
        assert name in orgs, name
        assert any(cell_text(row[2]) in did for did in orgs[name]["did"]), name
    assert not any(name.endswith("小组") for name in orgs)
    data = _search(client, org=cell_text(rows[0][1]))
    assert {"xlsx", "pdf"} <= {r["format"] for r in data["results"]}


def test_pages_show_attachments_and_their_parent(client, mirror_corpus) -> None:
    from indexer.document import doc_id

    _root, parents, _report = mirror_corpus
    page = f"{af.MIRROR_HOST}/art/2023/9/1/art_1_1.html"
    html = client.get(f"/documents/{doc_id(page)}").get_data(as_text=True)
    assert 'aria-label="附件"' in html and "活动方案" in html and "名单" in html
    results = client.get("/", query_string={"q": f'"{cell_text(af.list_rows(8)[5][2])}"'}).get_data(as_text=True)
    assert "附件 · 来自《" in results and af.NOTICE_TITLE in results


def test_a_partly_scanned_pdf_is_indexed_with_a_note(client) -> None:
    doc = _doc(client, "部分扫描.pdf")
    assert "1 页无文字层" in doc["note"] and doc["text"]


def test_an_unchanged_rerun_reads_nothing_again_and_a_new_linking_page_adopts_the_orphan(mirror_corpus, tmp_path: Path) -> None:
    root, parents, _report = mirror_corpus
    corpus = tmp_path / "corpus"
    shutil.copytree(root / "corpus", corpus)
    index = tmp_path / "index"
    build_index(corpus, index)
    again = build_index(corpus, index).as_json()
    assert again["added"] == again["updated"] == 0
    orphan = next(a for a, p in parents.items() if p is None)
    page = corpus / af.MIRROR_HOST / "links.html"
    page.write_text(af.notice_page("关于质量管理小组活动优秀企业的通报", "2023-10-08", "示例协会", ["见附件。"],
                                   [("orphan.xlsx", "附件：名单.xlsx")]), encoding="utf-8")
    report = build_index(corpus, index).as_json()
    assert report["added"] == 1 and report["updated"] == 1  # the page, and the orphan it now links
    from search_app.backends.whoosh.store import WhooshStore
    from indexer.document import doc_id

    store = WhooshStore(index)
    try:
        assert store.document(doc_id(orphan))["parent"]["path"] == f"{af.MIRROR_HOST}/links.html"
    finally:
        store.close()


def test_wps_and_et_files_are_read_by_their_bytes(client) -> None:
    assert _doc(client, "wps/名单.wps")["format"] == "doc" and _doc(client, "wps/名单.et")["format"] == "xls"
    assert _doc(client, "bad/其实是docx.doc")["format"] == "docx"


def test_every_cell_of_the_list_is_found_quoted_in_the_xlsx_and_the_pdf(client) -> None:
    folder = f"{af.MIRROR_HOST}/art/2023/9/1/"
    wanted = {folder + "P020230901_名单.xlsx", folder + "附件2：名单.pdf"}
    missed = []
    for row in af.list_rows(8):
        for cell in row[1:]:
            found = {r["path"] for r in _search(client, q=f'"{cell_text(cell)}"')["results"]}
            missed += [(cell, path) for path in wanted - found]
    assert not missed


def test_list_organizations_precision_and_recall(mirror_corpus, tmp_path: Path) -> None:
    """Organizations from the 名单 tables of the mirror against the organization columns written: P and R >= 0.98."""
    from whoosh import index as windex

    from indexer import fields as F

    root, _parents, _report = mirror_corpus
    expected = {"坤艮包装材料有限公司", "兑震物流有限公司"}
    for rows in (af.list_rows(8), af.list_rows(4)):  # the mirror's lists; each workbook has a second sheet
        for sheet in af.xlsx_list(tmp_path / "expected.xlsx", rows).values():
            expected |= {cell_text(row[1]) for row in sheet.rows}
    found: set[str] = set()
    with windex.open_dir(str(root / "index")).searcher() as searcher:
        for stored in searcher.all_stored_fields():
            if stored.get(F.FORMAT) in ("xlsx", "pdf"):
                found |= {org["name"] for org in stored.get(F.ORGANIZATIONS) or [] if "did" in org}
    true = found & expected
    precision, recall = len(true) / len(found), len(true) / len(expected)
    assert precision >= 0.98 and recall >= 0.98, (sorted(found - expected), sorted(expected - found))


def test_a_linking_page_that_is_not_a_document_never_makes_its_attachment_reindexed(mirror_corpus, tmp_path: Path) -> None:
    root, parents, _report = mirror_corpus
    corpus = tmp_path / "corpus"
    shutil.copytree(root / "corpus", corpus)
    listed = next(a for a, p in parents.items() if p and a.endswith(".xlsx"))
    links = "".join(f'<li><a href="/n/{i}.html">第{i}条新闻标题：某地举行质量活动</a></li>' for i in range(40))
    # A directory page (excluded: only links) that sorts before the notice and links the list too.
    (corpus / af.MIRROR_HOST / "a_list.html").write_text(
        f'<html><head><title>目录</title></head><body><ul>{links}<li><a href="{listed.split("/", 1)[1]}">名单</a></li></ul></body></html>',
        "utf-8")
    first = build_index(corpus, tmp_path / "index").as_json()
    assert any(e["path"] == f"{af.MIRROR_HOST}/a_list.html" for e in first["excluded"])
    again = build_index(corpus, tmp_path / "index").as_json()
    assert (again["added"], again["updated"]) == (0, 0)
    from search_app.backends.whoosh.store import WhooshStore
    from indexer.document import doc_id

    store = WhooshStore(tmp_path / "index")
    try:
        assert store.document(doc_id(listed))["parent"]["path"] == parents[listed]
    finally:
        store.close()
