"""The contracts between the assistant's parts, as Protocols: what an embedder and an
answerer must offer. Any object with these members fits; nothing needs to inherit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from langchain_core.documents import Document

    from .answer_models import Answer


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors (LangChain's ``Embeddings``), names itself, counts tokens.

    ``embedder_id`` is recorded in the index: an index is only queried with the embedder
    that built it. ``token_counter`` returns the tokenizer's count function (chunks are
    sized in the model's tokens), or None to fall back to an approximate count.
    """

    @property
    def embedder_id(self) -> str:
        """A stable name of the model and backend (e.g. ``torch:all-MiniLM-L6-v2``)."""
        ...

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text."""
        ...

    def embed_query(self, text: str) -> list[float]:
        """The vector of a question."""
        ...

    def token_counter(self) -> Callable[[str], int] | None:
        """How many of the model's tokens a text is."""
        ...


@runtime_checkable
class Answerer(Protocol):
    """Writes a cited answer to a question from retrieved passages (Documents)."""

    def answer(self, question: str, documents: list[Document]) -> Answer:
        """The cited answer to ``question`` from ``documents`` (the retrieved passages)."""
        ...


@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can also yield its text as it is written, then the final Answer."""

    def stream(self, question: str, documents: list[Document]) -> Iterator[str | Answer]:
        """Pieces of text, then the final :class:`Answer`."""
        ...


@runtime_checkable
class Condenser(Protocol):
    """An answerer that rewrites a follow-up question into a standalone one (an LLM's)."""

    def condense(self, question: str, history: list[tuple[str, str]]) -> str:
        """The standalone question ``question`` means after ``history`` (user, bot) pairs."""
        ...


@runtime_checkable
class Completer(Protocol):
    """An answerer backed by a chat model that can complete any prompt (comparison summary)."""

    def complete(self, messages: list) -> str:
        """The model's whole reply to ``messages``."""
        ...
