"""The rest of the retrieved articles (issue 12): a part or a name the retrieved chunks miss
may be in another chunk of the same articles, so those are read from the index, but only when
needed (most answers never read them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.documents import Document


def chunk_key(document: Document) -> tuple[str, int]:
    """A chunk's article and its offset in the article."""
    meta = document.metadata
    return str(meta.get("article_id", "")), int(meta.get("start", 0))


class RestOfArticles:
    """The retrieved articles' other chunks and their quotable sentences, read on first use.

    ``read`` gives every chunk of a set of articles (None: the index cannot be read, so there
    is no rest); ``quotable`` turns chunks into the answerer's candidate sentences."""

    def __init__(
        self,
        read: Callable[[set[str]], list[Document]] | None,
        quotable: Callable[[list[Document], set[str]], list[Any]],
        documents: list[Document],
        terms: set[str],
    ):
        self._read = read
        self._quotable = quotable
        self._retrieved = documents
        self._terms = terms
        self._documents: list[Document] | None = None
        self.loaded: list[Any] = []

    def documents(self) -> list[Document]:
        """Chunks of the retrieved articles that were not retrieved themselves."""
        if self._documents is None:
            self._documents = []
            if self._read is not None:
                have = {chunk_key(d) for d in self._retrieved}
                articles = {str(d.metadata.get("article_id", "")) for d in self._retrieved}
                found = self._read(articles - {""})
                self._documents = [d for d in found if chunk_key(d) not in have]
        return self._documents

    def candidates(self) -> list[Any]:
        """The quotable sentences of :meth:`documents`, ranked after every retrieved one."""
        if not self.loaded and self.documents():
            self.loaded = self._quotable(self.documents(), self._terms)
            for candidate in self.loaded:
                candidate.rank += len(self._retrieved)
        return self.loaded
