"""What a search answers, whichever backend ran it: the request read once, the JSON shaped once.

`read_request` validates request-style parameters (query, filters, sort, page) into a
SearchRequest; a backend finds and ranks the documents and hands `answer` the page's stored
fields, scores, total, facet counts and whether its work was cut short; `answer` shapes the
/api/search object (the README and search_app/data/openapi.json describe it).
"""
from __future__ import annotations

import csv
import html as htmllib
import io
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Mapping

from indexer import fields as F
from indexer.campaigns import story_at
from indexer.normalize import fold
from indexer.organizations import kind_of
from indexer.segment import query_words
from search_app.query import (BadParameter, Clause, Filters, ParsedQuery, alternative_names, make_filters, parse_query,
                               place_named, year_word)
from search_app.snippets import highlight, match_spans, snippet_at
from search_app.suggest import MAX_SUGGESTIONS, pinyin_candidates

TIME_BUDGET = 0.5  # seconds of matching and ranking one search may take (None: no limit)
SORTS = ("relevance", "date")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
SOFT_AND_BELOW = 10  # fewer results with every word: documents with most of them follow
# The last resort (every word but one) follows while fewer are found. Measured on the judged sets
# (nDCG@10 judged / held-out / held-out 2 / held-out 3) with this stop's analyzer and soft AND: below
# 10: 0.827 / 0.788 / 0.860 / 0.769; below 5: 0.819 / 0.785 / 0.860 / 0.767; below 3 (measured before
# the parts relaxation): 0.812 / 0.775 / 0.835 / - (no query worse for a higher threshold). Warm p95
# on the news archive in one run: 24.2, 19.4 and 16.2 ms; below 10 made make bench's 26.7 ms 30.0 ms.
# Below 5 kept most of the gain for the cost issue 21 allows (20 %). Since exact_scores plans
# Whoosh's trees instead of building them (the last resort's OR was the costly part), below 10:
# judged 0.832 -> 0.840, held-out 0.839 -> 0.843, held-out 3 0.780 -> 0.782 (q17, q28, q59, h12, m18
# up, none down), 12 more searches among make bench's 260 queries, warm p95 in process 13.2 / 11.9
# / 10.1 ms (below 5) against 13.4 / 12.6 / 12.2 ms, alternated.
LAST_RESORT_BELOW = 10
RELAXED_CHUNK = 100  # relaxed results fetched this many at a time
LEARN_FROM = 20  # newest documents of an organization read for the short forms they define
MAX_LEARNED = 4  # learned short forms searched per organization named
FACETS = {"year": F.YEAR, "region": F.REGIONS, "doc_type": F.DOC_TYPE, "campaign": F.CAMPAIGNS}
DOC_ID = re.compile(r"^[0-9a-f]{16}$")
_INTEGER = re.compile(r"-?[0-9]{1,18}")


class Clock:
    """The time budget of one search: `expired()` is checked between units of work.

    Once it has run out the answer is `partial`; `skipped` is set when a word's postings were
    left unread, so that the answer's total is only a lower bound (`total_exact` false)."""

    def __init__(self, seconds: float | None) -> None:
        self.deadline = None if seconds is None else time.perf_counter() + seconds
        self.ran_out = False
        self.skipped = False

    def expired(self) -> bool:
        """True once the budget is spent; the search is then marked partial."""
        if not self.ran_out and self.deadline is not None and time.perf_counter() > self.deadline:
            self.ran_out = True
        return self.ran_out


@dataclass
class Paging:
    """Validated page and page size."""

    page: int = 1
    per_page: int = 10

    @property
    def limit(self) -> int:
        """Results needed up to the end of this page."""
        return self.page * self.per_page

    @property
    def start(self) -> int:
        """Index of this page's first result."""
        return (self.page - 1) * self.per_page


def make_paging(page: str | int | None, per_page: str | int | None) -> Paging:
    """Page numbers from request parameters; raise BadParameter for nonsense."""
    try:
        page_n = _integer(page, 1)
        size = _integer(per_page, 10)
    except (TypeError, ValueError):
        raise BadParameter("page 和 per_page 必须是整数") from None
    if not 1 <= page_n <= MAX_PAGE:
        raise BadParameter(f"page 必须在 1 到 {MAX_PAGE} 之间")
    if not 1 <= size <= MAX_PER_PAGE:
        raise BadParameter(f"per_page 必须在 1 到 {MAX_PER_PAGE} 之间")
    return Paging(page_n, size)


def _integer(value: str | int | None, default: int) -> int:
    """An integer parameter written in ASCII digits (as the OpenAPI description has it: not
    " 5", "5_0" or "٥", which Python's int() would read); empty is the default."""
    if value is None or value == "":
        return default
    if isinstance(value, int):
        return value
    if not _INTEGER.fullmatch(value):
        raise ValueError(value)
    return int(value)


def check_sort(sort: str | None) -> str:
    """`relevance` (default) or `date`; anything else is a BadParameter."""
    sort = sort or "relevance"
    if sort not in SORTS:
        raise BadParameter(f"sort 只能是 relevance 或 date，收到：{sort[:40]}")
    return sort


@dataclass
class SearchRequest:
    """A search as asked: the parsed query, the filters, the order and the page."""

    query: ParsedQuery
    filters: Filters = field(default_factory=Filters)
    sort: str = "relevance"
    paging: Paging = field(default_factory=Paging)
    started: float = field(default_factory=time.perf_counter)
    optional: list[str] = field(default_factory=list)  # soft AND's second run: the words a result may lack
    # Soft AND's later runs: results shown already (`skip`) are left out, and only the first `want`
    # of the rest are made (each costs a snippet); the page is ranked as usual.
    skip: frozenset = frozenset()
    want: int | None = None

    @property
    def by_date(self) -> bool:
        """True when results come newest first (sort=date, or nothing to rank)."""
        return self.sort == "date" or self.query.is_empty

    @property
    def highlight_words(self) -> list[str | tuple[str, ...]]:
        """What to mark in titles and snippets: words and phrases (the org filter's words when the
        query has none)."""
        return self.query.highlight_terms or (query_words(self.filters.org) if self.filters.org else [])


def read_request(args: Mapping[str, str]) -> SearchRequest:
    """Validate request-style parameters (q, year, region, doc_type, org, campaign, industry, sort, page,
    per_page) into a SearchRequest; BadParameter on bad input."""
    filters = make_filters(args.get("year"), args.get("region"), args.get("doc_type"), args.get("org"), args.get("campaign"),
                           args.get("industry"))
    sort = check_sort(args.get("sort"))
    paging = make_paging(args.get("page"), args.get("per_page"))
    return SearchRequest(parse_query(args.get("q")), filters, sort, paging)


def facets(counts: dict[str, Counter]) -> dict[str, list[dict]]:
    """The answer's facets from value counts: years newest first, the others commonest first."""
    out = {}
    for name in FACETS:
        rows = [{"value": value, "count": n} for value, n in counts[name].items() if value not in (None, "", 0)]
        if name == "year":
            rows.sort(key=lambda r: -int(r["value"]))
        else:
            rows.sort(key=lambda r: (-r["count"], str(r["value"])))
        out[name] = rows
    return out


def stored_campaigns(stored: dict) -> list[str]:
    """The campaigns a document is about, from its stored fields (an older index has none)."""
    return [c for c in (stored.get(F.CAMPAIGNS) or "").split(",") if c]


def stored_metadata(stored: dict) -> dict:
    """The metadata every API object carries, from a document's stored fields."""
    return {
        "id": stored[F.ID_],
        "title": stored.get(F.TITLE, ""),
        "url": stored.get(F.URL),
        "date": stored.get(F.DATE),
        "year": stored.get(F.YEAR),
        "region": stored.get(F.REGION),
        "district": stored.get(F.DISTRICT),
        "doc_type": stored.get(F.DOC_TYPE),
        "path": stored.get(F.PATH),
        "campaigns": stored_campaigns(stored),
        "industries": [i for i in (stored.get(F.INDUSTRIES) or "").split(",") if i],
        "format": stored.get(F.FORMAT) or "html",
        "parent": stored.get(F.PARENT),
    }


def result_item(stored: dict, score: float | None, words: list[str | tuple[str, ...]], optional: list[str] = (),
                industries: Mapping[str, str] | None = None) -> dict:
    """One result in the API's shape (plus title_html for the pages); `optional`: the words a
    relaxed result may lack (its `missing` ones are listed), `industries`: the industry each of them
    was also searched by (searched_industries)."""
    missing = [w for w in optional if not _has_term(stored, w, industries or {})]
    text = stored.get(F.TEXT_, "")
    shown, at = snippet_at(text, words)
    # On a multi-story page (国内联播快讯) the story the snippet comes from is what matched.
    story = story_at(text, at) if at is not None else None
    return {
        **stored_metadata(stored),
        "snippet": str(shown),
        "title_html": str(highlight(stored.get(F.TITLE, ""), words)),
        "story": story,
        "story_html": str(highlight(story, words)) if story else None,
        "duplicates": list(stored.get(F.DUPLICATES) or []),  # near-duplicates shown as this one
        "score": round(score, 4) if score is not None else None,
        "organizations": stored.get(F.ORGANIZATIONS, []),
        "matched_all": not missing,
        "missing": missing,
    }


def searched_industries(clauses: Iterable[Clause]) -> dict[str, str]:
    """{chunk typed: industry} of the chunks a query also searches by an industry (with_industries),
    in soft AND's alternatives too."""
    found: dict[str, str] = {}
    for clause in clauses:
        # with_industries' OR names its chunk; soft AND's (query.all_of) has the word as its first option
        first = clause.options[0] if clause.options else None
        typed = "".join(clause.unquoted) or ("".join(first.words) if first and first.kind == "words" else "")
        for option in clause.options:
            if option.kind == "industry" and typed:
                found[typed] = option.words[0]
        found.update(searched_industries(clause.options))
    return found


def _has_term(stored: dict, word: str, industries: Mapping[str, str]) -> bool:
    """True when the document has the word, one of its other names or synonyms, or is of the year,
    about the region or of the industry (the one the query searched the word by) it is."""
    if year_word(word) and stored.get(F.YEAR) == int(word):
        return True
    place = place_named(word)
    if place and fold(place) in (stored.get(F.REGIONS) or "").split(","):
        return True
    industry = industries.get(word)
    if industry and industry in (stored.get(F.INDUSTRIES) or "").split(","):
        return True
    return any(_has_word(stored, w) for w in [word, *alternative_names(word)])


def _has_word(stored: dict, word: str, looks: int = 3) -> bool:
    """True when the title or text has `word` as a token, or as the phrase of its tokens (a chunk
    typed as one: 月报), checked around its first occurrences."""
    words = query_words(word)
    term = words[0] if len(words) == 1 else tuple(words)
    for text in (stored.get(F.TITLE, ""), stored.get(F.TEXT_, "")):
        folded = fold(text)
        at = folded.find(word)
        for _ in range(looks):
            if at < 0:
                break
            start = max(0, at - 20)
            if any(s <= at - start < e for s, e in match_spans(text[start : at + len(word) + 20], [term])):
                return True
            at = folded.find(word, at + 1)
    return False


def document_item(stored: dict) -> dict:
    """A document in the /api/documents shape, from its stored fields."""
    return {
        **stored_metadata(stored),
        "doc_number": stored.get(F.DOC_NUMBER),
        "text": stored.get(F.TEXT_, ""),
        "organizations": stored.get(F.ORGANIZATIONS, []),
        "themes": stored.get(F.THEMES, []),
        "encoding": stored.get(F.ENCODING),
        "links": stored.get(F.LINKS) or [],
        "note": stored.get(F.NOTE),
        "duplicates": list(stored.get(F.DUPLICATES) or []),
        "copy_of": stored.get(F.COPY_OF),
    }


_TAGS = re.compile(r"<[^>]+>")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell Excel shows as text: one that would start a formula (=, +, -, @) gets a leading '."""
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA) else value


def csv_text(rows: list[list]) -> str:
    """Rows as CSV for Excel: UTF-8 with a BOM, every cell through csv_cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return "\ufeff" + buffer.getvalue()


def results_csv(results: list[dict], total: int) -> str:
    """Search results as CSV (UTF-8 with a BOM for Excel): one row each, the snippet as plain text;
    a last line says when there were more than the rows exported."""
    rows: list[list] = [["序号", "标题", "日期", "年份", "地区", "类型", "活动", "来自", "文件", "原文链接", "摘要", "相关度"]]
    for n, r in enumerate(results, 1):
        rows.append([
            n, r["title"], r["date"] or "", r["year"] or "", r["region"] or "", r["doc_type"] or "",
            "、".join(r["campaigns"]), (r.get("parent") or {}).get("title", ""), r["path"], r["url"] or "",
            htmllib.unescape(_TAGS.sub("", r["snippet"])), r["score"] if r["score"] is not None else "",
        ])
    if total > len(results):
        rows.append([f"共 {total} 条结果，只导出前 {len(results)} 条"])
    return csv_text(rows)


MAX_ATTACHMENTS = 100  # listed on a page's document view


def with_attachments(store, doc: dict) -> dict:
    """A document (API shape) with `attachments`: the indexed files its page links, each
    {"id", "path", "title", "format", "note"}; [] for attachments and pages that link none."""
    from indexer.document import doc_id  # the document builder: not loaded for searches

    found = []
    for path in (doc.get("links") or [])[:MAX_ATTACHMENTS]:
        child = store.document(doc_id(path))
        if child is not None:
            found.append({key: child.get(key) for key in ("id", "path", "title", "format", "note")})
    return {**doc, "attachments": found}


def understood(request: SearchRequest) -> dict:
    """How the search read its request: the answer's `understood` object."""
    parsed = request.query
    return {
        "clauses": [c.describe() for c in parsed.clauses],
        "truncated": parsed.truncated,
        "negation_only": parsed.negation_only,
        "filters": request.filters.active(),
        "sort": request.sort,
        "expanded": parsed.expanded,
        "relaxed": [],
    }


def answer(request: SearchRequest, page: Iterable[tuple[dict, float | None]], total: int, facet_counts: dict[str, Counter],
           partial: bool, total_exact: bool) -> dict:
    """The /api/search object: `page` holds each result's stored fields and score, in order."""
    words = request.highlight_words
    scored = not request.query.is_empty
    chosen = [(stored, score) for stored, score in page if stored[F.ID_] not in request.skip]
    industries = searched_industries(request.query.clauses) if request.optional else {}
    results = [result_item(stored, score if scored else None, words, request.optional, industries)
               for stored, score in chosen[: request.want]]
    return {
        "query": request.query.text,
        "total": total,
        "page": request.paging.page,
        "per_page": request.paging.per_page,
        "took_ms": round((time.perf_counter() - request.started) * 1000, 1),
        "results": results,
        "facets": facets(facet_counts),
        "partial": partial,
        "total_exact": total_exact,
        "understood": understood(request),
        "suggestions": [],
    }


def soft_search(request: SearchRequest, run: Callable[[SearchRequest], dict],
                cached: Callable[[str, Callable[[], list]], list] | None = None) -> dict:
    """A backend's `run` with the short forms its documents define for an organization the query
    names (`with_learned_names`; `cached`: the store's per-index-version cache), the documents of an
    industry the query names (`with_industries`) and those of them about a campaign it names first
    (`_industry_first`, `_about_first`), soft AND (`_soft`) and, when nothing is found, pinyin
    suggestions."""
    request = with_industries(with_learned_names(request, run, cached))
    out = _soft(request, lambda r: _industry_first(r, lambda r2: _about_first(r2, run)))
    if out["total"] == 0 and request.paging.page == 1:
        out["suggestions"] = suggestions(request, run)
    return out


def with_learned_names(request: SearchRequest, run: Callable[[SearchRequest], dict],
                       cached: Callable[[str, Callable[[], list]], list] | None = None) -> SearchRequest:
    """The request with each organization typed without quotes (上海市质量协会) also searched by the
    short forms its own documents define (以下简称“市质协”), each only in documents of the region
    that defined it: 市质协 in a Shanghai page, not in a Suzhou one. Listed in `understood.expanded`."""
    clauses, changed = [], False
    for clause in request.query.clauses:
        name = "".join(clause.unquoted)
        if clause.negated or not clause.unquoted or len(name) < 4 or kind_of(name) is None:
            clauses.append(clause)
            continue
        learn = lambda: learned_short_forms(name, run)  # noqa: E731
        known = {name, *clause.expanded}
        learned = [(short, region) for short, region in (cached(f"learned-names:{name}", learn) if cached else learn())
                   if short not in known][:MAX_LEARNED]
        if not learned:
            clauses.append(clause)
            continue
        options = clause.options if clause.kind == "or" else [replace(clause, unquoted=[], expanded=[])]
        options = options + [Clause("phrase" if len(words) > 1 else "words", words, region=region)
                             for short, region in learned for words in [query_words(short)] if words]
        expanded = clause.expanded + [f"{short}（{region}）" for short, region in learned]
        clauses.append(Clause("or", [], False, options, unquoted=clause.unquoted, expanded=expanded))
        changed = True
    if not changed:
        return request
    return replace(request, query=replace(request.query, clauses=clauses))


def learned_short_forms(name: str, run: Callable[[SearchRequest], dict]) -> list[tuple[str, str]]:
    """(short form, region) pairs the newest documents naming the organization declare for it
    (its entries' `abbreviations`: 以下简称…), most often declared first; a document without a region
    teaches nothing."""
    found = run(SearchRequest(parse_query(""), Filters(org=name), paging=Paging(1, LEARN_FROM)))
    votes: Counter = Counter()
    for result in found["results"]:
        region = result.get("region")
        for org in result.get("organizations") or []:
            if region and isinstance(org, dict) and fold(org.get("name", "")) == name:
                votes.update((fold(s), region) for s in org.get("abbreviations", []) if len(s) >= 2 and fold(s) != name)
    return [pair for pair, _ in votes.most_common()]


def _about_first(request: SearchRequest, run: Callable[[SearchRequest], dict]) -> dict:
    """`run`, the documents about the campaign the query names (their `campaigns`) ranked above
    those that only mention it, each group in its own order; total and facets are the whole set's."""
    named = request.query.campaigns
    if not named or request.filters.campaign:
        return run(request)
    return _first(request, run, replace(request.filters, campaign=named[0]))


def _industry_first(request: SearchRequest, run: Callable[[SearchRequest], dict]) -> dict:
    """`run`, the documents of the industry the query names (their `industries`) ranked above those
    that only have its word (钢铁 质量月: the 质量月 at 马钢 above a notice listing 钢铁 among sectors)."""
    named = request.query.industries
    if not named or request.filters.industry:
        return run(request)
    return _first(request, run, replace(request.filters, industry=named[0][1]))


def _first(request: SearchRequest, run: Callable[[SearchRequest], dict], narrower: Filters) -> dict:
    """`run`, the documents that also pass the `narrower` filters ranked above the others, each group
    in its own order; total and facets are the whole set's."""
    if request.by_date:
        return run(request)
    if request.skip or request.want is not None:  # merged below from whole pages, then cut
        out = _first(replace(request, skip=frozenset(), want=None), run, narrower)
        out["results"] = [r for r in out["results"] if r["id"] not in request.skip][: request.want]
        return out
    limit, start = request.paging.limit, request.paging.start
    about = run(replace(request, filters=narrower, paging=Paging(1, limit)))
    if about["total"] == 0:
        return run(request)
    if about["total"] >= limit:
        whole = run(replace(request, paging=Paging(1, 1)))
        results = about["results"][start:limit]
    else:
        ids = {r["id"] for r in about["results"]}
        whole = run(replace(request, paging=Paging(1, limit + len(ids))))
        results = (about["results"] + [r for r in whole["results"] if r["id"] not in ids])[start:limit]
    out = dict(whole)
    out["results"] = results
    out["page"], out["per_page"] = request.paging.page, request.paging.per_page
    out["took_ms"] = round((time.perf_counter() - request.started) * 1000, 1)
    out["partial"] = about["partial"] or whole["partial"]
    out["total_exact"] = about["total_exact"] and whole["total_exact"]
    return out


def with_industries(request: SearchRequest) -> SearchRequest:
    """The request with each chunk that names an industry (钢铁, 食品企业) also finding the documents
    of that industry (indexer/industries.py), when the query has other words to rank them by.
    Listed in `understood.expanded` (钢铁行业)."""
    named = request.query.industries
    if not named or request.filters.industry:
        return request
    clauses = list(request.query.clauses)
    for n, industry in named:
        clause = clauses[n]
        options = clause.options if clause.kind == "or" else [replace(clause, unquoted=[], expanded=[])]
        clauses[n] = Clause("or", [], False, options + [Clause("industry", [industry])],
                            unquoted=clause.unquoted, expanded=clause.expanded + [f"{industry}行业"])
    return replace(request, query=replace(request.query, clauses=clauses))


def by_field(query: ParsedQuery, filters: Filters) -> tuple[ParsedQuery, list[str]] | None:
    """Soft AND's first step for a query that names a year or a region (not already a filter): each
    chunk that starts with a year also finds the documents of that year, with the chunk's other words
    (2019年质量月: 质量月 in a page of 2019) or, for a year typed beside other words, by the year alone;
    pages of a year often never write it (今年, a date line the cleaner drops). A chunk that names a
    region also finds the documents about it (新疆 质量月: a page from 阿勒泰). Listed in
    `understood.expanded` (2019年的文档, 新疆的文档)."""
    found: dict[int, Clause] = {}
    optional: list[str] = []
    if not filters.year:
        for n, year, rest in query.years:
            by_year = Clause("year", [year])
            if rest:
                by_year = Clause("and", [], options=[by_year, Clause("phrase" if len(rest) > 1 else "words", rest)])
            found[n] = by_year
            optional.append(year)
    if not filters.region:
        for n, place in query.places:
            if n not in found:
                found[n] = Clause("place", [place])
                optional.append("".join(query.clauses[n].unquoted))
    if not found:
        return None
    clauses = list(query.clauses)
    for n, option in found.items():
        clause = clauses[n]
        options = clause.options if clause.kind == "or" else [replace(clause, unquoted=[], expanded=[])]
        clauses[n] = Clause("or", [], False, options + [option], unquoted=clause.unquoted,
                            expanded=clause.expanded + [option.describe()])
    return replace(query, clauses=clauses), optional


def suggestions(request: SearchRequest, run: Callable[[SearchRequest], dict]) -> list[dict]:
    """The words a Latin-only query spells in pinyin that find documents under the same filters:
    [{"q", "total"}], at most MAX_SUGGESTIONS; the query is not rewritten."""
    out = []
    for word in pinyin_candidates(request.query.text):
        found = run(SearchRequest(parse_query(word), request.filters, paging=Paging(1, 1)))["total"]
        if found:
            out.append({"q": word, "total": found})
        if len(out) == MAX_SUGGESTIONS:
            break
    return out


def _soft(request: SearchRequest, run: Callable[[SearchRequest], dict]) -> dict:
    """Soft AND around a backend's `run`: when fewer than SOFT_AND_BELOW documents have every word,
    the documents of the year or region the query names follow (by_field: they lack no word), then
    those with most of the words (ParsedQuery.relaxed), ranked below, each marked
    `matched_all: false` with the words it lacks; `understood.relaxed` lists those words. When
    those are still fewer than LAST_RESORT_BELOW, the last resort's (every word but one of two or
    three, ParsedQuery.relaxed(all_but_one=True)) follow, below them."""
    query = request.query
    rescue = query.relaxed(all_but_one=True, filters=request.filters)
    fields = by_field(query, request.filters)
    steps = [step for step in (fields, query.relaxed(filters=request.filters), rescue) if step is not None]
    if not steps:
        return run(request)
    first = run(replace(request, paging=Paging(1, SOFT_AND_BELOW)))
    same = (request.paging.page, request.paging.per_page) == (1, SOFT_AND_BELOW)
    if first["total"] >= SOFT_AND_BELOW:
        return first if same else run(request)
    # Each step is taken while fewer than SOFT_AND_BELOW (the last resort: LAST_RESORT_BELOW) are
    # found: the results so far fit on one page.
    found, taken = first, None
    for step in steps:
        if found["total"] >= (LAST_RESORT_BELOW if step is rescue else SOFT_AND_BELOW):
            break
        more = _followed(replace(request, paging=Paging(1, SOFT_AND_BELOW)), found, step, run, step is fields)
        if more is not None:
            before, found, taken = found, more, step
    if taken is None:
        return first if same else run(request)
    return found if same else _followed(request, before, taken, run, taken is fields)


def _followed(request: SearchRequest, first: dict, relaxed: tuple[ParsedQuery, list[str]],
              run: Callable[[SearchRequest], dict], whole: bool = False) -> dict | None:
    """The strict results (`first`, all of them) followed by those of the relaxed query; None when
    the relaxed query finds nothing more. `whole`: the step leaves no word out (by_field), so its
    results lacking none of `optional` keep `matched_all`."""
    query, optional = relaxed
    strict = first["results"]
    seen = {r["id"] for r in strict}
    need = request.paging.limit + len(strict)
    more: list[dict] = []
    last: dict | None = None
    if need <= RELAXED_CHUNK:  # one page: only the results that will show are made (each costs a snippet)
        last = run(replace(request, query=query, optional=optional, paging=Paging(1, need), skip=frozenset(seen),
                           want=max(0, request.paging.limit - len(strict))))
        more = last["results"]
    else:
        for page in range(1, need // RELAXED_CHUNK + 2):
            last = run(replace(request, query=query, optional=optional, paging=Paging(page, RELAXED_CHUNK)))
            more += [r for r in last["results"] if r["id"] not in seen]
            if len(last["results"]) < RELAXED_CHUNK or len(strict) + len(more) >= request.paging.limit:
                break
    if last is None or last["total"] <= len(strict):
        return None
    for r in more:
        if r["missing"] or not whole:
            r["matched_all"] = False  # below the documents with every word, even with its words apart
    combined = strict + more
    out = dict(last)
    out["results"] = combined[request.paging.start : request.paging.limit]
    out["page"], out["per_page"] = request.paging.page, request.paging.per_page
    out["total"] = max(last["total"], len(combined))
    out["took_ms"] = round((time.perf_counter() - request.started) * 1000, 1)
    understood_ = dict(first["understood"])
    order = list(dict.fromkeys(first["understood"]["relaxed"] + list(optional)))  # earlier steps' words first
    understood_["relaxed"] = sorted({w for r in out["results"] for w in r["missing"]}, key=order.index)
    understood_["expanded"] = list(dict.fromkeys(first["understood"]["expanded"] + last["understood"]["expanded"]))
    out["understood"] = understood_
    out["partial"] = first["partial"] or last["partial"]
    out["total_exact"] = first["total_exact"] and last["total_exact"]
    return out
