"""The Sources tab's event handlers: the article library (paged, searched on the server),
uploads and pastes into the index, and removal by selection or by whole upload.

Whatever the index size, what one request returns is bounded: one page of the library, at
most ``max_outlet_choices`` outlets in a filter, one page of removal choices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.core import Assistant
from assistant.errors import AssistantError

from . import render, render_library
from .chat import QuestionHandlers, error_text
from .uploads import (
    MAX_PASTE_CHARS,
    UploadFolder,
    UploadRejected,
    digest,
    front_matter_document,
    identity_notes,
    is_iso_date,
    original_name,
    relative_text,
    safe_stem,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LibraryLimits:
    """How much of the index one page of the UI shows."""

    page_size: int = 50
    max_outlet_choices: int = 50
    max_upload_choices: int = 50


class IndexHandlers:
    """Handlers that read and change the index: the library, uploads, pastes, removal."""

    def __init__(
        self,
        assistant: Assistant,
        questions: QuestionHandlers,
        uploads: UploadFolder,
        max_files: int,
        limits: LibraryLimits,
    ) -> None:
        self.assistant = assistant
        self.questions = questions  # shares its rate limiter and client identity
        self.uploads = uploads
        self.max_files = max_files
        self.limits = limits
        self.filters: list[gr.CheckboxGroup] = []  # outlet filters whose choices we keep fresh

    @property
    def roots(self) -> list[Path]:
        """Folders whose absolute paths messages shorten to their names."""
        settings = self.assistant.settings
        return [self.uploads.folder, Path(settings.index_dir), *map(Path, settings.sources)]

    # ----- reading ------------------------------------------------------------------------

    def outlet_choices(self) -> list[tuple[str, str]]:
        """The outlet filter's choices: the outlets with the most articles, bounded."""
        counts = self.assistant.outlets()
        top = dict(list(counts.items())[: self.limits.max_outlet_choices])
        choices = render.outlet_choices(top)
        for component in self.filters:
            # Sessions that never loaded the page (API clients) validate against these.
            component.choices = list(choices)
        return choices

    def refresh(self, request: gr.Request | None = None) -> tuple:
        """Outlet filter, first library page, removal choices and status (a page load)."""
        self.questions.check_limit(request)
        return self._refreshed("", 1)

    def search(self, query: str | None, page: float | None, request: gr.Request | None = None):
        """One page of the library matching ``query`` (outlet, title, id, file or URL)."""
        self.questions.check_limit(request)
        return self._refreshed(query if isinstance(query, str) else "", int(page or 1))

    def _refreshed(self, query: str, page: int) -> tuple:
        grouped = self.assistant.sources()
        view = render_library.library_page(
            grouped, query[:200], page, self.limits.page_size, self.roots
        )
        uploads = self._upload_choices(grouped, query[:200])
        return (
            gr.update(choices=self.outlet_choices()),
            view.html,
            gr.update(choices=view.choices, value=[]),
            gr.update(choices=uploads, value=None),
            gr.update(value=view.page, maximum=view.pages),
            self.status_line(),
        )

    def _upload_choices(self, grouped: dict[str, list[dict]], query: str) -> list[tuple[str, str]]:
        """(label, upload file) pairs for whole-upload removal, newest names first, bounded."""
        files: dict[str, int] = {}
        for items in grouped.values():
            for item in items:
                if self.uploads.holds(item["origin"]):
                    file = item["origin"].split("#", 1)[0]
                    files[file] = files.get(file, 0) + 1
        needle = query.strip().lower()
        named = [
            (f"{Path(file).name} ({n} article{'s' if n != 1 else ''})", file)
            for file, n in sorted(files.items())
            if needle in Path(file).name.lower()
        ]
        return named[: self.limits.max_upload_choices]

    def status_line(self) -> str:
        """The header line: the answerer in use and the size of the index."""
        counts = self.assistant.outlets()
        articles = sum(counts.values())
        return (
            f'<div class="status-line"><span class="status-answerer">Answerer: '
            f"<b>{render.escape_text(describe_answerer(self.assistant.settings))}</b></span>"
            f'<span class="status-index">{articles} article{"s" if articles != 1 else ""}'
            f" · {len(counts)} outlet{'s' if len(counts) != 1 else ''} indexed</span></div>"
        )

    # ----- writing ------------------------------------------------------------------------

    def add_files(
        self,
        files: list | None,
        request: gr.Request | None = None,
        progress: Any = gr.Progress(),  # noqa: B008 (how Gradio injects a progress tracker)
    ) -> tuple:
        """Copy uploaded files into the upload folder and add them to the index."""
        self.questions.check_limit(request)
        files = [f for f in (files or []) if f]
        if not files:
            raise gr.Error("Choose one or more article files first.", print_exception=False)
        if len(files) > self.max_files:
            raise gr.Error(
                f"{len(files)} files chosen; upload at most {self.max_files} at a time.",
                print_exception=False,
            )
        staged, rejected = [], []
        for file in files:
            source = Path(file if isinstance(file, str) else getattr(file, "name", file))
            original = original_name(file, source)
            try:
                staged.append((original, self.uploads.stage(source, original)))
            except UploadRejected as error:
                rejected.append((original, str(error)))
            finally:
                _drop_cached(source)
        return self._index_staged(staged, rejected, progress)

    def add_text(
        self,
        outlet: str,
        title: str,
        published: str,
        text: str,
        request: gr.Request | None = None,
        progress: Any = gr.Progress(),  # noqa: B008 (how Gradio injects a progress tracker)
    ) -> tuple:
        """Write a pasted article (with front matter) to the upload folder and index it."""
        self.questions.check_limit(request)
        outlet, title = _field(outlet)[:200], _field(title)[:500]
        published, text = _field(published)[:40], _field(text)
        if not text:
            raise gr.Error("Paste the article text first.", print_exception=False)
        if not outlet:
            raise gr.Error("Name the outlet that published the article.", print_exception=False)
        if len(text) > MAX_PASTE_CHARS:
            raise gr.Error(
                f"The text is {len(text):,} characters; the limit is {MAX_PASTE_CHARS:,}.",
                print_exception=False,
            )
        if published and not is_iso_date(published):
            raise gr.Error(
                f"“{render.escape_text(published)}” is not a date; use YYYY-MM-DD.",
                print_exception=False,
            )
        document = front_matter_document(outlet, title, published, text)
        stem = safe_stem(f"pasted-{outlet}-{title}" if title else f"pasted-{outlet}")
        target = self.uploads.write(f"{stem}-{digest(document.encode('utf-8'))}.md", document)
        return self._index_staged([(title or "pasted article", target)], [], progress)

    def remove_articles(
        self, article_ids: list[str] | str | None, request: gr.Request | None = None
    ) -> tuple:
        """Remove the chosen articles (and their uploaded files, if they were uploaded)."""
        self.questions.check_limit(request)
        keys = [article_ids] if isinstance(article_ids, str) else list(article_ids or [])
        keys = [key for key in keys if isinstance(key, str) and key][: self.limits.page_size]
        if not keys:
            raise gr.Error("Choose the articles to remove.", print_exception=False)
        return self._remove(keys)

    def remove_upload(self, upload: str | None, request: gr.Request | None = None) -> tuple:
        """Remove every article of one uploaded file, and the file."""
        self.questions.check_limit(request)
        if not isinstance(upload, str) or not upload or not self.uploads.holds(upload):
            raise gr.Error("Choose an upload to remove.", print_exception=False)
        file = upload.split("#", 1)[0]
        origins = [
            item["origin"]
            for items in self.assistant.sources().values()
            for item in items
            if item["origin"].split("#", 1)[0] == file
        ]
        if not origins:
            raise gr.Error("That upload is no longer in the index.", print_exception=False)
        return self._remove(origins)

    def _remove(self, keys: list[str]) -> tuple:
        try:
            removed = self.assistant.remove_sources(keys)
        except AssistantError as error:
            raise gr.Error(error_text(error), print_exception=False) from error
        if not removed:
            raise gr.Error("Those articles are no longer in the index.", print_exception=False)
        still = {
            item["origin"].split("#", 1)[0]
            for items in self.assistant.sources().values()
            for item in items
        }
        for origin in removed:
            if origin.split("#", 1)[0] not in still:  # a JSON upload's last record went
                self.uploads.forget(origin)
        summary = f"**Removed** {len(removed)} article{'s' if len(removed) != 1 else ''}."
        return (summary, *self._refreshed("", 1))

    def _index_staged(
        self, staged: list[tuple[str, Path]], rejected: list[tuple[str, str]], progress: Any
    ) -> tuple:
        if not staged:
            raise gr.Error(_rejection_text(rejected), print_exception=False)

        def update(done: int, total: int) -> None:
            progress((done, total), desc="Embedding passages", unit="passages")

        progress(0, desc="Reading articles")
        try:
            report = self.assistant.add_sources([path for _, path in staged], progress=update)
        except AssistantError as error:
            self.uploads.discard([path for _, path in staged])
            message = relative_text(error_text(error), self.roots)
            raise gr.Error(message, print_exception=False) from error
        names = {str(path): original for original, path in staged}
        skipped = [(_label(s.path, names), self._relative(s.reason)) for s in report.skipped]
        self.uploads.discard(
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
        rows = [
            {**item, "outlet": outlet}
            for outlet, items in self.assistant.sources().items()
            for item in items
        ]
        notes = [
            *(self._relative(note) for note in report.notes),
            *identity_notes(rows, report.added + report.updated, self.roots),
        ]
        for note in notes:
            log.info("upload: %s", note)
        summary = render.report_markdown(
            self._relative(report.summary()), added, rejected + skipped, notes
        )
        return (summary, *self._refreshed("", 1))

    def _relative(self, text: str) -> str:
        return relative_text(text, self.roots)


def describe_answerer(settings: Any) -> str:
    """The answerer in plain words, e.g. 'extractive (quotes the articles, no LLM)'."""
    llm = (settings.llm or "extractive").strip()
    if llm == "extractive":
        return "extractive (verbatim quotes from the articles, no LLM)"
    fallback = ", falls back to extractive" if settings.llm_fallback else ""
    return f"{llm} (LLM{fallback})"


def _field(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _drop_cached(source: Path) -> None:
    """Delete Gradio's cached copy of an upload once it is staged (or refused)."""
    try:
        if source.is_file():
            source.unlink()
    except OSError:
        log.warning("could not delete the cached upload %s", source.name)


def _label(path: str, names: dict[str, str]) -> str:
    file, _, record = path.partition("#")
    base = names.get(file, Path(file).name)
    return f"{base}#{record}" if record else base


def _has_articles(skipped_path: str, report: Any) -> bool:
    """True when another record of the same file was indexed (JSON(L) with some bad records)."""
    file = skipped_path.split("#")[0]
    indexed = report.added + report.updated + report.unchanged
    return any(origin.split("#")[0] == file for origin in indexed)


def _rejection_text(rejected: list[tuple[str, str]]) -> str:
    lines = "<br>".join(
        f"{render.escape_text(name)}: {render.escape_text(reason)}" for name, reason in rejected
    )
    return f"Nothing was added to the index.<br>{lines}"
