"""The generative answerer: any LangChain chat model, grounded after generation.

The model sees the retrieved passages fenced as data (``assistant.prompts``); its text is then
checked sentence by sentence against those passages (``assistant.grounding``), so citations
always quote the articles verbatim whatever the model wrote.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from .answer_models import Answer
from .chain import heuristic_standalone
from .errors import AssistantError, LLMError
from .extractive import ExtractiveConfig
from .grounding import Grounder
from .lexical import tokenize
from .llms import endpoint_of, make_chat_model
from .prompts import Prompts, answer_inputs, load_prompts, standalone_inputs
from .question_parts import question_terms

if TYPE_CHECKING:
    from .settings import Settings


class LLMCallError(LLMError):
    """The chat model could not be reached or gave no usable answer."""

    def __init__(self, provider: str, endpoint: str, reason: str):
        super().__init__(
            f"the LLM {provider} at {endpoint} failed: {reason}",
            hint="check that the server is running and ASSISTANT_LLM_BASE_URL is right, "
            "or use ASSISTANT_LLM=extractive",
        )
        self.provider = provider
        self.endpoint = endpoint
        self.reason = reason


def _reason(error: BaseException) -> str:
    text = " ".join(str(error).split())[:200]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class GenerativeAnswerer:
    """Answers with a chat model from the retrieved passages, then grounds the answer."""

    def __init__(
        self,
        chat_model: BaseChatModel,
        prompts: Prompts,
        embeddings: Embeddings,
        name: str,
        drop_unsupported: bool = False,
        endpoint: str | None = None,
        relevance: ExtractiveConfig | None = None,
    ):
        self.chat_model = chat_model
        self.prompts = prompts
        self.grounder = Grounder(embeddings)
        self.name = name
        self.drop_unsupported = drop_unsupported
        self.endpoint = endpoint or "(unknown address)"
        self.relevance = relevance or ExtractiveConfig()

    def relevant(self, question: str, documents: Sequence[Document]) -> list[Document]:
        """The passages close enough to the question to be worth showing the model.

        Nothing when the extractive answerer would refuse (no passage reaches its cosine bar
        or its share of the question's content terms); otherwise every passage above the
        lower per-passage floor or with that share of terms.
        """
        outlets = sorted({str(d.metadata.get("outlet", "")) for d in documents})
        terms = question_terms(question, outlets)
        config = self.relevance
        scored = []
        for document in documents:
            similarity = float(document.metadata.get("similarity", 0.0))
            overlap = len(terms & set(tokenize(document.page_content))) / max(len(terms), 1)
            scored.append(
                (document, similarity, bool(terms) and overlap >= config.min_term_overlap)
            )
        if not any(sim >= config.refuse_below or overlaps for _, sim, overlaps in scored):
            return []
        return [doc for doc, sim, overlaps in scored if sim >= config.passage_floor or overlaps]

    def answer(self, question: str, documents: Sequence[Document]) -> Answer:
        """The grounded answer (generated in one go)."""
        for item in self.stream(question, documents):
            if isinstance(item, Answer):  # the stream's last item; the pieces come before it
                return item
        raise LLMCallError(self.name, self.endpoint, "the answer stream ended without an answer")

    def stream(self, question: str, documents: Sequence[Document]) -> Iterator[str | Answer]:
        """Yield the model's text pieces as they arrive, then the grounded :class:`Answer`.

        The streamed pieces carry the model's own markers; the final answer's text is the
        grounded, renumbered version and replaces them.
        """
        passages = self.relevant(question, documents)
        if not passages:
            yield Answer.refusal(question, answerer=self.name)
            return
        messages = self.prompts.answer.format_messages(**answer_inputs(question, passages))
        pieces: list[str] = []
        for piece in self._generate(messages):
            pieces.append(piece)
            yield piece
        text = "".join(pieces)
        if not text.strip():
            raise LLMCallError(self.name, self.endpoint, "the model returned an empty answer")
        yield self.grounder.ground(question, text, passages, self.name, self.drop_unsupported)

    def complete(self, messages: list[BaseMessage]) -> str:
        """The model's whole reply to ``messages``; an empty reply is an LLMCallError."""
        text = "".join(self._generate(messages))
        if not text.strip():
            raise LLMCallError(self.name, self.endpoint, "the model returned an empty answer")
        return text

    def _generate(self, messages: list[BaseMessage]) -> Iterator[str]:
        try:
            for chunk in self.chat_model.stream(messages):
                text = chunk.content if isinstance(chunk.content, str) else chunk.text
                if text:
                    yield text
        except AssistantError:
            raise
        except Exception as error:  # noqa: BLE001 - any client failure is reported the same way
            raise LLMCallError(self.name, self.endpoint, _reason(error)) from error

    def condense(self, question: str, history: Sequence[tuple[str, str]]) -> str:
        """Rewrite a follow-up into a standalone question with the standalone prompt."""
        if not history:
            return question
        messages = self.prompts.standalone.format_messages(**standalone_inputs(question, history))
        rewritten = "".join(self._generate(messages)).strip()
        lines = [line.strip() for line in rewritten.splitlines() if line.strip()]
        first = lines[0].removeprefix("Standalone question:").strip(' "') if lines else ""
        # A small model may ramble instead: keep its rewrite only when it looks like one.
        if not first or len(first) > 3 * (len(question) + len(history[-1][0])) + 40:
            return heuristic_standalone(question, list(history))
        return first


def make_generative_answerer(settings: Settings, embeddings: Embeddings) -> GenerativeAnswerer:
    """The generative answerer ``settings.llm`` names, with prompts from ``prompts_dir``."""

    return GenerativeAnswerer(
        make_chat_model(settings),
        load_prompts(settings.prompts_dir),
        embeddings,
        name=settings.llm,
        drop_unsupported=settings.drop_unsupported,
        endpoint=endpoint_of(settings),
    )
