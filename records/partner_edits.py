"""Changes to partners: add, alias, confidentiality, stage moves. Each runs in one transaction with its audit row.
"""

from __future__ import annotations

import json
from datetime import date

from records import access, stages
from records.checks import (
    MAX_NOTE,
    RegistryError,
    check_private,
    check_text,
    clean_name,
)
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
    """Add a partner at the first stage of its stream, from `since` (back-filling a partner entered late) or today."""
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
    taken = name_index(store).exact.get(normalize(name))
    if taken:
        other = get_partner(store, min(taken))
        if other is not None and not can_see(store, viewer, other):
            # Names are unique across the programme, so the clash itself can't be hidden; nothing more is said.
            raise RegistryError(f"The name “{name}” is already registered by another country project, so I can't "
                                "add it again; nothing was added. If your project works with this company too, ask "
                                "an admin to sort it out.", "name")
        shown = other.name if other else name
        raise RegistryError(f"A partner called “{shown}” already exists; nothing was added. See `partner {shown}`.",
                            "name")
    first = stages.first_stage(stream)
    now, day = utcnow(), (since or today).isoformat()
    with store.transaction() as c:
        pid = c.execute(
            "INSERT INTO partners (name, aliases, sector, country, stream, stage, stage_since, owner, confidential, "
            "created_at, created_by) VALUES (?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (name, sector, country, stream, first, day, owner, int(confidential), now, actor),
        ).scalar()
        c.execute("INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, created_at) "
                  "VALUES (?, NULL, ?, ?, ?, 'added', ?)", (pid, first, day, actor, now))
        store.audit(actor, "partner.add", "partners", pid, {"name": name, "stream": stream, "country": country,
                                                             "stage": first, "confidential": confidential})
    names_changed(store)
    return get_partner(store, pid)  # type: ignore[return-value]


def add_alias(store: Store, partner: Partner, alias: str, *, actor: str,
              viewer: access.User | None = None) -> Partner:
    alias = clean_name(alias, "alias")
    check_private(alias, "the alias", "alias")
    if normalize(alias) in {normalize(n) for n in (partner.name, *partner.aliases)}:
        raise RegistryError(f"“{alias}” already names {partner.name}; nothing changed.", "alias")
    owner = name_index(store).exact.get(normalize(alias), set()) - {partner.id}
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


def set_confidential(store: Store, partner: Partner, on: bool, *, actor: str) -> Partner:
    with store.transaction() as c:
        c.execute("UPDATE partners SET confidential = ? WHERE id = ?", (int(on), partner.id))
        store.audit(actor, "partner.confidential", "partners", partner.id, {"confidential": on})
    names_changed(store)  # who may see it can change
    return get_partner(store, partner.id)  # type: ignore[return-value]


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
