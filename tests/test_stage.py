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
    r = say(svc, "stage Blue Ocean government since 20 Nov", now=later)  # before the latest move: back-filled
    assert r.ok and "Back-filled" in r.text and "still at Talks with companies" in r.text, r.text
    r = say(svc, "stage Blue Ocean company talks since 19 Nov", now=later)  # the stage it is at: re-dated, not before
    assert not r.ok and "can't be dated before" in r.text, r.text


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


# --- taking back and re-dating a move (session 11) ----------------------------------------------------------------

def _stage(svc):
    return svc.store.execute("SELECT stage, stage_since FROM partners WHERE name = 'Acme Foods Co.'").fetchone()


def test_a_move_made_by_mistake_is_taken_back_and_the_signing_no_longer_counts(svc):
    later = NOW + timedelta(days=10)
    assert say(svc, "stage Acme Foods dd on 2026-11-20", now=later).ok
    assert say(svc, "stage Acme Foods agreement", now=later).ok
    assert _partnerships(svc, later) == 1
    r = say(svc, "stage Acme Foods undo", now=later)
    assert r.ok and "Took back the move of Acme Foods Co. to Agreement signed" in r.text, r.text
    assert _stage(svc) == ("due_diligence", "2026-11-20") and _partnerships(svc, later) == 0
    removed = svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.stage_undo'").fetchone()[0]
    assert '"to": "agreement"' in removed and '"by": "console:amara"' in removed
    assert say(svc, "stage Acme Foods undo", now=later).ok and _stage(svc) == ("landscape", "2026-11-18")
    before = dump(svc.store)
    again = say(svc, "stage Acme Foods undo", now=later)
    assert not again.ok and "no stage move to take back" in again.text and dump(svc.store) == before


def _partnerships(svc, now):
    data = say(svc, "report this quarter Thailand", now=now).data["report"]
    return next(r["actual"]["value"] for r in data["indicators"] if r["id"] == "partnerships")


def test_the_day_of_the_latest_move_is_corrected_by_naming_the_stage_it_is_at(svc):
    later = NOW + timedelta(days=10)
    assert say(svc, "stage Acme Foods dd on 2026-11-20", now=later).ok
    r = say(svc, "stage Acme Foods dd on 2026-11-25", now=later)
    assert r.ok and "entered Due diligence on 25 Nov" in r.text and _stage(svc) == ("due_diligence", "2026-11-25")
    assert svc.store.execute("SELECT moved_on FROM stage_history WHERE to_stage = 'due_diligence'").fetchone() == \
        ("2026-11-25",)
    before = dump(svc.store)
    for text, words in (("stage Acme Foods dd on 2026-11-10", "can't be dated before"),
                        ("stage Acme Foods dd", "already at Due diligence")):
        bad = say(svc, text, now=later)
        assert not bad.ok and words in bad.text, bad.text
    assert dump(svc.store) == before


LATER = NOW + timedelta(days=20)  # 8 Dec 2026


def _moved(svc, *lines: str) -> None:
    """Acme Foods, begun on 1 Oct and moved as `lines` say (each dated), all typed on 8 Dec."""
    for line in ("partner Acme Foods since 2026-10-01", *lines):
        assert say(svc, line, now=LATER).ok, line


def _history(svc) -> list:
    return svc.store.execute("SELECT from_stage, to_stage, moved_on FROM stage_history h JOIN partners p ON "
                             "p.id = h.partner_id WHERE p.name = 'Acme Foods Co.' ORDER BY moved_on, h.id").fetchall()


def test_a_stage_passed_through_is_back_filled_between_two_recorded_moves(svc):
    later = LATER
    _moved(svc, "stage Acme Foods first meetings on 2026-10-10", "stage Acme Foods negotiation on 2026-12-01")
    r = say(svc, "stage Acme Foods dd on 2026-11-03", now=later)
    assert r.ok and "moved from First meetings to Due diligence on 3 Nov 2026, then to Negotiation" in r.text, r.text
    assert _history(svc) == [
        (None, "landscape", "2026-10-01"), ("landscape", "first_meetings", "2026-10-10"),
        ("first_meetings", "due_diligence", "2026-11-03"), ("due_diligence", "negotiation", "2026-12-01")]
    assert _stage(svc) == ("negotiation", "2026-12-01")
    assert svc.store.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'partner.stage_insert'").fetchone() == (1,)
    before = dump(svc.store)
    bad = say(svc, "stage Acme Foods concept note on 2026-09-01", now=later)
    assert not bad.ok and "back-date it first" in bad.text, bad.text
    assert dump(svc.store) == before


def test_the_day_of_an_earlier_move_is_corrected_by_naming_that_stage_with_its_true_day(svc):
    later = LATER
    _moved(svc, "stage Acme Foods first meetings on 2026-10-10", "stage Acme Foods dd on 2026-11-03",
           "stage Acme Foods agreement on 2026-12-01")
    r = say(svc, "stage Acme Foods dd on 2026-11-20", now=later)  # due diligence began later than typed
    assert r.ok and "entered Due diligence on 20 Nov 2026 (was 3 Nov 2026). It is still at Agreement" in r.text, r.text
    r = say(svc, "stage Acme Foods first meetings on 2026-10-05", now=later)  # and first meetings earlier
    assert r.ok and "entered First meetings on 5 Oct 2026 (was 10 Oct 2026)" in r.text, r.text
    assert _history(svc) == [
        (None, "landscape", "2026-10-01"), ("landscape", "first_meetings", "2026-10-05"),
        ("first_meetings", "due_diligence", "2026-11-20"), ("due_diligence", "agreement", "2026-12-01")]
    assert _stage(svc) == ("agreement", "2026-12-01")
    corrections = svc.store.execute("SELECT detail FROM audit_log WHERE action = 'partner.stage_date' ORDER BY id"
                                    ).fetchall()
    assert len(corrections) == 2 and '"from": "2026-11-03"' in corrections[0][0] and '"to": "2026-11-20"' in \
        corrections[0][0]
    before = dump(svc.store)
    for text, words in (("stage Acme Foods dd on 2026-11-20", "on 2026-11-20 already"),
                        ("stage Acme Foods landscape on 2026-10-03", "partner Acme Foods Co. since 2026-10-03")):
        bad = say(svc, text, now=later)
        assert not bad.ok and words in bad.text and "nothing changed" in bad.text.lower(), bad.text
    assert dump(svc.store) == before
