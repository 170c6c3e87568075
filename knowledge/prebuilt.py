"""Vectors of the bundled guidance made ahead of time and shipped in the package (knowledge/corpus_vectors.npz), so
the first run on an empty data folder stores the guidance without running the model (only the question needs it).

The file maps the SHA-256 of each text the ingest pipeline embeds (every sentence of a passage and every heading,
`sentences.embedded_texts`) to the vector the model made for it, and names the model. It is only used with that
same model, and only for texts it knows: a guidance file edited since the file was made has its changed sentences
embedded as usual. tests/test_prebuilt.py fails until the file is made again (`python bench/corpus_vectors.py`).
"""

from __future__ import annotations

import hashlib
import threading
import zipfile
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

FILE = Path(__file__).resolve().parent / "corpus_vectors.npz"
_loaded: dict[Path, tuple[str, dict[bytes, int], np.ndarray]] = {}
_lock = threading.Lock()


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32].encode()


def read(path: Path = FILE) -> tuple[str, dict[bytes, int], np.ndarray]:
    """(model identity, key -> row, vectors); ("", {}, empty) when the file is missing or unreadable."""
    with _lock:
        if path not in _loaded:
            try:
                with np.load(path) as data:
                    model = bytes(data["model"]).decode()
                    rows = {bytes(k): i for i, k in enumerate(data["keys"])}
                    vectors = np.ascontiguousarray(data["vectors"], dtype=np.float32)
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError):
                model, rows, vectors = "", {}, np.zeros((0, 0), np.float32)
            _loaded[path] = (model, rows, vectors)
        return _loaded[path]


def known(texts: Sequence[str], model: str | None, dim: int, path: Path | None = FILE) -> dict[int, np.ndarray]:
    """Position in `texts` -> shipped vector, for the texts the file holds (none for another model)."""
    if path is None or not model:
        return {}
    stored_model, rows, vectors = read(path)
    if stored_model != model or vectors.ndim != 2 or vectors.shape[1] != dim:
        return {}
    out = {}
    for i, text in enumerate(texts):
        row = rows.get(key(text))
        if row is not None:
            out[i] = vectors[row]
    return out


def write(texts: Sequence[str], vectors: np.ndarray, model: str, path: Path = FILE) -> None:
    keys = np.array([key(t) for t in texts], dtype="S32")
    with open(path, "wb") as f:
        np.savez(f, model=np.frombuffer(model.encode(), np.uint8), keys=keys,
                 vectors=np.ascontiguousarray(vectors, dtype=np.float32))
    with _lock:
        _loaded.pop(path, None)


def embed_with_file(embedder: Any, dim: int, path: Path | None, from_file: set[str]) -> Callable[[list[str]], np.ndarray]:
    """An embed function that takes the vectors the file at `path` holds for the embedder's model and runs the
    model only for the other texts (none at all when the file knows them all); `from_file` collects the texts
    the file supplied."""
    identity = getattr(embedder, "identity", None)

    def embed(texts: list[str]) -> np.ndarray:
        found = known(texts, identity, dim, path) if path else {}
        from_file.update(texts[i] for i in found)
        if not found:
            return embedder.embed(texts)
        out = np.empty((len(texts), dim), dtype=np.float32)
        for i, vec in found.items():
            out[i] = vec
        missing = [i for i in range(len(texts)) if i not in found]
        if missing:
            out[missing] = embedder.embed([texts[i] for i in missing])
        return out

    return embed
