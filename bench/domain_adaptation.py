"""Does ranking with MiniLM adapted to a team's own documents (`pse-bot kb adapt`) beat the packaged model?

    python bench/domain_adaptation.py [--epochs 3] [--seed 0] [--repick] [--no-bundled] [--json]

The product path, end to end: an index holding the bundled guidance and the real documents (tests/data/real_docs),
ingested exactly as `pse-bot ingest` does, is adapted by knowledge/ranking_model.adapt (the inverse cloze task on
its passages, knowledge/adaptation.py: no question is used for training). Then, in the same run, the packaged and
the adapted model are scored side by side with the very benches the README quotes: bench/retrieval_quality.py
(fused MRR and hit@3 per split, plain dense for reference, and a 95% bootstrap interval of the paired difference
adapted − packaged, beside the best plain baseline: BM25, MiniLM or their RRF as packaged) and
bench/answer_calibration.py (outcomes at the "not sure" threshold in use: the adapted model
ranks, the packaged one judges, as in the product). Each bench index is switched to the adapted model as the
command leaves a team's index (kb_store.use_model): the bundled guidance made again, later documents embedded
with it, the fusion constants of knowledge/ranking.ADAPTED.

`--repick` also prints the fusion constants bench/tune_fusion.py's rule (dev + bundled questions) picks for the
adapted model's lists: how ranking.ADAPTED was chosen (docs/rerank-figures.md). The same run also times fused
search for both models (percentiles, and their ratio).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval_quality import DOCS, SPLITS  # noqa: E402


def paired_interval(a: list, b: list) -> list[float]:
    """95% bootstrap interval (percentile, 5,000 resamples, fixed seed) of mean reciprocal rank, b minus a."""
    import numpy as np
    from scipy.stats import bootstrap

    from bench.retrieval_quality import _rr

    res = bootstrap((np.array(_rr(b)), np.array(_rr(a))), lambda x, y: np.mean(x) - np.mean(y), paired=True,
                    vectorized=False, n_resamples=5000, method="percentile", rng=np.random.default_rng(0))
    return [round(float(res.confidence_interval.low), 3), round(float(res.confidence_interval.high), 3)]


def answers() -> dict:
    """Answer outcomes and error rates at the "not sure" threshold in use (knowledge/answerability.py)."""
    from bench import answer_calibration as ac
    from knowledge.answerability import CONFIDENT, MIN_COVERAGE

    items, bundled = ac.collect(), ac.collect_bundled()
    outcomes = {split: ac.breakdown([i for i in items if i["split"] == split], CONFIDENT, MIN_COVERAGE)
                for split in SPLITS}
    outcomes["bundled"] = ac.breakdown(bundled, CONFIDENT, MIN_COVERAGE)
    rates = {split: [round(r, 3) for r in ac.rates([i for i in items if i["split"] == split])[:2]]
             for split in SPLITS}
    return {"outcomes": outcomes, "rates": rates}


def score(bundled: bool = True) -> dict:
    """Retrieval figures and answer outcomes with the model kb_store.use_model set (none: packaged); without
    `bundled`, retrieval alone on an index of the real documents only."""
    from bench import retrieval_quality as rq

    report = rq.run(bundled=bundled)
    scores = {split: report["real"][split] for split in SPLITS}
    if bundled:
        scores["bundled"] = report["bundled"]
    return {"ranks": report["fused ranks"], **(answers() if bundled else {"outcomes": {}, "rates": {}}),
            "fused": {s: [round(v["fused"]["mrr@10"], 3), round(v["fused"]["hit@3"], 3)] for s, v in scores.items()},
            "best baseline": {s: round(max(v[b]["mrr@10"] for b in rq.BASELINES), 3) for s, v in scores.items()}}


def latency(bundled: bool = True, rounds: int = 3) -> dict:
    """Fused search as `ask` runs it (top SEARCH_DEPTH), ms p50 / p99, model warm, on the bench index with the model
    kb_store.use_model set: each real-document question asked `rounds` times, the first round apart. (An adapted
    model's hits are judged by the packaged one, which remembers the sentences it embeds per process: after the
    scoring that runs before in this bench, most are remembered already in the first round too.)"""
    import numpy as np

    from bench.kb_store import close_bench_kb, open_bench_kb
    from bench.retrieval_quality import REAL_QUESTIONS
    from intents.ask import SEARCH_DEPTH
    from knowledge.evaluate import load_questions

    questions = [q.question for q in load_questions(REAL_QUESTIONS)]
    times: list[list[float]] = []
    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=bundled)
        kb.ingest([DOCS])
        kb.warm()
        for _ in range(rounds):
            times.append([])
            for q in questions:
                started = time.perf_counter()
                kb.search(q, top_k=SEARCH_DEPTH)
                times[-1].append((time.perf_counter() - started) * 1000)
        close_bench_kb(kb)

    def pct(xs: list[float]) -> list[float]:
        return [round(float(np.percentile(xs, 50)), 1), round(float(np.percentile(xs, 99)), 1)]

    return {"first": pct(times[0]), "again": pct([t for r in times[1:] for t in r])}


def adapt(epochs: int, seed: int, bundled: bool = True) -> dict:
    """`pse-bot kb adapt` on an index of the bundled guidance (unless not `bundled`) and the real documents; its
    result and the model."""
    from bench.kb_store import close_bench_kb, open_bench_kb
    from bot.cli.progress import progress_bar
    from knowledge import ranking_model

    bars: dict = {}

    def stage(what: str, done: int, total: int) -> None:
        bar = bars.setdefault(what, progress_bar(total, what, "step", stream=sys.stderr))
        bar.update(done - bar.n)

    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=bundled)
        kb.ingest([DOCS])
        result = ranking_model.adapt(kb, epochs=epochs, seed=seed, stage=stage)
        blob = kb.index.store.scalar("SELECT data FROM kb_models WHERE sha256 = ?", (result["sha256"],))
        close_bench_kb(kb)
    for bar in bars.values():
        bar.close()
    return {"result": result, "blob": bytes(blob)}


def repick_fusion() -> str:
    """The fusion constants bench/tune_fusion.py's rule picks (dev + bundled questions) with the lists of the model
    kb_store.use_model set, as "K,DEPTH,KW,SW"."""
    from bench import tune_fusion

    k, depth, kw, _bw, sw = tune_fusion.pick(tune_fusion.collect("dev"), tune_fusion.collect("bundled"))[0][2]
    return ",".join(f"{v:g}" for v in (k, depth, kw, sw))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repick", action="store_true", help="also print the fusion constants picked for it")
    parser.add_argument("--no-bundled", action="store_true",
                        help="the real documents alone (trained on them only; retrieval figures only)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    bundled = not args.no_bundled

    from bench.kb_store import use_model
    from knowledge import ranking

    started = time.perf_counter()
    adapted_model = adapt(args.epochs, args.seed, bundled)
    training = {k: v for k, v in adapted_model["result"].items() if k != "sha256"}
    training["adapt command seconds"] = round(time.perf_counter() - started)
    packaged = score(bundled)
    packaged["latency"] = latency(bundled)
    use_model(adapted_model["result"]["sha256"], adapted_model["blob"], adapted_model["result"])
    try:
        adapted = score(bundled)
        adapted["latency"] = latency(bundled)
        repicked = repick_fusion() if args.repick else None
    finally:
        use_model(None)
    report = {"training": training, "fusion for the adapted model": ranking.ADAPTED, "re-picked": repicked,
              "packaged": packaged, "adapted": adapted,
              "difference interval": {s: paired_interval(packaged["ranks"][s], adapted["ranks"][s])
                                      for s in packaged["ranks"]}}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"training: {training}\nfusion for the adapted model: {ranking.ADAPTED}"
          + (f"; tune_fusion's rule picks k,depth,kw,sentence = {repicked}" if repicked else "") + "\n")
    print("| split | fused MRR / hit@3, packaged | adapted (`pse-bot kb adapt`) | MRR difference (95% interval) "
          "| best plain baseline MRR (same run) |")
    print("|---|---:|---:|---:|---:|")
    for s in packaged["fused"]:
        (pm, ph), (am, ah) = packaged["fused"][s], adapted["fused"][s]
        lo, hi = report["difference interval"][s]
        print(f"| {s} | {pm:.3f} / {ph:.3f} | {am:.3f} / {ah:.3f} | {am - pm:+.3f} ({lo:+.3f} to {hi:+.3f}) "
              f"| {packaged['best baseline'][s]:.3f} |")
    p, a = packaged["latency"], adapted["latency"]
    print(f"\nfused search as `ask` runs it, ms p50 / p99 (model warm), packaged → adapted: first round "
          f"{p['first'][0]} / {p['first'][1]} → {a['first'][0]} / {a['first'][1]} "
          f"({a['first'][0] / p['first'][0]:.2f}× / {a['first'][1] / p['first'][1]:.2f}×); two more rounds "
          f"{p['again'][0]} / {p['again'][1]} → {a['again'][0]} / {a['again'][1]} "
          f"({a['again'][0] / p['again'][0]:.2f}× / {a['again'][1] / p['again'][1]:.2f}×)")
    if not bundled:
        return
    print("\n| split | model | false don't-know | false confident | right shown / wrong / declined top 3 "
          "/ declined missed |")
    print("|---|---|---:|---:|---|")
    for s in (*SPLITS, "bundled"):
        for name, r in (("packaged", packaged), ("adapted", adapted)):
            o = " / ".join(str(v) for v in r["outcomes"][s].values())
            fdk, fc = r["rates"].get(s, [None, None])
            cells = f"{fdk:.1%} | {fc:.1%}" if fdk is not None else "– | –"
            print(f"| {s} | {name} | {cells} | {o} |")


if __name__ == "__main__":
    main()
