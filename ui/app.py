"""The browser chat: a thin Gradio adapter over :class:`assistant.core.Assistant`.

``build_demo(assistant)`` returns the app; ``serve(assistant, host=, port=, auth=)`` runs it.
Nothing here retrieves or answers: every action calls the Assistant's public API.

API endpoints (for ``gradio_client``): ``/ask`` (question, history, outlets, since, until),
``/compare`` (topic, outlets, since, until -> comparison HTML, sources HTML, Comparison JSON),
``/add_files`` (files), ``/add_text`` (outlet, title, date, text), ``/remove_article``
(article id), ``/refresh``.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import logging
import re
import sys
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path, PurePosixPath

import gradio as gr

from assistant.core import printable_text
from assistant.errors import AssistantError, ConfigError
from assistant.models import Answer

from . import render, stories_tab
from .limits import RateLimiter, client_id, limit_message

log = logging.getLogger(__name__)

STYLE = Path(__file__).with_name("style.css")
ALLOWED_SUFFIXES = (".txt", ".md", ".html", ".json", ".jsonl")
MAX_UPLOAD_BYTES = 5_000_000  # launch()'s default; build_demo takes the settings' value
MAX_PASTE_CHARS = 200_000
ANSWER_CONCURRENCY = 4
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}
EXAMPLES = [
    "What would a complete defeat of Putin lead to?",
    "Why is Kherson important?",
    "When could peace talks with Russia begin?",
    "What did TASS say about nuclear weapons?",
]


class NewsApp(gr.Blocks):
    """The app's Blocks; ``launch`` defaults to the app's theme, CSS and upload size limit."""

    max_upload_bytes: int = MAX_UPLOAD_BYTES

    def launch(self, *args, **kwargs):
        """Launch like ``gr.Blocks.launch``, with the app's look and upload limit by default."""
        kwargs.setdefault("theme", theme())
        kwargs.setdefault("css_paths", [STYLE])
        kwargs.setdefault("max_file_size", self.max_upload_bytes)
        kwargs.setdefault("footer_links", ["api"])
        kwargs.setdefault("quiet", True)
        return super().launch(*args, **kwargs)


def theme() -> gr.themes.Base:
    """Soft indigo, with fonts bundled in Gradio (the app makes no requests to font CDNs)."""
    return gr.themes.Soft(
        primary_hue="indigo",
        neutral_hue="slate",
        font=(
            gr.themes.LocalFont("IBM Plex Sans", weights=(400, 600, 700)),
            "ui-sans-serif",
            "system-ui",
            "sans-serif",
        ),
        font_mono=(gr.themes.LocalFont("IBM Plex Mono"), "ui-monospace", "monospace"),
    )


# ----- the adapter ------------------------------------------------------------------------------


class ChatBackend:
    """Event handlers of the app; each calls the Assistant's public API and renders the result."""

    def __init__(
        self,
        assistant,
        upload_dir: Path,
        max_files: int,
        max_file_bytes: int,
        rate_limiter: RateLimiter | None = None,
    ):
        self.assistant = assistant
        self.upload_dir = Path(upload_dir)
        self.max_files = max_files
        self.max_file_bytes = max_file_bytes
        self.rate_limiter = rate_limiter or RateLimiter(0)
        self.outlet_filter: gr.CheckboxGroup | None = None
        self.compare_filter: gr.CheckboxGroup | None = None

    def over_limit(self, request: gr.Request | None) -> str | None:
        """The message for a client over its request rate, or None when it may go on."""
        wait = self.rate_limiter.acquire(client_id(request))
        return limit_message(wait, self.rate_limiter.per_minute) if wait else None

    def _check_limit(self, request: gr.Request | None) -> None:
        """Raise the rate-limit message as a Gradio error (a toast, not a traceback)."""
        message = self.over_limit(request)
        if message:
            raise gr.Error(message, print_exception=False)

    # ----- chat ---------------------------------------------------------------------------

    def respond(
        self,
        message: str,
        history: list | None,
        outlets: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        answers: list | None = None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple]:
        """Stream the answer to ``message`` into the chat; then fill the sources panel.

        Yields ``(textbox, chat, coverage, sources, answers, answer_json)``.
        """
        history = list(history or [])
        answers = list(answers or [])
        question = (message or "").strip()
        if not printable_text(question):
            raise gr.Error("Type a question about the articles first.", print_exception=False)
        turn = len(answers)
        prior = conversation(history)
        limit = self.assistant.settings.max_question_chars
        shown = question if len(question) <= limit else _shortened(question)
        chat = [
            *history,
            {"role": "user", "content": render.user_message(shown)},
            {"role": "assistant", "content": render.streaming_message("", turn)},
        ]
        refusal = self.over_limit(request)
        if refusal:
            yield self._failed(chat, answers, refusal, None)
            return
        yield "", chat, render.EMPTY_COVERAGE, _waiting_panel(), answers, None
        text = ""
        try:
            for piece in self.assistant.stream(
                question,
                outlets=list(outlets or []) or None,
                history=prior,
                since=(since or "").strip() or None,
                until=(until or "").strip() or None,
            ):
                if isinstance(piece, Answer):
                    yield self._finished(chat, piece, turn, answers)
                    return
                text += piece
                chat[-1] = {"role": "assistant", "content": render.streaming_message(text, turn)}
                yield "", chat, gr.skip(), gr.skip(), answers, None
        except AssistantError as error:
            yield self._failed(chat, answers, error.message, error.hint)
        except Exception as error:  # last line of defence: a message, never a traceback
            log.exception("answering %r failed", question)
            yield self._failed(
                chat,
                answers,
                f"Something went wrong ({type(error).__name__}).",
                "The details are in the server log.",
            )

    def _finished(self, chat: list, answer: Answer, turn: int, answers: list) -> tuple:
        chat[-1] = {"role": "assistant", "content": render.answer_message(answer, turn)}
        answers = [*answers, answer.model_dump(mode="json")]
        return (
            "",
            chat,
            render.coverage_html(answer) + stories_tab.story_link_html(self.assistant, answer),
            render.sources_html(answer, turn),
            answers,
            answer.model_dump(mode="json"),
        )

    def _failed(self, chat: list, answers: list, message: str, hint: str | None) -> tuple:
        chat[-1] = {"role": "assistant", "content": render.error_message(message, hint)}
        answers = [*answers, None]  # keeps answers aligned with the assistant messages
        error = {"error": message, "hint": hint}
        return "", chat, render.EMPTY_COVERAGE, render.EMPTY_SOURCES, answers, error

    def show_turn(self, answers: list | None, event: gr.SelectData) -> tuple[str, str]:
        """Show the sources of the assistant message the user clicked."""
        index = event.index if isinstance(event.index, int) else None
        if index is None or not answers:
            return gr.skip(), gr.skip()
        turn = min(index // 2, len(answers) - 1)
        data = answers[turn]
        if data is None:
            return render.EMPTY_COVERAGE, render.EMPTY_SOURCES
        answer = Answer.model_validate(data)
        return render.coverage_html(answer), render.sources_html(answer, turn)

    # ----- comparing outlets --------------------------------------------------------------

    def compare(
        self,
        topic: str,
        outlets: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        request: gr.Request | None = None,
    ) -> tuple[str, str, dict]:
        """Compare how the outlets report ``topic``: ``(columns HTML, sources HTML, JSON)``."""
        topic = (topic or "").strip()
        if not printable_text(topic):
            raise gr.Error(
                "Type a topic to compare, e.g. “Kherson negotiations”.", print_exception=False
            )
        self._check_limit(request)
        try:
            comparison = self.assistant.compare(
                topic,
                outlets=list(outlets or []) or None,
                since=(since or "").strip() or None,
                until=(until or "").strip() or None,
            )
        except AssistantError as error:
            raise gr.Error(_error_text(error), print_exception=False) from error
        except Exception as error:  # last line of defence: a message, never a traceback
            log.exception("comparing %r failed", topic)
            raise gr.Error(
                f"Something went wrong ({type(error).__name__}); the details are in the server"
                " log.",
                print_exception=False,
            ) from error
        return (
            render.comparison_html(comparison),
            render.comparison_sources_html(comparison),
            comparison.model_dump(mode="json"),
        )

    def compare_choices(self) -> dict:
        """The outlet choices of the Compare tab's filter."""
        choices = render.outlet_choices(self.assistant.outlets())
        if self.compare_filter is not None:
            self.compare_filter.choices = choices
        return gr.update(choices=choices)

    # ----- the index ----------------------------------------------------------------------

    def refresh(self) -> tuple:
        """Current outlet filter choices, library, remove-choices and status line."""
        counts = self.assistant.outlets()
        grouped = self.assistant.sources()
        choices = render.outlet_choices(counts)
        if self.outlet_filter is not None:
            # Sessions that never loaded the page (API clients) validate against these.
            self.outlet_filter.choices = choices
        if self.compare_filter is not None:
            self.compare_filter.choices = choices
        return (
            gr.update(choices=choices),
            render.library_html(grouped),
            gr.update(choices=render.article_choices(grouped), value=None),
            self.status_line(counts),
        )

    def status_line(self, counts: dict[str, int] | None = None) -> str:
        """The header line: the answerer in use and the size of the index."""
        counts = self.assistant.outlets() if counts is None else counts
        articles = sum(counts.values())
        return (
            f'<div class="status-line"><span class="status-answerer">Answerer: '
            f"<b>{render.escape_text(describe_answerer(self.assistant.settings))}</b></span>"
            f'<span class="status-index">{articles} article{"s" if articles != 1 else ""}'
            f" · {len(counts)} outlet{'s' if len(counts) != 1 else ''} indexed</span></div>"
        )

    def add_files(
        self,
        files: list | None,
        request: gr.Request | None = None,
        progress=gr.Progress(),  # noqa: B008 (how Gradio injects a progress tracker)
    ) -> tuple:
        """Copy uploaded files into the upload folder and add them to the index."""
        files = [f for f in (files or []) if f]
        if not files:
            raise gr.Error("Choose one or more article files first.", print_exception=False)
        self._check_limit(request)
        if len(files) > self.max_files:
            raise gr.Error(
                f"{len(files)} files chosen; upload at most {self.max_files} at a time.",
                print_exception=False,
            )
        staged, rejected = [], []
        for file in files:
            source = Path(file if isinstance(file, str) else getattr(file, "name", file))
            original = _original_name(file, source)
            try:
                staged.append((original, self.stage_upload(source, original)))
            except UploadRejected as error:
                rejected.append((original, str(error)))
        return self._index_staged(staged, rejected, progress)

    def add_text(
        self,
        outlet: str,
        title: str,
        published: str,
        text: str,
        request: gr.Request | None = None,
        progress=gr.Progress(),  # noqa: B008 (how Gradio injects a progress tracker)
    ) -> tuple:
        """Write a pasted article (with front matter) to the upload folder and index it."""
        outlet, title = (outlet or "").strip(), (title or "").strip()
        published, text = (published or "").strip(), (text or "").strip()
        if not text:
            raise gr.Error("Paste the article text first.", print_exception=False)
        if not outlet:
            raise gr.Error("Name the outlet that published the article.", print_exception=False)
        self._check_limit(request)
        if len(text) > MAX_PASTE_CHARS:
            raise gr.Error(
                f"The text is {len(text):,} characters; the limit is {MAX_PASTE_CHARS:,}.",
                print_exception=False,
            )
        if published and not _is_iso_date(published):
            raise gr.Error(
                f"“{html.escape(published)}” is not a date; use YYYY-MM-DD.", print_exception=False
            )
        document = front_matter_document(outlet, title, published, text)
        stem = safe_stem(f"pasted-{outlet}-{title}" if title else f"pasted-{outlet}")
        name = f"{stem}-{_digest(document.encode('utf-8'))}.md"
        target = self._inside_upload_dir(name)
        target.write_text(document, encoding="utf-8")
        return self._index_staged([(title or "pasted article", target)], [], progress)

    def remove_article(self, article_id: str | None, request: gr.Request | None = None) -> tuple:
        """Remove one article from the index (and its uploaded file, if it was uploaded)."""
        if not article_id:
            raise gr.Error("Choose an article to remove.", print_exception=False)
        self._check_limit(request)
        try:
            removed = self.assistant.remove_sources([article_id])
        except AssistantError as error:
            raise gr.Error(_error_text(error), print_exception=False) from error
        if not removed:
            raise gr.Error("That article is no longer in the index.", print_exception=False)
        for origin in removed:
            self._forget_upload(origin)
        summary = f"**Removed** {len(removed)} article{'s' if len(removed) != 1 else ''}."
        return (summary, *self.refresh())

    # ----- upload helpers -----------------------------------------------------------------

    def stage_upload(self, source: Path, original: str) -> Path:
        """Copy an uploaded file into the upload folder under a safe, content-addressed name."""
        suffix = PurePosixPath(original).suffix.lower() or source.suffix.lower()
        if suffix not in ALLOWED_SUFFIXES:
            raise UploadRejected(
                f"file type {suffix or '(none)'} is not accepted; use "
                + ", ".join(ALLOWED_SUFFIXES)
            )
        try:
            size = source.stat().st_size
        except OSError as error:
            raise UploadRejected("the upload could not be read") from error
        if size > self.max_file_bytes:
            raise UploadRejected(f"file is {size:,} bytes; the limit is {self.max_file_bytes:,}")
        data = source.read_bytes()
        target = self._inside_upload_dir(f"{safe_stem(original)}-{_digest(data)}{suffix}")
        target.write_bytes(data)
        return target

    def _inside_upload_dir(self, name: str) -> Path:
        folder = self.upload_dir.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        target = (folder / name).resolve()
        if target.parent != folder:  # defence in depth: safe_stem already removed separators
            raise UploadRejected("unsafe file name")
        return target

    def _index_staged(
        self, staged: list[tuple[str, Path]], rejected: list[tuple[str, str]], progress
    ) -> tuple:
        if not staged:
            raise gr.Error(_rejection_text(rejected), print_exception=False)

        def update(done: int, total: int) -> None:
            progress((done, total), desc="Embedding passages", unit="passages")

        progress(0, desc="Reading articles")
        try:
            report = self.assistant.add_sources([path for _, path in staged], progress=update)
        except AssistantError as error:
            self._discard([path for _, path in staged])
            raise gr.Error(_error_text(error), print_exception=False) from error
        names = {str(path): original for original, path in staged}
        skipped = [(_label(s.path, names), s.reason) for s in report.skipped]
        self._discard(
            [
                Path(s.path.split("#")[0])
                for s in report.skipped
                if not _has_articles(s.path, report)
            ]
        )
        indexed = report.added + report.updated + report.unchanged
        if not indexed and (skipped or rejected):
            raise gr.Error(_rejection_text(rejected + skipped), print_exception=False)
        added = [_label(origin, names) for origin in report.added + report.updated]
        summary = render.report_markdown(report.summary(), added, rejected + skipped, report.notes)
        return (summary, *self.refresh())

    def _discard(self, paths: list[Path]) -> None:
        """Delete staged files that did not become articles (they must not linger)."""
        folder = self.upload_dir.resolve()
        for path in paths:
            path = Path(path).resolve()
            if path.parent == folder and path.is_file():
                path.unlink()

    def _forget_upload(self, origin: str) -> None:
        path = Path(origin)
        if path.is_absolute() and path.resolve().parent == self.upload_dir.resolve():
            path.unlink(missing_ok=True)


class UploadRejected(Exception):
    """An uploaded file refused before indexing (type, size, name)."""


# ----- small helpers ----------------------------------------------------------------------------


def conversation(history: list) -> list[dict]:
    """The chat so far as plain-text role/content messages (markup removed) for the Assistant."""
    messages = []
    for message in history:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
        messages.append({"role": role, "content": render.plain_text(str(content or ""))})
    return messages


def describe_answerer(settings) -> str:
    """The answerer in plain words, e.g. 'extractive (quotes the articles, no LLM)'."""
    llm = (settings.llm or "extractive").strip()
    if llm == "extractive":
        return "extractive (verbatim quotes from the articles, no LLM)"
    fallback = ", falls back to extractive" if settings.llm_fallback else ""
    return f"{llm} (LLM{fallback})"


def safe_stem(name: str) -> str:
    """A file-name stem made only of [A-Za-z0-9_-], never empty, never a path."""
    base = PurePosixPath(str(name).replace("\\", "/")).name
    stem = base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base
    ascii_stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", ascii_stem).strip("-_")[:60]
    return cleaned or "upload"


def front_matter_document(outlet: str, title: str, published: str, text: str) -> str:
    """A Markdown article with YAML front matter the loaders read."""
    import yaml

    meta = {"outlet": outlet}
    if title:
        meta["title"] = title
    if published:
        meta["published"] = published
    header = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
    return f"---\n{header}---\n\n{text}\n"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


def _is_iso_date(value: str) -> bool:
    try:
        date.fromisoformat(value[:10])
    except ValueError:
        return False
    return True


def _original_name(file, source: Path) -> str:
    original = getattr(file, "orig_name", None) or source.name
    return PurePosixPath(str(original).replace("\\", "/")).name or "upload"


def _label(path: str, names: dict[str, str]) -> str:
    file, _, record = path.partition("#")
    base = names.get(file, Path(file).name)
    return f"{base}#{record}" if record else base


def _has_articles(skipped_path: str, report) -> bool:
    """True when another record of the same file was indexed (JSON(L) with some bad records)."""
    file = skipped_path.split("#")[0]
    indexed = report.added + report.updated + report.unchanged
    return any(origin.split("#")[0] == file for origin in indexed)


def _rejection_text(rejected: list[tuple[str, str]]) -> str:
    lines = "<br>".join(f"{html.escape(name)}: {html.escape(reason)}" for name, reason in rejected)
    return f"Nothing was added to the index.<br>{lines}"


def _error_text(error: AssistantError) -> str:
    hint = f" ({error.hint})" if error.hint else ""
    return html.escape(f"{error.message}{hint}")


def _shortened(question: str, keep: int = 300) -> str:
    """An over-long question as the chat shows it: its start and its length."""
    return f"{question[:keep]}… ({len(question):,} characters)"


def _waiting_panel() -> str:
    return '<div class="sources-empty">Finding the passages…</div>'


# ----- building and serving ---------------------------------------------------------------------


def build_demo(
    assistant,
    *,
    upload_dir: Path | None = None,
    max_files: int | None = None,
    max_file_bytes: int | None = None,
    rate_limit: int | None = None,
    concurrency: int = ANSWER_CONCURRENCY,
) -> NewsApp:
    """The Gradio app over ``assistant`` (reads the index's outlets; loads no LLM).

    Limits default to the settings: ``max_upload_files``, ``max_upload_bytes`` (never above
    ``max_file_bytes``) and ``rate_limit`` (requests a minute per client).
    """
    settings = assistant.settings
    upload_dir = Path(upload_dir or Path(settings.index_dir).parent / "uploads")
    max_files = max_files or settings.max_upload_files
    max_file_bytes = min(max_file_bytes or settings.max_upload_bytes, settings.max_file_bytes)
    limiter = RateLimiter(settings.rate_limit if rate_limit is None else rate_limit)
    backend = ChatBackend(assistant, upload_dir, max_files, max_file_bytes, limiter)
    with NewsApp(title="News Assistant", analytics_enabled=False) as demo:
        demo.max_upload_bytes = max_file_bytes
        demo.backend = backend
        answers = gr.State([])
        with gr.Row(elem_id="app-header"):
            gr.HTML(
                '<div class="app-title">News Assistant<span class="app-sub">Answers'
                " quote the articles; every claim cites its outlet.</span></div>"
            )
            status = gr.HTML(elem_id="status-line")
        with gr.Tabs():
            with gr.Tab("Ask", id="ask") as ask_tab:
                ask = _ask_tab(render.outlet_choices(assistant.outlets()))
            with gr.Tab("Compare outlets", id="compare") as compare_tab:
                compare = _compare_tab(render.outlet_choices(assistant.outlets()))
            with gr.Tab("Stories", id="stories") as stories_page:
                stories = stories_tab.build()
            with gr.Tab("Sources", id="sources") as sources_tab:
                manage = _sources_tab(max_files, max_file_bytes)
        backend.outlet_filter = ask["outlets"]
        backend.compare_filter = compare["outlets"]
        _wire(demo, backend, ask, manage, status, answers, concurrency)
        _wire_compare(demo, backend, compare, concurrency)
        stories_tab.wire(demo, assistant, stories, stories_page, concurrency)
        for tab in (ask_tab, sources_tab):  # another user may have changed the index
            tab.select(
                backend.refresh, None, _refreshed(ask, manage, status), api_visibility="private"
            )
        compare_tab.select(
            backend.compare_choices, None, compare["outlets"], api_visibility="private"
        )
    return demo


def _ask_tab(choices: list[tuple[str, str]]) -> dict:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=420):
            chat = gr.Chatbot(
                elem_id="chat",
                height=560,
                layout="bubble",
                show_label=False,
                latex_delimiters=[],
                buttons=["copy"],
                feedback_options=None,
                placeholder='<div class="chat-placeholder"><b>Ask about the news in the index.'
                "</b><br>Answers quote the articles verbatim; click a [n] marker to"
                " see the passage.</div>",
                examples=[{"text": q} for q in EXAMPLES],
            )
            with gr.Row(elem_id="ask-row"):
                box = gr.Textbox(
                    placeholder="Ask a question, e.g. “Why is Kherson important?”",
                    show_label=False,
                    scale=6,
                    autofocus=True,
                    lines=1,
                    max_lines=4,
                    elem_id="question",
                    submit_btn=False,
                )
                send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
                clear = gr.Button("New chat", scale=1, min_width=110, elem_id="clear")
        with gr.Column(scale=2, min_width=340, elem_id="side"):
            with gr.Accordion("Filters", open=True, elem_id="filters"):
                outlets = gr.CheckboxGroup(
                    label="Outlets (none ticked = all)", choices=choices, elem_id="outlet-filter"
                )
                with gr.Row():
                    since = gr.Textbox(label="Since", placeholder="YYYY-MM-DD", elem_id="since")
                    until = gr.Textbox(label="Until", placeholder="YYYY-MM-DD", elem_id="until")
            coverage = gr.HTML(render.EMPTY_COVERAGE, elem_id="coverage")
            sources = gr.HTML(render.EMPTY_SOURCES, elem_id="sources-panel")
            with gr.Accordion("Answer as JSON", open=False):
                raw = gr.JSON(label="Last answer", elem_id="answer-json")
    return {
        "chat": chat,
        "box": box,
        "send": send,
        "clear": clear,
        "outlets": outlets,
        "since": since,
        "until": until,
        "coverage": coverage,
        "sources": sources,
        "raw": raw,
    }


def _compare_tab(choices: list[tuple[str, str]]) -> dict:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=480):
            with gr.Row(elem_id="compare-row"):
                topic = gr.Textbox(
                    placeholder="A topic or question, e.g. “Kherson negotiations”",
                    show_label=False,
                    scale=6,
                    lines=1,
                    max_lines=3,
                    elem_id="compare-topic",
                )
                run = gr.Button(
                    "Compare", variant="primary", scale=1, min_width=100, elem_id="compare-button"
                )
            table = gr.HTML(render.EMPTY_COMPARISON, elem_id="comparison")
        with gr.Column(scale=2, min_width=340, elem_id="compare-side"):
            with gr.Accordion("Filters", open=True):
                outlets = gr.CheckboxGroup(
                    label="Outlets to compare (none ticked = all that cover the topic)",
                    choices=choices,
                    elem_id="compare-outlets",
                )
                with gr.Row():
                    since = gr.Textbox(
                        label="Since", placeholder="YYYY-MM-DD", elem_id="compare-since"
                    )
                    until = gr.Textbox(
                        label="Until", placeholder="YYYY-MM-DD", elem_id="compare-until"
                    )
            sources = gr.HTML(render.EMPTY_COMPARE_SOURCES, elem_id="compare-sources")
            with gr.Accordion("Comparison as JSON", open=False):
                raw = gr.JSON(label="Last comparison", elem_id="comparison-json")
    return {
        "topic": topic,
        "run": run,
        "table": table,
        "outlets": outlets,
        "since": since,
        "until": until,
        "sources": sources,
        "raw": raw,
    }


def _wire_compare(demo, backend: ChatBackend, compare: dict, concurrency: int) -> None:
    inputs = [compare["topic"], compare["outlets"], compare["since"], compare["until"]]
    outputs = [compare["table"], compare["sources"], compare["raw"]]
    options = {"concurrency_limit": concurrency, "concurrency_id": "answer"}
    compare["run"].click(backend.compare, inputs, outputs, api_name="compare", **options)
    compare["topic"].submit(backend.compare, inputs, outputs, api_visibility="private", **options)


def _sources_tab(max_files: int, max_file_bytes: int) -> dict:
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            library = gr.HTML(elem_id="library")
            with gr.Row():
                doomed = gr.Dropdown(
                    label="Remove an article",
                    choices=[],
                    scale=4,
                    allow_custom_value=True,
                    elem_id="remove-choice",
                )
                remove = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")
        with gr.Column(scale=2):
            with gr.Tab("Upload files"):
                files = gr.File(
                    label=f"Article files ({', '.join(ALLOWED_SUFFIXES)}; up to {max_files} files,"
                    f" {max_file_bytes // 1_000_000 or 1} MB each)",
                    file_count="multiple",
                    file_types=list(ALLOWED_SUFFIXES),
                    elem_id="upload",
                )
                upload = gr.Button("Add to index", variant="primary", elem_id="add-files")
            with gr.Tab("Paste an article"):
                with gr.Row():
                    outlet = gr.Textbox(
                        label="Outlet", placeholder="e.g. Reuters", elem_id="paste-outlet"
                    )
                    published = gr.Textbox(
                        label="Date", placeholder="YYYY-MM-DD", elem_id="paste-date"
                    )
                title = gr.Textbox(label="Title", elem_id="paste-title")
                text = gr.Textbox(label="Article text", lines=8, max_lines=20, elem_id="paste-text")
                paste = gr.Button("Add pasted article", variant="primary", elem_id="add-text")
            report = gr.Markdown(elem_id="index-report")
    return {
        "library": library,
        "doomed": doomed,
        "remove": remove,
        "files": files,
        "upload": upload,
        "outlet": outlet,
        "published": published,
        "title": title,
        "text": text,
        "paste": paste,
        "report": report,
    }


def _wire(demo, backend: ChatBackend, ask: dict, manage: dict, status, answers, concurrency):
    refreshed = _refreshed(ask, manage, status)
    demo.load(backend.refresh, None, refreshed, api_name="refresh")
    ask_inputs = [ask["box"], ask["chat"], ask["outlets"], ask["since"], ask["until"], answers]
    ask_outputs = [ask["box"], ask["chat"], ask["coverage"], ask["sources"], answers, ask["raw"]]
    options = {"concurrency_limit": concurrency, "concurrency_id": "answer"}
    ask["send"].click(backend.respond, ask_inputs, ask_outputs, api_name="ask", **options)
    ask["box"].submit(backend.respond, ask_inputs, ask_outputs, api_visibility="private", **options)
    ask["chat"].example_select(_example_text, None, ask["box"], api_visibility="private").then(
        backend.respond, ask_inputs, ask_outputs, api_visibility="private", **options
    )
    ask["chat"].select(
        backend.show_turn, [answers], [ask["coverage"], ask["sources"]], api_visibility="private"
    )
    chat_state = [ask["chat"], answers, ask["coverage"], ask["sources"], ask["raw"]]
    ask["clear"].click(_new_chat, None, chat_state, api_visibility="private")
    ask["chat"].clear(_new_chat, None, chat_state, api_visibility="private")
    writes = {"concurrency_limit": 1, "concurrency_id": "write"}
    report = [manage["report"], *refreshed]
    manage["upload"].click(
        backend.add_files, [manage["files"]], report, api_name="add_files", **writes
    ).success(lambda: None, None, manage["files"], api_visibility="private")
    paste_inputs = [manage["outlet"], manage["title"], manage["published"], manage["text"]]
    manage["paste"].click(backend.add_text, paste_inputs, report, api_name="add_text", **writes)
    manage["remove"].click(
        backend.remove_article, [manage["doomed"]], report, api_name="remove_article", **writes
    )


def _refreshed(ask: dict, manage: dict, status) -> list:
    """The components :meth:`ChatBackend.refresh` fills, in its order."""
    return [ask["outlets"], manage["library"], manage["doomed"], status]


def _example_text(event: gr.SelectData) -> str:
    value = event.value
    return value.get("text", "") if isinstance(value, dict) else str(value or "")


def _new_chat():
    return [], [], render.EMPTY_COVERAGE, render.EMPTY_SOURCES, None


def parse_auth(auth: str | None) -> tuple[str, str] | None:
    """``user:password`` as a tuple; ConfigError when it is malformed."""
    if auth is None or not auth.strip():
        return None
    user, sep, password = auth.strip().partition(":")
    if not sep or not user or not password:
        raise ConfigError(
            "--auth must look like user:password", hint="e.g. --auth reader:a-long-passphrase"
        )
    return user, password


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, auth: str | None) -> tuple[str, str] | None:
    """The credentials to require; refuses a non-loopback host without any."""
    credentials = parse_auth(auth)
    if credentials is None and not is_loopback(host):
        raise ConfigError(
            f"refusing to serve on {host} without credentials: anyone on the network could"
            " use and change the index",
            hint="pass --auth user:password (or set ASSISTANT_AUTH), or bind to 127.0.0.1",
        )
    return credentials


def serve(
    assistant, host: str = "127.0.0.1", port: int = 7860, auth: str | None = None, progress=None
) -> int:
    """Build the index if there is none, then serve the app until interrupted; exit code 0."""
    credentials = check_bind(host, auth)
    report = assistant.ensure_index(progress=progress)
    if report is not None:
        print(f"index built: {report.summary()}", file=sys.stderr, flush=True)
    demo = build_demo(assistant)
    try:
        demo.launch(
            server_name=host,
            server_port=port,
            auth=credentials,
            quiet=False,
            auth_message="Sign in to the News Assistant.",
        )
    except OSError as error:
        raise ConfigError(
            f"cannot serve on {host}:{port} ({error})",
            hint="choose another --port or stop the other server",
        ) from error
    return 0


def main() -> int:
    """``python -m ui.app`` or ``gradio ui/app.py``: serve with the default settings."""
    from assistant.cli import main as cli_main

    return cli_main(["serve"])


def __getattr__(name: str):
    # `gradio ui/app.py` (reload mode) looks up a module-level `demo`; build it on demand only.
    if name == "demo":
        global demo
        from assistant.core import default_assistant

        demo = build_demo(default_assistant())
        return demo
    raise AttributeError(name)


if __name__ == "__main__":
    raise SystemExit(main())
