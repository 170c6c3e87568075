"""Guidance documents: loaders, chunking, embeddings, the hybrid (faiss + SQLite FTS5) index and fused ranking.

Import `knowledge.base.KnowledgeBase` for the public API; nothing here builds objects at import time.
"""
