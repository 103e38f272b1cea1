"""HTML for the chat UI: answers with linked [n] markers, the sources panel, the library.

Article text is untrusted. Every string that comes from an article, a question or an upload
goes through :func:`escape_text` (HTML entities, plus the characters Markdown and Gradio's
HTML templates would interpret), so no markup from an article can ever reach the page.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable

from assistant.compare import Claim, Comparison, Phrasing
from assistant.models import Answer, Citation

MARKER = re.compile(r"\[(\d+)\]")
_ENTITIES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    # Gradio's HTML component treats ${...} and {{...}} as template syntax.
    "$": "&#36;",
    "{": "&#123;",
    "}": "&#125;",
}
# ASCII punctuation that Markdown may read as syntax; a backslash makes it literal.
_MARKDOWN_PUNCTUATION = set("\\`*_[]()#+-.!|~=:")
_TAGS = re.compile(r"<[^>]*>")
_META_BLOCKS = re.compile(r'<div class="(?:msg-notice|msg-coverage|msg-legend)">.*?</div>', re.S)
_BACKSLASHED = re.compile(r"\\([\\`*_\[\]()#+\-.!|~=:])")

EMPTY_SOURCES = (
    '<div class="sources-empty">Ask a question: the passages each answer cites appear here,'
    " grouped by outlet, with the quoted words highlighted.</div>"
)
CONTEXT_CHARS = 280  # surrounding text shown on each side of a quote
EMPTY_COVERAGE = '<div class="coverage coverage-empty">No answer yet.</div>'


def escape_text(text: str | None) -> str:
    """``text`` as inert HTML: entities for markup and template characters."""
    return "".join(_ENTITIES.get(ch, ch) for ch in (text or ""))


def escape_markdown(text: str | None) -> str:
    """``text`` for a Markdown context: HTML-escaped and with Markdown syntax made literal."""
    out = []
    for ch in text or "":
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _MARKDOWN_PUNCTUATION:
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def plain_text(content: str) -> str:
    """The text a reader sees in a rendered chat message (inverse of the renderers here)."""
    text = _META_BLOCKS.sub("", content or "")
    text = _TAGS.sub("", text)
    text = _BACKSLASHED.sub(r"\1", text)
    return html.unescape(text).strip()


def outlet_hue(outlet: str) -> int:
    """A stable colour hue (0-359) for an outlet, so each outlet keeps its colour."""
    return int(hashlib.sha1(outlet.encode("utf-8")).hexdigest()[:6], 16) % 360


def outlet_badge(outlet: str, count: int | None = None) -> str:
    """A coloured badge naming the outlet, optionally with a count."""
    suffix = f' <span class="badge-count">{count}</span>' if count is not None else ""
    return (
        f'<span class="outlet-badge" style="--hue:{outlet_hue(outlet)}">'
        f"{escape_text(outlet)}{suffix}</span>"
    )


def display_date(published: str | None) -> str:
    """The date part of an ISO timestamp, or 'undated'."""
    return (published or "")[:10] or "undated"


def safe_url(url: str | None) -> str | None:
    """The url if it is a plain http(s) link (never javascript: or data:), else None."""
    if url and re.match(r"^https?://[^\s<>\"']+$", url.strip(), re.I):
        return url.strip()
    return None


def source_anchor(turn: int | str, number: int) -> str:
    """The element id of source ``number`` of answer ``turn`` in the sources panel."""
    return f"src-{turn}-{number}"


# ----- chat messages ---------------------------------------------------------------------------


def _linked_markers(text: str, answer: Answer | None, turn: int) -> str:
    """Escaped ``text`` with each known ``[n]`` marker turned into a link to its source."""
    parts = []
    position = 0
    for match in MARKER.finditer(text):
        parts.append(escape_markdown(text[position : match.start()]))
        number = int(match.group(1))
        citation = answer.citation(number) if answer else None
        if answer is not None and citation is None:
            parts.append(escape_markdown(match.group(0)))
        else:
            tip = f' title="{escape_text(citation.outlet)}"' if citation else ""
            parts.append(
                f'<a class="cite-link" href="#{source_anchor(turn, number)}"{tip}>[{number}]</a>'
            )
        position = match.end()
    parts.append(escape_markdown(text[position:]))
    return "".join(parts)


def streaming_message(text: str, turn: int) -> str:
    """A partly streamed answer: escaped, markers linked, and a typing cursor."""
    return _linked_markers(text, None, turn) + '<span class="typing-cursor"></span>'


def answer_message(answer: Answer, turn: int) -> str:
    """The final chat message: notice, answer text with unsupported sentences marked,
    and a compact row of the outlets cited."""
    pieces = []
    if answer.notice:
        pieces.append(f'<div class="msg-notice">{escape_text(answer.notice)}</div>\n\n')
    pieces.append(_marked_sentences(answer, turn))
    counts = answer.outlet_counts()
    if any(not sentence.supported for sentence in answer.sentences):
        pieces.append(
            '\n\n<div class="msg-legend"><span class="unsupported-key">Marked</span>'
            " sentences are not supported by the passages they cite.</div>"
        )
    if counts:
        badges = " ".join(outlet_badge(outlet, n) for outlet, n in counts.items())
        pieces.append(f'\n\n<div class="msg-coverage">Cited: {badges}</div>')
    return "".join(pieces)


def _marked_sentences(answer: Answer, turn: int) -> str:
    """The answer text, each unsupported sentence wrapped in a visible marker."""
    text = answer.text
    out = []
    position = 0
    for sentence in answer.sentences:
        found = text.find(sentence.text, position) if sentence.text else -1
        if found == -1:
            continue
        out.append(_linked_markers(text[position:found], answer, turn))
        body = _linked_markers(sentence.text, answer, turn)
        if not sentence.supported:
            body = (
                '<span class="unsupported" title="Not supported by the cited passages">'
                f"{body}</span>"
            )
        out.append(body)
        position = found + len(sentence.text)
    out.append(_linked_markers(text[position:], answer, turn))
    return "".join(out)


def user_message(text: str) -> str:
    """The user's question as shown in the chat (escaped)."""
    return escape_markdown(text)


def error_message(message: str, hint: str | None = None) -> str:
    """A readable error shown in the chat in place of an answer."""
    hint_html = f'<div class="msg-error-hint">{escape_text(hint)}</div>' if hint else ""
    return f'<div class="msg-error">{escape_text(message)}{hint_html}</div>'


# ----- sources panel ---------------------------------------------------------------------------


def coverage_html(answer: Answer | None) -> str:
    """Bars showing how many cited passages each outlet contributed to the answer."""
    if answer is None:
        return EMPTY_COVERAGE
    counts = answer.outlet_counts()
    if not counts:
        label = "The articles do not cover this question." if answer.refused else "No citations."
        return f'<div class="coverage coverage-empty">{label}</div>'
    most = max(counts.values())
    total = sum(counts.values())
    rows = []
    for outlet, count in counts.items():
        width = max(8, round(100 * count / most))
        noun = "passage" if count == 1 else "passages"
        rows.append(
            f'<div class="coverage-row">{outlet_badge(outlet)}'
            f'<span class="coverage-bar" style="--hue:{outlet_hue(outlet)};width:{width}%"></span>'
            f'<span class="coverage-count">{count} {noun}</span></div>'
        )
    heading = (
        f'<div class="coverage-title">{total} cited passage{"s" if total != 1 else ""}'
        f" from {len(counts)} outlet{'s' if len(counts) != 1 else ''}</div>"
    )
    return f'<div class="coverage">{heading}{"".join(rows)}</div>'


def highlighted_passage(citation: Citation) -> str:
    """The retrieved passage, escaped, with the quoted words inside a <mark>."""
    passage, quote = citation.passage, citation.quote
    if not passage:
        return f"<mark>{escape_text(quote)}</mark>"
    start = citation.start - citation.passage_start
    if not (start >= 0 and passage[start : start + len(quote)] == quote):
        start = passage.find(quote)
    if start < 0 or not quote:
        return (
            f"{escape_text(passage)}"
            f'<div class="quote-apart">Quoted: <mark>{escape_text(quote)}</mark></div>'
        )
    end = start + len(quote)
    before = _tail(passage[:start], CONTEXT_CHARS)
    after = _head(passage[end:], CONTEXT_CHARS)
    return (
        f"{escape_text(before)}<mark>{escape_text(passage[start:end])}</mark>{escape_text(after)}"
    )


def _tail(text: str, limit: int) -> str:
    """The last ~limit characters of text, cut at a word boundary, with a leading ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.find(" ", len(text) - limit)
    return "… " + text[cut + 1 if cut != -1 else len(text) - limit :]


def _head(text: str, limit: int) -> str:
    """The first ~limit characters of text, cut at a word boundary, with a trailing ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit] + " …"


def source_card(citation: Citation, turn: int | str) -> str:
    """One cited source: number, title, date, url and the highlighted passage."""
    url = safe_url(citation.url)
    link = (
        f' · <a href="{escape_text(url)}" target="_blank" rel="noopener noreferrer nofollow">'
        f"{escape_text(url)}</a>"
        if url
        else ""
    )
    title = escape_text(citation.title) or "(untitled)"
    return (
        f'<article class="source-card" id="{source_anchor(turn, citation.number)}">'
        f'<div class="source-head"><span class="source-num">[{citation.number}]</span>'
        f'<span class="source-title">{title}</span></div>'
        f'<div class="source-meta">{display_date(citation.published)}{link}</div>'
        f'<blockquote class="source-passage">{highlighted_passage(citation)}</blockquote>'
        "</article>"
    )


def outlet_groups(citations: Iterable[Citation], turn: int | str) -> list[str]:
    """Source cards grouped by outlet (first-cited outlet first), one section per outlet."""
    groups: dict[str, list[Citation]] = {}
    for citation in citations:
        groups.setdefault(citation.outlet, []).append(citation)
    sections = []
    for outlet, cited in groups.items():
        cards = "".join(source_card(citation, turn) for citation in cited)
        sections.append(
            f'<section class="outlet-group" style="--hue:{outlet_hue(outlet)}">'
            f'<div class="outlet-group-head">{outlet_badge(outlet)}'
            f'<span class="outlet-group-count">{len(cited)} cited</span></div>{cards}</section>'
        )
    return sections


def sources_html(answer: Answer | None, turn: int) -> str:
    """The sources panel for one answer: citations grouped by outlet, then unsupported
    sentences."""
    if answer is None:
        return EMPTY_SOURCES
    parts = []
    if answer.notice:
        parts.append(f'<div class="panel-notice">{escape_text(answer.notice)}</div>')
    groups = outlet_groups(answer.citations, turn)
    parts.extend(groups)
    unsupported = [s.text for s in answer.sentences if not s.supported]
    if unsupported:
        items = "".join(f"<li>{escape_text(text)}</li>" for text in unsupported)
        parts.append(
            '<section class="unsupported-list"><div class="unsupported-title">Not supported'
            f" by the cited passages</div><ul>{items}</ul></section>"
        )
    if not groups:
        parts.append('<div class="sources-empty">This answer cites no passages.</div>')
    return f'<div class="sources-panel">{"".join(parts)}</div>'


# ----- library (Sources tab) -------------------------------------------------------------------


def library_html(grouped: dict[str, list[dict]]) -> str:
    """The indexed articles grouped by outlet, most articles first."""
    if not grouped:
        return (
            '<div class="sources-empty">The index is empty. Upload article files or paste'
            " an article to add one.</div>"
        )
    total = sum(len(items) for items in grouped.values())
    parts = [
        f'<div class="library-total">{total} article{"s" if total != 1 else ""}'
        f" from {len(grouped)} outlet{'s' if len(grouped) != 1 else ''}</div>"
    ]
    for outlet, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0].lower())):
        rows = "".join(_library_row(item) for item in items)
        parts.append(
            f'<section class="outlet-group" style="--hue:{outlet_hue(outlet)}">'
            f'<div class="outlet-group-head">{outlet_badge(outlet, len(items))}</div>'
            f'<ul class="library-list">{rows}</ul></section>'
        )
    return f'<div class="library">{"".join(parts)}</div>'


def _library_row(item: dict) -> str:
    url = safe_url(item.get("url"))
    link = (
        f' · <a href="{escape_text(url)}" target="_blank" rel="noopener noreferrer nofollow">'
        "link</a>"
        if url
        else ""
    )
    chunks = item.get("chunks") or 0
    return (
        f'<li><span class="library-date">{display_date(item.get("published"))}</span>'
        f'<span class="library-title">{escape_text(item.get("title")) or "(untitled)"}</span>'
        f'<span class="library-meta">{chunks} passage{"s" if chunks != 1 else ""}'
        f" · id {escape_text(item.get('article_id'))}{link}</span></li>"
    )


def article_choices(grouped: dict[str, list[dict]]) -> list[tuple[str, str]]:
    """(label, article id) pairs for the remove-article dropdown."""
    choices = []
    for outlet, items in grouped.items():
        for item in items:
            label = f"{outlet} · {display_date(item.get('published'))} · {item.get('title') or ''}"
            choices.append((label.strip(" ·"), item["article_id"]))
    return choices


def outlet_choices(counts: dict[str, int]) -> list[tuple[str, str]]:
    """(label with article count, outlet) pairs for the outlet filter."""
    return [
        (f"{outlet} ({n} article{'s' if n != 1 else ''})", outlet) for outlet, n in counts.items()
    ]


def report_markdown(
    summary: str,
    added: Iterable[str],
    skipped: Iterable[tuple[str, str]],
    notes: Iterable[str] = (),
) -> str:
    """An indexing summary for the Sources tab: counts, then each skipped file and why."""
    lines = [f"**Index updated:** {escape_markdown(summary)}"]
    added = list(added)
    if added:
        lines.append("")
        lines.extend(f"- added {escape_markdown(name)}" for name in added)
    skipped = list(skipped)
    if skipped:
        lines.append("")
        lines.append("**Skipped:**")
        lines.extend(
            f"- {escape_markdown(name)}: {escape_markdown(reason)}" for name, reason in skipped
        )
    for note in notes:
        lines.append(f"- note: {escape_markdown(note)}")
    return "\n".join(lines)


# ----- outlet comparison (Compare tab) ----------------------------------------------------------

COMPARE_TURN = "cmp"  # source anchors of the comparison: src-cmp-<n>
EMPTY_COMPARISON = (
    '<div class="sources-empty">Enter a topic, e.g. “Kherson negotiations”: each outlet\'s'
    " version appears in its own column, claim by claim, with shared claims side by side.</div>"
)
EMPTY_COMPARE_SOURCES = (
    '<div class="sources-empty">The passages the comparison quotes appear here,'
    " grouped by outlet.</div>"
)


def _cite(number: int, outlet: str) -> str:
    """A [n] link to source ``number`` of the comparison in the sources panel."""
    return (
        f'<a class="cite-link" href="#{source_anchor(COMPARE_TURN, number)}"'
        f' title="{escape_text(outlet)}">[{number}]</a>'
    )


def _claim_cell(claim: Claim) -> str:
    """One outlet's claim, attributed: "TASS reports: “…” [n]"."""
    return (
        f'<div class="cmp-claim"><span class="cmp-says">{escape_text(claim.outlet)}'
        f' reports:</span> <q class="cmp-quote">{escape_text(claim.quote)}</q>'
        f" {_cite(claim.citation, claim.outlet)}</div>"
    )


def _phrasing_cell(phrasing: Phrasing) -> str:
    """How one outlet words a thing: "fakty.com.ua writes “the Ukrainian authorities” [2]"."""
    variants = ""
    if phrasing.variants:
        also = ", ".join(f"“{escape_text(v)}”" for v in phrasing.variants)
        variants = f' <span class="cmp-variants">(also {also})</span>'
    cites = " ".join(_cite(n, phrasing.outlet) for n in phrasing.citations)
    return (
        f'<div class="cmp-claim"><span class="cmp-says">{escape_text(phrasing.outlet)}'
        f' writes</span> <q class="cmp-phrase">{escape_text(phrasing.text)}</q>{variants}'
        f" {cites}</div>"
    )


def _cited_text(text: str, comparison: Comparison) -> str:
    """Escaped ``text`` with each ``[n]`` that is a citation of the comparison linked to it."""
    parts, position = [], 0
    for match in MARKER.finditer(text):
        parts.append(escape_text(text[position : match.start()]))
        citation = comparison.citation(int(match.group(1)))
        parts.append(
            _cite(citation.number, citation.outlet) if citation else escape_text(match.group(0))
        )
        position = match.end()
    parts.append(escape_text(text[position:]))
    return "".join(parts)


def summary_html(comparison: Comparison) -> str:
    """The LLM's summary above the columns (unsupported sentences marked), or why there is
    none; empty when no summary was asked for."""
    if comparison.summary_notice:
        return (
            '<div class="panel-notice cmp-summary-notice">No summary: '
            f"{escape_text(comparison.summary_notice)}</div>"
        )
    summary = comparison.summary
    if summary is None:
        return ""
    sentences = []
    for sentence in summary.sentences:
        body = _cited_text(sentence.text, comparison)
        if not sentence.supported:
            body = (
                '<span class="unsupported" title="Not supported by the quoted claims">'
                f"{body}</span>"
            )
        sentences.append(body)
    legend = ""
    if any(not sentence.supported for sentence in summary.sentences):
        legend = (
            '<div class="msg-legend"><span class="unsupported-key">Marked</span> sentences are'
            " not supported by the quoted claims.</div>"
        )
    return (
        f'<section class="cmp-summary"><div class="cmp-section-title">Summary'
        f' <span class="cmp-section-note">written by {escape_text(summary.answerer)},'
        " checked against the quotes below</span></div>"
        f'<p class="cmp-summary-text">{" ".join(sentences)}</p>{legend}</section>'
    )


def _row(cells: dict[str, str], outlets: list[str], kind: str) -> str:
    """A grid row with one cell per outlet column (an empty, muted cell where it is silent)."""
    out = []
    for outlet in outlets:
        body = cells.get(outlet)
        empty = "" if body else " cmp-empty"
        out.append(
            f'<div class="cmp-cell{empty}" style="--hue:{outlet_hue(outlet)}">'
            f"{body or '<span class=cmp-none>—</span>'}</div>"
        )
    return f'<div class="cmp-row cmp-{kind}">{"".join(out)}</div>'


def _section(title: str, note: str, rows: list[str], outlets: list[str]) -> str:
    if not rows:
        return ""
    return (
        f'<section class="cmp-section"><div class="cmp-section-title">{title}'
        f' <span class="cmp-section-note">{note}</span></div>'
        f'<div class="cmp-grid" style="--cols:{len(outlets)}">{"".join(rows)}</div></section>'
    )


def comparison_html(comparison: Comparison | None) -> str:
    """A :class:`~assistant.compare.Comparison` as columns per outlet with aligned rows:
    shared claims side by side, then claims only one outlet reports, then wording
    differences. Every quote is escaped and attributed to its outlet."""
    if comparison is None:
        return EMPTY_COMPARISON
    outlets = list(comparison.outlets)
    topic = escape_text(comparison.topic)
    parts = [f'<div class="cmp-topic">Topic: <strong>{topic}</strong></div>']
    if comparison.notice:
        parts.append(f'<div class="panel-notice">{escape_text(comparison.notice)}</div>')
    if comparison.not_covering:
        silent = ", ".join(escape_text(o) for o in comparison.not_covering)
        parts.append(f'<div class="cmp-silent">No passage on this topic from: {silent}.</div>')
    parts.append(summary_html(comparison))
    if not outlets:
        parts.append('<div class="sources-empty">No outlet covers this topic.</div>')
        return f'<div class="comparison">{"".join(parts)}</div>'
    head = "".join(
        f'<div class="cmp-col-head" style="--hue:{outlet_hue(o)}">{outlet_badge(o)}</div>'
        for o in outlets
    )
    parts.append(f'<div class="cmp-grid cmp-head" style="--cols:{len(outlets)}">{head}</div>')
    shared = [
        _row({c.outlet: _claim_cell(c) for c in row.claims}, outlets, "shared")
        for row in comparison.shared
    ]
    parts.append(
        _section("Reported by several outlets", "the same claim, side by side", shared, outlets)
    )
    # One row, each outlet's own claims stacked in its column: pairing them across columns
    # would suggest an alignment that is not there.
    only = {o: "".join(_claim_cell(c) for c in comparison.unique.get(o, [])) for o in outlets}
    unique = [_row(only, outlets, "unique")] if any(only.values()) else []
    parts.append(
        _section("Reported by one outlet only", "in that outlet's column", unique, outlets)
    )
    wording = [
        _row({p.outlet: _phrasing_cell(p) for p in diff.phrasings}, outlets, "wording")
        for diff in comparison.wording_differences
    ]
    parts.append(
        _section("Differences in wording", "the same thing, named differently", wording, outlets)
    )
    return f'<div class="comparison">{"".join(parts)}</div>'


def comparison_sources_html(comparison: Comparison | None) -> str:
    """The sources panel for a comparison: the same cards, grouped by outlet."""
    if comparison is None:
        return EMPTY_COMPARE_SOURCES
    groups = outlet_groups(comparison.citations, COMPARE_TURN)
    if not groups:
        return '<div class="sources-empty">This comparison quotes no passages.</div>'
    return f'<div class="sources-panel">{"".join(groups)}</div>'
