"""Ingest throughput as a ratio of the raw model's `encode` on the very same passages, in one run.

    python bench/ingest_throughput.py

Ingests the bundled guidance plus tests/data/real_docs into a fresh index (parsing, chunking, embedding, SQLite,
faiss: everything `pse-bot ingest` does), then encodes the same passage texts with a bare SentenceTransformer
`encode(batch_size=32)`. The model is loaded before either is timed; the two alternate for --rounds rounds, each
ingest into a fresh index, and the medians are compared.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import argparse
    import statistics

    from bench.kb_store import close_bench_kb, open_bench_kb
    from knowledge.base import CORPUS_DIR
    from knowledge.embedder import get_embedder

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3, help="ingest / encode pairs, alternated (median reported)")
    args = ap.parse_args()
    emb = get_embedder()
    emb.warm()
    emb.embed(["warm up the model once"] * 8)
    model = emb._load()
    ingest_rates, raw_rates = [], []
    for _ in range(args.rounds):  # alternated, so that neither side gets the warmer machine or the warmer model
        with tempfile.TemporaryDirectory() as tmp:
            kb = open_bench_kb(Path(tmp) / "i", bundled=False)
            t0 = time.perf_counter()
            rep = kb.ingest([CORPUS_DIR, ROOT / "tests" / "data" / "real_docs"])
            ingest_rates.append(rep.chunks_embedded / (time.perf_counter() - t0))
            texts = [f"{t} — {s}\n{x}" for t, s, x in  # each passage as a plain pipeline embeds it
                     kb.index.store.execute("SELECT title, section, text FROM kb_chunks ORDER BY id")]
            close_bench_kb(kb)
        t0 = time.perf_counter()
        model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False)
        raw_rates.append(len(texts) / (time.perf_counter() - t0))
    ing, raw = statistics.median(ingest_rates), statistics.median(raw_rates)
    print(f"rounds: {', '.join(f'{a:.1f} / {b:.1f}' for a, b in zip(ingest_rates, raw_rates))} chunks/s\n")
    print("| measure | project `ingest` | raw `encode`, batch 32 | ratio |\n|---|---:|---:|---:|")
    print(f"| {rep.chunks_embedded} chunks in {len(rep.added)} files (median of {args.rounds}) | {ing:.1f} chunks/s "
          f"| {raw:.1f} chunks/s | {ing / raw:.2f}× |")


if __name__ == "__main__":
    main()
