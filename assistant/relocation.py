"""Moving an index's collection between Chroma stores (embedded <-> a server).

The ledger records which store holds the active collection. When the configured store is
another one, ``assistant index`` builds the collection there: by copying the chunks and
their vectors from the old store while it can still be read, else by re-embedding the
articles the ledger holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .chroma_store import (
    CHROMA_DIR,
    EMBEDDED_LOCATION,
    ChromaStore,
    GuardedCollection,
    describe_location,
    location_url,
    open_chroma,
    open_chroma_server,
)
from .errors import AssistantError, IndexStoreError

COPY_BATCH = 1_000  # records per write when copying between stores


def open_old_store(location: str, index_dir: Path) -> ChromaStore:
    """A client of the store a ledger names (without a token: the ledger keeps none)."""
    url = location_url(location)
    if url is not None:
        return ChromaStore(open_chroma_server(url), server_url=url)
    if location != EMBEDDED_LOCATION or not (Path(index_dir) / CHROMA_DIR).is_dir():
        raise IndexStoreError(f"{describe_location(location, index_dir)} is not there")
    return ChromaStore(open_chroma(index_dir))


def copy_chunks(old: ChromaStore, name: str, target: GuardedCollection, expected: set[str]) -> int:
    """Copy collection ``name`` of ``old`` (chunks, metadata, vectors) into ``target``;
    the number copied. Fails as :class:`IndexStoreError` when the old store cannot be read
    or lacks some of the ``expected`` chunk ids (then nothing is trusted from it)."""
    source = GuardedCollection(old, lambda: name)
    try:
        got = source.get(include=["documents", "metadatas", "embeddings"])
    except AssistantError as error:
        raise IndexStoreError(f"the old store cannot be read ({error.message})") from error
    keep = [at for at, chunk_id in enumerate(got["ids"]) if chunk_id in expected]
    missing = len(expected) - len(keep)
    if missing:
        raise IndexStoreError(f"the old store lacks {missing} of the index's chunks")
    for start in range(0, len(keep), COPY_BATCH):
        rows = keep[start : start + COPY_BATCH]
        target.upsert(
            ids=[got["ids"][at] for at in rows],
            embeddings=[_listed(got["embeddings"][at]) for at in rows],
            documents=[got["documents"][at] for at in rows],
            metadatas=[got["metadatas"][at] for at in rows],
        )
    return len(keep)


def _listed(vector: Any) -> list[float]:
    return [float(x) for x in vector]


def moved_error(recorded: str | None, configured: ChromaStore, index_dir: Path) -> IndexStoreError:
    """The error for reading an index whose collection is in another store than the
    configured one, with the command that moves it."""
    where = describe_location(recorded, index_dir) if recorded else "another Chroma store"
    here = describe_location(configured.location, index_dir)
    command = f"assistant --index-dir {index_dir}"
    if configured.server_url:
        command += f" --chroma-url {configured.server_url}"
    back = (
        f"set ASSISTANT_CHROMA_URL={location_url(recorded)}"
        if recorded and location_url(recorded)
        else "unset ASSISTANT_CHROMA_URL"
    )
    return IndexStoreError(
        f"this index's chunks are in {where}, but {here} is configured",
        hint=f"build them there with: {command} index (copies them while the old store is"
        f" readable, else re-embeds); or {back} to use the old store",
    )
