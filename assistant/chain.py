"""The retrieval chain, built by one factory from parts passed in.

    prepare:  (history + question -> standalone question) -> retrieve -> Prepared
    answer:   Prepared -> answerer (-> ground) -> Answer

Both :meth:`Assistant.answer` and :meth:`Assistant.stream` run the same prepare step once;
streaming then hands the Prepared passages to the answerer's ``stream``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda

if TYPE_CHECKING:
    from .answer_models import Answer
    from .protocols import Answerer

FOLLOW_UP = re.compile(
    r"^\s*(and|but|also|what about|how about|and what|so|then)\b|\b(it|its|they|them|their|"
    r"this|that|these|those|he|she|him|her|there)\b",
    re.I,
)


def history_pairs(history: Iterable[Any] | None) -> list[tuple[str, str]]:
    """Normalise chat history (pairs, or role/content dicts as Gradio sends) to (user, bot)."""
    pairs: list[tuple[str, str]] = []
    pending_user: str | None = None
    for turn in history or []:
        if isinstance(turn, dict):
            role, content = turn.get("role"), turn.get("content")
            content = content if isinstance(content, str) else _text_of(content)
            if role == "user":
                pending_user = content
            elif role == "assistant" and pending_user is not None:
                pairs.append((pending_user, content))
                pending_user = None
        elif isinstance(turn, list | tuple) and len(turn) == 2:
            pairs.append((_text_of(turn[0]), _text_of(turn[1])))
    if pending_user is not None:
        pairs.append((pending_user, ""))
    return pairs


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text_of(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return "" if content is None else str(content)


def heuristic_standalone(question: str, history: list[tuple[str, str]]) -> str:
    """Without an LLM: a follow-up question borrows the previous question's subject."""
    if not history:
        return question
    previous = history[-1][0]
    if FOLLOW_UP.search(question) or len(question.split()) <= 5:
        return f"{previous} {question}"
    return question


@dataclass(frozen=True)
class Prepared:
    """A question made ready to answer: validated inputs, the standalone question, passages.

    ``question`` is what the user asked (the Answer carries it); ``standalone`` is the
    question the passages were retrieved for and the answerer answers.
    """

    question: str
    standalone: str
    documents: list[Document]
    inputs: dict = field(default_factory=dict)


Condense = Callable[[str, list[tuple[str, str]]], str]


def build_prepare(
    retriever: BaseRetriever, condense: Condense | None = None, k: int = 8
) -> Runnable:
    """The prepare step: (history + question -> standalone question) -> retrieve -> Prepared.

    Input: a dict with ``question`` and optional ``history``, ``outlets``, ``since``,
    ``until``, ``k`` (already validated by the caller).
    """
    rewrite = condense or heuristic_standalone

    def standalone(inputs: dict) -> dict:
        history = history_pairs(inputs.get("history"))
        return {
            **inputs,
            "standalone": rewrite(inputs["question"], history) if history else inputs["question"],
        }

    def retrieve(inputs: dict) -> Prepared:
        documents = retriever.invoke(
            inputs["standalone"],
            k=inputs.get("k") or k,
            outlets=inputs.get("outlets"),
            since=inputs.get("since"),
            until=inputs.get("until"),
        )
        return Prepared(inputs["question"], inputs["standalone"], list(documents), inputs)

    return RunnableLambda(standalone, name="standalone_question") | RunnableLambda(
        retrieve, name="retrieve"
    )


def build_answer_step(answerer: Answerer) -> Runnable:
    """The answer step: Prepared -> Answer (the generative answerer grounds its own output)."""

    def answer(prepared: Prepared) -> Answer:
        result = answerer.answer(prepared.standalone, prepared.documents)
        return result.model_copy(update={"question": prepared.question})

    return RunnableLambda(answer, name="answer")


def build_chain(
    retriever: BaseRetriever,
    answerer: Answerer,
    condense: Condense | None = None,
    k: int = 8,
) -> Runnable:
    """The whole LCEL chain: the prepare step, then the answer step (one Answer out).

    ``answerer`` has ``answer(question, documents) -> Answer``; ``condense`` rewrites a
    follow-up into a standalone question.
    """
    return build_prepare(retriever, condense, k) | build_answer_step(answerer)
