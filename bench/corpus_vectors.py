"""Make knowledge/corpus_vectors.npz: the vectors of the bundled guidance, shipped so that a fresh data folder
stores the guidance without running the model (knowledge/prebuilt.py). Run it after editing knowledge/corpus/
(tests/test_prebuilt.py says when):

    python bench/corpus_vectors.py

The texts are the ones the ingest pipeline sends to the model for the bundled passages (each sentence and each
heading, knowledge/sentences.py), embedded in one call with the packaged model, as the pipeline does.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    from knowledge import prebuilt
    from knowledge.base import CORPUS_DIR
    from knowledge.chunking import chunk_document
    from knowledge.embedder import Embedder
    from knowledge.loaders import load
    from knowledge.sentences import embedded_texts

    chunks = [c for path in sorted(CORPUS_DIR.glob("*.md"))
              for c in chunk_document(load(path, source="corpus/" + path.name, data=path.read_bytes()))]
    texts = embedded_texts(chunks)
    embedder = Embedder()
    prebuilt.write(texts, embedder.embed(texts), embedder.identity)
    print(f"{prebuilt.FILE.relative_to(ROOT)}: {len(texts)} sentences and headings of {len(chunks)} passages, "
          f"{embedder.identity}")


if __name__ == "__main__":
    main()
