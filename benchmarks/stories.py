"""Benchmark: story clustering quality on MultiHop-RAG dev, and its speed on the corpus.

    .venv/bin/python benchmarks/stories.py --index-dir DIR [--json] [--no-sweep]

DIR is an index of the 609-article corpus (build it once and keep it:
``benchmarks/index_build.py --keep DIR``).

Quality. Each dev question whose gold evidence comes from two or more outlets names
articles that, by construction of MultiHop-RAG, tell one event or related events about one
entity. Every two distinct evidence articles of such a question are a *gold pair*.
Pairwise recall = gold pairs the clustering puts in one story / gold pairs (also by question
type: inference, comparison, temporal). Pairwise precision = same-story pairs of evidence
articles that are gold pairs / same-story pairs of evidence articles (a lower bound: two
articles on one event that no question happens to link count as wrong). B-cubed figures are
given over the gold groups (connected components of the gold pairs).

Speed. Clustering the corpus from nothing (reading the vectors from Chroma, the texts from
the ledger, clustering, writing the story table), clustering alone (in memory), adding one
article (its story sync after the index has embedded it, against the embedding itself) and
removing it, and listing the stories (cold: built from the table; warm: cached).
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import asdict, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import QUERIES, Timer, latency_ms, machine, print_json_or_table  # noqa: E402

from assistant.stories.clustering import Clusterer, StoryConfig  # noqa: E402
from assistant.stories.service import Stories  # noqa: E402
from assistant.stories.state import StoryIndex  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "001_b78cba42e385423e.txt"


def gold_questions(rows) -> list[dict]:
    """Multi-outlet dev questions with their evidence as indexed article ids."""
    by_url = {row.url: row.article_id for row in rows if row.url}
    by_title = {(row.outlet, row.title): row.article_id for row in rows}
    found = []
    for question in json.loads(QUERIES.read_text(encoding="utf-8")):
        evidence = question.get("evidence_list") or []
        if len({e["source"] for e in evidence}) < 2:
            continue
        ids = []
        for item in evidence:
            article = by_url.get(item.get("url")) or by_title.get((item["source"], item["title"]))
            if article and article not in ids:
                ids.append(article)
        if len(ids) >= 2:
            found.append({"type": question["question_type"], "articles": ids})
    return found


def gold_pairs(questions: list[dict]) -> dict[str, set[frozenset]]:
    """Question type -> its gold pairs ('all' for every type)."""
    pairs: dict[str, set[frozenset]] = defaultdict(set)
    for question in questions:
        for a, b in itertools.combinations(question["articles"], 2):
            pairs[question["type"]].add(frozenset((a, b)))
            pairs["all"].add(frozenset((a, b)))
    return pairs


def components(pairs: set[frozenset]) -> dict[str, int]:
    """Article -> gold group number (connected components of the pairs)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for pair in pairs:
        a, b = tuple(pair)
        parent[root(a)] = root(b)
    roots = {x: root(x) for x in parent}
    numbers = {r: n for n, r in enumerate(sorted(set(roots.values())))}
    return {x: numbers[r] for x, r in roots.items()}


def score(story_of: dict[str, str], pairs: dict[str, set[frozenset]]) -> dict:
    """Pairwise recall (all and by type), precision and B-cubed of one clustering."""
    result: dict = {}
    for kind, wanted in sorted(pairs.items()):
        together = sum(1 for p in wanted if len({story_of.get(a) for a in p}) == 1)
        result[f"recall_{kind}"] = round(together / len(wanted), 4) if wanted else None
    universe = {a for p in pairs["all"] for a in p}
    by_story: dict[str, list[str]] = defaultdict(list)
    for article in universe:
        by_story[story_of.get(article, article)].append(article)
    predicted = {frozenset(p) for g in by_story.values() for p in itertools.combinations(g, 2)}
    hits = len(predicted & pairs["all"])
    result["precision"] = round(hits / len(predicted), 4) if predicted else None
    group = components(pairs["all"])
    p_sum = r_sum = 0.0
    for article in universe:
        same_story = by_story[story_of.get(article, article)]
        same_group = [a for a in universe if group[a] == group[article]]
        both = sum(1 for a in same_story if group[a] == group[article])
        p_sum += both / len(same_story)
        r_sum += both / len(same_group)
    precision, recall = p_sum / len(universe), r_sum / len(universe)
    result["bcubed_precision"] = round(precision, 4)
    result["bcubed_recall"] = round(recall, 4)
    result["bcubed_f1"] = round(2 * precision * recall / (precision + recall), 4)
    return result


def by_distance(story_of: dict[str, str], pairs, items, limit_days: float) -> dict:
    """Recall and counts of the gold pairs published within ``limit_days`` of each other and
    of those further apart (a story's window cannot hold the latter unless others bridge)."""
    ts = {item.article_id: item.ts for item in items}
    near, far = [], []
    for pair in pairs["all"]:
        a, b = tuple(pair)
        if ts.get(a) is None or ts.get(b) is None:
            continue
        together = story_of.get(a) == story_of.get(b)
        (near if abs(ts[a] - ts[b]) <= limit_days * 86_400 else far).append(together)
    return {
        "pairs_within": len(near),
        "recall_within": round(sum(near) / len(near), 4) if near else None,
        "pairs_further": len(far),
        "recall_further": round(sum(far) / len(far), 4) if far else None,
    }


def cluster(items_by_vector: dict, config: StoryConfig) -> tuple[dict[str, str], int]:
    """Article -> story id under ``config``, and the number of stories."""
    clusterer = Clusterer(config)
    clusterer.add_all(items_by_vector[config.vector])
    return dict(clusterer.story_of), len(clusterer.clusters)


def sweep(items_by_vector: dict, pairs) -> list[dict]:
    """Quality over a grid of thresholds, term weights, windows and vectors."""
    rows = []
    grid = itertools.product(
        ("mean", "lead"), (0.0, 0.3), (1.0, 3.0, 7.0), (0.6, 0.65, 0.7, 0.72, 0.75, 0.8, 0.85)
    )
    for vector, weight, window, threshold in grid:
        config = StoryConfig(threshold, weight, window, vector)
        story_of, count = cluster(items_by_vector, config)
        sizes = Counter(story_of.values())
        multi = sum(1 for n in sizes.values() if n >= 2)
        rows.append(
            {**asdict(config), "stories": count, "multi_article": multi, **score(story_of, pairs)}
        )
    return rows


def speed(assistant, work: Path) -> dict:
    """Clustering the corpus, adding and removing one article, listing."""
    store = assistant.store
    result: dict = {}
    index = StoryIndex(work / "full")
    with Timer() as timer:
        index.sync(store)
    result["cluster_corpus_ms"] = round(1000 * timer.seconds, 1)
    result["cluster_corpus_cpu_ms"] = round(1000 * timer.cpu_seconds, 1)
    items = index.items()
    with Timer() as timer:
        Clusterer(index.config).add_all(items)
    result["cluster_in_memory_ms"] = round(1000 * timer.seconds, 1)
    result["articles"] = len(items)
    with Timer() as embed:
        report = store.sync([SEED], remove_missing=False)
    with Timer() as join:
        joined = index.sync(store)
    result["add_one"] = {
        "embed_and_index_ms": round(1000 * embed.seconds, 1),
        "story_sync_ms": round(1000 * join.seconds, 1),
        "story_sync_cpu_ms": round(1000 * join.cpu_seconds, 1),
        "ratio_story_to_index": round(join.seconds / embed.seconds, 4),
        "joined": joined.joined,
        "added": report.added,
    }
    store.remove(report.added)
    with Timer() as leave:
        left = index.sync(store)
    result["remove_one"] = {"story_sync_ms": round(1000 * leave.seconds, 1), "left": left.left}
    stories = Stories(assistant)
    stories._index = index
    cold, cold_cpu, warm = [], [], []
    for _ in range(10):
        stories._cache = None
        with Timer() as timer:
            listed = stories.listing()
        cold.append(timer.seconds)
        cold_cpu.append(timer.cpu_seconds)
        with Timer() as timer:
            stories.listing()
        warm.append(timer.seconds)
    result["list_cold"] = latency_ms(cold)
    result["list_cold_cpu"] = latency_ms(cold_cpu)
    result["list_warm"] = latency_ms(warm)
    result["stories"] = len(listed)
    result["multi_outlet_stories"] = sum(1 for s in listed if len(s.outlets) >= 2)
    result["with_not_covered_by"] = sum(1 for s in listed if s.not_covered_by)
    return result


def run(index_dir: Path, do_sweep: bool) -> dict:
    from common import open_assistant

    from assistant.settings import load_settings

    backend = load_settings().embedding_backend
    assistant = open_assistant(index_dir, backend)
    assistant.embeddings.embed_query("warm up")
    rows = assistant.store.articles()
    questions = gold_questions(rows)
    pairs = gold_pairs(questions)
    result: dict = {"machine": machine(), "index_dir": str(index_dir), "backend": backend}
    result["gold"] = {
        "questions": len(questions),
        "by_type": dict(Counter(q["type"] for q in questions)),
        "pairs": {k: len(v) for k, v in pairs.items()},
        "articles": len({a for p in pairs["all"] for a in p}),
    }
    work = Path(tempfile.mkdtemp(prefix="stories-bench-"))
    try:
        result["speed"] = speed(assistant, work)
        index = StoryIndex(work / "full")
        items = {"mean": index.items()}
        items["lead"] = StoryIndex(work / "full", replace(index.config, vector="lead")).items()
        default = StoryConfig()
        story_of, count = cluster(items, default)
        result["default"] = {**asdict(default), "stories": count, **score(story_of, pairs)}
        result["default_by_distance"] = by_distance(story_of, pairs, items["mean"], 3.0)
        if do_sweep:
            result["sweep"] = sweep(items, pairs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return result


def table(result: dict) -> list[str]:
    """Markdown lines of the result."""
    lines = [f"gold: {json.dumps(result['gold'])}", "", "default: " + json.dumps(result["default"])]
    lines += ["", "by distance: " + json.dumps(result["default_by_distance"])]
    lines += ["", "speed: " + json.dumps(result["speed"], indent=1)]
    if "sweep" in result:
        keys = [
            "vector",
            "term_weight",
            "window_days",
            "threshold",
            "stories",
            "multi_article",
            "recall_all",
            "recall_inference_query",
            "recall_comparison_query",
            "recall_temporal_query",
            "precision",
            "bcubed_precision",
            "bcubed_recall",
            "bcubed_f1",
        ]
        lines += ["", "| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
        for row in result["sweep"]:
            lines.append("| " + " | ".join(str(row.get(k)) for k in keys) + " |")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="a corpus index folder")
    parser.add_argument("--no-sweep", action="store_true", help="only the default thresholds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    print_json_or_table(run(args.index_dir, not args.no_sweep), args.json, table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
