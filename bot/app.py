"""The composition root: the one place that builds the long-lived services (settings, the database, the
knowledge base, the rate limiter) once per process and hands them to whoever needs them.

`build_services()` is what every entry point calls (`pse-bot …`, the server, the scheduler). Nothing is built
at import time, and each service is built on first use, so `pse-bot report` never loads the model.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from bot.settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from knowledge.base import KnowledgeBase
    from storage.store import Store


class Services:
    """Holds settings, the knowledge base and the store. Nothing is built until first used."""

    def __init__(self, settings: Settings, knowledge: "KnowledgeBase | None" = None, store: "Store | None" = None):
        self.settings = settings
        self._lock = threading.Lock()
        if knowledge is not None:
            self.__dict__["knowledge"] = knowledge
        if store is not None:
            self.__dict__["store"] = store

    @cached_property
    def knowledge(self) -> "KnowledgeBase":
        from knowledge.base import KnowledgeBase

        store = self.store  # first: building the store takes the same lock
        with self._lock:
            return KnowledgeBase.open(store, self.settings.index_dir, bundled=True)

    @cached_property
    def store(self) -> "Store":
        from storage.store import Store

        with self._lock:
            return Store.open(self.settings.database)

    @cached_property
    def rate_limiter(self):
        from bot.ratelimit import RateLimiter

        return RateLimiter(per_minute=self.settings.rate_per_minute, burst=self.settings.rate_burst)

    @property
    def knowledge_loaded(self) -> bool:
        return "knowledge" in self.__dict__


def build_services(settings: Settings | None = None) -> Services:
    """Services for this process from the environment (and `.env`), with `PSE_HOME` created."""
    s = settings or Settings.from_env()
    s.ensure_home()
    return Services(s)
