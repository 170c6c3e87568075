"""Helpers for the registry tests: send a line through the real router, and snapshot the whole database."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.message import Message
from bot.router import route

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)  # a Wednesday


def say(services, text: str = "", now: datetime = NOW, **kw):
    kw.setdefault("user_id", "amara")
    return route(Message(text=text, received_at=now, **kw), services)


def submit(services, command: str, form: dict, now: datetime = NOW, **kw):
    kw.setdefault("user_id", "amara")
    return route(Message(text="", command=command, form=form, received_at=now, **kw), services)


def dump(store) -> str:
    """Every row of every table, as SQL text: equal dumps mean nothing changed."""
    return store.snapshot()


def counts(store) -> dict[str, int]:
    c = store
    return {t: c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
            for t in ("partners", "interactions", "outcomes", "stage_history", "diligence", "audit_log")}


def seed(services):
    """Three partners: two that share the word Acme, one confidential survivor-employment partner."""
    for line in ("partner add Acme Foods Co. --stream innovation --country Thailand --sector seafood",
                 "partner add Acme Logistics Ltd --country Nepal",
                 "partner add Blue Ocean Seafood --stream survivor --country Cambodia --confidential"):
        r = say(services, line)
        assert r.ok, r.text
