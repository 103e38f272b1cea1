"""HTML for the Sources tab: one page of the article library, choices and indexing reports.

The library is paged and searched on the server (see :mod:`ui.library`): whatever the index
size, a page load carries at most one page of rows and a bounded list of outlets.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .render import display_date, escape_markdown, escape_text, outlet_badge, outlet_hue, safe_url

REPORT_LINES = 20  # names listed per kind in an indexing report; the rest are counted


@dataclass(frozen=True)
class LibraryPage:
    """One page of the library: its HTML, its removal choices, the page number and count."""

    html: str
    choices: list[tuple[str, str]]
    page: int
    pages: int


def library_page(
    grouped: dict[str, list[dict]], query: str, page: int, size: int, roots: Iterable[Path] = ()
) -> LibraryPage:
    """Page ``page`` (1-based) of the articles matching ``query``, ``size`` per page.

    The match is a case-insensitive substring of outlet, title, article id, file or URL.
    Only the rows of the page are rendered, whatever the index holds.
    """
    needle = query.strip().lower()
    counts = {outlet: len(items) for outlet, items in grouped.items()}
    order = sorted(grouped, key=lambda outlet: (-counts[outlet], outlet.lower()))
    matching = [
        (outlet, item)
        for outlet in order
        for item in grouped[outlet]
        if not needle or _matches(outlet, item, needle, roots)
    ]
    pages = max(1, -(-len(matching) // size))
    page = min(max(1, page), pages)
    shown = matching[(page - 1) * size : page * size]
    total = sum(counts.values())
    if not total:
        html = library_html({})
    else:
        head = (
            f'<div class="library-total">{total} article{"s" if total != 1 else ""}'
            f" from {len(counts)} outlet{'s' if len(counts) != 1 else ''}"
        )
        if needle:
            head += f" · {len(matching)} matching “{escape_text(query.strip())}”"
        head += f" · page {page} of {pages}</div>"
        on_page: dict[str, list[dict]] = {}
        for outlet, item in shown:
            on_page.setdefault(outlet, []).append(item)
        html = library_html(on_page, counts=counts, head=head)
    choices = [choice for outlet, item in shown for choice in article_choices({outlet: [item]})]
    return LibraryPage(html, choices, page, pages)


def _matches(outlet: str, item: dict, needle: str, roots: Iterable[Path]) -> bool:
    fields = (outlet, item.get("title"), item.get("article_id"), item.get("url"))
    origin = Path((item.get("origin") or "").split("#", 1)[0]).name
    return any(needle in (value or "").lower() for value in (*fields, origin))


def library_html(
    grouped: dict[str, list[dict]], counts: dict[str, int] | None = None, head: str = ""
) -> str:
    """The articles grouped by outlet, most articles first (``counts``: each outlet's total
    in the index when ``grouped`` is one page of it)."""
    if not grouped:
        if head:
            return f'<div class="library">{head}<div class="sources-empty">No article matches.'
            "</div></div>"
        return (
            '<div class="sources-empty">The index is empty. Upload article files or paste'
            " an article to add one.</div>"
        )
    counts = counts or {outlet: len(items) for outlet, items in grouped.items()}
    total = sum(counts.values())
    parts = [
        head
        or f'<div class="library-total">{total} article{"s" if total != 1 else ""}'
        f" from {len(counts)} outlet{'s' if len(counts) != 1 else ''}</div>"
    ]
    for outlet, items in sorted(grouped.items(), key=lambda kv: (-counts[kv[0]], kv[0].lower())):
        rows = "".join(_library_row(item) for item in items)
        parts.append(
            f'<section class="outlet-group" style="--hue:{outlet_hue(outlet)}">'
            f'<div class="outlet-group-head">{outlet_badge(outlet, counts[outlet])}</div>'
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
        lines.extend(f"- added {escape_markdown(name)}" for name in added[:REPORT_LINES])
        lines.extend(_more(len(added), "added"))
    skipped = list(skipped)
    if skipped:
        lines.append("")
        lines.append("**Skipped:**")
        lines.extend(
            f"- {escape_markdown(name)}: {escape_markdown(reason)}"
            for name, reason in skipped[:REPORT_LINES]
        )
        lines.extend(_more(len(skipped), "skipped"))
    notes = list(notes)
    lines.extend(f"- note: {escape_markdown(note)}" for note in notes[:REPORT_LINES])
    lines.extend(_more(len(notes), "notes"))
    return "\n".join(lines)


def _more(count: int, what: str) -> list[str]:
    """The line that counts what a bounded report list left out."""
    if count <= REPORT_LINES:
        return []
    return [f"- … and {count - REPORT_LINES:,} more {what}"]
