"""Stage moves and their corrections: a move, taking the latest back, re-dating it, back-filling a stage passed
through between two recorded moves, and correcting the day of an earlier move. Each runs in one transaction with its
audit row; the history stays one chain (each move's `from_stage` is the stage the move before it went to), so days
in stage and signing dates follow.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from records import stages
from records.checks import MAX_NOTE, RegistryError, check_text
from records.partners import Partner, get_partner
from storage.store import Store, utcnow


def move_stage(store: Store, partner: Partner, stage_key: str, *, actor: str, on: date, note: str = "") -> Partner:
    st = stages.get(stage_key, partner.stream)
    if st is None:
        raise RegistryError(f"“{stage_key}” is not a stage of {partner.stream_label}.", "stage")
    if st.key == partner.stage:
        raise RegistryError(f"{partner.name} is already at {st.label} (since {partner.stage_since}); nothing changed.",
                            "stage")
    if on < date.fromisoformat(partner.stage_since[:10]):
        raise RegistryError(f"{partner.name} entered {partner.stage_label} on {partner.stage_since[:10]}; a move "
                            f"can't be dated before that ({on.isoformat()}).", "date")
    note = check_text(note, MAX_NOTE, "note", "note")
    now = utcnow()
    with store.transaction() as c:
        hid = c.execute(
            "INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id", (partner.id, partner.stage, st.key, on.isoformat(), actor, note, now),
        ).scalar()
        c.execute("UPDATE partners SET stage = ?, stage_since = ? WHERE id = ?", (st.key, on.isoformat(), partner.id))
        store.audit(actor, "partner.stage", "partners", partner.id,
                    {"from": partner.stage, "to": st.key, "on": on.isoformat(), "history_id": hid})
    return get_partner(store, partner.id)  # type: ignore[return-value]


def moves(c, partner_id: int) -> list:
    """The partner's stage history, oldest first: (id, from_stage, to_stage, moved_on, moved_by)."""
    return c.execute("SELECT id, from_stage, to_stage, moved_on, moved_by FROM stage_history WHERE partner_id = ? "
                     "ORDER BY moved_on, id", (partner_id,)).fetchall()


def undo_stage(store: Store, partner: Partner, *, actor: str) -> tuple[Partner, str]:
    """Take back the partner's latest stage move (made by mistake): it returns to the stage it left, counted from
    the day it entered that one. The removed move is kept whole in the audit log. Returns the partner and the
    stage it had been moved to."""
    with store.transaction() as c:
        rows = moves(c, partner.id)
        if len(rows) < 2 or rows[-1][1] is None:
            raise RegistryError(f"{partner.name} has not moved on from its first stage; there is no stage move to "
                                "take back. Nothing changed.", "stage")
        last, before = rows[-1], rows[-2]
        c.execute("DELETE FROM stage_history WHERE id = ?", (last[0],))
        c.execute("UPDATE partners SET stage = ?, stage_since = ? WHERE id = ?",
                  (last[1], str(before[3])[:10], partner.id))
        store.audit(actor, "partner.stage_undo", "partners", partner.id,
                    {"removed": {"id": last[0], "from": last[1], "to": last[2], "on": str(last[3])[:10],
                                 "by": last[4]}})
    return get_partner(store, partner.id), last[2]  # type: ignore[return-value]


def redate_stage(store: Store, partner: Partner, on: date, *, actor: str, today: date) -> Partner:
    """Correct the day of the partner's latest stage move (it entered its current stage on `on`): not in the
    future, and not before the move that came before it."""
    if on > today:
        raise RegistryError(f"{on.isoformat()} is in the future; a stage move is dated when it happened.", "date")
    with store.transaction() as c:
        rows = moves(c, partner.id)
        if len(rows) < 2 or rows[-1][1] is None:
            raise RegistryError(f"{partner.name} is still at its first stage; to change the day work began, type "
                                f"`partner {partner.name} since {on.isoformat()}`. Nothing changed.", "date")
        last, before = rows[-1], rows[-2]
        if on < date.fromisoformat(str(before[3])[:10]):
            raise RegistryError(f"{partner.name} entered {stages.label(last[1])} on {str(before[3])[:10]}; the move "
                                f"to {stages.label(last[2])} can't be dated before that. Nothing changed.", "date")
        c.execute("UPDATE stage_history SET moved_on = ? WHERE id = ?", (on.isoformat(), last[0]))
        c.execute("UPDATE partners SET stage_since = ? WHERE id = ?", (on.isoformat(), partner.id))
        store.audit(actor, "partner.stage_date", "partners", partner.id,
                    {"history_id": last[0], "from": str(last[3])[:10], "to": on.isoformat()})
    return get_partner(store, partner.id)  # type: ignore[return-value]


class Backfill(NamedTuple):
    """What a stage named with a day before the latest move did."""
    redated: bool      # True: the day of an existing move into the stage was corrected; False: the stage was inserted
    stage: str         # the stage named
    on: str            # the day it now reads
    was: str           # redated: the day it read before; inserted: the stage it left then
    then: str = ""     # inserted: the stage it moved on to afterwards,
    then_on: str = ""  # and the day it did


def insert_stage(store: Store, partner: Partner, stage_key: str, on: date, *, actor: str) -> Backfill:
    """A stage named with a day between two recorded moves. When the partner passed through that stage right
    there (the move just before or just after the day went into it), the day of that move is corrected: it got
    there on `on`. Otherwise the stage is back-filled: the history reads prev → `stage_key` (on `on`) → next.
    The current stage does not change, and the history's order never does."""
    st = stages.get(stage_key, partner.stream)
    if st is None:
        raise RegistryError(f"“{stage_key}” is not a stage of {partner.stream_label}.", "stage")
    with store.transaction() as c:
        rows = moves(c, partner.id)
        day = on.isoformat()
        earlier = [i for i, r in enumerate(rows) if str(r[3])[:10] <= day]
        if not earlier:
            raise RegistryError(f"Work with {partner.name} began on {str(rows[0][3])[:10]}, after {day}; back-date "
                                f"it first (`partner {partner.name} since {day}`). Nothing changed.", "date")
        i = earlier[-1]
        if i == len(rows) - 1:
            raise RegistryError(f"{day} is after {partner.name}'s latest move; that is an ordinary stage move.", "date")
        prev, nxt = rows[i], rows[i + 1]
        if st.key in (prev[2], nxt[2]):
            row = prev if st.key == prev[2] else nxt
            return _redate_passed(store, c, partner, row, i == 0 and row is prev, row[0] == rows[-1][0], day, actor)
        hid = c.execute("INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, "
                        "created_at) VALUES (?, ?, ?, ?, ?, 'back-filled', ?) RETURNING id",
                        (partner.id, prev[2], st.key, day, actor, utcnow())).scalar()
        c.execute("UPDATE stage_history SET from_stage = ? WHERE id = ?", (st.key, nxt[0]))
        store.audit(actor, "partner.stage_insert", "partners", partner.id,
                    {"history_id": hid, "from": prev[2], "to": st.key, "on": day, "then": nxt[2],
                     "then_on": str(nxt[3])[:10]})
    return Backfill(False, st.key, day, prev[2], nxt[2], str(nxt[3])[:10])


def _redate_passed(store: Store, c, partner: Partner, row, first: bool, latest: bool, day: str,
                   actor: str) -> Backfill:
    """Correct the day of the move `row` (into a stage the partner passed through) to `day`. The caller found `day`
    between that move's neighbours, so the history keeps its order."""
    if first:  # the stage work began at: that day is the partner's own
        raise RegistryError(f"Work with {partner.name} began at {stages.label(row[2])} on {str(row[3])[:10]}; to "
                            f"change that day, type `partner {partner.name} since {day}`. Nothing changed.", "date")
    was = str(row[3])[:10]
    if was == day:
        raise RegistryError(f"{partner.name} entered {stages.label(row[2])} on {day} already; nothing changed.", "date")
    c.execute("UPDATE stage_history SET moved_on = ? WHERE id = ?", (day, row[0]))
    if latest:
        c.execute("UPDATE partners SET stage_since = ? WHERE id = ?", (day, partner.id))
    store.audit(actor, "partner.stage_date", "partners", partner.id, {"history_id": row[0], "from": was, "to": day})
    return Backfill(True, row[2], day, was)
