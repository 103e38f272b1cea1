"""The writer lock on a file: one ``assistant index`` at a time per folder (flock).

With a ledger in PostgreSQL the writer lock is an advisory lock in that database instead
(:mod:`assistant.postgres`); the file lock then only guards this machine's BM25 cache.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from pathlib import Path

from .errors import IndexStoreError


class FileLock:
    """An exclusive advisory lock: one writer per index folder at a time."""

    def __init__(self, path: Path, wait_s: float = 30.0):
        self.path = path
        self.wait_s = wait_s
        self._handle = None

    def __enter__(self):
        try:
            self._handle = open(self.path, "a+")
        except OSError as error:
            raise IndexStoreError(
                f"cannot write to the index folder {self.path.parent} ({error.strerror})",
                hint="check its permissions and free disk space",
            ) from error
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fcntl.flock(self._handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = self._holder()
                    self._handle.close()
                    raise IndexStoreError(
                        f"another process{holder} is updating the index in {self.path.parent}"
                        + (f" (waited {self.wait_s:g}s)" if self.wait_s else ""),
                        hint="wait for it to finish, then try again",
                    ) from None
                time.sleep(0.2)
        self._handle.seek(0)
        self._handle.truncate()
        self._handle.write(str(os.getpid()))
        self._handle.flush()
        return self

    def _holder(self) -> str:
        """The " (pid N)" of the process holding the lock, when it wrote it."""
        with contextlib.suppress(OSError, ValueError):
            self._handle.seek(0)
            return f" (pid {int(self._handle.read().strip())})"
        return ""

    def __exit__(self, *exc):
        fcntl.flock(self._handle, fcntl.LOCK_UN)
        self._handle.close()
