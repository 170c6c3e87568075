"""Run a slow call (a guidance search) with a time bound, on a small shared pool of threads.

The pool is created on first use and shared by every request, so a timed-out call never leaves a new thread
behind: at most `WORKERS` searches run at once, and a call that overran finishes in the background on one of
them. A caller waiting longer than its bound gets `TimedOut` (its message is meant for the user).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Callable, TypeVar

T = TypeVar("T")

WORKERS = 4
DEFAULT_SEARCH_TIMEOUT = 10.0
SEARCH_TOO_SLOW = ("The guidance search took too long, so I stopped waiting. Please try again in a moment, "
                   "or shorten the question to its key words.")

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


class TimedOut(Exception):
    """A bounded call did not finish in time; str(exc) is a friendly message for the user."""


def pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="pse-search")
        return _pool


def call_with_timeout(fn: Callable[..., T], timeout: float, *args, message: str = SEARCH_TOO_SLOW, **kwargs) -> T:
    """`fn(*args, **kwargs)`, or TimedOut(message) when it takes longer than `timeout` seconds."""
    future = pool().submit(fn, *args, **kwargs)
    try:
        return future.result(timeout=max(0.0, timeout))
    except FutureTimeout:
        future.cancel()  # drops it if it never started; a running call finishes on its pool thread
        raise TimedOut(message) from None


def search_timeout(services) -> float:
    """The configured bound (PSE_SEARCH_TIMEOUT) from the services' settings, or the default."""
    value = getattr(getattr(services, "settings", None), "search_timeout", None)
    return float(value) if value else DEFAULT_SEARCH_TIMEOUT
