"""HTML for the Compare tab: one column per outlet, claims aligned, every quote attributed.

Article text is untrusted: every string from an article goes through
:func:`ui.render.escape_text`, and only the comparison's own citation numbers become links.
"""

from __future__ import annotations

from assistant.compare import Claim, Comparison, Phrasing

from .render import (
    MARKER,
    escape_text,
    outlet_badge,
    outlet_groups,
    outlet_hue,
    quoted_spans,
    source_anchor,
)

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


SHOWN_OWN_CLAIMS = 4  # per outlet; the rest behind "show all"


def _own_claims(claims: list[Claim]) -> str:
    """An outlet's own claims, most central first: the first few, the rest behind "show all"."""
    ranked = sorted(claims, key=lambda c: -c.centrality)
    shown = "".join(_claim_cell(c) for c in ranked[:SHOWN_OWN_CLAIMS])
    rest = ranked[SHOWN_OWN_CLAIMS:]
    if not rest:
        return shown
    hidden = "".join(_claim_cell(c) for c in rest)
    return (
        f'{shown}<details class="cmp-more"><summary>Show all ({len(rest)} more)</summary>'
        f"{hidden}</details>"
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
    """Escaped ``text`` with each ``[n]`` that is a citation of the comparison linked to it,
    unless it lies inside a quoted claim (an article's own "[3]" stays text)."""
    parts, position = [], 0
    quoted = quoted_spans(text, (c.quote for c in comparison.citations))
    for match in MARKER.finditer(text):
        parts.append(escape_text(text[position : match.start()]))
        citation = comparison.citation(int(match.group(1)))
        inside = any(start <= match.start() < end for start, end in quoted)
        parts.append(
            _cite(citation.number, citation.outlet)
            if citation and not inside
            else escape_text(match.group(0))
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
    only = {o: _own_claims(comparison.unique.get(o, [])) for o in outlets}
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
