"""The CLI's web parts: ``index`` with URLs and feeds, ``--watch``, ``serve --refresh``."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import AssistantError
from ..indexing import Progress
from ..store import IndexReport
from .refresh import WebReport
from .service import StopSignals, refresh_web, split_sources, start_background_refresh, web_sources
from .sources_file import parse_interval

if TYPE_CHECKING:
    from ..core import Assistant

PrintReport = Callable[[IndexReport], None]


def index_once(
    assistant: Assistant,
    args: argparse.Namespace,
    rebuild: bool,
    stop: threading.Event | None,
    progress: Progress | None,
) -> tuple[IndexReport | None, WebReport | None]:
    """One ``assistant index`` run: ``(IndexReport or None, WebReport or None)``."""
    urls, paths = split_sources(args.paths or [])
    follow = not args.paths and not web_sources(assistant.settings).empty  # fails fast
    report: IndexReport | None = None
    if paths or not urls:
        report = assistant.index(paths or None, rebuild=rebuild, progress=progress)
    web: WebReport | None = None
    if urls:
        web = refresh_web(assistant, urls=urls, feeds=False, stop=stop)
    elif follow:
        web = refresh_web(assistant, stop=stop)
    return report, web


def print_round(
    report: IndexReport | None, web: WebReport | None, as_json: bool, print_report: PrintReport
) -> None:
    """Print one run's reports, as text or one JSON object."""
    if as_json:
        data = report.to_dict() if report is not None else {}
        if web is not None:
            data["web"] = web.to_dict()
        print(json.dumps(data, indent=None if web is not None else 2), flush=True)
        return
    if report is not None:
        print_report(report)
    if web is not None:
        print("\n".join(web.lines()))
    sys.stdout.flush()


def run_index(
    assistant: Assistant,
    args: argparse.Namespace,
    print_report: PrintReport,
    progress: Progress | None,
) -> int:
    """``assistant index [PATHS|URLS] [--watch [--every 15m]]``; the exit code."""
    if not getattr(args, "watch", False):
        report, web = index_once(assistant, args, args.rebuild, None, progress)
        print_round(report, web, args.json, print_report)
        return 0 if _ok(report, web) else 1
    interval = parse_interval(args.every)
    stop = threading.Event()
    with StopSignals(stop):
        rounds = 0
        while not stop.is_set():
            try:
                report, web = index_once(assistant, args, args.rebuild and not rounds, stop, None)
                print_round(report, web, args.json, print_report)
            except AssistantError as error:
                if not rounds:
                    raise
                print(f"error: {error.message} (trying again in {args.every})", file=sys.stderr)
            rounds += 1
            stop.wait(interval)
    print(f"stopped after {rounds} refresh{'es' if rounds != 1 else ''}", file=sys.stderr)
    return 0


def _ok(report: IndexReport | None, web: WebReport | None) -> bool:
    return (report is None or report.ok) and (web is None or not web.failed)


def start_serve_refresh(
    assistant: Assistant, interval: str
) -> tuple[threading.Thread, threading.Event]:
    """``serve --refresh``: refresh the web sources in the background every ``interval``."""
    seconds = parse_interval(interval)
    stop = threading.Event()
    web_sources(assistant.settings)  # a malformed sources file fails before serving

    def announce(web: WebReport) -> None:
        print(f"refresh: {web.summary()}", file=sys.stderr, flush=True)
        for url, reason in web.failed:
            print(f"  failed {url}: {reason}", file=sys.stderr, flush=True)

    return start_background_refresh(assistant, seconds, stop, announce), stop


def stop_on_sigterm() -> None:
    """Make SIGTERM end ``serve`` like Ctrl-C (Gradio closes; the refresher is stopped)."""
    import signal

    def interrupt(number: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
