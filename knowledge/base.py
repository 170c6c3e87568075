"""`KnowledgeBase`: the public face of knowledge/ — open an index folder, ingest files, search, list, remove.

    kb = KnowledgeBase.open(store, settings.index_dir)   # also syncs the bundled guidance (knowledge/corpus)
    kb.ingest([Path("handbook.pdf")], progress=print)    # IngestReport(added=[...], chunks_embedded=42, ...)
    kb.search("how do I frame this for a company?", top_k=5, mode="fused")   # list[Hit]
    kb.remove("corpus/funding-conversations.md")      # bundled: removed AND kept out of every later sync
    kb.restore_bundled("corpus/funding-conversations.md")   # ...until restored (ingested again)
    kb.set_bundled(enabled=False)                      # the bundled guidance is not searched (knowledge/collections.py)

A file whose bytes are unchanged since the last ingest is skipped before it is even parsed, so re-ingesting
an unchanged folder does no embedding work (`IngestReport.chunks_embedded == 0`).

Documents, passages and vectors live in the shared database (`storage.store.Store`, SQLite or PostgreSQL); the
folder given to `open` only holds this process's faiss cache (see knowledge/index.py), so any number of
processes can serve and ingest into one knowledge base.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from knowledge import collections, prebuilt, ranking, ranking_model
from knowledge.chunking import chunk_document
from knowledge.embedder import Embedder, get_embedder
from knowledge.index import HybridIndex, ModelChanged
from knowledge.loaders import load
from knowledge.paths import expand_paths
from knowledge.sentences import embed_in_steps, embed_passages, sentence_scores, units_of
from knowledge.sniff import DEFAULT_MAX_BYTES, check_size, file_sha256
from knowledge.types import SEARCH_MODES, Chunk, DocumentInfo, Hit, IngestReport, LoadError

if TYPE_CHECKING:  # pragma: no cover
    from storage.store import Store

log = logging.getLogger("pse.knowledge")

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
BUNDLED_PREFIX = "corpus/"
CANDIDATES = 50  # how deep each ranked list goes before fusion
EMBED_BATCH_CHUNKS = 512  # ingest embeds the passages of many files together, in calls of about this many
EMBED_STEP = 64  # with a `stage` callback, passages are embedded this many at a time so progress can be shown
# Bump when loaders or chunking change what a file turns into: every document is then re-chunked once.
PIPELINE_VERSION = "4"  # 4: passage vectors from sentence vectors, which are stored too (knowledge/sentences.py)


class KnowledgeBase:
    """Documents, their chunks and the hybrid index in the shared database. Thread-safe; share one per process."""

    def __init__(self, index: HybridIndex, embedder: Embedder, corpus_dir: Path | None = CORPUS_DIR):
        self.index = index
        self.embedder = embedder  # the packaged model: every similarity a caller sees is its (calibrated) one
        self._ranker: tuple[int, str, Embedder] = (-2, "", embedder)  # (generation read at, model sha, embedder)
        self.corpus_dir = corpus_dir
        self.bundled_report: IngestReport | None = None
        self._ingest_lock = threading.Lock()
        # Collections: whether the bundled guidance is searched and how much it counts in fused ranking when a
        # user's own documents compete (1.0: as much as the user's); shared by every process (collections.py).
        self._bundled: tuple[float, collections.BundledSetting | None] = (float("-inf"), None)
        self._bundled_ids: tuple[int, frozenset[int]] = (-1, frozenset())
        self.prebuilt_vectors: Path | None = prebuilt.FILE  # None: embed the bundled guidance too

    @classmethod
    def open(cls, store: "Store", cache_dir: Path | str, bundled: bool = True, embedder: Embedder | None = None,
             corpus_dir: Path | None = None) -> "KnowledgeBase":
        """The knowledge base in `store`, with this process's faiss cache in `cache_dir` (created when missing).
        An old-layout index file in `cache_dir` (knowledge.sqlite3) is first copied into the database. With
        `bundled`, bring the bundled guidance up to date: new or changed corpus files are ingested, deleted ones
        removed, unchanged ones cost nothing (the model is not even loaded)."""
        from knowledge.legacy import import_legacy

        embedder = embedder or get_embedder()
        index = HybridIndex(store, Path(cache_dir), embedder.dim)
        import_legacy(index, Path(cache_dir))
        kb = cls(index, embedder, corpus_dir or CORPUS_DIR)
        if bundled:
            kb.bundled_report = kb.sync_bundled()
            for name, err in kb.bundled_report.errors:
                log.warning("bundled guidance %s not loaded: %s", name, err)
        return kb

    def close(self) -> None:
        """Drop this handle's faiss copy (the store stays open: it belongs to the caller)."""
        self.index.close()

    # ------------------------------------------------------------------------------------------- ingest

    def _bundled_files(self) -> list[Path]:
        folder = self.corpus_dir
        return sorted(folder.glob("*.md")) if folder and folder.is_dir() else []

    def bundled_sources(self) -> list[str]:
        """Sources (`corpus/<file>.md`) of every file in the bundled corpus folder, excluded ones included."""
        return [BUNDLED_PREFIX + f.name for f in self._bundled_files()]

    def excluded_bundled(self) -> list[str]:
        """Bundled sources this organisation removed; `sync_bundled` leaves them out until restored."""
        return [s for s in self.index.excluded() if s.startswith(BUNDLED_PREFIX)]

    def sync_bundled(self, progress: Callable[[str], None] | None = None) -> IngestReport:
        """Make the index hold exactly the markdown files of the bundled corpus folder, less excluded ones."""
        report = IngestReport()
        excluded = set(self.excluded_bundled())
        files = [f for f in self._bundled_files() if BUNDLED_PREFIX + f.name not in excluded]
        report.excluded = [BUNDLED_PREFIX + f.name for f in self._bundled_files()
                           if BUNDLED_PREFIX + f.name in excluded]
        names = {BUNDLED_PREFIX + f.name for f in files}
        with self._ingest_lock:
            self._ingest_batch([(f, BUNDLED_PREFIX + f.name) for f in files], "bundled", report, progress)
            for info in self.index.documents():
                if info.origin == "bundled" and info.source not in names:
                    self.index.remove(info.source)
                    report.removed.append(info.source)
            self.index.save()
        return report

    def ingest(self, paths: Iterable[Path | str], progress: Callable[[str], None] | None = None,
               max_bytes: int | None = DEFAULT_MAX_BYTES,
               stage: Callable[[str, int, int], None] | None = None) -> IngestReport:
        """Add or update files and folders. Every file is tried; failures are listed in `report.errors` by
        name and leave any earlier version of that document in place. `progress(name)` runs after each file;
        `stage(what, done, total)` within it: ("loading", 0, 0), ("chunking", 0, 0), ("embedding", n, m).
        A file over `max_bytes` is refused without being read; one that is not what its name says is refused
        from its first bytes (knowledge/sniff.py)."""
        files, errors, skipped = expand_paths(paths)
        report = IngestReport(errors=list(errors), skipped=skipped)
        with self._ingest_lock:
            try:
                self._ingest_batch([(f, str(f.resolve())) for f in files], "user", report, progress,
                                   names=[str(f) for f in files], max_bytes=max_bytes, stage=stage)
            finally:
                self.index.save()
        return report

    def _ingest_file(self, path: Path, source: str, origin: str, report: IngestReport) -> None:
        self._ingest_batch([(path, source)], origin, report)

    def _prepare(self, path: Path, source: str, report: IngestReport, max_bytes: int | None = DEFAULT_MAX_BYTES,
                 stage: Callable[[str, int, int], None] | None = None):
        """Read, parse and chunk one file; None when it is unchanged (counted) or failed (error recorded)."""
        try:
            check_size(path, source, max_bytes)
            sha = file_sha256(path)  # a block at a time: an unchanged file is never held in memory
            old = self.index.document(source)
            if old is not None and old.sha256 == sha and old.meta.get("_pipeline") == PIPELINE_VERSION:
                report.unchanged.append(source)
                report.chunks_total += old.chunks
                return None
            if stage:
                stage("loading", 0, 0)
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise LoadError(f"{source}: cannot be read ({exc.strerror or exc}).") from exc
            doc = load(path, source=source, data=data, max_bytes=max_bytes)
        except LoadError as exc:
            msg = str(exc)
            prefix = source + ": "
            report.errors.append((source, msg[len(prefix):] if msg.startswith(prefix) else msg))
            return None
        doc.meta["_pipeline"] = PIPELINE_VERSION
        if stage:
            stage("chunking", 0, 0)
        return doc, chunk_document(doc), old is not None

    def _ingest_batch(self, items: list[tuple[Path, str]], origin: str, report: IngestReport,
                      progress: Callable[[str], None] | None = None, names: list[str] | None = None,
                      max_bytes: int | None = DEFAULT_MAX_BYTES,
                      stage: Callable[[str, int, int], None] | None = None) -> None:
        """Parse and chunk files, then embed their passages together in batches of about EMBED_BATCH_CHUNKS
        (a file at a time would leave the model running small, one-thread calls), then store each document."""
        pending: list[tuple] = []
        count = 0

        def flush() -> None:
            nonlocal count
            if not pending:
                return
            every = [c for _, chunks, _, _ in pending for c in chunks]
            self.index.refresh(force=True)
            model, embedder = self.ranker()
            vectors, sentence_sets, reused = self._embed(every, origin, stage, embedder)
            report.chunks_prebuilt += reused
            at = 0
            for doc, chunks, existed, name in pending:
                vecs, sets = vectors[at:at + len(chunks)], sentence_sets[at:at + len(chunks)]
                at += len(chunks)
                try:
                    stored = self.index.replace_document(doc, chunks, vecs, origin, sets, model)
                except ModelChanged as exc:
                    report.errors.append((doc.source, str(exc)))
                    continue
                report.chunks_embedded += len(chunks)
                report.chunks_total += len(chunks)
                # not stored: another process stored these very bytes meanwhile (re-checked under the write lock)
                (report.unchanged if not stored else report.updated if existed else report.added).append(doc.source)
                if progress:
                    progress(name)
            pending.clear()
            count = 0

        for i, (path, source) in enumerate(items):
            name = names[i] if names else source
            prepared = self._prepare(path, source, report, max_bytes, stage)
            if prepared is None:
                if progress:
                    progress(name)
                continue
            doc, chunks, existed = prepared
            pending.append((doc, chunks, existed, name))
            count += len(chunks)
            if count >= EMBED_BATCH_CHUNKS:
                flush()
        flush()

    def _embed(self, chunks: list, origin: str, stage: Callable[[str, int, int], None] | None, embedder: Embedder):
        """Passage and sentence vectors for `chunks` (knowledge/sentences.py), EMBED_STEP at a time with `stage`,
        and how many passages needed no model at all: the bundled guidance's sentences and headings come from the
        shipped file when it knows them and `embedder` is the model that made it (prebuilt.py)."""
        dim, from_file = self.index.dim, set()
        embed = prebuilt.embed_with_file(embedder, dim, self.prebuilt_vectors if origin == "bundled" else None,
                                         from_file)
        vectors, sets = embed_in_steps(chunks, embed, dim, stage, EMBED_STEP)
        reused = sum(1 for c in chunks if from_file.issuperset(units_of(c))) if from_file else 0
        return vectors, sets, reused

    def remove(self, source: str) -> bool:
        """Remove a document by its source (as listed by `documents()`; a user file's path also works).

        A bundled source (`corpus/<file>.md`, in the index or in the corpus folder) is also recorded as excluded,
        so later syncs leave it out until `restore_bundled`. True if anything changed."""
        with self._ingest_lock:
            if source.startswith(BUNDLED_PREFIX):
                if source not in self.bundled_sources() and self.index.document(source) is None:
                    return False
                if source in self.index.excluded():
                    return self.index.remove(source)  # already excluded: only a stray copy can go
                self.index.remove(source, exclude=True)
                return True
            if self.index.remove(source):
                return True
            p = Path(source).expanduser()
            alt = str(p.resolve()) if not source.startswith(BUNDLED_PREFIX) else source
            return alt != source and self.index.remove(alt)

    def restore_bundled(self, source: str) -> IngestReport:
        """Undo the removal of a bundled source: forget its exclusion and ingest its file again. If the file
        cannot be loaded, the exclusion is put back (nothing changes) and the error is in the report. A source
        whose file no longer ships just loses its exclusion (empty report). ValueError if it is not excluded."""
        report = IngestReport()
        with self._ingest_lock:
            if not self.index.include(source):
                raise ValueError(f"{source} is not a removed bundled document.")
            path = self.corpus_dir / source[len(BUNDLED_PREFIX):] if self.corpus_dir else None
            if path is None or source not in self.bundled_sources():
                return report
            try:
                self._ingest_file(path, source, "bundled", report)
            finally:
                if not report.ok or not (report.added or report.updated or report.unchanged):
                    self.index.remove(source, exclude=True)
                self.index.save()
        return report

    def documents(self) -> list[DocumentInfo]:
        self.index.refresh()
        return self.index.documents()

    def document(self, source: str) -> DocumentInfo | None:
        """One document by its source (title, checksum, when it was added), or None."""
        return self.index.document(source)

    def __len__(self) -> int:
        return self.index.size

    # ------------------------------------------------------------------------------------------- search

    def bundled_chunk_ids(self) -> frozenset[int]:
        """Ids of the passages that belong to the bundled guidance (cached per loaded index generation)."""
        gen = self.index.loaded_generation
        if self._bundled_ids[0] != gen:
            ids = self.index.chunk_ids_with_prefix(BUNDLED_PREFIX)
            self._bundled_ids = (gen, frozenset(ids))
        return self._bundled_ids[1]

    def bundled_setting(self, fresh: bool = False) -> collections.BundledSetting:
        """The bundled guidance's setting for every process, read at most once per index refresh interval."""
        now = self.index.clock()
        checked, setting = self._bundled
        if fresh or setting is None or now - checked >= self.index.refresh_interval:
            setting = collections.read(self.index.store, ranking.BUNDLED_WEIGHT)
            self._bundled = (now, setting)
        return setting

    def set_bundled(self, enabled: bool | None = None, weight: float | None = None):
        """Switch the bundled guidance on or off and/or set its weight (0 < w ≤ 1) for every process; returns the
        setting (before, after). ValueError for a weight out of range (nothing changes)."""
        before, after = collections.write(self.index.store, ranking.BUNDLED_WEIGHT, enabled, weight)
        self._bundled = (self.index.clock(), after)
        return before, after

    @property
    def bundled_weight(self) -> float:
        """How much the bundled guidance counts in fused ranking now (0 while it is switched off)."""
        s = self.bundled_setting()
        return s.weight if s.enabled else 0.0

    def searchable(self) -> int:
        """How many passages a search can return now (the bundled ones left out while switched off)."""
        self.index.refresh()
        hidden = 0 if self.bundled_setting().enabled else len(self.bundled_chunk_ids())
        return max(self.index.size - hidden, 0)

    def warm(self) -> None:
        """Load the embedding models (once per process), so later searches only pay for the search itself."""
        self.embedder.warm()
        self.ranker()[1].warm()

    def ranker(self) -> tuple[str, Embedder]:
        """(sha256, embedder) of the model that made the stored vectors ("": the packaged model), read again when
        the loaded index generation changes (a switch bumps it: knowledge/ranking_model.py)."""
        gen, sha, embedder = self._ranker
        if gen != self.index.loaded_generation:
            sha = ranking_model.active(self.index)
            embedder = ranking_model.embedder_for(self.index, sha) if sha else self.embedder
            if sha != self._ranker[1]:
                log.info("search model: %s", f"adapted {sha[:12]}" if sha else "packaged")
            self._ranker = (self.index.loaded_generation, sha, embedder)
        return sha, embedder

    def _judged(self, query: str, hits: list[Hit]) -> list[Hit]:
        """The hits with the packaged model's similarities (passage and closest sentence), as if it had made the
        vectors: an adapted model ranks, but the thresholds that read these were calibrated for the packaged one."""
        if not hits:
            return hits
        q = self.embedder.embed_one(query)
        chunks = [Chunk(text=h.text, source=h.source, title=h.title, section=h.section, ordinal=h.ordinal or 0)
                  for h in hits]
        passage, sets = embed_passages(chunks, self.embedder.embed_remembered, self.index.dim)
        return [dataclasses.replace(h, similarity=float(passage[i] @ q), sentence_similarity=float((sets[i] @ q).max()))
                for i, h in enumerate(hits)]

    def search(self, query: str, top_k: int = 5, mode: str = "fused") -> list[Hit]:
        """The `top_k` best passages for `query`. `mode`: "fused" (reciprocal rank fusion of keyword and
        vector rankings), "vector" or "keyword". Any text is accepted; empty text gives no hits."""
        if mode not in SEARCH_MODES:
            raise ValueError(f"mode must be one of {', '.join(SEARCH_MODES)}, not {mode!r}")
        q = (query or "").strip()
        if not q or top_k <= 0:
            return []
        self.index.refresh()
        if self.index.size == 0:
            return []
        sha, embedder = self.ranker()
        qvec = embedder.embed_one(q)
        fusion = ranking.ADAPTED if sha else {}
        setting = self.bundled_setting()
        hidden = frozenset() if setting.enabled else self.bundled_chunk_ids()  # switched off: never a candidate
        depth = max(CANDIDATES, top_k) + len(hidden)
        vec = self.index.vector_search(qvec, depth) if mode != "keyword" else []
        kw = self.index.keyword_search(q, depth) if mode != "vector" else []
        if hidden:
            vec, kw = [x for x in vec if x[0] not in hidden], [x for x in kw if x[0] not in hidden]
        vec_rank, kw_rank = {cid: r for r, (cid, _) in enumerate(vec, 1)}, {cid: r for r, (cid, _) in enumerate(kw, 1)}
        sent: dict[int, float] = {}
        if mode == "vector":
            ranked = vec[:top_k]
        elif mode == "keyword":
            ranked = kw[:top_k]
        else:
            depth = max(fusion.get("depth", ranking.FUSION_DEPTH), top_k)
            use_sentences = fusion.get("sentence_weight", ranking.SENTENCE_WEIGHT)
            candidates = list(dict.fromkeys([c for c, _ in vec[:depth]] + [c for c, _ in kw[:depth]]))
            if use_sentences:  # the candidates again, by their sentence closest to the question
                sent = sentence_scores(self.index, qvec, candidates, dict(vec))
            bundled = self.bundled_chunk_ids()
            weight = {c: setting.weight for c in candidates if c in bundled} if setting.weight != 1.0 else None
            ranked = ranking.fuse([c for c, _ in vec], [c for c, _ in kw], sent if use_sentences else None,
                                  **{**fusion, "depth": depth}, item_weight=weight)[:top_k]
        ids = [cid for cid, _ in ranked]
        sims = {cid: s for cid, s in vec}
        missing = [cid for cid in ids if cid not in sims]
        if missing:
            sims.update(self.index.similarities(qvec, missing))
        best = sent | sentence_scores(self.index, qvec, [c for c in ids if c not in sent], sims)  # fused: known
        rows = self.index.chunks(ids)
        hits = []
        for cid, score in ranked:
            row = rows.get(cid)
            if row is None:  # removed between the two reads
                continue
            hits.append(Hit(text=row["text"], source=row["source"], title=row["title"], section=row["section"],
                            score=float(score), chunk_id=cid, doc_type=row["doc_type"],
                            similarity=float(sims.get(cid, 0.0)), ordinal=row["ordinal"],
                            vector_rank=vec_rank.get(cid), keyword_rank=kw_rank.get(cid),
                            sentence_similarity=float(best.get(cid, 0.0))))
        return self._judged(q, hits) if sha else hits
