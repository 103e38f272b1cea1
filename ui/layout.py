"""The app's components: the header and one builder per tab, each returning its components
by name. Nothing here handles events; :mod:`ui.app` wires the components to the handlers.

A new tab is one more builder here and one more ``with gr.Tab(...)`` in ``ui.app``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from . import render, web_sources
from .uploads import ALLOWED_SUFFIXES

EXAMPLES = [
    "What would a complete defeat of Putin lead to?",
    "Why is Kherson important?",
    "When could peace talks with Russia begin?",
    "What did TASS say about nuclear weapons?",
]


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


def header() -> gr.HTML:
    """The title row; returns the status line (answerer and index size)."""
    with gr.Row(elem_id="app-header"):
        gr.HTML(
            '<div class="app-title">News Assistant<span class="app-sub">Answers'
            " quote the articles; every claim cites its outlet.</span></div>"
        )
        return gr.HTML(elem_id="status-line")


def ask_tab(choices: list[tuple[str, str]]) -> dict[str, Any]:
    """The Ask tab: chat, question box, filters, coverage, sources panel, answer JSON."""
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


def compare_tab(choices: list[tuple[str, str]]) -> dict[str, Any]:
    """The Compare tab: topic, outlet columns, filters, sources, comparison JSON."""
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


def sources_tab(max_files: int, max_file_bytes: int) -> dict[str, Any]:
    """The Sources tab: the library (searched and paged), removal, uploads and pasting."""
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            with gr.Row(elem_id="library-controls"):
                query = gr.Textbox(
                    placeholder="Search outlet, title, file or id",
                    show_label=False,
                    scale=4,
                    elem_id="library-search",
                )
                page = gr.Number(
                    value=1, minimum=1, precision=0, label="Page", scale=1, elem_id="library-page"
                )
            library = gr.HTML(elem_id="library")
            with gr.Row():
                doomed = gr.Dropdown(
                    label="Remove articles (from this page)",
                    choices=[],
                    multiselect=True,
                    allow_custom_value=True,  # API clients name ids; the handler checks them
                    scale=4,
                    elem_id="remove-choice",
                )
                remove = gr.Button("Remove", variant="stop", scale=1, elem_id="remove")
            with gr.Row():
                upload_choice = gr.Dropdown(
                    label="Remove a whole upload",
                    choices=[],
                    allow_custom_value=True,  # the handler checks the upload is one of ours
                    scale=4,
                    elem_id="remove-upload-choice",
                )
                remove_upload = gr.Button(
                    "Remove upload", variant="stop", scale=1, elem_id="remove-upload"
                )
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
            by_url = web_sources.url_tab()
            report = gr.Markdown(elem_id="index-report")
    return {
        "query": query,
        "page": page,
        "library": library,
        "doomed": doomed,
        "remove": remove,
        "upload_choice": upload_choice,
        "remove_upload": remove_upload,
        "files": files,
        "upload": upload,
        "outlet": outlet,
        "published": published,
        "title": title,
        "text": text,
        "paste": paste,
        "by_url": by_url,
        "report": report,
    }


def login_page(message: str) -> str:
    """The page served at ``/`` before sign-in: a form, and nothing about the app."""
    text = render.escape_text(message)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; display: grid; place-items: center;
       min-height: 90vh; background: #f5f6fb; color: #1e2235; }}
form {{ background: #fff; padding: 28px 32px; border-radius: 12px; min-width: 300px;
       box-shadow: 0 2px 12px rgba(30, 34, 53, .12); display: grid; gap: 12px; }}
input, button {{ font: inherit; padding: 8px 10px; border-radius: 6px;
                border: 1px solid #c6cae0; }}
button {{ background: #4f46e5; color: #fff; border: 0; cursor: pointer; }}
#login-error {{ color: #b42318; min-height: 1.2em; }}
</style></head>
<body><form id="login-form">
<h1 style="margin:0;font-size:1.3rem">{text}</h1>
<label>User name <input name="username" id="login-user" autocomplete="username" required></label>
<label>Password <input name="password" id="login-password" type="password"
  autocomplete="current-password" required></label>
<button type="submit" id="login-submit">Sign in</button>
<div id="login-error" role="alert"></div>
</form>
<script>
document.getElementById("login-form").addEventListener("submit", async (event) => {{
  event.preventDefault();
  const error = document.getElementById("login-error");
  error.textContent = "";
  const response = await fetch("login", {{
    method: "POST", body: new URLSearchParams(new FormData(event.target)),
    credentials: "same-origin",
  }});
  if (response.ok) {{ window.location.reload(); return; }}
  let detail = "Incorrect user name or password.";
  try {{ detail = (await response.json()).detail || detail; }} catch (e) {{}}
  error.textContent = detail;
}});
</script></body></html>"""
