"""Write the bundled sample of a notice with attachments: corpus/attachments_demo/ (notice.html linking 名单.xlsx,
名单.pdf and 活动方案.docx). All names and texts are invented. The files come from the same generators the tests use
(tests/attachment_fixtures.py), with fixed timestamps, so re-running rewrites identical bytes.

    .venv/bin/python scripts/make_sample_attachments.py [--out corpus/attachments_demo]
"""
from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

import attachment_fixtures as af  # noqa: E402

TITLE = "关于公布2023年度示例市优秀质量管理小组名单的通知"
LIST_TITLE = "2023年度示例市优秀质量管理小组名单"
PUBLISHER = "示例市质量协会"
DATE = "2023-09-20"
PARAGRAPHS = [
    "各区质量协会，各有关单位：",
    "为贯彻落实质量强市建设部署，结合2023年全国“质量月”活动，示例市质量协会组织开展了2023年度示例市优秀质量管理小组评选活动。"
    "经基层推荐、资料初审、专家评审和社会公示，评出一等奖、二等奖、三等奖若干名，现将名单予以公布（见附件1、附件2）。",
    "希望获奖单位和小组再接再厉，持续运用质量管理方法解决现场问题。各单位要按照“质量月”活动方案（见附件3）的安排，"
    "广泛开展质量改进、质量攻关和成果交流，推动群众性质量管理活动深入开展。",
]


def write(out: Path) -> dict[str, str]:
    """Write the notice and its three attachments into out; return each file's name → sha256."""
    out.mkdir(parents=True, exist_ok=True)
    rows = af.list_rows(20)
    af.xlsx_list(out / "名单.xlsx", rows, title=LIST_TITLE)
    af.pdf_list(out / "名单.pdf", rows, title=LIST_TITLE)
    af.programme_docx(out / "活动方案.docx")
    page = af.notice_page(TITLE, DATE, PUBLISHER, PARAGRAPHS, [
        ("名单.xlsx", "附件1：2023年度示例市优秀质量管理小组名单.xlsx"),
        ("名单.pdf", "附件2：2023年度示例市优秀质量管理小组名单.pdf"),
        ("活动方案.docx", "附件3：2023年示例市“质量月”活动方案.docx"),
    ])
    (out / "notice.html").write_text(page, encoding="utf-8")
    names = ["notice.html", "名单.xlsx", "名单.pdf", "活动方案.docx"]
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in names}


def main(argv: list[str] | None = None) -> int:
    """Write the sample and print each file's size and sha256."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "corpus" / "attachments_demo")
    args = parser.parse_args(argv)
    for name, digest in write(args.out).items():
        size = (args.out / name).stat().st_size
        print(f"{args.out / name}  {size:>7} B  sha256 {digest[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
