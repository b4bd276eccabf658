"""Extract stage: organization names and their kind, from running text and digest headings.

A name ends in a suffix from indexer/data/org_suffixes.tsv (有限公司, 集团, 协会, 医院, 局 …);
it is grown to the left over jieba tokens until a stop word, punctuation or a number
(…获奖组织 | 上海申驰实业股份有限公司). Names that are only generic words (本市, 各区,
行业协会) are dropped. Everything runs on the folded text, so a Traditional name gets a
Simplified canonical form while its original spelling is kept for display.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress

from indexer.datafiles import data_lines, words_pattern
from indexer.extract import gazetteer
from indexer.normalize import fold
from indexer.segment import segmenter, tagged

MAX_NAME = 30
# Part-of-speech tags of dictionary words that cannot be inside a name: verbs, adverbs,
# prepositions, conjunctions, particles, pronouns, time words, numerals, measure words.
# Words jieba found only by its HMM (申驰, 蓝科) are not in the dictionary and may be.
_STOP_TAGS = frozenset("v vd d ad c p u uj ul uz ud ug uv r t m q f".split())
# 政府 only names a body after a place level: 上海市政府, 安徽省人民政府, not 营造政府.
_GOVERNMENT_SEAT = re.compile(r"(市|省|区|县|州|镇|乡|人民)$")
_LEADING = re.compile(r"(?:[一二三四五六七八九十]是)?(?:对标)?[由和与及在将对向从把被为让使]?")
_BAD_FIRST = set("局委办司厂院会)）(（")
_LIST_SEP = re.compile(r"、|以及|和|及")
_LIST_SEP_BEFORE = re.compile(r"(?:、|以及|和|及)$")
_PUNCT = re.compile(r"^[\W_]+$")
_DEMONSTRATIVES = frozenset("该此这那")
_NTH_LARGEST = re.compile(r"第[一二三四五六七八九十\d]+大")
# Before these a country names no body of its own (日本公司, 伊朗发电厂); before 质量协会 or 银行 it may.
_COUNTRY_GENERIC_SUFFIXES = frozenset(("公司", "企业", "厂", "电厂", "发电厂", "核电站", "油田"))
# 第五届, 第三次: the edition of an event before a name, not part of it (第一中学 stays).
_ORDINAL_EDITION = re.compile(r"^第[一二三四五六七八九十百\d]+[届次期轮批]")
_NUMBER = re.compile(r"\d")
# A digest heading: a short unit name, a colon, a short slogan (申通地铁：奋进高质量 迈向新征程).
HEADING = re.compile(r"^\s*([^\s：:，,。；;“”\"]{2,12})\s*[：:]\s*(\S.{1,40})$")


@dataclass
class Organization:
    """An organization a document mentions."""

    name: str  # canonical: Simplified, the fullest form the document gives
    kind: str  # enterprise, association, government, institution or other
    original: str  # as first written in the document (its own script)
    short_forms: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)  # declared by the document: (以下简称“市质协”)

    def as_dict(self) -> dict:
        """The JSON shape stored in the index and returned by the API."""
        return {"name": self.name, "kind": self.kind, "original": self.original, "short_forms": self.short_forms,
                "abbreviations": self.abbreviations}


@lru_cache(maxsize=1)
def _suffixes() -> tuple[tuple[str, str], ...]:
    rows = [tuple(line.split("\t")) for line in data_lines("org_suffixes.tsv")]
    return tuple(sorted(((fold(s), k) for s, k in rows), key=lambda r: -len(r[0])))


@lru_cache(maxsize=None)
def _words(name: str) -> frozenset[str]:
    """A word list from indexer/data/, folded."""
    return frozenset(fold(w) for w in data_lines(name))


@dataclass(frozen=True)
class _Names:
    kinds: dict[str, str]
    pattern: re.Pattern
    countries: frozenset[str]
    country_pattern: re.Pattern


@lru_cache(maxsize=1)
def _names() -> _Names:
    """Whole organization names (data/org_names.tsv) as one longest-first regex, and country names."""
    kinds: dict[str, str] = {}
    for line in data_lines("org_names.tsv"):
        name, kind = line.split("\t")[:2]
        kinds.setdefault(fold(name), kind)
    countries = frozenset(fold(w) for line in data_lines("countries.txt") for w in line.split())
    # 外交部长, 财政部长: a title, not the ministry.
    pattern = re.compile(f"(?:{words_pattern(kinds)})(?!长)")
    country_pattern = re.compile(f"(?:{words_pattern(countries)})$")
    return _Names(kinds, pattern, countries, country_pattern)


def _from_list(folded: str, edges: set[int] | None = None) -> list[tuple[int, int, str]]:
    """(start, end, kind) of whole names from the data file; a country before a government body joins it.

    With `edges` (where jieba's words begin and end), a name must end where a word ends: 联合国 is
    not named in 联合国家, nor 教育部 in 教育部门, nor 中国建筑 in 中国建筑材料联合会."""
    names = _names()
    spans = []
    for m in names.pattern.finditer(folded):
        if edges is not None and m.end() not in edges:
            continue
        start, kind = m.start(), names.kinds[m.group(0)]
        if kind == "government" and not _FOREIGN_BODY.match(m.group(0)):
            country = names.country_pattern.search(folded, max(0, start - 8), start)
            # 美国|国务院 and 俄|外交部, but not 30日|中共中央政治局: a one-character country is
            # never one before a Chinese national body, nor right after a number (a date).
            short = country is not None and len(country.group(0)) == 1
            if country and not (short and (_NATIONAL_BODY.match(m.group(0)) or folded[country.start() - 1 : country.start()].isdigit())):
                start = country.start()
        spans.append((start, m.end(), kind))
    return spans


def _stops() -> frozenset[str]:
    return _words("org_stopwords.txt")


def _generic() -> frozenset[str]:
    return _words("org_generic.txt")


@lru_cache(maxsize=1)
def _not_name_endings() -> tuple[str, ...]:
    """Endings of ordinary words that are never an organization's last word, for str.endswith."""
    return tuple(_words("org_not_names.txt"))


@lru_cache(maxsize=1)
def _suffix_table() -> tuple[tuple[int, ...], dict[str, str], frozenset[str]]:
    """Suffix lengths (longest first), suffix -> kind (the first row wins) and suffixes' last characters."""
    table: dict[str, str] = {}
    for suffix, kind in _suffixes():
        table.setdefault(suffix, kind)
    return tuple(sorted({len(s) for s in table}, reverse=True)), table, frozenset(s[-1] for s in table)


def _suffix_of(name: str) -> str:
    """The longest known suffix `name` ends with, or ""."""
    lengths, table, last_chars = _suffix_table()
    if not name or name[-1] not in last_chars:
        return ""  # most words: no suffix ends in their last character
    for n in lengths:
        if n <= len(name) and name[-n:] in table:
            return name[-n:]
    return ""


# Builders and railway companies named after the bureau they were (中建八局, 中铁十九局, 四航局, 南宁铁路局):
# companies, not government bureaus.
_COMPANY_BUREAU = re.compile(
    r"^(?:中建|中铁|中交|中冶|中国建筑|中国中铁|中国铁建|中国交建|中国水电|中水|中电建|中国电建|中国能建|葛洲坝)"
    r"[^局]{0,6}局|^.{0,4}[一二三四五六七八九十\d]+(?:工程)?局(?:集团|有限|公司)|航(?:务)?局$|工程局|铁路局"
)
# International and intergovernmental bodies (国际标准化组织, 国际计量局, 联合国教科文组织): other, never government.
_ASSOCIATION_PARENT = re.compile(r"(?:协会|学会|工会|商会|联合会|质协|研究会|促进会)(?:全国|用户|专业|工作|技术)?$|^全国用户$")
_INTERNATIONAL = re.compile(r"^(?:国际|世界|联合国|欧洲|亚洲|亚太|全球|欧盟|东盟)")


@lru_cache(maxsize=100_000)
def kind_of(name: str) -> str | None:
    """The kind a (folded) name's suffix marks, or None when it has no known suffix."""
    if name.startswith("共青团") or name.startswith("团市委") or name.startswith("团区委"):
        return "association"
    suffix = _suffix_of(name)
    kind = _suffix_table()[1][suffix] if suffix else None
    if kind == "government" and _COMPANY_BUREAU.search(name):
        return "enterprise"
    if kind == "government" and suffix in ("委员会", "办公室", "秘书处") and _ASSOCIATION_PARENT.search(name[: -len(suffix)]):
        return "association"  # 江苏省质量协会用户委员会, 中国机械冶金建材工会全国委员会: a part of an association
    if kind in ("government", "association") and _INTERNATIONAL.match(name) and not name.startswith("国际合作"):
        return "other"
    return kind


@lru_cache(maxsize=2)
def _generic_prefix(with_countries: bool) -> re.Pattern:
    """Generic words (data/org_generic.txt), with country names or not, as one regex of runs of them."""
    words = _generic() | ({c for c in _names().countries if len(c) > 1} if with_countries else set())
    return re.compile(f"(?:{words_pattern(words)})+")


# A seat before a body's name that makes it a relative name of a local body (市市场监管局, 地区公安局).
_RELATIVE = re.compile(r"^(?:市|省|区|县|州|地区|盟|镇|乡|街道|自治区|自治州|市区|县区)?$")
_BODY_SUFFIXES = ("局", "委", "厅", "办", "部", "委员会", "办公室")


@lru_cache(maxsize=1)
def _functions() -> tuple[str, ...]:
    """Departments' functions (indexer/data/org_functions.txt), longest first, folded."""
    return tuple(sorted(_words("org_functions.txt"), key=len, reverse=True))


_KINDS_OF_INSTITUTION = frozenset(("实验室", "研究院", "研究所", "研究中心", "培训中心", "服务中心", "检测中心", "设计院", "学校", "医院", "大学", "学院", "博物馆", "图书馆"))


def relative_body(name: str) -> bool:
    """True for the relative name of a local body: 县卫健委, 市市场监管局, 地区公安局, 科技局, 市质检中心."""
    kind = kind_of(name)
    if kind == "institution":
        suffix = _suffix_of(name)
        if name == suffix and suffix in _KINDS_OF_INSTITUTION:
            return False  # 实验室, 研究院 alone: what it is, not which
        return len(suffix) >= 3 and bool(_RELATIVE.match(name[: len(name) - len(suffix)]))
    if kind != "government":
        return False
    for function in _functions():
        at = name.find(function)
        if at >= 0 and _RELATIVE.match(name[:at]) and name[at + len(function) :].lstrip("和") in (
            *_BODY_SUFFIXES, "管理局", "监督管理局", "服务中心", "执法局", "支队", "大队"):
            return True
    return False


# Addressees and collectives, not one body: 省政府各厅委, 县(市)人民政府, 质检两局, 省直管县(市)….
_COLLECTIVE = re.compile(r"各|两局|两委|[县区市]\([县区市]\)|^省直管|^工作委员会$|^领导小组$|等单位")


def _is_generic(name: str) -> bool:
    """True for names made of generic words and a suffix: 行业协会, 各区政府, 有关部门, 日本公司."""
    if _COLLECTIVE.search(name):
        return True
    if relative_body(name):
        return False  # 地区公安局, 县卫健委: a relative name, kept when the page gives no fuller one
    suffix = _suffix_of(name)
    stem = name[: len(name) - len(suffix)]
    if len(stem) < 2 and not stem.isascii() or stem[-1:] in _DEMONSTRATIVES or stem[:1] in _DEMONSTRATIVES:
        return True  # 该厂, 此公司, 这座老油田: a reference back, not a name
    if "最" in stem or _NTH_LARGEST.search(stem):
        return True  # 乌克兰最大核电站, 第二大核电站: a description (listed names such as 最高人民法院 are kept)
    # Strip generic words from the front; a name that is nothing else is generic.
    # A country before 公司 names no company (日本公司); before 质量协会 it does (中国质量协会).
    m = _generic_prefix(suffix in _COUNTRY_GENERIC_SUFFIXES).match(stem)
    if m:
        stem = stem[m.end() :]
    if len(stem) == 1 and not stem.isascii():
        return segmenter().has_word(stem + suffix)  # 部分大型|船厂: the rest is one ordinary word
    return not stem


@lru_cache(maxsize=100_000)
def _ends_in_verb(word: str) -> bool:
    """True for tokens like 认真落实 or 坚决贯彻 that jieba tags as idioms but end in a verb."""
    if len(word) < 3:
        return False
    tail = word[-2:]
    return _free_tag(tail) in ("v", "vd", "a") and segmenter().has_word(tail)


# Words tagged as directions or places that begin company names (北方华锦, 东方电气, 华北制药).
_NAME_DIRECTIONS = frozenset(("东方", "南方", "北方", "西方", "华北", "华东", "华南", "华中", "西北", "西南", "东北", "中原"))


# Words an association's name is made of (中国施工企业管理协会, 中国中小企业协会), stops before other names.
_TRADE_WORDS = frozenset(("企业", "行业", "产业", "中小企业"))


def _is_stop(word: str, tag: str) -> bool:
    if word in _words("org_name_verbs.txt") or word in _NAME_DIRECTIONS:
        return False
    if tag in ("v", "d", "vn") and word in gazetteer().surface:
        return False  # a place jieba took for a verb here (保定, 开封, 大连): 河北省电力公司保定供电公司
    return (
        word in _stops()
        or (len(word) > 2 and word.endswith("单位"))  # 承包单位|中建三局…: a role, not part of the name
        or (tag in ("z", "i", "l", "a", "ad") and _ends_in_verb(word))
        or bool(_PUNCT.match(word))
        or (bool(_NUMBER.search(word)) and not word.startswith("第"))
        or bool(_ORDINAL_EDITION.match(word))
        or word.isspace()
        or (tag in _STOP_TAGS and segmenter().has_word(word) and not word.startswith("第"))
    )


def _grow_left(tokens: list[tuple[str, int, int, str]], i: int) -> int:
    """Index of the first token of the name whose last token is tokens[i]."""
    j = i
    length = tokens[i][2] - tokens[i][1]
    depth = 0  # inside "(…)" while growing leftwards
    media = _names().kinds
    suffix = _suffix_of(tokens[i][0])
    # jieba knows the anchor as one organization word (波音公司, 美国银行), not as the suffix alone (协会).
    whole = tokens[i][3] == "nt" and len(tokens[i][0]) > len(suffix)
    association = _suffix_table()[1].get(suffix) == "association"
    while j > 0:
        word, start, end, tag = tokens[j - 1]
        if whole and (j < i or not (only_places(word) or _RELATIVE_SEAT.match(word))) and not (word == "中共" and j < i + 2):
            break  # 指控|美国银行, 越南老挝|古巴党中央: one place or seat at most may stand before it (and 中共)
        if suffix and word.endswith(suffix) and len(word) > len(suffix) - 1:
            break  # an appositive: 最大核电站|扎波罗热核电站, 商业银行|德意志银行
        if _free_tag(word) in _VERB_TAGS and tokens[j][3] in _PROPER_TAGS:
            break  # 证实|扎波罗热核电站, 审查|福岛第一核电站: a verb before a proper name is not in the name
        if media.get(word) == "other" and media.get(tokens[j][0]) == "other":
            break  # 总台|央视新闻频道: a broadcaster before its channel's brand is a name of its own
        if word == "和" and j >= 2 and i - j <= 2 and _joins_with_he(tokens[j - 2], tokens[i][0]):
            length += end - start
            j -= 1
            continue  # 文化和旅游厅, 住房和城乡建设局: one body whose name has 和 in it
        if word in (")", "）"):
            depth += 1
        elif word in ("(", "（"):
            if depth == 0:
                break
            depth -= 1
        elif (depth == 0 and _is_stop(word, tag) and not (_CN_NUMERAL.fullmatch(word) and _NUMBERED.match(tokens[j][0]))
              and not (association and word in _TRADE_WORDS)):
            break  # (十九|局, 八|局, 第一|重型机械: a numbered unit is named with its number)
        if length + (end - start) > MAX_NAME:
            break
        length += end - start
        j -= 1
    while j < i and tokens[j][0] in (")", "）", "(", "（"):
        j += 1
    return j


_VERB_TAGS = frozenset(("v", "vd", "vn"))
_CN_NUMERAL = re.compile(r"第?[一二三四五六七八九十百零〇]+")
_NUMBERED = re.compile(r"^(?:局|公司|分公司|工程|建筑|处|院|所|厂|中学|小学|冶|航|工区|分局|支队|大队|研究所)")


@lru_cache(maxsize=100_000)
def _free_tag(word: str) -> str | None:
    """The part of speech jieba gives `word` on its own (context changes it: 证实 n, 交由 n)."""
    tags = segmenter().tag(word, False)
    return tags[0][1] if len(tags) == 1 else None


def _joins_with_he(before: tuple[str, int, int, str], last: str) -> bool:
    """True when 和 is inside a government body's name: a plain noun before it, not a name of its own."""
    word, _start, _end, tag = before
    return (
        kind_of(last) == "government" and tag in ("n", "vn", "nz") and len(word) >= 2
        and kind_of(word) is None and word not in _stops() and word not in _generic()
    )


def _unbalanced(name: str) -> bool:
    depth = 0
    for ch in name:
        depth += ch in "(（"
        depth -= ch in ")）"
        if depth < 0:
            return True
    return depth != 0


# People's titles jieba glues to the body they head (协会会长, 市委书记, 政协主席, 发展局副局长).
_TITLE_TAIL = re.compile(
    r"(?:副|常务副|名誉|执行)?(?:会长|书记|主席|局长|主任|处长|司长|院长|所长|厂长|总经理|经理|秘书长|理事长|部长|"
    r"市长|县长|省长|区长|校长|董事长|总裁|行长|社长|台长|站长|队长|组长|委员|常委)$"
)


def _tagged(folded: str) -> list[tuple[str, int, int, str]]:
    """jieba tokens with offsets and part-of-speech tags (same cut as the analyzer's); a token that
    is a body's name with a person's title glued on (协会会长) is cut into the two."""
    tokens, at = [], 0
    for word, tag in tagged(folded):
        size = len(word)
        title = _title_at(word) if size >= 4 else 0
        if title:
            cut = at + title
            tokens.append((word[:title], at, cut, "nt"))
            tokens.append((word[title:], cut, at + size, "n"))
        else:
            tokens.append((word, at, at + size, tag))
        at += size
    return tokens


@lru_cache(maxsize=100_000)
def _title_at(word: str) -> int:
    """Where a person's title glued to a body's name begins in `word` (协会|会长), 0 when none is."""
    title = _TITLE_TAIL.search(word)
    return title.start() if title and title.start() >= 2 and kind_of(word[: title.start()]) else 0


_LEVEL_CHARS = re.compile(r"^[省市区县州在于的]*$")


def only_places(name: str, countries: bool = True) -> bool:
    """True when `name` is nothing but place names (辽宁省抚顺市, 重庆巫溪) and, with `countries`,
    country names (美国)."""
    rest = gazetteer().pattern.sub("", name)
    if countries:
        rest = _country_names().sub("", rest)
    return bool(_LEVEL_CHARS.match(rest))


@lru_cache(maxsize=1)
def _country_names() -> re.Pattern:
    """Country names of two characters or more, longest first (one-character ones are too ambiguous)."""
    return re.compile(words_pattern(c for c in _names().countries if len(c) > 1))


# Listed bodies that exist once, nationally or abroad: a Chinese place before one is where
# something happened (在北京|中共中央政治局), never part of the name.
_NATIONAL_BODY = re.compile(r"^(?:中央|中共|国家|国务院|全国|中国|中华|党中央|最高|联合国|世界|国际|欧|亚|非|北约|东盟|上合|金砖|七国|二十国|经合|石油|美|俄|英|法|德|日|韩|朝|乌|以|伊|叙)")
_RELATIVE_SEAT = re.compile(r"^(?:市|省|区|县|州|自治区|自治州)$")


def _local_prefix(prefix: str, listed: str) -> bool:
    """True when `prefix` is the seat of a local body of a listed kind (省|发改委, 上海市|国资委)."""
    if _NATIONAL_BODY.match(listed) or kind_of(listed) == "other" or _names().kinds.get(listed) == "other":
        return False
    return bool(_RELATIVE_SEAT.match(prefix)) or only_places(prefix, countries=False)


# Listed bodies that are foreign or intergovernmental: they do not make an event a national one.
_FOREIGN_BODY = re.compile(r"^(?:联合国|世界|国际|欧|亚|非|北约|东盟|东南亚|上合|上海合作|金砖|七国|二十国|经合|石油|海合|阿|独联|集体|红十字国际|新开发|美|俄|英|法|德|日|韩|朝|乌|以|伊|叙)")


def national_host(folded: str) -> bool:
    """True when a folded passage names a Chinese national body (国务院, 中宣部, 总台, 全国…组委会):
    the event it describes is a national one."""
    names = _names()
    if "全国" in folded:
        return True
    for m in names.pattern.finditer(folded):
        name = m.group(0)
        if _FOREIGN_BODY.match(name) or names.country_pattern.search(folded, max(0, m.start() - 8), m.start()):
            continue
        if m.start() and folded[m.start() - 1] in "省市区县州":
            continue  # 市发改委: a local body
        if names.kinds[name] in ("government", "other", "association"):
            return True
    return False


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    """True when two spans cross: they share text but neither holds the other."""
    return a[0] < b[1] and b[0] < a[1] and not (a[0] <= b[0] and b[1] <= a[1]) and not (b[0] <= a[0] and a[1] <= b[1])


# Last words of suffixes that jieba may cut apart (融媒体|中心, 临床|中心, 质检|所).
_SPLIT_SUFFIX_ENDS = frozenset(("中心", "所", "院", "站", "台", "网", "大学"))


# A whole item of a list of names: between 、 (or a list number, or a line's start) and the next
# 、, clause end, list number or 等: (1)徐州建机工程机械有限公司 (2)…, 、广东好太太科技集团股份有限公司、
_ITEM_CHARS = re.compile(r"[\u4e00-\u9fffA-Za-z0-9()（）·&]+$")
_ITEM_MARK = re.compile(r"(?:[(（]\d{1,3}[)）]|\d{1,3}[.、．]|[一二三四五六七八九十]{1,3}、)")
_ITEM_VERB = re.compile(r"(?:授予|表彰|命名|包括|分别为|分别是|依次为|如下)[:：]?")
# A person's title right after the name ends the item as a separator would: 、铸成质量人才培训中心|副主任杨涛.
_TITLE_AFTER = re.compile(r"(?:副|常务副|名誉|执行)?(?:会长|书记|主席|主任|院长|所长|厂长|总经理|经理|秘书长|理事长|董事长|总裁|校长)")
_ITEM_STOP = re.compile(r"[\d等的与及是在为]")
ITEM_GROWTH = 8  # characters the item rule may add before where the name grew to
_ITEM_LEFT = frozenset("、\n ")
_ITEM_RIGHT = frozenset("、，,。；;\n 等")


def _list_item_start(folded: str, start: int, end: int) -> int:
    """Where the list item that ends with folded[start:end] begins, when the name is a whole item
    of a list; `start` otherwise (jieba took a word of the name for a verb: 好|太太科技…, 招|金矿业)."""
    if end < len(folded) and folded[end] not in _ITEM_RIGHT and not _TITLE_AFTER.match(folded, end):
        return start
    left = max(0, end - MAX_NAME - 6)
    at = start
    while at > left and folded[at - 1] not in _ITEM_LEFT and folded[at - 1] not in "，,：:；;。":
        at -= 1
    verb = _ITEM_VERB.search(folded, at, start)
    if verb and folded[end : end + 1] == "、":
        return verb.end()  # the first item after 授予, 表彰, 包括: 市政府决定授予|广州广电城市服务集团股份有限公司、
    opens = _ITEM_LEFT if folded[end : end + 1] != "、" else _ITEM_LEFT | {"：", ":"}  # 名单：A、B、C
    if at == start or (at > 0 and folded[at - 1] not in opens) or at == left > 0:
        return start
    mark = _ITEM_MARK.match(folded, at, end)
    item = at + (mark.end() - mark.start() if mark else 0)
    if item >= end - 2 or not _ITEM_CHARS.match(folded, item, end):
        return start
    if folded[at - 1 : at] == " " and not mark and folded[end : end + 1] != "、":
        return start  # a space alone separates words of a sentence as often as items
    whole_line = (at == 0 or folded[at - 1] == "\n") and (mark or folded[end : end + 1] in ("\n", ""))
    if (start - item > ITEM_GROWTH and not whole_line) or _ITEM_STOP.search(folded, item, start):
        return start  # 媒体代表等50余人走进|陕西汽车…: a clause, not a name, ran up to it
    return item if end - item <= MAX_NAME else start


def _from_text(folded: str, tokens: list[tuple[str, int, int, str]]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every listed or suffix-anchored name in running text, longest spans only."""
    edges = {t[1] for t in tokens} | {t[2] for t in tokens}
    listed = _from_list(folded, edges)
    listed_by_end: dict[int, list[tuple[int, int, str]]] = {}
    for span in listed:
        listed_by_end.setdefault(span[1], []).append(span)
    listed_starts = [span[0] for span in listed]  # in text order
    listed_set = {(span[0], span[1]) for span in listed}
    spans = list(listed)
    # Only tokens that may end a name go round the loop: asked of a cached function in one C-level
    # pass (a page's tokens are mostly ordinary words).
    for i in compress(range(len(tokens)), map(_may_end_name, [t[0] for t in tokens])):
        word, start, end, _tag = tokens[i]
        kind = _token_kind(word)
        anchor = i
        if i and word in _SPLIT_SUFFIX_ENDS and (kind is None or word == _suffix_of(word)):
            # A suffix jieba cut into several words (融|媒体|中心, 质检|中心): anchor on its first word.
            for k in (1, 2):
                if i - k >= 0:
                    joined = folded[tokens[i - k][1] : end]
                    suffix = _suffix_of(joined)
                    if len(suffix) > len(word) and len(suffix) >= end - tokens[i - k + 1][1]:
                        kind, anchor = _suffix_table()[1][suffix], i - k
                        break
        if kind is None:
            continue
        first = _grow_left(tokens, anchor)
        name_start = tokens[first][1]
        if kind in ("enterprise", "institution") or _suffix_of(word) in ("有限公司", "股份有限公司", "有限责任公司"):
            name_start = _list_item_start(folded, name_start, end)
        # Function characters glued to a name by the segmenter: 由区…, 三是对标…
        lead = _LEADING.match(folded, name_start, end)
        if lead and end - lead.end() >= 4:
            name_start = lead.end()
        name = folded[name_start:end]
        if name.endswith(_UNIT_PARTS) and kind_of(name[: -len(_suffix_of(name))] or "-"):
            end -= len(_suffix_of(name))  # 检测检验所|实验室: the institute named, not its laboratory
            name = folded[name_start:end]
        if (len(name) < 4 and not relative_body(name)) or _is_generic(name) or name[0] in _BAD_FIRST or _unbalanced(name):
            continue
        if name.endswith("政府") and not _GOVERNMENT_SEAT.search(name[:-2]):
            continue
        # A listed name is whole as listed (a country before it joins in _from_list): what grew
        # on its left is a place, a person or a verb (在北京|中共中央政治局, 韩正同|欧盟委员会).
        if any(name_start < ls[0] and not _local_prefix(folded[name_start : ls[0]], folded[ls[0] : ls[1]]) for ls in listed_by_end.get(end, ())):
            continue
        span = (name_start, end, kind_of(name) or kind)
        if _plain_stem(name):
            continue  # 列车公司, 存量公司, 计量实验室, 评审委员会: a kind of body, not a body
        if _COLLECTIVE_CLAUSE.search(folded, max(0, name_start - MAX_NAME), name_start):
            continue  # 各省、自治区、直辖市质协: every one of a kind, not one body
        near = listed[bisect.bisect_left(listed_starts, name_start - MAX_NAME) : bisect.bisect_left(listed_starts, end)]
        if any(_overlaps(span, ls) for ls in near) or only_places(name):
            continue
        if (name_start, end) in listed_set:
            continue  # the listed name itself, with its listed kind
        spans.append(span)
    return _maximal(spans, listed_set)


@lru_cache(maxsize=100_000)
def _may_end_name(word: str) -> bool:
    """True for a token _from_text looks at: one with a kind, or a suffix jieba may have cut apart."""
    return _token_kind(word) is not None or word in _SPLIT_SUFFIX_ENDS


@lru_cache(maxsize=100_000)
def _token_kind(word: str) -> str | None:
    """kind_of a token that may end a name: 12 characters at most, not an ordinary word's ending
    (asked for every token of every page: a page repeats its words, and pages each other's)."""
    return kind_of(word) if len(word) <= 12 and not word.endswith(_not_name_endings()) else None


def _maximal(spans: list[tuple[int, int, str]], listed: set[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """The spans no other span holds, with the departments of enterprises dropped."""
    # An enterprise at the start of an institute's name is the enterprise that owns it
    # (上海电科智能股份 | 中央研究院): keep the enterprise, drop the department; so is an
    # institute written right after its company (…股份有限公司|中央研究院).
    shortest_enterprise: dict[int, int] = {}
    enterprise_ends = set()
    for start, end, kind in spans:
        if kind == "enterprise":
            shortest_enterprise[start] = min(end, shortest_enterprise.get(start, end))
            enterprise_ends.add(end)
    kept = [
        s for s in spans
        if s[2] == "enterprise"
        or not (shortest_enterprise.get(s[0], s[1]) < s[1] or (s[0] in enterprise_ends and (s[0], s[1]) not in listed))
    ]
    # Keep maximal spans: 同济大学 inside 同济大学建筑设计研究院(集团)有限公司 is not a second name.
    out, reach = [], -1
    for span in sorted(set(kept), key=lambda s: (s[0], -s[1])):
        if span[1] > reach:
            out.append(span)
            reach = span[1]
    return out


def _item_start(tokens: list[tuple[str, int, int, str]], last: int, limit: int = 12) -> int:
    """First token of a list item (or a bracketed unit's parent) ending with tokens[last]:
    name-like tokens to the left, at most `limit` characters; `last + 1` when there are none."""
    i = last
    while i >= 0 and not _is_stop(tokens[i][0], tokens[i][3]) and tokens[last][2] - tokens[i][1] <= limit:
        i -= 1
    return i + 1


def _mentions_of_units(folded: str, tokens: list[tuple[str, int, int, str]], spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Other mentions of names known from headings, and the parent named before one in brackets.

    国家核电(上海核工院): 上海核工院 is known from its heading, so 国家核电 names its parent.
    """
    found = []
    kinds: dict[str, str] = {}
    for start, end, kind in spans:
        kinds.setdefault(folded[start:end], kind)
    if not kinds:
        return found
    ends = {t[2]: i for i, t in enumerate(tokens)}
    known = set(spans)
    for at, close, kind in _occurrences(folded, kinds):
        if (at, close, kind) not in known:
            found.append((at, close, kind))
        if at > 0 and folded[at - 1] in "(（" and folded[close : close + 1] in (")", "）") and at - 1 in ends:
            i = ends[at - 1]
            first = _item_start(tokens, i)
            if first <= i:
                parent = folded[tokens[first][1] : tokens[i][2]]
                if len(parent) >= 2 and not _is_generic(parent):
                    found.append((tokens[first][1], tokens[i][2], kind_of(parent) or "enterprise"))
    return found


def _occurrences(folded: str, kinds: dict[str, str]) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every occurrence of the names in `kinds`, longest first at a place.

    A short text is searched name by name (str.find is fast there); a long one in one regex
    pass, so that the work stays linear in its length however many names it holds.
    """
    if len(folded) * len(kinds) < 1_000_000:
        found = []
        for name, kind in kinds.items():
            at = folded.find(name)
            while at >= 0:
                found.append((at, at + len(name), kind))
                at = folded.find(name, at + 1)
        return found
    pattern = re.compile(words_pattern(kinds))
    return [(m.start(), m.end(), kinds[m.group(0)]) for m in pattern.finditer(folded)]


def _inner_suffix(name: str) -> bool:
    """True when an organization word stands inside a name (安徽省政府副省长: a person, not a body)."""
    return any(len(suffix) >= 2 and suffix in name[:-1] for suffix, _ in _suffixes())


def _list_members(folded: str, tokens: list[tuple[str, int, int, str]], known: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Names listed with 、 (or 和/及/以及) beside a known organization: they are organizations too.

    机场集团、铁路上海站、申通地铁集团 … / 振华重装、南通分公司、启东海洋工程、南通传动以及上海港机重工.
    Each item is grown to the right from its start over name-like tokens; places are not members.
    """
    if not known:
        return []
    places = gazetteer().surface
    starts = {t[1]: i for i, t in enumerate(tokens)}
    ends = {t[2]: i for i, t in enumerate(tokens)}
    not_names = _not_name_endings()
    found = []
    for k_start, k_end, kind in known:
        # Walk the list both ways from the known name, item by item.
        for direction in (-1, 1):
            edge = k_start if direction < 0 else k_end
            for _ in range(8):
                if direction > 0:
                    m = _LIST_SEP.match(folded, edge)
                    if not m or m.end() not in starts:
                        break
                    i = starts[m.end()]
                    j = i
                    while (
                        j < len(tokens) and not _is_stop(tokens[j][0], tokens[j][3]) and tokens[j][2] - tokens[i][1] <= 12
                        and not (j > i and (tokens[j][3] in ("nr", "nrfg") or tokens[j][0].endswith(not_names)))
                    ):  # 全国工商联|林泽炎, 国际劳工组织|总干事洪博: a person or title after the name ends it
                        j += 1
                    if j == i:
                        break
                    item = (tokens[i][1], tokens[j - 1][2])
                else:
                    m = _LIST_SEP_BEFORE.search(folded, max(0, edge - 2), edge)  # separators are at most 2 characters
                    if not m or m.start() not in ends:
                        break
                    end_i = ends[m.start()]
                    first = _item_start(tokens, end_i)
                    if first > end_i or any(
                        t[3] in ("nr", "nrfg") or t[0].endswith(not_names) for t in tokens[first : end_i + 1]
                    ):
                        break  # 国际劳工组织总干事洪博: a person named with their body, not a member
                    item = (tokens[first][1], tokens[end_i][2])
                while item[1] > item[0] and folded[item[1] - 1] == "等":
                    item = (item[0], item[1] - 1)
                name = folded[item[0]:item[1]]
                if (
                    len(name) < 2 or name in places or _is_generic(name) or name.endswith(not_names)
                    or only_places(name) or (kind_of(name) is None and _inner_suffix(name))
                ):
                    break
                own = kind_of(name) or _names().kinds.get(name)
                if own is None and _tagged_org(name):
                    own = "government" if name[-1] in _BODY_ENDINGS else "enterprise"  # 卫生部 is no company
                if own is None and (kind != "enterprise" or _common_word(name) or _person(name)):
                    break  # without a suffix, only a brand beside other companies (or a name jieba knows) is one
                found.append((item[0], item[1], own or "enterprise"))
                edge = item[0] if direction < 0 else item[1]
    return found


_PROPER_TAGS = frozenset(("nt", "nz", "nr", "nrt", "nrfg", "ns", "j", "eng"))


def _common_word(name: str) -> bool:
    """Ordinary dictionary words only (工业, 工业领域, 新媒体平台): not a brand. A brand has a proper
    name in it (振华|重装, 申通|地铁) or a word jieba's dictionary does not know."""
    seg = segmenter()
    return all(seg.has_word(word) and tag not in _PROPER_TAGS for word, tag in seg.tag(name, False))


_UNIT_PARTS = ("实验室",)
_PLAIN_SUFFIXES = frozenset(("公司", "银行", "厂", "实验室", "学校", "委员会"))
# A clause that begins with 各 and lists on with 、 up to the name: 各省、自治区、直辖市|质协.
_COLLECTIVE_CLAUSE = re.compile(r"(?:^|[\n，,：:；;。])各[^\n，,：:；;。]*$")


def _plain_stem(name: str) -> bool:
    """True when 公司/银行/厂/实验室/学校/委员会 follows one ordinary word (列车|公司, 存量|公司) and the whole is no
    organization word jieba knows (人民出版社, 国家开发银行 are). 机场集团 in a list stays."""
    suffix = _suffix_of(name)
    stem = name[: len(name) - len(suffix)]
    if suffix not in _PLAIN_SUFFIXES or not stem or _tagged_org(name):
        return False
    return len(segmenter().tag(stem, False)) == 1 and _common_word(stem)


_BODY_ENDINGS = frozenset("部委局署办厅")


def _person(name: str) -> bool:
    """True when jieba reads `name` as one person's name (师生 aside, a brand is not a person)."""
    return _free_tag(name) in ("nr", "nrfg")


def _tagged_org(name: str) -> bool:
    """True when jieba's dictionary knows `name` as one organization word (POS nt: 东方航空)."""
    return _free_tag(name) == "nt"


def digest_headings(folded: str) -> list[tuple[int, str, str]]:
    """(offset, unit, slogan) of digest headings, when a text has at least two of them."""
    labels = _words("heading_labels.txt")
    found, offset = [], 0
    for line in folded.split("\n"):
        m = HEADING.match(line)
        if m and len(line) <= 50:
            unit, slogan = m.group(1), m.group(2).strip()
            if unit not in labels and not _NUMBER.search(slogan) and len(re.findall(r"[\u4e00-\u9fff]", slogan)) >= 4:
                found.append((offset + m.start(1), unit, slogan))
        offset += len(line) + 1
    return found if len(found) >= 2 else []


def _from_headings(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of units named in digest headings (申通地铁：…), places excluded."""
    places = gazetteer().surface
    spans = []
    for start, unit, _slogan in digest_headings(folded):
        bare = re.sub(r"(区|县|市)$", "", unit)
        if unit in places or bare in places or f"{bare}区" in places or _is_generic(unit):
            continue
        spans.append((start, start + len(unit), kind_of(unit) or "enterprise"))
    return spans


# What may follow a complete name in a fuller form of the same body: its legal form or an alias.
_LEGAL_TAIL = re.compile(r"^(?:\(集团\)|集团)?(?:股份有限公司|有限责任公司|有限公司|股份公司|集团公司|公司|集团)?(?:\(.*\))?$")


def _short_form_of(short: str, full: str) -> bool:
    """True when `short` names the same body as `full`, written shorter.

    A brand without a suffix may stand anywhere in the full name (上海医药 → 上海医药集团股份有限公司).
    A complete name (国务院, 中国银行) is a short form when it ends the full name (自贸区分局), or when
    only a place stands before it and a legal form or alias after it (中国银行股份有限公司,
    中央党校(国家行政学院)); 国务院妇女儿童工作委员会办公室 is a body of the State Council, not the State Council.
    """
    at = full.find(short)
    if at < 0:
        return False
    if kind_of(short) is None and short not in _names().kinds:
        return True
    head, tail = full[:at], full[at + len(short) :]
    if not tail:
        return True  # the same body with what qualifies it left out: 上海市质监局|自贸区分局
    return (not head or only_places(head)) and bool(_LEGAL_TAIL.match(tail))


_BOOK_TITLE = re.compile(r"《[^》\n]{1,80}》")
# The second of two names written together is a part of the first (中国平煤神马集团|开封炭素有限公司,
# 国家市场监督管理总局|质量发展局): one body, as written.
_PARENT_END = {"enterprise": re.compile(r"(?:集团|公司|有限公司|集团公司|\(集团\)有限公司|局)$"),
               "government": re.compile(r"(?:总局|部|委|委员会|局|厅|署)$"),
               "association": re.compile(r"(?:协会|联合会|学会|商会|促进会)$"),
               "institution": re.compile(r"(?:医院|大学|研究院|科学院)$")}
_PART_END = {"enterprise": re.compile(r"(?:公司|厂|店|中心|研究院|研究所|设计院|项目部|工程处)$"),
             "government": re.compile(r"(?:局|司|处|办|办公室|中心|科|大队|支队|分局)$"),
             "association": re.compile(r"(?:分会|委员会|专业委员会|工作委员会)$"),
             "institution": re.compile(r"(?:中心|研究所|学院|实验室)$")}
# A company's plant or branch written right after it, ending the item: …有限公司|二水厂, …有限公司|马鞍溪水厂、
_PLANT = re.compile(r"(?:[一二三四五六七八九十]+|[\u4e00-\u9fff]{1,4}?)(?:分公司|分厂|水厂|电厂)(?=[、，,。；;\s]|$)")
# A numbered company right after its parent: 中建八局|一公司, 中铁四局|三公司.
_NUMBERED_PART = re.compile(r"[一二三四五六七八九十]+(?:公司|分公司|工程公司)")


JOIN_GAP = 6  # characters a subsidiary's own name may add before its part the suffix found (大连加氢|反应器制造有限公司)
_GAP = re.compile(r"[^\W\d_和与及等的在由为对向暨或、]{0,%d}" % JOIN_GAP)


def _joined(folded: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans with a parent and its part written together joined into one name (an enterprise's
    subsidiary may have a few characters of its own name between: 中国第一重型机械集团|大连加氢|反应器制造有限公司)."""
    starts = sorted({start for start, _, _ in spans})
    by_start = {start: (start, end, kind) for start, end, kind in spans}
    out: list[tuple[int, int, str]] = []
    used: set[tuple[int, int, str]] = set()
    for span in sorted(spans):
        if span in used:
            continue
        start, end, kind = span
        while kind in _PARENT_END:
            gap = JOIN_GAP if kind == "enterprise" else 0
            i = bisect.bisect_left(starts, end)
            if i >= len(starts) or starts[i] - end > gap or not _GAP.fullmatch(folded[end : starts[i]]):
                break
            nxt = by_start[starts[i]]
            part = folded[nxt[0] : nxt[1]]
            if nxt[2] not in (kind, "institution", "government") or not _PARENT_END[kind].search(folded[start:end]) \
                    or not _PART_END[kind].search(part) or part in _names().kinds:
                break
            used.add(nxt)
            end = nxt[1]
            if nxt[2] == "institution":
                kind = "institution"  # 中国船舶重工集团公司|第七〇二研究所: the institute
                break
        if kind == "enterprise":
            numbered = _NUMBERED_PART.match(folded, end) or (
                _PLANT.match(folded, end) if folded[end - 2 : end] == "公司" else None)
            if numbered:
                end = numbered.end()
        out.append((start, end, kind))
    return out


# A source line names who published the page: 来源:第一纺织网, 来源: 海门市人民政府, 信息来源：中化新网.
_SOURCE = re.compile(r"(?:来源|稿源|信息来源|文章来源|稿件来源|转自|转载自)\s*[:：]\s*([^\s|,，。;；:：()（）]{2,20}?)(?=撰写|作者|编辑|记者|发布|[\s|,，。;；:：()（）]|$)")
_MASKED = re.compile(r"[*＊]*(?:点击查看)?")
# A byline of a medium and a time: 陕西农村报 2019-09-11 09:00.
_MEDIA_BYLINE = re.compile(r"(?:^|\n)\s*([\u4e00-\u9fff]{2,12}(?:网|报|台|新闻))\s+(?:19|20)\d{2}-\d{1,2}-\d{1,2}")
_MEDIA_END = re.compile(r"(?:网|报|台|新闻|客户端|公众号|杂志|电视|广播|资讯|周刊|在线)$")
_DATELINE_SOURCE = re.compile(r"(?:^|\n)\s*([\u4e00-\u9fff]{2,10}?(?:网|报|台))(?:[\u4e00-\u9fff]{2,4})?(?:\d{1,2}月\d{1,2}日)?(?:讯|电|消息)")
_NOT_SOURCE = frozenset(("本站", "本网", "原创", "网络", "互联网", "网友", "转载", "本报讯", "本报", "综合"))


# A list that counts its members as companies: 伊利、燕京啤酒、哈河水泥等10家单位, 分别是立新集团、晨龙新升…7家企业.
_COUNTED_LIST = re.compile(
    r"((?:[^、，,。；;：:\s“”\"]{2,24}、){1,40}[^、，,。；;：:\s“”\"]{2,24}?)\s*等?\s*(?:\d{1,3}|[一二三四五六七八九十]{1,3})\s*家"
    r"(?:获奖|参展|参赛|入选|示范|重点|骨干|龙头|优秀|先进)?(?:企业|单位|公司)"
)
_COUNTED_WORD = re.compile(r"家(?:获奖|参展|参赛|入选|示范|重点|骨干|龙头|优秀|先进)?(?:企业|单位|公司)")
_CLAUSE_ENDS = "，,。；;：:\n“”\""
_KINDS_OF_MEMBER = ("企业", "单位", "部门", "机构", "厂家", "商家", "门店")
_BRACKETED = re.compile(r"[(（][^()（）]{0,20}[)）]$")


def _counted_members(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the members of lists counted as companies (…等10家单位)."""
    out = []
    matches = []
    for count in _COUNTED_WORD.finditer(folded):  # the list lies in the clause before 等10家单位
        clause = max(folded.rfind(ch, 0, count.start()) for ch in _CLAUSE_ENDS) + 1
        m = _COUNTED_LIST.search(folded, clause, count.end())
        if m and (not matches or m.start() >= matches[-1].end()):
            matches.append(m)
    for m in matches:
        at = m.start(1)
        for item in m.group(1).split("、"):
            start, end = at, at + len(item)
            at = end + 1
            verb = _ITEM_VERB.search(folded, start, end)
            if verb:
                start = verb.end()  # 分别是|立新集团
            bracket = _BRACKETED.search(folded, start, end)
            if bracket:
                end = bracket.start()  # 立新集团(罗曼罗兰): the brand in brackets is the same company
            name = folded[start:end].strip()
            if (not 2 <= len(name) <= 16 or _ITEM_STOP.search(name) or _unbalanced(name) or name[-1] in "(（" or only_places(name) or _is_generic(name)
                    or _person(name) or name.endswith(_not_name_endings()) or name.endswith(_KINDS_OF_MEMBER)):
                continue
            out.append((start, end, kind_of(name) or "enterprise"))
    return out


def _sources(folded: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the bodies source lines name: a medium (other) or a body with its suffix's kind."""
    out = []
    for m in _SOURCE.finditer(folded):
        masked = _MASKED.match(m.group(1))  # ****点击查看环境局: a site hid the place's name behind a link
        name, at = m.group(1)[masked.end() :], m.start(1) + masked.end()
        if name in _NOT_SOURCE or only_places(name) or _person(name):
            continue
        kind = kind_of(name) or _names().kinds.get(name) or ("other" if _MEDIA_END.search(name) else None)
        if kind and (kind == "other" or not _is_generic(name)):
            out.append((at, m.end(1), kind))  # a source names its medium: 科技日报 is one
    for m in _MEDIA_BYLINE.finditer(folded):
        out.append((m.start(1), m.end(1), "other"))
    for m in _DATELINE_SOURCE.finditer(folded):
        out.append((m.start(1), m.end(1), "other"))  # 城市化网讯, 新华网南宁9月1日电: the medium that reports
    return out


# A short form declared right after a name (folded text): 中国质量协会(以下简称“中国质协”), (简称中质协).
_DECLARED_SHORT = re.compile(r"\((?:以下|下文)?简称(?:为)?[:：]?\s*[“\"「『]?([\u4e00-\u9fffA-Za-z0-9]{2,12}?)[”\"」』]?\s*\)")


def _declare_abbreviations(folded: str, orgs: dict[str, Organization]) -> None:
    """Record on each organization the short forms the text declares for it (the name ending just
    before the declaration, its fullest form when several end there)."""
    for m in _DECLARED_SHORT.finditer(folded):
        short, before = m.group(1), folded[: m.start()].rstrip("”\"」』 ")
        if short.isdigit():
            continue
        named = [o for o in orgs.values() for n in [o.name, *o.short_forms] if before.endswith(n)]
        if named:
            org = max(named, key=lambda o: len(o.name))
            if short != org.name and short not in org.abbreviations:
                org.abbreviations.append(short)


def find_organizations(text: str, title: str | None = None, digest: bool = True) -> list[Organization]:
    """Organizations named in a document, merged: one entry per organization, short forms linked.

    `digest`: the document may be a digest of campaign activities, whose headings name units;
    on other pages a "name：…" line is a headline or a quotation, not a unit.
    """
    found: list[tuple[str, str, str]] = []
    for source in ([title] if title else []) + [text]:
        folded = fold(source)
        tokens = _tagged(folded)
        spans = _from_text(folded, tokens) + (_from_headings(folded) if digest else [])
        spans += _mentions_of_units(folded, tokens, spans)
        spans += _list_members(folded, tokens, spans)
        spans = _joined(folded, spans) + _sources(folded) + _counted_members(folded)
        books = [(m.start(), m.end()) for m in _BOOK_TITLE.finditer(folded)]
        for start, end, kind in spans:
            if any(a <= start and end <= b for a, b in books):
                continue  # named inside a 《document》's title: the document, not the body, is meant
            found.append((folded[start:end], source[start:end], kind))
    orgs: dict[str, Organization] = {}
    for name, written, kind in found:
        if name not in orgs:
            orgs[name] = Organization(name, kind, written)
    # Link short forms to the fullest name containing them (上海医药 → 上海医药集团股份有限公司).
    names = sorted(orgs, key=len, reverse=True)
    for short in sorted(orgs, key=len):
        longer = [n for n in names if len(n) > len(short) and n in orgs and _short_form_of(short, n)]
        if not longer:
            continue
        full = max(longer, key=len)
        target = orgs[full]
        if orgs[short].kind == target.kind or kind_of(short) is None or orgs[short].kind == "enterprise":
            target.short_forms += [short] + [s for s in orgs[short].short_forms if s not in target.short_forms]
            del orgs[short]
    _declare_abbreviations(folded, orgs)  # the text's folded form: the last source read
    return list(orgs.values())


# A 名单 table's column that names organizations (单位名称, 企业名称, 申报单位, 推荐单位, 组织名称, 所在单位 …).
_ORG_COLUMN = re.compile(
    r"^(?:(?:申报|推荐|所在|获奖|受表彰|参赛|参评|完成|承担|工作|选送|报送|组织|主办|承办|责任|生产|申请)?"
    r"(?:单位|企业|公司|组织|机构|医院|学校)(?:名称|全称)?|(?:单位|企业|组织|机构)\s*[（(]?(?:全称|盖章)[）)]?)$"
)
_ROW_NUMBER = re.compile(r"^(?:序号|编号|排名|名次|No\.?)$", re.I)
_NOT_AN_ORG = re.compile(r"(?:QC|小组|班组|团队|工作室|个人|同志|先生|女士|项目|课题)$", re.I)
_PERSON = re.compile(r"^[\u4e00-\u9fff]{2,3}$")  # a bare 2-3 character name is a person, not a body
_CELL_SEP = re.compile(r"[、；;]|\s{2,}")


def _org_columns(header: list[str]) -> list[int]:
    return [i for i, name in enumerate(header) if _ORG_COLUMN.match(re.sub(r"\s+", "", fold(name)))]


def table_organizations(tables: list, default_kind: str = "enterprise") -> list[dict]:
    """Organizations a 名单 table lists, one per row (the whole cell as the name), with what the row
    says they did there (`did`: the row's other columns, 小组名称：…；等级：…); in the as_dict shape.

    `tables`: indexer.formats.model.Table objects. People, QC groups, 班组 and places are left out."""
    found: dict[str, dict] = {}
    for table in tables:
        columns = _org_columns(table.header)
        if not columns:
            continue
        others = [i for i, name in enumerate(table.header) if i not in columns and name and not _ROW_NUMBER.match(name)]
        for row in table.rows:
            did = "；".join(f"{table.header[i]}：{row[i]}" for i in others if i < len(row) and row[i])
            for column in columns:
                cell = row[column] if column < len(row) else ""
                for written in _CELL_SEP.split(cell):
                    written = written.strip(" 　*※")
                    name = fold(written)
                    if not _table_name(name):
                        continue
                    org = found.get(name)
                    if org is None:
                        kind = kind_of(name) or default_kind
                        org = found[name] = {"name": name, "kind": kind, "original": written, "short_forms": [],
                                             "abbreviations": [], "did": []}
                    if did and did not in org["did"]:
                        org["did"].append(did)
    return list(found.values())


def _table_name(name: str) -> bool:
    """True when a 名单 cell names an organization: not a person, a group, a number or a place."""
    if not (2 <= len(name) <= MAX_NAME * 2) or _NUMBER.fullmatch(name) or _PUNCT.match(name):
        return False
    if _NOT_AN_ORG.search(name) or only_places(name):
        return False
    return kind_of(name) is not None or not _PERSON.match(name)


_LEGAL_FORM = re.compile(r"(?:\(集团\)|集团)?(?:股份有限公司|有限责任公司|有限公司|股份公司|集团公司|公司|集团)$")


def legal_stem(name: str) -> str | None:
    """A company name without its legal form (国家电网有限公司, 国家电网公司 → 国家电网), or None
    when it has none: names with the same stem are one company."""
    stem = _LEGAL_FORM.sub("", name)
    return stem if stem != name and len(stem) >= 2 else None


_RELATIVE_SHORT = re.compile(r"^(?:市|省|区|县|州|镇|乡|本|我|该)")


def same_body_elsewhere(short: str, full: str, declared: bool) -> bool:
    """True when a short form one document gives for `full` names the same body in every other
    document: one it declares (以下简称) unless relative (市质协 is another city's elsewhere), a
    brand without a suffix (上海医药), or the same name in another legal form. A complete name
    (人民出版社) stays itself: 上海人民出版社 is another body."""
    if _RELATIVE_SHORT.match(short) or relative_body(short):
        return False
    if declared or (kind_of(short) is None and short not in _names().kinds):
        return True
    stem = legal_stem(full)
    return stem is not None and (legal_stem(short) == stem or short == stem)
