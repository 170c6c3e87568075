"""Indicator definitions (data in indicators/indicators.yml) and the measures that compute them from the store.

The definitions say WHAT each indicator is; the few measure functions here say HOW a kind of indicator is
counted. Every measure reads the registry tables directly (partners, stage_history, interactions, outcomes)
and can be narrowed to one country project and/or one work stream.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import yaml
from dateutil.relativedelta import relativedelta

from indicators.periods import Period
from records import rates

DEFINITIONS = Path(__file__).with_name("indicators.yml")
MEASURES: dict[str, Callable[..., "Measurement"]] = {}


class IndicatorError(ValueError):
    """An unknown indicator or a broken definition file; the message says what is known."""


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    unit: str
    measure: str
    how: str
    params: dict[str, Any] = field(default_factory=dict)
    mandated: bool = False
    has_target: bool = True
    additive: bool = True
    aliases: tuple[str, ...] = ()

    @property
    def word(self) -> str:
        """What to type for it (`target WORD VALUE`): a short alias, or the id with hyphens, never an identifier."""
        if "_" not in self.id:
            return self.id
        words = [a for a in self.aliases if "-" in a] + [a for a in self.aliases if a.isalpha()]
        return words[0] if words else self.id.replace("_", "-")

    @property
    def is_money(self) -> bool:
        return self.measure == "outcome_sum" and "currency" in self.params

    @property
    def is_percent(self) -> bool:
        return self.unit == "percent"


@dataclass(frozen=True)
class Measurement:
    """One indicator's value for one slice. `value` is None when it does not apply (e.g. no one to count)."""

    value: float | None
    extra: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=4)
def load_indicators(path: Path = DEFINITIONS) -> tuple[Indicator, ...]:
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    out: list[Indicator] = []
    seen: set[str] = set()
    for entry in raw:
        missing = [k for k in ("id", "label", "unit", "measure", "how") if not entry.get(k)]
        if missing:
            raise IndicatorError(f"{path}: indicator {entry.get('id', '?')!r} lacks {', '.join(missing)}")
        if entry["measure"] not in MEASURES:
            raise IndicatorError(f"{path}: indicator {entry['id']!r} has unknown measure {entry['measure']!r}; "
                                 f"known: {', '.join(sorted(MEASURES))}")
        names = {entry["id"], *entry.get("aliases", [])}
        clash = names & seen
        if clash:
            raise IndicatorError(f"{path}: the name {sorted(clash)[0]!r} is used by two indicators")
        seen |= names
        out.append(Indicator(
            id=entry["id"], label=entry["label"], unit=entry["unit"], measure=entry["measure"],
            how=" ".join(str(entry["how"]).split()), params=dict(entry.get("params") or {}),
            mandated=bool(entry.get("mandated", False)), has_target=bool(entry.get("has_target", True)),
            additive=bool(entry.get("additive", True)), aliases=tuple(entry.get("aliases") or ()),
        ))
    return tuple(out)


def find_indicator(word: str, indicators: tuple[Indicator, ...] | None = None) -> Indicator:
    indicators = indicators or load_indicators()
    w = word.strip().lower().replace("-", "_")
    for ind in indicators:
        if w == ind.id or w in {a.lower().replace("-", "_") for a in ind.aliases}:
            return ind
    targetable = ", ".join(i.word for i in indicators if i.has_target)
    raise IndicatorError(f"I don't know the indicator '{word}'. Indicators with targets: {targetable}.")


def measure(store, ind: Indicator, period: Period, country: str | None = None,
            stream: str | None = None) -> Measurement:
    return MEASURES[ind.measure](store, period, _Filter(country, stream), **ind.params)


# --- measures ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Filter:
    country: str | None = None
    stream: str | None = None

    def sql(self, alias: str = "p") -> tuple[str, list[Any]]:
        parts, args = [], []
        if self.country:
            parts.append(f"lower({alias}.country) = lower(?)")
            args.append(self.country)
        if self.stream:
            parts.append(f"{alias}.stream = ?")
            args.append(self.stream)
        return ("".join(" AND " + p for p in parts), args)


def _measure(name: str):
    def wrap(fn):
        MEASURES[name] = fn
        return fn
    return wrap


def signing_dates(conn, flt: _Filter, signing_stages: tuple[str, ...] | list[str] = ("agreement",)) -> dict[int, date]:
    """partner id → the day its partnership was first signed (first 'agreement' interaction or stage move)."""
    stages = list(signing_stages) or ["agreement"]
    marks = ", ".join("?" for _ in stages)
    where, args = flt.sql("p")
    rows = conn.execute(
        f"""SELECT s.partner_id, MIN(s.d) FROM (
                SELECT partner_id, substr(occurred_on, 1, 10) AS d FROM interactions WHERE kind = 'agreement'
                UNION ALL
                SELECT partner_id, substr(moved_on, 1, 10) AS d FROM stage_history WHERE to_stage IN ({marks})
            ) s JOIN partners p ON p.id = s.partner_id WHERE 1 = 1{where} GROUP BY s.partner_id""",
        [*stages, *args],
    ).fetchall()
    return {pid: date.fromisoformat(d) for pid, d in rows if d}


@_measure("agreements_signed")
def _agreements_signed(store, period: Period, flt: _Filter, signing_stages=("agreement",)) -> Measurement:
    signed = signing_dates(store, flt, signing_stages)
    return Measurement(float(sum(1 for d in signed.values() if d in period)))


@_measure("interactions")
def _interactions(store, period: Period, flt: _Filter, action_level: str | None = None,
                  kind: str | None = None) -> Measurement:
    where, args = flt.sql("p")
    if action_level:
        where += " AND i.action_level = ?"
        args.append(action_level)
    if kind:
        where += " AND i.kind = ?"
        args.append(kind)
    (n,) = store.execute(
        f"SELECT COUNT(*) FROM interactions i JOIN partners p ON p.id = i.partner_id "
        f"WHERE substr(i.occurred_on, 1, 10) BETWEEN ? AND ?{where}",
        [period.start.isoformat(), period.end.isoformat(), *args],
    ).fetchone()
    return Measurement(float(n))


@_measure("outcome_sum")
def _outcome_sum(store, period: Period, flt: _Filter, kind: str, currency: str | None = None) -> Measurement:
    """The sum of one kind of outcome. For money (`currency` given): where an admin has set the exchange rate of
    every currency recorded for its fiscal year (records.rates), the value is the converted total in US dollars,
    which names the rates it used; otherwise it is the amount recorded in that currency, and the others stay apart.
    Raw amounts of different currencies are never added."""
    where, args = flt.sql("p")
    rows = store.execute(
        f"SELECT substr(o.recorded_on, 1, 10), UPPER(COALESCE(o.currency, '')), SUM(o.quantity) FROM outcomes o "
        f"JOIN partners p ON p.id = o.partner_id WHERE o.kind = ? AND substr(o.recorded_on, 1, 10) BETWEEN ? AND ?"
        f"{where} GROUP BY 1, 2 ORDER BY 1, 2",
        [kind, period.start.isoformat(), period.end.isoformat(), *args],
    ).fetchall()
    if currency is None:
        return Measurement(float(sum(total for _, _, total in rows)))
    converted = rates.convert(store, rows)
    by_currency = dict(converted.per_currency)
    main = by_currency.pop(currency.upper(), 0.0)
    if currency.upper() == rates.BASE and converted.usd is not None:
        main = converted.usd
    return Measurement(main, {"other_currencies": by_currency, "all_currencies": converted.describe(),
                              "converted_usd": converted.usd, "rates_used": converted.rates_text(),
                              "rates_missing": converted.missing_text()})


def stage_stays(conn, flt: _Filter) -> list[tuple[int, str, date, date]]:
    """Finished stays: (partner id, stage, entered on, left on), from consecutive stage_history rows."""
    where, args = flt.sql("p")
    rows = conn.execute(
        f"""SELECT partner_id, to_stage, d, next_d FROM (
                SELECT h.partner_id, h.to_stage, substr(h.moved_on, 1, 10) AS d,
                       LEAD(substr(h.moved_on, 1, 10)) OVER (PARTITION BY h.partner_id ORDER BY h.moved_on, h.id)
                       AS next_d
                FROM stage_history h JOIN partners p ON p.id = h.partner_id WHERE 1 = 1{where}
            ) stays WHERE next_d IS NOT NULL""",
        args,
    ).fetchall()
    return [(pid, stage, date.fromisoformat(d), date.fromisoformat(nd)) for pid, stage, d, nd in rows]


@_measure("median_stage_days")
def _median_stage_days(store, period: Period, flt: _Filter, exclude_stages=("closed",)) -> Measurement:
    per_stage: dict[str, list[int]] = {}
    for _pid, stage, entered, left in stage_stays(store, flt):
        if left in period and stage not in exclude_stages:
            per_stage.setdefault(stage, []).append((left - entered).days)
    if not per_stage:
        return Measurement(None, {"stages": {}})
    every = [d for days in per_stage.values() for d in days]
    stages = {s: {"median": float(statistics.median(v)), "stays": len(v)} for s, v in per_stage.items()}
    return Measurement(float(statistics.median(every)), {"stages": stages})


@_measure("active_after_signing")
def _active_after_signing(store, period: Period, flt: _Filter, months: int = 12,
                          signing_stages=("agreement",), inactive_stages=("closed", "paused")) -> Measurement:
    conn = store
    cohort = []
    for pid, signed in signing_dates(conn, flt, signing_stages).items():
        anniversary = signed + relativedelta(months=months)
        if anniversary in period and (period.as_of is None or anniversary <= period.as_of):
            cohort.append((pid, anniversary))  # an anniversary still to come is not known yet
    active = 0
    for pid, anniversary in cohort:
        row = conn.execute(
            "SELECT to_stage FROM stage_history WHERE partner_id = ? AND substr(moved_on, 1, 10) <= ? "
            "ORDER BY moved_on DESC, id DESC LIMIT 1", (pid, anniversary.isoformat())).fetchone()
        if row is None:
            row = conn.execute("SELECT stage FROM partners WHERE id = ?", (pid,)).fetchone()
        if row is None or row[0] not in inactive_stages:
            active += 1
    if not cohort:
        return Measurement(None, {"cohort": 0, "active": 0})
    return Measurement(100.0 * active / len(cohort), {"cohort": len(cohort), "active": active})
