"""Benchmark: does ``Assistant.compare`` cover every outlet a comparison question is about?

MultiHop-RAG dev questions of type ``comparison_query`` each have gold evidence from one to
three articles. For each question the comparison is run on the question text, as a user
would type it, and scored:

- outlet coverage (the target, >= 90%): every gold outlet is among the compared outlets
  and has at least one quoted claim;
- article coverage: every gold evidence article has at least one quoted claim;
- fact recall: share of gold facts (verbatim sentences) found among the quoted claims.

The 609-article corpus must be indexed: pass ``--index-dir`` (e.g. the index built by
``benchmarks/index_build.py``), or the script indexes ``corpus.json`` into a temporary folder
first (5-8 minutes on 2 cores).

``--calibrate`` instead checks the claim alignment threshold against hand-labelled pairs
(``benchmarks/data/compare_alignment_labels.json``, see ``docs/compare.md``): the pairs the
Hungarian alignment makes between the seed articles and between eight same-story article
pairs of the MultiHop-RAG corpus, each labelled "same claim" or not by reading it.

Usage::

    .venv/bin/python benchmarks/compare.py [--index-dir DIR] [--limit N] [--json]
    .venv/bin/python benchmarks/compare.py --calibrate
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from common import built_with  # noqa: E402

MULTIHOP = ROOT.parent / "shared" / "data" / "multihop-rag"
LABELS = ROOT / "benchmarks" / "data" / "compare_alignment_labels.json"


def comparison_questions(path: Path, limit: int | None) -> list[dict]:
    """The dev set's comparison questions (in file order), at most ``limit``."""
    questions = [
        q for q in json.loads(path.read_text()) if q["question_type"] == "comparison_query"
    ]
    return questions[:limit] if limit else questions


def squeeze(text: str) -> str:
    """Text without whitespace, for robust substring tests."""
    return re.sub(r"\s+", "", text)


def score(question: dict, comparison) -> dict:
    """Coverage of one comparison against the question's gold evidence."""
    evidence = question["evidence_list"]
    gold_outlets = {e["source"] for e in evidence}
    claims = [c for claims in comparison.per_outlet.values() for c in claims]
    citations = {c.number: c for c in comparison.citations}
    quoting = {o for o in comparison.outlets if comparison.per_outlet.get(o)}
    quoted_articles = {citations[c.citation].url for c in claims}
    quotes = [squeeze(c.quote) for c in claims]
    facts_found = sum(
        any(squeeze(e["fact"]) in q or (len(q) > 40 and q in squeeze(e["fact"])) for q in quotes)
        for e in evidence
    )
    return {
        "outlets": gold_outlets <= quoting,
        "articles": all(e["url"] in quoted_articles for e in evidence),
        "facts": facts_found / len(evidence),
        "n_gold_outlets": len(gold_outlets),
        "n_compared": len(comparison.outlets),
    }


def build_index(folder: Path) -> None:
    """Index the MultiHop-RAG corpus into ``folder`` (the default embedder)."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    started = time.perf_counter()
    assistant = Assistant(load_settings(index_dir=folder))
    report = assistant.index([MULTIHOP / "corpus.json"])
    print(f"indexed: {report.summary()} in {time.perf_counter() - started:.0f}s", file=sys.stderr)


def run(index_dir: Path, questions: list[dict]) -> dict:
    """Compare on every question with the embedder that built the index; returns the totals
    and per-question rows."""
    from assistant.core import Assistant
    from assistant.settings import load_settings

    backend = (built_with(index_dir) or "onnx-int8").split(":", 1)[0]
    assistant = Assistant(load_settings(index_dir=index_dir, embedding_backend=backend))
    rows, seconds = [], []
    for number, question in enumerate(questions, start=1):
        started = time.perf_counter()
        comparison = assistant.compare(question["query"])
        seconds.append(time.perf_counter() - started)
        row = score(question, comparison)
        row["query"] = question["query"]
        row["compared"] = comparison.outlets
        row["gold"] = sorted({e["source"] for e in question["evidence_list"]})
        rows.append(row)
        if number % 25 == 0:
            print(f"  {number}/{len(questions)}", file=sys.stderr)
    n = len(rows)
    return {
        "questions": n,
        "outlet_coverage": sum(r["outlets"] for r in rows) / n,
        "article_coverage": sum(r["articles"] for r in rows) / n,
        "fact_recall": statistics.mean(r["facts"] for r in rows),
        "mean_outlets_compared": statistics.mean(r["n_compared"] for r in rows),
        "seconds_median": statistics.median(seconds),
        "seconds_p95": sorted(seconds)[int(0.95 * (n - 1))],
        "misses": [r for r in rows if not r["outlets"]],
    }


def labelled_pairs() -> list[tuple[str, str, str, bool]]:
    """(document pair id, sentence a, sentence b, same claim) of the calibration labels."""
    from assistant.loaders import load_paths

    seeds = {article.outlet: article.text for article in load_paths([ROOT / "seeds"]).articles}
    corpus = {a["url"]: a["body"] for a in json.loads((MULTIHOP / "corpus.json").read_text())}

    def text(ref: dict) -> tuple[str, str]:
        body = seeds[ref["seed"]] if "seed" in ref else corpus[ref["url"]]
        return ref.get("seed") or ref["url"], body[ref["start"] : ref["end"]]

    pairs = []
    for row in json.loads(LABELS.read_text()):
        (doc_a, a), (doc_b, b) = text(row["a"]), text(row["b"])
        pairs.append((f"{doc_a}|{doc_b}", a, b, row["same_claim"]))
    return pairs


def calibrate(embeddings) -> dict:
    """Precision and recall of "same claim" at alignment score thresholds."""
    import numpy as np

    from assistant.compare import CompareConfig, inverse_document_frequencies, weighted_dice
    from assistant.lexical import tokenize

    pairs = labelled_pairs()
    config = CompareConfig()
    vectors_a = np.asarray(embeddings.embed_documents([p[1] for p in pairs]))
    vectors_b = np.asarray(embeddings.embed_documents([p[2] for p in pairs]))
    cosine = (vectors_a * vectors_b).sum(axis=1)
    idf_by_doc: dict[str, list[set[str]]] = {}
    for doc, a, b, _ in pairs:
        idf_by_doc.setdefault(doc, []).extend([set(tokenize(a)), set(tokenize(b))])
    idf = {doc: inverse_document_frequencies(sets) for doc, sets in idf_by_doc.items()}
    lexical = np.array(
        [weighted_dice(set(tokenize(a)), set(tokenize(b)), idf[doc]) for doc, a, b, _ in pairs]
    )
    truth = np.array([p[3] for p in pairs])
    table = []
    for threshold in np.arange(0.60, 1.01, 0.025):
        for name, scores in (
            ("cosine", cosine),
            ("cosine+lexical", cosine + config.lexical_weight * lexical),
        ):
            chosen = scores >= threshold
            hits = int((chosen & truth).sum())
            table.append(
                {
                    "score": name,
                    "threshold": round(float(threshold), 3),
                    "precision": hits / max(int(chosen.sum()), 1),
                    "recall": hits / int(truth.sum()),
                }
            )
    return {
        "pairs": len(pairs),
        "same_claim": int(truth.sum()),
        "align_threshold": config.align_threshold,
        "table": table,
    }


def print_calibration(result: dict) -> None:
    """The precision/recall table, the configured threshold marked."""
    print(f"labelled pairs: {result['pairs']} ({result['same_claim']} same claim)")
    print("threshold  cosine P/R    cosine+lexical P/R")
    rows: dict[float, dict] = {}
    for row in result["table"]:
        rows.setdefault(row["threshold"], {})[row["score"]] = row
    for threshold, by in rows.items():
        mark = "  <- align_threshold" if abs(threshold - result["align_threshold"]) < 1e-6 else ""
        plain, mixed = by["cosine"], by["cosine+lexical"]
        print(
            f"  {threshold:.3f}    {plain['precision']:.2f}/{plain['recall']:.2f}"
            f"      {mixed['precision']:.2f}/{mixed['recall']:.2f}{mark}"
        )


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, help="an index of the MultiHop-RAG corpus")
    parser.add_argument("--queries", type=Path, default=MULTIHOP / "queries-dev.json")
    parser.add_argument("--limit", type=int, help="only the first N comparison questions")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--calibrate", action="store_true", help="check the alignment threshold")
    args = parser.parse_args(argv)

    if args.calibrate:
        from assistant.embeddings import TorchEmbeddings

        result = calibrate(TorchEmbeddings("all-MiniLM-L6-v2"))  # calibrated on fp32
        print(json.dumps(result, indent=2)) if args.json else print_calibration(result)
        return 0
    questions = comparison_questions(args.queries, args.limit)
    with tempfile.TemporaryDirectory(prefix="compare-bench-") as scratch:
        index_dir = args.index_dir
        if index_dir is None:
            index_dir = Path(scratch) / "index"
            build_index(index_dir)
        result = run(index_dir, questions)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"comparison questions:   {result['questions']}")
    print(f"outlet coverage:        {result['outlet_coverage']:.1%}  (target >= 90%)")
    print(f"article coverage:       {result['article_coverage']:.1%}")
    print(f"gold fact recall:       {result['fact_recall']:.1%}")
    print(f"outlets compared (mean): {result['mean_outlets_compared']:.2f}")
    print(
        f"seconds per comparison: median {result['seconds_median']:.2f},"
        f" p95 {result['seconds_p95']:.2f}"
    )
    for miss in result["misses"][:10]:
        print(f"  missed: gold {miss['gold']} compared {miss['compared']}: {miss['query'][:90]}")
    return 0 if result["outlet_coverage"] >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
