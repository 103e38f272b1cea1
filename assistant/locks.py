"""The writer lock on a file: one ``assistant index`` at a time per folder (flock).

With a ledger in PostgreSQL the writer lock is an advisory lock in that database instead
(:mod:`assistant.postgres`); the file lock then only guards this machine's BM25 cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from .errors import IndexStoreError

POLL_S = 0.2  # how often a waiting writer tries the lock again


def take_within(try_take: Callable[[], bool], wait_s: float) -> bool:
    """Call ``try_take`` until it succeeds or ``wait_s`` has passed; whether it succeeded."""
    deadline = time.monotonic() + wait_s
    while not try_take():
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_S)
    return True


def lock_refused(holder: str, where: str, wait_s: float) -> IndexStoreError:
    """The error for a writer that found the lock held (``holder``: " (pid N ...)" or "")."""
    return IndexStoreError(
        f"another process{holder} is updating the index in {where}"
        + (f" (waited {wait_s:g}s)" if wait_s else ""),
        hint="wait for it to finish, then try again",
    )


class FileLock:
    """An exclusive advisory lock: one writer per index folder at a time."""

    def __init__(self, path: Path, wait_s: float = 30.0):
        self.path = path
        self.wait_s = wait_s
        self._handle: TextIO | None = None

    def __enter__(self) -> FileLock:
        try:
            self._handle = handle = open(self.path, "a+")
        except OSError as error:
            raise IndexStoreError(
                f"cannot write to the index folder {self.path.parent} ({error.strerror})",
                hint="check its permissions and free disk space",
            ) from error
        if not take_within(self._try, self.wait_s):
            holder = self._holder()
            handle.close()
            raise lock_refused(holder, str(self.path.parent), self.wait_s)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return self

    def _open_handle(self) -> TextIO:
        if self._handle is None:
            raise RuntimeError("the lock file is not open")
        return self._handle

    def _try(self) -> bool:
        try:
            fcntl.flock(self._open_handle(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _holder(self) -> str:
        """The " (pid N)" of the process holding the lock, when it wrote it."""
        with contextlib.suppress(OSError, ValueError):
            handle = self._open_handle()
            handle.seek(0)
            return f" (pid {int(handle.read().strip())})"
        return ""

    def __exit__(self, *exc: object) -> None:
        handle = self._open_handle()
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
        self._handle = None
