"""CSV exports for M&E: one row per interaction (with its outcomes as columns), or one row per partner.

Confidential (NDA) partners are marked in a `confidential` column. With a `viewer` (a `records.access.User`) only the
partners they may see are exported (a lead: their country projects; an admin: all). Cells that a spreadsheet would read as a
formula (starting with = + - @) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from records import access, partners, pipeline, rates, stages, visibility
from records.checks import MONEY_KINDS
from storage.schema import OUTCOME_KINDS
from storage.store import Store

KINDS = ("interactions", "partners")

COUNTS = tuple(k for k in OUTCOME_KINDS if k not in MONEY_KINDS)
# Each money outcome has its amount and its own currency column: amounts of different currencies never share one.
INTERACTION_COLUMNS = (
    ["interaction_id", "date", "partner", "partner_id", "confidential", "country", "stream", "stage_now", "kind",
     "action_level", "summary", "next_step", "next_due", "logged_by", "platform"]
    + [c for k in MONEY_KINDS for c in (k, f"{k}_currency")] + list(COUNTS)
)
PARTNER_COLUMNS = [
    "partner_id", "partner", "confidential", "country", "sector", "stream", "stage", "stage_since", "days_in_stage",
    "last_contact", "stalled", "interactions", "actions_high", "actions_medium", "actions_low",
    "latest_risk_rating", "created_at",
] + [f"total_{k}" for k in COUNTS]  # then one column per money kind and currency: cash_USD, cash_KHR, in_kind_THB…
# …and per money kind its US-dollar total where exchange rates are set for every amount, with the rates it used
CONVERTED_COLUMNS = [c for k in MONEY_KINDS for c in (f"{k}_converted_USD", f"{k}_converted_with")]


def _safe(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        value = f"{value:.2f}".rstrip("0").rstrip(".")
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def interaction_rows(store: Store, viewer: access.User | None = None) -> Iterator[list[str]]:
    allowed = visibility.visible_ids(store, viewer)
    c = store
    outs: dict[int, dict[str, tuple[float, str | None]]] = {}
    for iid, kind, quantity, currency in c.execute(
            "SELECT interaction_id, kind, SUM(quantity), currency FROM outcomes WHERE interaction_id IS NOT NULL "
            "GROUP BY interaction_id, kind, currency ORDER BY interaction_id, kind, currency"):
        got = outs.setdefault(iid, {})
        if kind in got and kind in MONEY_KINDS:  # one log, one money kind in two currencies: keep both, apart
            q, cur = got[kind]
            got[kind] = (f"{_safe(q)}; {_safe(quantity)}", f"{cur}; {currency}")  # type: ignore[assignment]
        else:
            got[kind] = (quantity, currency)
    sql = """
        SELECT i.id, i.occurred_on, p.name, p.id, p.confidential, p.country, p.stream, p.stage, i.kind,
               i.action_level, i.summary, i.next_step, i.next_due, i.logged_by, i.platform
        FROM interactions i JOIN partners p ON p.id = i.partner_id ORDER BY i.occurred_on, i.id"""
    for row in c.execute(sql):
        if allowed is not None and row[3] not in allowed:
            continue
        base = list(row)
        base[4] = "yes" if row[4] else "no"
        base[6] = stages.STREAM_LABELS.get(row[6], row[6])
        base[7] = stages.label(row[7])
        got = outs.get(row[0], {})
        money_cells = [v for k in MONEY_KINDS for v in (got.get(k, (None, None)))]
        yield [_safe(v) for v in base + money_cells + [got.get(k, (None, None))[0] for k in COUNTS]]


def money_columns(store: Store) -> list[str]:
    """`cash_KHR`, `cash_USD`, `in_kind_THB`…: one per money kind and currency present."""
    return [f"{k}_{cur}" for k, cur in store.execute(
        "SELECT DISTINCT kind, UPPER(COALESCE(currency, '')) FROM outcomes WHERE kind IN ('cash', 'in_kind') "
        "ORDER BY kind, 2")]


def partner_rows(store: Store, today: date, viewer: access.User | None = None,
                 money: list[str] | None = None) -> Iterator[list[str]]:
    c = store
    money = money_columns(store) if money is None else money
    last = dict(c.execute("SELECT partner_id, MAX(occurred_on) FROM interactions GROUP BY partner_id"))
    counts: dict[int, dict[str, int]] = {}
    for pid, level, n in c.execute("SELECT partner_id, COALESCE(action_level, ''), COUNT(*) FROM interactions "
                                   "GROUP BY partner_id, action_level"):
        counts.setdefault(pid, {})[level] = n
    table = rates.rates(store)
    dated: dict[tuple[int, str], list] = {}
    for pid, kind, day, cur, q in c.execute(
            "SELECT partner_id, kind, substr(recorded_on, 1, 10), UPPER(COALESCE(currency, '')), SUM(quantity) "
            "FROM outcomes WHERE kind IN ('cash', 'in_kind') GROUP BY partner_id, kind, 3, 4"):
        dated.setdefault((pid, kind), []).append((day, cur, q))
    totals: dict[int, dict[str, float]] = {}
    for pid, kind, cur, q in c.execute("SELECT partner_id, kind, UPPER(COALESCE(currency, '')), SUM(quantity) "
                                       "FROM outcomes GROUP BY partner_id, kind, 3"):
        totals.setdefault(pid, {})[f"{kind}_{cur}" if kind in MONEY_KINDS else kind] = q
    risk = dict(c.execute("SELECT partner_id, risk_rating FROM diligence d WHERE id = (SELECT id FROM diligence "
                          "WHERE partner_id = d.partner_id ORDER BY reviewed_on DESC, id DESC LIMIT 1)"))
    for p in partners.all_partners(store, viewer):
        in_stage, _, reasons = pipeline.stalled_reasons(p, last.get(p.id), today)
        n = counts.get(p.id, {})
        t = totals.get(p.id, {})
        row = [p.id, p.name, "yes" if p.confidential else "no", p.country, p.sector, p.stream_label, p.stage_label,
               p.stage_since, in_stage, last.get(p.id), "; ".join(reasons), sum(n.values()), n.get("high", 0),
               n.get("medium", 0), n.get("low", 0), risk.get(p.id, ""), p.created_at]
        yield ([_safe(v) for v in row] + [_safe(t.get(k)) for k in COUNTS] + [_safe(t.get(k)) for k in money]
               + [v for k in MONEY_KINDS for v in _converted(store, dated.get((p.id, k)), table)])


def _converted(store: Store, amounts, table) -> tuple[str, str]:
    """(US-dollar total, the rates used) for one partner's amounts of one money kind; blank without amounts,
    and no total (saying which rate is missing) when a currency has no rate for its fiscal year."""
    if not amounts:
        return "", ""
    conv = rates.convert(store, amounts, table)
    if conv.usd is None:
        return "", "no rate for " + conv.missing_text()
    return _safe(round(conv.usd, 2)), conv.rates_text() or "all in USD"


def write_csv(store: Store, out, kind: str = "interactions", today: date | None = None,
              viewer: access.User | None = None, progress: Callable[[int], None] | None = None) -> int:
    """Write the export to a path or an open text file; returns the number of data rows.

    `progress(n)` is called as rows are written (n rows since the last call; see `row_estimate` for the total)."""
    if kind not in KINDS:
        raise ValueError(f"Unknown export “{kind}”; choose {' or '.join(KINDS)}.")
    today = today or datetime.now(timezone.utc).date()
    money = money_columns(store)
    header = INTERACTION_COLUMNS if kind == "interactions" else PARTNER_COLUMNS + money + CONVERTED_COLUMNS
    rows = interaction_rows(store, viewer) if kind == "interactions" else partner_rows(store, today, viewer, money)
    if isinstance(out, (str, Path)):
        path = Path(out)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with tmp.open("w", newline="", encoding="utf-8-sig") as f:
            n = _write(f, header, rows, progress)
        tmp.replace(path)
        return n
    return _write(out, header, rows, progress)


PROGRESS_EVERY = 500


def _write(f, header, rows, progress: Callable[[int], None] | None = None) -> int:
    w = csv.writer(f)
    w.writerow(header)
    n = 0
    for row in rows:
        w.writerow(row)
        n += 1
        if progress and n % PROGRESS_EVERY == 0:
            progress(PROGRESS_EVERY)
    if progress and n % PROGRESS_EVERY:
        progress(n % PROGRESS_EVERY)
    return n


def row_estimate(store: Store, kind: str = "interactions") -> int:
    """How many rows an export of `kind` writes at most (before leaving out partners a viewer may not see)."""
    table = "interactions" if kind == "interactions" else "partners"
    return int(store.scalar(f"SELECT COUNT(*) FROM {table}") or 0)


def default_path(exports_dir: Path, kind: str, now: datetime | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    return exports_dir / f"pse-{kind}-{now.strftime('%Y%m%d-%H%M%S')}.csv"


def as_text(store: Store, kind: str = "interactions", today: date | None = None) -> str:
    buf = io.StringIO()
    write_csv(store, buf, kind, today)
    return buf.getvalue()
