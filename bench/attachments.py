"""Attachments: read speed per format, and what attachments add to a build.

Files are generated (tests/attachment_fixtures.py, tests/pdf_fixtures.py: invented names): a
mirror of NOTICES notice pages, each linking a 名单 .xlsx, the same list printed to .pdf, and a
programme .docx. Each file is read the way a build reads it (indexer.formats.read_attachment: a
bounded child process per file), then the mirror is indexed with and without its attachments.

    .venv/bin/python -m bench.attachments [--notices 40] [--rows 100] [--report docs/attachments.md]
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import attachment_fixtures as af  # noqa: E402
import pdf_fixtures as pf  # noqa: E402

from indexer.backends.whoosh.writer import build_index  # noqa: E402
from indexer.formats import read_attachment, sniff  # noqa: E402

sys.path.remove(str(ROOT / "tests"))


def make_mirror(corpus: Path, notices: int, rows: int) -> dict[str, list[Path]]:
    """`notices` notice pages, each with an .xlsx list, a .pdf of it and a .docx; files by format."""
    files: dict[str, list[Path]] = {"xlsx": [], "pdf": [], "docx": [], "doc": [], "xls": []}
    for n in range(notices):
        folder = corpus / af.MIRROR_HOST / "art" / f"{n:03d}"
        folder.mkdir(parents=True)
        listed = af.list_rows(rows)
        af.xlsx_list(folder / "名单.xlsx", listed)
        pf.table_pdf(folder / "名单.pdf", rows=rows)
        af.programme_docx(folder / "方案.docx")
        files["xlsx"].append(folder / "名单.xlsx")
        files["pdf"].append(folder / "名单.pdf")
        files["docx"].append(folder / "方案.docx")
        (folder / "index.html").write_text(af.notice_page(
            f"关于公布2023年度第{n + 1}批优秀质量管理小组名单的通知", "2023-09-01", "示例市质量协会",
            ["各有关单位：", "现将名单予以公布（见附件）。"],
            [("名单.xlsx", "附件1"), ("名单.pdf", "附件2"), ("方案.docx", "附件3")]), encoding="utf-8")
    fixtures = ROOT / "tests" / "fixtures" / "attachments"
    files["doc"] = [fixtures / "list.doc"]
    files["xls"] = [fixtures / "list.xls"]
    return files


def read_speed(files: dict[str, list[Path]]) -> list[dict]:
    """Per format: files, ms per file (median), pages or rows per second."""
    out = []
    for fmt, paths in files.items():
        if not paths:
            continue
        times, pages, rows = [], 0, 0
        for path in paths:
            data = path.read_bytes()
            start = time.perf_counter()
            got = read_attachment(data, sniff(data))
            times.append(time.perf_counter() - start)
            pages += got.pages
            rows += sum(len(t.rows) for t in got.tables())
        total = sum(times)
        out.append({"format": fmt, "files": len(paths), "ms_per_file": statistics.median(times) * 1000,
                    "pages_per_s": pages / total if pages else None, "rows_per_s": rows / total if rows else None})
    return out


def build_cost(corpus: Path, work: Path) -> dict:
    """Seconds to index the mirror with its attachments and with its pages alone."""
    pages_only = work / "pages-only"
    shutil.copytree(corpus, pages_only, ignore=shutil.ignore_patterns("*.xlsx", "*.pdf", "*.docx"))
    start = time.perf_counter()
    bare = build_index(pages_only, work / "index-pages")
    pages_s = time.perf_counter() - start
    start = time.perf_counter()
    full = build_index(corpus, work / "index-all")
    full_s = time.perf_counter() - start
    return {"pages": bare.documents, "pages_s": pages_s, "documents": full.documents, "all_s": full_s,
            "failed": len(full.failed), "excluded": len(full.excluded)}


def report(speed: list[dict], build: dict, notices: int, rows: int) -> str:
    """The markdown report."""
    lines = [
        "# Attachments (`python -m bench.attachments`)", "",
        f"Generated mirror: {notices} notices, each linking a {rows}-row 名单 .xlsx, the same list as a ruled "
        "PDF, and a programme .docx; .doc and .xls are the LibreOffice-made fixtures. Each file is read as a "
        "build reads it: in a bounded child process (fork, time and memory limits), so the figures include that cost.",
        f"Measured {time.strftime('%Y-%m-%d %H:%M')}.", "",
        "| format | files | ms per file (median) | pages/s | table rows/s |", "| --- | --- | --- | --- | --- |",
    ]
    for row in speed:
        pages = f"{row['pages_per_s']:.1f}" if row["pages_per_s"] else "–"
        rows_s = f"{row['rows_per_s']:,.0f}" if row["rows_per_s"] else "–"
        lines.append(f"| {row['format']} | {row['files']} | {row['ms_per_file']:.1f} | {pages} | {rows_s} |")
    added = build["all_s"] - build["pages_s"]
    lines += [
        "", "| build (whoosh, one run) | documents | seconds |", "| --- | --- | --- |",
        f"| pages only | {build['pages']} | {build['pages_s']:.1f} |",
        f"| pages and attachments | {build['documents']} | {build['all_s']:.1f} |",
        "", f"Attachments add {added:.1f} s to this build ({added / max(build['documents'] - build['pages'], 1) * 1000:.0f} ms "
        f"per attachment); failed {build['failed']}, excluded {build['excluded']}.", "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=40)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--report", type=Path)
    opts = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qsearch-attachments-"))
    try:
        corpus = work / "corpus"
        files = make_mirror(corpus, opts.notices, opts.rows)
        text = report(read_speed(files), build_cost(corpus, work), opts.notices, opts.rows)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(text)
    if opts.report:
        opts.report.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
