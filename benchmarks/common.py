"""Shared helpers of the benchmarks: data paths, machine facts, timing, assistants on an index."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

MULTIHOP = ROOT.parent / "shared" / "data" / "multihop-rag"
CORPUS = MULTIHOP / "corpus.json"
QUERIES = MULTIHOP / "queries-dev.json"
BACKENDS = ("torch", "onnx-int8")


def machine() -> dict:
    """CPU, cores, load and library versions: the context every figure needs."""
    info = {
        "cpu": _cpu_model(),
        "cores": len(os.sched_getaffinity(0)),
        "load_avg_1m": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "git_commit": _git_head(),
    }
    for module in ("torch", "onnxruntime", "chromadb", "sentence_transformers"):
        with contextlib.suppress(ImportError):
            info[module] = __import__(module).__version__
    return info


def _git_head() -> str | None:
    head = ROOT / ".git" / "HEAD"
    try:
        ref = head.read_text().strip()
        if ref.startswith("ref: "):
            return (ROOT / ".git" / ref[5:]).read_text().strip()[:12]
        return ref[:12]
    except OSError:
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) of ``values``, linear interpolation; 0 when empty."""
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def latency_ms(seconds: list[float]) -> dict:
    """p50 / p95 / mean of a list of durations, in milliseconds."""
    return {
        "p50_ms": round(1000 * percentile(seconds, 50), 1),
        "p95_ms": round(1000 * percentile(seconds, 95), 1),
        "mean_ms": round(1000 * statistics.fmean(seconds), 1) if seconds else 0.0,
        "n": len(seconds),
    }


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall) and ``t.cpu_seconds``.

    CPU seconds count every thread of this process (Chroma's and onnxruntime's included), so
    they measure the work done even when other processes compete for the cores.
    """

    def __enter__(self):
        self._start = time.perf_counter()
        self._cpu_start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start
        self.cpu_seconds = time.process_time() - self._cpu_start


def corpus_records(limit: int | None = None) -> list[dict]:
    """The MultiHop-RAG articles in file order, the first ``limit`` when given."""
    records = json.loads(CORPUS.read_text(encoding="utf-8"))
    return records[:limit] if limit else records


def corpus_source(folder: Path, limit: int | None = None) -> Path:
    """The corpus file to index: the original, or a copy of its first ``limit`` articles."""
    if not limit:
        return CORPUS
    folder.mkdir(parents=True, exist_ok=True)
    subset = folder / "corpus.json"
    subset.write_text(json.dumps(corpus_records(limit)), encoding="utf-8")
    return subset


def open_assistant(index_dir: Path, backend: str, sources: list[Path] | None = None):
    """An Assistant on ``index_dir`` with the embedder the settings make for ``backend``."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    settings = load_settings(
        index_dir=Path(index_dir), sources=sources or [CORPUS], embedding_backend=backend
    )
    return Assistant(settings)


def warm_up(assistant) -> float:
    """Open the index folder, then load (or export) the embedder; returns the seconds taken.

    The folder is opened first, as every command does, so an ONNX export lands in an
    existing index folder.
    """
    with Timer() as timer:
        _ = assistant.store
        assistant.embeddings.embed_query("warm up")
    return timer.seconds


def built_with(index_dir: Path) -> str | None:
    """The embedder id recorded in an index folder's ledger, without opening Chroma."""
    import sqlite3

    ledger = Path(index_dir) / "ledger.sqlite"
    if not ledger.is_file():
        return None
    with sqlite3.connect(f"file:{ledger}?mode=ro", uri=True) as db:
        try:
            row = db.execute("SELECT value FROM state WHERE key = 'embedder'").fetchone()
        except sqlite3.Error:
            return None
    return row[0] if row else None


def print_json_or_table(result: dict, as_json: bool, table) -> None:
    """Print ``result`` as JSON, or as the Markdown lines ``table(result)`` returns."""
    if as_json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print("\n".join(table(result)))
