"""The prompts of the generative answerer, read at run time from ``settings.prompts_dir``.

``system.txt`` + ``answer.txt`` make the answer prompt; ``standalone.txt`` rewrites a follow-up
into a standalone question; ``system.txt`` + ``compare_summary.txt`` ask for the short neutral
summary on top of an outlet comparison (``assistant.compare_summary``). Article text is
untrusted: each passage is fenced in a ``<passage number=... outlet=...>`` element, and
fence-like text inside it is neutralised so a passage can neither close its own fence nor open
a new one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.prompts import ChatPromptTemplate

from .errors import ConfigError

SYSTEM_FILE = "system.txt"
ANSWER_FILE = "answer.txt"
STANDALONE_FILE = "standalone.txt"
COMPARE_SUMMARY_FILE = "compare_summary.txt"

# Tags a passage could use to break out of its fence, and chat-template control tokens
# ("<|im_start|>", "<|eot_id|>"): their "<" becomes "‹" so they stay readable but inert.
_FENCE_LIKE = re.compile(
    r"<(?=\s*/?\s*(?:passages?|conversation|system|user|assistant)\b|\|)", re.IGNORECASE
)


@dataclass(frozen=True)
class Prompts:
    """The loaded prompt templates."""

    answer: ChatPromptTemplate
    standalone: ChatPromptTemplate
    compare_summary: ChatPromptTemplate


def _read(folder: Path, name: str) -> str:
    path = folder / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        raise ConfigError(
            f"cannot read prompt file {path}: {error.strerror or error}",
            hint="set ASSISTANT_PROMPTS_DIR to the project's prompts/ folder",
        ) from error


def load_prompts(prompts_dir: Path) -> Prompts:
    """Read the prompt files into chat templates; wrong placeholders are a ConfigError."""
    folder = Path(prompts_dir)
    try:
        answer = ChatPromptTemplate.from_messages(
            [("system", _read(folder, SYSTEM_FILE)), ("human", _read(folder, ANSWER_FILE))]
        )
        standalone = ChatPromptTemplate.from_messages([("human", _read(folder, STANDALONE_FILE))])
        compare_summary = ChatPromptTemplate.from_messages(
            [("system", _read(folder, SYSTEM_FILE)), ("human", _read(folder, COMPARE_SUMMARY_FILE))]
        )
    except (ValueError, KeyError) as error:
        raise ConfigError(
            f"a prompt file in {folder} is not a valid template: {error}",
            hint="literal braces in prompt files must be doubled: {{ }}",
        ) from error
    _check_variables(answer, ANSWER_VARIABLES, folder / ANSWER_FILE)
    _check_variables(standalone, STANDALONE_VARIABLES, folder / STANDALONE_FILE)
    _check_variables(compare_summary, COMPARE_SUMMARY_VARIABLES, folder / COMPARE_SUMMARY_FILE)
    return Prompts(answer=answer, standalone=standalone, compare_summary=compare_summary)


def _check_variables(template: ChatPromptTemplate, expected: frozenset[str], path: Path) -> None:
    found = set(template.input_variables)
    if found != expected:
        raise ConfigError(
            f"prompt {path} uses placeholders {sorted(found)}; expected {sorted(expected)}",
            hint="edit the prompt file so it uses exactly the expected {placeholders}",
        )


def neutralise(text: str) -> str:
    """``text`` with fence-like tags and chat control tokens made inert."""
    return _FENCE_LIKE.sub("‹", text)


def _attribute(value: object) -> str:
    return escape(neutralise(str(value or "")).replace("\n", " "), quote=True)


def format_passage(number: int, document: Document) -> str:
    """One passage fenced as data and labelled with its number, outlet, title and date."""
    meta = document.metadata
    published = str(meta.get("published") or "")[:10]
    opening = (
        f'<passage number="{number}" outlet="{_attribute(meta.get("outlet"))}" '
        f'title="{_attribute(meta.get("title"))}" date="{_attribute(published)}">'
    )
    return f"{opening}\n{neutralise(document.page_content).strip()}\n</passage>"


def format_passages(documents: Sequence[Document]) -> str:
    """All passages, numbered from 1 in the given order."""
    return "\n\n".join(format_passage(n, doc) for n, doc in enumerate(documents, start=1))


def answer_inputs(question: str, documents: Sequence[Document]) -> dict[str, str]:
    """The values the answer prompt is filled with."""
    outlets = dict.fromkeys(str(d.metadata.get("outlet") or "unknown") for d in documents)
    return {
        "question": neutralise(question),
        "passages": format_passages(documents),
        "outlets": ", ".join(_attribute(outlet) for outlet in outlets),
    }


def standalone_inputs(question: str, history: Sequence[tuple[str, str]]) -> dict[str, str]:
    """The values the standalone-question prompt is filled with."""
    lines = []
    for user, assistant in history:
        lines.append(f"User: {neutralise(user).strip()}")
        if assistant:
            lines.append(f"Assistant: {neutralise(assistant).strip()}")
    return {"history": "\n".join(lines), "question": neutralise(question)}


def compare_summary_inputs(
    topic: str,
    outlets: Sequence[str],
    passages: Sequence[tuple[int, Document]],
    alignment: Sequence[str],
) -> dict[str, str]:
    """The values the comparison-summary prompt is filled with.

    ``passages`` pairs each quote with its citation number in the comparison, so the numbers
    the model cites are the comparison's own; ``alignment`` lines say which numbers several
    outlets share, which only one outlet reports, and how the outlets word things.
    """
    return {
        "topic": neutralise(topic),
        "outlets": ", ".join(_attribute(outlet) for outlet in outlets),
        "passages": "\n\n".join(format_passage(n, doc) for n, doc in passages),
        "alignment": "\n".join(neutralise(line) for line in alignment) or "(none)",
    }


ANSWER_VARIABLES = frozenset(answer_inputs("q", []))
STANDALONE_VARIABLES = frozenset(standalone_inputs("q", []))
COMPARE_SUMMARY_VARIABLES = frozenset(compare_summary_inputs("t", [], [], []))
