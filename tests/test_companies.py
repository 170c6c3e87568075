"""One company, several country teams (issue 14): each team has its own engagement with a shared company (own
stage, logs, owner, NDA flag); each is told about the others so they coordinate; NDA details never cross."""

from __future__ import annotations

import json
import warnings
from datetime import date, datetime, timezone

import pytest

from bot.message import Message
from bot.router import route
from records import access, companies, names

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 18)
SECRETS = ("cold-chain pilot terms", "send the revised NDA draft", "12,000")


@pytest.fixture
def svc(lite_services):
    store = lite_services.store
    lite_services.__dict__["rate_limiter"] = None
    access.add_user(store, "slack:UTH", "staff", ["Thailand"], actor="test", name="Somchai")
    access.add_user(store, "slack:UTHL", "lead", ["Thailand"], actor="test", name="Nok")
    access.add_user(store, "slack:UKH", "staff", ["Cambodia"], actor="test", name="Dara")
    access.add_user(store, "slack:UADM", "admin", [], actor="test")
    return lite_services


def say(svc, user: str, text: str, kind: str = "dm"):
    return route(Message(text=text, user_id=user, platform="slack", channel_id="D1" if kind == "dm" else "C1",
                         channel_kind=kind, received_at=NOW), svc)


def seen(reply) -> str:
    return reply.as_text() + "\n" + json.dumps(reply.data, default=str, ensure_ascii=False)


def test_thailand_and_cambodia_engage_the_same_multinational(svc):
    store = svc.store
    # Thailand engages the company first, under an NDA, with a confidential log
    assert say(svc, "UTH", "partner add Unilever --sector food").ok
    assert say(svc, "UTHL", "partner confidential Unilever on").ok
    r = say(svc, "UTH", f"log Unilever meeting today: {SECRETS[0]}; next: {SECRETS[1]} by Friday; "
                        "cash: 12,000 USD")
    assert r.ok, r.text
    assert say(svc, "UTH", "stage Unilever concept note").ok

    # Cambodia adds the same company: a second engagement, not a refusal; told who else engages it
    r = say(svc, "UKH", "partner add unilever")
    assert r.ok, r.text
    assert "Thailand team" in r.text and "Concept note" in r.text and "Somchai" in r.text and "NDA" in r.text
    assert not any(s in seen(r) for s in SECRETS)
    assert store.scalar("SELECT COUNT(*) FROM companies") == 1
    assert store.scalar("SELECT COUNT(DISTINCT company_id) FROM partners") == 1
    rows = store.execute("SELECT name, country, stage, confidential FROM partners ORDER BY country").fetchall()
    assert [tuple(r) for r in rows] == [("Unilever", "Cambodia", "landscape", 0),
                                       ("Unilever", "Thailand", "concept_note", 1)]

    # Cambodia logs its own meeting and moves its own stage; Thailand's stays where it was
    r = say(svc, "UKH", "log Unilever call today: introduced the survivor employment idea")
    assert r.ok and "Thailand team" in r.text and not any(s in seen(r) for s in SECRETS)
    assert say(svc, "UKH", "stage Unilever first meetings").ok
    stages = dict(store.execute("SELECT country, stage FROM partners").fetchall())
    assert stages == {"Cambodia": "first_meetings", "Thailand": "concept_note"}

    # Cambodia's card: its own stage and log, Thailand's existence, stage and contact, none of its NDA details
    card = say(svc, "UKH", "partner Unilever")
    assert card.ok and card.data["partner"]["country"] == "Cambodia"
    text = seen(card)
    assert "First meetings" in text and "introduced the survivor employment idea" in text
    assert "Thailand team (Concept note; contact: Somchai; NDA in place)" in text
    assert not any(s in text for s in SECRETS)
    history = seen(say(svc, "UKH", "log history Unilever"))
    assert "introduced" in history and SECRETS[0] not in history

    # Thailand's card: its own stage and log, and Cambodia's engagement
    card = say(svc, "UTH", "partner Unilever")
    text = seen(card)
    assert card.data["partner"]["country"] == "Thailand" and "Concept note" in text and SECRETS[0] in text
    assert "Cambodia team (First meetings; contact: Dara)" in text
    assert "introduced the survivor employment idea" not in text
    r = say(svc, "UTH", "log Unilever call today: follow-up on the pilot")
    assert r.ok and "Cambodia team" in r.text

    # in a shared channel the NDA engagement is only counted, never described
    r = say(svc, "UKH", "partner Unilever", kind="channel")
    assert "under an NDA" in r.text and "Somchai" not in r.text and "Concept note" not in r.text

    # one engagement per country project
    before = store.scalar("SELECT COUNT(*) FROM partners")
    r = say(svc, "UKH", "partner add Unilever")
    assert not r.ok and "already exists for Cambodia" in r.text
    assert store.scalar("SELECT COUNT(*) FROM partners") == before


def test_another_teams_company_is_not_unknown_but_nothing_crosses(svc):
    assert say(svc, "UTH", "partner add Mekong Seafood --confidential").ok
    assert say(svc, "UTH", f"log Mekong Seafood meeting today: {SECRETS[0]}").ok
    for text in ("partner Mekong Seafood", "log Mekong Seafood call today: hello"):
        r = say(svc, "UKH", text)
        assert not r.ok and "Thailand team" in r.text and "Somchai" in r.text
        assert "partner add Mekong Seafood" in r.text and not any(s in seen(r) for s in SECRETS)
    assert svc.store.scalar("SELECT COUNT(*) FROM interactions") == 1
    # a name nobody engages is still simply unknown
    r = say(svc, "UKH", "partner Zenith Garments")
    assert not r.ok and "don't know a partner" in r.text and "team" not in r.text


def test_an_admin_picks_one_teams_engagement_by_country(svc):
    assert say(svc, "UTH", "partner add Unilever").ok
    assert say(svc, "UKH", "partner add Unilever").ok
    r = say(svc, "UADM", "partner Unilever")
    assert not r.ok and "Unilever (Cambodia)" in r.text and "Unilever (Thailand)" in r.text
    r = say(svc, "UADM", "partner Unilever (Cambodia)")
    assert r.ok and r.data["partner"]["country"] == "Cambodia" and "Thailand team" in r.text
    r = say(svc, "UADM", "log Unilever Thailand meeting today: checked in")
    assert r.ok and "Cambodia team" in r.text
    th = names.exact_partner(svc.store, "Unilever Thailand")
    assert th is not None and th.country == "Thailand"
    assert [e.country for e in companies.engagements(svc.store, th.company_id)] == ["Cambodia", "Thailand"]


def test_aliases_are_shared_by_the_company_not_clashes(svc):
    assert say(svc, "UTH", "partner add Charoen Foods").ok
    assert say(svc, "UKH", "partner add Charoen Foods").ok
    r = say(svc, "UKH", "partner alias Charoen Foods = CF Group")
    assert r.ok, r.text


def test_the_migration_makes_each_existing_partner_one_company_with_one_engagement(tmp_path):
    from sqlalchemy import create_engine, text

    from storage import migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0002")
    with engine.begin() as c:
        for name, country in (("Acme Foods", "Thailand"), ("Blue Ocean", "Cambodia")):
            c.execute(text("INSERT INTO partners (name, country, stage, stage_since, created_at) "
                           "VALUES (:n, :c, 'landscape', '2026-01-01', 'then')"), {"n": name, "c": country})
        c.execute(text("INSERT INTO interactions (partner_id, occurred_on, kind, summary, created_at) "
                       "VALUES (1, '2026-01-02', 'meeting', 'intro', 'then')"))
    migrate.upgrade(engine)
    with engine.connect() as c:
        rows = c.execute(text("SELECT p.name, p.country, c.name FROM partners p JOIN companies c "
                              "ON c.id = p.company_id ORDER BY p.id")).fetchall()
        assert [tuple(r) for r in rows] == [("Acme Foods", "Thailand", "Acme Foods"),
                                           ("Blue Ocean", "Cambodia", "Blue Ocean")]
        assert c.execute(text("SELECT partner_id FROM interactions")).scalar() == 1
        # a second team's engagement with the same name is now allowed; a second one in the same country is not
        c.execute(text("INSERT INTO partners (name, country, stage, stage_since, created_at, company_id) "
                       "VALUES ('Acme Foods', 'Cambodia', 'landscape', '2026-02-01', 'now', 1)"))
        with pytest.raises(Exception):
            c.execute(text("INSERT INTO partners (name, country, stage, stage_since, created_at, company_id) "
                           "VALUES ('Acme Foods', 'thailand', 'landscape', '2026-02-01', 'now', 1)"))


def test_the_migrations_build_exactly_the_schema_in_tables_py(store):
    """tables.py and the Alembic migrations agree (on both engines)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.tables import metadata

    def include(obj, name, type_, reflected, compare_to):
        if type_ == "table" and name and name.startswith(("kb_chunks_fts", "schema_migrations")):
            return False
        return not (type_ == "column" and name == "tsv") and not (type_ == "index" and name == "kb_chunks_tsv")

    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include, "compare_type": True})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # expression indexes can't be compared on SQLite
            diff = compare_metadata(ctx, metadata)
    assert diff == []



def test_type_ahead_tells_two_teams_engagements_apart(svc):
    assert say(svc, "UTH", "partner add Unilever").ok
    assert say(svc, "UKH", "partner add Unilever").ok
    values = [v for v, _ in names.suggest_partners(svc.store, "unil")]
    assert sorted(values) == ["Unilever (Cambodia)", "Unilever (Thailand)"]
    assert all(names.find_partner(svc.store, v).status == "found" for v in values)
    th = access.current_user(svc.store, Message(text="", user_id="UTH", platform="slack"))
    assert [v for v, _ in names.suggest_partners(svc.store, "unil", viewer=th)] == ["Unilever"]
