"""The ``assistant`` command line: index, sources, ask, compare, stories, story, remove, serve.

Exit codes: 0 success; 1 finished but some files were skipped; 2 error (one line, no
traceback; ``--debug`` shows it); 130 interrupted.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import AssistantError

if TYPE_CHECKING:
    from .answer_models import Answer
    from .core import Assistant
    from .indexing import Progress
    from .store import IndexReport

EXIT_OK, EXIT_SKIPPED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="assistant",
        description="Ask questions about news articles; every claim cites its outlet.",
    )
    parser.add_argument("--index-dir", type=Path, help="index folder (env ASSISTANT_INDEX_DIR)")
    parser.add_argument("--embedding-model", help="sentence-transformers model name or folder")
    parser.add_argument(
        "--chroma-url", help="use the Chroma server at http://host:port (env ASSISTANT_CHROMA_URL)"
    )
    parser.add_argument("--chroma-token", help="its auth token (env ASSISTANT_CHROMA_TOKEN)")
    parser.add_argument(
        "--ledger-url",
        help="keep the ledger in postgresql://user:pass@host:port/db (env ASSISTANT_LEDGER_URL)",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", help="(re)index sources incrementally")
    index.add_argument(
        "paths", nargs="*", help="files, folders or article URLs (default: sources and feeds)"
    )
    index.add_argument("--rebuild", action="store_true", help="start from scratch")
    index.add_argument("--json", action="store_true", help="print the report as JSON")
    index.add_argument("--watch", action="store_true", help="keep refreshing until SIGINT/SIGTERM")
    index.add_argument("--every", default="15m", help="--watch interval (e.g. 30s, 15m, 1h)")

    sources = sub.add_parser("sources", help="list indexed articles by outlet")
    sources.add_argument("--json", action="store_true")

    remove = sub.add_parser("remove", help="remove articles by article id or origin")
    remove.add_argument("keys", nargs="+")

    ask = sub.add_parser("ask", help="answer a question with citations")
    ask.add_argument("question")
    ask.add_argument("--outlet", action="append", dest="outlets", help="only this outlet")
    ask.add_argument("--since", help="only articles published on or after (YYYY-MM-DD)")
    ask.add_argument("--until", help="only articles published on or before (YYYY-MM-DD)")
    ask.add_argument("--llm", help="answerer: extractive, ollama:M, openai:M, llamacpp:PATH")
    ask.add_argument("-k", type=int, help="passages to retrieve")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")

    compare = sub.add_parser("compare", help="compare how outlets report a topic")
    compare.add_argument("topic")
    compare.add_argument("--outlet", action="append", dest="outlets", help="compare this outlet")
    compare.add_argument("--since", help="only articles published on or after (YYYY-MM-DD)")
    compare.add_argument("--until", help="only articles published on or before (YYYY-MM-DD)")
    compare.add_argument("-k", type=int, help="passages to retrieve per outlet")
    compare.add_argument("--json", action="store_true", help="print the Comparison as JSON")
    compare.add_argument("--llm", help="LLM for the summary on top, as for ask")
    compare.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        help="the LLM's cited summary on top (default: on when an LLM is set)",
    )

    stories = sub.add_parser("stories", help="list stories (one event, several outlets)")
    stories.add_argument("--since", help="stories with an article on or after (YYYY-MM-DD)")
    stories.add_argument("--until", help="stories with an article on or before (YYYY-MM-DD)")
    stories.add_argument("--outlet", action="append", dest="outlets", help="covered by this outlet")
    stories.add_argument("--json", action="store_true", help="print the stories as JSON")

    story = sub.add_parser("story", help="one story: timeline, first reports, comparison")
    story.add_argument("key", metavar="ID|TOPIC", help="a story id (from `stories`) or a topic")
    story.add_argument("--no-compare", action="store_true", help="skip the outlet comparison")
    story.add_argument("--json", action="store_true", help="print the StoryView as JSON")

    serve = sub.add_parser("serve", help="start the browser chat")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", help="user:password, required off localhost (env ASSISTANT_AUTH)")
    serve.add_argument("--llm", help="answerer, as for ask")
    serve.add_argument(
        "--refresh", metavar="INTERVAL", help="refresh the followed feeds every INTERVAL (15m)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``assistant`` console script."""
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except AssistantError as error:
        print(f"error: {error.message}", file=sys.stderr)
        if error.hint:
            print(f"hint: {error.hint}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. `assistant sources | head`: the reader left, not an error
        sys.stderr.close()
        return EXIT_OK
    except Exception as error:  # the last line of defence: one readable line, no traceback
        if args.debug:
            raise
        print(f"error: unexpected {type(error).__name__}: {error}", file=sys.stderr)
        print("hint: run again with --debug for the traceback", file=sys.stderr)
        return EXIT_ERROR


def _run(args: argparse.Namespace) -> int:
    from .core import Assistant
    from .settings import load_settings

    llm = getattr(args, "llm", None)
    settings = load_settings(
        index_dir=args.index_dir,
        embedding_model=args.embedding_model,
        llm=llm,
        chroma_url=args.chroma_url,
        chroma_token=args.chroma_token,
        ledger_url=args.ledger_url,
    )
    assistant = Assistant(settings)
    handler = {
        "index": _index,
        "sources": _sources,
        "remove": _remove,
        "ask": _ask,
        "compare": _compare,
        "stories": _stories,
        "story": _story,
        "serve": _serve,
    }[args.command]
    return handler(assistant, args)


def progress_bar(description: str) -> Progress:
    """A tqdm-backed progress callback ``(done, total)`` writing to stderr."""
    from tqdm import tqdm

    state: dict = {}

    def update(done: int, total: int) -> None:
        bar = state.get("bar")
        if bar is None:
            bar = state["bar"] = tqdm(
                total=total, desc=description, unit="chunk", file=sys.stderr, disable=total == 0
            )
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return update


def _index(assistant: Assistant, args: argparse.Namespace) -> int:
    from .web.commands import run_index

    return run_index(assistant, args, print_report, progress_bar("embedding"))


def print_report(report: IndexReport) -> None:
    """Human-readable summary of an indexing run, with a reason per skipped file."""
    print(report.summary())
    for note in report.notes:
        print(f"  note: {note}")
    for skipped in report.skipped:
        print(f"  skipped {skipped}")


def _sources(assistant: Assistant, args: argparse.Namespace) -> int:
    grouped = assistant.sources()
    if args.json:
        print(json.dumps(grouped, indent=2))
        return EXIT_OK
    if not grouped:
        print("The index is empty. Build it with: assistant index")
        return EXIT_OK
    total = sum(len(items) for items in grouped.values())
    print(f"{total} articles from {len(grouped)} outlets")
    for outlet, items in sorted(grouped.items(), key=lambda kv: (-len(kv[1]), kv[0].lower())):
        print(f"\n{outlet} ({len(items)})")
        for item in items:
            date = (item["published"] or "")[:10] or "undated"
            print(f"  {date}  {item['title'] or '(untitled)'}  [{item['article_id']}]")
    return EXIT_OK


def _remove(assistant: Assistant, args: argparse.Namespace) -> int:
    removed = assistant.remove_sources(args.keys)
    for origin in removed:
        print(f"removed {origin}")
    if not removed:
        print("nothing matched", file=sys.stderr)
        return EXIT_SKIPPED
    return EXIT_OK


def _ask(assistant: Assistant, args: argparse.Namespace) -> int:
    from .core import clean_question

    clean_question(args.question, assistant.settings.max_question_chars)  # fail fast
    assistant.ensure_index(progress=progress_bar("building the index"))
    result = assistant.answer(
        args.question, outlets=args.outlets, since=args.since, until=args.until, k=args.k
    )
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    print(format_answer(result))
    return EXIT_OK


def format_answer(result: Answer) -> str:
    """The answer text, then a numbered list of sources with their quotes."""
    lines = [result.text]
    if result.notice:
        lines.insert(0, f"({result.notice})\n")
    if result.citations:
        lines.append("\nSources:")
        for citation in result.citations:
            date = (citation.published or "")[:10] or "undated"
            lines.append(f"[{citation.number}] {citation.outlet} — {citation.title} ({date})")
            if citation.url:
                lines.append(f"    {citation.url}")
            quote = textwrap.shorten(citation.quote, width=300, placeholder=" …")
            lines.append(textwrap.indent(textwrap.fill(f"“{quote}”", width=96), "    "))
    unsupported = [s.text for s in result.sentences if not s.supported]
    if unsupported:
        lines.append("\nNot supported by the cited passages:")
        lines.extend(f"  - {text}" for text in unsupported)
    return "\n".join(lines)


def _compare(assistant, args) -> int:
    assistant.ensure_index(progress=progress_bar("building the index"))
    result = assistant.compare(
        args.topic,
        outlets=args.outlets,
        since=args.since,
        until=args.until,
        k=args.k,
        summary=args.summary,
    )
    if args.json:
        print(result.model_dump_json(indent=2))
        return EXIT_OK
    print(format_comparison(result))
    return EXIT_OK


def format_comparison(result) -> str:
    """The comparison: shared claims side by side, each outlet's own claims, wording, sources."""
    from .compare_render import attributed, phrased

    lines = [f"Comparison: {result.topic}", f"Outlets: {', '.join(result.outlets) or 'none'}"]
    if result.notice:
        lines.append(f"({result.notice})")
    lines.extend(_summary_lines(result))
    if result.shared:
        lines.append("\nReported by several outlets:")
        for number, row in enumerate(result.shared, start=1):
            lines.append(f"  {number}. (alignment score {row.similarity:.2f})")
            for claim in row.claims:
                lines.append(_wrapped(attributed(claim)))
    for outlet, claims in result.unique.items():
        if claims:
            lines.append(f"\nReported only by {outlet}:")
            lines.extend(_wrapped(f"“{c.quote}” [{c.citation}]", "  - ") for c in claims)
    if result.wording_differences:
        lines.append("\nDifferences in wording:")
        for difference in result.wording_differences:
            sides = [phrased(phrasing) for phrasing in difference.phrasings]
            lines.append(_wrapped("  vs  ".join(sides), "  - "))
    if result.not_covering:
        lines.append(f"\nNo passage on this topic from: {', '.join(result.not_covering)}")
    if result.citations:
        lines.append("\nSources:")
        for citation in result.citations:
            date = (citation.published or "")[:10] or "undated"
            lines.append(
                f"[{citation.number}] {citation.outlet} — {citation.title} ({date}),"
                f" characters {citation.start}-{citation.end}"
            )
    return "\n".join(lines)


def _summary_lines(result) -> list[str]:
    """The LLM's summary (unsupported sentences listed after it), or why there is none."""
    if result.summary_notice:
        return [f"\n(No summary: {result.summary_notice})"]
    if result.summary is None:
        return []
    lines = [f"\nSummary by {result.summary.answerer} (cites the sources below):"]
    lines.append(_wrapped(result.summary.text, "  "))
    unsupported = [s.text for s in result.summary.sentences if not s.supported]
    if unsupported:
        lines.append("  Not supported by the quoted claims:")
        lines.extend(_wrapped(text, "    - ") for text in unsupported)
    return lines


def _wrapped(text: str, first: str = "     ") -> str:
    return textwrap.fill(text, width=96, initial_indent=first, subsequent_indent=" " * len(first))


def _stories(assistant: Assistant, args: argparse.Namespace) -> int:
    from .stories.text import format_stories

    assistant.ensure_index(progress=progress_bar("building the index"))
    found = assistant.stories(since=args.since, until=args.until, outlets=args.outlets)
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in found], indent=2, ensure_ascii=False))
        return EXIT_OK
    print(format_stories(found))
    return EXIT_OK


def _story(assistant: Assistant, args: argparse.Namespace) -> int:
    from .stories.text import format_story

    assistant.ensure_index(progress=progress_bar("building the index"))
    view = assistant.story(args.key, compare=not args.no_compare)
    if args.json:
        print(view.model_dump_json(indent=2))
        return EXIT_OK
    print(format_story(view))
    return EXIT_OK


def _serve(assistant: Assistant, args: argparse.Namespace) -> int:
    import os

    from ui.app import serve

    auth = args.auth or os.environ.get("ASSISTANT_AUTH")
    refresher = None
    if args.refresh:
        from .web.commands import start_serve_refresh, stop_on_sigterm

        stop_on_sigterm()
        assistant.ensure_index(progress=progress_bar("building the index from the seeds"))
        refresher = start_serve_refresh(assistant, args.refresh)
    try:
        return serve(
            assistant,
            host=args.host,
            port=args.port,
            auth=auth,
            progress=progress_bar("building the index from the seeds"),
        )
    finally:
        if refresher is not None:
            refresher[1].set()  # the refresh ends after its current article
            refresher[0].join(timeout=120)


if __name__ == "__main__":
    sys.exit(main())
