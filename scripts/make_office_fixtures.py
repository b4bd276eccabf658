"""Write tests/fixtures/attachments/list.doc, list.xls and list_encrypted.doc (password-protected).

Source documents are built with python-docx / openpyxl in a temporary folder, then converted by
LibreOffice (Debian: libreoffice-writer-nogui, libreoffice-calc-nogui). All names are invented.

    .venv/bin/python scripts/make_office_fixtures.py
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
import olefile
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.opc.constants import RELATIONSHIP_TYPE
from openpyxl import Workbook
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "fixtures" / "attachments"
MAX_BYTES = 60 * 1024

TITLE = "关于公布2023年度质量信得过班组名单的通知"
HEADER = ["序号", "单位名称", "班组名称", "等级"]
# The 等级 of rows 1 and 2 is one vertically merged cell; row 3's 班组名称 has two lines.
ROWS = [
    ["1", "甲乙精密机械有限公司", ["数控车削班"], "一等"],
    ["2", "丙丁电子科技有限公司", ["表面贴装二班"], None],
    ["3", "戊己化工股份有限公司", ["理化检验班", "（第二车间）"], "二等"],
    ["4", "庚辛食品有限公司", ["包装班"], "三等"],
]
PASSWORD = "fixture-pw-1"


def _field(paragraph: docx.text.paragraph.Paragraph, instruction: str, result: str) -> None:
    """A complex field (begin, instruction, separate, result, end) appended to the paragraph."""

    def fld_char(kind: str) -> None:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(element)

    fld_char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    fld_char("separate")
    paragraph.add_run(result)
    fld_char("end")


def _hyperlink(paragraph: docx.text.paragraph.Paragraph, url: str, text: str) -> None:
    """A w:hyperlink run, which LibreOffice writes to .doc as a HYPERLINK field."""
    rid = paragraph.part.relate_to(url, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rid)
    run = OxmlElement("w:r")
    text_el = OxmlElement("w:t")
    text_el.text = text
    run.append(text_el)
    link.append(run)
    paragraph._p.append(link)


def build_docx(path: Path) -> None:
    """The notice: heading, paragraphs, the 名单 table, a hyperlink, a page break, a PAGE field."""
    document = docx.Document()
    document.add_heading(TITLE, level=1)
    document.add_paragraph("各有关单位：")
    document.add_paragraph(
        "经单位申报、专家评审和公示，现将2023年度质量信得过班组名单予以公布。"
        "希望受表彰的班组珍惜荣誉，持续开展质量改进活动。"
    )
    table = document.add_table(rows=1 + len(ROWS), cols=len(HEADER))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, HEADER):
        cell.text = text
    for r, (number, unit, team_lines, level) in enumerate(ROWS, start=1):
        cells = table.rows[r].cells
        cells[0].text = number
        cells[1].text = unit
        cells[2].text = team_lines[0]
        for line in team_lines[1:]:
            cells[2].add_paragraph(line)
        if level is not None:
            cells[3].text = level
    table.cell(1, 3).merge(table.cell(2, 3))

    linked = document.add_paragraph("评审办法详见")
    _hyperlink(linked, "http://www.example.org/pingshen/banfa.html", "协会网站评审办法")
    linked.add_run("，请各单位查阅。")
    numbered = document.add_paragraph("本页为第")
    _field(numbered, "PAGE", "1")
    numbered.add_run("页。")
    signed = document.add_paragraph("甲市质量管理协会（虚构）")
    signed.runs[0].add_break(WD_BREAK.LINE)
    signed.add_run("2023年12月1日")
    document.add_paragraph("附件说明如下。").runs[0].add_break(WD_BREAK.PAGE)
    document.add_paragraph("附件：评审说明")
    document.add_paragraph("评审分为材料审查和现场验证两个阶段，得分在90分以上的班组评为一等。")
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "页脚专有文字"
    document.save(path)


def build_xlsx(path: Path) -> None:
    """The same 名单 as a sheet: a merged title row, the header, the rows (等级 merged too)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "名单"
    sheet.append(["2023年度质量信得过班组名单"])
    sheet.merge_cells("A1:D1")
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.append(HEADER)
    for number, unit, team_lines, level in ROWS:
        sheet.append([int(number), unit, "\n".join(team_lines), level])
    sheet.merge_cells("D3:D4")
    for column, width in zip("ABCD", (6, 28, 20, 8)):
        sheet.column_dimensions[column].width = width
    book.save(path)


def convert(soffice: str, profile: Path, source: Path, target: str, outdir: Path) -> float:
    """Run soffice --convert-to; the seconds it took."""
    started = time.monotonic()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(outdir), str(source)],
        check=True, capture_output=True, timeout=300,
    )
    return time.monotonic() - started


MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" \
script:language="StarBasic">
Sub Encrypt(source As String, target As String, pw As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = &quot;MS Word 97&quot;
  store(1).Name = &quot;Password&quot;
  store(1).Value = pw
  doc.storeToURL(ConvertToURL(target), store())
  doc.close(True)
End Sub
</script:module>
"""
LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Module1"/>
</library:library>
"""


def _install_macro(profile: Path) -> None:
    """Put the Encrypt macro in the profile's Standard Basic library (made by an earlier run)."""
    library = profile / "user" / "basic" / "Standard"
    library.mkdir(parents=True, exist_ok=True)
    (library / "Module1.xba").write_text(MACRO, encoding="utf-8")
    (library / "script.xlb").write_text(LIBRARY, encoding="utf-8")


def _is_encrypted_doc(path: Path) -> bool:
    """Whether the FIB of a .doc says fEncrypted."""
    if not path.exists() or not olefile.isOleFile(str(path)):
        return False
    with olefile.OleFileIO(str(path)) as ole:
        if not ole.exists("WordDocument"):
            return False
        fib = ole.openstream("WordDocument").read(12)
    return bool(int.from_bytes(fib[10:12], "little") & 0x0100)


def main() -> int:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("soffice not found: apt-get install libreoffice-writer-nogui libreoffice-calc-nogui")
        return 1
    version = subprocess.run([soffice, "--version"], capture_output=True, text=True).stdout.strip()
    print(version)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        profile = tmp / "profile"
        build_docx(tmp / "list.docx")
        build_xlsx(tmp / "list.xlsx")
        made = tmp / "out"
        seconds = convert(soffice, profile, tmp / "list.docx", "doc:MS Word 97", made)
        print(f"list.doc: {seconds:.1f} s")
        seconds = convert(soffice, profile, tmp / "list.xlsx", "xls:MS Excel 97", made)
        print(f"list.xls: {seconds:.1f} s")
        for name in ("list.doc", "list.xls"):
            size = (made / name).stat().st_size
            if size > MAX_BYTES:
                print(f"{name} is {size} bytes, over {MAX_BYTES}")
                return 1
            shutil.copyfile(made / name, OUT / name)
            print(f"wrote {OUT / name} ({size} bytes)")

        # LibreOffice 7.4's --convert-to cannot set a password (its JSON filter options become
        # FilterData, which the Word 97 export ignores), so a Basic macro in the temporary profile
        # stores the document with a Password in the media descriptor: no Python UNO bridge needed.
        _install_macro(profile)
        encrypted = tmp / "list_encrypted.doc"
        started = time.monotonic()
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
             f'macro:///Standard.Module1.Encrypt("{tmp / "list.docx"}","{encrypted}","{PASSWORD}")'],
            check=True, capture_output=True, timeout=300,
        )
        if _is_encrypted_doc(encrypted) and encrypted.stat().st_size <= MAX_BYTES:
            shutil.copyfile(encrypted, OUT / "list_encrypted.doc")
            print(f"list_encrypted.doc: {time.monotonic() - started:.1f} s")
            print(f"wrote {OUT / 'list_encrypted.doc'} ({encrypted.stat().st_size} bytes)")
        else:
            print("LibreOffice wrote no encrypted .doc: skipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
