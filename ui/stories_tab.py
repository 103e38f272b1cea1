"""The Stories tab: stories with per-outlet coverage bars; a click opens the story's
timeline with its sources panel and a question box scoped to the story's articles.

``build()`` lays the tab out (call it inside ``gr.Tab``); ``wire()`` connects it. API
endpoints: ``/stories`` (since, until -> list HTML, stories JSON), ``/story`` (id or topic
-> story HTML, sources HTML, StoryView JSON), ``/story_ask`` (story id or topic, question -> answer
HTML, sources HTML, Answer JSON). :func:`story_link_html` is the chat's link to the story
every citation of an answer falls in.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

import gradio as gr

from assistant.answer_models import Answer, Citation
from assistant.core import printable_text
from assistant.errors import AssistantError
from assistant.stories.models import Report, Story, StoryView

from . import render
from .render import display_date, escape_text, outlet_badge, outlet_groups, outlet_hue

if TYPE_CHECKING:
    from assistant.core import Assistant

T = TypeVar("T")

log = logging.getLogger(__name__)

STORY_TURN = "story"  # source anchors of a story view: src-story-<n>
ASK_TURN = "storyq"  # and of a story-scoped answer
EMPTY_STORY = '<div class="sources-empty">Click a story to see its timeline.</div>'
EMPTY_LIST = '<div class="sources-empty">No stories yet: index some articles.</div>'
STYLE = """<style>
.story-card{border:1px solid var(--border-color-primary);border-radius:8px;padding:8px 10px;
 margin:0 0 8px;cursor:pointer}
.story-card:hover{background:var(--background-fill-secondary)}
.story-title{font-weight:600}.story-meta{font-size:.8rem;color:var(--body-text-color-subdued)}
.story-bars .coverage-row{display:flex;gap:6px;align-items:center;margin:2px 0}
.story-bars .coverage-bar{height:8px;border-radius:4px;background:hsl(var(--hue) 60% 55%)}
.story-absent{font-size:.8rem;margin-top:4px}
.story-view h3{margin:.6em 0 .3em}.story-line{margin:4px 0}
</style>"""
OPEN_ON_CLICK = """() => {
  if (window.__storiesWired) return;
  window.__storiesWired = true;
  document.addEventListener('click', (event) => {
    const link = event.target.closest('[data-story]');
    if (!link) return;
    event.preventDefault();
    const tab = [...document.querySelectorAll('button[role=tab]')]
      .find((b) => b.innerText.trim() === 'Stories');
    if (tab && tab.getAttribute('aria-selected') !== 'true') tab.click();
    setTimeout(() => {
      const box = document.querySelector('#story-key textarea, #story-key input');
      if (!box) return;
      box.value = link.dataset.story;
      box.dispatchEvent(new Event('input', {bubbles: true}));
      setTimeout(() => document.querySelector('#story-open').click(), 50);
    }, 100);
  });
}"""


# ----- rendering ---------------------------------------------------------------------------------


def _cite(number: int | None, turn: str = STORY_TURN) -> str:
    if number is None:
        return ""
    return f' <a class="cite-link" href="#{render.source_anchor(turn, number)}">[{number}]</a>'


def coverage_bars(story: Story) -> str:
    """One bar per outlet, as long as its share of the story's articles."""
    most = max((row.articles for row in story.coverage), default=1)
    rows = []
    for row in story.coverage:
        width = max(8, round(100 * row.articles / most))
        noun = "article" if row.articles == 1 else "articles"
        rows.append(
            f'<div class="coverage-row">{outlet_badge(row.outlet)}'
            f'<span class="coverage-bar" style="--hue:{outlet_hue(row.outlet)};width:{width}%">'
            f'</span><span class="coverage-count">{row.articles} {noun},'
            f" {escape_text(', '.join(row.dates) or 'undated')}</span></div>"
        )
    return f'<div class="story-bars">{"".join(rows)}</div>'


def _absent(story: Story) -> str:
    if not story.not_covered_by:
        return ""
    names = ", ".join(
        f"{escape_text(r.outlet)} ({r.covered} of {r.related} related stories)"
        for r in story.not_covered_by
    )
    return f'<div class="story-absent">Not covered by: {names}</div>'


def stories_html(stories: list[Story]) -> str:
    """The story list: quoted title, dates, coverage bars, "not covered by"."""
    if not stories:
        return STYLE + EMPTY_LIST
    cards = []
    for story in stories:
        days = display_date(story.first_published)
        if display_date(story.last_published) != days:
            days += f" – {display_date(story.last_published)}"
        cards.append(
            f'<div class="story-card" data-story="{escape_text(story.story_id)}">'
            f'<div class="story-title">“{escape_text(story.title)}”</div>'
            f'<div class="story-meta">{days} · {_count(len(story.articles), "article")} from'
            f" {_count(len(story.coverage), 'outlet')} · {escape_text(story.story_id)}</div>"
            f"{coverage_bars(story)}{_absent(story)}</div>"
        )
    return f'{STYLE}<div class="story-list">{"".join(cards)}</div>'


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _report(report: Report) -> str:
    return (
        f"{outlet_badge(report.outlet)} {display_date(report.published)}:"
        f" “{escape_text(report.quote)}”{_cite(report.citation)}"
    )


def story_html(view: StoryView) -> str:
    """A story: coverage, timeline (lead claims), first reports, changed claims, comparison."""
    story = view.story
    parts = [
        f'{STYLE}<div class="story-view"><h2 class="story-title">“{escape_text(story.title)}”</h2>',
        coverage_bars(story),
        _absent(story),
    ]
    parts += [f'<div class="story-meta">({escape_text(note)})</div>' for note in view.notes]
    parts.append('<h3>Timeline</h3><ol class="story-timeline">')
    for entry in view.timeline:
        quote = f"“{escape_text(entry.lead_quote)}”" if entry.lead else "(no claim sentence)"
        parts.append(
            f'<li class="story-line timeline-entry">{display_date(entry.published)}'
            f" {outlet_badge(entry.outlet)} {quote}{_cite(entry.lead)}</li>"
        )
    parts.append("</ol>")
    if view.first_reports:
        parts.append('<h3>Reported first by</h3><ul class="story-first">')
        for row in view.first_reports:
            then = "".join(f"<li>then {_report(r)}</li>" for r in row.followed_by)
            parts.append(f'<li class="story-line">{_report(row.first)}<ul>{then}</ul></li>')
        parts.append("</ul>")
    if view.changes:
        parts.append('<h3>Claims that changed over time</h3><ul class="story-changes">')
        for change in view.changes:
            parts.append(
                f'<li class="story-line">{escape_text(change.kind)} ({escape_text(change.what)}):'
                f"<br>before: {_report(change.before)}<br>after: {_report(change.after)}</li>"
            )
        parts.append("</ul>")
    parts.append(_comparison_html(view))
    return "".join(parts) + "</div>"


def _comparison_html(view: StoryView) -> str:
    """The comparison's shared and one-outlet claims, each quote with its source inline."""
    comparison = view.comparison
    if comparison is None:
        return ""

    def quoted(claim) -> str:
        source = comparison.citation(claim.citation)
        day = display_date(source.published) if source else "undated"
        return f"{outlet_badge(claim.outlet)} “{escape_text(claim.quote)}” ({day})"

    parts = ['<h3>Reported by several outlets</h3><ul class="story-shared">']
    parts += [
        f'<li class="story-line">{"<br>".join(quoted(c) for c in row.claims)}</li>'
        for row in comparison.shared
    ] or ["<li>No claim is shared.</li>"]
    parts.append("</ul>")
    for outlet, claims in comparison.unique.items():
        if claims:
            parts.append(
                f"<details><summary><b>Reported only by {escape_text(outlet)}</b>"
                f" ({len(claims)} claims)</summary><ul>"
            )
            parts += [f'<li class="story-line">{quoted(c)}</li>' for c in claims]
            parts.append("</ul></details>")
    return "".join(parts)


def story_sources_html(citations: Iterable[Citation], turn: str = STORY_TURN) -> str:
    """The sources panel of a story view or story-scoped answer."""
    groups = outlet_groups(citations, turn)
    if not groups:
        return render.EMPTY_SOURCES
    return f'<div class="sources-panel">{"".join(groups)}</div>'


def story_link_html(assistant, answer: Answer) -> str:
    """A link to the story every citation of ``answer`` falls in ('' when there is none)."""
    try:
        story = assistant.story_for_citations(answer.citations)
    except Exception:  # a derived extra: never fail the answer for it
        log.warning("looking up the story of an answer failed", exc_info=True)
        return ""
    if story is None:
        return ""
    return (
        f'<div class="story-link">All cited passages come from one story: <a href="#"'
        f' data-story="{escape_text(story.story_id)}">“{escape_text(story.title)}”</a>'
        f" ({len(story.coverage)} outlets; opens in Stories)</div>"
    )


# ----- the tab -----------------------------------------------------------------------------------


class StoriesBackend:
    """Handlers of the Stories tab; each calls the Assistant's public API."""

    def __init__(self, assistant: Assistant):
        self.assistant = assistant

    def list(self, since: str | None = None, until: str | None = None) -> tuple[str, list]:
        """The stories (published within since..until): list HTML and JSON."""
        stories = _guarded(
            lambda: self.assistant.stories(
                since=(since or "").strip() or None, until=(until or "").strip() or None
            )
        )
        return stories_html(stories), [s.model_dump(mode="json") for s in stories]

    def open(self, key: str) -> tuple[str, str, dict, str]:
        """One story by id or topic: its HTML, sources panel, JSON, and its id (which
        replaces a typed topic, so the question box asks about this story)."""
        key = (key or "").strip()
        if not printable_text(key):
            raise gr.Error("Click a story, or type a story id or topic.", print_exception=False)
        view = _guarded(lambda: self.assistant.story(key))
        return (
            story_html(view),
            story_sources_html(view.citations),
            view.model_dump(mode="json"),
            view.story.story_id,
        )

    def ask(self, story_id: str, question: str) -> tuple[str, str, dict]:
        """Answer ``question`` from the open story's articles only."""
        if not (story_id or "").strip():
            raise gr.Error("Open a story first (click one).", print_exception=False)
        if not printable_text(question or ""):
            raise gr.Error("Type a question about this story.", print_exception=False)
        answer = _guarded(lambda: self.assistant.ask_story(story_id.strip(), question))
        return (
            render.answer_message(answer, ASK_TURN),  # type: ignore[arg-type]
            story_sources_html(answer.citations, ASK_TURN),
            answer.model_dump(mode="json"),
        )


def _guarded(call: Callable[[], T]) -> T:
    """Run ``call``; our errors become a toast, anything else a message (never a traceback)."""
    try:
        return call()
    except AssistantError as error:
        text = error.message + (f" ({error.hint})" if error.hint else "")
        raise gr.Error(text, print_exception=False) from error
    except gr.Error:
        raise
    except Exception as error:
        log.exception("the Stories tab failed")
        raise gr.Error(
            f"Something went wrong ({type(error).__name__}); the details are in the server log.",
            print_exception=False,
        ) from error


def build() -> dict:
    """The tab's components (inside a ``gr.Tab``)."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=2, min_width=360):
            with gr.Row():
                since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="stories-since")
                until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="stories-until")
            show = gr.Button("Show stories", elem_id="stories-show")
            listing = gr.HTML(STYLE + EMPTY_LIST, elem_id="stories-list")
        with gr.Column(scale=3, min_width=420):
            with gr.Row():
                key = gr.Textbox(
                    label="Story (id or topic)", scale=5, lines=1, max_lines=1, elem_id="story-key"
                )
                open_ = gr.Button("Open", scale=1, min_width=80, elem_id="story-open")
            with gr.Row():
                question = gr.Textbox(
                    placeholder="Ask about this story (its articles only)",
                    show_label=False,
                    scale=5,
                    lines=1,
                    elem_id="story-question",
                )
                ask = gr.Button(
                    "Ask", variant="primary", scale=1, min_width=80, elem_id="story-ask"
                )
            answer = gr.HTML("", elem_id="story-answer")
            view = gr.HTML(EMPTY_STORY, elem_id="story-view")
        with gr.Column(scale=2, min_width=320):
            sources = gr.HTML(render.EMPTY_SOURCES, elem_id="story-sources")
            with gr.Accordion("As JSON", open=False):
                raw = gr.JSON(label="Last result", elem_id="story-json")
    return {
        "since": since,
        "until": until,
        "show": show,
        "list": listing,
        "key": key,
        "open": open_,
        "view": view,
        "question": question,
        "ask": ask,
        "answer": answer,
        "sources": sources,
        "raw": raw,
    }


def wire(
    demo: gr.Blocks, assistant: Assistant, parts: dict, tab: gr.Tab, concurrency: int = 4
) -> StoriesBackend:
    """Connect the tab: list on selecting it, open on a click, scoped questions."""
    backend = StoriesBackend(assistant)
    listed = [parts["list"], parts["raw"]]
    dates = [parts["since"], parts["until"]]
    parts["show"].click(backend.list, dates, listed, api_name="stories")
    tab.select(backend.list, dates, listed, api_visibility="private")
    options = {"concurrency_limit": concurrency, "concurrency_id": "answer"}
    opened = [parts["view"], parts["sources"], parts["raw"], parts["key"]]
    parts["open"].click(backend.open, [parts["key"]], opened, api_name="story", **options)
    parts["key"].submit(backend.open, [parts["key"]], opened, api_visibility="private", **options)
    asked = [parts["answer"], parts["sources"], parts["raw"]]
    ask_inputs = [parts["key"], parts["question"]]
    parts["ask"].click(backend.ask, ask_inputs, asked, api_name="story_ask", **options)
    parts["question"].submit(backend.ask, ask_inputs, asked, api_visibility="private", **options)
    demo.load(None, None, None, js=OPEN_ON_CLICK)
    return backend
