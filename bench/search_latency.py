"""Speed and memory of the knowledge base: warm search latency at 1k and 100k chunks, ingest throughput, cold
start to first answer, and peak memory. Prints a markdown table (copied into README "## Speed and memory").

    python bench/search_latency.py              # about 2-4 minutes on 2 cores
    python bench/search_latency.py --big 20000  # a smaller "large" index for a quick run

How the indexes are built:
- ingest throughput: the bundled corpus ingested into an empty index with the real pipeline (load, chunk,
  embed with all-MiniLM-L6-v2, store in SQLite + faiss), in chunks per second;
- 1k chunks: the real corpus chunks plus generated variants (sentences of a corpus chunk rotated and re-mixed),
  all embedded with the real model;
- 100k chunks: the same kind of variant texts (so the keyword index is realistic) but with random unit vectors
  instead of real embeddings, so that the bench does not spend half an hour embedding. Vector search cost does
  not depend on the values, so latency is representative; the rankings are not.
Every timed search includes embedding the query with the real model. Queries are the 44 questions of
tests/data/questions.jsonl plus short keyword queries, cycled.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.chunking import split_sentences  # noqa: E402
from knowledge.embedder import get_embedder  # noqa: E402

SHORT_QUERIES = ["due diligence", "NDA clauses", "survivor employment", "concept note", "stalled partner",
                 "indicator high medium low", "safe migration wording", "funding ends", "escalate abuse",
                 "local firms"]


def peak_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: KiB


def pct(values: list[float], p: float) -> float:
    return float(np.percentile(np.asarray(values), p))


def queries() -> list[str]:
    path = ROOT / "tests" / "data" / "questions.jsonl"
    qs = [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    return qs + SHORT_QUERIES


def variants(rows: list[dict], n: int, seed: int = 7) -> list[tuple[str, int, str, str, str, str]]:
    """n synthetic chunks: each mixes the rotated sentences of one real chunk with one sentence of another."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.choice(rows), rng.choice(rows)
        sents = split_sentences(a["text"]) or [a["text"]]
        k = rng.randrange(len(sents))
        extra = rng.choice(split_sentences(b["text"]) or [b["text"]])
        text = " ".join(sents[k:] + sents[:k] + [extra])
        out.append(("synthetic", i, a["title"], a["section"], text, a["doc_type"]))
    return out


def time_searches(kb: KnowledgeBase, qs: list[str], n: int, mode: str = "fused") -> list[float]:
    for q in qs[:5]:  # warm-up
        kb.search(q, top_k=5, mode=mode)
    times = []
    for i in range(n):
        q = qs[i % len(qs)]
        t0 = time.perf_counter()
        kb.search(q, top_k=5, mode=mode)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def all_rows(kb: KnowledgeBase) -> list[dict]:
    ids = [r[0] for r in kb.index._db.execute("SELECT id FROM chunks")]
    return list(kb.index.chunks(ids).values())


# `pse-bot ask` run in a child that reports its own high-water resident memory (VmHWM) as it exits;
# getrusage(RUSAGE_CHILDREN) would also count this (large) parent process, whose peak a forked child inherits.
_CHILD = (
    "import atexit, sys\n"
    "def _hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_hwm)\n"
    "from bot.cli.main import main\n"
    "sys.argv = ['pse-bot'] + sys.argv[1:]\n"
    "main()\n"
)


def cold_start(home: Path, question: str) -> tuple[float, float]:
    """Seconds from launching `pse-bot ask QUESTION` to its answer, and the child's peak RSS in MB."""
    env = dict(os.environ, PSE_HOME=str(home))
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, "ask", question], capture_output=True, text=True,
                         env=env, timeout=600, cwd=ROOT)
    elapsed = time.perf_counter() - t0
    if out.returncode != 0:
        raise SystemExit(f"pse-bot ask failed (exit {out.returncode}): {out.stdout[-1000:]} {out.stderr[-2000:]}")
    peaks = [int(line.split()[1]) for line in out.stderr.splitlines() if line.startswith("PEAK_KB ")]
    return elapsed, (peaks[-1] / 1024 if peaks else float("nan"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=1000, help="chunks in the small index (real embeddings)")
    ap.add_argument("--big", type=int, default=100_000, help="chunks in the large index (random vectors)")
    ap.add_argument("--searches", type=int, default=300, help="timed searches per scale")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="pse-bench-"))
    rows_out: list[tuple[str, str]] = []
    qs = queries()
    try:
        emb = get_embedder()
        t0 = time.perf_counter()
        emb.embed(["warm the model up"])
        model_load = time.perf_counter() - t0

        # -- ingest throughput: the bundled corpus through the full pipeline
        t0 = time.perf_counter()
        kb = KnowledgeBase.open(work / "corpus-index", bundled=True)
        elapsed = time.perf_counter() - t0
        n_corpus = kb.bundled_report.chunks_embedded
        rows_out.append(("Ingest throughput (bundled corpus, load+chunk+embed+store)",
                         f"{n_corpus / elapsed:.0f} chunks/s ({n_corpus} chunks in {elapsed:.1f} s)"))
        t0 = time.perf_counter()
        again = kb.sync_bundled()
        rows_out.append(("Re-ingest unchanged corpus", f"{(time.perf_counter() - t0) * 1000:.0f} ms, "
                                                      f"{again.chunks_embedded} chunks embedded"))
        corpus_rows = all_rows(kb)

        # -- warm latency at ~1k chunks, real embeddings
        kb.index._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copytree(work / "corpus-index", work / "small-index")
        shutil.copytree(work / "corpus-index", work / "big-index")
        small = KnowledgeBase.open(work / "small-index", bundled=True)
        synth = variants(corpus_rows, max(0, args.small - len(corpus_rows)))
        t0 = time.perf_counter()
        vecs = emb.embed([f"{t} — {s}\n{x}" for _, _, t, s, x, _ in synth])
        emb_rate = len(synth) / (time.perf_counter() - t0)
        small.index.bulk_insert_raw(synth, vecs, source="synthetic/variants", title="Synthetic variants")
        rows_out.append(("Embedding throughput (batch 32, 2 cores)", f"{emb_rate:.0f} chunks/s"))
        for mode in ("fused", "vector", "keyword"):
            t = time_searches(small, qs, args.searches, mode)
            rows_out.append((f"Warm `search` {mode}, {small.index.size:,} chunks",
                             f"p50 {pct(t, 50):.1f} ms · p99 {pct(t, 99):.1f} ms"))
        rows_out.append(("Peak memory after 1k index (RSS)", f"{peak_mb():.0f} MB"))

        # -- warm latency at ~100k chunks, random unit vectors
        small.close()
        big = KnowledgeBase.open(work / "big-index", bundled=True)
        n_big = max(0, args.big - len(corpus_rows))
        rng = np.random.default_rng(11)
        t0 = time.perf_counter()
        step = 20_000
        for start in range(0, n_big, step):
            part = variants(corpus_rows, min(step, n_big - start), seed=start)
            v = rng.standard_normal((len(part), emb.dim)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            big.index.bulk_insert_raw(part, v, source=f"synthetic/part-{start}", title="Synthetic variants")
        build = time.perf_counter() - t0
        rows_out.append((f"Build {big.index.size:,}-chunk index (SQLite + FTS5 + faiss, precomputed vectors)",
                         f"{build:.0f} s"))
        t0 = time.perf_counter()
        reopened = KnowledgeBase.open(work / "big-index", bundled=True)
        rows_out.append((f"Open the {big.index.size:,}-chunk index", f"{(time.perf_counter() - t0) * 1000:.0f} ms"))
        big.close()
        for mode in ("fused", "vector", "keyword"):
            t = time_searches(reopened, qs, args.searches, mode)
            rows_out.append((f"Warm `search` {mode}, {reopened.index.size:,} chunks",
                             f"p50 {pct(t, 50):.1f} ms · p99 {pct(t, 99):.1f} ms"))
        rows_out.append(("Peak memory with the 100k index (RSS)", f"{peak_mb():.0f} MB"))
        reopened.close()

        # -- cold start to first answer: a new process on a fresh PSE_HOME whose index is already built
        home = work / "home"
        (home).mkdir()
        shutil.copytree(work / "corpus-index", home / "index")
        question = "how do I frame this for a company?"
        cold, cold_peak = cold_start(home, question)
        fresh = work / "fresh-home"
        fresh.mkdir()
        first, _ = cold_start(fresh, question)
        from bot.message import Message
        from bot.app import Services
        from bot.settings import Settings
        from intents import ask

        services = Services(Settings(home=home), knowledge=kb)
        warm = []
        for _ in range(20):
            t0 = time.perf_counter()
            ask.handle(Message(text=question, command="ask"), services)
            warm.append((time.perf_counter() - t0) * 1000)
        rows_out.append(("Cold start to first answer (`pse-bot ask`, index built)", f"{cold:.1f} s"))
        rows_out.append(("First run on an empty PSE_HOME (builds the index, then answers)", f"{first:.1f} s"))
        rows_out.append(("Warm answer (`ask` intent in a running process)", f"p50 {statistics.median(warm):.0f} ms"))
        rows_out.append(("Model load in this process", f"{model_load:.1f} s"))
        rows_out.append(("Peak memory of a `pse-bot ask` process (RSS)", f"{cold_peak:.0f} MB"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nCPU cores: {os.cpu_count()}, searches per row: {args.searches}, top_k 5, query embedding included\n")
    print("| Measure | Result |\n|---|---|")
    for k, v in rows_out:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
