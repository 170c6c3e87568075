"""Shared fixtures: a throw-away PSE_HOME per test, a real SQLite store, and the bundled knowledge base
(real model, real faiss) built once per test session and shared read-only."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_addoption(parser):
    parser.addoption("--engines", default=os.environ.get("PSE_TEST_ENGINES", "sqlite,postgresql"),
                     help="database engines to run the store-backed tests on (comma-separated)")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: about the SQLite file itself (backup, the file on disk)")
    config.addinivalue_line("markers", "postgresql_only: about PostgreSQL itself (moving into it, several processes)")
    config._pse_pg_skipped = None


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames:
        engines = [e for e in metafunc.config.getoption("--engines").split(",") if e]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            engines = [e for e in engines if e == "sqlite"] or ["sqlite"]
        if metafunc.definition.get_closest_marker("postgresql_only"):
            engines = ["postgresql"]
        metafunc.parametrize("engine", engines, scope="function")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    reason = config._pse_pg_skipped
    if reason:
        terminalreporter.write_line(f"PostgreSQL runs skipped: {reason}. SQLite runs passed as shown.")


def pytest_sessionfinish(session):
    """In a pytest-xdist worker: hand the reason PostgreSQL was skipped to the controller, which prints the line."""
    if session.config._pse_pg_skipped and hasattr(session.config, "workeroutput"):
        session.config.workeroutput["pse_pg_skipped"] = session.config._pse_pg_skipped


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    reason = getattr(node, "workeroutput", {}).get("pse_pg_skipped")
    if reason:
        node.config._pse_pg_skipped = reason


@pytest.fixture(scope="session")
def pg_server(request):
    """One real PostgreSQL server per session (None when none can be started here)."""
    from pg_support import PgServer, why_not

    reason = why_not()
    if reason:
        request.config._pse_pg_skipped = reason
        yield None
        return
    server = PgServer.start()
    try:
        server.make_template()
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_url(engine, request):
    """'' for SQLite (the file in PSE_HOME); a fresh PostgreSQL database's URL otherwise."""
    if engine == "sqlite":
        yield ""
        return
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip(f"PostgreSQL: {request.config._pse_pg_skipped}")
    url, janitor = server.new_database()
    yield url
    janitor.drop()


@pytest.fixture
def home(tmp_path, monkeypatch, database_url):
    path = tmp_path / "pse-home"
    monkeypatch.setenv("PSE_HOME", str(path))
    if database_url:
        monkeypatch.setenv("DATABASE_URL", database_url)
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
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

    st = Store.open(settings.database)
    yield st
    st.close()


@pytest.fixture(scope="session")
def bundled_kb(tmp_path_factory):
    """The bundled guidance, ingested once per session with the real model into its own SQLite store (whatever
    engine a test runs on: it is shared read-only). Treat as read-only; kb_support.copy_knowledge copies it elsewhere."""
    from knowledge.base import KnowledgeBase
    from storage.store import Store

    folder = tmp_path_factory.mktemp("bundled-index")
    store = Store.open(folder / "knowledge.db")
    kb = KnowledgeBase.open(store, folder / "cache", bundled=True)
    yield kb
    store.close()



@pytest.fixture
def corpus(request, tmp_path):
    """A bundled-guidance folder, tmp_path/"corpus", holding the test module's `TINY_CORPUS` (file name → text)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name, text in request.module.TINY_CORPUS.items():
        (folder / name).write_text(text)
    return folder


class TwoProcesses:
    """Two KnowledgeBase handles on one database, each with its own connection pool and faiss cache folder, as two
    processes (two web containers, or the server and `pse-bot ingest`). The reader looks at the generation at most
    once per `refresh_interval`; its clock is driven by the test through `tick()`, so nothing sleeps."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.now = 1000.0
        reader.index._clock = lambda: self.now
        reader.index.refresh(force=True)

    def tick(self) -> None:
        """Move the reader's clock on by one refresh interval."""
        self.now += self.reader.index.refresh_interval


@pytest.fixture
def two_processes(store, settings, tmp_path):
    """Reader on the test's store, writer on a second store opened on the same database (no bundled guidance)."""
    from knowledge.base import KnowledgeBase
    from storage.store import Store

    other_store = Store.open(settings.database)
    reader = KnowledgeBase.open(store, tmp_path / "reader-cache", bundled=False)
    writer = KnowledgeBase.open(other_store, tmp_path / "writer-cache", bundled=False)
    yield TwoProcesses(reader, writer)
    reader.close()
    writer.close()
    other_store.close()


@pytest.fixture
def services(settings, store, bundled_kb):
    from bot.app import Services

    return Services(settings, knowledge=bundled_kb, store=store)


@pytest.fixture
def lite_services(settings, store):
    """Services without the knowledge base, for tests that never ask the guidance."""
    from bot.app import Services

    return Services(settings, store=store)
