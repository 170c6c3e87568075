"""The partner record: the `Partner` type and the reads that fetch partners.

A `Partner` is one country project's engagement with a company (its own stage, owner, logs and NDA flag); the
same company may be engaged by several country projects (`records.companies`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from records import access, stages
from records.visibility import visible_ids
from storage.store import Store


@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    aliases: tuple[str, ...]
    sector: str
    country: str
    stream: str
    stage: str
    stage_since: str
    owner: str
    confidential: bool
    created_at: str
    company_id: int = 0  # the company this engagement is with (other country projects may engage it too)

    @property
    def stage_label(self) -> str:
        return stages.label(self.stage)

    @property
    def stream_label(self) -> str:
        return stages.STREAM_LABELS.get(self.stream, self.stream)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases), "sector": self.sector,
                "country": self.country, "stream": self.stream, "stage": self.stage,
                "stage_since": self.stage_since, "owner": self.owner, "confidential": self.confidential,
                "created_at": self.created_at, "company_id": self.company_id}

    def __getitem__(self, key: str) -> Any:  # so access.can_see_partner(user, partner) works on it
        return self.as_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)


PARTNER_COLUMNS = ("id, name, aliases, sector, country, stream, stage, stage_since, owner, confidential, created_at, "
                   "company_id")


def partner_from_row(row) -> Partner:
    try:
        aliases = tuple(json.loads(row[2] or "[]"))
    except ValueError:
        aliases = ()
    return Partner(row[0], row[1], aliases, row[3], row[4], row[5], row[6], row[7], row[8], bool(row[9]), row[10],
                   row[11])


def get_partner(store: Store, partner_id: int) -> Partner | None:
    row = store.execute(f"SELECT {PARTNER_COLUMNS} FROM partners WHERE id = ?", (partner_id,)).fetchone()
    return partner_from_row(row) if row else None


def all_partners(store: Store, viewer: access.User | None = None) -> list[Partner]:
    rows = store.execute(f"SELECT {PARTNER_COLUMNS} FROM partners ORDER BY lower(name), id").fetchall()
    allowed = visible_ids(store, viewer)
    return [partner_from_row(r) for r in rows if allowed is None or r[0] in allowed]


def count_partners(store: Store) -> int:
    return store.execute("SELECT COUNT(*) FROM partners").fetchone()[0]
