"""Load test of the browser chat: concurrent gradio_client sessions against one running app.

    .venv/bin/python benchmarks/ui_load.py [--sessions 16] [--questions 5] [--concurrency 4]

Builds a seed index in a temporary folder (real model, real Chroma), serves the app on a free
loopback port, and lets every session ask the seed questions one after another through the
app's ``/ask`` endpoint. Reports errors (target 0), answers citing exactly the expected
outlets (target all), and p50/p95 time to the full answer, as a Markdown table.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BOTH = frozenset({"TASS", "fakty.com.ua"})
QUESTIONS: list[tuple[str, frozenset[str]]] = [
    ("What would a complete defeat of Putin lead to?", BOTH),
    ("Why is Kherson important?", BOTH),
    ("When could peace talks with Russia begin?", BOTH),
    ("What threats do NATO and the US worry about?", BOTH),
    ("What did TASS say about nuclear weapons?", frozenset({"TASS"})),
]


@dataclass
class Results:
    """What the sessions saw, collected across threads."""

    seconds: list[float] = field(default_factory=list)
    correct: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, seconds: float, outlets_ok: bool) -> None:
        """One full answer and whether it cited exactly the expected outlets."""
        with self.lock:
            self.seconds.append(seconds)
            self.correct += outlets_ok

    def fail(self, message: str) -> None:
        """One request that raised or returned an error."""
        with self.lock:
            self.errors.append(message)


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_app(index_dir: Path, concurrency: int):
    """Build the seed index (if needed) and launch the app; returns the running demo."""
    from assistant.core import Assistant
    from assistant.settings import load_settings
    from ui.app import build_demo

    assistant = Assistant(load_settings(index_dir=index_dir, sources=[ROOT / "seeds"]))
    assistant.ensure_index()
    assistant.answer(QUESTIONS[0][0])  # warm up: model, Chroma and BM25 loaded once
    # Every session comes from 127.0.0.1, so they would share one client's request allowance;
    # the per-client rate limit is off here (the load is 16 users, not one).
    demo = build_demo(
        assistant, upload_dir=index_dir.parent / "uploads", concurrency=concurrency, rate_limit=0
    )
    demo.launch(prevent_thread_lock=True, server_port=free_port(), quiet=True)
    return demo


def session(url: str, questions: int, results: Results, start: threading.Barrier) -> None:
    """One user: a client of its own asking the seed questions in turn."""
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as error:  # a benchmark reports failures instead of stopping
        results.fail(f"connect: {type(error).__name__}: {error}")
        start.wait()  # the others wait for every session, connected or not
        return
    start.wait()
    for number in range(questions):
        question, expected = QUESTIONS[number % len(QUESTIONS)]
        began = time.perf_counter()
        try:
            *_, answer = client.predict(question, [], [], "", "", api_name="/ask")
        except Exception as error:
            results.fail(f"{question}: {type(error).__name__}: {error}")
            continue
        elapsed = time.perf_counter() - began
        if not isinstance(answer, dict) or "error" in answer:
            results.fail(f"{question}: {answer}")
            continue
        cited = {citation["outlet"] for citation in answer.get("citations", [])}
        results.record(elapsed, cited == expected)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile of ``values`` (share in 0..1)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def table(results: Results, sessions: int, questions: int, concurrency: int, wall: float) -> str:
    """The Markdown report."""
    times = results.seconds or [float("nan")]
    asked = sessions * questions
    rows = [
        ("sessions × questions", f"{sessions} × {questions} = {asked}"),
        ("answer concurrency (queue)", str(concurrency)),
        ("errors", str(len(results.errors))),
        ("answers citing the expected outlets", f"{results.correct} / {asked}"),
        ("p50 time to full answer", f"{statistics.median(times):.2f} s"),
        ("p95 time to full answer", f"{percentile(times, 0.95):.2f} s"),
        ("max time to full answer", f"{max(times):.2f} s"),
        ("wall time", f"{wall:.1f} s"),
        ("throughput", f"{len(results.seconds) / wall:.2f} answers/s"),
        (
            "machine",
            f"{os.cpu_count()} CPUs, {platform.python_implementation()} "
            f"{platform.python_version()}",
        ),
    ]
    lines = ["| measure | value |", "|---|---|"]
    lines.extend(f"| {name} | {value} |" for name, value in rows)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the load test and print the table; exit 1 if any request failed or was wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=4, help="answers run at once")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="ui-load-") as folder:
        print("building the seed index and starting the app…", file=sys.stderr)
        demo = start_app(Path(folder) / "index", args.concurrency)
        try:
            results = Results()
            start = threading.Barrier(args.sessions)
            threads = [
                threading.Thread(
                    target=session, args=(demo.local_url, args.questions, results, start)
                )
                for _ in range(args.sessions)
            ]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
        finally:
            demo.close()
    print(table(results, args.sessions, args.questions, args.concurrency, wall))
    for error in results.errors[:10]:
        print(f"error: {error}", file=sys.stderr)
    asked = args.sessions * args.questions
    return 0 if not results.errors and results.correct == asked else 1


if __name__ == "__main__":
    sys.exit(main())
