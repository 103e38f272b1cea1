"""Readers while another process indexes: questions asked, failed, latency idle vs during.

(Not named concurrent.py: run as a script, that would shadow the standard library.)

A reader thread in this process asks questions through the Python API over an embedded
index of the seeds; meanwhile the real ``assistant index`` CLI in another process adds
MultiHop-RAG articles, then (after some files are deleted) removes them. The idle phase,
the same reader before any indexing, is the baseline the "during" latencies are compared to.

    .venv/bin/python benchmarks/concurrent_readers.py [--articles 50] [--remove 10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from common import CORPUS, ROOT, machine

SEEDS = ROOT / "seeds"
QUESTIONS = [
    "Which missiles did Washington and NATO send to Kiev?",
    "What defensive lines and natural barriers are being built?",
    "What would a complete defeat of Putin lead to?",
    "What does TASS say about Kherson?",
]


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (nearest rank), in milliseconds."""
    if not values:
        return None
    ordered = sorted(values)
    return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)


class Reader(threading.Thread):
    """Asks questions in a loop; records each latency under the current phase label."""

    def __init__(self, assistant, questions):
        super().__init__(daemon=True)
        self.assistant, self.questions = assistant, questions
        self.phase, self.stop = "idle", threading.Event()
        self.latencies: dict[str, list[float]] = {}
        self.failures: dict[str, list[str]] = {}
        self.cited: set[str] = set()

    def run(self) -> None:
        """Loop until stopped."""
        asked = 0
        while not self.stop.is_set():
            question, phase = self.questions[asked % len(self.questions)], self.phase
            asked += 1
            started = time.perf_counter()
            try:
                result = self.assistant.answer(question)
                self.cited.update(c.url for c in result.citations if c.url)
                self.latencies.setdefault(phase, []).append(time.perf_counter() - started)
            except Exception as error:
                self.failures.setdefault(phase, []).append(f"{type(error).__name__}: {error}")


def run_cli(index_dir: Path, folder: Path) -> dict:
    """``assistant index FOLDER --json`` in another process; its report."""
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "ASSISTANT_EMBEDDING_BACKEND": "torch",
        "OMP_NUM_THREADS": "1",
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assistant.cli",
            "--index-dir",
            str(index_dir),
            "index",
            str(folder),
            "--json",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    """Run the idle and the indexing phases and print (and save) the counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--remove", type=int, default=10)
    parser.add_argument("--body-chars", type=int, default=1500)
    parser.add_argument("--idle-s", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/concurrent.json")
    args = parser.parse_args()

    import torch

    from assistant.core import Assistant
    from assistant.embeddings import TorchEmbeddings
    from assistant.settings import load_settings

    torch.set_num_threads(1)  # one core for the reader, one for the indexer
    work = Path(tempfile.mkdtemp(prefix="concurrent-"))
    records = json.loads(CORPUS.read_text())[: args.articles]
    folder = work / "incoming"
    folder.mkdir()
    paths = []
    for number, record in enumerate(records):
        body = record["body"][: record["body"].rfind(".", 0, args.body_chars) + 1]
        paths.append(folder / f"article-{number:03d}.json")
        paths[-1].write_text(json.dumps([{**record, "body": body}]))
    settings = load_settings(index_dir=work / "index", sources=[SEEDS], embedding_backend="torch")
    assistant = Assistant(settings, embeddings=TorchEmbeddings(settings.embedding_model))
    assistant.index()
    questions = [*QUESTIONS, *(r["title"] for r in records[: args.articles - args.remove : 4])]
    reader = Reader(assistant, questions)
    reader.start()
    time.sleep(args.idle_s)
    reader.phase = "indexing"
    started = time.perf_counter()
    added = run_cli(settings.index_dir, folder)
    for path in paths[len(paths) - args.remove :]:
        path.unlink()
    removed = run_cli(settings.index_dir, folder)
    indexing_s = time.perf_counter() - started
    reader.phase = "after"
    time.sleep(5)
    reader.stop.set()
    reader.join()
    new_urls = {r["url"] for r in records[: args.articles - args.remove]}
    result = {
        "command": "benchmarks/concurrent_readers.py " + " ".join(sys.argv[1:]),
        "machine": machine(),
        "articles_added": len(added["added"]),
        "articles_removed": len(removed["removed"]),
        "chunks_embedded": added["chunks_embedded"],
        "indexing_wall_s": round(indexing_s, 1),
        "new_articles_cited_by_reader": len(reader.cited & new_urls),
        "phases": {
            phase: {
                "asked": len(reader.latencies.get(phase, [])) + len(reader.failures.get(phase, [])),
                "failed": len(reader.failures.get(phase, [])),
                "p50_ms": percentile(reader.latencies.get(phase, []), 0.5),
                "p95_ms": percentile(reader.latencies.get(phase, []), 0.95),
                "first_failures": reader.failures.get(phase, [])[:3],
            }
            for phase in ("idle", "indexing", "after")
        },
    }
    idle, during = result["phases"]["idle"], result["phases"]["indexing"]
    if idle["p50_ms"] and during["p50_ms"]:
        result["p50_during_over_idle"] = round(during["p50_ms"] / idle["p50_ms"], 2)
        result["p95_during_over_idle"] = round(during["p95_ms"] / idle["p95_ms"], 2)
    print(json.dumps(result, indent=2))
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all(p["failed"] == 0 for p in result["phases"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
