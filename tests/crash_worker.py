"""Run an index update in a subprocess so a test can kill it with SIGKILL mid-write.

Usage: python -m tests.crash_worker INDEX_DIR SOURCE_DIR {sync,rebuild}
Embeddings are deterministic fakes, slowed down so that kills land mid-run.

``CRASH_AT=<point>`` (with ``CRASH_AFTER=<n>``, default 1) makes the worker SIGKILL itself
at the n-th time it reaches a named point of the update, so a test can kill it exactly
there: ``chroma_write`` (chunks upserted, ledger not yet), ``ledger_commit`` (a ledger
transaction committed), ``bm25_save`` (BM25 written to its staging folder, not yet moved in
place), ``collection_gc`` (stale ledger rows dropped, Chroma collections not yet deleted).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.settings import load_settings
from tests.conftest import HashEmbeddings


class SlowHashEmbeddings(HashEmbeddings):
    """Fake vectors that take a little while, like a real model."""

    def embed_documents(self, texts):
        time.sleep(0.002 * len(texts))
        return super().embed_documents(texts)


class KillSwitch:
    """SIGKILLs this process the n-th time the named point is reached."""

    def __init__(self, point: str | None, after: int):
        self.point, self.left = point, after

    def reached(self, point: str) -> None:
        """Count a visit to ``point``; die on the chosen one."""
        if point != self.point:
            return
        self.left -= 1
        if self.left <= 0:
            print(f"killing at {point}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)


def install_kill_points(switch: KillSwitch) -> None:
    """Wrap the store's steps so that ``switch`` sees each named point."""
    from assistant import chroma_store, ledger, lexical, store

    upsert = chroma_store.GuardedCollection.upsert

    def upsert_then(self, **kwargs):
        upsert(self, **kwargs)
        switch.reached("chroma_write")

    transaction = ledger.Ledger.transaction

    @contextlib.contextmanager
    def transaction_then(self):
        with transaction(self) as db:
            yield db
        switch.reached("ledger_commit")

    class OsWithKillPoint:
        """``os`` for the lexical module: ``replace`` (the save's final move) is a point."""

        def __getattr__(self, name):
            return getattr(os, name)

        @staticmethod
        def replace(source, target):
            switch.reached("bm25_save")
            os.replace(source, target)

    own_collections = store.IndexStore._own_collections

    def own_collections_then(self):
        switch.reached("collection_gc")
        return own_collections(self)

    chroma_store.GuardedCollection.upsert = upsert_then
    ledger.Ledger.transaction = transaction_then
    lexical.os = OsWithKillPoint()
    store.IndexStore._own_collections = own_collections_then


def main() -> int:
    index_dir, source, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    assistant = Assistant(
        load_settings(index_dir=index_dir, sources=[source]),
        embeddings=SlowHashEmbeddings(size=384),
    )
    assistant.store.embed_group = 16
    if os.environ.get("CRASH_AT"):
        switch = KillSwitch(os.environ["CRASH_AT"], int(os.environ.get("CRASH_AFTER", "1")))
        install_kill_points(switch)
    print("started", flush=True)
    report = assistant.index(rebuild=mode == "rebuild")
    print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
