"""The time bound around guidance searches: a slow search gives a friendly retry message (ask) or an answer
without quotes (frame), the request log says "timeout", and timed-out searches do not pile up threads."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace

import pytest

from bot import deadline
from bot.message import Message
from bot.router import route
from bot.app import Services
from bot.settings import Settings


@pytest.fixture
def slow_search(monkeypatch, bundled_kb):
    """Make the real knowledge base's search hang until released (then it answers as usual)."""
    release = threading.Event()
    real = bundled_kb.search
    calls = []

    def slow(*args, **kwargs):
        calls.append(args)
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(bundled_kb, "search", slow)
    yield calls
    release.set()


@pytest.fixture
def quick_services(settings, store, bundled_kb):
    return Services(replace(settings, search_timeout=0.3), knowledge=bundled_kb, store=store)


def _outcomes(caplog) -> list[str]:
    return [r.outcome for r in caplog.records if r.name == "pse.router" and r.getMessage() == "request"]


def test_call_with_timeout_returns_the_result_in_time():
    assert deadline.call_with_timeout(lambda a, b=0: a + b, 5, 2, b=3) == 5


def test_call_with_timeout_raises_a_friendly_timed_out():
    gate = threading.Event()
    try:
        started = time.monotonic()
        with pytest.raises(deadline.TimedOut) as err:
            deadline.call_with_timeout(gate.wait, 0.1, 5)
        assert time.monotonic() - started < 2
        assert "took too long" in str(err.value) and "shorten" in str(err.value)
    finally:
        gate.set()


def test_errors_inside_the_call_are_not_hidden_as_timeouts():
    def boom():
        raise KeyError("x")

    with pytest.raises(KeyError):
        deadline.call_with_timeout(boom, 5)


def test_many_timeouts_do_not_leak_threads():
    gate = threading.Event()
    try:
        for _ in range(3 * deadline.WORKERS):
            with pytest.raises(deadline.TimedOut):
                deadline.call_with_timeout(gate.wait, 0.01, 5)
        searchers = [t for t in threading.enumerate() if t.name.startswith("pse-search")]
        assert 1 <= len(searchers) <= deadline.WORKERS
    finally:
        gate.set()


def test_slow_search_gives_ask_a_retry_message_and_a_timeout_log(quick_services, slow_search, caplog):
    caplog.set_level(logging.INFO, logger="pse.router")
    started = time.monotonic()
    reply = route(Message(text="how do I approach a company about a partnership?"), quick_services)
    assert time.monotonic() - started < 5
    assert slow_search, "the real search was called"
    assert not reply.ok
    assert "took too long" in reply.text and "try again" in reply.text and "shorten" in reply.text
    assert "something went wrong" not in reply.text
    assert _outcomes(caplog) == ["timeout"]


def test_fast_search_is_unaffected_by_the_bound(quick_services, caplog):
    caplog.set_level(logging.INFO, logger="pse.router")
    reply = route(Message(text="ask what goes into a due-diligence check?"), quick_services)
    assert reply.ok and reply.data["answered"] is True
    assert _outcomes(caplog) == ["ok"]


def test_slow_search_leaves_frame_useful_without_quotes(quick_services, slow_search, caplog):
    caplog.set_level(logging.INFO, logger="pse.router")
    started = time.monotonic()
    reply = route(Message(text="frame Dear Ms Chan, we fight human trafficking and slavery in your supply chain."),
                  quick_services)
    # both searches share one bound
    assert time.monotonic() - started < 5
    assert reply.ok and reply.passages == []
    assert reply.data["search_timed_out"] is True and reply.data["citations"] == []
    assert "took too long" in reply.text and "Reworded draft" in reply.text
    assert _outcomes(caplog) == ["ok"]


def test_search_timeout_setting_is_read_and_checked():
    assert Settings.from_env({}).search_timeout == 10.0
    assert Settings.from_env({"PSE_SEARCH_TIMEOUT": "2.5"}).search_timeout == 2.5
    for bad in ("soon", "0", "-1", "nan"):
        with pytest.raises(SystemExit) as err:
            Settings.from_env({"PSE_SEARCH_TIMEOUT": bad})
        assert "PSE_SEARCH_TIMEOUT" in str(err.value)


def test_search_timeout_falls_back_to_the_default_without_settings():
    assert deadline.search_timeout(None) == deadline.DEFAULT_SEARCH_TIMEOUT


def test_the_first_question_of_a_process_is_not_cut_off_by_the_model_load(settings, store, bundled_kb, caplog,
                                                                         monkeypatch):
    """Loading the model takes seconds once per process (importing torch); only the search itself is bounded."""
    from knowledge.base import KnowledgeBase
    from knowledge.embedder import Embedder

    real_load = Embedder._load

    def load_like_a_fresh_process(self):
        if self._model is None:
            time.sleep(1.0)  # in this test process torch is already imported, so the real load is quick
        return real_load(self)

    monkeypatch.setattr(Embedder, "_load", load_like_a_fresh_process)
    cold = KnowledgeBase(bundled_kb.index, Embedder(), corpus_dir=None)  # same index, a model not yet loaded
    assert not cold.embedder.loaded
    services = Services(replace(settings, search_timeout=0.5), knowledge=cold, store=store)
    caplog.set_level(logging.INFO, logger="pse.router")
    reply = route(Message(text="how do I frame this for a company?"), services)
    assert reply.ok and reply.passages, reply.text
    assert cold.embedder.loaded and _outcomes(caplog) == ["ok"]
