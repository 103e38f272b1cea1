"""Why answers quote articles outside the gold evidence (MultiHop-RAG dev): every quote from
an article not in the question's evidence list, by the step of the extractive answerer that
chose it and what the question said about the article it should have come from.

Runs the answers benchmark's answerer over its cached passages (``--cache``), tracing which
step chose each quote: a part's best sentence, a part's complement, the sentence of a named
(or covering) outlet no part quoted, the fallback, a summary point, or a who/which lead's
naming sentence.

    python benchmarks/gold_causes.py --index-dir /tmp/bench-copy --cache /tmp/answers-cache
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from answers import load_answerer, load_questions, retrieved_passages  # noqa: E402

from assistant import extractive  # noqa: E402
from assistant.claims import day_named, on_day  # noqa: E402
from assistant.outlets import outlets_named_in  # noqa: E402


class Trace:
    """The steps' picks of one answer, recorded by wrapping the extractive module's helpers."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        """Forget the previous answer's picks."""
        self.picks: list[tuple[str, object]] = []
        self.claims: list = []
        self.supports: list = []
        self.rest_docs: list = []

    def install(self) -> None:
        """Wrap the helpers the answerer calls through ``assistant.extractive``."""
        module = extractive
        trace = self

        def wrap(name, stage, many=False):
            original = getattr(module, name)

            def wrapped(*args, **kwargs):
                found = original(*args, **kwargs)
                if stage == "lead":
                    items = found[1]
                elif stage == "naming":
                    items = found[0]
                elif many:
                    items = found
                else:
                    items = [found] if found is not None else []
                trace.picks += [(stage, c) for c in items]
                return found

            setattr(module, name, wrapped)

        wrap("complement", "complement")
        wrap("summary_points", "summary", many=True)
        wrap("entity_lead", "lead")
        wrap("naming_quotes", "naming")
        claims_of = module.claims_of

        def traced_claims(*args, **kwargs):
            trace.claims = claims_of(*args, **kwargs)
            return trace.claims

        module.claims_of = traced_claims
        select = module.ExtractiveAnswerer._select

        def traced_select(self, *args, **kwargs):
            selection = select(self, *args, **kwargs)
            trace.supports = list(selection.supports)
            trace.picks += [("chosen", c) for c in selection.chosen]
            return selection

        module.ExtractiveAnswerer._select = traced_select


def _overlaps(citation, candidate) -> bool:
    article, start, end = candidate.key
    return article == citation.article_id and start < citation.end and citation.start < end


def stage_of(citation, trace: Trace) -> str:
    """The step that chose the citation's sentence."""
    for support in trace.supports:
        if support.best is not None and _overlaps(citation, support.best):
            return "part-meaning" if support.meaning else "part"
    order = ["complement", "summary", "lead", "naming"]
    for stage in order:
        if any(s == stage and _overlaps(citation, c) for s, c in trace.picks):
            return stage
    if any(s == "chosen" and _overlaps(citation, c) for s, c in trace.picks):
        return "outlet-fill"
    return "other"


def support_of(citation, trace: Trace):
    """The part's support whose best sentence the citation quotes, if any."""
    return next(
        (s for s in trace.supports if s.best is not None and _overlaps(citation, s.best)), None
    )


def classify(question: dict, citation, trace: Trace, documents, outlets, cited) -> str:
    """The cause of one outside-gold quote."""
    gold = question["evidence_list"]
    gold_outlets = {f["source"] for f in gold}
    named = outlets_named_in(question["query"], outlets)
    stage = stage_of(citation, trace)
    if citation.outlet not in gold_outlets:
        where = "named-non-gold" if citation.outlet in named else "unnamed-outlet"
        return f"{stage}/{where}"
    # a wrong article of a gold outlet
    same = [f for f in gold if f["source"] == citation.outlet]
    gold_titles = {f["title"] for f in same} - cited
    if not gold_titles:
        return f"{stage}/extra-article-of-quoted-gold-outlet"
    retrieved = {d.metadata.get("title") for d in documents}
    rest = {d.metadata.get("title") for d in trace.rest_docs}
    if gold_titles & retrieved:
        have = "gold-retrieved"
    elif gold_titles & rest:
        have = "gold-in-rest"
    else:
        have = "gold-absent"
    support = support_of(citation, trace)
    day = support.claim.day if support is not None else ""
    gold_days = {f["published_at"][:10] for f in same}
    published = (citation.published or "")[:10]
    if day and any(g.endswith(day) for g in gold_days) and not published.endswith(day):
        clue = "part-date-missed"
    elif day_named(question["query"]) and not day:
        clue = "question-date-not-on-part"
    elif day:
        clue = "part-date-other"
    else:
        clue = "no-date"
    return f"{stage}/wrong-article/{clue}/{have}"


def main(argv: list[str] | None = None) -> int:
    """Command line: prints the cause counts and writes every outside quote to --out."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    questions = load_questions(None)
    passages = retrieved_passages(args.index_dir, questions, args.cache / "passages-1026.pkl")
    outlets = sorted({f["source"] for q in questions for f in q["evidence_list"]})
    trace = Trace()
    trace.install()
    answerer = load_answerer(None, args.index_dir)
    read = answerer.article_chunks

    def reading(ids):
        found = read(ids)
        trace.rest_docs = found
        return found

    answerer.article_chunks = reading
    counts: collections.Counter[str] = collections.Counter()
    rows = []
    total = 0
    stages: collections.Counter[tuple[str, bool]] = collections.Counter()
    off_day: collections.Counter[bool] = collections.Counter()
    for index, (question, documents) in enumerate(zip(questions, passages)):
        if question["question_type"] == "null_query":
            continue
        trace.reset()
        answer = answerer.answer(question["query"], documents)
        if not trace.rest_docs:
            trace.rest_docs = read({str(d.metadata.get("article_id")) for d in documents})
        gold_titles = {f["title"] for f in question["evidence_list"]}
        for support in trace.supports:
            if support.claim.day and support.best is not None:
                published = str(support.best.document.metadata.get("published") or "")
                off_day[on_day(support.claim.day, published)] += 1
        total += len(answer.citations)
        cited = {c.title for c in answer.citations}
        for citation in answer.citations:
            stages[(stage_of(citation, trace), citation.title in gold_titles)] += 1
            if citation.title in gold_titles:
                continue
            cause = classify(question, citation, trace, documents, outlets, cited)
            counts[cause] += 1
            support = support_of(citation, trace)
            rows.append(
                {
                    "id": index,
                    "type": question["question_type"],
                    "query": question["query"],
                    "cause": cause,
                    "outlet": citation.outlet,
                    "title": citation.title,
                    "published": (citation.published or "")[:10],
                    "quote": citation.quote,
                    "part": support.claim.text if support else "",
                    "part_outlet": support.claim.outlet if support else "",
                    "part_day": support.claim.day if support else "",
                    "claims": [(c.text, c.outlet, c.day) for c in trace.claims],
                    "gold": [
                        (f["source"], f["title"], f["published_at"][:10])
                        for f in question["evidence_list"]
                    ],
                }
            )
    outside = sum(counts.values())
    print(f"quotes {total}, outside {outside} ({outside / max(total, 1):.3f})")
    for cause, n in counts.most_common():
        print(f"{n:5d}  {cause}")
    print(f"dated parts: quote of the part's day {off_day[True]}, of another day {off_day[False]}")
    print("quotes by step (in gold, outside):")
    for stage in sorted({s for s, _ in stages}):
        print(f"  {stage:14s} {stages[(stage, True)]:5d} {stages[(stage, False)]:5d}")
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
