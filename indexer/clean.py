"""Clean stage: keep the article, drop the page chrome.

HTML: metadata is read from the head first (og:title, canonical URL, date meta tags,
labelled date lines), then non-content elements and chrome blocks are removed, the
main content block is chosen by text density, and its text is taken with block
boundaries as line breaks. A line filter shared with plain-text files then drops
chrome that survived as text (breadcrumbs, share bars, sidebar link lists, footers).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from lxml import etree

from indexer.datafiles import data_lines, words_pattern
from indexer.errors import DocumentError, NotADocument
from indexer.normalize import fold

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_DROP_TAGS = (
    "script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed",
    "svg", "canvas", "template", "select", "button", "input", "textarea", "map", "head",
    "video", "audio",
)
_CHROME_TAGS = ("nav", "footer", "aside")
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main menu nav ol p pre "
    "section table tbody thead tfoot tr td th ul caption".split()
)
_SCORED_CONTAINERS = frozenset({"div", "td", "section", "article", "main", "body", "center", "form", "font", "span"})
_DATE_META = (
    "article:published_time", "og:release_date", "publishdate", "pubdate", "publish_date",
    "publishtime", "publish-date", "publish_time", "dc.date", "dc.date.issued",
    "dcterms.issued", "dcterms.created", "date", "firstpublishedtime", "weibo:article:create_at",
    "datepublished", "releasedate", "createdate",
)
# Visible labelled date lines: 发布时间：2022-09-01 / 發布日期：2020年9月3日 / 日期：…
# The words that may come before the label (发布时间, 印发日期) change no date found: searching from the
# label is 6x faster than trying the optional words at every character.
DATE_LABEL = re.compile(
    r"(?:时间|時間|日期)\s*[:：]\s*"
    r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2})"
)
# Publication dates that CMS templates keep in script variables: var fdate='2024/08/21 19:30:00'.
# A date literal in a script, then the variable it is assigned to just before it. Two steps
# because a case-insensitive alternation at the front is slow on 10 kB of page script.
_SCRIPT_DATE_LITERAL = re.compile(r"""["']((?:19|20)\d{2}[-/.]\d{1,2}[-/.]\d{1,2})""")
_SCRIPT_DATE_NAME = re.compile(r"(?:fdate|pubdate|publishdate|publish_?time|pubtime|releasedate)\s*[=:]\s*$", re.I)
# CMS date lines: 2018-09-03 来源：企业供稿 / 2022-09-06 10:21:33　来源：本站 / 2016年9月8日 作者：…
_DATE_TEXT = r"((?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?)"
_SOURCE_DATE = re.compile(_DATE_TEXT + r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?[\s\u3000]*(?:来源|來源|作者|编辑|編輯|稿源|出处|出處|字号|字號|浏览|瀏覽|点击|點擊)")
# A date standing alone, as in <div class="date">2016-09-08</div> or the line right under the title.
_LONE_DATE = re.compile(r"^[\s\u3000]*" + _DATE_TEXT + r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?[\s\u3000]*$")
_DATE_CLASS = re.compile(r"date|time|pub|info|riqi|shijian", re.I)
UNDER_TITLE_LINES = 4
# Error pages saved by crawlers instead of the article.
_ERROR_TITLE = re.compile(r"^\s*(?:[45]\d\d\b|.*\berror\b|.*(?:页面不存在|页面未找到|访问出错))", re.I)
_TITLE_SEPARATORS = re.compile(r"\s*(?:[_|｜]|\s[-–—]\s|--|-(?=[^\d\s]{2,}$))\s*")
_SPACE_RUN = re.compile(r"\s+")
_CJK_BREAK = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef])\s*\n\s*(?=[\u3000-\u9fff\uff00-\uffef])")
_BULLET = re.compile(r"^(?:[-·•▪■◆●○*]|\d{1,2}(?=\D)|【)")
_SENTENCE_END = re.compile(r"[。！？!?]$")


@dataclass
class Article:
    """What the cleaner keeps of a page or text file."""

    text: str
    title: str | None = None
    url: str | None = None
    date_hints: list[str] = field(default_factory=list)
    # Short text runs from the whole page (header cells, info bars) that may hold a document number
    # (they contain 号): doc_number looks there too.
    page_lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Cues:
    breadcrumb: tuple[str, ...]
    list: tuple[str, ...]
    footer: re.Pattern  # any of the footer phrases
    share: re.Pattern  # any of the share-bar phrases
    classes: frozenset[str]
    lines: frozenset[str]
    line_starts: tuple[str, ...]


@lru_cache(maxsize=1)
def cues() -> _Cues:
    """Chrome cue phrases from indexer/data/boilerplate.tsv, folded."""
    kinds: dict[str, list[str]] = {k: [] for k in ("breadcrumb", "list", "footer", "share", "class", "line", "line_start")}
    for line in data_lines("boilerplate.tsv"):
        kind, phrase = line.split("\t", 1)
        kinds[kind].append(fold(phrase.strip()))
    any_of = lambda phrases: re.compile(words_pattern(phrases))  # noqa: E731
    return _Cues(
        tuple(kinds["breadcrumb"]), tuple(kinds["list"]), any_of(kinds["footer"]),
        any_of(kinds["share"]), frozenset(kinds["class"]), frozenset(_bare(p) for p in kinds["line"]),
        tuple(kinds["line_start"]),
    )


_NOT_WORD = re.compile(r"[\W_]+")
_BAR = re.compile(r"[|｜]")
_CHROME_LINE_MAX = 40


def _bare(folded: str) -> str:
    """A folded line without punctuation and spaces, for comparing with whole-line chrome cues."""
    return _NOT_WORD.sub("", folded) or folded.strip()


def is_chrome_line(line: str, folded: str | None = None) -> bool:
    """True for a line of site chrome: a breadcrumb, a tool bar, a greeting, a byline counter
    (`folded`: the line already folded, when the caller has it)."""
    c = cues()
    folded = (fold(line) if folded is None else folded).strip()
    if len(folded) <= 80 and folded.startswith(c.breadcrumb):
        return True
    if len(folded) <= _CHROME_LINE_MAX and (_bare(folded) in c.lines or folded.startswith(c.line_starts)):
        return True
    if "|" not in folded and "｜" not in folded:
        return False
    parts = [p for p in _BAR.split(folded) if p.strip()]
    return len(parts) >= 3 and all(len(p.strip()) <= 8 for p in parts)  # 帮助中心| 设为首页| 加入收藏


@dataclass(frozen=True)
class _Spam:
    words: re.Pattern
    brands: re.Pattern


@lru_cache(maxsize=1)
def _spam() -> _Spam:
    """Spam vocabulary from indexer/data/spam.tsv (folded): words of spam lines, injected brands."""
    words, brands = [], []
    for line in data_lines("spam.tsv"):
        kind, term = line.split("\t", 1)
        (words if kind == "word" else brands).append(fold(term.strip()))
    # A brand with what spam sites glue to it: (中国), 中文, 官方网站/官网/网址/平台/入口, a company form.
    brand_tail = r"(?:中文)?(?:\s*[(（]中国[)）])?(?:官方网站|官网|网址|平台|登录入口|入口|app)?(?:科技有限公司|有限公司|公司)?(?:欢迎您)?"
    return _Spam(re.compile(words_pattern(words)), re.compile(f"(?:{words_pattern(brands)}){brand_tail}"))


def is_spam_line(line: str, folded: str | None = None) -> bool:
    """True for a line of porn or gambling spam: two spam words, or one in a |-separated list."""
    folded = fold(line) if folded is None else folded
    hits = set(_spam().words.findall(folded))
    return len(hits) >= 2 or (len(hits) == 1 and folded.count("|") + folded.count(",") >= 2 and len(folded) <= 400)


# Runs of symbols spam sites scatter through sentences: 批准★■◆◆★、表彰.
_SYMBOL_RUN = re.compile(r"[★☆■□◆◇▲△●○※▼▽]{2,}")


def strip_spam(text: str) -> str:
    """Text without spam lines, runs of scattered symbols and gambling brands injected into its sentences."""
    spam = _spam()
    text = _SYMBOL_RUN.sub("", text)
    whole = fold(text)
    if not spam.words.search(whole) and not spam.brands.search(whole):
        return text  # most pages: one look at the whole text
    out = []
    for line, folded in zip(text.split("\n"), whole.split("\n")):
        if spam.words.search(folded) and is_spam_line(line, folded):
            continue
        if spam.brands.search(folded):
            # Folding keeps lengths, so spans found in the folded line cut the original one.
            kept, last = [], 0
            for m in spam.brands.finditer(folded):
                kept.append(line[last : m.start()])
                last = m.end()
            line = "".join(kept) + line[last:]
        out.append(line)
    return "\n".join(out)


# ---------------------------------------------------------------- plain-text lines


def _is_list_heading(folded: str, c: _Cues) -> bool:
    bare = folded.strip(" -·•:：>»【】[]")
    return len(bare) <= 24 and bare.startswith(c.list) or bare in ("更多", "更多>>", "more")


def _is_list_item(line: str) -> bool:
    if not line:
        return True
    if _BULLET.match(line):
        return len(line) <= 90
    return len(line) <= 40 and not _SENTENCE_END.search(line)


def strip_chrome_lines(text: str) -> str:
    """Drop breadcrumb, share-bar, footer lines and sidebar link-list blocks from text."""
    c = cues()
    lines = text.split("\n")
    folded_lines = fold(text).split("\n")  # folding keeps lengths: one call for the whole text
    kept: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        folded = folded_lines[i].strip()
        if _is_list_heading(folded, c):
            # A sidebar block: the heading, its 更多 link and the short lines that follow.
            i += 1
            while i < len(lines) and _is_list_item(lines[i].strip()):
                i += 1
            continue
        if (
            is_chrome_line(line, folded)
            or (len(line) <= 60 and c.share.search(folded) is not None)
            or (len(line) <= 150 and c.footer.search(folded) is not None)
        ):
            i += 1
            continue
        kept.append(lines[i])
        i += 1
    return "\n".join(kept)


PLAIN_HEAD_LINES = 15  # lines at the top of a text page whose labelled dates are its own


def clean_plain(text: str) -> Article:
    """A plain-text file: the text minus spam and chrome lines; title and date are found later.

    Labelled dates at the top (发布时间:…) are kept as hints first: the chrome they share a line
    with (打印 字号:) takes the line away."""
    head = "\n".join(text.split("\n", PLAIN_HEAD_LINES)[:PLAIN_HEAD_LINES])
    hints = [m.group(1) for m in DATE_LABEL.finditer(head)]
    return Article(text=strip_chrome_lines(strip_spam(text)), date_hints=hints)


# ---------------------------------------------------------------- HTML


# Plain lxml elements, not lxml.html's: its element classes are looked up by a Python function
# for every element a loop touches (a tenth of the cleaning). The tree is the same.
_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False)  # no id table: 8 % of a parse
_text_content = etree.XPath("string()", smart_strings=False)  # lxml.html's text_content()
_TEXTS = etree.XPath(".//text()", smart_strings=False)  # itertext() of an element, as one list


def _parse(text: str) -> etree._Element:
    text = _XML_DECL.sub("", text, count=1)
    try:
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise DocumentError(f"网页无法解析：{exc}") from None
    if root is None:
        raise DocumentError("网页无法解析：Document is empty")
    return root


def _meta(root: etree._Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in found:
            found[key] = value
    return found


def _clean_inline(s: str | None) -> str:
    return _SPACE_RUN.sub(" ", s or "").strip()


def strip_site_suffix(title: str, site_name: str | None = None) -> str:
    """`标题_站点名` / `标题 - 站点` -> `标题`; keeps titles whose parts are all short."""
    title = _clean_inline(title)
    if site_name and title.endswith(site_name) and len(title) > len(site_name) + 3:
        title = title[: -len(site_name)].rstrip(" _-|｜–—")
    parts = [p for p in _TITLE_SEPARATORS.split(title) if p]
    if len(parts) > 1 and len(parts[0]) >= 4:
        return parts[0]
    return title


def _absolute_url(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value.startswith(("http://", "https://")) else None


def _text_len(s: str) -> int:
    """Characters of `s` other than whitespace (str.split's whitespace is the regex's \\s)."""
    return len("".join(s.split()))


def _link_len(el: etree._Element) -> int:
    return sum(_text_len(_text_content(a)) for a in el.iter("a"))


@lru_cache(maxsize=4096)
def _chrome_attributes(class_: str | None, id_: str | None) -> bool:
    """True when a word of an element's class or id (letters between non-letters) is a chrome cue."""
    return not cues().classes.isdisjoint(re.split(r"[^a-z]+", f"{class_ or ''} {id_ or ''}".lower()))


def _drop(el: etree._Element) -> None:
    """Remove an element but keep its tail text (lxml.html's drop_tree)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is None:
            parent.text = (parent.text or "") + el.tail
        else:
            previous.tail = (previous.tail or "") + el.tail
    parent.remove(el)


def _remove_chrome(body: etree._Element) -> None:
    etree.strip_elements(body, *_DROP_TAGS, with_tail=False)
    for el in list(body.iter(*_CHROME_TAGS)):
        _drop(el)
    for el in list(body.iter("header")):
        if next(el.iterancestors("article", "main"), None) is None:
            _drop(el)
    total = _text_len(_text_content(body)) or 1
    # Elements without class or id have no class words; those with no attribute at all are skipped
    # here (a list of them is built faster than XPath's [@class or @id] selects them).
    for el in [el for el in body.iterdescendants() if el.attrib]:
        if not _chrome_attributes(el.get("class"), el.get("id")) or el.tag in ("body", "html") or el.getparent() is None:
            continue
        # Never drop a wrapper that holds most of a page's text (it is the article).
        length = _text_len(_text_content(el))
        if length < 0.4 * total or length < 200:
            _drop(el)


def _own_text(el: etree._Element) -> tuple[str, int]:
    """Text directly inside a block (not inside nested blocks) and how much of it is link text."""
    parts = [el.text or ""]
    links = 0
    for child in el:
        tag = child.tag
        if type(tag) is str and tag not in _BLOCK_TAGS:
            inner = _text_content(child)
            parts.append(inner)
            if tag == "a":
                links += _text_len(inner)
            elif len(child):  # a childless element holds no link
                links += _link_len(child)
        tail = child.tail
        if tail:
            parts.append(tail)
    return "".join(parts), links


def _best_node(body: etree._Element) -> etree._Element:
    """The container with the most prose, readability-style: text blocks score their ancestors."""
    scores: dict[etree._Element, float] = {}
    for el in body.iter(*_BLOCK_TAGS):
        text, links = _own_text(el)
        if len(text) - links < 10:
            continue  # cheaper than counting its spaces: at most that much prose
        prose = _text_len(text) - links
        if prose < 10:
            continue
        score = prose + 5 * len(re.findall(r"[，。,；]", text))
        if el.tag in _SCORED_CONTAINERS:
            scores[el] = scores.get(el, 0) + score
        parent = el.getparent()
        if parent is not None:
            scores[parent] = scores.get(parent, 0) + score
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + score / 2
    if not scores:
        return body
    top = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)[:5]

    def adjusted(item):
        el, score = item
        total = _text_len(_text_content(el)) or 1
        return score * (1 - min(1.0, _link_len(el) / total))

    return max(top, key=adjusted)[0]


def _drop_link_lists(node: etree._Element) -> None:
    for el in list(node.iter("ul", "ol", "dl", "div", "table", "p", "td")):
        if el is node or el.getparent() is None:
            continue
        total = _text_len(_text_content(el))
        if total and _link_len(el) / total > 0.6:
            _drop(el)


def _inline(s: str) -> str:
    # Source line breaks inside text are not breaks; between Chinese characters they are nothing.
    return _SPACE_RUN.sub(" ", _CJK_BREAK.sub("", s))


def _block_text(node: etree._Element) -> str:
    """Text of `node` with block boundaries and <br> as line breaks."""
    parts: list[str] = []
    for event, el in etree.iterwalk(node, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS or tag == "br":
                parts.append("\n")
            if el.text and tag:
                parts.append(_inline(el.text))
        else:
            if tag in _BLOCK_TAGS:
                parts.append("\n")
            if el.tail and el is not node:
                parts.append(_inline(el.tail))
    return "\n".join(line.strip() for line in "".join(parts).split("\n"))


def _script_dates(root: etree._Element) -> list[str]:
    """Dates assigned to publication-date variables in the page's scripts."""
    found = []
    for script in root.iter("script"):
        code = script.text or ""
        for m in _SCRIPT_DATE_LITERAL.finditer(code):
            if _SCRIPT_DATE_NAME.search(code, max(0, m.start() - 30), m.start()):
                found.append(m.group(1))
    return found


def _cms_dates(body: etree._Element, h1s: list[str]) -> list[str]:
    """Dates a CMS prints on their own: in a date/time/info element, or on a line right under the title."""
    found = []
    for el in body.iter("div", "span", "p", "em", "i", "font", "td", "li", "time"):
        if _DATE_CLASS.search((el.get("class") or "") + " " + (el.get("id") or "")):
            m = _LONE_DATE.match(_text_content(el))
            if m:
                found.append(m.group(1))
    if h1s:
        lines = [line.strip() for line in _TEXTS(body) if line.strip()]
        heading = next((i for i, line in enumerate(lines) if line == h1s[0]), None)
        if heading is not None:
            for line in lines[heading + 1 : heading + 1 + UNDER_TITLE_LINES]:
                m = _LONE_DATE.match(line)
                if m:
                    found.append(m.group(1))
                    break
    return found


def clean_html(text: str) -> Article:
    """A page: its title, canonical URL, date hints and main text without chrome."""
    root = _parse(text)
    meta = _meta(root)
    head_title = _clean_inline(root.findtext(".//title"))
    h1s = [_clean_inline(_text_content(h)) for h in root.iter("h1")]
    h1s = [h for h in h1s if h]
    url = _absolute_url(next((link.get("href") for link in root.iter("link") if (link.get("rel") or "").lower() == "canonical"), None)) or _absolute_url(meta.get("og:url"))
    hints = [meta[k] for k in _DATE_META if k in meta]

    body = root.find("body")
    if body is None:
        body = root
    if _ERROR_TITLE.match(head_title) and len(_text_content(body)) < 3000:
        raise NotADocument(f"错误页（{head_title[:40]}），不是文档")
    hints += _script_dates(root)
    etree.strip_elements(body, "script", "style", with_tail=False)
    body_all = _text_content(body)
    hints += [m.group(1) for m in DATE_LABEL.finditer(body_all)]
    if not hints:
        # The first hint wins: look for CMS date lines only on pages that gave none so far.
        hints += [m.group(1) for m in _SOURCE_DATE.finditer(body_all)]
        hints += _cms_dates(body, h1s)
    page_lines = [t for t in (s.strip() for s in _TEXTS(body)) if 0 < len(t) <= 40 and "号" in t] if "号" in body_all else []

    # Title: og:title, then a lone h1, then <title> without the site's suffix.
    title = _clean_inline(meta.get("og:title")) or (h1s[0] if len(h1s) == 1 else "")
    if not title and head_title:
        title = strip_site_suffix(head_title, meta.get("og:site_name"))
    if not title and h1s:
        title = h1s[0]

    _remove_chrome(body)
    node = _best_node(body)
    node_len = _text_len(_text_content(node))
    if node_len and _link_len(node) / node_len > 0.5 and node_len - _link_len(node) < 300:
        raise NotADocument("目录页：页面主要是链接列表，没有正文")
    _drop_link_lists(node)
    body_text = strip_chrome_lines(strip_spam(_block_text(node)))
    if not body_text.strip():
        # Video-only and picture pages: the page's own summary is the only text there is.
        body_text = _clean_inline(meta.get("og:description") or meta.get("description"))
        if body_text == title:
            body_text = ""
    if not body_text.strip() and not title:
        raise NotADocument("页面只有链接或导航（目录页），没有正文")
    if title:
        # The headline repeated at the top of the article body adds nothing to the text.
        lines = body_text.strip().split("\n", 1)
        if lines and _clean_inline(lines[0]) == title:
            body_text = lines[1] if len(lines) > 1 else ""
    return Article(text=body_text, title=title or None, url=url, date_hints=hints, page_lines=page_lines)
