"""The Chroma adapter: opening clients, turning chromadb's failures into our errors, and the
guarded collection the index store reads and writes through.

Nothing here knows about the ledger: the store tells the adapter which collection to use
and when its view of the disk is stale (:meth:`ChromaStore.renew`).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from .errors import ChromaServerError, IndexStoreError

CHROMA_DIR = "chroma"
READ_ATTEMPTS = 5  # a read that races another process's write is retried on a fresh view
GET_PAGE = 5_000  # records per Chroma read
SERVER_URL_HINT = "give the Chroma server as http://host:port (ASSISTANT_CHROMA_URL, --chroma-url)"
READ_ONLY_SIGNS = ("readonly database", "read-only file system", "permission denied")
EMBEDDED_LOCATION = f"embedded:{CHROMA_DIR}"  # the store in <index_dir>/chroma


def open_chroma(index_dir: Path, fresh: bool = False) -> Any:
    """An embedded, persistent Chroma client under ``index_dir`` (telemetry off).

    ``fresh`` gives a new view of the disk: embedded Chroma keeps each path's segments in
    memory per process, so writes by another process only show in a newly opened system.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    path = Path(index_dir) / CHROMA_DIR
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        _forget_cached_system(str(path))
    try:
        return chromadb.PersistentClient(
            path=str(path), settings=ChromaSettings(anonymized_telemetry=False)
        )
    except Exception as error:  # chromadb raises assorted errors for damaged stores
        if _read_only(path, error):
            raise IndexStoreError(
                f"the index folder {path.parent} is read-only ({error})",
                hint="make it writable (embedded Chroma writes even to answer), or serve the "
                "index from a Chroma server (--chroma-url)",
            ) from error
        raise IndexStoreError(
            f"the Chroma store at {path} cannot be opened ({type(error).__name__}: {error})",
            hint="rebuild it with: assistant index --rebuild",
        ) from error


def _read_only(path: Path, error: Exception) -> bool:
    """Whether opening the store failed because its folder cannot be written (not damage)."""
    message = str(error).lower()
    return any(sign in message for sign in READ_ONLY_SIGNS) or not os.access(path, os.W_OK)


def _forget_cached_system(identifier: str) -> None:
    """Drop this process's shared Chroma system for a path so the next client opens anew.

    chromadb has no public call for this: it caches one system per path in private class
    state of ``SharedSystemClient``. The old system is not stopped: reads already running
    in other threads finish on it, and it is freed when the last of its collections is.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        SharedSystemClient._identifier_to_system.pop(identifier, None)
        SharedSystemClient._identifier_to_refcount.pop(identifier, None)


def open_chroma_server(url: str, token: str | None = None) -> Any:
    """A client of the Chroma server at ``url`` (``http[s]://host:port``).

    ``token`` is sent as ``Authorization: Bearer <token>`` on every request (chromadb's
    token auth provider), for a server or a proxy in front of it that checks it.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parts = urlsplit(url)
    if not parts.hostname:
        raise ChromaServerError(f"'{url}' is not a server address", hint=SERVER_URL_HINT)
    ssl = parts.scheme == "https"
    auth: dict[str, Any] = {}
    if token:
        auth = {
            "chroma_client_auth_provider": "chromadb.auth.token_authn.TokenAuthClientProvider",
            "chroma_client_auth_credentials": token,
        }
    settings = ChromaSettings(anonymized_telemetry=False, **auth)
    try:
        return chromadb.HttpClient(
            host=parts.hostname,
            port=parts.port or (443 if ssl else 80),
            ssl=ssl,
            settings=settings,
        )
    except Exception as error:
        raise chroma_error(error, url, "connecting") from error


def server_location(url: str, tenant: str, database: str) -> str:
    """The ledger's name for a collection home on a server: URL, tenant and database."""
    return f"server:{url.rstrip('/')} tenant={tenant} database={database}"


def describe_location(location: str, index_dir: Path) -> str:
    """A reader's name for a store location recorded in the ledger."""
    if location == EMBEDDED_LOCATION:
        return f"the embedded store in {Path(index_dir) / CHROMA_DIR}"
    if location.startswith("server:"):
        url, _, rest = location[len("server:") :].partition(" ")
        return f"the Chroma server at {url}" + (f" ({rest})" if rest else "")
    return location


def location_url(location: str) -> str | None:
    """The server URL of a recorded location (None for the embedded store)."""
    if not location.startswith("server:"):
        return None
    return location[len("server:") :].partition(" ")[0]


def is_unreachable(error: BaseException) -> bool:
    """True for a network failure talking to a Chroma server (refused, reset, timed out)."""
    import httpx

    if isinstance(error, (httpx.TransportError, ConnectionError)):
        return True
    return "Could not connect to a Chroma server" in str(error)  # chromadb's own ValueError


def chroma_error(error: BaseException, server_url: str | None, doing: str) -> IndexStoreError:
    """Our error for a failed Chroma call: the server is down, refused us, or the store failed."""
    if isinstance(error, IndexStoreError):
        return error
    detail = f"{type(error).__name__}: {error}"
    if server_url and is_unreachable(error):
        return ChromaServerError(
            f"the Chroma server at {server_url} cannot be reached while {doing} ({detail})",
            hint="start it (chroma run --path DIR --port PORT) or fix ASSISTANT_CHROMA_URL;"
            " the assistant reconnects by itself once it is back",
        )
    if server_url and _is_refusal(error):
        return ChromaServerError(
            f"the Chroma server at {server_url} refused the request while {doing} ({detail})",
            hint="check ASSISTANT_CHROMA_TOKEN (--chroma-token)",
        )
    return IndexStoreError(
        f"{doing} the Chroma index failed ({detail})",
        hint="check free disk space and permissions of the index folder, or rebuild it with:"
        " assistant index --rebuild",
    )


def _is_refusal(error: BaseException) -> bool:
    from chromadb.errors import AuthorizationError, ChromaAuthError

    text = str(error)
    return isinstance(error, (ChromaAuthError, AuthorizationError)) or any(
        code in text for code in ("401", "403", "Unauthorized", "Forbidden")
    )


@dataclass
class StoredChunk:
    """One chunk as the index holds it: id, text, metadata and (when asked for) its vector."""

    id: str
    text: str
    metadata: dict[str, Any]
    vector: np.ndarray | None = field(default=None, repr=False)

    def document(self) -> Any:
        """The chunk as a LangChain Document (``chunk_id`` in its metadata, as retrieval's)."""
        from langchain_core.documents import Document

        return Document(
            page_content=self.text, metadata={**self.metadata, "chunk_id": self.id}, id=self.id
        )


def parse_chunks(got: dict[str, Any]) -> list[StoredChunk]:
    """The records of a Chroma ``get`` result, in its order; records deleted meanwhile (no text
    or no metadata) are left out."""
    texts = got.get("documents") or [None] * len(got["ids"])
    metas = got.get("metadatas") or [None] * len(got["ids"])
    vectors = got.get("embeddings")
    if vectors is None:
        vectors = [None] * len(got["ids"])
    chunks = []
    for chunk_id, text, meta, vector in zip(got["ids"], texts, metas, vectors):
        if text is None or meta is None:
            continue
        array = None if vector is None else np.asarray(vector, dtype=np.float32)
        chunks.append(StoredChunk(chunk_id, text, dict(meta), array))
    return chunks


def merged_pages(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One ``get`` result from the results of its pages (each record once, in order)."""
    if len(parts) == 1:
        return parts[0]
    seen: set[str] = set()
    rows: list[tuple[dict[str, Any], int]] = []  # (page, position) of each record kept
    for part in parts:
        for position, record_id in enumerate(part["ids"]):
            if record_id not in seen:
                seen.add(record_id)
                rows.append((part, position))
    merged = dict(parts[0])
    for key, value in parts[0].items():
        if key not in ("include", "included") and value is not None and not isinstance(value, str):
            merged[key] = [part[key][position] for part, position in rows]
            if isinstance(value, np.ndarray):  # embeddings come as one array
                merged[key] = np.asarray(merged[key])
    return merged


class ChromaStore:
    """One Chroma client (embedded or a server) and its open collections.

    ``reopen`` makes a new client with a fresh view of the store (embedded Chroma: see
    :func:`open_chroma`); ``server_url`` names the server the client talks to (None for the
    embedded store), for error messages. ``collection_metadata`` gives the metadata a new
    collection is created with.
    """

    def __init__(
        self,
        client: Any,
        *,
        reopen: Callable[[], Any] | None = None,
        server_url: str | None = None,
        collection_metadata: Callable[[], dict[str, Any]] = dict,
    ):
        self.client = client
        self.server_url = server_url
        self._reopen = reopen
        self._metadata = collection_metadata
        self._lock = threading.RLock()
        self._open: dict[str, Any] = {}

    @property
    def location(self) -> str:
        """Where this client's collections live, as the ledger records it."""
        if self.server_url is None:
            return EMBEDDED_LOCATION
        return server_location(self.server_url, self.client.tenant, self.client.database)

    def raw_collection(self, name: str, create: bool) -> Any:
        """chromadb's collection ``name`` (made when missing and ``create``), cached."""
        with self._lock:
            if name not in self._open:
                if create:
                    self._open[name] = self.client.get_or_create_collection(
                        name=name, metadata=self._metadata(), embedding_function=None
                    )
                else:
                    self._open[name] = self.client.get_collection(
                        name=name, embedding_function=None
                    )
            return self._open[name]

    def has_collection(self, name: str) -> bool:
        """Whether the store holds collection ``name``."""
        return name in {found.name for found in self.call("listing", self.client.list_collections)}

    def read(self, name: str, method: str, kwargs: dict[str, Any]) -> Any:
        """A read from collection ``name``, retried on a fresh view when it races another
        process's update."""
        for attempt in range(READ_ATTEMPTS):
            try:
                return getattr(self.raw_collection(name, create=False), method)(**kwargs)
            except IndexStoreError:
                raise
            except Exception as error:
                final = attempt == READ_ATTEMPTS - 1
                if final or (self.server_url and is_unreachable(error)):
                    raise chroma_error(error, self.server_url, "reading") from error
            time.sleep(0.05 * (attempt + 1))
            self.renew()
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, doing: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """A Chroma call whose failure becomes our error."""
        try:
            return method(*args, **kwargs)
        except IndexStoreError:
            raise
        except Exception as error:
            raise chroma_error(error, self.server_url, doing) from error

    def renew(self) -> None:
        """Forget open collections; reopen the embedded store so other processes' writes
        show (a server is always current)."""
        with self._lock:
            if self._reopen is not None:
                self.client = self._reopen()
            self._open.clear()

    def forget(self, name: str | None) -> None:
        """Drop a cached collection (after it was switched away from or deleted)."""
        if name is not None:
            self._open.pop(name, None)

    def delete_collection(self, name: str) -> None:
        """Delete collection ``name`` from the store."""
        self.call("deleting a collection in", self.client.delete_collection, name)
        self.forget(name)

    def collections(self) -> list[tuple[str, dict[str, Any]]]:
        """``(name, metadata)`` of every collection in the store."""
        found = self.call("listing", self.client.list_collections)
        return [(item.name, item.metadata or {}) for item in found]


class GuardedCollection:
    """A Chroma collection seen through the adapter: failures are our errors, reads that race
    another process's update are retried on a fresh view, and large ``get`` reads are paged.

    ``resolve`` names the collection at every call (the store's active one moves on a
    rebuild); ``create`` makes it on the first write when it is missing.
    """

    def __init__(self, chroma: ChromaStore, resolve: Callable[[], str], create: bool = False):
        self._chroma, self._resolve, self._create = chroma, resolve, create

    @property
    def name(self) -> str:
        """The collection's name."""
        return self._resolve()

    def query(self, **kwargs: Any) -> dict[str, Any]:
        """Nearest neighbours (chromadb ``Collection.query``)."""
        return self._chroma.read(self._resolve(), "query", kwargs)

    def get(self, **kwargs: Any) -> dict[str, Any]:
        """Records by id or filter (chromadb ``Collection.get``), read in pages: one read of
        tens of thousands of records exceeds SQLite's limit on query variables."""
        name = self._resolve()
        ids = kwargs.get("ids")
        if ids is not None:
            ids = list(ids)
            pages = [
                {**kwargs, "ids": ids[at : at + GET_PAGE]} for at in range(0, len(ids), GET_PAGE)
            ]
            return merged_pages(
                [self._chroma.read(name, "get", page) for page in pages or [kwargs]]
            )
        if "limit" in kwargs or "offset" in kwargs:
            return self._chroma.read(name, "get", kwargs)
        parts, offset = [], 0
        while True:
            part = self._chroma.read(name, "get", {**kwargs, "limit": GET_PAGE, "offset": offset})
            parts.append(part)
            if len(part["ids"]) < GET_PAGE:
                return merged_pages(parts)
            offset += GET_PAGE

    def count(self) -> int:
        """Number of records."""
        return int(self._chroma.read(self._resolve(), "count", {}))

    def upsert(self, **kwargs: Any) -> None:
        """Add or overwrite records."""
        self._chroma.call("writing to", self._target().upsert, **kwargs)

    def delete(self, **kwargs: Any) -> None:
        """Delete records."""
        self._chroma.call("deleting from", self._target().delete, **kwargs)

    def _target(self) -> Any:
        return self._chroma.call(
            "opening", self._chroma.raw_collection, self._resolve(), self._create
        )
