"""Extract stage: metadata from cleaned text. Pure functions; None when data is missing."""
from __future__ import annotations

import html as htmllib
import posixpath
import re
from collections import Counter
from dataclasses import dataclass
from datetime import date as _date
from functools import lru_cache
from urllib.parse import unquote, urlsplit

from indexer.clean import DATE_LABEL, is_chrome_line, is_spam_line
from indexer.datafiles import data_lines, words_pattern
from indexer.normalize import fold

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "O": 0, "Ｏ": 0}
_NUMERIC_DATE = re.compile(r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)")
_CN_DATE = re.compile(r"([〇零○一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
_DATE_LINE = re.compile(
    r"^\s*(?:(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[〇零○一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日|(?:19|20)\d{2}-\d{1,2}-\d{1,2})\s*$"
)
# A year: 2022年, 2022年度, or glued to the event it dates (2020全国首席质量官大会, 2019中国品牌日).
_YEAR = re.compile(r"(?<![\d.-])((?:19|20)\d{2})(?:\s*(?:年|年度)|(?=全国|中国|国际|世界|首届|第[一二三四五六七八九十\d]))")
_CN_YEAR = re.compile(r"([〇零○一二三四五六七八九]{4})年")
_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,12}\s*[〔\[［(（【]\s*(?:19|20)\d{2}\s*[〕\]］)）】]\s*第?\s*\d{1,5}\s*号"
)
_DOC_NUMBER_LABEL = re.compile(r"(?:发文字号|文号|发文号|文件编号)\s*[:：]\s*")
_FILE_HEADER = re.compile(r"^.{2,40}文件$")
_SENTENCE = re.compile(r"[^。！？!?]+[。！？!?]?")
_CLAUSE = re.compile(r"[，,；;：:]")
_TITLE_END = re.compile(r"[。！？!?，,；;：:]$")
_SENTENCE_END = re.compile(r"[。！？!?]")
_HEADLINE_END = re.compile(r"[。，,；;：:]$")
_TITLE_HINT = ("质量月", "活动", "会议", "仪式", "大会", "通知", "通报", "质量")
_ADDRESSEE = re.compile(r"[:：]$")
_PLACE_STOP = r"(?![东南西北中]?[一二三四五六七八九十]?[路街巷弄]|大道|大街|大学|中学|小学|公园|广场|时代)"
TITLE_MAX = 50


# ---------------------------------------------------------------- dates


def _cn_number(s: str) -> int:
    if "十" not in s:
        return _CN_DIGITS.get(s, 0)
    tens, _, ones = s.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return _date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_date(s: str) -> str | None:
    """The first date in `s` as ISO YYYY-MM-DD (2022-9-1, 2022年9月1日, 二〇二二年九月一日)."""
    if not s:
        return None
    m = _NUMERIC_DATE.search(s)
    if m:
        return _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _CN_DATE.search(s)
    if m:
        year = int("".join(str(_CN_DIGITS[c]) for c in m.group(1)))
        return _iso(year, _cn_number(m.group(2)), _cn_number(m.group(3)))
    return None


# A dateline at the top of a text page: a date with its time, or with 来源/作者 after it, or on a
# short line of its own (• 2021年09月14日, 2025-10-22 09:33:35來源, 2017/7/14 10:00:50 来源:苏州日报).
_HEAD_DATE = re.compile(
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
    r"(?=\s*\d{1,2}:\d{2}|\s*(?:来源|來源|作者|编辑|編輯|稿源|浏览|瀏覽|点击|點擊|信息来源|信息來源))"
)
_LABELLED_DATE = re.compile(r"(?:浏览|瀏覽|点击|點擊|时间|時間|日期|发布|發布)(?:[^\d\n]{0,6}?[:：]|于|於)\s*((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})")
_SHORT_DATE_LINE = re.compile(r"^[\W_]{0,3}((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)[\W_\d:]{0,12}$")
# A short source line ending in its date: 时政 中国质量新闻网 2017-05-06, 王朝家电·作者佚名  2010-09-03.
_SOURCE_DATE_LINE = re.compile(r"^[^\d。，,]{2,30}\s((?:19|20)\d{2}-\d{1,2}-\d{1,2})$")
# A signature run into the last paragraph: …特此公告,吴起县市场监督管理局2022年4月29日。
_SIGNED = re.compile(r"(?:人民政府|政府|办公室|办公厅|监督管理局|管理局|委员会|协会)\s*((?:19|20)\d{2}年\d{1,2}月\d{1,2}日)")
HEAD_LINES = 12
SIGNED_TAIL = 600  # characters at the end of a text looked at for a signature run into it


def _head_date(text: str) -> str | None:
    """The dateline near the top of a text page, if it has one."""
    for line in [x for x in text.split("\n", HEAD_LINES * 3)[: HEAD_LINES * 3] if x.strip()][:HEAD_LINES]:
        m = (_HEAD_DATE.search(line) or _SHORT_DATE_LINE.match(line.strip()) or _LABELLED_DATE.search(line)
             or _SOURCE_DATE_LINE.match(line.strip()))
        found = parse_date(m.group(1)) if m else (parse_date(line) if len(line) <= 60 and _byline(line) else None)
        if found:
            return found
    return None


def find_date(hints: list[str], text: str) -> str | None:
    """Publication date: page metadata, then a labelled date line, then a dateline at the top,
    then a lone date line (a signature), then a signing body's date at the end."""
    for hint in hints:
        found = parse_date(hint)
        if found:
            return found
    m = DATE_LABEL.search(text)
    if m:
        return parse_date(m.group(1))
    found = _head_date(text)
    if found:
        return found
    # A signature date stands alone on a line, usually at the end of a notice.
    for line in reversed(text.split("\n")):
        if _DATE_LINE.match(line):
            return parse_date(line)
    signed = list(_SIGNED.finditer(text[-SIGNED_TAIL:]))  # …市场监督管理局2022年4月29日 in the last paragraph
    return parse_date(signed[-1].group(1)) if signed else None


def fallback_date(html: str) -> str | None:
    """htmldate's reading of a page's publication date, for pages where our own rules find none.

    Its fast mode only (original_date=True, extensive_search=False): measured on the archive,
    the extensive search and using it before our rules both add wrong dates.
    """
    from htmldate import find_date as htmldate_find_date  # 80 ms to import: only for pages that need it

    try:
        found = htmldate_find_date(html, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


# ---------------------------------------------------------------- title


# A news dateline before the first sentence: 新华社北京2月6日电, 人民网北京7月22日电 (记者孙博洋),
# 中国消费者报广州讯(…记者…), 閩南網3月25日訊, 城市化网讯, 本报讯 (记者 …).
_DATELINE = re.compile(
    r"^[^\s，,。：:“”\"]{0,16}(?:社|网|網|报|報|台|站|新闻|消息|本报|本網|记者)?[^\s，,。：:“”\"]{0,10}?"
    r"(?:\d{1,2}\s*月\s*\d{1,2}\s*日)?\s*(?:电|電|讯|訊|消息)\s*(?:[(（][^)）]{0,40}[)）])?\s*"
)
_DATELINE_SOURCE = re.compile(r"社|网|網|报|報|台|站|新闻|本报|\d\s*日|在线")
# Lines that say who wrote, when and where, never a headline: 发布时间:…, 来源:…, 作者:…, 2022-09-28 09:25.
_BYLINE = re.compile(
    r"^(?:[-•·]\s*)?(?:发布|發布|发表|發表|更新|上传|上傳)?(?:时间|時間|日期)\s*[:：]|^(?:来源|來源|作者|编辑|編輯|责任编辑|責任編輯|"
    r"稿源|稿件来源|出处|出處|信息来源|信息來源|发布单位|發布單位|发布机构|记者|記者|撰稿|供稿|通讯员|通訊員|点击|點擊|浏览|瀏覽|"
    r"字号|字號|二审|三审|一审|审核|審核)\s*[:：]"
    r"|^(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?(?:\s|$|来源|來源|作者|编辑)"
    r"|^\d{1,2}:\d{2}|^admin$|\s楼主$|发表于\s*(?:19|20)\d{2}|^\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日$"
)
# Photo captions and credits: 启动仪式现场 摄影 黄月芬, 受访方供图, 图片来源:…, 自贡融媒记者 池莉.
_FIELD = re.compile(r"[\u4e00-\u9fff](?: ?[\u4e00-\u9fff]){1,3}\s*[:：]\s*\S")  # 信件类型: 我要咨询 姓名: 王**
_TAG_LINE = re.compile(r"^(?:标签|关键词|关键字|tags?)\s*[:：]", re.I)
_LONE_DATE = re.compile(r"^(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_TIME_FIELD = re.compile(r"(?:时间|時間|日期)\s*[:：]\s*(?:19|20)\d{2}")
_CAPTION = re.compile(r"。\s*(?:新华社|新华网|人民网|中新社|中新网)(?:记者)?\s*\S{0,6}$|电话[:：]?\s*[\d()（）-]{7,}|^.{0,10}现场$|摄影|摄\s*$|供图|图片来源|图为|^图\d|记者\s*[\u4e00-\u9fff]{2,3}$|通讯员\s*[\u4e00-\u9fff]{2,3}$|审[:：]\s*[\u4e00-\u9fff]{2,3}$")
_LIST_START = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|\d{1,2}[、.．)）]|[(（][一二三四五六七八九十\d]+[)）]|附件|•|-\s)")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_FILE_NAME = re.compile(r"\.(?:docx?|pdf|xlsx?|wps|pptx?|txt)(?:VIP)?$", re.I)
_URL_LINE = re.compile(r"^(?:https?://|www\.)\S+$", re.I)
# A site's own name for its mobile or desktop edition, a section label before a colon (引言:…).
_EDITION = re.compile(r"(?:移动版|手机版|电脑版|触屏版|客户端)$")
_SECTION_LABEL = re.compile(r"^(?:引言|前言|导语|摘要|内容摘要|内容提要|提要|编者按|按语|正文)\s*[:：]")
# The original headline of a repost (原标题:…), and a labelled title in a table of metadata
# (文件名称 | 关于…的决定 |, 标题：…).
_ORIGINAL_TITLE = re.compile(r"^[(（【]?\s*原标题\s*[:：]\s*(.{4,80}?)\s*[)）】]?$")
_TITLE_FIELD = re.compile(r"^\|?\s*(?:文件名称|标\s*题|题\s*名|文章标题|信息名称)\s*(?:\||[:：])\s*([^|]{4,80}?)\s*(?:\||$)")
_LIST_NUMBER = re.compile(r"^(?:\d{1,2}[.、．]|[(（]\d{1,2}[)）]|[一二三四五六七八九十]{1,3}、)\s*")
TITLE_LOOK = 24  # lines at the top of a text looked at for its headline
REPEAT_LOOK = 200  # lines looked at for a repetition of the headline
_NOTICE_END = re.compile(r"(?:通知|通报|决定|公告|公示|意见|办法|方案|函|批复|报告|规划|细则|名单)$")
_ISSUER = re.compile(r"(?:人民政府|政府|办公厅|办公室|委员会|局|协会|学会|总工会)$")
HEADLINE_MIN, HEADLINE_MAX = 4, 80


def strip_dateline(sentence: str) -> str:
    """A first sentence without the news dateline before it (新华社北京2月6日电 …, 本报讯(记者…))."""
    m = _DATELINE.match(sentence)
    if m and m.end() < len(sentence) and _DATELINE_SOURCE.search(sentence, 0, m.end()):
        return sentence[m.end() :].lstrip(" ,，")
    return sentence


def _derived_title(paragraph: str) -> str | None:
    """A title for text without a headline: its first real sentence (without a dateline); of a long
    one, the clause that names the event (为全面贯彻…, 2022年9月, 市质量工作领导小组办公室等开展了…活动)."""
    text = _LIST_NUMBER.sub("", strip_dateline(paragraph), count=1)
    first = _SENTENCE.match(text)
    end = first.end() if first else len(text)
    while end < len(text) and text.count("“", 0, end) > text.count("”", 0, end):
        more = _SENTENCE.match(text, end)  # “明年五月再相会!”5月14日…: a quotation does not end the sentence
        if not more or more.end() == end:
            break
        end = more.end()
    sentence = text[:end].strip().rstrip("。！？!?")
    if len(_HAN.findall(sentence)) < 2 and len(sentence) < 8:
        return None
    if len(sentence) <= TITLE_MAX:
        return sentence
    clauses = [c.strip() for c in _CLAUSE.split(sentence) if len(c.strip()) >= 4]
    folded = [fold(c) for c in clauses]
    hinted = (c for h in _TITLE_HINT for c, f in zip(clauses, folded) if h in f and len(c) >= 8)
    pick = next(hinted, sentence)
    return pick if len(pick) <= TITLE_MAX else pick[:TITLE_MAX] + "…"


def _bare_line(line: str) -> str:
    """A line without the separators a page's layout left at its end (化夏化学:…发布 |)."""
    return line.rstrip(" |｜").strip()


def _unbracket(line: str) -> str:
    return line.strip().strip("()（）【】[] ")


def _byline(line: str, labelled: bool = False) -> bool:
    """Who wrote it, when, where from: 发布时间:…, 来源:…, 点击量:151 日期:2024-09-04, or (unless
    `labelled`) a date alone."""
    folded = fold(_unbracket(line))
    if _TIME_FIELD.search(folded):
        return True
    m = _BYLINE.search(folded)
    return bool(m) and not (labelled and _LONE_DATE.match(folded))


def _junk(line: str) -> bool:
    """Never a headline: chrome, spam, a byline or dateline, a photo caption, an addressee, a
    document number alone, a bracketed section label, a line of form fields."""
    folded = fold(line)
    return (
        not line or is_chrome_line(line) or is_spam_line(line) or _byline(line)
        or (bool(_ADDRESSEE.search(line)) and (len(line) <= 40 or ("、" in line and not _SENTENCE_END.search(line)))) or line.endswith("|")
        or bool(_URL_LINE.match(line)) or bool(_EDITION.search(folded)) or bool(_SECTION_LABEL.match(folded))
        or "»" in line or "›" in line
        or bool(_DOC_NUMBER.fullmatch(_unbracket(line))) or (">" in line and len(line) <= 80) or bool(_CAPTION.search(folded))
        or (line.startswith("【") and line.endswith("】")) or (line.startswith("[") and line.endswith("]") and len(line) <= 12) or (len(line) <= 60 and len(_FIELD.findall(folded)) >= 2)
    )


def _headline_like(line: str, latin: bool = False) -> bool:
    """Shaped like a headline: short, Chinese (or, on a `latin` page, words of three or more), no
    sentence or clause end (an ! or ? may end one), no list item."""
    han = len(_HAN.findall(line))
    letters = len(_LATIN.findall(line))
    written = han >= 2 and (han >= len(line) / 3 or han + letters >= len(line) / 2)  # 2022年世界计量日主题发布——“Metrology…”
    worded = latin and han == 0 and len(line.split()) >= 3 and line[:1].isupper()
    return (
        HEADLINE_MIN <= len(line) <= HEADLINE_MAX and (written or worded)
        and not _HEADLINE_END.search(line) and not _LIST_START.match(line)
    )


def _prose(line: str) -> bool:
    """A paragraph of running text (the article's body has begun)."""
    return len(line) >= 40


def _headline(lines: list[str]) -> str | None:
    """The page's headline among its first lines: of the headline-shaped lines before the body
    begins (or, after an introduction, with a byline right under it), the one with the most signs
    of one: a byline or date under it, repeated further on, a notice or event word; the earlier
    wins a tie. None when no line is one."""
    top = lines[:TITLE_LOOK]
    near = [fold(line) for line in lines[:REPEAT_LOOK]]
    head = "".join(top)
    latin = len(_HAN.findall(head)) < len(_LATIN.findall(head)) / 4  # a page in English
    tags = [x for x in near if _TAG_LINE.match(x)]
    best, best_score = None, 0.0
    body = False
    seen = 0
    for i, line in enumerate(top):
        if _junk(line):
            continue
        folded = fold(line)
        if not _headline_like(line, latin):
            # A paragraph the page repeats further on is its summary, not the start of its body.
            body = body or (_prose(line) and near.count(folded) < 2)
            continue
        # Past the first paragraph a date alone under a line is a signature's, not a byline; a
        # byline two lines down is the nearer headline's (中国质量新闻网 / headline / 2020-08-27 …).
        following = [x for x in top[i + 1 : i + 4] if _byline(x, labelled=body) or not _junk(x)][:2]
        bylined = bool(following) and _byline(following[0], labelled=body)
        bylined = bylined or (len(following) == 2 and _byline(following[1], labelled=body)
                              and not _headline_like(following[0], latin))
        repeated = len(_HAN.findall(line)) >= 6 and (near.count(folded) >= 2 or any(folded in x for x in tags))
        issuer = len(line) <= 15 and bool(_ISSUER.search(folded))
        if body and (issuer or not (bylined or any(folded in x for x in tags))):
            continue  # past the first paragraph a headline has its byline under it (not a signature), or is the page's tag
        score = 2.0 - 0.3 * seen
        seen += 1
        if bylined:
            score += 3
        if i + 1 < len(top) and _defined(folded, fold(top[i + 1])):
            score += 3  # an entry's name and the sentence that defines it: 世界计量日 / 世界计量日(英语:…)是…
        if repeated:
            score += 2  # the headline repeated as a line of its own, or in the page's tag line
        if "关于" in folded and _NOTICE_END.search(folded):
            score += 2  # 关于…的通知: the title of a notice
        if len(_HAN.findall(line)) < 6 and not (latin and len(line.split()) >= 4):
            score -= 2  # a site or column name, unless nothing better is there
        if issuer:
            score -= 2  # the issuing body above a notice's title
        if _FILE_NAME.search(line):
            score -= 1
        if score > best_score:
            best, best_score = line, score
    return best


def _defined(term: str, next_line: str) -> bool:
    """True when `next_line` begins by defining `term` (世界计量日(英语:World Metrology Day)是…)."""
    return len(term) >= 3 and next_line.startswith(term) and next_line[len(term) : len(term) + 1] in ("(", "（", "是", "，", ",")


def _first_paragraph(lines: list[str]) -> str | None:
    """The first line that is prose, not chrome, spam or a byline."""
    for line in lines[:TITLE_LOOK * 2]:
        if not _junk(line) and (_prose(line) or _SENTENCE_END.search(line)) and not _LIST_START.match(line):
            return line
    return next((line for line in lines[:TITLE_LOOK] if not _junk(line) and len(line) >= 8), None)


def title_from_text(text: str) -> str | None:
    """Title of a plain-text file: a 文件 header's title, else its headline, else its first real sentence."""
    return text_title(text)[0]


def text_title(text: str) -> tuple[str | None, bool]:
    """(title, whether it is the page's own headline rather than its first sentence) of a plain-text file."""
    title = _text_headline(text)
    if title:
        return _FILE_NAME.sub("", title) or title, True
    lines = [_bare_line(line) for line in text.split("\n") if _bare_line(line)]
    paragraph = _first_paragraph(lines)
    return (_derived_title(paragraph) if paragraph else None), False


def _text_headline(text: str) -> str | None:
    """A 文件 header's title, else the headline among the first lines, else None."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if not lines:
        return None
    for line in lines[:TITLE_LOOK]:
        m = _TITLE_FIELD.match(line)
        if m:
            return m.group(1)
    for line in lines[-REPEAT_LOOK:]:
        m = _ORIGINAL_TITLE.match(line)
        if m and not _HEADLINE_END.search(m.group(1)):
            return m.group(1)  # a repost names the original headline
    if _FILE_HEADER.match(lines[0]):
        # 文件 header: skip it and the doc number, join the title lines up to the addressee.
        parts: list[str] = []
        for line in lines[1:8]:
            if not parts and (_DOC_NUMBER.fullmatch(line) or len(line) <= 2):
                continue
            if _ADDRESSEE.search(line) or len(line) > 60 or _TITLE_END.search(line) and parts:
                break
            parts.append(line)
            if re.search(r"(通知|通报|方案|决定|意见|报告|公告|公示|名单|总结|函)$", fold(line)):
                break
        if parts:
            return "".join(parts)
    return _headline(lines)


# ---------------------------------------------------------------- year


def _cn_year(s: str) -> int:
    return int("".join(str(_CN_DIGITS[c]) for c in s))


# Years a text names that are not its own: a target (到2020年, 2035年远景目标), a start or founding
# looked back on (自1978年以来, 始于1978年, 1962年在日本创立).
_OTHER_YEAR = re.compile(
    r"(?:到|至|截至|截止|展望|面向|迈向|自|始于|起始于|始自|从)\s*((?:19|20)\d{2})\s*年"
    r"|((?:19|20)\d{2})\s*年\s*(?:前|以前|以来|起|远景|目标|[^，,。]{0,8}?(?:创立|成立|设立|诞生|首创|开始))"
)


def _years_in(s: str, latest: int) -> list[int]:
    other = {m.start(1) if m.group(1) else m.start(2) for m in _OTHER_YEAR.finditer(s)}
    years = [int(m.group(1)) for m in _YEAR.finditer(s) if m.start(1) not in other]
    years += [_cn_year(y) for y in _CN_YEAR.findall(s)]
    return [y for y in years if 1949 <= y <= latest]


def document_year(title: str | None, text: str, date: str | None = None, campaign_years: list[int | None] = ()) -> int | None:
    """The year a document is about: its campaign's year, else its publication year, else the
    first year its title or first paragraph gives. A year only mentioned further on (a birth
    year, a look back) never wins."""
    latest = int(date[:4]) + 1 if date else _date.today().year + 1
    for year in campaign_years:
        if year is not None and 1949 <= year <= latest:
            return year
    if date:
        return int(date[:4])
    lines = [line for line in text.split("\n") if line.strip()]
    # The first paragraph of prose: a lyrical opening line or a byline (□本报记者…) is not it.
    first_paragraph = next((line for line in lines[:12] if len(line) >= 40), lines[0] if lines else "")
    years = _years_in(title or "", latest) or _years_in(first_paragraph, latest)
    return years[0] if years else None


# ---------------------------------------------------------------- regions


@dataclass(frozen=True)
class Place:
    """A row of indexer/data/regions.tsv."""

    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class Region:
    """Where a document is about: the province-level region, a city/district, and all for filtering."""

    region: str | None
    district: str | None
    regions: tuple[str, ...]


@dataclass(frozen=True)
class _Gazetteer:
    places: dict[str, Place]
    surface: dict[str, str]
    pattern: re.Pattern


@lru_cache(maxsize=1)
def gazetteer() -> _Gazetteer:
    """Place names from the data files, as one longest-first regex."""
    places: dict[str, Place] = {}
    surface: dict[str, str] = {}
    for line in data_lines("regions.tsv")[1:]:  # after the header row
        name, level, parent, aliases = (line.split("\t") + ["", "", ""])[:4]
        places[name] = Place(name, level, parent)
        for form in [name] + [a for a in aliases.split(",") if a]:
            surface.setdefault(form, name)
    # A guarded name counts only before 市, 州, 地区 or 盟.
    guarded = {s: r"(?=市|州|地区|盟)" for s in data_lines("regions_guarded.txt") if s in surface}
    pattern = re.compile("(" + words_pattern(surface, guarded) + ")" + _PLACE_STOP)
    return _Gazetteer(places, surface, pattern)


def _province_of(name: str, places: dict[str, Place]) -> str:
    place = places[name]
    while place.level != "province" and place.parent in places:
        place = places[place.parent]
    return place.name


def find_regions(title: str | None, text: str) -> Region:
    """Province-level region (or 全国 for a spread over many), district when one dominates."""
    g = gazetteer()
    weights: Counter[str] = Counter()
    for source, weight in ((fold(title or ""), 5), (fold(text), 1)):
        for m in g.pattern.finditer(source):
            weights[g.surface[m.group(1)]] += weight
    if not weights:
        return Region(None, None, ())
    provinces: Counter[str] = Counter()
    for name, n in weights.items():
        provinces[_province_of(name, g.places)] += n
    total = sum(provinces.values())
    ranked = provinces.most_common()
    significant = [p for p, n in ranked if n / total >= 0.05 and n >= 2]
    top, top_n = ranked[0]
    if top_n / total < 0.5 and sum(1 for p in significant if provinces[p] / total >= 0.1) >= 3:
        return Region("全国", None, tuple(["全国"] + significant))
    locals_ = Counter({n: c for n, c in weights.items() if g.places[n].level != "province" and _province_of(n, g.places) == top})
    district = None
    if locals_:
        name, n = locals_.most_common(1)[0]
        if n >= 2 and n / sum(locals_.values()) >= 0.6:
            district = name
    regions = [top] + ([district] if district else []) + [p for p in significant if p != top and provinces[p] / total >= 0.1]
    return Region(top, district, tuple(regions))


# ---------------------------------------------------------------- type and number


@lru_cache(maxsize=1)
def _doc_types() -> tuple[tuple[str, str], ...]:
    rows = []
    for line in data_lines("doc_types.tsv"):
        kind, words = line.split("\t")
        rows += [(kind, w) for w in words.split(",") if w]
    return tuple(rows)


def doc_type(title: str | None, text: str) -> str:
    """通知/通报/方案/总结/公示/名单/公告/决定/意见/报告 from the title's last type word, else 新闻."""
    folded = fold(title or "")
    best, best_at = None, -1
    for kind, word in _doc_types():
        at = folded.rfind(word)
        if at > best_at and at >= len(folded) - len(word) - 6:
            best, best_at = kind, at
    if best:
        return best
    head = fold(text[:800])
    if "通报如下" in head:
        return "通报"
    if "通知如下" in head:
        return "通知"
    return "新闻"


def doc_number(text: str, page_lines: list[str] | None = None) -> str | None:
    """A document number such as 沪质办〔2022〕5号: on a line of its own or after 文号：."""
    for line in text.split("\n")[:40] + (page_lines or []):
        line = line.strip()
        labelled = _DOC_NUMBER_LABEL.search(line)
        if labelled:
            m = _DOC_NUMBER.search(line, labelled.end())
            if m:
                return m.group(0)
        if len(line) <= 30:
            m = _DOC_NUMBER.fullmatch(line)
            if m:
                return m.group(0)
    return None


@lru_cache(maxsize=8)
def _suffix_patterns(suffixes: frozenset[str]) -> tuple[re.Pattern, ...]:
    """Any of the suffixes after a plain dot, and after an encoded one (percent-encoded, a character
    reference); in either case, and not in a longer name: .document and .etc are not .doc and .et
    (scripts write them on every page). Cases are spelled out ([pP][dD][fF]) rather than asked of
    re.I, which would give up looking for the literal first (0.09 ms a page for the three, 0.3 with re.I)."""
    either = lambda name: "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in name)  # noqa: E731
    names = "|".join(either(s.lstrip(".")) for s in sorted(suffixes, key=len, reverse=True))
    # each begins with a literal, which the regex engine looks for before trying the rest
    return tuple(re.compile(rf"{dot}(?:{names})(?![A-Za-z0-9])") for dot in (r"\.", "%2[eE]", "&#(?:0*46|[xX]0*2[eE]);"))


def _names_a_file(html: str, suffixes: frozenset[str]) -> bool:
    """True when the page names a file with one of these suffixes anywhere (a link may be to it)."""
    return any(pattern.search(html) for pattern in _suffix_patterns(suffixes))


_HREF = re.compile(r"""<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I | re.S)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.I)


def attachment_links(html: str, path: str, suffixes: frozenset[str]) -> list[str]:
    """Corpus paths of the files with these suffixes a page at corpus path `path` links: relative
    hrefs, percent-encoded names, and same-site absolute URLs resolved against the mirror's folder
    named after the host (www.x.gov.cn/…)."""
    if not _names_a_file(html, suffixes):
        return []  # most pages name no such file at all: one scan instead of a look at every link
    folder = posixpath.dirname(path)
    parts = path.split("/")
    found = []
    for match in _HREF.finditer(html):
        href = htmllib.unescape(next(g for g in match.groups() if g is not None)).strip()
        href = href.split("#", 1)[0].split("?", 1)[0]
        scheme = _SCHEME.match(href)
        if scheme and scheme.group(1).lower() not in ("http", "https"):
            continue
        if scheme or href.startswith("//"):
            try:
                url = urlsplit(href if scheme else "http:" + href)
                host = (url.hostname or "").lower()
            except ValueError:
                continue  # a malformed address (http://[broken/…): no file of this mirror
            if host not in parts[:-1]:
                continue  # another site's file: not in this mirror
            base = "/".join(parts[: parts.index(host) + 1])
            target = base + "/" + unquote(url.path).lstrip("/")
        elif href.startswith("/"):
            hosts = [i for i, p in enumerate(parts[:-1]) if "." in p]
            base = "/".join(parts[: hosts[0] + 1]) if hosts else ""
            target = (base + "/" if base else "") + unquote(href).lstrip("/")
        else:
            target = posixpath.join(folder, unquote(href))
        target = posixpath.normpath(target)
        if target.startswith("../") or target == ".." or posixpath.splitext(target)[1].lower() not in suffixes:
            continue
        if target not in found:
            found.append(target)
    return found
