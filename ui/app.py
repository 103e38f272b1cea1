"""The browser chat: a thin Gradio adapter over :class:`assistant.core.Assistant`.

``build_demo(assistant)`` returns the app; ``serve(assistant, host=, port=, auth=)`` runs it.
This module only wires: the components come from :mod:`ui.layout` (one builder per tab), the
handlers from :mod:`ui.chat` (questions, comparisons) and :mod:`ui.library` (the index), and
:mod:`ui.access` guards the server (sign-in, login throttling, upload route limits).

API endpoints (for ``gradio_client``): ``/ask`` (question, history, outlets, since, until),
``/compare`` (topic, outlets, since, until -> comparison HTML, sources HTML, Comparison JSON),
``/add_files`` (files), ``/add_text`` (outlet, title, date, text), ``/remove_articles``
(article ids), ``/remove_upload`` (upload file), ``/library`` (query, page), ``/refresh``.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
from starlette.middleware import Middleware

from assistant.core import Assistant
from assistant.errors import ConfigError

from . import layout, stories_tab, web_sources
from .access import (
    AccessGuard,
    LoginThrottle,
    UploadLimits,
    check_bind,
    forwarded_allow_ips,
    is_loopback,
    parse_auth,
)
from .chat import QuestionHandlers, conversation, example_text, new_chat
from .library import IndexHandlers, LibraryLimits
from .limits import RateLimiter
from .uploads import UploadFolder, safe_stem

__all__ = [
    "NewsApp",
    "build_demo",
    "check_bind",
    "conversation",
    "is_loopback",
    "parse_auth",
    "safe_stem",
    "serve",
]

STYLE = Path(__file__).with_name("style.css")
MAX_UPLOAD_BYTES = 5_000_000  # launch()'s default; build_demo takes the settings' value
ANSWER_CONCURRENCY = 4
AUTH_MESSAGE = "Sign in to the News Assistant."


@dataclass
class Handlers:
    """The app's event handlers, by concern."""

    questions: QuestionHandlers
    index: IndexHandlers


class NewsApp(gr.Blocks):
    """The app's Blocks; ``launch`` defaults to the app's theme, CSS, upload limit and the
    access guard (sign-in page, login throttling, upload route limits)."""

    max_upload_bytes: int = MAX_UPLOAD_BYTES
    handlers: Handlers
    guard_options: dict[str, Any]
    trusted_proxies: list[str]

    def launch(self, *args: Any, **kwargs: Any) -> Any:
        """Launch like ``gr.Blocks.launch``, with the app's look, limits and guard."""
        kwargs.setdefault("theme", layout.theme())
        kwargs.setdefault("css_paths", [STYLE])
        kwargs.setdefault("max_file_size", self.max_upload_bytes)
        kwargs.setdefault("footer_links", ["api"])
        kwargs.setdefault("quiet", True)
        kwargs.setdefault("auth_message", AUTH_MESSAGE)
        app_kwargs = dict(kwargs.pop("app_kwargs", None) or {})
        middleware = list(app_kwargs.get("middleware", []))
        signed_in = _signed_in if kwargs.get("auth") else None
        message = kwargs["auth_message"]
        middleware.append(
            Middleware(
                AccessGuard,
                signed_in=signed_in,
                login_page=lambda: layout.login_page(message),
                **self.guard_options,
            )
        )
        app_kwargs["middleware"] = middleware
        # uvicorn reads this when the server starts: X-Forwarded-For is believed only from
        # the proxies the settings name (its default believes anyone on loopback).
        os.environ["FORWARDED_ALLOW_IPS"] = forwarded_allow_ips(self.trusted_proxies)
        return super().launch(*args, app_kwargs=app_kwargs, **kwargs)


def _signed_in(scope: dict) -> bool:
    """True when the request carries a session cookie of a signed-in user."""
    app = scope.get("app")
    tokens = getattr(app, "tokens", None) or {}
    cookie_id = getattr(app, "cookie_id", "")
    cookies: dict[str, str] = {}
    for name, value in scope.get("headers", []):
        if name == b"cookie":
            for pair in value.decode("latin1").split(";"):
                key, _, val = pair.strip().partition("=")
                cookies[key] = val
    token = cookies.get(f"access-token-{cookie_id}") or cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return bool(token) and token in tokens


# ----- building ---------------------------------------------------------------------------------


def build_demo(
    assistant: Assistant,
    *,
    upload_dir: Path | None = None,
    max_files: int | None = None,
    max_file_bytes: int | None = None,
    rate_limit: int | None = None,
    concurrency: int = ANSWER_CONCURRENCY,
) -> NewsApp:
    """The Gradio app over ``assistant`` (reads the index's outlets; loads no LLM).

    Limits default to the settings: ``max_upload_files``, ``max_upload_bytes`` (never above
    ``max_file_bytes``), ``rate_limit`` (requests a minute per client) and the hostile-user
    limits (history, records per upload, upload bytes per client, library page size).
    """
    settings = assistant.settings
    upload_dir = Path(upload_dir or settings.upload_dir or Path(settings.index_dir) / "uploads")
    max_files = max_files or settings.max_upload_files
    max_file_bytes = min(max_file_bytes or settings.max_upload_bytes, settings.max_file_bytes)
    per_minute = settings.rate_limit if rate_limit is None else rate_limit
    questions = QuestionHandlers(
        assistant,
        RateLimiter(per_minute),
        settings.max_history_messages,
        settings.max_history_chars,
    )
    index = IndexHandlers(
        assistant,
        questions,
        UploadFolder(upload_dir, max_file_bytes, settings.max_upload_records),
        max_files,
        LibraryLimits(settings.library_page_size, settings.max_outlet_choices),
    )
    age = settings.upload_cache_max_age_s
    with NewsApp(title="News Assistant", analytics_enabled=False, delete_cache=(age, age)) as demo:
        demo.max_upload_bytes = max_file_bytes
        demo.handlers = Handlers(questions, index)
        demo.trusted_proxies = list(settings.trusted_proxies)
        demo.guard_options = {
            "uploads": UploadLimits(max_files, max_file_bytes, settings.upload_bytes_per_hour),
            "upload_rate": RateLimiter(per_minute),
            "throttle": LoginThrottle(settings.login_free_attempts, settings.login_backoff_s),
        }
        answers = gr.State([])
        status = layout.header()
        choices = index.outlet_choices()
        with gr.Tabs():
            with gr.Tab("Ask", id="ask") as ask_tab:
                ask = layout.ask_tab(choices)
            with gr.Tab("Compare outlets", id="compare") as compare_tab:
                compare = layout.compare_tab(choices)
            with gr.Tab("Stories", id="stories") as stories_page:
                stories = stories_tab.build()
            with gr.Tab("Sources", id="sources") as sources_tab:
                manage = layout.sources_tab(max_files, max_file_bytes)
        index.filters = [ask["outlets"], compare["outlets"]]
        _wire_ask(questions, ask, answers, concurrency)
        _wire_compare(questions, compare, concurrency)
        _wire_sources(demo, index, ask, manage, status)
        stories_tab.wire(demo, assistant, stories, stories_page, concurrency)
        refreshed = _refreshed(ask, manage, status)
        for tab in (ask_tab, sources_tab):  # another user may have changed the index
            tab.select(index.refresh, None, refreshed, api_visibility="private")
        compare_tab.select(
            lambda: gr.update(choices=index.outlet_choices()),
            None,
            compare["outlets"],
            api_visibility="private",
        )
    return demo


def _wire_ask(questions: QuestionHandlers, ask: dict, answers: gr.State, concurrency: int) -> None:
    inputs = [ask["box"], ask["chat"], ask["outlets"], ask["since"], ask["until"], answers]
    outputs = [ask["box"], ask["chat"], ask["coverage"], ask["sources"], answers, ask["raw"]]
    options = {"concurrency_limit": concurrency, "concurrency_id": "answer"}
    ask["send"].click(questions.respond, inputs, outputs, api_name="ask", **options)
    ask["box"].submit(questions.respond, inputs, outputs, api_visibility="private", **options)
    ask["chat"].example_select(example_text, None, ask["box"], api_visibility="private").then(
        questions.respond, inputs, outputs, api_visibility="private", **options
    )
    ask["chat"].select(
        questions.show_turn, [answers], [ask["coverage"], ask["sources"]], api_visibility="private"
    )
    chat_state = [ask["chat"], answers, ask["coverage"], ask["sources"], ask["raw"]]
    ask["clear"].click(new_chat, None, chat_state, api_visibility="private")
    ask["chat"].clear(new_chat, None, chat_state, api_visibility="private")


def _wire_compare(questions: QuestionHandlers, compare: dict, concurrency: int) -> None:
    inputs = [compare["topic"], compare["outlets"], compare["since"], compare["until"]]
    outputs = [compare["table"], compare["sources"], compare["raw"]]
    options = {"concurrency_limit": concurrency, "concurrency_id": "answer"}
    compare["run"].click(questions.compare, inputs, outputs, api_name="compare", **options)
    compare["topic"].submit(questions.compare, inputs, outputs, api_visibility="private", **options)


def _wire_sources(
    demo: NewsApp, index: IndexHandlers, ask: dict, manage: dict, status: gr.HTML
) -> None:
    refreshed = _refreshed(ask, manage, status)
    demo.load(index.refresh, None, refreshed, api_name="refresh")
    search = [manage["query"], manage["page"]]
    manage["query"].submit(index.search, search, refreshed, api_name="library")
    manage["page"].submit(index.search, search, refreshed, api_visibility="private")
    writes = {"concurrency_limit": 1, "concurrency_id": "write"}
    report = [manage["report"], *refreshed]
    manage["upload"].click(
        index.add_files, [manage["files"]], report, api_name="add_files", **writes
    ).success(lambda: None, None, manage["files"], api_visibility="private")
    paste_inputs = [manage["outlet"], manage["title"], manage["published"], manage["text"]]
    manage["paste"].click(index.add_text, paste_inputs, report, api_name="add_text", **writes)
    manage["remove"].click(
        index.remove_articles, [manage["doomed"]], report, api_name="remove_articles", **writes
    )
    manage["remove_upload"].click(
        index.remove_upload, [manage["upload_choice"]], report, api_name="remove_upload", **writes
    )
    web_sources.wire(index, manage["by_url"], report, writes)


def _refreshed(ask: dict, manage: dict, status: gr.HTML) -> list:
    """The components :meth:`IndexHandlers.refresh` fills, in its order."""
    return [
        ask["outlets"],
        manage["library"],
        manage["doomed"],
        manage["upload_choice"],
        manage["page"],
        status,
    ]


# ----- serving ----------------------------------------------------------------------------------


def serve(
    assistant: Assistant,
    host: str = "127.0.0.1",
    port: int = 7860,
    auth: str | None = None,
    progress: Any = None,
) -> int:
    """Build the index if there is none, then serve the app until interrupted; exit code 0."""
    credentials = check_bind(host, auth)
    report = assistant.ensure_index(progress=progress)
    if report is not None:
        print(f"index built: {report.summary()}", file=sys.stderr, flush=True)
    demo = build_demo(assistant)
    try:
        demo.launch(server_name=host, server_port=port, auth=credentials, quiet=False)
    except OSError as error:
        raise ConfigError(
            f"cannot serve on {host}:{port} ({error})",
            hint="choose another --port or stop the other server",
        ) from error
    return 0


def __getattr__(name: str) -> Any:
    # `gradio ui/app.py` (reload mode) looks up a module-level `demo`; build it on demand only.
    if name == "demo":
        from assistant.core import default_assistant

        built = build_demo(default_assistant())
        globals()["demo"] = built
        return built
    raise AttributeError(name)
