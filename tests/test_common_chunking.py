"""adapters/common/chunking.py: at most N posts, the last one saying the answer was cut."""

from __future__ import annotations

import pytest

from adapters.common.chunking import CUT_NOTE, fit


def test_posts_that_fit_are_kept():
    assert fit([1, 2, 3], 5, lambda note: [note]) == [1, 2, 3]


def test_too_many_posts_keep_the_first_and_end_with_the_note():
    out = fit(list(range(9)), 5, lambda note: [note])
    assert out == [0, 1, 2, 3, CUT_NOTE]


def test_limit_must_allow_one_post():
    with pytest.raises(ValueError):
        fit([1], 0, lambda note: [note])
