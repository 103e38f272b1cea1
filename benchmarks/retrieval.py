"""Benchmark: retrieval quality, answer coverage, refusals and latency on MultiHop-RAG dev.

    .venv/bin/python benchmarks/retrieval.py [--index-dir DIR] [--backend torch|onnx-int8]
        [--limit N] [--json] [--details] [--retrieval-only] [--baseline]

Indexes ``../shared/data/multihop-rag/corpus.json`` into a temporary folder, or reuses
``--index-dir`` (e.g. one kept by ``benchmarks/index_build.py --keep DIR``; its backend is read
from the index). Then, over ``queries-dev.json`` (``--limit N``: the first N records, null
questions included, as the paper's script counts):

- every answerable question goes through ``Assistant.retrieve(q, k=10)`` and is scored exactly
  as the MultiHop-RAG paper's ``retrieval_evaluate.py``: spaces and newlines removed, a chunk
  is relevant when it contains a whole gold fact; Hits@4, Hits@10, MRR@10, and MAP@10 (sum
  over relevant ranks of newly found facts / rank, over min(#facts, 10)). The paper scores
  each chunk with a header of its title, source and published_at (llama-index's
  ``title: ...\\nsource: ...\\npublished_at: ...\\n\\n<chunk>``); our Documents' page_content
  is the chunk alone, so the same header is built from the metadata before scoring.
- also: share of questions whose top 10 holds every gold fact; share of extractive answers
  (``Assistant.answer``) citing every gold outlet; refusal rate on null questions and false
  refusals on answerable ones; p50/p95 latency of ``retrieve`` and ``answer`` next to the raw
  floor (one query embedding plus one Chroma query);
- the extractive refusal thresholds (``ExtractiveConfig.refuse_below`` and
  ``min_term_overlap``) swept over a grid on the same passages the answer chain gets;
- metrics per question type and the worst failures (for tuning retrieval).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    BACKENDS,
    CORPUS,
    QUERIES,
    Timer,
    built_with,
    latency_ms,
    machine,
    open_assistant,
    print_json_or_table,
    warm_up,
)

from assistant.extractive import ExtractiveAnswerer, ExtractiveConfig  # noqa: E402
from assistant.retrieval import HybridRetriever  # noqa: E402

REFUSE_BELOW_GRID = (0.20, 0.25, 0.30, 0.35, 0.40, 0.45, 0.50, 0.55)
MIN_OVERLAP_GRID = (0.34, 0.50, 0.67, 0.80, 1.01)  # 1.01 = term overlap never overrides
METRICS = ("hits@4", "hits@10", "mrr@10", "map@10", "all_facts@10")


# ----- scoring (the paper's retrieval_evaluate.py) ---------------------------------------------


def squeeze(text: str) -> str:
    """The paper's normalisation: every space and newline removed, case kept."""
    return text.replace(" ", "").replace("\n", "")


def scoring_text(document) -> str:
    """The chunk with the header the paper's chunks carry (title, source, published_at)."""
    meta = document.metadata
    header = (
        f"title: {meta.get('title', '')}\nsource: {meta.get('outlet', '')}\n"
        f"published_at: {meta.get('published', '')}"
    )
    return f"{header}\n\n{document.page_content}"


def paper_scores(retrieved: list[str], facts: list[str]) -> dict:
    """Hits@4, Hits@10, reciprocal rank, average precision (as the paper) and all-facts@10."""
    gold = [squeeze(fact) for fact in facts]
    chunks = [squeeze(text) for text in retrieved[:10]]
    found: list[str] = []
    first_rank = None
    precision_sum = 0.0
    for rank, chunk in enumerate(chunks, start=1):
        if not any(fact in chunk for fact in gold):
            continue
        first_rank = first_rank or rank
        new = [fact for fact in gold if fact in chunk and fact not in found]
        found.extend(new)
        precision_sum += len(new) / rank
    return {
        "hits@4": float(first_rank is not None and first_rank <= 4),
        "hits@10": float(first_rank is not None),
        "mrr@10": 1.0 / first_rank if first_rank else 0.0,
        "map@10": precision_sum / min(len(gold), 10),
        "all_facts@10": float(all(any(fact in chunk for chunk in chunks) for fact in gold)),
        "facts_found": len(set(found)),
    }


def outlet_key(name: str) -> str:
    """Outlet names compared case-, punctuation- and leading-"The"-insensitively."""
    key = re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
    return re.sub(r"^the ", "", key).replace(" ", "")


# ----- running ---------------------------------------------------------------------------------


def load_questions(limit: int | None) -> list[dict]:
    """Dev questions in file order (the first ``limit`` records, null ones included)."""
    questions = json.loads(QUERIES.read_text(encoding="utf-8"))
    return questions[:limit] if limit else questions


def is_answerable(question: dict) -> bool:
    """Null questions have no evidence; the answer should be a refusal."""
    return question["question_type"] != "null_query"


def raw_floor(assistant, question: str) -> float:
    """Seconds for one query embedding plus one Chroma query of 10: the latency floor."""
    with Timer() as timer:
        vector = assistant.embeddings.embed_query(question)
        assistant.store.collection().query(
            query_embeddings=[vector], n_results=10, include=["documents", "metadatas", "distances"]
        )
    return timer.seconds


def baseline_retrieve(assistant, question: str, k: int = 10):
    """The retriever as it was before per-part retrieval: the whole question only."""
    retriever = HybridRetriever(
        store=assistant.store, embeddings=assistant.embeddings, k=k, per_part=False
    )
    with assistant.store.reading():
        return retriever.invoke(question, k=k)


def ask(assistant, question: dict, retrieval_only: bool = False, baseline: bool = False) -> dict:
    """Retrieve, answer and score one question; keeps what the summaries need.

    ``retrieval_only`` skips the answer chain; ``baseline`` also retrieves with per-part
    retrieval off, timed in the same run.
    """
    text = question["query"]
    with Timer() as retrieve_timer:
        documents = assistant.retrieve(text, k=10)
    row = {
        "query": text,
        "type": question["question_type"],
        "answerable": is_answerable(question),
        "gold_outlets": sorted({fact["source"] for fact in question["evidence_list"]}),
        "retrieve_s": retrieve_timer.seconds,
        "floor_s": raw_floor(assistant, text),
    }
    if baseline:
        with Timer() as baseline_timer:
            before = baseline_retrieve(assistant, text)
        row["baseline_s"] = baseline_timer.seconds
        if row["answerable"]:
            facts = [fact["fact"] for fact in question["evidence_list"]]
            scores = paper_scores([scoring_text(d) for d in before], facts)
            row["baseline"] = {metric: scores[metric] for metric in METRICS}
    if not retrieval_only:
        row.update(_answered(assistant, text, row["gold_outlets"]))
    return _scored(row, question, documents)


def _answered(assistant, text: str, gold_outlets: list[str]) -> dict:
    with Timer() as answer_timer:
        answer = assistant.answer(text)
    passages = assistant.retrieve(text, k=assistant.settings.top_k)  # what the answerer gets
    answer_outlets = {outlet_key(outlet) for outlet in answer.outlets}
    return {
        "refused": answer.refused,
        "answer_outlets": answer.outlets,
        "cites_all_gold_outlets": all(outlet_key(o) in answer_outlets for o in gold_outlets),
        "answer_s": answer_timer.seconds,
        "passages": passages,
    }


def _scored(row: dict, question: dict, documents) -> dict:
    gold_outlets = row["gold_outlets"]
    row.update(
        retrieved=[
            {
                "outlet": d.metadata.get("outlet"),
                "title": d.metadata.get("title"),
                "similarity": d.metadata.get("similarity"),
            }
            for d in documents
        ]
    )
    if row["answerable"]:
        facts = [fact["fact"] for fact in question["evidence_list"]]
        scores = paper_scores([scoring_text(d) for d in documents], facts)
        row.update(scores, n_facts=len(facts))
        gold = [squeeze(f) for f in facts]
        for item, document in zip(row["retrieved"], documents, strict=True):
            item["relevant"] = any(f in squeeze(scoring_text(document)) for f in gold)
        row["retrieved_outlets_cover_gold"] = all(
            outlet_key(o) in {outlet_key(r["outlet"] or "") for r in row["retrieved"]}
            for o in gold_outlets
        )
    return row


def refusal_grid(rows: list[dict]) -> list[dict]:
    """Null-question refusal and false-refusal rates for each pair of thresholds.

    The answerer runs without its embedding re-ranker, which comes after the refusal
    decision and does not change it.
    """
    grid = []
    for refuse_below in REFUSE_BELOW_GRID:
        for min_overlap in MIN_OVERLAP_GRID:
            config = dataclasses.replace(
                ExtractiveConfig(), refuse_below=refuse_below, min_term_overlap=min_overlap
            )
            answerer = ExtractiveAnswerer(None, config)
            refused = [answerer.answer(row["query"], row["passages"]).refused for row in rows]
            grid.append(
                _refusal_rates(
                    rows, refused, refuse_below=refuse_below, min_term_overlap=min_overlap
                )
            )
    return grid


def _refusal_rates(rows: list[dict], refused: list[bool], **config) -> dict:
    nulls = [r for r, row in zip(refused, rows, strict=True) if not row["answerable"]]
    answerable = [r for r, row in zip(refused, rows, strict=True) if row["answerable"]]
    return {
        **config,
        "null_refusal": round(_mean(nulls), 4),
        "false_refusal": round(_mean(answerable), 4),
    }


def recommend(grid: list[dict], max_false_refusal: float = 0.02) -> dict:
    """Two picks: most null refusals with at most 2% false refusals, and the best balance."""
    allowed = [g for g in grid if g["false_refusal"] <= max_false_refusal]
    strict = max(allowed, key=lambda g: (g["null_refusal"], -g["false_refusal"]), default=None)
    balance = max(grid, key=lambda g: (g["null_refusal"] - g["false_refusal"], -g["false_refusal"]))
    return {"at_most_2pct_false_refusal": strict, "best_balance": balance}


def _mean(values) -> float:
    values = list(values)
    return statistics.fmean(values) if values else 0.0


def summarise(rows: list[dict]) -> dict:
    """Retrieval metrics and answer coverage of answerable rows."""
    answerable = [row for row in rows if row["answerable"]]
    summary = {metric: round(_mean(r[metric] for r in answerable), 4) for metric in METRICS}
    summary["top10_outlets_cover_gold"] = round(
        _mean(r["retrieved_outlets_cover_gold"] for r in answerable), 4
    )
    summary["questions"] = len(answerable)
    if answerable and "baseline" in answerable[0]:
        summary["baseline"] = {
            metric: round(_mean(r["baseline"][metric] for r in answerable), 4) for metric in METRICS
        }
    if answerable and "refused" not in answerable[0]:
        return summary  # retrieval only
    summary["answers_cite_all_gold_outlets"] = round(
        _mean(r["cites_all_gold_outlets"] for r in answerable), 4
    )
    summary["false_refusal"] = round(_mean(r["refused"] for r in answerable), 4)
    return summary


def worst(rows: list[dict], n: int = 10) -> list[dict]:
    """The answerable questions retrieval served worst, in a form fit to read."""
    answerable = [row for row in rows if row["answerable"]]
    ranked = sorted(
        answerable,
        key=lambda r: (
            r["hits@10"],
            r["map@10"],
            r.get("cites_all_gold_outlets", True),
            r["facts_found"] - r["n_facts"],
        ),
    )
    return [
        {
            "query": row["query"],
            "type": row["type"],
            "gold_outlets": row["gold_outlets"],
            "gold_facts_found": f"{row['facts_found']}/{row['n_facts']}",
            "hits@10": row["hits@10"],
            "answer_outlets": row.get("answer_outlets", []),
            "retrieved": [
                f"{'*' if item.get('relevant') else ' '} {item['outlet']}: {item['title']} "
                f"({item['similarity']})"
                for item in row["retrieved"]
            ],
        }
        for row in ranked[:n]
    ]


def prepare_index(index_dir: Path | None, backend: str | None, work: Path):
    """An Assistant on the given index, or on a fresh one built from the corpus."""
    if index_dir:
        embedder = built_with(index_dir)
        if embedder is None:
            raise SystemExit(f"{index_dir} holds no built index")
        chosen = embedder.split(":", 1)[0]
        if backend and backend != chosen:
            raise SystemExit(f"{index_dir} was built with {embedder}, not {backend}")
        assistant = open_assistant(index_dir, chosen)
        return assistant, {"index": str(index_dir), "built_now": False}
    assistant = open_assistant(work / "index", backend or "torch")
    warm_up(assistant)
    with Timer() as timer:
        report = assistant.index([CORPUS])
    return assistant, {
        "index": "temporary",
        "built_now": True,
        "build_seconds": round(timer.seconds, 1),
        "chunks": report.chunks_embedded,
    }


def run(
    index_dir: Path | None,
    backend: str | None,
    limit: int | None,
    retrieval_only: bool = False,
    baseline: bool = False,
) -> dict:
    """The whole benchmark; returns the figures (and per-question rows under ``_rows``)."""
    work = Path(tempfile.mkdtemp(prefix="retrieval-bench-"))
    try:
        assistant, index_info = prepare_index(index_dir, backend, work)
        with Timer() as load_timer:
            warm_up(assistant)
            assistant.retrieve("warm up the lexical index", k=10)
        questions = load_questions(limit)
        rows = []
        for number, question in enumerate(questions, start=1):
            rows.append(ask(assistant, question, retrieval_only, baseline))
            if number % 50 == 0:
                print(f"  {number}/{len(questions)} questions", file=sys.stderr, flush=True)
        types = sorted({row["type"] for row in rows if row["answerable"]})
        result = {
            "backend": assistant.embeddings.embedder_id,
            "index": index_info,
            "warm_up_seconds": round(load_timer.seconds, 2),
            "questions": len(rows),
            "answerable": sum(row["answerable"] for row in rows),
            "null": sum(not row["answerable"] for row in rows),
            "overall": summarise(rows),
            "by_type": {t: summarise([r for r in rows if r["type"] == t]) for t in types},
            "latency": _latencies(rows),
        }
        if not retrieval_only:
            result.update(_answer_figures(rows))
        result.update(worst=worst(rows), machine=machine(), _rows=rows)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _latencies(rows: list[dict]) -> dict:
    latency = {"retrieve_k10": latency_ms([row["retrieve_s"] for row in rows])}
    if rows and "baseline_s" in rows[0]:
        latency["retrieve_k10_baseline"] = latency_ms([row["baseline_s"] for row in rows])
        p50 = latency["retrieve_k10_baseline"]["p50_ms"]
        latency["p50_ratio_to_baseline"] = round(latency["retrieve_k10"]["p50_ms"] / p50, 2)
    if rows and "answer_s" in rows[0]:
        latency["answer_extractive"] = latency_ms([row["answer_s"] for row in rows])
    latency["raw_floor_embed_plus_chroma"] = latency_ms([row["floor_s"] for row in rows])
    return latency


def _answer_figures(rows: list[dict]) -> dict:
    """Refusals and the refusal-threshold sweep (needs the answer chain's rows)."""
    nulls = [row for row in rows if not row["answerable"]]
    grid = refusal_grid(rows)
    current = ExtractiveConfig()
    predicted = ExtractiveAnswerer(None, current)
    agreement = _mean(
        predicted.answer(row["query"], row["passages"]).refused == row["refused"] for row in rows
    )
    return {
        "null_refusal": round(_mean(row["refused"] for row in nulls), 4),
        "refusal_thresholds": {
            "current": {
                "refuse_below": current.refuse_below,
                "min_term_overlap": current.min_term_overlap,
            },
            "grid_agrees_with_answers": round(agreement, 4),
            "grid": grid,
            "recommended": recommend(grid),
        },
    }


# ----- output ----------------------------------------------------------------------------------


def table(result: dict) -> list[str]:
    """The figures as Markdown."""
    overall, lat = result["overall"], result["latency"]
    lines = [
        f"embedder `{result['backend']}`, {result['answerable']} answerable + "
        f"{result['null']} null questions",
        "",
        "| scope | n | Hits@4 | Hits@10 | MRR@10 | MAP@10 | all facts@10 | cites all gold outlets"
        " | false refusal |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in [("all", overall), *result["by_type"].items()]:
        lines.append(
            f"| {name} | {s['questions']} | {s['hits@4']:.4f} | {s['hits@10']:.4f} | "
            f"{s['mrr@10']:.4f} | {s['map@10']:.4f} | {s['all_facts@10']:.4f} | "
            f"{s.get('answers_cite_all_gold_outlets', float('nan')):.4f} | "
            f"{s.get('false_refusal', float('nan')):.4f} |"
        )
    lines += [
        "",
        f"Null questions refused: {result.get('null_refusal', float('nan')):.4f}; top-10 "
        f"outlets cover every "
        f"gold outlet: {overall['top10_outlets_cover_gold']:.4f}",
        "",
        "| latency | p50 ms | p95 ms | mean ms |",
        "|---|---|---|---|",
    ]
    for name, value in lat.items():
        if isinstance(value, dict):
            lines.append(f"| {name} | {value['p50_ms']} | {value['p95_ms']} | {value['mean_ms']} |")
    if "refusal_thresholds" in result:
        lines += _threshold_lines(result["refusal_thresholds"])
    lines += ["", "Worst failures (* = relevant chunk):"]
    for item in result["worst"]:
        lines += [
            "",
            f"- **{item['query']}** ({item['type']}; gold: {', '.join(item['gold_outlets'])}; "
            f"facts found {item['gold_facts_found']}; answer cited: "
            f"{', '.join(item['answer_outlets']) or 'refused'})",
            *[f"  - `{line}`" for line in item["retrieved"]],
        ]
    return lines


def _threshold_lines(thresholds: dict) -> list[str]:
    lines = [
        "",
        f"Refusal thresholds (current {thresholds['current']}; grid reproduces the answers' "
        f"refusals for {thresholds['grid_agrees_with_answers']:.4f} of questions):",
        "",
        "| refuse_below | min_term_overlap | null refusal | false refusal |",
        "|---|---|---|---|",
    ]
    for g in thresholds["grid"]:
        lines.append(
            f"| {g['refuse_below']} | {g['min_term_overlap']} | {g['null_refusal']} | "
            f"{g['false_refusal']} |"
        )
    lines += [
        "",
        f"Most null refusals at <= 2% false refusals: "
        f"{thresholds['recommended']['at_most_2pct_false_refusal']}; best balance (null refusal "
        f"minus false refusal): {thresholds['recommended']['best_balance']}",
    ]
    return lines


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, help="reuse this built corpus index")
    parser.add_argument("--backend", choices=BACKENDS, help="embedder (when building)")
    parser.add_argument("--limit", type=int, help="only the first N dev records")
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    parser.add_argument("--details", action="store_true", help="JSON: include every question")
    parser.add_argument(
        "--retrieval-only", action="store_true", help="skip the answer chain (faster)"
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also retrieve with per-part retrieval off, scored and timed in the same run",
    )
    args = parser.parse_args(argv)
    result = run(args.index_dir, args.backend, args.limit, args.retrieval_only, args.baseline)
    rows = result.pop("_rows")
    if args.details:
        result["per_question"] = [
            {key: value for key, value in row.items() if key != "passages"} for row in rows
        ]
    print_json_or_table(result, args.json, table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
