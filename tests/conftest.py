"""Shared fixtures: a throw-away PSE_HOME per test, a real SQLite store, and the bundled knowledge base
(real model, real faiss) built once per test session and shared read-only."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "pse-home"
    monkeypatch.setenv("PSE_HOME", str(path))
    for var in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL",
                "MICROSOFT_APP_ID", "MICROSOFT_APP_PASSWORD", "MICROSOFT_APP_TENANT_ID"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture
def settings(home):
    from bot.settings import Settings

    s = Settings.from_env(dotenv=False)
    s.ensure_home()
    return s


@pytest.fixture
def store(settings):
    from storage.store import Store

    st = Store.open(settings.db_path)
    yield st
    st.close()


@pytest.fixture(scope="session")
def bundled_kb(tmp_path_factory):
    """The bundled guidance, ingested once per session with the real model. Treat as read-only."""
    from knowledge.base import KnowledgeBase

    return KnowledgeBase.open(tmp_path_factory.mktemp("bundled-index"), bundled=True)


@pytest.fixture
def services(settings, store, bundled_kb):
    from bot.app import Services

    return Services(settings, knowledge=bundled_kb, store=store)


@pytest.fixture
def lite_services(settings, store):
    """Services without the knowledge base, for tests that never ask the guidance."""
    from bot.app import Services

    return Services(settings, store=store)
