"""Which model ranks the passages: the packaged MiniLM, or a copy fine-tuned on the knowledge base's own documents
(`pse-bot kb adapt`; the training is knowledge/adaptation.py).

Shared by every process through the database. The adapted model is kept in `kb_models` (the model folder as one
tar) and `kb_meta.ranking_model` names it ("" or absent: the packaged model). A switch makes every passage and
sentence vector again with the new model and writes them, the model and its name in ONE transaction that bumps the
index generation. Every process notices the generation (knowledge/index.py), reloads the vectors and, before its
next search, loads the model that made them (unpacked once into its cache folder). A document embedded by a process
that had not noticed yet is refused under the write lock (index.ModelChanged) and reported, never stored with
vectors of the wrong model.

What stays calibrated: the hits a search returns are judged by the packaged model (knowledge/base.py), so their
similarities — the "not sure" signal, usage questions, highlights — mean what they meant before, and the thresholds
calibrated for the packaged model still hold. The adapted model only decides the order.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from knowledge import adaptation
from knowledge.embedder import Embedder
from knowledge.index import MODEL_KEY, HybridIndex
from knowledge.sentences import embed_in_steps, pack
from knowledge.types import Chunk

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase

Stage = Callable[[str, int, int], None]  # (what, done, total): "training" steps, then "embedding" passages
EMBED_STEP = 64
# Training time grows with the sentences (about 0.6 s each for three epochs on two cores): beyond this many, a random
# sample of them is used, so a large knowledge base adapts in about an hour at most.
MAX_SENTENCES = 6000

_embedders: dict[tuple[str, str], Embedder] = {}  # (database id, model sha256): one per process, loaded lazily
_embedders_lock = threading.Lock()


def active(index: HybridIndex) -> str:
    """The sha256 of the adapted model in use, "" for the packaged one."""
    return index.meta(MODEL_KEY)


def embedder_for(index: HybridIndex, sha: str) -> Embedder:
    """This process's embedder for the stored model `sha`; its folder is unpacked from the database when the model
    first loads (once per cache folder), not here."""
    key = (index.database_id, sha)
    with _embedders_lock:
        if key not in _embedders:
            _embedders[key] = Embedder(locate=lambda: str(_local_folder(index, sha)))
        return _embedders[key]


def _local_folder(index: HybridIndex, sha: str, blob: bytes | None = None) -> Path:
    """The stored model's folder in this process's cache, unpacked from `blob` (else the database) when missing:
    into a temporary folder first, then renamed, so no process ever loads half a model."""
    folder = index.cache_dir / f"model-{sha[:16]}"
    if (folder / ".complete").exists():
        return folder
    if blob is None:
        blob = index.store.scalar("SELECT data FROM kb_models WHERE sha256 = ?", (sha,))
    if blob is None:
        raise RuntimeError(f"the search model {sha[:12]} is not in the database; run `pse-bot kb adapt` again.")
    tmp = Path(tempfile.mkdtemp(prefix=".model-", dir=index.cache_dir))
    adaptation.unpack(blob, tmp)
    (tmp / ".complete").touch()
    try:
        tmp.rename(folder)
    except OSError:  # already there: whole (another process won) or a leftover of a crash, replaced
        if (folder / ".complete").exists():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            shutil.rmtree(folder, ignore_errors=True)
            tmp.rename(folder)
    return folder


def _passages(index: HybridIndex) -> dict[int, Chunk]:
    rows = index.store.execute("SELECT id, source, ordinal, title, section, text, doc_type FROM kb_chunks ORDER BY id")
    return {int(r[0]): Chunk(text=r[5], source=r[1], title=r[3], section=r[4], ordinal=r[2], doc_type=r[6])
            for r in rows}


def adapt(kb: "KnowledgeBase", epochs: int = adaptation.EPOCHS, seed: int = 0, stage: Stage | None = None,
          actor: str = "system", max_sentences: int = MAX_SENTENCES) -> dict:
    """Fine-tune a copy of the packaged model on the passages of the index (at most `max_sentences` training
    sentences, a random sample beyond), then switch every process to it. Returns what was done (passages, pairs,
    steps, seconds, sha256). ValueError when the index holds too little text to learn from (nothing changes)."""
    kb.index.refresh(force=True)
    chunks = _passages(kb.index)
    heading = {cid: c.title + (f" — {c.section}" if c.section else "") for cid, c in chunks.items()}
    pairs = adaptation.cloze_pairs([(heading[cid], c.text) for cid, c in chunks.items()], seed)[:max_sentences]
    total = adaptation.steps_for(len(pairs), epochs)
    if total <= 0:
        raise ValueError(f"the knowledge base holds {len(pairs)} sentences to learn from; at least "
                         f"{adaptation.BATCH} are needed. Ingest more documents first.")
    done = 0

    def step(_loss: float) -> None:
        nonlocal done
        done += 1
        if stage:
            stage("training", done, total)

    with tempfile.TemporaryDirectory(dir=kb.index.cache_dir) as tmp:
        info = adaptation.fine_tune(pairs, Path(tmp) / "model", epochs, seed=seed, step=step)
        blob = adaptation.pack(Path(tmp) / "model")
    sha = hashlib.sha256(blob).hexdigest()
    info = {"passages": len(chunks), **info, "epochs": epochs}
    switch(kb, sha, blob, info, stage, actor)
    return {**info, "sha256": sha}


def use_packaged(kb: "KnowledgeBase", stage: Stage | None = None, actor: str = "system") -> bool:
    """Switch every process back to the packaged model (vectors made again with it). False if it is in use."""
    kb.index.refresh(force=True)
    if not active(kb.index):
        return False
    switch(kb, "", None, {}, stage, actor)
    return True


def switch(kb: "KnowledgeBase", sha: str, blob: bytes | None, info: dict, stage: Stage | None = None,
           actor: str = "system") -> None:
    """Make every vector with model `sha` ("" packaged; `blob` its packed folder) and switch to it in one write,
    audited as `actor`."""
    index = kb.index
    before = active(index)  # kept one switch longer: a process that has not noticed yet can still load it
    if blob is not None:
        _local_folder(index, sha, blob)
    embedder = embedder_for(index, sha) if sha else kb.embedder
    read = _passages(index)
    made = _embed(embedder, read, index.dim, stage)
    with index.write() as base:
        if blob is not None:
            index.store.execute("INSERT INTO kb_models (sha256, data, info, created_at) VALUES (?, ?, ?, ?) "
                                "ON CONFLICT DO NOTHING", (sha, blob, json.dumps(info), _now()))
        now = _passages(index)  # ingested or replaced meanwhile (SQLite may give a new passage an old id)
        made.update(_embed(embedder, {cid: c for cid, c in now.items() if read.get(cid) != c}, index.dim, None))
        index.store.executemany("UPDATE kb_chunks SET vector = ?, sentences = ? WHERE id = ?",
                                [(v, s, cid) for cid, (v, s) in made.items() if cid in now])
        index.store.execute("INSERT INTO kb_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE "
                            "SET value = excluded.value", (MODEL_KEY, sha))
        index.store.execute("DELETE FROM kb_models WHERE sha256 NOT IN (?, ?)", (sha, before))  # the last two kept
        index.store.audit(actor, "kb.adapt", "kb_models", None,
                          {"model": sha[:16] or "packaged", "before": before[:16] or "packaged", "vectors": len(now),
                           **{k: info[k] for k in ("passages", "pairs", "steps", "seconds") if k in info}})
        index.bump(base)
    index.refresh(force=True)
    index.save()
    kept = {f"model-{s[:16]}" for s in (sha, before) if s}
    for old in index.cache_dir.glob("model-*"):  # unpacked models no longer kept (loaded ones stay in memory)
        if old.name not in kept:
            shutil.rmtree(old, ignore_errors=True)


def _embed(embedder: Embedder, chunks: dict[int, Chunk], dim: int, stage: Stage | None) -> dict[int, tuple]:
    """(passage vector bytes, packed sentence vectors) per chunk id."""
    if not chunks:
        return {}
    ids = list(chunks)
    vecs, sets = embed_in_steps([chunks[i] for i in ids], embedder.embed, dim, stage, EMBED_STEP)
    return {cid: (vecs[n].tobytes(), pack(sets[n])) for n, cid in enumerate(ids)}


def describe(index: HybridIndex) -> dict | None:
    """The adapted model in use (its info, sha256 and date), None for the packaged one."""
    sha = active(index)
    if not sha:
        return None
    row = index.store.execute("SELECT info, created_at FROM kb_models WHERE sha256 = ?", (sha,)).fetchone()
    return {"sha256": sha, **(json.loads(row[0]) if row else {}), "created_at": row[1] if row else ""}


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def forget_loaded() -> None:
    """Drop this process's adapted embedders (tests: as if a new process started)."""
    with _embedders_lock:
        _embedders.clear()
