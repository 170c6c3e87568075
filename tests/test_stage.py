from datetime import timedelta

import pytest
from registry_support import NOW, dump, say, seed


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


@pytest.mark.parametrize("line,stage", [("stage Acme Foods dd", "due_diligence"),
                                        ("stage Acme Foods concept note", "concept_note"),
                                        ("stage Acme Foods Co. due-diligence", "due_diligence"),
                                        ("stage acme foods on hold", "paused")])
def test_stage_words_move_the_partner(svc, line, stage):
    r = say(svc, line)
    assert r.ok, r.text
    assert svc.store.execute("SELECT stage, stage_since FROM partners WHERE name = 'Acme Foods Co.'"
                                     ).fetchone() == (stage, "2026-11-18")
    hist = svc.store.execute("SELECT to_stage, moved_by FROM stage_history ORDER BY id DESC LIMIT 1").fetchone()
    assert hist == (stage, "console:amara")


def test_stage_on_a_past_date(svc):
    later = NOW + timedelta(days=10)
    assert say(svc, "stage Blue Ocean company talks on 2026-11-21", now=later).ok
    assert svc.store.execute("SELECT stage_since FROM partners WHERE name = 'Blue Ocean Seafood'"
                                     ).fetchone() == ("2026-11-21",)
    r = say(svc, "stage Blue Ocean government since 20 Nov", now=later)
    assert not r.ok and "can't be dated before" in r.text


@pytest.mark.parametrize("line,words", [
    ("stage", "stage PARTNER STAGE"),
    ("stage Acme Foods", "couldn't find a stage"),
    ("stage Acme Foods banana", "couldn't find a stage"),
    ("stage Acme Foods due dilligence", "“due dilligence” is not a stage; did you mean Due diligence? Type "
                                        "`stage Acme Foods due diligence`"),
    ("stage Acme Foods negotation", "did you mean Negotiation?"),
    ("stage Zeta dd", "don't know a partner"),
    ("stage Blue Ocean dd", "other work stream"),
    ("stage Acme Foods landscape", "already at"),
    ("stage Acme Foods dd on tomorrow", "future"),
    ("stage '; DROP TABLE partners;-- dd", "don't know a partner"),
    ("stage 🐟 dd", "don't know a partner"),
])
def test_bad_stage_commands_change_nothing(svc, line, words):
    before = dump(svc.store)
    r = say(svc, line)
    assert not r.ok and words in r.text, r.text
    assert dump(svc.store) == before
