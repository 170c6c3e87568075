"""Yearly indicator targets per country project, set by leads, stored in the `targets` table.

A target belongs to (indicator, country project, fiscal year). Country '' is a programme-wide target. When a
report covers every country project, it uses the programme-wide target if one is set, and otherwise the sum
of the country targets (for indicators whose values add up; a share or a median has no such sum).
"""

from __future__ import annotations

from dataclasses import dataclass

from indicators.definitions import Indicator, find_indicator
from indicators.periods import MAX_FY, MIN_FY
from storage.store import Store, utcnow

ALL = ""


class TargetError(ValueError):
    """A target that cannot be stored; the message says what to do instead."""


@dataclass(frozen=True)
class Target:
    indicator: str
    country: str
    fiscal_year: int
    value: float
    set_by: str
    set_at: str


def set_target(store: Store, ind: Indicator | str, value: float, fiscal_year: int, country: str = ALL,
               actor: str = "") -> tuple[Target, float | None]:
    """Store (or replace) a target; returns it and the value it replaced, if any."""
    if isinstance(ind, str):
        ind = find_indicator(ind)
    if not ind.has_target:
        raise TargetError(f"'{ind.label}' is reported without a target (it describes the pipeline).")
    if not MIN_FY <= fiscal_year <= MAX_FY:
        raise TargetError(f"FY{fiscal_year} is out of range; use a fiscal year such as FY2027.")
    if value != value or value < 0 or value == float("inf"):
        raise TargetError("A target is a number of zero or more.")
    if ind.is_percent and value > 100:
        raise TargetError(f"'{ind.label}' is a percentage; give a target between 0 and 100.")
    if not ind.is_money and not ind.is_percent and value != int(value):
        raise TargetError(f"'{ind.label}' counts whole {ind.unit}; give a whole number.")
    country = (country or ALL).strip()
    with store.transaction() as c:
        old = c.execute("SELECT value, country FROM targets WHERE indicator = ? AND lower(country) = lower(?) "
                        "AND fiscal_year = ?", (ind.id, country, fiscal_year)).fetchone()
        if old:
            country = old[1]  # one spelling per country project, whatever the case typed now
        now = utcnow()
        c.execute(
            "INSERT INTO targets (indicator, country, fiscal_year, value, set_by, set_at) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(indicator, country, fiscal_year) DO UPDATE SET value = excluded.value, "
            "set_by = excluded.set_by, set_at = excluded.set_at",
            (ind.id, country, fiscal_year, float(value), actor, now),
        )
        store.audit(actor, "target.update" if old else "target.set", "targets", None,
                    {"indicator": ind.id, "country": country, "fiscal_year": fiscal_year, "value": value,
                     "previous": old[0] if old else None})
    return Target(ind.id, country, fiscal_year, float(value), actor, now), (old[0] if old else None)


def list_targets(store: Store, fiscal_year: int | None = None, country: str | None = None) -> list[Target]:
    sql = "SELECT indicator, country, fiscal_year, value, set_by, set_at FROM targets WHERE 1 = 1"
    args: list = []
    if fiscal_year is not None:
        sql += " AND fiscal_year = ?"
        args.append(fiscal_year)
    if country is not None:
        sql += " AND lower(country) = lower(?)"
        args.append(country)
    rows = store.execute(sql + " ORDER BY fiscal_year, country, indicator", args).fetchall()
    return [Target(*r) for r in rows]


def target_for(store: Store, ind: Indicator, fiscal_year: int, country: str | None = None) -> float | None:
    """The yearly target for one country project, or for the whole programme when country is None."""
    if not ind.has_target:
        return None
    c = store
    if country:
        row = c.execute("SELECT value FROM targets WHERE indicator = ? AND lower(country) = lower(?) "
                        "AND fiscal_year = ?",
                        (ind.id, country, fiscal_year)).fetchone()
        return row[0] if row else None
    row = c.execute("SELECT value FROM targets WHERE indicator = ? AND country = '' AND fiscal_year = ?",
                    (ind.id, fiscal_year)).fetchone()
    if row:
        return row[0]
    if not ind.additive:
        return None
    row = c.execute("SELECT SUM(value), COUNT(*) FROM targets WHERE indicator = ? AND country != '' "
                    "AND fiscal_year = ?", (ind.id, fiscal_year)).fetchone()
    return row[0] if row and row[1] else None


def summed_from_countries(store: Store, ind: Indicator, fiscal_year: int) -> list[str]:
    """The country projects whose targets make up the programme-wide target, or [] when an admin set one."""
    c = store
    if not ind.has_target or not ind.additive or c.execute(
            "SELECT 1 FROM targets WHERE indicator = ? AND country = '' AND fiscal_year = ?",
            (ind.id, fiscal_year)).fetchone():
        return []
    return [r[0] for r in c.execute("SELECT country FROM targets WHERE indicator = ? AND country != '' "
                                    "AND fiscal_year = ? ORDER BY lower(country)", (ind.id, fiscal_year))]


def target_countries(store: Store) -> list[str]:
    return [r[0] for r in store.execute(
        "SELECT country FROM targets WHERE country != '' GROUP BY country ORDER BY lower(country)")]
