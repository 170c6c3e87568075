import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from registry_support import counts, dump

from records import (
    checks,
    diligence,
    interactions,
    names,
    partner_edits,
    partners,
    pipeline,
    stage_edits,
)
from storage.store import Store

DAY = date(2026, 11, 18)


def add(store, name, **kw):
    return partner_edits.add_partner(store, name, actor="t", today=kw.pop("today", DAY), **kw)


def draft(p, **kw):
    base = dict(partner_id=p.id, occurred_on=DAY, kind="meeting", summary="talked")
    base.update(kw)
    return interactions.InteractionDraft(**base)


def test_new_partner_starts_at_first_stage_with_history_and_audit(store):
    p = add(store, "Acme Foods Co.", stream="survivor_employment", country="Thailand")
    assert (p.stage, p.stage_since) == ("mapping", "2026-11-18")
    c = store
    assert c.execute("SELECT to_stage FROM stage_history WHERE partner_id = ?", (p.id,)).fetchall() == [("mapping",)]
    assert c.execute("SELECT action FROM audit_log").fetchall() == [("partner.add",)]


@pytest.mark.parametrize("query,expected", [
    ("acme foods", "Acme Foods Co."), ("ACME FOODS CO", "Acme Foods Co."), ("acne foods", "Acme Foods Co."),
    ("blue ocean", "Blue Ocean Seafood PCL"), ("siam fishing company", "Siam Fishing Co"),
    ("ซีฟู้ด", "บริษัท ซีฟู้ด จำกัด"), ("ក្រុមហ៊ុន អង្គរ", "ក្រុមហ៊ុន អង្គរ"),
])
def test_fuzzy_matching_finds_the_partner(store, query, expected):
    for n in ("Acme Foods Co.", "Acme Logistics Ltd", "Blue Ocean Seafood PCL", "Siam Fishing Co",
              "บริษัท ซีฟู้ด จำกัด", "ក្រុមហ៊ុន អង្គរ"):
        add(store, n)
    m = names.find_partner(store, query)
    assert m.status == "found" and m.partner.name == expected


def test_ambiguous_and_unknown_names(store):
    add(store, "Acme Foods Co.")
    add(store, "Acme Logistics Ltd")
    m = names.find_partner(store, "acme")
    assert m.status == "ambiguous" and {p.name for p, _ in m.candidates} == {"Acme Foods Co.", "Acme Logistics Ltd"}
    assert names.find_partner(store, "Zeta Corp").status == "unknown"
    assert names.find_partner(store, "🐟🐟").status == "unknown"


def test_single_partner_acme_finds_it(store):
    add(store, "Acme Foods Co.")
    assert names.find_partner(store, "acme").partner.name == "Acme Foods Co."


def test_aliases_match_and_may_not_point_to_two_partners(store):
    a = add(store, "Acme Foods Co.")
    b = add(store, "Blue Ocean Seafood")
    partner_edits.add_alias(store, a, "AFC", actor="t")
    assert names.find_partner(store, "afc").partner.id == a.id
    before = dump(store)
    with pytest.raises(checks.RegistryError, match="another partner"):
        partner_edits.add_alias(store, partners.get_partner(store, b.id), "afc", actor="t")
    assert dump(store) == before


def test_duplicate_names_are_refused(store):
    add(store, "Acme Foods Co.")
    with pytest.raises(checks.RegistryError, match="already exists"):
        add(store, "ACME foods co")


@pytest.mark.parametrize("bad", ["", "   ", "🐟🐟", "'; DROP TABLE partners;--", "x" * 121, "A\x00B"])
def test_bad_partner_names_are_refused_and_nothing_changes(store, bad):
    before = dump(store)
    with pytest.raises(checks.RegistryError):
        add(store, bad)
    assert dump(store) == before


def test_suggest_partners_for_type_ahead(store):
    for n in ("Acme Foods Co.", "Acme Logistics Ltd", "Blue Ocean Seafood"):
        add(store, n, country="Thailand")
    partner_edits.set_confidential(store, names.find_partner(store, "blue ocean").partner, True, actor="t")
    values = [v for v, _ in names.suggest_partners(store, "acm")]
    assert values == ["Acme Foods Co.", "Acme Logistics Ltd"]
    assert names.suggest_partners(store, "", limit=2)[0][0] == "Acme Foods Co."
    label = dict(names.suggest_partners(store, "blue"))["Blue Ocean Seafood"]
    assert label.startswith("🔒") and "Thailand" in label
    assert names.suggest_partners(store, "zzzz") == []


def test_log_interaction_with_outcomes_in_one_audited_transaction(store):
    p = add(store, "Acme Foods Co.")
    res = interactions.log_interaction(store, draft(p, kind="agreement", outcomes=[
        interactions.OutcomeDraft("cash", 5000, "USD"), interactions.OutcomeDraft("survivors_placed", 3)]),
        actor="u", platform="console", raw="x", today=DAY)
    assert res.action_level == "high" and not res.duplicate and len(res.outcome_ids) == 2
    c = counts(store)
    assert (c["interactions"], c["outcomes"], c["audit_log"]) == (1, 2, 4)


def test_same_text_by_same_user_within_a_minute_is_stored_once(store):
    p = add(store, "Acme Foods Co.")
    t0 = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)
    first = interactions.log_interaction(store, draft(p), actor="u", platform="slack", raw="log Acme: hi", today=DAY, now=t0)
    again = interactions.log_interaction(store, draft(p), actor="u", platform="slack", raw="log  acme: HI", today=DAY,
                                     now=t0 + timedelta(seconds=59))
    assert again.duplicate and again.interaction_id == first.interaction_id
    other_user = interactions.log_interaction(store, draft(p), actor="v", platform="slack", raw="log Acme: hi", today=DAY,
                                          now=t0 + timedelta(seconds=30))
    later = interactions.log_interaction(store, draft(p), actor="u", platform="slack", raw="log Acme: hi", today=DAY,
                                     now=t0 + timedelta(seconds=61))
    assert not other_user.duplicate and not later.duplicate
    assert counts(store)["interactions"] == 3


@pytest.mark.parametrize("change,field", [
    (dict(summary=""), "summary"), (dict(summary="x" * 10_000), "summary"), (dict(kind="lunch"), "kind"),
    (dict(occurred_on=DAY + timedelta(days=1)), "date"), (dict(action_level="urgent"), "level"),
    (dict(summary="called survivor on 081 234 5678"), "summary"), (dict(next_due=DAY), "next_step"),
    (dict(next_step="x", next_due=DAY - timedelta(days=1)), "next_due"),
    (dict(outcomes=[interactions.OutcomeDraft("cash", 10)]), "cash"),
    (dict(outcomes=[interactions.OutcomeDraft("survivors_placed", 2.5)]), "survivors_placed"),
    (dict(outcomes=[interactions.OutcomeDraft("survivors_trained", -1)]), "survivors_trained"),
])
def test_invalid_interactions_are_refused_and_nothing_changes(store, change, field):
    p = add(store, "Acme Foods Co.")
    before = dump(store)
    errors = interactions.validate_interaction(draft(p, **change), DAY)
    assert field in errors
    with pytest.raises(checks.RegistryError):
        interactions.log_interaction(store, draft(p, **change), actor="u", platform="console", raw="r", today=DAY)
    assert dump(store) == before


def test_sql_metacharacters_and_scripts_are_stored_verbatim(store):
    p = add(store, "Acme Foods Co.")
    text = "'; DROP TABLE partners;-- หารือ ពិភាក្សា 🎉"
    interactions.log_interaction(store, draft(p, summary=text), actor="u", platform="console", raw=text, today=DAY)
    assert interactions.recent_interactions(store, p.id)[0]["summary"] == text
    assert counts(store)["partners"] == 1


def test_stage_move_writes_history_and_partner_together(store):
    p = add(store, "Acme Foods Co.")
    moved = stage_edits.move_stage(store, p, "due_diligence", actor="t", on=DAY + timedelta(days=3))
    assert (moved.stage, moved.stage_since) == ("due_diligence", "2026-11-21")
    rows = store.execute("SELECT from_stage, to_stage FROM stage_history ORDER BY id").fetchall()
    assert rows == [(None, "landscape"), ("landscape", "due_diligence")]
    before = dump(store)
    with pytest.raises(checks.RegistryError, match="already at"):
        stage_edits.move_stage(store, moved, "due_diligence", actor="t", on=DAY + timedelta(days=4))
    with pytest.raises(checks.RegistryError, match="before"):
        stage_edits.move_stage(store, moved, "concept_note", actor="t", on=DAY)
    assert dump(store) == before


def test_risk_rule():
    ok = {"csr": "yes", "financial": "stable", "reputation": "none", "lawsuits": "none", "supply_chain": "none",
          "conflict": "no"}
    assert diligence.compute_risk(ok) == "low"
    assert diligence.compute_risk(dict(ok, lawsuits="past")) == "medium"
    assert diligence.compute_risk(dict(ok, csr="unknown", conflict="unknown")) == "medium"
    assert diligence.compute_risk(dict(ok, lawsuits="current")) == "high"
    assert diligence.compute_risk(dict(ok, conflict="yes", lawsuits="past")) == "high"


def test_diligence_rating_can_be_raised_not_lowered(store):
    p = add(store, "Acme Foods Co.")
    answers = {"csr": "yes", "financial": "stable", "reputation": "minor", "lawsuits": "none",
               "supply_chain": "none", "conflict": "no"}
    before = dump(store)
    with pytest.raises(checks.RegistryError, match="can't record it as low"):
        diligence.record_diligence(store, p, answers, reviewer="r", on=DAY, rating="low")
    assert dump(store) == before
    _, rating = diligence.record_diligence(store, p, answers, reviewer="r", on=DAY, rating="high")
    assert rating == "high"
    stored = diligence.latest_diligence(store, p.id)
    assert stored["answers"]["computed_rating"] == "medium" and stored["risk_rating"] == "high"


def test_pipeline_flags_stalled_partners(store):
    quiet = add(store, "Quiet Co", today=date(2026, 1, 1))
    busy = add(store, "Busy Co", today=date(2026, 1, 1))
    paused = add(store, "Paused Co", today=date(2026, 1, 1))
    stage_edits.move_stage(store, paused, "paused", actor="t", on=date(2026, 1, 2))
    stage_edits.move_stage(store, busy, "first_meetings", actor="t", on=date(2026, 2, 20))
    interactions.log_interaction(store, draft(busy, occurred_on=date(2026, 2, 20)), actor="u", platform="console",
                             raw="b", today=date(2026, 3, 5))
    by_name = {e.partner.name: e for e in pipeline.pipeline(store, date(2026, 3, 5))}
    assert by_name["Busy Co"].stalled == ()
    assert by_name["Paused Co"].stalled == ()
    reasons = " | ".join(by_name["Quiet Co"].stalled)
    assert "no contact logged since it was added 63 days ago" in reasons and "63 days in Landscape" in reasons
    assert [e.partner.name for e in pipeline.pipeline(store, date(2026, 3, 5))] == ["Quiet Co", "Busy Co",
                                                                                    "Paused Co"]
    by_name = {e.partner.name: e for e in pipeline.pipeline(store, date(2026, 5, 1))}
    assert any("no contact for 70 days" in r for r in by_name["Busy Co"].stalled)


@hsettings(max_examples=40, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_typed_name_gives_a_match_status_never_an_error(text):
    store = Store.memory()
    add(store, "Acme Foods Co.")
    assert names.find_partner(store, text).status in ("found", "ambiguous", "unknown")
    names.suggest_partners(store, text)
    store.close()


CRASH_SCRIPT = textwrap.dedent("""
    import sys, time
    from datetime import date
    from pathlib import Path
    from records import checks, diligence, interactions, names, partner_edits, partners, pipeline
    from storage.store import Store

    db, marker = sys.argv[1], Path(sys.argv[2])
    store = Store.open(db)
    p = names.find_partner(store, "Acme Foods").partner
    real_audit = Store.audit

    def slow_audit(self, *a, **kw):  # called last inside the write transaction
        real_audit(self, *a, **kw)
        if a[1] == "interaction.add":
            marker.write_text("inside")
            time.sleep(60)

    Store.audit = slow_audit
    d = interactions.InteractionDraft(p.id, date(2026, 11, 18), "agreement", "signed",
                                  outcomes=[interactions.OutcomeDraft("cash", 100, "USD")])
    interactions.log_interaction(store, d, actor="crash", platform="console", raw="crash", today=date(2026, 11, 18))
    print("committed")
""")


def test_a_process_killed_mid_write_leaves_no_partial_record(settings, tmp_path):
    db = settings.database
    store = Store.open(db)
    add(store, "Acme Foods Co.")
    before = counts(store)
    store.close()
    marker = tmp_path / "marker"
    script = tmp_path / "crash.py"
    script.write_text(CRASH_SCRIPT)
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, str(script), str(db), str(marker)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()
            assert time.monotonic() < deadline, "the writer never reached the middle of its transaction"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    after_store = Store.open(db)
    try:
        assert counts(after_store) == before
        if after_store.dialect == "sqlite":
            assert after_store.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # the database is writable again straight away
        p = names.find_partner(after_store, "acme").partner
        interactions.log_interaction(after_store, draft(p), actor="u", platform="console", raw="after", today=DAY)
        assert counts(after_store)["interactions"] == 1
    finally:
        after_store.close()
