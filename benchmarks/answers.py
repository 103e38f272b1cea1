"""Answer quality on MultiHop-RAG dev through the real Assistant (issue 12).

For inference, comparison and temporal questions: the share whose gold answer appears in
the lead line (the first paragraph of the answer text) and anywhere in it; the share of
quotes from articles outside the question's gold evidence; answerable questions refused;
multi-part questions (two or more outlets named) whose every named outlet is addressed
(cited, or named in a "no passage" line). For null questions: refused, or the answer says
the articles do not mention the subject. Warm p50/p95 of ``answer()`` over the retrieved
passages.

Retrieval runs once per question and is cached (``--cache``), so answerers are compared on
the same passages; ``--answerer-source FILE`` loads ``ExtractiveAnswerer`` from another file
(e.g. ``git show main:assistant/extractive.py``) to measure the baseline.

    python benchmarks/answers.py --index-dir /tmp/bench-index-copy --limit 150
"""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import pickle
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import QUERIES, built_with, latency_ms, open_assistant  # noqa: E402

from assistant.lexical import tokenize  # noqa: E402
from assistant.outlets import outlets_named_in  # noqa: E402

WHO_WHICH = re.compile(r"\s*(who|whom|which)\b", re.I)
MULTI_PART_TYPES = {"comparison_query", "temporal_query"}
NOT_COVERED = re.compile(
    r"do(es)? not (cover|mention)|no (quoted )?passage|no quotable sentence|include nothing from",
    re.I,
)


def load_questions(limit: int | None) -> list[dict]:
    """Dev questions in file order (the first ``limit``)."""
    questions = json.loads(QUERIES.read_text(encoding="utf-8"))
    return questions[:limit] if limit else questions


def retrieved_passages(index_dir: Path, questions: list[dict], cache: Path) -> list[list]:
    """The passages the chain gives the answerer for each question, cached by index+limit."""
    if cache.exists():
        stored = pickle.loads(cache.read_bytes())
        if len(stored) >= len(questions):
            return stored[: len(questions)]
    embedder = built_with(index_dir)
    if embedder is None:
        raise SystemExit(f"{index_dir} holds no built index")
    assistant = open_assistant(index_dir, embedder.split(":", 1)[0])
    k = assistant.settings.top_k
    passages = [assistant.retrieve(q["query"], k=k) for q in questions]
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(passages))
    return passages


def generative_answerer(llm: str, base_url: str | None, index_dir: Path):
    """The generative answerer for ``llm`` (e.g. ``openai:smollm2`` at a llama.cpp server's
    ``/v1``), with the project's prompts and the index's embedder for grounding."""
    from assistant.generative import make_generative_answerer
    from assistant.settings import load_settings

    embedder = built_with(index_dir) or "onnx-int8"
    assistant = open_assistant(index_dir, embedder.split(":", 1)[0])
    settings = load_settings(index_dir=index_dir, llm=llm, llm_base_url=base_url)
    return make_generative_answerer(settings, assistant.embeddings)


@functools.cache
def corpus_outlets() -> list[str]:
    """The outlets of the indexed corpus (the index holds every corpus article)."""
    corpus = json.loads((QUERIES.parent / "corpus.json").read_text(encoding="utf-8"))
    return sorted({article["source"] for article in corpus})


def load_answerer(source: Path | None, index_dir: Path | None = None):
    """``ExtractiveAnswerer()`` from this tree (reading the rest of retrieved articles from
    ``index_dir``, as the Assistant's does), or from ``source`` (a baseline's file)."""
    if source is None:
        from assistant.extractive import ExtractiveAnswerer

        chunks, embeddings, naming = None, None, None
        if index_dir is not None:
            embedder = built_with(index_dir)
            backend = embedder.split(":", 1)[0] if embedder else "onnx-int8"
            assistant = open_assistant(index_dir, backend)
            chunks, embeddings = assistant._article_chunks, assistant.embeddings
            naming = assistant._chunks_naming
        return ExtractiveAnswerer(
            embeddings, outlets=corpus_outlets, article_chunks=chunks, chunks_naming=naming
        )
    spec = importlib.util.spec_from_file_location("assistant._baseline_extractive", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.ExtractiveAnswerer()


def contains_answer(text: str, gold: str) -> bool:
    """The gold answer as a whole-word, case-insensitive substring."""
    return re.search(rf"(?<!\w){re.escape(gold.strip().lower())}(?!\w)", text.lower()) is not None


def found_in(text: str, gold: str, lead: bool) -> bool:
    """A yes/no gold answer counts only as the lead's first word ("no passage…" in a note
    is no "no"); any other gold answer as a whole-word substring."""
    if gold.strip().lower() in {"yes", "no"}:
        first = text.split("\n\n", 1)[0].lstrip().split(" ", 1)[0].strip(",.:;").lower()
        return first == gold.strip().lower()
    return contains_answer(text, gold)


def score(question: dict, documents: list, answer, outlets: list[str]) -> dict:
    """One question's figures."""
    text = answer.text
    lead = text.split("\n\n", 1)[0]
    gold_titles = {fact["title"] for fact in question["evidence_list"]}
    named = outlets_named_in(question["query"], outlets)
    verdict = _verdict_word(lead)
    row = {
        "type": question["question_type"],
        "refused": answer.refused,
        "null_handled": answer.refused or bool(NOT_COVERED.search(text)),
        "lead": found_in(lead, question["answer"], lead=True),
        "anywhere": found_in(text, question["answer"], lead=False),
        "quotes": len(answer.citations),
        "outside": sum(c.title not in gold_titles for c in answer.citations),
        "on_fact": sum(_holds_fact(c, question["evidence_list"]) for c in answer.citations),
        "yes_no": question["answer"].strip().lower() in {"yes", "no"},
        "who_which": WHO_WHICH.match(question["query"]) is not None,
        "all_gold_quoted": gold_titles <= {c.title for c in answer.citations},
        "parts": len(named),
        "parts_addressed": all(name.lower() in text.lower() for name in named),
        "verdict": verdict,
        "verdict_right": bool(verdict) and verdict == question["answer"].strip().lower(),
    }
    return row


FACT_SHARE = 0.5  # of a gold fact's words a quote holds to count as quoting it


def _holds_fact(citation, facts: list[dict]) -> bool:
    """Whether a quote holds most of one of its article's gold evidence facts (a proxy for
    "addresses the question": other sentences may answer as well, so it is a floor)."""
    words = set(tokenize(citation.quote))
    for fact in facts:
        if fact["title"] != citation.title:
            continue
        terms = set(tokenize(fact["fact"]))
        if terms and len(terms & words) >= FACT_SHARE * len(terms):
            return True
    return False


_VERDICT = re.compile(r"^(yes|no|before|after), by the articles' dates:", re.I)


def _verdict_word(lead: str) -> str:
    """The lead's order verdict ("yes", "no", "before", "after"), or ""."""
    found = _VERDICT.match(lead.strip())
    return found.group(1).lower() if found else ""


def summarise(rows: list[dict], seconds: list[float]) -> dict:
    """The reader-facing figures."""
    answerable = [r for r in rows if r["type"] != "null_query"]
    nulls = [r for r in rows if r["type"] == "null_query"]
    multi = [r for r in answerable if r["parts"] >= 2]
    who = [r for r in answerable if r["who_which"]]
    parted = [r for r in answerable if r["type"] in MULTI_PART_TYPES or r["yes_no"]]
    quotes = sum(r["quotes"] for r in answerable) or 1

    def share(items, key):
        return round(sum(bool(r[key]) for r in items) / max(len(items), 1), 3)

    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "lead": share(answerable, "lead"),
        "anywhere": share(answerable, "anywhere"),
        "who_which": len(who),
        "who_which_lead": share(who, "lead"),
        "who_which_anywhere": share(who, "anywhere"),
        "parted": len(parted),
        "parted_all_gold_quoted": share(parted, "all_gold_quoted"),
        "quotes_per_answer": round(quotes / max(len(answerable), 1), 2),
        "outside_gold_quotes": round(sum(r["outside"] for r in answerable) / quotes, 3),
        "quotes_on_a_gold_fact": round(sum(r.get("on_fact", 0) for r in answerable) / quotes, 3),
        "null_handled": share(nulls, "null_handled"),
        "answerable_refused": share(answerable, "refused"),
        "multi_part": len(multi),
        "multi_part_all_addressed": share(multi, "parts_addressed"),
        "order_verdicts": sum(bool(r.get("verdict")) for r in answerable),
        "order_verdicts_agreeing": sum(bool(r.get("verdict_right")) for r in answerable),
        "answer_latency": latency_ms(seconds),
    }


def run(args) -> dict:
    """Answer every question over its cached passages and score it."""
    questions = load_questions(args.limit)
    cache = args.cache / f"passages-{len(questions)}.pkl"
    passages = retrieved_passages(args.index_dir, questions, cache)
    if args.llm:
        answerer = generative_answerer(args.llm, args.llm_url, args.index_dir)
        questions, passages = questions[: args.llm_limit], passages[: args.llm_limit]
    else:
        answerer = load_answerer(args.answerer_source, args.index_dir)
    outlets = sorted(
        {f["source"] for q in json.loads(QUERIES.read_text()) for f in q["evidence_list"]}
    )
    for q, docs in list(zip(questions, passages))[:5]:
        answerer.answer(q["query"], docs)  # warm
    rows, seconds = [], []
    for question, documents in zip(questions, passages):
        started = time.perf_counter()
        answer = answerer.answer(question["query"], documents)
        seconds.append(time.perf_counter() - started)
        rows.append(score(question, documents, answer, outlets))
        if args.details:
            rows[-1].update(id=len(rows) - 1, query=question["query"], gold=question["answer"])
            rows[-1]["text"] = answer.text
    if args.details:
        args.details.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return summarise(rows, seconds)


def main(argv: list[str] | None = None) -> int:
    """Command line: prints the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="a COPY of the index")
    parser.add_argument("--limit", type=int, default=None, help="first N dev questions")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/answers-work"))
    parser.add_argument("--llm", default=None, help="e.g. openai:smollm2 (generative path)")
    parser.add_argument("--llm-url", default=None, help="the LLM server's /v1 base URL")
    parser.add_argument("--llm-limit", type=int, default=50, help="questions through the LLM")
    parser.add_argument("--details", type=Path, default=None, help="write every answer here")
    parser.add_argument("--answerer-source", type=Path, default=None, help="baseline file")
    args = parser.parse_args(argv)
    print(json.dumps(run(args), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
