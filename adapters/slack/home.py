"""The Slack App Home tab (my partners, next steps due, recent logs) and the partner type-ahead options.

Reads go through records.lookups (and records.names for suggestions); a missing table degrades to an empty
list, never an error page.
Only people the bot knows (staff and above) see partner names; everyone else gets the introduction. Every list
holds only partners the user may see now (their country projects; admins all) — the Home tab is private to the
user, so their own projects' confidential (NDA) partners appear there with a lock.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any

from adapters.slack.blocks import escape

log = logging.getLogger("pse.slack.home")

MAX_ROWS = 10
DUE_WITHIN_DAYS = 14


def _user(services, user_id: str):
    from bot.message import Message
    from records import access

    return access.current_user(services.store, Message(text="", user_id=user_id, platform="slack"))


def _ids(user_id: str) -> tuple[str, str]:
    return (user_id, f"slack:{user_id}")


def _visible(services, user, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows (with `country` and `confidential`) of partners `user` may see, at most MAX_ROWS."""
    from records import access

    return [r for r in rows if access.can_see_partner(user, r)][:MAX_ROWS]


def _lock(row: dict[str, Any]) -> str:
    return "🔒 " if row.get("confidential") else ""


def my_partners(services, user_id: str, user=None) -> list[dict[str, Any]]:
    """Partners the user owns, then those they logged a contact with (most recent first): a partner someone else
    added is still "mine" once I have met them."""
    from records import lookups, names

    user = user or _user(services, user_id)
    rows = lookups.partners_owned_by(services.store, _ids(user_id))
    seen = {r["name"].casefold() for r in rows}
    for log_row in lookups.recent_logs(services.store, _ids(user_id), 50):
        name = log_row["partner"]
        if name.casefold() in seen:
            continue
        seen.add(name.casefold())
        p = names.exact_partner(services.store, name, user)
        if p is not None:
            rows.append({"name": p.name, "stage": p.stage, "stage_since": p.stage_since, "country": p.country,
                         "confidential": p.confidential})
    return _visible(services, user, rows)


def next_steps_due(services, user_id: str, today: date | None = None, user=None) -> list[dict[str, Any]]:
    """The latest next step per partner that the user owns or logged, due within two weeks (or overdue)."""
    from records import lookups

    until = ((today or date.today()) + timedelta(days=DUE_WITHIN_DAYS)).isoformat()
    rows = lookups.next_steps_due(services.store, _ids(user_id), until, 20 * MAX_ROWS)
    return _visible(services, user or _user(services, user_id), rows)


def recent_logs(services, user_id: str, user=None) -> list[dict[str, Any]]:
    from records import lookups

    rows = lookups.recent_logs(services.store, _ids(user_id), 50)
    return _visible(services, user or _user(services, user_id), rows)[:5]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _stage_label(key: str) -> str:
    try:
        from records import stages

        return stages.label(key)
    except Exception:  # noqa: BLE001 - an unknown or legacy stage key is shown as stored
        return key


def home_view(services, user_id: str, today: date | None = None) -> dict[str, Any]:
    """The Home tab view for one user."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "PSE Assistant"}},
        _section("Ask me anything about private-sector engagement: `/pse how do I approach a seafood company?`\n"
                 "Record a meeting in under a minute: `/pse log` · See your pipeline: `/pse pipeline` · "
                 "All commands: `/pse help`"),
    ]
    user = _user(services, user_id)
    if not user.at_least("staff"):
        blocks.append(_section("_Your partners, next steps and logs appear here once an admin adds you as PSE "
                               "staff._"))
        return {"type": "home", "blocks": blocks}
    partners = my_partners(services, user_id, user)
    due = next_steps_due(services, user_id, today, user)
    logs = recent_logs(services, user_id, user)
    blocks.append({"type": "divider"})
    lines = [f"• {_lock(p)}*{escape(p['name'])}* — {escape(_stage_label(p['stage']))} since {escape(str(p['stage_since']))}"
             for p in partners]
    blocks.append(_section("*My partners*\n" + ("\n".join(lines) if lines else "_None yet — a partner you log or own "
                                                                               "shows up here._")))
    lines = [f"• {escape(str(d['next_due']))} · {_lock(d)}*{escape(d['partner'])}*: {escape(_clip(d['next_step'], 150))}"
             for d in due]
    blocks.append(_section(f"*Next steps due (next {DUE_WITHIN_DAYS} days or overdue)*\n" +
                           ("\n".join(lines) if lines else "_Nothing due._")))
    lines = [f"• {escape(str(r['occurred_on']))} · {escape(r['kind'])} with {_lock(r)}*{escape(r['partner'])}*: "
             f"{escape(_clip(r['summary'], 150))}" for r in logs]
    blocks.append(_section("*My recent logs*\n" + ("\n".join(lines) if lines else "_No logs yet: try `/pse log`._")))
    return {"type": "home", "blocks": blocks}


def partner_options(services, user_id: str, typed: str, limit: int = 20) -> list[tuple[str, str]]:
    """(value, label) pairs for the partner type-ahead; the typed name is offered last when it is new."""
    typed = " ".join(typed.split())[:150]
    pairs: list[tuple[str, str]] = []
    user = _user(services, user_id)
    if user.at_least("staff"):
        from records.names import suggest_partners

        pairs = list(suggest_partners(services.store, typed, limit, viewer=user))  # only partners they may see
    if typed and not any(v.casefold() == typed.casefold() or lbl.casefold() == typed.casefold() for v, lbl in pairs):
        pairs.append((typed, f"{typed} (new partner)"))
    return pairs[:limit + 1]
