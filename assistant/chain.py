"""The retrieval chain, built by one factory from parts passed in.

    (history + question -> standalone question) -> retrieve -> answer (-> ground) -> Answer

Input: a dict with ``question`` and optional ``history``, ``outlets``, ``since``, ``until``,
``k``. Output: an :class:`~assistant.models.Answer`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda

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


def build_chain(
    retriever,
    answerer,
    condense: Callable[[str, list[tuple[str, str]]], str] | None = None,
    k: int = 8,
) -> Runnable:
    """The LCEL chain: standalone question -> retrieve -> answer -> Answer.

    ``answerer`` has ``answer(question, documents) -> Answer`` (the generative answerer
    grounds its own output); ``condense`` rewrites a follow-up into a standalone question.
    """
    rewrite = condense or heuristic_standalone

    def standalone(inputs: dict) -> dict:
        history = history_pairs(inputs.get("history"))
        return {
            **inputs,
            "standalone": rewrite(inputs["question"], history) if history else inputs["question"],
        }

    def retrieve(inputs: dict) -> dict:
        documents = retriever.invoke(
            inputs["standalone"],
            k=inputs.get("k") or k,
            outlets=inputs.get("outlets"),
            since=inputs.get("since"),
            until=inputs.get("until"),
        )
        return {**inputs, "documents": documents}

    def answer(inputs: dict):
        result = answerer.answer(inputs["standalone"], inputs["documents"])
        return result.model_copy(update={"question": inputs["question"]})

    return (
        RunnableLambda(standalone, name="standalone_question")
        | RunnableLambda(retrieve, name="retrieve")
        | RunnableLambda(answer, name="answer")
    )
