"""The Ask and Compare tabs' event handlers: questions in, rendered answers out.

Everything a client sends is untrusted, the chat history included: it is bounded (messages
and characters, oldest dropped) before anything else reads it, and the request's rate limit
is consulted before any work on it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import gradio as gr

from assistant.answer_models import Answer
from assistant.core import Assistant, printable_text
from assistant.errors import AssistantError

from . import render, stories_tab
from .limits import RateLimiter, client_id, limit_message

log = logging.getLogger(__name__)


def bounded_history(history: object, max_messages: int, max_chars: int) -> tuple[list, int]:
    """The newest messages of ``history`` within both limits, and how many were dropped.

    Messages are kept from the newest back while both fit; anything that is not a
    role/content message is dropped. Linear in the size of what was sent.
    """
    if not isinstance(history, list):
        return [], 0
    kept: list = []
    chars = 0
    for message in reversed(history):
        if len(kept) >= max_messages:
            break
        size = _message_chars(message)
        if size is None:
            continue
        if chars + size > max_chars:
            break
        kept.append(message)
        chars += size
    kept.reverse()
    return kept, len(history) - len(kept)


def _message_chars(message: object) -> int | None:
    """The characters of a chat message's text, or None when it is not a chat message."""
    if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
        return None
    content = message.get("content")
    if isinstance(content, str):
        return len(content)
    if isinstance(content, list):
        return sum(
            len(part.get("text") or "") if isinstance(part, dict) else len(str(part))
            for part in content
        )
    return len(str(content or ""))


def conversation(history: list) -> list[dict]:
    """The chat so far as plain-text role/content messages (markup removed) for the Assistant."""
    messages = []
    for message in history:
        role = message.get("role") if isinstance(message, dict) else None
        if role not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(
                str(part.get("text", "")) for part in content if isinstance(part, dict)
            )
        messages.append({"role": role, "content": render.plain_text(str(content or ""))})
    return messages


def _aligned(answers: list, history: list) -> list:
    """The answers of the assistant messages still in ``history`` (the newest ones)."""
    replies = sum(1 for m in history if isinstance(m, dict) and m.get("role") == "assistant")
    return answers[-replies:] if replies else []


def _next_turn(answers: list) -> int:
    """A turn number no earlier answer of this chat used (anchors stay unique when the
    oldest turns are dropped)."""
    last = answers[-1] if answers else None
    return int(last["turn"]) + 1 if isinstance(last, dict) and "turn" in last else len(answers)


class QuestionHandlers:
    """The handlers that answer questions (Ask tab) and compare outlets (Compare tab)."""

    def __init__(
        self,
        assistant: Assistant,
        rate_limiter: RateLimiter,
        max_history_messages: int,
        max_history_chars: int,
    ) -> None:
        self.assistant = assistant
        self.rate_limiter = rate_limiter
        self.max_history_messages = max_history_messages
        self.max_history_chars = max_history_chars

    def over_limit(self, request: gr.Request | None) -> str | None:
        """The message for a client over its request rate, or None when it may go on."""
        wait = self.rate_limiter.acquire(client_id(request))
        return limit_message(wait, self.rate_limiter.per_minute) if wait else None

    def check_limit(self, request: gr.Request | None) -> None:
        """Raise the rate-limit message as a Gradio error (a toast, not a traceback)."""
        message = self.over_limit(request)
        if message:
            raise gr.Error(message, print_exception=False)

    # ----- chat ---------------------------------------------------------------------------

    def respond(
        self,
        message: str,
        history: list | None,
        outlets: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        answers: list | None = None,
        request: gr.Request | None = None,
    ) -> Iterator[tuple]:
        """Stream the answer to ``message`` into the chat; then fill the sources panel.

        Yields ``(textbox, chat, coverage, sources, answers, answer_json)``.
        """
        refusal = self.over_limit(request)  # before any work on what the client sent
        question = message.strip() if isinstance(message, str) else ""
        if not refusal and not printable_text(question):
            raise gr.Error("Type a question about the articles first.", print_exception=False)
        history, dropped = bounded_history(
            history, self.max_history_messages, self.max_history_chars
        )
        if dropped:
            log.info("chat history: %d oldest messages dropped (limits)", dropped)
        answers = _aligned(list(answers or []), history)
        turn = _next_turn(answers)
        limit = self.assistant.settings.max_question_chars
        shown = question if len(question) <= limit else _shortened(question)
        chat = [
            *history,
            {"role": "user", "content": render.user_message(shown)},
            {"role": "assistant", "content": render.streaming_message("", turn)},
        ]
        if refusal:
            yield self._failed(chat, answers, turn, refusal, None)
            return
        yield "", chat, render.EMPTY_COVERAGE, _waiting_panel(), answers, None
        yield from self._stream(question, chat, answers, turn, outlets, since, until, history)

    def _stream(
        self,
        question: str,
        chat: list,
        answers: list,
        turn: int,
        outlets: list[str] | None,
        since: str | None,
        until: str | None,
        history: list,
    ) -> Iterator[tuple]:
        text = ""
        try:
            for piece in self.assistant.stream(
                question,
                outlets=list(outlets or []) or None,
                history=conversation(history),
                since=(since or "").strip() or None,
                until=(until or "").strip() or None,
            ):
                if isinstance(piece, Answer):
                    yield self._finished(chat, piece, turn, answers)
                    return
                text += piece
                chat[-1] = {"role": "assistant", "content": render.streaming_message(text, turn)}
                yield "", chat, gr.skip(), gr.skip(), answers, None
        except AssistantError as error:
            yield self._failed(chat, answers, turn, error.message, error.hint)
        except Exception as error:  # last line of defence: a message, never a traceback
            log.exception("answering %r failed", question[:200])
            yield self._failed(
                chat,
                answers,
                turn,
                f"Something went wrong ({type(error).__name__}).",
                "The details are in the server log.",
            )

    def _finished(self, chat: list, answer: Answer, turn: int, answers: list) -> tuple:
        chat[-1] = {"role": "assistant", "content": render.answer_message(answer, turn)}
        data = answer.model_dump(mode="json")
        answers = [*answers, {"turn": turn, "answer": data}]
        return (
            "",
            chat,
            render.coverage_html(answer) + stories_tab.story_link_html(self.assistant, answer),
            render.sources_html(answer, turn),
            answers,
            data,
        )

    def _failed(
        self, chat: list, answers: list, turn: int, message: str, hint: str | None
    ) -> tuple:
        chat[-1] = {"role": "assistant", "content": render.error_message(message, hint)}
        answers = [*answers, {"turn": turn, "answer": None}]  # aligned with the replies
        error = {"error": message, "hint": hint}
        return "", chat, render.EMPTY_COVERAGE, render.EMPTY_SOURCES, answers, error

    def show_turn(self, answers: list | None, event: gr.SelectData) -> tuple[Any, Any]:
        """Show the sources of the assistant message the user clicked."""
        index = event.index if isinstance(event.index, int) else None
        if index is None or not answers:
            return gr.skip(), gr.skip()
        entry = answers[min(index // 2, len(answers) - 1)]
        data = entry.get("answer") if isinstance(entry, dict) else None
        if data is None:
            return render.EMPTY_COVERAGE, render.EMPTY_SOURCES
        answer = Answer.model_validate(data)
        return render.coverage_html(answer), render.sources_html(answer, entry["turn"])

    # ----- comparing outlets --------------------------------------------------------------

    def compare(
        self,
        topic: str,
        outlets: list[str] | None = None,
        since: str | None = None,
        until: str | None = None,
        request: gr.Request | None = None,
    ) -> tuple[str, str, dict]:
        """Compare how the outlets report ``topic``: ``(columns HTML, sources HTML, JSON)``."""
        self.check_limit(request)
        topic = topic.strip() if isinstance(topic, str) else ""
        if not printable_text(topic):
            raise gr.Error(
                "Type a topic to compare, e.g. “Kherson negotiations”.", print_exception=False
            )
        try:
            comparison = self.assistant.compare(
                topic,
                outlets=list(outlets or []) or None,
                since=(since or "").strip() or None,
                until=(until or "").strip() or None,
            )
        except AssistantError as error:
            raise gr.Error(error_text(error), print_exception=False) from error
        except Exception as error:  # last line of defence: a message, never a traceback
            log.exception("comparing %r failed", topic[:200])
            raise gr.Error(
                f"Something went wrong ({type(error).__name__}); the details are in the server"
                " log.",
                print_exception=False,
            ) from error
        return (
            render.comparison_html(comparison),
            render.comparison_sources_html(comparison),
            comparison.model_dump(mode="json"),
        )


def error_text(error: AssistantError) -> str:
    """An Assistant error as the text of a Gradio toast (escaped)."""
    hint = f" ({error.hint})" if error.hint else ""
    return render.escape_text(f"{error.message}{hint}")


def _shortened(question: str, keep: int = 300) -> str:
    """An over-long question as the chat shows it: its start and its length."""
    return f"{question[:keep]}… ({len(question):,} characters)"


def _waiting_panel() -> str:
    return '<div class="sources-empty">Finding the passages…</div>'


def new_chat() -> tuple:
    """Empty chat, answers, coverage, sources and JSON (the New chat button)."""
    return [], [], render.EMPTY_COVERAGE, render.EMPTY_SOURCES, None


def example_text(event: gr.SelectData) -> str:
    """The text of the example question the user clicked."""
    value = event.value
    return value.get("text", "") if isinstance(value, dict) else str(value or "")
