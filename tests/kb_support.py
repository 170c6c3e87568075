"""Helpers for tests of the knowledge base in the shared database."""

from __future__ import annotations


def copy_knowledge(kb, store, cache_dir) -> None:
    """Copy a knowledge base's documents, passages and vectors into another store (no embedding)."""
    from knowledge.index import HybridIndex
    from knowledge.legacy import export_documents

    HybridIndex(store, cache_dir, kb.embedder.dim).import_documents(*export_documents(kb.index))
