"""adapters/common/errors.py: the apology names a reference id that is also on the logged traceback."""

from __future__ import annotations

import logging

from adapters.common.errors import apology, failure_reply, new_ref


def test_reference_ids_are_short_and_distinct():
    refs = {new_ref() for _ in range(50)}
    assert len(refs) == 50 and all(len(r) == 8 for r in refs)
    assert "reference abc12345" in apology("abc12345")


def test_failure_reply_logs_the_traceback_under_the_reference(caplog):
    log = logging.getLogger("pse.test.errors")
    caplog.set_level(logging.ERROR, logger="pse.test.errors")
    try:
        raise RuntimeError("boom")
    except RuntimeError as exc:
        reply = failure_reply(log, "thing", exc)
    assert not reply.ok
    ref = reply.text.split("reference ")[-1].rstrip(".")
    [record] = [r for r in caplog.records if getattr(r, "ref", None) == ref]
    assert record.exc_info is not None and "boom" not in record.getMessage()
