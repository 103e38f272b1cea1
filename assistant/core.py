"""The public Python API: :class:`Assistant` and the module-level :func:`answer`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from langchain_core.documents import Document
from langchain_core.runnables import Runnable

from .answer_models import Answer
from .chain import (
    Condense,
    Prepared,
    build_answer_step,
    build_chain,
    build_prepare,
    heuristic_standalone,
)
from .compare import Comparison, compare_outlets
from .difference import answer_from_comparison, compared_outlets, parse_difference
from .errors import ConfigError, InputError, LLMError
from .extractive import ExtractiveAnswerer
from .protocols import Answerer, Completer, Condenser, StreamingAnswerer
from .retrieval import HybridRetriever
from .settings import Settings, load_settings
from .store import IndexReport, IndexStore, Progress, make_store


def printable_text(text: str) -> str:
    """``text`` with control and format characters turned to spaces (newlines and tabs kept),
    stripped: empty when nothing in it can be read."""
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text).strip()


def clean_question(question: object, max_chars: int) -> str:
    """The question without control characters; empty or over-long ones are InputErrors."""
    if not isinstance(question, str):
        raise InputError("the question must be text")
    text = printable_text(question)
    if not text:
        raise InputError("the question is empty", hint="type a question about the articles")
    if len(text) > max_chars:
        raise InputError(
            f"the question is {len(text):,} characters long; the limit is {max_chars:,}",
            hint="shorten it, or raise ASSISTANT_MAX_QUESTION_CHARS",
        )
    return text


def clean_filters(outlets: object, since: object, until: object, k: object) -> dict:
    """The per-request filters checked for type: an InputError names the bad one.

    A single outlet name is accepted as a list of one.
    """
    if isinstance(outlets, str):
        outlets = [outlets]
    if outlets is not None:
        if not isinstance(outlets, list | tuple | set) or not all(
            isinstance(outlet, str) for outlet in outlets
        ):
            raise InputError("outlets must be a list of outlet names", hint="e.g. ['TASS']")
        outlets = list(outlets)
    for name, value in (("since", since), ("until", until)):
        if value is not None and not isinstance(value, str | date):
            raise InputError(f"{name} must be a date", hint="use YYYY-MM-DD")
    if k is not None and (isinstance(k, bool) or not isinstance(k, int) or k < 1):
        raise InputError("k must be a whole number of passages, at least 1")
    return {"outlets": outlets, "since": since, "until": until, "k": k}


class Assistant:
    """News question answering over a local index; every claim cites its outlet.

    Parts may be passed in (``embeddings``, ``client``, ``answerer``); otherwise they are
    built lazily from ``settings`` on first use.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embeddings=None,
        client=None,
        answerer=None,
        **overrides,
    ):
        self.settings = settings or load_settings(**overrides)
        if settings is not None and overrides:
            self.settings = settings.model_copy(update=overrides)
        self._embeddings = embeddings
        self._client = client
        self._answerer = answerer
        self._extractive: ExtractiveAnswerer | None = None
        self._store: IndexStore | None = None
        self._stories = None
        self._lock = threading.RLock()

    # ----- parts, built lazily ---------------------------------------------------------------

    def _article_chunks(self, article_ids: set[str]) -> list[Document]:
        """Every chunk of the given articles (the extractive answerer reads the rest of a
        retrieved article when its retrieved chunks miss a part of the question)."""
        return [chunk.document() for chunk in self.store.chunks(article_ids=article_ids)]

    def _chunks_naming(self, name: str) -> list[Document]:
        """Chunks anywhere in the index that name ``name`` (the extractive answerer's check
        before it says the articles do not mention it)."""
        return [chunk.document() for chunk in self.store.chunks_containing(name)]

    def _index_outlets(self) -> list[str]:
        """Outlets with articles in the index (the extractive answerer's "none indexed")."""
        return self.store.lexical().outlet_names

    @property
    def embeddings(self):
        """The embedder (loaded on first use)."""
        if self._embeddings is None:
            from .embeddings import make_embeddings

            self._embeddings = make_embeddings(self.settings)
        return self._embeddings

    @property
    def store(self) -> IndexStore:
        """The index store on ``settings.index_dir``."""
        with self._lock:
            if self._store is None:
                self._store = make_store(self.settings, self.embeddings, self._client)
            return self._store

    @property
    def retriever(self) -> HybridRetriever:
        """The hybrid, outlet-aware retriever over the index."""
        return HybridRetriever(store=self.store, embeddings=self.embeddings, k=self.settings.top_k)

    @property
    def answerer(self):
        """The answerer the settings name (extractive unless an LLM is configured)."""
        if self._answerer is None:
            if self.settings.llm.strip().lower() == "extractive":
                self._answerer = ExtractiveAnswerer(
                    self.embeddings,
                    outlets=self._index_outlets,
                    article_chunks=self._article_chunks,
                    chunks_naming=self._chunks_naming,
                )
            else:
                from .generative import make_generative_answerer

                self._answerer = make_generative_answerer(self.settings, self.embeddings)
        return self._answerer

    @property
    def extractive_answerer(self) -> ExtractiveAnswerer:
        """The extractive answerer (the default, and the fallback when the LLM fails)."""
        if isinstance(self.answerer, ExtractiveAnswerer):
            return self.answerer
        if self._extractive is None:
            self._extractive = ExtractiveAnswerer(
                self.embeddings,
                outlets=self._index_outlets,
                article_chunks=self._article_chunks,
                chunks_naming=self._chunks_naming,
            )
        return self._extractive

    def chain(self, answerer: Answerer | None = None) -> Runnable:
        """The whole retrieval chain as one Runnable (see :func:`assistant.chain.build_chain`);
        :meth:`answer` and :meth:`stream` run its two steps themselves."""
        answerer = answerer or self.answerer
        condense = answerer.condense if isinstance(answerer, Condenser) else None
        return build_chain(self.retriever, answerer, condense=condense, k=self.settings.top_k)

    # ----- indexing --------------------------------------------------------------------------

    def index(
        self,
        paths: Iterable[Path] | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> IndexReport:
        """Sync the index with ``paths`` (default: the configured sources), removing deleted."""
        paths = list(paths) if paths else list(self.settings.sources)
        if rebuild:
            return self._stories_after(self.store.rebuild(paths, progress=progress))
        self.store.check_embedder()
        report = self.store.sync(paths, remove_missing=True, progress=progress)
        return self._stories_after(report)

    def add_sources(
        self, paths: Iterable[Path | str], progress: Progress | None = None
    ) -> IndexReport:
        """Add or update the articles in ``paths`` (files, folders or article URLs, which are
        fetched: :mod:`assistant.web`); other indexed articles are kept."""
        from .web.service import add_urls, merge_reports, split_sources

        urls, files = split_sources(paths)
        self.store.check_embedder()
        if urls and not files:
            return self._stories_after(add_urls(self, urls))
        report = self.store.sync(files, remove_missing=False, progress=progress)
        report = merge_reports(report, add_urls(self, urls)) if urls else report
        return self._stories_after(report)

    def refresh_web(self, urls: list[str] | None = None, feeds: bool = True, stop=None):
        """Fetch the followed feeds and pages (sources file, ``ASSISTANT_FEEDS``) and ``urls``;
        index new entries, re-embed changed ones; returns an ``assistant.web.refresh.WebReport``.
        ``stop`` (a threading.Event) ends it between articles."""
        from .web.service import refresh_web

        return refresh_web(self, urls=urls, feeds=feeds, stop=stop)

    def remove_sources(self, keys: Iterable[str]) -> list[str]:
        """Remove indexed articles by article id or origin; returns what was removed."""
        return self._stories_after(self.store.remove(keys))

    # ----- stories (see assistant.stories) -----------------------------------------------------

    @property
    def story_index(self):
        """The index's stories (:class:`assistant.stories.Stories`), kept beside it."""
        with self._lock:
            if self._stories is None:
                from .stories import Stories

                self._stories = Stories(self)
            return self._stories

    def _stories_after(self, result):
        """After an index change: new articles join (or start) stories, removed ones leave.

        The story table is a cache (every read syncs it too), so its failure does not fail
        the index change: it is logged."""
        try:
            self.story_index.sync()
        except Exception:  # noqa: BLE001 - derived data; the next read retries
            logging.getLogger(__name__).warning("updating the stories failed", exc_info=True)
        return result

    def stories(self, since=None, until=None, outlets: list[str] | None = None) -> list:
        """The stories of the index (same event, several outlets) with their coverage and
        "not covered by" outlets, newest first; ``since``/``until``/``outlets`` keep those
        with an article published then by those outlets."""
        return self.story_index.listing(since=since, until=until, outlets=outlets)

    def story(self, key: str, compare: bool = True):
        """One story by id or topic: coverage, timeline with lead claims, who reported what
        first, changed claims, and (``compare``) the comparison of its outlets."""
        if not isinstance(key, str):
            raise InputError("name a story by its id or a topic")
        key = clean_question(key, self.settings.max_question_chars)
        self.store.check_embedder()
        return self.story_index.view(key, compare=compare)

    def story_for_citations(self, citations) -> object | None:
        """The story that every cited article belongs to, or None."""
        return self.story_index.for_citations(list(citations or []))

    def ask_story(self, key: str, question: str) -> Answer:
        """Answer ``question`` from the articles of one story (by id or topic) only."""
        self.store.check_embedder()
        return self.story_index.ask(key, question)

    def ensure_index(self, progress: Progress | None = None) -> IndexReport | None:
        """Build the index from the configured sources when there is none yet."""
        if self.store.is_empty():
            return self.index(progress=progress)
        return None

    # ----- reading ---------------------------------------------------------------------------

    def outlets(self) -> dict[str, int]:
        """Indexed outlets and how many articles each has, most first."""
        counts: dict[str, int] = {}
        for row in self.store.articles():
            counts[row.outlet] = counts.get(row.outlet, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0].lower())))

    def sources(self) -> dict[str, list[dict]]:
        """Indexed articles grouped by outlet."""
        grouped: dict[str, list[dict]] = {}
        for row in sorted(self.store.articles(), key=lambda r: (r.outlet.lower(), r.title or "")):
            grouped.setdefault(row.outlet, []).append(
                {
                    "article_id": row.article_id,
                    "title": row.title,
                    "published": row.published,
                    "author": row.author,
                    "url": row.url,
                    "origin": row.origin,
                    "chunks": row.n_chunks,
                }
            )
        return grouped

    def retrieve(
        self, question: str, k: int = 10, outlets: list[str] | None = None, since=None, until=None
    ) -> list[Document]:
        """The k passages most relevant to ``question`` (chunk text, index metadata)."""
        question = clean_question(question, self.settings.max_question_chars)
        filters = clean_filters(outlets, since, until, k)
        with self.store.reading():  # one read of the ledger state for the whole request
            self.store.check_embedder()
            return self.retriever.invoke(question, **filters)

    def compare(
        self,
        topic: str,
        outlets: list[str] | None = None,
        since=None,
        until=None,
        k: int | None = None,
        summary: bool | None = None,
    ) -> Comparison:
        """Compare how the outlets covering ``topic`` (or ``outlets``) report it, claim by claim.

        See :mod:`assistant.compare`: each outlet's claims as verbatim quotes, the claims
        several outlets share, those only one reports, and differences in wording. With an
        LLM configured, ``summary`` (default: on) adds its grounded, cited summary on top
        (:mod:`assistant.compare_summary`); a failing LLM leaves a ``summary_notice`` instead.
        """
        topic = clean_question(topic, self.settings.max_question_chars)
        summarise = self._summary_wanted(summary)
        filters = clean_filters(outlets, since, until, k)
        with self.store.reading():  # one read of the ledger state for the whole request
            self.store.check_embedder()
            comparison = compare_outlets(
                self.retriever, self.store, self.embeddings, topic, **filters
            )
        if not summarise:
            return comparison
        from .compare_summary import summarise_comparison

        return summarise_comparison(self.answerer, comparison, self.settings.drop_unsupported)

    def _summary_wanted(self, summary: bool | None) -> bool:
        """Whether to ask the LLM for a summary; asking without an LLM is a ConfigError."""
        if self.settings.llm.strip().lower() == "extractive":
            if summary:
                raise ConfigError(
                    "a comparison summary needs an LLM, and none is configured",
                    hint="pass --llm (e.g. --llm ollama:llama3.2) or set ASSISTANT_LLM",
                )
            return False
        return summary is not False and isinstance(self.answerer, Completer)

    def answer(
        self,
        question: str,
        outlets: list[str] | None = None,
        history=None,
        since=None,
        until=None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question`` from the indexed articles, citing each outlet's passages."""
        inputs = self._inputs(question, outlets, history, since, until, k)
        with self.store.reading():  # one read of the ledger state for the whole request
            self.store.check_embedder()
            difference = self._difference_answer(inputs)
            if difference is not None:
                return difference
            try:
                prepared = self.prepare(inputs)
                return build_answer_step(self.answerer).invoke(prepared)
            except LLMError as error:
                return self._fallback(inputs, error)

    def stream(
        self,
        question: str,
        outlets: list[str] | None = None,
        history=None,
        since=None,
        until=None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text piece by piece, then the final :class:`Answer`.

        A generative answerer streams the model's tokens as they come (the final
        :class:`Answer` carries the grounded, renumbered text); the extractive one yields
        its paragraphs. The question is validated and the passages retrieved (the same
        prepare step as :meth:`answer`) before the first piece.
        """
        inputs = self._inputs(question, outlets, history, since, until, k)
        answerer = self.answerer
        # The ledger snapshot is thread-local and a generator may resume on another thread,
        # so the whole read happens here, before the first yield.
        with self.store.reading():
            self.store.check_embedder()
            difference = self._difference_answer(inputs)
            if difference is not None:
                yield from _paragraphs_then(difference)
                return
            try:
                prepared = self.prepare(inputs)
                finished = (
                    None
                    if isinstance(answerer, StreamingAnswerer)
                    else build_answer_step(answerer).invoke(prepared)
                )
            except LLMError as error:
                finished = self._fallback(inputs, error)
        if finished is not None:
            yield from _paragraphs_then(finished)
            return
        try:
            yield from self._streamed(answerer, prepared)
        except LLMError as error:
            yield from _paragraphs_then(self._fallback_from(prepared, error))

    def _difference_answer(self, inputs: dict) -> Answer | None:
        """A difference question ("How do X and Y describe … differently?", "What does X
        report that Y leaves out?") answered from the comparison of the outlets it names, or
        None (the normal path answers) when it is none or fewer than two of them have passages.
        """
        if inputs.get("history") or inputs.get("outlets"):
            return None  # a follow-up or an outlet filter: the normal path handles those
        parsed = parse_difference(inputs["question"], self._index_outlets())
        if parsed is None:
            return None
        comparison = compare_outlets(
            self.retriever,
            self.store,
            self.embeddings,
            parsed.topic or self._shared_story_title(parsed.outlets, inputs) or parsed.query,
            outlets=parsed.outlets,
            since=inputs.get("since"),
            until=inputs.get("until"),
        )
        if len(compared_outlets(comparison)) < 2:
            return None
        return answer_from_comparison(inputs["question"], parsed, comparison)

    def _shared_story_title(self, outlets: list[str], inputs: dict) -> str | None:
        """The headline of the newest story every one of ``outlets`` covered, if any: what a
        difference question naming no topic ("What does X report that Y leaves out?") is about."""
        try:
            stories = self.stories(since=inputs.get("since"), until=inputs.get("until"))
        except Exception:  # noqa: BLE001 - derived data; without it the question is the topic
            logging.getLogger(__name__).warning("reading the stories failed", exc_info=True)
            return None
        wanted = set(outlets)
        return next((s.title for s in stories if wanted <= set(s.outlets)), None)

    @staticmethod
    def _streamed(answerer: StreamingAnswerer, prepared: Prepared) -> Iterator[str | Answer]:
        """The answerer's pieces for prepared passages; the final Answer carries the question."""
        for piece in answerer.stream(prepared.standalone, prepared.documents):
            if isinstance(piece, Answer):
                piece = piece.model_copy(update={"question": prepared.question})
            yield piece

    def prepare(self, inputs: dict, condense: Condense | None = None) -> Prepared:
        """The prepare step for validated ``inputs``: standalone question and passages.

        ``condense`` defaults to the answerer's own (an LLM's), else the heuristic one.
        """
        if condense is None and isinstance(self.answerer, Condenser):
            condense = self.answerer.condense
        return build_prepare(self.retriever, condense, k=self.settings.top_k).invoke(inputs)

    def _inputs(self, question, outlets, history, since, until, k) -> dict:
        """The request's inputs, validated once (an InputError names what is wrong)."""
        return {
            "question": clean_question(question, self.settings.max_question_chars),
            "history": history,
            **clean_filters(outlets, since, until, k),
        }

    def _fallback(self, inputs: dict, error: LLMError) -> Answer:
        """The extractive answer, with a notice, when the LLM failed and fallback is on.

        The LLM may have failed while condensing the question, so the question is prepared
        again with the heuristic rewrite.
        """
        if not self.settings.llm_fallback:
            raise error
        return self._fallback_from(self.prepare(inputs, condense=heuristic_standalone), error)

    def _fallback_from(self, prepared: Prepared, error: LLMError) -> Answer:
        """The extractive answer to already prepared passages, with the fallback notice."""
        if not self.settings.llm_fallback:
            raise error
        result = build_answer_step(self.extractive_answerer).invoke(prepared)
        return result.model_copy(update={"notice": fallback_notice(error)})


def _paragraphs_then(result: Answer) -> Iterator[str | Answer]:
    for block in result.text.split("\n\n"):
        yield block + "\n\n"
    yield result


def fallback_notice(error: LLMError) -> str:
    """The sentence telling the reader the extractive answerer stood in for the LLM."""
    endpoint = getattr(error, "endpoint", None)
    reason = getattr(error, "reason", None) or error.message
    where = f"The LLM at {endpoint}" if endpoint else "The LLM"
    return f"{where} failed ({reason}), so the extractive answerer answered instead."


_default: Assistant | None = None
_default_lock = threading.Lock()


def default_assistant() -> Assistant:
    """The process-wide assistant built from the default settings."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
        return _default


def answer(question: str, outlets: list[str] | None = None, history=None) -> Answer:
    """Answer ``question`` with the default settings and index."""
    return default_assistant().answer(question, outlets=outlets, history=history)
