"""HTML for the chat UI: answers with linked [n] markers and the sources panel.

Article text is untrusted. Every string that comes from an article, a question or an upload
goes through :func:`escape_text` (HTML entities, plus the characters Markdown and Gradio's
HTML templates would interpret), so no markup from an article can ever reach the page.
Only the answer's own ``[n]`` markers become links: never one inside a quoted passage, never
one while the answer is still streaming.

Every function here is linear in its input: the chat history a client sends is untrusted too
(see :func:`plain_text`), so no pattern here may backtrack over it.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Iterable, Sequence

from assistant.answer_models import Answer, Citation

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
# The openers of the blocks answer_message adds around the answer (fixed strings: no
# backtracking); each block ends at the next "</div>".
_META_OPENERS = re.compile(r'<div class="(?:msg-notice|msg-coverage|msg-legend)">')
_META_CLOSER = "</div>"
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
    """The text a reader sees in a rendered chat message (inverse of the renderers here).

    Linear in ``len(content)``: the content comes from the client (its chat history), so
    a message of unclosed ``<div class="msg-notice">`` or ``<`` must not make us backtrack.
    """
    text = _without_meta_blocks(content or "")
    text = _without_tags(text)
    text = _BACKSLASHED.sub(r"\1", text)
    return html.unescape(text).strip()


def _without_meta_blocks(text: str) -> str:
    """``text`` without the notice/coverage/legend blocks (opener to the next ``</div>``)."""
    parts, position = [], 0
    while True:
        opener = _META_OPENERS.search(text, position)
        if opener is None:
            break
        end = text.find(_META_CLOSER, opener.end())
        if end == -1:  # no closer after this opener, so none after any later one either
            break
        parts.append(text[position : opener.start()])
        position = end + len(_META_CLOSER)
    parts.append(text[position:])
    return "".join(parts)


def _without_tags(text: str) -> str:
    """``text`` without ``<...>`` tags, scanning each character once."""
    parts, position = [], 0
    while True:
        start = text.find("<", position)
        if start == -1:
            break
        end = text.find(">", start + 1)
        if end == -1:  # an unclosed "<": the rest is text, as with the old <[^>]*> pattern
            break
        parts.append(text[position:start])
        position = end + 1
    parts.append(text[position:])
    return "".join(parts)


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


def _linked_markers(
    text: str,
    answer: Answer,
    turn: int,
    offset: int = 0,
    quoted: Sequence[tuple[int, int]] = (),
) -> str:
    """Escaped ``text`` with each of the answer's own ``[n]`` markers linked to its source.

    A marker is the answer's own when its number is one of the answer's citations and it
    lies outside every quoted passage (``quoted``: spans of the answer text, ``offset`` is
    where ``text`` starts in it). A ``[3]`` an article wrote stays text.
    """
    parts = []
    position = 0
    for match in MARKER.finditer(text):
        parts.append(escape_markdown(text[position : match.start()]))
        number = int(match.group(1))
        citation = answer.citation(number)
        at = offset + match.start()
        if citation is None or any(start <= at < end for start, end in quoted):
            parts.append(escape_markdown(match.group(0)))
        else:
            parts.append(
                f'<a class="cite-link" href="#{source_anchor(turn, number)}"'
                f' title="{escape_text(citation.outlet)}">[{number}]</a>'
            )
        position = match.end()
    parts.append(escape_markdown(text[position:]))
    return "".join(parts)


def quoted_spans(text: str, quotes: Iterable[str]) -> list[tuple[int, int]]:
    """Where ``text`` repeats one of the cited ``quotes`` that carries a ``[n]`` of its own
    (article words: their markers are not ours). A quote may appear verbatim or with its
    markers neutralised (``[`` + U+2060)."""
    spans: list[tuple[int, int]] = []
    for quote in {q for q in quotes if MARKER.search(q)}:
        for form in {quote, quote.replace("[", "[\u2060")}:
            found = text.find(form)
            while found != -1:
                spans.append((found, found + len(form)))
                found = text.find(form, found + len(form))
    return spans


def streaming_message(text: str, turn: int) -> str:
    """A partly streamed answer: escaped, with a typing cursor. Markers are not linked yet:
    which ``[n]`` are the answer's own is known only once the answer (its citations) is."""
    return escape_markdown(text) + '<span class="typing-cursor"></span>'


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
    quoted = quoted_spans(text, (c.quote for c in answer.citations))
    out = []
    position = 0
    for sentence in answer.sentences:
        found = text.find(sentence.text, position) if sentence.text else -1
        if found == -1:
            continue
        out.append(_linked_markers(text[position:found], answer, turn, position, quoted))
        body = _linked_markers(sentence.text, answer, turn, found, quoted)
        if not sentence.supported:
            body = (
                '<span class="unsupported" title="Not supported by the cited passages">'
                f"{body}</span>"
            )
        out.append(body)
        position = found + len(sentence.text)
    out.append(_linked_markers(text[position:], answer, turn, position, quoted))
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


# The library and comparison renderers live in their own modules; imported here so that
# ``render.library_html`` and ``render.comparison_html`` keep working for callers.
from .render_compare import (  # noqa: E402, F401
    COMPARE_TURN,
    EMPTY_COMPARE_SOURCES,
    EMPTY_COMPARISON,
    comparison_html,
    comparison_sources_html,
    summary_html,
)
from .render_library import (  # noqa: E402, F401
    article_choices,
    library_html,
    outlet_choices,
    report_markdown,
)
