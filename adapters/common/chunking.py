"""Long replies: a renderer may turn one Reply into several posts; where a platform accepts only so many
(Slack's response_url takes 5), the first ones are kept and the last is a note saying the answer was cut."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

T = TypeVar("T")

CUT_NOTE = ("(That answer was too long for one reply; I've shown the first part. "
            "Ask a narrower question to see the rest.)")


def fit(posts: Sequence[T], limit: int, overflow: Callable[[str], Sequence[T]]) -> list[T]:
    """At most `limit` posts: all of them if they fit, else the first ones plus `overflow(CUT_NOTE)`."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if len(posts) <= limit:
        return list(posts)
    note = list(overflow(CUT_NOTE))
    return list(posts[: max(0, limit - len(note))]) + note[:limit]
