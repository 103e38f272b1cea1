"""Benchmark: cold start (new process to first answer) and resident memory while serving.

    .venv/bin/python benchmarks/serving.py [--index-dir benchmarks/results/index-onnx-int8]
        [--torch-index-dir benchmarks/results/index-torch] [--runs 3] [--questions 200]
        [--serve-questions 5] [--json]

Every measurement runs in a new Python process (this file with ``--child``), so nothing is
loaded or cached in it beforehand; the operating system's file cache and the ONNX export
cache (beside the index) are warm, as on a machine that has served before.

1. Cold start, ``--runs`` times per backend (the ONNX index, and the torch index for
   comparison): from spawning the process to the first extractive ``Assistant.answer``,
   broken down into interpreter start, imports (``assistant.core``), embedder load (model
   load plus one query embedding), index open (Chroma and ledger) and the first answer (BM25
   load, retrieval, answer). Medians are reported, with every run kept in the JSON.
2. Memory: peak resident set (VmHWM) of a process that answers ``--questions`` dev questions
   (evenly spaced, null ones included) with the Python API; and of the ``assistant serve``
   Gradio app (a subprocess) after ``--serve-questions`` questions asked through
   ``gradio_client``, with its time from spawn to the first answer.
3. Raw floor, in the same run: a bare process that loads the embedder
   (``make_embeddings``), opens Chroma (``chromadb.PersistentClient``) and runs one query of
   10 for one embedded question; its time to that result and its peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import QUERIES, ROOT, built_with, latency_ms, machine, print_json_or_table  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PHASES = ("interpreter", "imports", "embedder_load", "index_open", "first_answer")


# ----- children (each a fresh process) -------------------------------------------------------


def rss_mb(pid: int | str = "self") -> dict:
    """Current (VmRSS) and peak (VmHWM) resident set of a process, in MB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": found.get("VmRSS"), "peak_rss_mb": found.get("VmHWM")}


def question_sample(size: int) -> list[str]:
    """``size`` evenly spaced dev questions (null ones included)."""
    questions = json.loads(QUERIES.read_text(encoding="utf-8"))
    size = min(size, len(questions))
    step = len(questions) / size
    return [questions[int(i * step)]["query"] for i in range(size)]


def child_cold(index_dir: Path, backend: str, spawned_at: float) -> dict:
    """New process to first answer, phase by phase (seconds since the spawn)."""
    marks = {"interpreter": time.time()}
    cpu = {"interpreter": time.process_time()}
    from assistant.core import Assistant
    from assistant.settings import load_settings

    marks["imports"], cpu["imports"] = time.time(), time.process_time()
    settings = load_settings(index_dir=index_dir, embedding_backend=backend, llm="extractive")
    assistant = Assistant(settings)
    assistant.embeddings.embed_query("warm up")
    marks["embedder_load"], cpu["embedder_load"] = time.time(), time.process_time()
    assistant.store.check_embedder()
    assistant.store.collection()
    marks["index_open"], cpu["index_open"] = time.time(), time.process_time()
    answer = assistant.answer(question_sample(1)[0])
    marks["first_answer"], cpu["first_answer"] = time.time(), time.process_time()
    phases, cpu_phases, previous, previous_cpu = {}, {}, spawned_at, 0.0
    for name in PHASES:
        phases[name] = round(marks[name] - previous, 3)
        cpu_phases[name] = round(cpu[name] - previous_cpu, 3)
        previous, previous_cpu = marks[name], cpu[name]
    return {
        "phases_s": phases,
        "phases_cpu_s": cpu_phases,
        "total_s": round(marks["first_answer"] - spawned_at, 3),
        "total_cpu_s": round(cpu["first_answer"], 3),
        "answer_cites": answer.outlets,
        **rss_mb(),
    }


def child_serve(index_dir: Path, backend: str, n_questions: int) -> dict:
    """Answer ``n_questions`` dev questions in one process; resident memory along the way."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    settings = load_settings(index_dir=index_dir, embedding_backend=backend, llm="extractive")
    assistant = Assistant(settings)
    questions = question_sample(n_questions)
    assistant.answer(questions[0])
    after_first = rss_mb()
    seconds = []
    cpu_start = time.process_time()
    for question in questions:
        started = time.perf_counter()
        assistant.answer(question)
        seconds.append(time.perf_counter() - started)
    cpu_ms = 1000 * (time.process_time() - cpu_start) / len(questions)
    return {
        "after_first_answer": after_first,
        "after_all": rss_mb(),
        "answer": latency_ms(seconds),
        "answer_cpu_ms_mean": round(cpu_ms, 1),
        "questions": len(questions),
    }


def child_floor(index_dir: Path, backend: str, spawned_at: float) -> dict:
    """A bare process: load the embedder, open Chroma, one query of 10."""
    import sqlite3

    import chromadb

    from assistant.embeddings import make_embeddings
    from assistant.settings import load_settings

    imported = time.time()
    settings = load_settings(index_dir=index_dir, embedding_backend=backend)
    vector = make_embeddings(settings).embed_query(question_sample(1)[0])
    embedded = time.time()
    with sqlite3.connect(f"file:{index_dir / 'ledger.sqlite'}?mode=ro", uri=True) as db:
        name = db.execute("SELECT value FROM state WHERE key = 'active_collection'").fetchone()[0]
    client = chromadb.PersistentClient(path=str(index_dir / "chroma"))
    hits = client.get_collection(name).query(
        query_embeddings=[vector], n_results=10, include=["documents", "metadatas", "distances"]
    )
    done = time.time()
    return {
        "phases_s": {
            "interpreter_and_imports": round(imported - spawned_at, 3),
            "embedder_load_and_query_embedding": round(embedded - imported, 3),
            "chroma_open_and_query": round(done - embedded, 3),
        },
        "total_s": round(done - spawned_at, 3),
        "total_cpu_s": round(time.process_time(), 3),
        "hits": len(hits["ids"][0]),
        **rss_mb(),
    }


# ----- the parent ------------------------------------------------------------------------------


def child_env() -> dict:
    """The environment of every child: offline, no ASSISTANT_* settings of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return env


def spawn(mode: str, index_dir: Path, backend: str, *extra: str) -> dict:
    """Run this file as ``--child mode`` in a new process; its JSON result."""
    spawned_at = time.time()
    found = subprocess.run(
        [
            sys.executable,
            __file__,
            "--child",
            mode,
            "--index-dir",
            str(index_dir),
            "--backend",
            backend,
            "--spawned-at",
            repr(spawned_at),
            *extra,
        ],
        capture_output=True,
        text=True,
        env=child_env(),
        cwd=ROOT,
        check=False,
    )
    if found.returncode != 0:
        raise RuntimeError(f"child {mode} failed:\n{found.stderr[-3000:]}")
    return json.loads(found.stdout.strip().splitlines()[-1])


def cold_starts(index_dir: Path, backend: str, runs: int) -> dict:
    """``runs`` cold starts; the median of every phase and of the total."""
    load_before = machine()["load_avg_1m"]
    found = [spawn("cold", index_dir, backend) for _ in range(runs)]
    return {
        "backend": backend,
        "index": str(index_dir),
        "median_total_s": round(statistics.median(r["total_s"] for r in found), 2),
        "median_phases_s": {
            name: round(statistics.median(r["phases_s"][name] for r in found), 2) for name in PHASES
        },
        "median_total_cpu_s": round(statistics.median(r["total_cpu_s"] for r in found), 2),
        "median_phases_cpu_s": {
            name: round(statistics.median(r["phases_cpu_s"][name] for r in found), 2)
            for name in PHASES
        },
        "median_peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in found),
        "runs": found,
        "load_avg_1m": [load_before, machine()["load_avg_1m"]],
    }


def floors(index_dir: Path, backend: str, runs: int) -> dict:
    """The bare embedder + Chroma process, ``runs`` times; medians."""
    found = [spawn("floor", index_dir, backend) for _ in range(runs)]
    return {
        "backend": backend,
        "median_total_s": round(statistics.median(r["total_s"] for r in found), 2),
        "median_total_cpu_s": round(statistics.median(r["total_cpu_s"] for r in found), 2),
        "median_phases_s": {
            name: round(statistics.median(r["phases_s"][name] for r in found), 2)
            for name in found[0]["phases_s"]
        },
        "median_peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in found),
        "runs": found,
    }


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def served_app(index_dir: Path, backend: str, n_questions: int, timeout: float = 180) -> dict:
    """``assistant serve`` in a subprocess; time to first answer and its memory after
    ``n_questions`` questions through gradio_client."""
    from gradio_client import Client

    port = free_port()
    env = child_env() | {
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_EMBEDDING_BACKEND": backend,
        "ASSISTANT_LLM": "extractive",
    }
    spawned = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        listening = wait_for_port(port, server, timeout) - spawned
        listening_cpu = cpu_seconds(server.pid)
        client = Client(f"http://127.0.0.1:{port}/", verbose=False)
        seconds, cited = [], []
        for question in question_sample(n_questions):
            started = time.perf_counter()
            *_, answer = client.predict(question, [], [], "", "", api_name="/ask")
            seconds.append(time.perf_counter() - started)
            if not isinstance(answer, dict) or "error" in answer:
                raise RuntimeError(f"the app answered {answer!r}")
            cited.append(sorted({c["outlet"] for c in answer.get("citations", [])}))
            if len(seconds) == 1:
                first_answer = time.perf_counter() - spawned
                first_answer_cpu = cpu_seconds(server.pid)
        tree = process_tree(server.pid)
        memory = {pid: rss_mb(pid) for pid in tree}
        return {
            "backend": backend,
            "spawn_to_listening_s": round(listening, 2),
            "spawn_to_first_answer_s": round(first_answer, 2),
            "server_cpu_s_at_listening": listening_cpu,
            "server_cpu_s_at_first_answer": first_answer_cpu,
            "answers_s": [round(s, 3) for s in seconds],
            "cited": cited,
            "processes": len(tree),
            "server_peak_rss_mb": memory[server.pid]["peak_rss_mb"],
            "server_rss_mb": memory[server.pid]["rss_mb"],
            "tree_rss_mb": round(sum(m["rss_mb"] or 0 for m in memory.values()), 1),
        }
    finally:
        stop(server)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return round((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)


def wait_for_port(port: int, server: subprocess.Popen, timeout: float) -> float:
    """``time.perf_counter()`` when ``port`` accepts connections; error if the server died."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"assistant serve exited: {server.stderr.read()[-2000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return time.perf_counter()
        time.sleep(0.05)
    raise RuntimeError(f"assistant serve did not listen on {port} within {timeout} s")


def stop(server: subprocess.Popen) -> None:
    """Interrupt the server we started (Ctrl-C), kill it if it lingers."""
    if server.poll() is None:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def run(args) -> dict:
    """The whole benchmark; returns the figures."""
    indexes = {"onnx-int8": args.index_dir}
    if args.torch_index_dir:
        indexes["torch"] = args.torch_index_dir
    for backend, folder in indexes.items():
        embedder = built_with(folder) or ""
        if not embedder.startswith(f"{backend}:"):
            raise SystemExit(f"{folder} was not built with {backend} ({embedder or 'no index'})")
    result = {"machine_start": machine(), "cold_start": {}, "raw_floor": {}, "serving": {}}
    for backend, folder in indexes.items():
        print(f"  {backend}: cold starts and raw floor", file=sys.stderr, flush=True)
        spawn("floor", folder, backend)  # a first, discarded run: files into the OS cache
        result["cold_start"][backend] = cold_starts(folder, backend, args.runs)
        result["raw_floor"][backend] = floors(folder, backend, args.runs)
    for backend, folder in indexes.items():
        print(f"  {backend}: {args.questions} answers in one process", file=sys.stderr, flush=True)
        load_before = machine()["load_avg_1m"]
        found = spawn("serve", folder, backend, "--questions", str(args.questions))
        found["load_avg_1m"] = [load_before, machine()["load_avg_1m"]]
        result["serving"][backend] = found
    print("  assistant serve + gradio_client", file=sys.stderr, flush=True)
    result["app"] = served_app(args.index_dir, "onnx-int8", args.serve_questions)
    result["machine_end"] = machine()
    return result


def table(result: dict) -> list[str]:
    """The figures as Markdown."""
    lines = [
        f"commit {result['machine_start']['git_commit']}, load avg (1 min) "
        f"{result['machine_start']['load_avg_1m']} -> {result['machine_end']['load_avg_1m']}",
        "",
        "| cold start, median (s) | total | " + " | ".join(PHASES) + " | peak RSS MB |",
        "|---" * (len(PHASES) + 3) + "|",
    ]
    for backend, cold in result["cold_start"].items():
        phases = " | ".join(str(cold["median_phases_s"][p]) for p in PHASES)
        lines.append(
            f"| {backend} | {cold['median_total_s']} | {phases} | {cold['median_peak_rss_mb']} |"
        )
        phases = " | ".join(str(cold["median_phases_cpu_s"][p]) for p in PHASES)
        lines.append(f"| {backend}, CPU s | {cold['median_total_cpu_s']} | {phases} | |")
    lines += [
        "",
        "| raw floor process, median | total s | CPU s | phases s | peak RSS MB |",
        "|---|---|---|---|---|",
    ]
    for backend, floor in result["raw_floor"].items():
        lines.append(
            f"| {backend} | {floor['median_total_s']} | {floor['median_total_cpu_s']} | "
            f"{floor['median_phases_s']} | {floor['median_peak_rss_mb']} |"
        )
    lines += [
        "",
        "| serving | questions | RSS after 1st answer MB | peak RSS MB | RSS at end MB | "
        "answer p50 / p95 ms |",
        "|---|---|---|---|---|---|",
    ]
    for backend, serving in result["serving"].items():
        lat = serving["answer"]
        lines.append(
            f"| Python API, {backend} | {serving['questions']} | "
            f"{serving['after_first_answer']['rss_mb']} | {serving['after_all']['peak_rss_mb']} | "
            f"{serving['after_all']['rss_mb']} | {lat['p50_ms']} / {lat['p95_ms']} "
            f"(CPU {serving['answer_cpu_ms_mean']} ms mean) |"
        )
    app = result["app"]
    lines += [
        f"| `assistant serve`, {app['backend']} (gradio_client) | {len(app['answers_s'])} | | "
        f"{app['server_peak_rss_mb']} | {app['server_rss_mb']} (tree of {app['processes']}: "
        f"{app['tree_rss_mb']}) | |",
        "",
        f"`assistant serve`: spawn to listening {app['spawn_to_listening_s']} s "
        f"({app['server_cpu_s_at_listening']} s CPU), to first answer "
        f"{app['spawn_to_first_answer_s']} s ({app['server_cpu_s_at_first_answer']} s CPU).",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point (and the children's)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=RESULTS / "index-onnx-int8")
    parser.add_argument(
        "--torch-index-dir",
        default=str(RESULTS / "index-torch"),
        help="torch-built index for the comparison ('' to skip)",
    )
    parser.add_argument("--runs", type=int, default=3, help="cold starts per backend")
    parser.add_argument("--questions", type=int, default=200, help="answers in the serving run")
    parser.add_argument("--serve-questions", type=int, default=5, help="questions to the app")
    parser.add_argument("--out", type=Path, default=RESULTS / "serving.json")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--child", choices=("cold", "serve", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--spawned-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        index_dir = args.index_dir.resolve()
        found = {
            "cold": lambda: child_cold(index_dir, args.backend, args.spawned_at),
            "serve": lambda: child_serve(index_dir, args.backend, args.questions),
            "floor": lambda: child_floor(index_dir, args.backend, args.spawned_at),
        }[args.child]()
        print(json.dumps(found))
        return 0
    args.index_dir = args.index_dir.resolve()
    args.torch_index_dir = Path(args.torch_index_dir).resolve() if args.torch_index_dir else None
    result = run(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_json_or_table(result, args.json, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
