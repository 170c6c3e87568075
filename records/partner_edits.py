"""Changes to partners: add, alias, rename, confidentiality, the day work began, corrections, removal and merging.
Each runs in one transaction with its audit row. Stage moves are in records/stage_edits.py.
"""

from __future__ import annotations

import json
from datetime import date

from records import access, stage_edits, stages
from records.checks import RegistryError, check_private, clean_name
from records.companies import find_or_create
from records.names import name_index, normalize
from records.partners import Partner, get_partner
from records.visibility import can_see, names_changed
from storage.schema import (
    STREAMS,
)
from storage.store import Store, utcnow


def add_partner(store: Store, name: str, *, actor: str, today: date, stream: str = "innovation", country: str = "",
                sector: str = "", owner: str = "", confidential: bool = False,
                viewer: access.User | None = None, since: date | None = None) -> Partner:
    """Add a partner at the first stage of its stream, from `since` (back-filling a partner entered late) or today.

    A company another country project already engages gets a second engagement (this country's own stage, owner,
    logs and NDA flag) under the company's existing name; one country project engages a company once."""
    name = clean_name(name)
    if since is not None and since > today:
        raise RegistryError(f"{since.isoformat()} is in the future; `since` is the day work with the company began.",
                            "since")
    if since is not None and since.year < 2000:
        raise RegistryError("That start date is too far in the past; check the year.", "since")
    check_private(name, "the partner name", "name")
    if stream not in STREAMS:
        raise RegistryError(f"“{stream}” is not a work stream; use innovation or survivor_employment.", "stream")
    country = clean_name(country, "country project") if country.strip() else ""
    sector = clean_name(sector, "sector") if sector.strip() else ""
    same = _same_company(store, name)
    if same is not None:
        company_id, name = same  # the company's own spelling
        existing = _engagements_of(store, company_id)
        for other in existing:
            if other.country.casefold() != country.casefold():
                continue
            if not can_see(store, viewer, other):
                raise RegistryError(f"“{name}” is already a partner that you can't see; nothing was added. Ask an "
                                    "admin to sort it out.", "name")
            where = f" for {other.country}" if other.country else ""
            raise RegistryError(f"A partner called “{other.name}” already exists{where}; nothing was added. "
                                f"See `partner {other.name}`.", "name")
        if not country:
            teams = ", ".join(sorted({p.country for p in existing if p.country}))
            raise RegistryError(f"A partner called “{name}” already exists ({teams}); nothing was added. To add "
                                f"another country project's engagement with it, give the country: "
                                f"`partner add {name} --country COUNTRY`.", "name")
    first = stages.first_stage(stream)
    now, day = utcnow(), (since or today).isoformat()
    with store.transaction() as c:
        if same is None:
            company_id, _ = find_or_create(c, name, now)
        pid = c.execute(
            "INSERT INTO partners (name, aliases, sector, country, stream, stage, stage_since, owner, confidential, "
            "created_at, created_by, company_id) VALUES (?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, sector, country, stream, first, day, owner, int(confidential), now, actor, company_id),
        ).scalar()
        c.execute("INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, created_at) "
                  "VALUES (?, NULL, ?, ?, ?, 'added', ?)", (pid, first, day, actor, now))
        store.audit(actor, "partner.add", "partners", pid, {"name": name, "stream": stream, "country": country,
                                                             "stage": first, "confidential": confidential,
                                                             "company_id": company_id})
    names_changed(store)
    return get_partner(store, pid)  # type: ignore[return-value]


def _same_company(store: Store, name: str) -> tuple[int, str] | None:
    """(company id, company name) of the company `name` exactly names (in any country project), or None."""
    taken = name_index(store).exact.get(normalize(name))
    if not taken:
        return None
    row = store.execute("SELECT c.id, c.name FROM partners p JOIN companies c ON c.id = p.company_id WHERE p.id = ?",
                        (min(taken),)).fetchone()
    return (row[0], row[1]) if row else None


def _engagements_of(store: Store, company_id: int) -> list[Partner]:
    ids = [r[0] for r in store.execute("SELECT id FROM partners WHERE company_id = ? ORDER BY id", (company_id,))]
    return [p for p in (get_partner(store, i) for i in ids) if p is not None]


def add_alias(store: Store, partner: Partner, alias: str, *, actor: str,
              viewer: access.User | None = None) -> Partner:
    alias = clean_name(alias, "alias")
    check_private(alias, "the alias", "alias")
    if normalize(alias) in {normalize(n) for n in (partner.name, *partner.aliases)}:
        raise RegistryError(f"“{alias}” already names {partner.name}; nothing changed.", "alias")
    same = {p.id for p in _engagements_of(store, partner.company_id)}
    owner = name_index(store).exact.get(normalize(alias), set()) - same
    if owner:
        other = get_partner(store, next(iter(owner)))
        shown = f" ({other.name})" if other is not None and can_see(store, viewer, other) else ""
        raise RegistryError(f"“{alias}” already names another partner{shown}; "
                            "an alias must point to one partner only. Nothing changed.", "alias")
    aliases = [*partner.aliases, alias]
    with store.transaction() as c:
        c.execute("UPDATE partners SET aliases = ? WHERE id = ?", (json.dumps(aliases, ensure_ascii=False), partner.id))
        store.audit(actor, "partner.alias", "partners", partner.id, {"alias": alias})
    names_changed(store)
    return get_partner(store, partner.id)  # type: ignore[return-value]


def rename(store: Store, partner: Partner, new_name: str, *, actor: str,
           viewer: access.User | None = None) -> Partner:
    """Correct a company's name (a typo, or the company renamed itself), for every country project's engagement
    with it: they are one company. The old name stays an alias, so what people type out of habit still finds it."""
    new_name = clean_name(new_name)
    check_private(new_name, "the partner name", "name")
    if new_name == partner.name:
        raise RegistryError(f"{partner.name} is already called that; nothing changed.", "name")
    mine = {p.id: p for p in _engagements_of(store, partner.company_id)}
    taken = name_index(store).exact.get(normalize(new_name), set()) - set(mine)
    if taken:
        other = get_partner(store, min(taken))
        shown = f" ({other.name})" if other is not None and can_see(store, viewer, other) else ""
        raise RegistryError(f"“{new_name}” already names another partner{shown}; nothing changed.", "name")
    old = partner.name
    with store.transaction() as c:
        c.execute("UPDATE companies SET name = ? WHERE id = ?", (new_name, partner.company_id))
        for pid, p in mine.items():
            aliases = [a for a in p.aliases if normalize(a) != normalize(new_name)]
            if normalize(p.name) != normalize(new_name) and normalize(p.name) not in map(normalize, aliases):
                aliases.append(p.name)
            c.execute("UPDATE partners SET name = ?, aliases = ? WHERE id = ?",
                      (new_name, json.dumps(aliases, ensure_ascii=False), pid))
        store.audit(actor, "partner.rename", "partners", partner.id,
                    {"from": old, "to": new_name, "engagements": sorted(mine)})
    names_changed(store)
    return get_partner(store, partner.id)  # type: ignore[return-value]


def remove_partner(store: Store, partner: Partner, *, actor: str) -> None:
    """Remove a partner added by mistake (a duplicate, a slip of the keyboard). Only one nothing was recorded
    about: its logs would otherwise vanish from every count. The audit log keeps the partner and its stage history
    whole; the company goes too when no other country project engages it."""
    logs = store.scalar("SELECT count(*) FROM interactions WHERE partner_id = ?", (partner.id,))
    reviews = store.scalar("SELECT count(*) FROM diligence WHERE partner_id = ?", (partner.id,))
    if logs or reviews:
        held = " and ".join(f"{n} {what}{'' if n == 1 else 's'}" for n, what in
                            ((logs, "log"), (reviews, "diligence review")) if n)
        raise RegistryError(f"{partner.name} has {held}; removing it would take them out of every count. If it is "
                            f"the same company as another partner, `partner merge {partner.name} into NAME` moves them "
                            f"there (`log edit N partner: NAME` moves one log); otherwise close it "
                            f"(`stage {partner.name} closed`). Nothing changed.", "name")
    with store.transaction() as c:
        row = c.execute("SELECT created_by FROM partners WHERE id = ?", (partner.id,)).fetchone()
        history = [list(map(str, r)) for r in stage_edits.moves(c, partner.id)]
        c.execute("DELETE FROM stage_history WHERE partner_id = ?", (partner.id,))
        c.execute("DELETE FROM partners WHERE id = ?", (partner.id,))
        if not c.execute("SELECT 1 FROM partners WHERE company_id = ?", (partner.company_id,)).fetchone():
            c.execute("DELETE FROM companies WHERE id = ?", (partner.company_id,))
        store.audit(actor, "partner.remove", "partners", partner.id,
                    {"before": {**partner.as_dict(), "created_by": row[0] if row else ""}, "stage_history": history})
    names_changed(store)


def merge_partner(store: Store, source: Partner, target: Partner, *, actor: str) -> dict[str, int]:
    """Fold `source`, the same company entered twice in one country project, into `target`: its logs, outcomes and
    diligence reviews move to `target`, its names become `target`'s aliases, and `source` goes (kept whole in the
    audit log, with its stage history; `target` keeps its own stage). Returns how many of each moved."""
    if source.id == target.id:
        raise RegistryError(f"That is {source.name} itself; nothing changed.", "name")
    if source.country.casefold() != target.country.casefold():
        raise RegistryError(f"{source.name} and {target.name} belong to different country projects ("
                            f"{source.country or 'none'}, {target.country or 'none'}); move one first (`partner "
                            f"{source.name} --country {target.country or 'COUNTRY'}`). Nothing changed.", "country")
    if source.confidential and not target.confidential:
        raise RegistryError(f"{source.name} is confidential (NDA) and {target.name} is not; mark {target.name} "
                            "confidential first, so its logs stay protected. Nothing changed.", "confidential")
    aliases = list(target.aliases)
    for name in (source.name, *source.aliases):
        if normalize(name) != normalize(target.name) and normalize(name) not in map(normalize, aliases):
            aliases.append(name)
    moved = {}
    with store.transaction() as c:
        for table in ("interactions", "outcomes", "diligence"):
            moved[table] = c.execute(f"SELECT count(*) FROM {table} WHERE partner_id = ?", (source.id,)).scalar()
            c.execute(f"UPDATE {table} SET partner_id = ? WHERE partner_id = ?", (target.id, source.id))
        history = [list(map(str, r)) for r in stage_edits.moves(c, source.id)]
        c.execute("DELETE FROM stage_history WHERE partner_id = ?", (source.id,))
        c.execute("DELETE FROM partners WHERE id = ?", (source.id,))
        if not c.execute("SELECT 1 FROM partners WHERE company_id = ?", (source.company_id,)).fetchone():
            c.execute("DELETE FROM companies WHERE id = ?", (source.company_id,))
        c.execute("UPDATE partners SET aliases = ? WHERE id = ?", (json.dumps(aliases, ensure_ascii=False), target.id))
        store.audit(actor, "partner.merge", "partners", source.id,
                    {"into": target.id, "before": source.as_dict(), "stage_history": history, "moved": moved})
    names_changed(store)
    return moved


def created_by(store: Store, partner: Partner) -> str:
    row = store.execute("SELECT created_by FROM partners WHERE id = ?", (partner.id,)).fetchone()
    return row[0] if row else ""


def set_confidential(store: Store, partner: Partner, on: bool, *, actor: str) -> Partner:
    with store.transaction() as c:
        c.execute("UPDATE partners SET confidential = ? WHERE id = ?", (int(on), partner.id))
        store.audit(actor, "partner.confidential", "partners", partner.id, {"confidential": on})
    names_changed(store)  # who may see it can change
    return get_partner(store, partner.id)  # type: ignore[return-value]


def work_began(store: Store, partner: Partner) -> date | None:
    """The day work with the partner began: when it entered its first stage."""
    row = store.execute("SELECT moved_on FROM stage_history WHERE partner_id = ? AND from_stage IS NULL "
                        "ORDER BY moved_on LIMIT 1", (partner.id,)).fetchone()
    return date.fromisoformat(str(row[0])[:10]) if row else None


def set_since(store: Store, partner: Partner, since: date, *, actor: str, today: date) -> Partner:
    """Change the day work with the company began (a partner entered late, or entered with the wrong day): its first
    stage then counts from `since`. It can't be after today, nor after the partner's first move to another stage."""
    if since > today:
        raise RegistryError(f"{since.isoformat()} is in the future; give the day work with {partner.name} began.",
                            "since")
    if since.year < 2000:
        raise RegistryError("That start date is too far in the past; check the year.", "since")
    with store.transaction() as c:
        rows = c.execute("SELECT id, from_stage, moved_on FROM stage_history WHERE partner_id = ? "
                         "ORDER BY moved_on, id", (partner.id,)).fetchall()
        start = next((r for r in rows if r[1] is None), None)
        moves = [r for r in rows if r[1] is not None]
        if moves and since > date.fromisoformat(str(moves[0][2])[:10]):
            raise RegistryError(f"{partner.name} moved on from {stages.label(moves[0][1])} on "
                                f"{str(moves[0][2])[:10]}; work with it began on or before that day, not "
                                f"{since.isoformat()}. Nothing changed.", "since")
        before = str(start[2])[:10] if start else partner.stage_since[:10]
        if start is not None:
            c.execute("UPDATE stage_history SET moved_on = ? WHERE id = ?", (since.isoformat(), start[0]))
        if not moves:  # still at its first stage: that stage counts from the new day
            c.execute("UPDATE partners SET stage_since = ? WHERE id = ?", (since.isoformat(), partner.id))
        store.audit(actor, "partner.since", "partners", partner.id, {"from": before, "to": since.isoformat()})
    return get_partner(store, partner.id)  # type: ignore[return-value]


def correct(store: Store, partner: Partner, *, actor: str, country: str | None = None, stream: str | None = None,
            sector: str | None = None, viewer: access.User | None = None) -> tuple[Partner, list[str]]:
    """Correct what a partner was entered with: its country project, work stream or sector (None: unchanged).

    Returns the partner and one line per change ("country project: Cambodia → Thailand"); all or nothing, each
    change audited. A country project engages a company once, so a move to a project that already has it is
    refused. The stream can change only before the first stage move: the stages of the two streams differ, and
    a history of one stream's stages can't be re-read as the other's."""
    changes: dict[str, tuple[str, str]] = {}
    if country is not None:
        country = clean_name(country, "country project") if country.strip() else ""
        if country != partner.country:
            clash = [o for o in _engagements_of(store, partner.company_id)
                     if o.id != partner.id and o.country.casefold() == country.casefold()]
            if clash:
                known = f"{clash[0].name} ({clash[0].country})" if clash[0].country else clash[0].name
                shown = f" (see `partner {known}`)" if can_see(store, viewer, clash[0]) else ""
                raise RegistryError(f"{country or 'The partners with no country project'} already "
                                    f"{'has' if country else 'have'} an engagement with this company{shown}; a "
                                    "country project engages a company once. Nothing changed.", "country")
            changes["country"] = (partner.country, country)
    if sector is not None:
        sector = clean_name(sector, "sector") if sector.strip() else ""
        check_private(sector, "the sector", "sector")
        if sector != partner.sector:
            changes["sector"] = (partner.sector, sector)
    first = None
    if stream is not None and stream != partner.stream:
        if stream not in STREAMS:
            raise RegistryError(f"“{stream}” is not a work stream; use innovation or survivor_employment.", "stream")
        moved = store.scalar("SELECT count(*) FROM stage_history WHERE partner_id = ? AND from_stage IS NOT NULL",
                             (partner.id,))
        if moved:
            times = {1: "once", 2: "twice"}.get(moved, f"{moved} times")
            raise RegistryError(f"{partner.name} has moved through stages of the {partner.stream_label} stream (now "
                                f"{partner.stage_label}); a stream can only be corrected before the first stage move, "
                                "since the two streams have different stages. Nothing changed. To correct it, take "
                                f"the moves back first (`stage {partner.name} undo`, {times}), then correct the "
                                "stream and move it to its stage again.", "stream")
        first = stages.first_stage(stream)
        changes["stream"] = (partner.stream, stream)
    if not changes:
        return partner, []
    with store.transaction() as c:
        for column, (before, after) in changes.items():
            c.execute(f"UPDATE partners SET {column} = ? WHERE id = ?", (after, partner.id))
            store.audit(actor, f"partner.{column}", "partners", partner.id, {"from": before, "to": after})
        if first is not None:  # still at its first stage: that of the new stream, from the same day
            c.execute("UPDATE partners SET stage = ? WHERE id = ?", (first, partner.id))
            c.execute("UPDATE stage_history SET to_stage = ? WHERE partner_id = ? AND from_stage IS NULL",
                      (first, partner.id))
    if "country" in changes:
        names_changed(store)  # who may see it changes
    labels = {"country": "country project", "stream": "work stream", "sector": "sector"}
    shown = {"stream": lambda v: stages.STREAM_LABELS.get(v, v)}
    lines = [f"{labels[k]}: {shown.get(k, str)(b) or '—'} → {shown.get(k, str)(a) or '—'}"
             for k, (b, a) in changes.items()]
    return get_partner(store, partner.id), lines  # type: ignore[return-value]
