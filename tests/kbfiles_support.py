"""Shared by the "add a document by sharing a file" tests: documents to share, a knowledge base of their own
(an empty index with the session's real model, so the session's bundled index is never changed), and the
admin and staff users."""

from __future__ import annotations

from pathlib import Path

from knowledge.base import KnowledgeBase
from records import access
from tests.doc_builders import write_docx, write_pdf

PDF_TITLE = "Retail partner onboarding"
PDF_LINES = [
    "Retail partner onboarding",
    "This guide explains how to bring a supermarket chain into the survivor employment programme.",
    "Candidates take a four-week customer service course before their first shift in a store.",
    "The store manager names one buddy for each new employee during the first three months.",
    "Case workers visit the store every second week to check that the placement is going well.",
    "Wages are paid into the employee's own bank account, never to a recruiter or a broker.",
    "If an employee misses three shifts in a row, the buddy calls the case worker the same day.",
    "Stores that keep at least two survivors employed for a year are named in the annual report.",
]
PDF_QUESTION = "How long is the customer service course before the first shift in a store?"
DOCX_TITLE = "Onboarding a retail partner"
DOCX_QUESTION = "What course do candidates take before the first shift at a retail partner?"


def fresh_kb(folder: Path, bundled_kb: KnowledgeBase, store) -> KnowledgeBase:
    """An empty knowledge base in `store` with the session's (already loaded) embedding model."""
    return KnowledgeBase.open(store, folder, bundled=False, embedder=bundled_kb.embedder)


def pdf_bytes(tmp: Path, extra: str = "") -> bytes:
    lines = PDF_LINES + ([extra] if extra else [])
    return write_pdf(tmp / f"doc-{len(lines)}.pdf", lines, title=PDF_TITLE).read_bytes()


def docx_bytes(tmp: Path) -> bytes:
    return write_docx(tmp / "onboarding.docx", title=DOCX_TITLE).read_bytes()


GARBAGE = bytes((i * 7919 + 13) % 256 for i in range(20_000))  # random-looking bytes, not a PDF


def seed_users(store, platform: str, admin: str, staff: str) -> None:
    access.add_user(store, f"{platform}:{admin}", "admin", ["Thailand"], actor="test")
    access.add_user(store, f"{platform}:{staff}", "staff", ["Thailand"], actor="test")


def audit_rows(store) -> list[tuple]:
    return store.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'kb.add' ORDER BY id").fetchall()
