"""Profile: where the time of warm extractive ``answer`` calls goes (pyinstrument).

    .venv/bin/python benchmarks/profile_answer.py [--index-dir benchmarks/results/index-onnx-int8]
        [--questions 100] [--top 25] [--html FILE]

Opens the index, answers two questions to warm everything up (model, Chroma, BM25), then
profiles ``Assistant.answer`` on ``--questions`` evenly spaced dev questions (null ones
included) with pyinstrument's sampling profiler (1 ms interval). Prints the functions with the
most cumulative time (time with the function on the stack, each counted once per stack even
when it recurses), as a share of the profiled wall time, and their own (self) time; the full
call tree goes to ``--html``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, built_with, machine, open_assistant  # noqa: E402
from serving import question_sample  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


def cumulative(root) -> dict[tuple, list[float]]:
    """``{(function, file, line): [cumulative s, self s]}`` over a pyinstrument frame tree."""
    totals: dict[tuple, list[float]] = {}

    def walk(frame, on_stack: frozenset) -> None:
        key = (frame.function, frame.file_path_short, frame.line_no)
        entry = totals.setdefault(key, [0.0, 0.0])
        if key not in on_stack:
            entry[0] += frame.time
        entry[1] += frame.total_self_time
        for child in frame.children:
            walk(child, on_stack | {key})

    walk(root, frozenset())
    return totals


def profile(index_dir: Path, n_questions: int):
    """Warm up, then profile the answers; the pyinstrument session."""
    from pyinstrument import Profiler

    backend = (built_with(index_dir) or "onnx-int8").split(":", 1)[0]
    assistant = open_assistant(index_dir, backend)
    questions = question_sample(n_questions)
    for question in questions[:2]:
        assistant.answer(question)
    profiler = Profiler(interval=0.001)
    profiler.start()
    for question in questions:
        assistant.answer(question)
    profiler.stop()
    return profiler


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=RESULTS / "index-onnx-int8")
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--html", type=Path, default=RESULTS / "profile_answer.html")
    args = parser.parse_args(argv)
    load_before = machine()["load_avg_1m"]
    profiler = profile(args.index_dir, args.questions)
    session = profiler.last_session
    root = session.root_frame()
    wall = session.duration
    rows = sorted(cumulative(root).items(), key=lambda item: -item[1][0])[: args.top]
    info = machine()
    print(
        f"{args.questions} warm answers, {wall:.2f} s profiled ({1000 * wall / args.questions:.1f}"
        f" ms per answer); commit {info['git_commit']}; load avg (1 min) {load_before} -> "
        f"{info['load_avg_1m']}\n"
    )
    print("| function | where | cumulative | self |")
    print("|---|---|---|---|")
    for (function, where, line), (total, own) in rows:
        print(
            f"| `{function}` | {where}:{line} | {100 * total / wall:.1f}% | "
            f"{100 * own / wall:.1f}% |"
        )
    args.html.parent.mkdir(parents=True, exist_ok=True)
    args.html.write_text(profiler.output_html(), encoding="utf-8")
    print(f"\nfull call tree: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
