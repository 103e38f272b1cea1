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
   ONNX encoder is measured too (our overhead over the embedder we actually use).
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


def raw_torch_throughput(model_name: str, texts: list[str], batch_size: int) -> dict:
    """sentence-transformers fp32 ``encode`` of ``texts`` (model loaded before timing)."""
    from sentence_transformers import SentenceTransformer

    from assistant.embeddings import resolve_model_path

    model = SentenceTransformer(str(resolve_model_path(model_name)), device="cpu")
    model.encode(["warm up"], show_progress_bar=False)
    with Timer() as timer:
        model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                     show_progress_bar=False)  # fmt: skip
    return _throughput(len(texts), timer.seconds, batch_size=batch_size)


def raw_onnx_throughput(embeddings, texts: list[str]) -> dict:
    """The ONNX embedder alone (tokenise, run, pool) on ``texts``."""
    with Timer() as timer:
        embeddings.encode(texts)
    return _throughput(len(texts), timer.seconds, batch_size=embeddings.batch_size)


def _throughput(n: int, seconds: float, **extra) -> dict:
    return {"chunks": n, "seconds": round(seconds, 2), "chunks_per_s": round(n / seconds, 2),
            **extra}  # fmt: skip


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
        },  # fmt: skip
        "only_its_chunks_embedded": added.chunks_embedded == expected and len(added.added) == 1,
        "resync_all": {
            "unchanged": len(resync.unchanged),
            "added": len(resync.added),
            "updated": len(resync.updated),
            "chunks_embedded": resync.chunks_embedded,
            "seconds": round(sync_timer.seconds, 3),
        },  # fmt: skip
        "remove": {"removed": len(removed), "seconds": round(remove_timer.seconds, 3)},
    }


def folder_bytes(folder: Path) -> int:
    """Size on disk of everything under ``folder``, the exported model excluded."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and "models" not in
               p.relative_to(folder).parts)  # fmt: skip


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
        result = {
            "backend": backend,
            "embedder_id": assistant.embeddings.embedder_id,
            "articles": n_articles,
            "chunks": report.chunks_embedded,
            "chunk_texts_match_index": report.chunks_embedded == len(texts),
            "skipped": len(report.skipped),
            "embedder_load_seconds": round(load_seconds, 2),
            "embedder_exported": bool(getattr(assistant.embeddings, "exported", False)),
            "build": {
                "seconds": round(build_timer.seconds, 2),
                "articles_per_s": round(n_articles / build_timer.seconds, 2),
                "chunks_per_s": round(report.chunks_embedded / build_timer.seconds, 2),
                "load_avg_1m_before": start_load,
                "load_avg_1m_after": machine()["load_avg_1m"],
            },
        }
        timed = sample(texts, baseline_sample)
        print(f"  raw PyTorch fp32 on {len(timed)} chunks", file=sys.stderr, flush=True)
        result["raw_torch_fp32"] = raw_torch_throughput(
            assistant.settings.embedding_model, timed, assistant.settings.embedding_batch_size
        )
        build_rate = result["build"]["chunks_per_s"]
        torch_rate = result["raw_torch_fp32"]["chunks_per_s"]
        result["build_vs_raw_torch"] = round(build_rate / torch_rate, 3)
        if backend == "onnx-int8":
            print(f"  raw ONNX int8 on {len(timed)} chunks", file=sys.stderr, flush=True)
            result["raw_onnx_int8"] = raw_onnx_throughput(assistant.embeddings, timed)
            onnx_rate = result["raw_onnx_int8"]["chunks_per_s"]
            result["build_vs_raw_onnx"] = round(build_rate / onnx_rate, 3)
            result["raw_onnx_vs_raw_torch"] = round(onnx_rate / torch_rate, 3)
        result["incremental"] = incremental(assistant, corpus, work / "new")
        result["index_bytes"] = folder_bytes(index_dir)
        result["kept_index"] = str(keep) if keep else None
        result["machine"] = machine()
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(result: dict) -> list[str]:
    """The figures as Markdown."""
    build, raw = result["build"], result["raw_torch_fp32"]
    inc = result["incremental"]
    lines = [
        f"backend `{result['backend']}` ({result['embedder_id']}), "
        f"{result['articles']} articles, {result['chunks']} chunks",
        "",
        "| measure | value |",
        "|---|---|",
        f"| embedder load (export: {result['embedder_exported']}) | "
        f"{result['embedder_load_seconds']} s |",
        f"| build time | {build['seconds']} s |",
        f"| build articles/s | {build['articles_per_s']} |",
        f"| build chunks/s | {build['chunks_per_s']} |",
        f"| raw sentence-transformers fp32 chunks/s ({raw['chunks']} chunks, batch "
        f"{raw['batch_size']}) | {raw['chunks_per_s']} |",
        f"| build / raw fp32 | {result['build_vs_raw_torch']} |",
    ]
    if "raw_onnx_int8" in result:
        lines += [
            f"| raw ONNX int8 chunks/s | {result['raw_onnx_int8']['chunks_per_s']} |",
            f"| build / raw ONNX int8 (our overhead) | {result['build_vs_raw_onnx']} |",
            f"| raw ONNX int8 / raw fp32 | {result['raw_onnx_vs_raw_torch']} |",
        ]
    lines += [
        f"| add 1 article: chunks embedded / its chunks | {inc['add']['chunks_embedded']} / "
        f"{inc['article_chunks']} |",
        f"| add 1 article: time | {inc['add']['seconds']} s |",
        f"| re-sync corpus + article: unchanged, embedded, time | "
        f"{inc['resync_all']['unchanged']}, {inc['resync_all']['chunks_embedded']}, "
        f"{inc['resync_all']['seconds']} s |",
        f"| remove the article | {inc['remove']['seconds']} s |",
        f"| index size on disk | {result['index_bytes'] / 1e6:.1f} MB |",
        f"| load average (1 min) before / after build | {build['load_avg_1m_before']} / "
        f"{build['load_avg_1m_after']} |",
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
