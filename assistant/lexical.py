"""BM25 lexical index over the chunks, persisted beside Chroma and kept in step with it."""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her his how i
    if in into is it its me my no not of on or our she so than that the their them then there
    these they this those to was we were what when where which who whom why will with would
    you your about after also any both can could each more most other over said says such
    some only own same should up very just while during before between under again""".split()
)


@lru_cache(maxsize=1)
def _stemmer():
    try:
        import Stemmer
    except ImportError:
        return None
    return Stemmer.Stemmer("english")


def tokenize(text: str) -> list[str]:
    """Lower-cased, stemmed word tokens without English stop words."""
    words = [word for word in _WORD.findall(text.lower()) if word not in STOPWORDS]
    stemmer = _stemmer()
    return stemmer.stemWords(words) if stemmer else words


FORMAT = 3  # bump when the saved layout changes: older snapshots are then rebuilt


# Chunk vectors as given: a (rows, dim) array, or one vector (array or floats) per chunk.
_Vectors = np.ndarray | Sequence[np.ndarray] | Sequence[Sequence[float]]


class _Bm25(Protocol):
    """What this module uses of an indexed (or loaded) ``bm25s.BM25``."""

    vocab_dict: dict[str, int]

    def get_scores(self, query_tokens_single: list[str]) -> np.ndarray: ...

    def save(self, save_dir: str) -> None: ...


@dataclass
class LexicalIndex:
    """The search snapshot of one index version: BM25 over the chunk texts, plus per-chunk
    outlet, date and (unit) vector arrays for filtering and exact scoring in memory.

    Chroma stays the store of record and answers the unfiltered nearest-neighbour query;
    the vectors here score filtered searches (one outlet, a date range) and BM25-only
    candidates without further Chroma round trips.
    """

    ids: list[str]
    outlets: list[str]
    published_ts: np.ndarray
    version: str
    _bm25: _Bm25 | None
    _positions: dict[str, int] | None = None
    _outlet_rows: dict[str, np.ndarray] | None = None
    vectors: np.ndarray | None = None  # float32 (rows, dim), or None when not available
    days: list[str] | None = None  # published date (YYYY-MM-DD) of each chunk's article
    texts: list[str] | None = None  # each chunk's text (for sentence-level re-scoring)

    @classmethod
    def build(
        cls,
        ids: Sequence[str],
        texts: Sequence[str],
        outlets: Sequence[str],
        published_ts: Sequence[int | None],
        version: str,
        vectors: _Vectors | None = None,
        days: Sequence[str] | None = None,
        chunk_texts: Sequence[str] | None = None,
    ) -> LexicalIndex:
        """Index ``texts`` (one per chunk id), with optional vectors and publication days."""
        import bm25s

        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        tokens = [tokenize(text) or ["\x00empty"] for text in texts]
        if tokens:
            bm25.index(tokens, show_progress=False)
        dates = np.asarray([ts if ts is not None else -1 for ts in published_ts], dtype=np.int64)
        matrix = _as_matrix(vectors, len(tokens))
        return cls(
            list(ids),
            list(outlets),
            dates,
            version,
            bm25 if tokens else None,
            vectors=matrix,
            days=list(days) if days is not None else None,
            texts=list(chunk_texts) if chunk_texts is not None else None,
        )

    def similarities(self, vector: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Cosine of ``vector`` to the chunks at ``rows`` (all chunks when None).

        Only for a snapshot that holds vectors (``vectors`` is not None).
        """
        if self.vectors is None:
            raise ValueError(f"lexical snapshot v{self.version} holds no vectors")
        matrix = self.vectors if rows is None else self.vectors[rows]
        # einsum, not BLAS: a threaded BLAS matvec of this size is 5-20x slower on a busy
        # machine (its threads wait for cores), and single-threaded it is as fast.
        return np.einsum("ij,j->i", matrix, vector.astype(np.float32))

    def mask(
        self,
        outlets: Iterable[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
    ) -> np.ndarray | None:
        """Boolean row mask of the chunks within the filters (None: no filter)."""
        return self._mask(outlets, since_ts, until_ts)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every chunk for ``query`` (zeros when no term is known)."""
        terms = [term for term in tokenize(query) if term in self._vocab()]
        if not terms or self._bm25 is None:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self._bm25.get_scores(terms), dtype=np.float32)

    def position(self, chunk_id: str) -> int | None:
        """Row of ``chunk_id`` in the score arrays."""
        if self._positions is None:
            self._positions = {chunk_id: row for row, chunk_id in enumerate(self.ids)}
        return self._positions.get(chunk_id)

    def search(
        self,
        query: str | np.ndarray,
        k: int,
        outlets: set[str] | None = None,
        since_ts: int | None = None,
        until_ts: int | None = None,
        mask: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        """Top ``k`` ``(chunk_id, score)`` pairs, best first, within the filters.

        ``query`` may be the text or its precomputed :meth:`scores`; ``mask`` (from
        :meth:`mask`) replaces the filter arguments.
        """
        scores = self.scores(query) if isinstance(query, str) else query
        if mask is None:
            mask = self._mask(outlets, since_ts, until_ts)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        count = min(k, int((scores > 0).sum()))
        if count == 0:
            return []
        top = np.argpartition(-scores, count - 1)[:count]
        top = top[np.argsort(-scores[top])]
        return [(self.ids[i], float(scores[i])) for i in top]

    @property
    def outlet_names(self) -> list[str]:
        """The distinct outlets, sorted."""
        return sorted(self._rows_by_outlet())

    def _rows_by_outlet(self) -> dict[str, np.ndarray]:
        """Each outlet's chunk rows, built on first use."""
        if self._outlet_rows is None:
            rows: dict[str, list[int]] = {}
            for row, outlet in enumerate(self.outlets):
                rows.setdefault(outlet, []).append(row)
            self._outlet_rows = {o: np.asarray(r, dtype=np.int64) for o, r in rows.items()}
        return self._outlet_rows

    def _vocab(self) -> dict[str, int]:
        return self._bm25.vocab_dict if self._bm25 is not None else {}

    def _mask(
        self, outlets: Iterable[str] | None, since_ts: int | None, until_ts: int | None
    ) -> np.ndarray | None:
        if outlets is None and since_ts is None and until_ts is None:
            return None
        mask = np.ones(len(self.ids), dtype=bool)
        if outlets is not None:
            outlet_rows = self._rows_by_outlet()
            outlet_mask = np.zeros(len(self.ids), dtype=bool)
            for outlet in outlets:
                outlet_mask[outlet_rows.get(outlet, [])] = True
            mask &= outlet_mask
        if since_ts is not None:
            mask &= self.published_ts >= since_ts
        if until_ts is not None:
            mask &= (self.published_ts <= until_ts) & (self.published_ts >= 0)
        return mask

    def save(self, root: Path, name: str) -> Path:
        """Write atomically to ``root/<name>-v<version>``, then drop older versions."""
        root.mkdir(parents=True, exist_ok=True)
        final = root / f"{name}-v{self.version}"
        staging = root / f".{final.name}.tmp{os.getpid()}"
        for leftover in root.glob(".*.tmp*"):  # saves run under the writer lock: these are
            shutil.rmtree(leftover, ignore_errors=True)  # what a killed save left behind
        staging.mkdir()
        if self._bm25 is not None:
            self._bm25.save(str(staging / "bm25"))
        if self.vectors is not None:
            np.save(staging / "vectors.npy", self.vectors)
        meta = {
            "ids": self.ids,
            "outlets": self.outlets,
            "version": self.version,
            "format": FORMAT,
            "days": self.days,
            "texts": self.texts,
        }
        (staging / "meta.json").write_text(json.dumps(meta))
        np.save(staging / "published_ts.npy", self.published_ts)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(staging, final)
        for old in root.glob("*-v*"):  # older versions, and those of replaced collections
            if old != final and not old.name.startswith("."):
                shutil.rmtree(old, ignore_errors=True)
        return final

    @classmethod
    def load(cls, root: Path, name: str, version: str) -> LexicalIndex | None:
        """The saved index of exactly ``version``, or None when absent or unreadable."""
        folder = root / f"{name}-v{version}"
        try:
            meta = json.loads((folder / "meta.json").read_text())
            if meta.get("format") != FORMAT:
                return None
            dates = np.load(folder / "published_ts.npy")
            vectors = None
            if (folder / "vectors.npy").exists():
                vectors = np.load(folder / "vectors.npy")
            bm25 = None
            if (folder / "bm25").exists():
                import bm25s

                bm25 = bm25s.BM25.load(str(folder / "bm25"))
        except (OSError, ValueError, KeyError):
            return None
        return cls(
            meta["ids"],
            meta["outlets"],
            dates,
            version,
            bm25,
            vectors=_as_matrix(vectors, len(meta["ids"])),
            days=meta.get("days"),
            texts=meta.get("texts"),
        )


def _as_matrix(vectors: _Vectors | None, rows: int) -> np.ndarray | None:
    """Vectors as a float32 matrix, or None when some are missing."""
    if vectors is None or rows == 0:
        return None
    matrix = np.asarray(vectors, dtype=np.float32)
    return matrix if matrix.ndim == 2 and matrix.shape[0] == rows else None
