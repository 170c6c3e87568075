"""Passage vectors built from sentence vectors, and the sentence-level match used in fused ranking.

all-MiniLM-L6-v2 was trained on sentence pairs. A 200-word passage squeezed into one vector blurs the one sentence
that answers a question ("each interview lasted 45 to 80 minutes") into everything around it, and a long shared
heading (a document title repeated on every passage) pulls all passages of a document together. So at ingest
each sentence of a passage is embedded on its own, once:

- the passage vector is the mean of its sentence vectors plus HEADING_WEIGHT × the vector of its heading
  ("title — section path", embedded once per distinct heading), normalised;
- the sentence vectors are stored with the passage (float16), and search also ranks the candidate passages by
  their best-matching sentence (`best_sentence`), a third list in the reciprocal rank fusion.

The model does the same amount of work as embedding whole passages (the same words, in shorter pieces), so
ingest costs no more. Chosen with bench/tune_fusion.py on the dev questions and the bundled-guidance questions
(docs/rerank-figures.md); the held-out questions were not used to choose.
"""

from __future__ import annotations

import threading
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from knowledge.chunking import split_sentences
from knowledge.types import Chunk

HEADING_WEIGHT = 0.5
STORE_DTYPE = np.float16


def sentences_of(text: str) -> list[str]:
    """The sentences of a passage as embedded (the whole text when it has no sentence break)."""
    found = [s.strip() for s in split_sentences(text or "")]
    found = [s for s in found if s]
    return found or [(text or "").strip() or " "]


def heading_of(chunk: Chunk) -> str:
    return chunk.title + (f" — {chunk.section}" if chunk.section else "")


def units_of(chunk: Chunk) -> list[str]:
    """The texts the model embeds for one passage: its sentences, then its heading (if any)."""
    head = heading_of(chunk)
    return sentences_of(chunk.text) + ([head] if head.strip() else [])


def embedded_texts(chunks: Sequence[Chunk]) -> list[str]:
    """Every distinct text `embed_passages` sends to the model for these passages, in the order it sends them."""
    per_chunk = [sentences_of(c.text) for c in chunks]
    heads = [heading_of(c) for c in chunks]
    return list(dict.fromkeys([s for ss in per_chunk for s in ss] + [h for h in heads if h.strip()]))


def embed_passages(chunks: Sequence[Chunk], embed: Callable[[list[str]], np.ndarray],
                   dim: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Passage vectors (n, dim) float32 and, per passage, its sentence vectors (m, dim) float32.

    `embed` is called once with every distinct sentence and heading of all the passages (so a sentence repeated
    by the overlap between neighbouring passages, or a heading shared by a section's passages, costs once)."""
    per_chunk = [sentences_of(c.text) for c in chunks]
    heads = [heading_of(c) for c in chunks]
    unique = embedded_texts(chunks)
    if not unique:
        return np.zeros((0, dim), dtype=np.float32), []
    vecs = embed(unique)
    at = {t: i for i, t in enumerate(unique)}
    passage = np.zeros((len(chunks), dim), dtype=np.float32)
    sentence_sets = []
    for i, (ss, head) in enumerate(zip(per_chunk, heads)):
        sv = vecs[[at[s] for s in ss]]
        sentence_sets.append(sv)
        mean = sv.mean(axis=0)
        mean /= max(float(np.linalg.norm(mean)), 1e-12)
        v = mean + (HEADING_WEIGHT * vecs[at[head]] if head.strip() else 0.0)
        passage[i] = v / max(float(np.linalg.norm(v)), 1e-12)
    return passage, sentence_sets


def embed_in_steps(chunks: Sequence[Chunk], embed: Callable[[list[str]], np.ndarray], dim: int,
                   stage: Callable[[str, int, int], None] | None = None,
                   step: int = 64) -> tuple[np.ndarray, list[np.ndarray]]:
    """`embed_passages` for all chunks in one call; with `stage`, `step` passages at a time, saying how far it got
    ("embedding", done, total), so a progress bar can follow a large ingest."""
    if stage is None or not chunks:
        return embed_passages(chunks, embed, dim)
    vecs, sets = [], []
    stage("embedding", 0, len(chunks))
    for at in range(0, len(chunks), step):
        v, s = embed_passages(chunks[at:at + step], embed, dim)
        vecs.append(v)
        sets.extend(s)
        stage("embedding", min(at + step, len(chunks)), len(chunks))
    return np.concatenate(vecs), sets


def pack(sentence_vectors: np.ndarray) -> bytes:
    """Stored form: float16 rows (half the size; cosines change by less than 0.001)."""
    return np.ascontiguousarray(sentence_vectors, dtype=STORE_DTYPE).tobytes()


def unpack(blob: bytes | None, dim: int) -> np.ndarray | None:
    if not blob:
        return None
    arr = np.frombuffer(bytes(blob), dtype=STORE_DTYPE)
    if arr.size == 0 or arr.size % dim:
        return None
    return arr.reshape(-1, dim).astype(np.float32)


def best_sentence(qvec: np.ndarray, sentence_vectors: np.ndarray | None, fallback: float) -> float:
    """The question's cosine similarity to the passage's closest sentence (`fallback` when it has none stored,
    e.g. a passage from an older release: then the whole-passage similarity stands in)."""
    if sentence_vectors is None or not len(sentence_vectors):
        return fallback
    return float((sentence_vectors @ np.asarray(qvec, dtype=np.float32).reshape(-1)).max())


def sentence_scores(index: Any, qvec: np.ndarray, ids: list[int], sims: dict[int, float]) -> dict[int, float]:
    """Each passage's best sentence similarity from `index` (a HybridIndex); its passage similarity (from `sims`,
    else the index: looked up only for those) when it has no sentence vectors."""
    best = index.best_sentences(qvec, ids)
    missing = [c for c in ids if best.get(c) is None and c not in sims]
    if missing:
        sims = dict(sims)  # a copy: the caller's dict stays as it was
        sims.update(index.similarities(qvec, missing))
    return {c: b if (b := best.get(c)) is not None else sims.get(c, 0.0) for c in ids}


class SentenceCache:
    """Sentence vectors of recently searched passages, for one index generation (a write elsewhere may reuse an
    id, so a new generation starts empty). Thread-safe; the oldest entries go beyond `limit` passages."""

    def __init__(self, limit: int):
        self.limit = limit
        self._gen = -1
        self._items: dict[int, np.ndarray | None] = {}
        self._lock = threading.Lock()

    def get(self, gen: int, ids: Iterable[int], read: Callable[[list[int]], dict[int, bytes | None]],
            dim: int) -> dict[int, np.ndarray | None]:
        out: dict[int, np.ndarray | None] = {}
        with self._lock:
            if self._gen != gen:
                self._items, self._gen = {}, gen
            missing = []
            for i in ids:
                if i in self._items:
                    out[i] = self._items[i]
                else:
                    missing.append(int(i))
        if not missing:
            return out
        found = read(missing)
        with self._lock:
            for i in missing:
                out[i] = unpack(found.get(i), dim)
                if self._gen == gen and i in found:
                    self._items[i] = out[i]
            while len(self._items) > self.limit:
                self._items.pop(next(iter(self._items)))
        return out
