"""Ingest throughput as a ratio of the raw model's `encode` on the very same passages, in one run.

    python bench/ingest_throughput.py

Ingests the bundled guidance plus tests/data/real_docs into a fresh index (parsing, chunking, embedding, SQLite,
faiss: everything `pse-bot ingest` does), then encodes the same passage texts with a bare SentenceTransformer
`encode(batch_size=32)`. The model is loaded before either is timed.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from bench.kb_store import close_bench_kb, open_bench_kb
    from knowledge.base import CORPUS_DIR
    from knowledge.embedder import get_embedder

    emb = get_embedder()
    emb.warm()
    emb.embed(["warm up the model once"] * 8)
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=False)
        t0 = time.perf_counter()
        rep = kb.ingest([CORPUS_DIR, ROOT / "tests" / "data" / "real_docs"])
        ingest_s = time.perf_counter() - t0
        texts = [f"{t} — {s}\n{x}" for t, s, x in  # each passage as a plain pipeline embeds it
                 kb.index.store.execute("SELECT title, section, text FROM kb_chunks ORDER BY id")]
        close_bench_kb(kb)
    model = emb._load()
    t0 = time.perf_counter()
    model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
    raw_s = time.perf_counter() - t0
    n = rep.chunks_embedded
    print("| measure | project `ingest` | raw `encode`, batch 32 | ratio |\n|---|---:|---:|---:|")
    print(f"| {n} chunks in {len(rep.added)} files | {n / ingest_s:.1f} chunks/s | {len(texts) / raw_s:.1f} chunks/s "
          f"| {(n / ingest_s) / (len(texts) / raw_s):.2f}× |")


if __name__ == "__main__":
    main()
