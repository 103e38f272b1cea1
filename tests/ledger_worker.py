"""An ``assistant index`` that holds the writer lock until told to go on, for lock tests.

Usage: python -m tests.ledger_worker INDEX_DIR SOURCE_DIR LEDGER_URL CHROMA_URL GATE_FILE

It indexes SOURCE_DIR through the real store with the real model, but its first embedding
call waits (up to two minutes) until GATE_FILE exists, so a test knows the writer lock is
held (by this process) for as long as it needs. Prints the report's summary at the end.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from assistant.core import Assistant
from assistant.embeddings import TorchEmbeddings
from assistant.settings import load_settings


class GatedEmbeddings(TorchEmbeddings):
    """The real model, whose first ``embed_documents`` waits for the gate file."""

    gate: Path

    def embed_documents(self, texts):
        """Wait for the gate, then embed as usual."""
        deadline = time.monotonic() + 120
        while not self.gate.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return super().embed_documents(texts)


def main() -> int:
    index_dir, source, ledger_url, chroma_url, gate = sys.argv[1:6]
    embeddings = GatedEmbeddings("all-MiniLM-L6-v2")
    embeddings.gate = Path(gate)
    settings = load_settings(
        index_dir=Path(index_dir),
        sources=[Path(source)],
        ledger_url=ledger_url,
        chroma_url=chroma_url,
    )
    print("started", flush=True)
    print(Assistant(settings, embeddings=embeddings).index().summary(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
