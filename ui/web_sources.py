"""The Sources tab's "Add by URL" box: article links fetched and indexed (assistant.web).

A thin adapter: the fetching, extraction and indexing are :meth:`Assistant.add_sources`.
``url_tab()`` builds the box (call it inside the Sources tab's column); ``wire()`` connects
it to the ``/add_urls`` endpoint (one URL per line -> report markdown, refreshed library).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import gradio as gr

from assistant.errors import AssistantError
from assistant.web.fetch import is_url

from . import render

if TYPE_CHECKING:
    from .library import IndexHandlers

MAX_URLS = 10  # per request: each is fetched politely (a delay per host)


def url_tab() -> dict:
    """The "Add by URL" tab's components."""
    with gr.Tab("Add by URL"):
        box = gr.Textbox(
            label=f"Article links (one per line, up to {MAX_URLS})",
            placeholder="https://example.org/2024/05/01/story.html",
            lines=3,
            max_lines=MAX_URLS,
            elem_id="add-url-box",
        )
        button = gr.Button("Fetch and add", variant="primary", elem_id="add-urls")
    return {"box": box, "button": button}


def parse_urls(text: str | None) -> list[str]:
    """The URLs in the box, one per line; a gr.Error names a line that is not one."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise gr.Error("Paste one or more article links first.", print_exception=False)
    if len(lines) > MAX_URLS:
        raise gr.Error(
            f"{len(lines)} links; add at most {MAX_URLS} at a time.", print_exception=False
        )
    for line in lines:
        if not is_url(line) or any(ch.isspace() for ch in line):
            shown = render.escape_text(line[:200])
            raise gr.Error(f"“{shown}” is not an http(s) link.", print_exception=False)
    return list(dict.fromkeys(lines))


def add_urls(index: IndexHandlers, text: str | None, request: gr.Request | None = None) -> tuple:
    """Fetch the pasted links and add their articles; (report markdown, *refreshed views)."""
    urls = parse_urls(text)
    index.questions.check_limit(request)
    try:
        report = index.assistant.add_sources(urls)
    except AssistantError as error:
        message = error.message + (f" ({error.hint})" if error.hint else "")
        raise gr.Error(render.escape_text(message), print_exception=False) from error
    failed = [(skipped.path, skipped.reason) for skipped in report.skipped]
    indexed = report.added + report.updated + report.unchanged
    if not indexed and failed:
        reasons = "; ".join(f"{url}: {reason}" for url, reason in failed)
        raise gr.Error(render.escape_text(f"Nothing added. {reasons}"), print_exception=False)
    summary = report.notes[0] if report.notes else report.summary()
    notes = [note for note in report.notes[1:] if "wire copy" in note or "outlet" in note]
    added = [note.split(": outlet")[0] for note in notes if ": outlet" in note]
    markdown = render.report_markdown(summary, added, failed, notes)
    return (markdown, *index.refresh())


def wire(index: IndexHandlers, components: dict, outputs: list, writes: dict) -> None:
    """Connect the box to ``/add_urls``; ``outputs``: the report, then the refreshed views."""

    def handler(text: str | None, request: gr.Request) -> tuple:
        return add_urls(index, text, request)

    components["button"].click(
        handler, [components["box"]], outputs, api_name="add_urls", **writes
    ).success(lambda: "", None, components["box"], api_visibility="private")
