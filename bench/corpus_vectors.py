"""Make knowledge/corpus_vectors.npz: the vectors of the bundled guidance, shipped so that a fresh data folder
stores the guidance without running the model (knowledge/prebuilt.py). Run it after editing knowledge/corpus/
(tests/test_prebuilt.py says when):

    python bench/corpus_vectors.py

The vectors are the ones the real ingest pipeline stores: the corpus is synced into a scratch index with the
shipped file switched off, and each passage's stored vector is written under its embedding text.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from knowledge import prebuilt
    from knowledge.base import CORPUS_DIR, KnowledgeBase
    from knowledge.chunking import chunk_document
    from knowledge.loaders import load
    from storage.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "pse.db")
        kb = KnowledgeBase.open(store, Path(tmp) / "cache", bundled=False)
        kb.prebuilt_vectors = None
        report = kb.sync_bundled()
        if report.errors:
            raise SystemExit(f"the bundled guidance did not load: {report.errors}")
        stored = {(r[0], r[1]): np.frombuffer(bytes(r[2]), dtype=np.float32)
                  for r in store.execute("SELECT source, ordinal, vector FROM kb_chunks")}
        texts, vectors = [], []
        for path in sorted(CORPUS_DIR.glob("*.md")):
            source = "corpus/" + path.name
            for chunk in chunk_document(load(path, source=source, data=path.read_bytes())):
                texts.append(chunk.embedding_text())
                vectors.append(stored[(source, chunk.ordinal)])
        kb.close()
        store.close()
    prebuilt.write(texts, np.stack(vectors), kb.embedder.identity)
    print(f"{prebuilt.FILE.relative_to(ROOT)}: {len(texts)} passages, {kb.embedder.identity}")


if __name__ == "__main__":
    main()
