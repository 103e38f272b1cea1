"""The stories of an assistant's index: listing, one story's view, story-scoped questions.

:class:`Stories` is what :meth:`assistant.core.Assistant.stories` and ``.story`` use. It
keeps the story table (:mod:`assistant.stories.state`) in step with the index before every
read, so an article added or removed by any process is in (or out of) its story on the next
call.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document

from ..answer_models import Answer, Citation
from ..errors import AssistantError, InputError, LLMError
from ..outlets import resolve_outlets
from .clustering import StoryConfig
from .coverage import build_stories, filter_stories
from .models import Story, StoryView
from .state import StoryIndex, SyncReport
from .timeline import (
    MAX_ARTICLES,
    Citer,
    build_timeline,
    claim_changes,
    claim_sentences,
    first_reports,
    matched_pairs,
    sentence_vectors,
)

if TYPE_CHECKING:
    from ..core import Assistant
    from ..ledger import LedgerRow
    from ..store import IndexStore

TOPIC_FLOOR = 0.35  # a typed topic must be at least this close to a story's centroid
STORY_PASSAGES = 8


class Stories:
    """Stories over one assistant's index (see the module docstring)."""

    def __init__(self, assistant: Assistant, config: StoryConfig | None = None):
        self.assistant = assistant
        self.config = config or StoryConfig()
        self._index: StoryIndex | None = None
        self._lock = threading.Lock()
        self._cache: tuple[str, list[Story]] | None = None

    @property
    def index(self) -> StoryIndex:
        """The story table of the index folder (opened on first use)."""
        with self._lock:
            if self._index is None:
                self._index = StoryIndex(self.assistant.settings.index_dir, self.config)
            return self._index

    def sync(self) -> SyncReport:
        """Bring the story table up to date with the index."""
        store = self.assistant.store
        if store.is_empty():
            return self.index.sync(_EmptyStore(store.version))
        return self.index.sync(store)

    def all(self) -> list[Story]:
        """Every story, newest first (cached per index version)."""
        self.sync()
        version = self.assistant.store.version
        cached = self._cache
        if cached is not None and cached[0] == version:
            return cached[1]
        stories = build_stories(self.index.members(), self.index.titles())
        self._cache = (version, stories)
        return stories

    def listing(
        self,
        since: date | str | None = None,
        until: date | str | None = None,
        outlets: list[str] | None = None,
    ) -> list[Story]:
        """Stories with an article from ``outlets`` published within [since, until]."""
        since, until = _day(since, "since"), _day(until, "until")
        if isinstance(outlets, str):
            outlets = [outlets]
        stories = self.all()
        if outlets:
            known = {o for s in stories for o in s.outlets}
            outlets = resolve_outlets(outlets, sorted(known))
        return filter_stories(stories, since, until, outlets)

    def find(self, key: str) -> Story:
        """The story with id ``key``, else the story closest to ``key`` read as a topic."""
        key = (key or "").strip()
        if not key:
            raise InputError(
                "name a story by its id or a topic", hint="list them: assistant stories"
            )
        stories = self.all()
        by_id = {s.story_id: s for s in stories}
        if key in by_id:
            return by_id[key]
        if not stories:
            raise InputError("the index has no stories", hint="build it with: assistant index")
        return self._closest(key, stories)

    def _closest(self, topic: str, stories: list[Story]) -> Story:
        vector = np.asarray(self.assistant.embeddings.embed_query(topic), dtype=np.float32)
        vector /= float(np.linalg.norm(vector)) or 1.0
        items = {item.article_id: item.vector for item in self.index.items()}
        best, top = None, -1.0
        for story in stories:
            members = [items[a] for a in story.article_ids if a in items]
            if not members:
                continue
            centre = np.sum(members, axis=0)
            score = float(vector @ centre) / (float(np.linalg.norm(centre)) or 1.0)
            if score > top:
                best, top = story, score
        if best is None or top < TOPIC_FLOOR:
            raise InputError(
                f"no story is about “{topic}”", hint="list the stories: assistant stories"
            )
        return best

    def view(self, key: str, compare: bool = True) -> StoryView:
        """One story: coverage, timeline, first reports, changed claims, comparison."""
        story = self.find(key)
        shown = story.articles[:MAX_ARTICLES]
        ids = [a.article_id for a in shown]
        store = self.assistant.store
        texts = store.article_texts(ids)
        citer = Citer(story, texts, article_spans(store, ids))
        sentences = [
            claim_sentences(texts.get(a.article_id, ""), a.title, position)
            for position, a in enumerate(shown)
        ]
        timeline = build_timeline(story.model_copy(update={"articles": shown}), sentences, citer)
        pairs = matched_pairs(sentences, sentence_vectors(self.assistant.embeddings, sentences))
        notes = []
        if len(story.articles) > len(shown):
            notes.append(f"the first {len(shown)} of {len(story.articles)} articles are read")
        view = StoryView(
            story=story,
            timeline=timeline,
            first_reports=first_reports(pairs, story, citer),
            changes=claim_changes(pairs, story, citer),
            citations=citer.citations,
            notes=notes,
        )
        if compare and len(story.outlets) >= 2:
            view.comparison, note = self._comparison(story)
            if note:
                view.notes.append(note)
        return view

    def _comparison(self, story: Story):
        """The comparison of the story's outlets on its headline, within its dates."""
        try:
            comparison = self.assistant.compare(
                story.title,
                outlets=story.outlets,
                since=(story.first_published or "")[:10] or None,
                until=(story.last_published or "")[:10] or None,
                summary=False,
            )
        except AssistantError as error:
            return None, f"no comparison: {error.message}"
        outside = {c.article_id for c in comparison.citations} - set(story.article_ids)
        note = None
        if outside:
            note = (
                f"the comparison quotes {len(outside)} article(s) of the same outlets and dates"
                " outside this story (the comparison filters by outlet and date, not article)"
            )
        return comparison, note

    def for_citations(self, citations: list[Citation] | list[dict]) -> Story | None:
        """The story every cited article belongs to, when they all belong to one."""
        ids = {c["article_id"] if isinstance(c, dict) else c.article_id for c in citations}
        if not ids:
            return None
        self.sync()
        story_of = self.index.story_map()
        found = {story_of.get(a) for a in ids}
        if len(found) != 1 or None in found:
            return None
        story_id = found.pop()
        return next((s for s in self.all() if s.story_id == story_id), None)

    def ask(self, key: str, question: str, k: int = STORY_PASSAGES) -> Answer:
        """Answer ``question`` from the story's articles only."""
        from ..core import clean_question, fallback_notice

        question = clean_question(question, self.assistant.settings.max_question_chars)
        story = self.find(key)
        documents = self.passages(story, question, k)
        if not documents:
            return Answer.refusal(question)
        try:
            return self.assistant.answerer.answer(question, documents)
        except LLMError as error:
            if not self.assistant.settings.llm_fallback:
                raise
            result = self.assistant.extractive_answerer.answer(question, documents)
            return result.model_copy(update={"notice": fallback_notice(error)})

    def passages(self, story: Story, question: str, k: int) -> list[Document]:
        """The story's k chunks closest to the question, shaped as the retriever's."""
        store = self.assistant.store
        got = store.collection().get(
            where={"article_id": {"$in": story.article_ids}},
            include=["documents", "metadatas", "embeddings"],
        )
        if not got["ids"]:
            return []
        query = np.asarray(self.assistant.embeddings.embed_query(question), dtype=np.float32)
        matrix = np.asarray(got["embeddings"], dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
        similarity = (matrix @ query) / np.where(norms == 0, 1.0, norms)
        order = np.argsort(-similarity)[:k]
        return [
            Document(
                page_content=got["documents"][i],
                metadata={
                    **got["metadatas"][i],
                    "chunk_id": got["ids"][i],
                    "similarity": float(similarity[i]),
                    "score": float(similarity[i]),
                },
                id=got["ids"][i],
            )
            for i in order
        ]


def article_spans(store: IndexStore, article_ids: list[str]) -> dict[str, list[dict]]:
    """Article id -> its chunks' ids and character spans, in order."""
    if not article_ids:
        return {}
    got = store.collection().get(where={"article_id": {"$in": article_ids}}, include=["metadatas"])
    spans: dict[str, list[dict]] = {}
    for chunk_id, meta in zip(got["ids"], got["metadatas"], strict=False):
        if meta is None:
            continue
        spans.setdefault(meta.get("article_id", ""), []).append(
            {"id": chunk_id, "start": int(meta.get("start", 0)), "end": int(meta.get("end", 0))}
        )
    for chunks in spans.values():
        chunks.sort(key=lambda c: c["start"])
    return spans


def _day(value: date | str | None, name: str) -> str | None:
    """A YYYY-MM-DD string from a date or string; InputError when it is not one."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError as error:
        raise InputError(f"{name} must be a date", hint="use YYYY-MM-DD") from error


class _EmptyStore:
    """An index with no articles, as the story table reads it."""

    active = None

    def __init__(self, version: str):
        self.version = version

    def articles(self) -> list[LedgerRow]:
        """No articles."""
        return []

    def article_texts(self, article_ids: Iterable[str]) -> dict[str, str]:
        """No texts."""
        return {}
