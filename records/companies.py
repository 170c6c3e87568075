"""One company, several country teams: the company record and the other teams' engagements with it.

A company is one `companies` row; each country project that works with it has its own engagement (a `partners`
row: stage, stage history, owner, logs, NDA flag). Teams that engage the same company should coordinate first (a
mixed message from one team can scare off a company another team is courting), so whoever looks up or logs a
company is told which other teams engage it, their stage and their contact person. That is all that crosses:
another team's logs, notes, amounts and diligence stay with that team, NDA or not.
"""

from __future__ import annotations

from dataclasses import dataclass

from records import stages
from records.names import normalize
from storage.store import Store


@dataclass(frozen=True)
class Engagement:
    """What another team may know about an engagement: who, where it stands, whom to talk to."""
    partner_id: int
    company: str
    country: str
    stage: str
    stream: str
    contact: str          # the owner's display name, or their user key, or "" when nobody owns it
    confidential: bool

    @property
    def stage_label(self) -> str:
        return stages.label(self.stage)

    @property
    def team(self) -> str:
        return f"the {self.country} team" if self.country else "a team with no country project"

    def line(self) -> str:
        """“the Cambodia team (Concept note; contact: Dara; NDA in place)”."""
        bits = [self.stage_label, f"contact: {self.contact}" if self.contact else "no contact person set"]
        if self.confidential:
            bits.append("NDA in place")
        return f"{self.team} ({'; '.join(bits)})"


def find_or_create(conn, name: str, now: str) -> tuple[int, bool]:
    """The id of the company called `name` (ignoring case), created when there is none; and whether it is new."""
    row = conn.execute("SELECT id FROM companies WHERE lower(name) = lower(?)", (name,)).fetchone()
    if row:
        return row[0], False
    return conn.execute("INSERT INTO companies (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id",
                        (name, now)).scalar() or conn.execute(
        "SELECT id FROM companies WHERE lower(name) = lower(?)", (name,)).fetchone()[0], True


def company_named(store: Store, text: str) -> tuple[int, str] | None:
    """(id, name) of the company whose name, or one of whose engagements' names or aliases, is exactly `text`
    (ignoring case, punctuation and "Co."), across every country project; None when no single company fits."""
    from records.names import core, name_index

    idx = name_index(store)
    ids = idx.exact.get(normalize(text)) or idx.exact.get(core(text)) or set()
    if not ids:
        return None
    marks = ",".join("?" for _ in ids)
    rows = store.execute(f"SELECT DISTINCT c.id, c.name FROM companies c JOIN partners p ON p.company_id = c.id "
                         f"WHERE p.id IN ({marks})", tuple(sorted(ids))).fetchall()
    return (rows[0][0], rows[0][1]) if len(rows) == 1 else None


def engagements(store: Store, company_id: int, *, besides: int | None = None) -> list[Engagement]:
    """Every engagement with the company (but `besides`, a partner id), by country project."""
    rows = store.execute(
        "SELECT p.id, c.name, p.country, p.stage, p.stream, p.owner, p.confidential, u.display_name "
        "FROM partners p JOIN companies c ON c.id = p.company_id "
        "LEFT JOIN users u ON p.owner != '' AND u.platform || ':' || u.user_id = p.owner "
        "WHERE p.company_id = ? ORDER BY lower(p.country), p.id", (company_id,)).fetchall()
    return [Engagement(r[0], r[1], r[2], r[3], r[4], _contact(r[5], r[7]), bool(r[6]))
            for r in rows if r[0] != besides]


def _contact(owner: str, display_name: str | None) -> str:
    if display_name:
        return display_name
    return owner or ""


def coordinate_note(others: list[Engagement], hide_confidential: bool) -> str:
    """One sentence telling a team who else engages the company, or "" when nobody does.

    With `hide_confidential` (a shared channel), engagements under an NDA are only counted, not described."""
    if not others:
        return ""
    shown = [e.line() for e in others if not (hide_confidential and e.confidential)]
    secret = len(others) - len(shown)
    if secret:
        shown.append("another team under an NDA (ask me in a direct message)" if secret == 1 else
                     f"{secret} other teams under an NDA (ask me in a direct message)")
    return "Also engaged by " + "; ".join(shown) + ": coordinate with them before you contact the company."
