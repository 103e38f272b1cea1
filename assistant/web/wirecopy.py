"""Wire copy: the same agency text republished by several outlets, marked, never dropped.

Each outlet's copy is indexed (it *is* that outlet's report), but a MinHash over 5-word
shingles of the cleaned text finds near-duplicates (estimated Jaccard similarity at or
above :data:`THRESHOLD`), so answers and comparisons can say "the same agency text, also
published by X" instead of counting it as independent confirmation.

Where the data is: ``<index>/web/web.sqlite`` (table ``wire``), read with
:func:`wire_copies` (by article id, origin or URL) or :func:`wire_copies_for` (a retrieved
passage's metadata). Each copy is a :class:`WireCopy` ``{outlet, url, title, published,
article_id, similarity}``; the metadata key for it is ``wire_copies`` (a list of those
dicts), as :func:`annotate` adds to a passage's metadata.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .state import WebState

SHINGLE_WORDS = 5
PERMUTATIONS = 64
BANDS = 16  # 16 bands of 4 rows: pairs at Jaccard 0.6 share a band with probability ~0.9
THRESHOLD = 0.6
METADATA_KEY = "wire_copies"
WEB_DIR = "web"
_PRIME = np.uint64(4294967311)  # the first prime above 2^32
_rng = np.random.default_rng(20221107)
_A = _rng.integers(1, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)
_B = _rng.integers(0, 1 << 31, size=PERMUTATIONS, dtype=np.uint64)


@dataclass(frozen=True)
class WireCopy:
    """Another outlet's copy of the same text."""

    outlet: str
    url: str
    title: str | None
    published: str | None
    article_id: str
    similarity: float

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return asdict(self)


def shingles(text: str, width: int = SHINGLE_WORDS) -> set[str]:
    """Overlapping runs of ``width`` words of the lower-cased text (punctuation dropped)."""
    words = re.findall(r"\w+", text.lower())
    if len(words) < width:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + width]) for i in range(len(words) - width + 1)}


def signature(text: str) -> np.ndarray:
    """The MinHash signature (PERMUTATIONS values) of ``text``'s shingles."""
    hashes = np.array(
        [
            int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "little")
            for s in shingles(text)
        ]
        or [0],
        dtype=np.uint64,
    )
    # (a*h + b) mod p: h < 2^32 and a < 2^31, so the product stays below 2^63.
    values = (_A[:, None] * hashes[None, :] + _B[:, None]) % _PRIME
    return values.min(axis=1)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures."""
    return float(np.mean(first == second))


def bands(sig: np.ndarray) -> list[str]:
    """LSH band keys of a signature: pages sharing one are candidates."""
    rows = PERMUTATIONS // BANDS
    keys = []
    for number in range(BANDS):
        piece = sig[number * rows : (number + 1) * rows].tobytes()
        keys.append(f"{number}:{hashlib.blake2b(piece, digest_size=8).hexdigest()}")
    return keys


def to_blob(sig: np.ndarray) -> bytes:
    """A signature as bytes for SQLite."""
    return sig.astype(np.uint64).tobytes()


def from_blob(blob: bytes) -> np.ndarray:
    """A signature back from bytes."""
    return np.frombuffer(blob, dtype=np.uint64)


def near_duplicates(
    state: WebState, canonical: str, sig: np.ndarray, threshold: float = THRESHOLD
) -> list[tuple[str, float]]:
    """``(canonical URL, similarity)`` of the indexed pages whose text is a near-copy."""
    found = []
    for other in state.candidates(bands(sig), canonical):
        page = state.page(other)
        if page is None or page.signature is None:
            continue
        score = similarity(sig, from_blob(page.signature))
        if score >= threshold:
            found.append((other, round(score, 3)))
    return sorted(found, key=lambda pair: -pair[1])


def wire_copies(index_dir: Path, key: str) -> list[WireCopy]:
    """The other outlets' copies of the article with this article id, origin or URL."""
    folder = Path(index_dir) / WEB_DIR
    if not (folder / "web.sqlite").is_file():
        return []
    state = WebState(folder)
    try:
        page = state.page_by_key(key)
        if page is None:
            return []
        copies = []
        for other, score in state.wire(page.canonical):
            row = state.page(other)
            if row is not None:
                copies.append(
                    WireCopy(row.outlet, other, row.title, row.published, row.article_id, score)
                )
        return copies
    finally:
        state.close()


def wire_copies_for(index_dir: Path, metadata: dict) -> list[WireCopy]:
    """The wire copies of the article a retrieved passage (its metadata) comes from."""
    for key in ("article_id", "url", "origin"):
        value = metadata.get(key)
        if value:
            copies = wire_copies(index_dir, str(value))
            if copies:
                return copies
    return []


def annotate(index_dir: Path, documents: list) -> list:
    """Add ``metadata['wire_copies']`` (list of dicts) to passages that have wire copies."""
    for document in documents:
        copies = wire_copies_for(index_dir, document.metadata)
        if copies:
            document.metadata[METADATA_KEY] = [copy.to_dict() for copy in copies]
    return documents


def describe(copies: list[WireCopy]) -> str:
    """'the same agency text, also published by X and Y' (empty when there are none)."""
    outlets = sorted({copy.outlet for copy in copies})
    if not outlets:
        return ""
    names = outlets[0] if len(outlets) == 1 else ", ".join(outlets[:-1]) + " and " + outlets[-1]
    return f"the same agency text, also published by {names}"
