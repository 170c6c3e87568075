"""Who may do what, as ONE table: role × intent × partner confidential or not × channel kind → expected outcome.

Every row goes through the real router (bot.router.route) over a real SQLite store, as a Slack message from a
user registered with access.add_user. Outcomes:

  REFUSED   reply.ok is False, the needed role is named, nothing was written
  DETAILS   allowed, and the partner's name is shown (a reply naming an NDA partner must be private)
  HIDDEN    allowed, but the partner's name and details are absent and "confidential" is said instead
  NOTFOUND  another country project's partner: refused as an unknown name is, nothing written, none of its details;
            only that the Thailand team engages the company (so the teams coordinate; issue 14), and in a shared
            channel not even that for an NDA engagement
  ALLOWED   allowed; the reply names no partner (guidance, reports, settings)

"any" in the conf or channel column stands for both values. A shared channel never shows an NDA partner's name.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from datetime import date, datetime, timezone

import pytest

from bot.message import Message
from bot.router import route
from records import access, interactions, partner_edits

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 18)
OPEN, NDA = "Acme Foods", "Secret Seafood"          # both partners of the Thailand project
NDA_SECRETS = ("cold-chain sensor pilot terms", "send revised NDA draft")  # its logged summary and next step
FAKE = "Zenith Garments"                              # a name nobody registered

USERS = {  # role column → (slack user id, role, country projects); "guest" is not registered at all
    "guest": ("UGUEST", None, ()),
    "staff": ("USTAFF", "staff", ("Thailand",)),
    "staff(other)": ("UOTHER", "staff", ("Nepal",)),
    "lead": ("ULEAD", "lead", ("Thailand",)),
    "lead(other)": ("ULEADNP", "lead", ("Nepal",)),
    "admin": ("UADMIN", "admin", ()),
}

COMMANDS = {  # intent column → what the user types ({name}: the partner of the row)
    "ask": "ask how do I approach a seafood company about worker rights",
    "frame": "frame We want to help you find trafficking victims in your supply chain.",
    "help": "help",
    "log": "log {name} call today: agreed next training date",
    "partner": "partner {name}",
    "pipeline": "pipeline",
    "stage": "stage {name} due diligence",
    "diligence": "diligence {name}",
    "export": "export partners",
    "report": "report",
    "target": "target list",
    "digest subscribe": "digest subscribe Monday 9 Thailand",
    "feedback report": "feedback report",
    "admin users list": "admin users list",
}

R, D, H, N, A = "REFUSED", "DETAILS", "HIDDEN", "NOTFOUND", "ALLOWED"

# role            intent               conf    channel    expected
TABLE = [
    # guidance: anyone, anywhere
    ("guest",        "ask",               "any",  "any",     A),
    ("staff(other)", "ask",               "any",  "dm",      A),
    ("guest",        "frame",             "any",  "any",     A),
    ("admin",        "frame",             "any",  "channel", A),
    ("guest",        "help",              "any",  "any",     A),
    ("staff",        "help",              "any",  "any",     A),
    ("staff",        "ask",               "any",  "channel", A),
    ("staff",        "frame",             "any",  "dm",      A),
    ("lead",         "ask",               "any",  "dm",      A),
    ("lead",         "frame",             "any",  "channel", A),
    ("lead",         "help",              "any",  "any",     A),
    ("admin",        "ask",               "any",  "channel", A),
    ("admin",        "help",              "any",  "any",     A),
    ("staff(other)", "frame",             "any",  "channel", A),
    ("staff(other)", "help",              "any",  "any",     A),
    # guests: nothing about partners, reports or settings
    ("guest",        "log",               "any",  "any",     R),
    ("guest",        "partner",           "any",  "any",     R),
    ("guest",        "pipeline",          "any",  "any",     R),
    ("guest",        "stage",             "any",  "any",     R),
    ("guest",        "diligence",         "any",  "any",     R),
    ("guest",        "export",            "any",  "any",     R),
    ("guest",        "report",            "any",  "any",     R),
    ("guest",        "target",            "any",  "any",     R),
    ("guest",        "digest subscribe",  "any",  "any",     R),
    ("guest",        "feedback report",   "any",  "any",     R),
    ("guest",        "admin users list",  "any",  "any",     R),
    # staff of the partner's country project: details in private, an NDA partner hidden in shared channels
    ("staff",        "log",               "open", "any",     D),
    ("staff",        "log",               "nda",  "dm",      D),
    ("staff",        "log",               "nda",  "channel", H),
    ("staff",        "partner",           "open", "any",     D),
    ("staff",        "partner",           "nda",  "dm",      D),
    ("staff",        "partner",           "nda",  "channel", H),
    ("staff",        "pipeline",          "open", "any",     D),
    ("staff",        "pipeline",          "nda",  "dm",      D),
    ("staff",        "pipeline",          "nda",  "channel", H),
    ("staff",        "stage",             "open", "any",     D),
    ("staff",        "stage",             "nda",  "dm",      D),
    ("staff",        "stage",             "nda",  "channel", H),
    ("staff",        "diligence",         "open", "any",     D),
    ("staff",        "diligence",         "nda",  "dm",      D),
    ("staff",        "diligence",         "nda",  "channel", H),
    ("staff",        "export",            "any",  "any",     R),
    ("staff",        "report",            "any",  "any",     A),
    ("staff",        "target",            "any",  "any",     A),
    ("staff",        "digest subscribe",  "any",  "any",     R),
    ("staff",        "feedback report",   "any",  "any",     R),
    ("staff",        "admin users list",  "any",  "any",     R),
    # staff of another country project: the partner does not exist for them
    ("staff(other)", "log",               "any",  "any",     N),
    ("staff(other)", "partner",           "any",  "any",     N),
    ("staff(other)", "pipeline",          "any",  "any",     N),
    ("staff(other)", "stage",             "any",  "any",     N),
    ("staff(other)", "diligence",         "any",  "any",     N),
    ("staff(other)", "export",            "any",  "any",     R),
    ("staff(other)", "report",            "any",  "dm",      A),
    ("staff(other)", "target",            "any",  "channel", A),
    ("staff(other)", "digest subscribe",  "any",  "dm",      R),
    ("staff(other)", "feedback report",   "any",  "dm",      R),
    ("staff(other)", "admin users list",  "any",  "channel", R),
    # leads: as staff, plus exports of their projects, digests, the feedback report
    ("lead",         "log",               "open", "channel", D),
    ("lead",         "log",               "nda",  "dm",      D),
    ("lead",         "log",               "nda",  "channel", H),
    ("lead",         "partner",           "open", "any",     D),
    ("lead",         "partner",           "nda",  "dm",      D),
    ("lead",         "partner",           "nda",  "channel", H),
    ("lead",         "pipeline",          "open", "channel", D),
    ("lead",         "pipeline",          "nda",  "channel", H),
    ("lead",         "stage",             "nda",  "dm",      D),
    ("lead",         "stage",             "nda",  "channel", H),
    ("lead",         "diligence",         "open", "channel", D),
    ("lead",         "diligence",         "nda",  "channel", H),
    ("lead",         "target",            "any",  "any",     A),
    ("lead",         "export",            "any",  "any",     D),
    ("lead",         "report",            "any",  "any",     A),
    ("lead",         "digest subscribe",  "any",  "any",     A),
    ("lead",         "feedback report",   "any",  "any",     A),
    ("lead",         "admin users list",  "any",  "any",     R),
    ("lead(other)",  "export",            "any",  "any",     N),
    ("lead(other)",  "partner",           "any",  "any",     N),
    # admins: every project; still no NDA details in shared channels
    ("admin",        "log",               "open", "any",     D),
    ("admin",        "log",               "nda",  "dm",      D),
    ("admin",        "log",               "nda",  "channel", H),
    ("admin",        "partner",           "any",  "dm",      D),
    ("admin",        "partner",           "nda",  "channel", H),
    ("admin",        "pipeline",          "nda",  "dm",      D),
    ("admin",        "pipeline",          "nda",  "channel", H),
    ("admin",        "stage",             "nda",  "channel", H),
    ("admin",        "diligence",         "any",  "dm",      D),
    ("admin",        "export",            "any",  "any",     D),
    ("admin",        "report",            "any",  "channel", A),
    ("admin",        "target",            "any",  "dm",      A),
    ("admin",        "digest subscribe",  "any",  "channel", A),
    ("admin",        "feedback report",   "any",  "dm",      A),
    ("admin",        "admin users list",  "any",  "any",     A),
]


def _expand(table):
    for role, intent, conf, channel, expected in table:
        for c in (("open", "nda") if conf == "any" else (conf,)):
            for ch in (("dm", "channel") if channel == "any" else (channel,)):
                yield pytest.param(role, intent, c, ch, expected, id=f"{role}-{intent}-{c}-{ch}-{expected}")


@pytest.fixture
def world(store):
    """Users of every role; a Thailand partner, a confidential Thailand partner, a Nepal partner; one log each."""
    for role_name, (uid, role, countries) in USERS.items():
        if role:
            access.add_user(store, f"slack:{uid}", role, countries, actor="test")
    for name, country, conf, summary, step in (
            (OPEN, "Thailand", False, "discussed five placements", "share the training plan"),
            (NDA, "Thailand", True, *NDA_SECRETS),
            ("Himal Tea", "Nepal", False, "first call with the estate", "")):
        p = partner_edits.add_partner(store, name, actor="test", today=TODAY, country=country, confidential=conf)
        interactions.log_interaction(store, interactions.InteractionDraft(p.id, TODAY, "meeting", summary, step),
                                 actor="test", platform="console", raw=name, today=TODAY)
    return store


@pytest.fixture(autouse=True)
def no_rate_limit(lite_services):
    lite_services.__dict__["rate_limiter"] = None  # many commands from one user in one test; limits are tested elsewhere


def say(services, role: str, text: str, channel: str):
    uid = USERS[role][0]
    msg = Message(text=text, user_id=uid, platform="slack", channel_id="C1" if channel == "channel" else "D1",
                  channel_kind=channel, received_at=NOW)
    return route(msg, services)


def rendered(reply, with_file: bool = True) -> str:
    """What a reader of the reply sees: text, facts, buttons, a form; plus an exported file's contents."""
    parts = [reply.as_text()]
    parts += [f"{b.label} {b.value}" for b in reply.buttons]
    if reply.form is not None:
        parts += [reply.form.title, reply.form.state] + [f"{f.label} {f.initial}" for f in reply.form.fields]
    if with_file and reply.ok and reply.data.get("path"):
        with open(reply.data["path"], encoding="utf-8-sig") as f:
            parts.append(f.read())
    return "\n".join(parts)


def in_chat(reply) -> str:
    """Everything the reply carries into the chat (not the exported file on the server), data included."""
    return rendered(reply, with_file=False) + "\n" + json.dumps(reply.data, default=str, ensure_ascii=False)


def writes(store) -> tuple:
    c = store
    return tuple(c.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                 for t in ("partners", "interactions", "stage_history", "diligence", "digest_subscriptions"))


@pytest.mark.parametrize("role,intent,conf,channel,expected", list(_expand(TABLE)))
def test_permission_table(request, world, role, intent, conf, channel, expected):
    services = request.getfixturevalue("services" if intent in ("ask", "frame") else "lite_services")
    name = NDA if conf == "nda" else OPEN
    before = writes(world)
    reply = say(services, role, COMMANDS[intent].format(name=name), channel)
    seen, chat = rendered(reply), in_chat(reply)

    if expected == R:
        assert not reply.ok, seen
        assert re.search(r"needs the (staff|lead|admin) role", reply.text), reply.text
        assert writes(world) == before
    elif expected == D:
        assert reply.ok, seen
        assert name in seen
        if conf == "nda" and intent != "export":
            assert reply.private, "a reply naming an NDA partner must be private"
        if intent == "export":
            with open(reply.data["path"], encoding="utf-8-sig") as f:
                rows = {r["partner"]: r for r in csv.DictReader(f)}
            assert rows[name]["confidential"] == ("yes" if conf == "nda" else "no")
            assert ("Himal Tea" in rows) == (role == "admin")
    elif expected == H:
        assert reply.ok, seen
        assert name not in chat and "confidential" in seen.lower()
        assert not any(s in chat for s in NDA_SECRETS + ("agreed next training date",))
    elif expected == N:
        if "{name}" in COMMANDS[intent]:  # refused like an unknown name, saying only which team engages it
            unknown = say(services, role, COMMANDS[intent].format(name=FAKE), channel)
            assert reply.ok == unknown.ok is False
            assert reply.data.get("engaged_elsewhere") and "engaged_elsewhere" not in unknown.data
            assert not any(s in chat for s in NDA_SECRETS + ("discussed five placements", "share the training plan"))
            if conf == "nda" and channel == "channel":
                assert "Thailand" not in chat and "under an NDA" in reply.text and reply.private
            else:
                assert "Thailand team" in reply.text
        else:
            assert name not in seen and name not in chat
        assert writes(world) == before
    else:
        assert reply.ok, seen
        assert not re.search(r"needs the (staff|lead|admin) role", reply.text)
        assert OPEN not in seen + chat and NDA not in seen + chat

    if channel == "channel" and expected != N:  # whatever happened, an NDA partner is never named in a channel
        assert NDA not in chat and not any(s in chat for s in NDA_SECRETS)


def test_table_covers_every_role_and_intent():
    roles = {r for r, *_ in TABLE}
    intents = {i for _, i, *_ in TABLE}
    assert {"guest", "staff", "staff(other)", "lead", "admin"} <= roles
    assert intents == set(COMMANDS)
    for role in ("guest", "staff", "lead", "admin"):
        assert {i for r, i, *_ in TABLE if r == role} == set(COMMANDS), role


def test_no_log_record_carries_a_confidential_partners_name_or_summary(world, lite_services, caplog, monkeypatch):
    """Logging, stage moves, cards and pipelines for an NDA partner leave structured log lines only."""
    caplog.set_level(logging.DEBUG)
    summary = "agreed the pilot budget with the procurement head"
    for channel in ("dm", "channel"):
        for text in (f"log {NDA} meeting today: {summary}; next: confirm sensor count by Friday",
                     f"partner {NDA}", f"stage {NDA} due diligence", "pipeline", f"log {NDA}",
                     f"diligence {NDA} csr: yes; financial: stable"):
            say(lite_services, "staff", text, channel)
    def broken(*args, **kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr(interactions, "log_interaction", broken)  # a failing request must not leak the body either
    assert "reference" in say(lite_services, "staff", f"log {NDA} call today: {summary}", "dm").text
    assert any(r.name == "pse.router" for r in caplog.records)
    for record in caplog.records:
        line = record.getMessage() + " " + json.dumps(vars(record), default=str)
        for secret in (NDA, summary, "procurement", "sensor count", *NDA_SECRETS):
            assert secret not in line, (record.name, line[:300])
