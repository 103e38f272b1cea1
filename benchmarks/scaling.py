"""Benchmark: how build time, index size and query latency grow with the corpus (1x, 4x, 16x).

    .venv/bin/python benchmarks/scaling.py [--base-articles N] [--factors 1 4 16]
        [--questions N] [--grow] [--json] [--out FILE] [--plot docs/scaling.png]
    .venv/bin/python benchmarks/scaling.py --plot-only benchmarks/results/scaling.json

The base corpus is the first ``--base-articles`` articles of MultiHop-RAG's ``corpus.json``
(default: all 609). A corpus of factor F is F replicas of the base: replica 0 is the base
itself, replica r (r >= 1) has distinct urls (``#r<r>``), outlets renamed ("TechCrunch" ->
"TechCrunch (r3)") and one closing line ("Copy r3 of this article.") so its cleaned text, and
hence its content hash, differs (the index skips exact duplicates). Each replica is one JSON
file, so a bigger corpus is a superset of a smaller one.

For each factor, with the ONNX int8 embedder (loaded before the clock starts):

- build a fresh index from scratch (``Assistant.index``): wall and process CPU seconds,
  articles, chunks, index size on disk (the exported model excluded);
- on a fixed, evenly spaced sample of ``--questions`` dev questions (null ones included),
  warm process: ``retrieve(q, k=10)``, extractive ``answer(q)`` and the raw floor (one query
  embedding plus one Chroma query of 10), p50 / p95 / mean.

``--grow`` also times the product path for the biggest factor: the previous factor's index
grown by ``add_sources`` with the missing replicas (reported apart, labelled "grown").
The figures go to ``--out`` (JSON) and the three curves to ``--plot``; ``--reference`` adds the
full-corpus point of an ``index_build.py --json`` result to the plot.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    QUERIES,
    ROOT,
    Timer,
    corpus_records,
    latency_ms,
    machine,
    open_assistant,
    print_json_or_table,
    warm_up,
)
from index_build import folder_bytes  # noqa: E402
from retrieval import raw_floor  # noqa: E402

BACKEND = "onnx-int8"
RESULTS = ROOT / "benchmarks" / "results"
DEFAULT_REFERENCE = RESULTS / "index_build_onnx-int8-b.json"


# ----- corpus --------------------------------------------------------------------------------


def replica(records: list[dict], number: int) -> list[dict]:
    """Replica ``number`` of ``records``: 0 is the base itself; others get distinct urls, a
    renamed outlet and a closing line (so no article is a duplicate of another)."""
    if number == 0:
        return records
    tag = f"r{number}"
    return [
        {
            **record,
            "source": f"{record['source']} ({tag})",
            "url": f"{record.get('url') or 'article'}#{tag}",
            "body": f"{record['body']}\n\nCopy {tag} of this article.",
        }
        for record in records
    ]


def write_replicas(folder: Path, records: list[dict], count: int) -> list[Path]:
    """One JSON file per replica, ``replica-00.json`` (the base) to ``count - 1``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number in range(count):
        path = folder / f"replica-{number:02d}.json"
        path.write_text(json.dumps(replica(records, number)), encoding="utf-8")
        files.append(path)
    return files


def question_sample(size: int) -> list[str]:
    """``size`` evenly spaced dev questions (null ones included), the same at every factor."""
    questions = json.loads(QUERIES.read_text(encoding="utf-8"))
    size = min(size, len(questions))
    step = len(questions) / size
    return [questions[int(i * step)]["query"] for i in range(size)]


def uncommitted() -> list[str]:
    """Source files with uncommitted changes (the checkout is shared): what the commit lacks."""
    import subprocess

    found = subprocess.run(
        ["git", "status", "--porcelain", "--", "assistant", "ui", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line[3:] for line in found.stdout.splitlines() if line.strip()]


# ----- measuring -----------------------------------------------------------------------------


def build(index_dir: Path, files: list[Path]) -> tuple[object, dict]:
    """A fresh index of ``files``; the Assistant on it and the build figures."""
    assistant = open_assistant(index_dir, BACKEND, files)
    load_seconds = warm_up(assistant)
    load_before = machine()["load_avg_1m"]
    with Timer() as timer:
        report = assistant.index(files)
    return assistant, {
        "articles": len(report.added),
        "skipped": len(report.skipped),
        "chunks": report.chunks_embedded,
        "build_seconds": round(timer.seconds, 2),
        "build_cpu_seconds": round(timer.cpu_seconds, 2),
        "chunks_per_s": round(report.chunks_embedded / timer.seconds, 2),
        "cpu_ms_per_chunk": round(1000 * timer.cpu_seconds / max(report.chunks_embedded, 1), 2),
        "embedder_load_seconds": round(load_seconds, 2),
        "load_avg_1m_before": load_before,
        "load_avg_1m_after": machine()["load_avg_1m"],
        "index_bytes": folder_bytes(index_dir),
    }


def grow(assistant, index_dir: Path, new_files: list[Path]) -> dict:
    """Add ``new_files`` to a built index (the product's incremental path); its figures."""
    load_before = machine()["load_avg_1m"]
    with Timer() as timer:
        report = assistant.add_sources(new_files)
    return {
        "articles_added": len(report.added),
        "chunks_embedded": report.chunks_embedded,
        "build_seconds": round(timer.seconds, 2),
        "build_cpu_seconds": round(timer.cpu_seconds, 2),
        "chunks_per_s": round(report.chunks_embedded / timer.seconds, 2),
        "load_avg_1m_before": load_before,
        "load_avg_1m_after": machine()["load_avg_1m"],
        "index_bytes": folder_bytes(index_dir),
    }


OPERATIONS = ("retrieve_k10", "answer_extractive", "raw_floor_embed_plus_chroma")


def timed_query(assistant, question: str) -> dict:
    """Wall and CPU seconds of retrieve, answer and the raw floor for one question."""
    spent = {}
    steps = {
        "retrieve_k10": lambda: assistant.retrieve(question, k=10),
        "answer_extractive": lambda: assistant.answer(question),
        "raw_floor_embed_plus_chroma": lambda: raw_floor(assistant, question),
    }
    for name, step in steps.items():
        with Timer() as timer:
            step()
        spent[name] = (timer.seconds, timer.cpu_seconds)
    return spent


def latencies(assistants: dict, questions: list[str]) -> dict:
    """Warm ``retrieve`` / extractive ``answer`` / raw floor on every index, interleaved
    question by question (so load changes on the shared machine hit every size alike)."""
    for assistant in assistants.values():
        assistant.retrieve("warm up the lexical index", k=10)
        assistant.answer("warm up the answer chain")
    spent = {key: {name: [] for name in OPERATIONS} for key in assistants}
    load_before = machine()["load_avg_1m"]
    for question in questions:
        for key, assistant in assistants.items():
            for name, pair in timed_query(assistant, question).items():
                spent[key][name].append(pair)
    load_after = machine()["load_avg_1m"]
    found = {}
    for key, by_name in spent.items():
        found[key] = {"load_avg_1m_before": load_before, "load_avg_1m_after": load_after}
        for name, pairs in by_name.items():
            found[key][name] = latency_ms([wall for wall, _ in pairs])
            found[key][name]["cpu_ms_mean"] = round(
                1000 * sum(cpu for _, cpu in pairs) / len(pairs), 1
            )
    return found


def run(
    base_articles: int | None,
    factors: list[int],
    n_questions: int,
    do_grow: bool,
    keep: Path | None = None,
) -> dict:
    """The whole benchmark; returns the figures. Builds first, then queries all sizes."""
    records = corpus_records(base_articles)
    work = Path(tempfile.mkdtemp(prefix="scaling-"))
    indexes = keep or work
    questions = question_sample(n_questions)
    result = {
        "backend": BACKEND,
        "base_articles": len(records),
        "factors": factors,
        "questions": len(questions),
        "sizes": [],
        "machine_start": machine(),
        "uncommitted_at_start": uncommitted(),
    }
    try:
        files = write_replicas(work / "corpus", records, max(factors))
        for factor in factors:
            print(f"  factor {factor}: building", file=sys.stderr, flush=True)
            assistant, figures = build(indexes / f"index-{factor}x", files[:factor])
            figures.update(factor=factor, outlets=len(assistant.outlets()))
            done = f"{figures['chunks']} chunks in {figures['build_seconds']} s"
            print(f"  factor {factor}: {done}", file=sys.stderr, flush=True)
            result["sizes"].append(figures)
            del assistant
            gc.collect()
        assistants = {
            f"{f}x": open_assistant(indexes / f"index-{f}x", BACKEND, files[:f]) for f in factors
        }
        if do_grow and len(factors) > 1:
            grown_dir = indexes / f"index-{factors[-2]}x-grown"
            shutil.copytree(indexes / f"index-{factors[-2]}x", grown_dir)
            result["grown"] = grow_from((factors[-2], grown_dir), files[: factors[-1]])
            assistants["grown"] = open_assistant(grown_dir, BACKEND, files[: factors[-1]])
        print(f"  querying {list(assistants)} interleaved", file=sys.stderr, flush=True)
        timings = latencies(assistants, questions)
        for figures in result["sizes"]:
            figures["latency"] = timings[f"{figures['factor']}x"]
        if "grown" in result:
            result["grown"]["latency"] = timings["grown"]
        result["machine_end"] = machine()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def grow_from(previous: tuple[int, Path], files: list[Path]) -> dict:
    """Grow the previous factor's index (a copy) to ``len(files)`` replicas; time it."""
    factor, index_dir = previous
    print(f"  growing the {factor}x index to {len(files)}x", file=sys.stderr, flush=True)
    assistant = open_assistant(index_dir, BACKEND, files)
    warm_up(assistant)
    figures = grow(assistant, index_dir, files[factor:])
    figures.update(from_factor=factor, to_factor=len(files))
    return figures


# ----- output ----------------------------------------------------------------------------------


def table(result: dict) -> list[str]:
    """The figures as Markdown."""
    lines = [
        f"base {result['base_articles']} articles, backend {result['backend']}, "
        f"{result['questions']} dev questions; commit {result['machine_start']['git_commit']}",
        "",
        "| corpus | articles | outlets | chunks | build wall s | build CPU s | chunks/s | "
        "index MB | retrieve p50 / p95 (CPU mean) ms | answer p50 / p95 (CPU) ms | "
        "floor p50 / p95 (CPU) ms | "
        "load 1m (build; queries) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    rows = [(f"{s['factor']}x", s) for s in result["sizes"]]
    if "grown" in result:
        grown = result["grown"]
        rows.append((f"{grown['from_factor']}x grown to {grown['to_factor']}x", grown))
    for name, s in rows:
        lat = s["latency"]
        r, a, f = (
            lat[k] for k in ("retrieve_k10", "answer_extractive", "raw_floor_embed_plus_chroma")
        )
        lines.append(
            f"| {name} | {s.get('articles', s.get('articles_added'))} | {s.get('outlets', '')} | "
            f"{s.get('chunks', s.get('chunks_embedded'))} | {s['build_seconds']} | "
            f"{s['build_cpu_seconds']} | {s['chunks_per_s']} | {s['index_bytes'] / 1e6:.1f} | "
            f"{r['p50_ms']} / {r['p95_ms']} ({r['cpu_ms_mean']}) | {a['p50_ms']} / {a['p95_ms']} "
            f"({a['cpu_ms_mean']}) | {f['p50_ms']} / {f['p95_ms']} ({f['cpu_ms_mean']}) | "
            f"{s['load_avg_1m_before']}-"
            f"{s['load_avg_1m_after']}; {lat['load_avg_1m_before']}-{lat['load_avg_1m_after']} |"
        )
    return lines


def reference_point(path: Path | None) -> dict | None:
    """The full-corpus build of an ``index_build.py --json`` result, for the plot."""
    if not path or not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        "chunks": data["chunks"],
        "build_seconds": data["build"]["seconds"],
        "build_cpu_seconds": data["build"].get("cpu_seconds"),
        "index_bytes": data["index_bytes"],
        "commit": (data.get("machine") or {}).get("git_commit"),
    }


def plot(result: dict, out: Path, reference: dict | None = None) -> None:
    """Build time, index size and query latency against chunks, log-log, to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = result["sizes"]
    chunks = [s["chunks"] for s in sizes]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    build_ax, size_ax, query_ax = axes
    build_ax.plot(chunks, [s["build_seconds"] for s in sizes], "o-", label="build, wall")
    build_ax.plot(chunks, [s["build_cpu_seconds"] for s in sizes], "s--", label="build, CPU")
    _linear_guide(build_ax, chunks, sizes[0]["build_seconds"])
    size_ax.plot(chunks, [s["index_bytes"] / 1e6 for s in sizes], "o-", label="index on disk")
    _linear_guide(size_ax, chunks, sizes[0]["index_bytes"] / 1e6)
    for key, label in (
        ("retrieve_k10", "retrieve p50"),
        ("answer_extractive", "answer p50"),
        ("raw_floor_embed_plus_chroma", "raw floor p50"),
    ):
        query_ax.plot(chunks, [s["latency"][key]["p50_ms"] for s in sizes], "o-", label=label)
    _linear_guide(query_ax, chunks, sizes[0]["latency"]["answer_extractive"]["p50_ms"])
    if "grown" in result:
        grown = result["grown"]
        build_ax.plot(
            [chunks[-1]],
            [grown["build_seconds"]],
            "^",
            ms=9,
            label=f"{grown['from_factor']}x grown to {grown['to_factor']}x (add_sources)",
        )
    if reference:
        label = f"full corpus, index_build.py ({reference['commit'] or '?'})"
        build_ax.plot([reference["chunks"]], [reference["build_seconds"]], "k*", ms=12, label=label)
        size_ax.plot(
            [reference["chunks"]], [reference["index_bytes"] / 1e6], "k*", ms=12, label=label
        )
    titles = ("build time (s)", "index size on disk (MB)", "query latency, warm (ms)")
    for ax, title in zip(axes, titles):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("chunks in the index")
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(
        f"Growth with the corpus: {' / '.join(f'{f}x' for f in result['factors'])} of "
        f"{result['base_articles']} articles, ONNX int8 embedder, 2 cores "
        f"(commit {result['machine_start']['git_commit']})",
        fontsize=10,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def _linear_guide(ax, chunks: list[int], first: float) -> None:
    """A dotted line through the first point growing in proportion to the chunks."""
    ax.plot(
        chunks,
        [first * c / chunks[0] for c in chunks],
        ":",
        color="grey",
        label="proportional to chunks",
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-articles", type=int, help="base corpus: the first N articles")
    parser.add_argument("--factors", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--questions", type=int, default=150, help="dev questions to time")
    parser.add_argument("--grow", action="store_true", help="also grow the last-but-one index")
    parser.add_argument("--out", type=Path, default=RESULTS / "scaling.json")
    parser.add_argument("--plot", type=Path, help="write the curves to this PNG")
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE,
        help="index_build.py --json result: full-corpus point on the plot",
    )
    parser.add_argument("--keep", type=Path, help="build the indexes into this new folder, keep")
    parser.add_argument("--plot-only", type=Path, help="plot this JSON result, measure nothing")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    if sorted(set(args.factors)) != args.factors or args.factors[0] < 1:
        parser.error("--factors must be increasing positive integers")
    if args.plot_only:
        result = json.loads(args.plot_only.read_text(encoding="utf-8"))
    else:
        if args.keep and args.keep.exists() and any(args.keep.iterdir()):
            parser.error(f"--keep {args.keep} is not empty")
        result = run(args.base_articles, args.factors, args.questions, args.grow, args.keep)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    if args.plot or args.plot_only:
        plot(result, args.plot or ROOT / "docs" / "scaling.png", reference_point(args.reference))
    print_json_or_table(result, args.json, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
