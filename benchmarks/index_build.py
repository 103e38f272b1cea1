"""Benchmark: build the MultiHop-RAG index and compare with the raw encoder, then add one article.

    .venv/bin/python benchmarks/index_build.py [--backend torch|onnx-int8] [--limit N]
        [--keep DIR] [--baseline-sample N] [--json]

1. Indexes the 609-article corpus (``../shared/data/multihop-rag/corpus.json``) into a fresh
   index with our pipeline (``Assistant.index``: loading, cleaning, chunking, embedding, Chroma,
   ledger, BM25) and reports articles/s and chunks/s. The embedder is loaded (and, for ONNX,
   exported if not cached) before the clock starts; that time is reported on its own.
2. Encodes the very same chunk texts with raw sentence-transformers fp32 (PyTorch), in the same
   run: ``build chunks/s / raw chunks/s`` is our overhead (target >= 0.9 for the torch
   backend) and, for ``onnx-int8``, the speed-up over PyTorch (target >= 2.5). For ONNX the raw
   ONNX encoder is measured too (our overhead over the embedder we actually use); the raw
   encoders run interleaved, block by block. Every figure comes as wall time and as CPU time
   of this process: on a machine shared with other work, wall-clock ratios of steps run at
   different moments mostly measure the neighbours, CPU time the work itself.
3. Adds one new article (the TASS seed article, as a corpus-shaped record) to the built index
   and reports that only its chunks were embedded and how long it took; re-syncs the whole
   corpus plus that article (nothing re-embedded), then removes the article again.

``--keep DIR`` builds into DIR and keeps it (``benchmarks/retrieval.py --index-dir DIR`` reuses
it); otherwise a temporary folder is used. ``--baseline-sample N`` times the raw encoders on
N evenly spaced chunks instead of all (quick runs only).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BACKENDS,
    Timer,
    corpus_source,
    machine,
    open_assistant,
    print_json_or_table,
    warm_up,
)

from assistant.chunking import chunk_spans  # noqa: E402
from assistant.loaders import load_paths  # noqa: E402
from assistant.store import embedding_text  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def chunk_texts(assistant, sources: list[Path]) -> list[str]:
    """The exact texts the index embeds for ``sources`` (chunk header + chunk)."""
    settings = assistant.settings
    count = assistant.embeddings.token_counter()
    texts = []
    for article in load_paths(sources).articles:
        for span in chunk_spans(
            article.text, settings.chunk_tokens, settings.chunk_overlap_tokens, count
        ):
            texts.append(embedding_text(article, span.of(article.text)))
    return texts


def sample(texts: list[str], size: int | None) -> list[str]:
    """``size`` evenly spaced texts (all when ``size`` is None or large enough)."""
    if not size or size >= len(texts):
        return texts
    step = len(texts) / size
    return [texts[int(i * step)] for i in range(size)]


def torch_encoder(model_name: str, batch_size: int):
    """sentence-transformers fp32 ``encode`` (model loaded and warmed here, not timed)."""
    from sentence_transformers import SentenceTransformer

    from assistant.embeddings import resolve_model_path

    model = SentenceTransformer(str(resolve_model_path(model_name)), device="cpu")
    model.encode(["warm up"], show_progress_bar=False)

    def encode(texts: list[str]) -> None:
        model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )

    return encode


def raw_throughputs(encoders: dict, texts: list[str], block: int = 256) -> dict:
    """Each raw encoder over ``texts``, interleaved block by block so load changes on a
    shared machine hit every encoder alike; wall and CPU time per encoder."""
    spent = {name: [0.0, 0.0] for name in encoders}
    for start in range(0, len(texts), block):
        for name, encode in encoders.items():
            with Timer() as timer:
                encode(texts[start : start + block])
            spent[name][0] += timer.seconds
            spent[name][1] += timer.cpu_seconds
    return {name: _throughput(len(texts), wall, cpu) for name, (wall, cpu) in spent.items()}


def _throughput(n: int, seconds: float, cpu_seconds: float) -> dict:
    return {
        "chunks": n,
        "seconds": round(seconds, 2),
        "chunks_per_s": round(n / seconds, 2),
        "cpu_seconds": round(cpu_seconds, 2),
        "cpu_ms_per_chunk": round(1000 * cpu_seconds / n, 2),
    }


def new_article_file(folder: Path) -> Path:
    """The TASS seed article as a MultiHop-RAG-shaped record (not in the corpus)."""
    article = next(a for a in load_paths([SEEDS]).articles if a.outlet == "TASS")
    record = {
        "title": article.title,
        "author": article.author,
        "source": article.outlet,
        "published_at": article.published,
        "category": "politics",
        "url": "https://tass.com/benchmark-new-article",
        "body": article.text,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "new_article.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    return path


def incremental(assistant, corpus: Path, folder: Path) -> dict:
    """Add one article, re-sync everything, remove it again; what was embedded and how fast."""
    path = new_article_file(folder)
    expected = len(chunk_texts(assistant, [path]))
    with Timer() as add_timer:
        added = assistant.add_sources([path])
    with Timer() as sync_timer:
        resync = assistant.index([corpus, path])
    with Timer() as remove_timer:
        removed = assistant.remove_sources(added.added)
    return {
        "article_chunks": expected,
        "add": {
            "added": len(added.added),
            "unchanged": len(added.unchanged),
            "chunks_embedded": added.chunks_embedded,
            "seconds": round(add_timer.seconds, 3),
        },
        "only_its_chunks_embedded": added.chunks_embedded == expected and len(added.added) == 1,
        "resync_all": {
            "unchanged": len(resync.unchanged),
            "added": len(resync.added),
            "updated": len(resync.updated),
            "chunks_embedded": resync.chunks_embedded,
            "seconds": round(sync_timer.seconds, 3),
        },
        "remove": {"removed": len(removed), "seconds": round(remove_timer.seconds, 3)},
    }


def ratios(result: dict) -> dict:
    """Speed ratios, from wall time (chunks/s) and from CPU time (ms of CPU per chunk)."""

    def pair(fast: dict, slow: dict) -> dict:
        return {
            "wall": round(fast["chunks_per_s"] / slow["chunks_per_s"], 3),
            "cpu": round(slow["cpu_ms_per_chunk"] / fast["cpu_ms_per_chunk"], 3),
        }

    found = {"build_vs_raw_torch": pair(result["build"], result["raw_torch_fp32"])}
    if "raw_onnx_int8" in result:
        found["build_vs_raw_onnx"] = pair(result["build"], result["raw_onnx_int8"])
        found["raw_onnx_vs_raw_torch"] = pair(result["raw_onnx_int8"], result["raw_torch_fp32"])
    return found


def folder_bytes(folder: Path) -> int:
    """Size on disk of everything under ``folder``, the exported model excluded."""
    return sum(
        p.stat().st_size
        for p in folder.rglob("*")
        if p.is_file() and "models" not in p.relative_to(folder).parts
    )


def run(backend: str, limit: int | None, keep: Path | None, baseline_sample: int | None) -> dict:
    """The whole benchmark; returns the figures."""
    work = Path(tempfile.mkdtemp(prefix="index-build-"))
    index_dir = keep or work / "index"
    try:
        corpus = corpus_source(work / "corpus", limit)
        assistant = open_assistant(index_dir, backend, [corpus])
        load_seconds = warm_up(assistant)
        texts = chunk_texts(assistant, [corpus])
        start_load = machine()["load_avg_1m"]

        def progress(done: int, total: int) -> None:
            if total and (done == total or done % 1024 < 256):
                print(f"  embedded {done}/{total} chunks", file=sys.stderr, flush=True)

        with Timer() as build_timer:
            report = assistant.index([corpus], progress=progress)
        n_articles = len(report.added)
        build = _throughput(report.chunks_embedded, build_timer.seconds, build_timer.cpu_seconds)
        build["articles_per_s"] = round(n_articles / build_timer.seconds, 2)
        build["load_avg_1m_before"] = start_load
        build["load_avg_1m_after"] = machine()["load_avg_1m"]
        result = {
            "backend": backend,
            "embedder_id": assistant.embeddings.embedder_id,
            "articles": n_articles,
            "chunks": report.chunks_embedded,
            "chunk_texts_match_index": report.chunks_embedded == len(texts),
            "skipped": len(report.skipped),
            "embedder_load_seconds": round(load_seconds, 2),
            "embedder_exported": bool(getattr(assistant.embeddings, "exported", False)),
            "build": build,
        }
        settings = assistant.settings
        encoders = {
            "raw_torch_fp32": torch_encoder(settings.embedding_model, settings.embedding_batch_size)
        }
        if backend == "onnx-int8":
            encoders["raw_onnx_int8"] = assistant.embeddings.encode
        timed = sample(texts, baseline_sample)
        print(
            f"  raw encoders {list(encoders)} on {len(timed)} chunks", file=sys.stderr, flush=True
        )
        result.update(raw_throughputs(encoders, timed))
        result["raw_torch_fp32"]["batch_size"] = settings.embedding_batch_size
        result["ratios"] = ratios(result)
        result["incremental"] = incremental(assistant, corpus, work / "new")
        result["index_bytes"] = folder_bytes(index_dir)
        result["kept_index"] = str(keep) if keep else None
        result["machine"] = machine()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(result: dict) -> list[str]:
    """The figures as Markdown."""
    build, inc = result["build"], result["incremental"]
    resync, removal = inc["resync_all"], inc["remove"]
    lines = [
        f"backend `{result['backend']}` ({result['embedder_id']}), "
        f"{result['articles']} articles, {result['chunks']} chunks; "
        f"embedder load {result['embedder_load_seconds']} s (exported: "
        f"{result['embedder_exported']})",
        "",
        "| encoder | chunks | wall s | chunks/s | CPU ms/chunk |",
        "|---|---|---|---|---|",
        f"| our build (`Assistant.index`) | {build['chunks']} | {build['seconds']} | "
        f"{build['chunks_per_s']} | {build['cpu_ms_per_chunk']} |",
    ]
    for name in ("raw_torch_fp32", "raw_onnx_int8"):
        if name in result:
            raw = result[name]
            lines.append(
                f"| {name} | {raw['chunks']} | {raw['seconds']} | "
                f"{raw['chunks_per_s']} | {raw['cpu_ms_per_chunk']} |"
            )
    lines += ["", "| ratio | wall | CPU |", "|---|---|---|"]
    for name, value in result["ratios"].items():
        lines.append(f"| {name} | {value['wall']} | {value['cpu']} |")
    lines += [
        "",
        f"Build: {build['articles_per_s']} articles/s; load average (1 min) "
        f"{build['load_avg_1m_before']} before, {build['load_avg_1m_after']} after.",
        "",
        "| incremental step | result | time |",
        "|---|---|---|",
        f"| add 1 new article | {inc['add']['chunks_embedded']} chunks embedded, the article has "
        f"{inc['article_chunks']} | {inc['add']['seconds']} s |",
        f"| re-sync corpus + that article | {resync['unchanged']} unchanged, "
        f"{resync['chunks_embedded']} chunks embedded | {resync['seconds']} s |",
        f"| remove the article | {removal['removed']} removed | {removal['seconds']} s |",
        "",
        f"Index size on disk (exported model excluded): {result['index_bytes'] / 1e6:.1f} MB.",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    from assistant.settings import load_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=BACKENDS, default=load_settings().embedding_backend)
    parser.add_argument("--limit", type=int, help="index only the first N articles")
    parser.add_argument("--keep", type=Path, help="build into this (new or empty) folder, keep it")
    parser.add_argument("--baseline-sample", type=int, help="time the raw encoders on N chunks")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args(argv)
    if args.keep and args.keep.exists() and any(args.keep.iterdir()):
        parser.error(f"--keep {args.keep} is not empty")
    result = run(args.backend, args.limit, args.keep, args.baseline_sample)
    print_json_or_table(result, args.json, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
