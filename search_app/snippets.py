"""Snippets: the best matching sentences, in the document's own script, words in <mark>.

Sentences split on 。！？；!?; and line breaks. Candidate sentences are found by a cheap
substring search on the folded text (same length as the original, so offsets carry
over); only those are analyzed, and marks go on real tokens, never on a substring that
merely looks like a query word (空气质量月报 does not mark 质量月).
"""
from __future__ import annotations

import re
from html import escape

from markupsafe import Markup

from indexer.normalize import fold
from indexer.segment import analyze

SNIPPET_CHARS = 160
_SENTENCE = re.compile(r"[^。！？；!?;\n]*[。！？；!?;]?")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _SENTENCE.finditer(text):
        start, end = m.span()
        while start < end and text[start].isspace():
            start += 1
        if end > start:
            spans.append((start, end))
    return spans


def match_spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Character spans of `text` where a query word is a token (sub-words included)."""
    if not words or not text:
        return []
    wanted = set(words)
    spans = []
    for tok in analyze(text, index_mode=True):
        if tok.text in wanted:
            spans.append((tok.start, tok.end))
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: list[tuple[int, int]]) -> Markup:
    """`text` HTML-escaped with the given spans wrapped in <mark>."""
    out, last = [], 0
    for start, end in spans:
        out.append(escape(text[last:start]))
        out.append("<mark>" + escape(text[start:end]) + "</mark>")
        last = end
    out.append(escape(text[last:]))
    return Markup("".join(out))


def highlight(text: str, words: list[str]) -> Markup:
    """The whole of `text` (a title, a document) escaped, query words marked."""
    return mark(text, match_spans(text, words))


def snippet(text: str, words: list[str], size: int = SNIPPET_CHARS) -> Markup:
    """Up to `size` characters around the best matching sentences, escaped and marked."""
    if not text:
        return Markup("")
    folded = fold(text)
    sentences = _sentences(text)
    scored = []
    for index, (start, end) in enumerate(sentences):
        piece = folded[start:end]
        hits = [w for w in words if w in piece]
        if hits:
            scored.append((len(set(hits)), sum(piece.count(w) for w in hits), -index, start, end))
    # (start, end, marks relative to start); marks are None where the piece must be analyzed anew.
    chosen: list[tuple[int, int, list[tuple[int, int]] | None]] = []
    budget = size
    for *_, start, end in sorted(scored, reverse=True):
        spans: list[tuple[int, int]] | None = match_spans(text[start:end], words)
        if not spans:
            continue  # only a look-alike substring: not a real match
        if end - start > budget:
            if chosen:
                continue
            # One long sentence: a window around its first real match. Its edges may cut
            # a token, so the window is analyzed on its own below.
            first = spans[0][0] + start
            start = max(start, min(first - budget // 3, end - budget))
            end = min(end, start + budget)
            spans = None
        chosen.append((start, end, spans))
        budget -= end - start
        if budget < 20:
            break
    if not chosen:
        start, end = sentences[0] if sentences else (0, len(text))
        chosen = [(start, min(end, start + size), None)]
    parts = []
    previous_end = 0
    for start, end, spans in sorted(chosen, key=lambda c: c[0]):
        # An ellipsis wherever text was left out before this piece.
        if start > previous_end and text[previous_end:start].strip():
            parts.append(Markup("…"))
        piece = text[start:end]
        parts.append(mark(piece, match_spans(piece, words) if spans is None else spans))
        previous_end = end
    if text[previous_end:].strip():
        parts.append(Markup("…"))
    return Markup("").join(parts)
