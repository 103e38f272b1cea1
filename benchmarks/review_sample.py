"""The blind reader review's sample as one markdown file (issue 12, docs/answers.md).

For each of the 50 fixed questions (40 MultiHop-RAG dev positions, 10 seed questions): the
question, its type, the gold answer (dev) or a gold note (seeds), the answer text exactly as
``Assistant.answer`` returns it, each citation, and an appendix with the full text of every
cited article and every gold evidence article, each printed once. The reviewer reads it with
``benchmarks/review/RUBRIC.md`` and has not seen the code.

Dev answers come from a COPY of the benchmark index; seed answers from a fresh index of the
repo's ``seeds/`` built in a temporary folder with the same embedder.

    python benchmarks/review_sample.py --index-dir /tmp/bench-copy --out /tmp/review.md
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import CORPUS, QUERIES, ROOT, built_with, corpus_records, open_assistant  # noqa: E402

SEEDS = ROOT / "seeds"

# Positions (0-based) in queries-dev.json, as listed in docs/answers.md.
DEV_IDS = [
    9, 224, 418, 562, 592, 604, 730, 838, 1003, 1013,
    3, 368, 431, 710, 744, 827, 897, 933, 971, 1011,
    72, 176, 196, 254, 386, 410, 481, 640, 916, 1021,
    10, 63, 69, 201, 304, 421, 572, 835, 1001, 1009,
]  # fmt: skip

# The ten seed questions (docs/answers.md), with a type and a gold note written from seeds/.
SEED_QUESTIONS = [
    (
        "What does TASS say about Kherson?",
        "outlet summary",
        "TASS (2022-11-07, reporting La Repubblica): the US and NATO think peace talks on "
        "Ukraine would be possible if Kiev takes back Kherson; the battle has strategic and "
        "diplomatic significance; Kherson is a strategic target (sea access, control over "
        "water resources) whose return may change the course of the conflict, after which "
        "negotiations could be held 'from the position of force'; the first time the White "
        "House allowed for such a specific scenario.",
    ),
    (
        "How do TASS and fakty.com.ua describe the Ukrainian government differently?",
        "difference",
        "TASS says 'the Kiev regime' (and 'Kiev'); fakty.com.ua says 'the Ukrainian "
        "authorities'. Shared central claim, worded differently: talks become possible once "
        "Kherson is retaken (TASS: 'talks ... would be possible if Kiev takes back Kherson'; "
        "fakty: 'if and when Kherson is returned, then negotiations can begin').",
    ),
    (
        "Which newspaper do both reports cite?",
        "inference (name)",
        "La Repubblica (an Italian newspaper); both articles name it.",
    ),
    (
        "What would a complete defeat of Putin lead to?",
        "inference",
        "Both: the worst result for the US, Russia passing under China's control (fakty: 'a "
        "transfer of control of Russia to China'; TASS: 'Russia falling under China's full "
        "control'). fakty adds: better a hostile leader, bruised but independent of Beijing.",
    ),
    (
        "Who wrote the fakty.com.ua article?",
        "metadata (author)",
        "Oleg Kotov (the article's byline and its metadata).",
    ),
    (
        "When was the TASS article published?",
        "metadata (date)",
        "7 November 2022 (metadata; dateline 'ROME, November 7. /TASS/.').",
    ),
    (
        "What does the Red Cross say about Kherson?",
        "not covered",
        "Neither article mentions the Red Cross: the answer should say so, not quote Kherson text.",
    ),
    (
        "What does fakty.com.ua say about weapons deliveries?",
        "part without evidence",
        "fakty.com.ua says nothing about weapons deliveries (it mentions only the threat of a "
        "Russian nuclear bomb). TASS, not asked about, mentions anti-drone missiles sent to "
        "Kiev.",
    ),
    (
        "Do both outlets say negotiations are possible after Kherson is retaken?",
        "comparison (yes/no)",
        "Yes. fakty.com.ua: 'if and when Kherson is returned, then negotiations can begin'; "
        "TASS: talks 'would be possible if Kiev takes back Kherson'. Both attribute it to La "
        "Repubblica's account of the US/NATO view.",
    ),
    (
        "What does TASS report that fakty.com.ua leaves out?",
        "difference (one outlet only)",
        "TASS only: anti-drone missiles sent to Kiev; the first time the White House allowed "
        "such a scenario; Washington in constant contact with Brussels and allies; Putin's "
        "regime change no longer discussed; the political process depends on the US "
        "midterm elections; 'parallel' Kremlin and Washington interests; months of direct US "
        "contact with Moscow to prevent escalation.",
    ),
]


@dataclass
class ArticleText:
    """One article of the appendix: its metadata and full text, printed once."""

    key: str
    outlet: str
    title: str
    published: str | None
    author: str | None
    url: str | None
    body: str
    anchor: str = ""


@dataclass
class Item:
    """One question of the sample with its answer and the articles beside it."""

    id: str
    question: str
    type: str
    gold: str
    answer: object
    gold_facts: list[str] = field(default_factory=list)
    articles: list[tuple[ArticleText, bool, list[int]]] = field(default_factory=list)


class Appendix:
    """Articles in order of first use, each with a stable anchor."""

    def __init__(self) -> None:
        self.articles: dict[str, ArticleText] = {}

    def add(self, article: ArticleText) -> ArticleText:
        """The appendix's copy of ``article`` (added, with an anchor, on first use)."""
        if article.key not in self.articles:
            article.anchor = f"article-{len(self.articles) + 1}"
            self.articles[article.key] = article
        return self.articles[article.key]


def corpus_by_title() -> dict[str, dict]:
    """The MultiHop-RAG corpus articles keyed by title (titles are unique)."""
    return {record["title"]: record for record in corpus_records()}


def from_record(record: dict) -> ArticleText:
    """An appendix article from a corpus record."""
    return ArticleText(
        key=f"corpus:{record['title']}",
        outlet=record["source"],
        title=record["title"],
        published=record.get("published_at"),
        author=record.get("author"),
        url=record.get("url"),
        body=record["body"],
    )


def from_index(assistant, citation) -> ArticleText:
    """An appendix article from the index: its cleaned text, where the quotes' offsets hold."""
    text = assistant.store.article_texts([citation.article_id]).get(citation.article_id, "")
    row = next((r for r in assistant.store.articles() if r.article_id == citation.article_id), None)
    return ArticleText(
        key=f"index:{citation.article_id}",
        outlet=citation.outlet,
        title=citation.title,
        published=citation.published,
        author=getattr(row, "author", None),
        url=citation.url,
        body=text,
    )


def attach(item: Item, article: ArticleText, gold: bool, number: int | None) -> None:
    """Record that ``item`` shows ``article`` (gold evidence and/or cited as ``number``)."""
    for index, (known, was_gold, numbers) in enumerate(item.articles):
        if known is article:
            if number is not None:
                numbers.append(number)
            item.articles[index] = (known, was_gold or gold, numbers)
            return
    item.articles.append((article, gold, [number] if number is not None else []))


def dev_items(index_dir: Path, appendix: Appendix) -> list[Item]:
    """The 40 dev questions answered on the benchmark index copy."""
    questions = json.loads(QUERIES.read_text(encoding="utf-8"))
    corpus = corpus_by_title()
    assistant = open_assistant(index_dir, backend_of(index_dir), sources=[CORPUS])
    items = []
    for position in DEV_IDS:
        question = questions[position]
        item = Item(
            id=f"dev-{position}",
            question=question["query"],
            type=question["question_type"],
            gold=question["answer"],
            answer=assistant.answer(question["query"]),
            gold_facts=[f"{f['source']}: {f['fact']}" for f in question["evidence_list"]],
        )
        for fact in question["evidence_list"]:
            attach(item, appendix.add(from_record(corpus[fact["title"]])), True, None)
        for citation in item.answer.citations:
            record = corpus.get(citation.title)
            article = from_record(record) if record else from_index(assistant, citation)
            attach(item, appendix.add(article), False, citation.number)
        items.append(item)
        print(f"{item.id}: {len(item.answer.citations)} citations", file=sys.stderr)
    return items


def seed_items(backend: str, folder: Path, appendix: Appendix) -> list[Item]:
    """The 10 seed questions answered on a fresh index of ``seeds/`` built in ``folder``."""
    assistant = open_assistant(folder / "index", backend, sources=[SEEDS])
    report = assistant.index()
    if len(report.added) != 2:
        raise SystemExit(f"the seed index should hold 2 articles: {report.summary()}")
    items = []
    for number, (question, kind, note) in enumerate(SEED_QUESTIONS):
        item = Item(f"seed-{number}", question, kind, note, assistant.answer(question))
        for citation in item.answer.citations:
            attach(item, appendix.add(from_index(assistant, citation)), False, citation.number)
        items.append(item)
        print(f"{item.id}: {len(item.answer.citations)} citations", file=sys.stderr)
    return items


def backend_of(index_dir: Path) -> str:
    """The embedding backend the index was built with (e.g. ``onnx-int8``)."""
    embedder = built_with(index_dir)
    if embedder is None:
        raise SystemExit(f"{index_dir} holds no built index")
    return embedder.split(":", 1)[0]


def fenced(text: str) -> list[str]:
    """``text`` verbatim in a fenced block whose fence the text does not contain."""
    fence = "```"
    while fence in text:
        fence += "`"
    return [fence + "text", text, fence]


MARKDOWN_START = re.compile(r"^(\s*)([#>*+\-|=`~]|\d+[.)])")


def quoted_body(body: str) -> list[str]:
    """An article's text as a blockquote, paragraphs kept, markdown at line starts escaped."""
    lines = []
    for line in body.strip().splitlines():
        line = MARKDOWN_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line.rstrip())
        lines.append(f"> {line}" if line else ">")
    return lines


def item_lines(item: Item) -> list[str]:
    """One question's section: question, type, gold, answer, citations, its articles."""
    gold_label = "Gold answer" if item.id.startswith("dev-") else "Gold note"
    lines = [f"## {item.id}", "", f"**Question:** {item.question}", "", f"**Type:** {item.type}"]
    lines += ["", f"**{gold_label}:** {item.gold}", ""]
    if item.gold_facts:
        lines += ["**Gold evidence facts:**", ""] + [f"- {fact}" for fact in item.gold_facts]
        lines.append("")
    answer = item.answer
    status = " (refused)" if answer.refused else ""
    lines += [f"**Assistant's answer{status}:**", ""] + fenced(answer.text) + [""]
    lines += citation_lines(answer.citations)
    lines += article_index_lines(item)
    return lines + ["", "---", ""]


def citation_lines(citations: list) -> list[str]:
    """Each citation: number, outlet, title, date and the quoted passage."""
    if not citations:
        return ["**Citations:** none", ""]
    lines = ["**Citations:**", ""]
    for c in citations:
        lines.append(f'[{c.number}] {c.outlet}, "{c.title}", {c.published or "no date"}:')
        lines += fenced(c.quote) + [""]
    return lines


def article_index_lines(item: Item) -> list[str]:
    """Links to the appendix articles shown with ``item``, marked gold and/or cited."""
    if not item.articles:
        return ["**Articles:** none (no gold evidence, nothing cited)"]
    lines = ["**Articles (full text in the appendix):**", ""]
    for article, gold, numbers in item.articles:
        marks = (["gold evidence"] if gold else []) + (
            ["cited " + " ".join(f"[{n}]" for n in numbers)] if numbers else []
        )
        link = f"[{article.outlet}: {article.title}](#{article.anchor})"
        lines.append(f"- {link} ({', '.join(marks)})")
    return lines


def appendix_lines(appendix: Appendix) -> list[str]:
    """Every article once, under its anchor."""
    lines = ["# Appendix: the articles", ""]
    for article in appendix.articles.values():
        lines += [f'<a id="{article.anchor}"></a>', "", f"## {article.anchor}: {article.title}"]
        lines += ["", f"- outlet: {article.outlet}", f"- published: {article.published or '—'}"]
        lines += [f"- author: {article.author or '—'}", f"- url: {article.url or '—'}", ""]
        lines += quoted_body(article.body) + ["", "---", ""]
    return lines


def answers_from() -> str:
    """The commit the answers come from (``git describe``), or "unknown"."""
    try:
        described = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return described.stdout.strip()


def render(items: list[Item], appendix: Appendix) -> str:
    """The whole review file."""
    lines = [
        "# Blind reader review: 50 answers",
        "",
        f"Answers from {answers_from()}.",
        "",
        "Judge each answer with RUBRIC.md. Each question lists its articles; their full text",
        "is in the appendix (each article once). 'gold evidence' marks the articles the",
        "benchmark's gold answer rests on; 'cited' marks those the answer quotes.",
        "",
        "Questions: " + ", ".join(f"[{i.id}](#{i.id})" for i in items),
        "",
    ]
    for item in items:
        lines += item_lines(item)
    return "\n".join(lines + appendix_lines(appendix)) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: answers the sample and writes the review file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, required=True, help="a COPY of the index")
    parser.add_argument("--out", type=Path, required=True, help="the markdown file to write")
    args = parser.parse_args(argv)
    appendix = Appendix()
    items = dev_items(args.index_dir, appendix)
    with tempfile.TemporaryDirectory(prefix="review-seeds-") as folder:
        items += seed_items(backend_of(args.index_dir), Path(folder), appendix)
    args.out.write_text(render(items, appendix), encoding="utf-8")
    print(f"wrote {args.out}: {len(items)} answers, {len(appendix.articles)} articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
