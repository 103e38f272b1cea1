"""Run an index update in a subprocess so a test can kill it with SIGKILL mid-write.

Usage: python -m tests.crash_worker INDEX_DIR SOURCE_DIR {sync,rebuild}
Embeddings are deterministic fakes, slowed down so that kills land mid-run.
"""

from __future__ import annotations

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


def main() -> int:
    index_dir, source, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    assistant = Assistant(load_settings(index_dir=index_dir, sources=[source]),
                          embeddings=SlowHashEmbeddings(size=384))  # fmt: skip
    assistant.store.embed_group = 16
    print("started", flush=True)
    report = assistant.index(rebuild=mode == "rebuild")
    print(report.summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
