"""Exchange rates per fiscal year, set by admins, and converted totals that say which rates they used.

A rate is how many units of a currency one US dollar buys in a fiscal year (`rate set FY2027 KHR 4100`). Money
is always stored in the currency it was given in; totals are shown per currency, and a converted US-dollar total
is added only when every currency in it has a rate for the fiscal year each amount was recorded in. Amounts in
different currencies are never added without conversion.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from records import money
from records.checks import RegistryError
from storage.store import Store, utcnow

BASE = "USD"
MAX_RATE = 1e9


def fiscal_year_of(day: date | str) -> int:
    """The (October–September) fiscal year a day belongs to: 1 Oct 2026 is in FY2027."""
    d = date.fromisoformat(str(day)[:10]) if not isinstance(day, date) else day
    return d.year + 1 if d.month >= 10 else d.year


def parse_fiscal_year(text: str) -> int:
    m = re.fullmatch(r"(?:fy\s*)?(\d{4}|\d{2})", text.strip(), re.I)
    if not m:
        raise RegistryError(f"“{text.strip()}” is not a fiscal year; write it like FY2027.", "fiscal_year")
    year = int(m.group(1))
    year = 2000 + year if year < 100 else year
    if not 2000 <= year <= 2100:
        raise RegistryError(f"FY{year} is out of range; write a fiscal year like FY2027.", "fiscal_year")
    return year


def set_rate(store: Store, fiscal_year: int, currency: str, per_usd: float, *, actor: str) -> float | None:
    """Set (or replace) a fiscal year's rate for a currency; audited with the value before. Returns the old rate."""
    code = money.currency_code(currency) or (currency.strip().upper() if re.fullmatch(r"[A-Za-z]{3}",
                                                                                       currency.strip()) else None)
    if code is None:
        raise RegistryError(f"I don't know the currency “{currency.strip()}”; use a 3-letter code like KHR or THB.",
                            "currency")
    if code == BASE:
        raise RegistryError("Rates are per US dollar, so USD needs none.", "currency")
    if not 0 < per_usd <= MAX_RATE:
        raise RegistryError(f"A rate must be a positive number of {code} per US dollar, e.g. 4100.", "rate")
    with store.transaction() as c:
        old = c.execute("SELECT per_usd FROM exchange_rates WHERE fiscal_year = ? AND currency = ?",
                        (fiscal_year, code)).fetchone()
        c.execute("INSERT INTO exchange_rates (fiscal_year, currency, per_usd, set_by, set_at) VALUES (?, ?, ?, ?, ?) "
                  "ON CONFLICT (fiscal_year, currency) DO UPDATE SET per_usd = excluded.per_usd, "
                  "set_by = excluded.set_by, set_at = excluded.set_at",
                  (fiscal_year, code, float(per_usd), actor, utcnow()))
        store.audit(actor, "rate.set", "exchange_rates", None,
                    {"fiscal_year": fiscal_year, "currency": code, "before": old[0] if old else None,
                     "after": float(per_usd)})
    return old[0] if old else None


def rates(store: Store, fiscal_year: int | None = None) -> dict[tuple[int, str], float]:
    """{(fiscal year, currency): units per US dollar}, for one fiscal year or all of them."""
    if fiscal_year is None:
        rows = store.execute("SELECT fiscal_year, currency, per_usd FROM exchange_rates ORDER BY 1, 2").fetchall()
    else:
        rows = store.execute("SELECT fiscal_year, currency, per_usd FROM exchange_rates WHERE fiscal_year = ? "
                             "ORDER BY 2", (fiscal_year,)).fetchall()
    return {(r[0], r[1]): float(r[2]) for r in rows}


@dataclass
class Converted:
    """Amounts per currency, and their US-dollar total when every amount had a rate."""
    per_currency: dict[str, float]
    usd: float | None = None
    used: dict[tuple[int, str], float] = field(default_factory=dict)
    missing: list[tuple[int, str]] = field(default_factory=list)

    def rates_text(self) -> str:
        """“FY2027: 1 USD = 4,100 KHR, 35 THB”."""
        by_fy: dict[int, list[str]] = {}
        for (fy, cur), r in sorted(self.used.items()):
            by_fy.setdefault(fy, []).append(f"{money.format_amount(r)} {cur}")
        return "; ".join(f"FY{fy}: 1 USD = {', '.join(v)}" for fy, v in by_fy.items())

    def missing_text(self) -> str:
        return ", ".join(f"{cur} (FY{fy})" for fy, cur in self.missing)

    def describe(self) -> str:
        """`2,000,000 KHR + 300 USD ≈ 788 USD at FY2027 rates (1 USD = 4,100 KHR)`, or why no total."""
        text = money.format_totals(self.per_currency)
        if set(self.per_currency) <= {BASE}:
            return text
        if self.usd is not None:
            return f"{text} ≈ {self.usd:,.0f} USD ({self.rates_text()})"
        if self.missing:
            return f"{text} (no converted total: no rate for {self.missing_text()})"
        return text


def convert(store: Store, amounts, all_rates: dict[tuple[int, str], float] | None = None) -> Converted:
    """`amounts`: (recorded_on, currency, quantity) rows. Each amount is converted with the rate of the fiscal
    year it was recorded in; with any rate missing (or an amount without currency) there is no total."""
    table = rates(store) if all_rates is None else all_rates
    per: dict[str, float] = {}
    out = Converted(per)
    usd = 0.0
    for day, cur, q in amounts:
        cur = (cur or "").upper() or "?"
        per[cur] = per.get(cur, 0.0) + float(q or 0)
        if cur == BASE:
            usd += float(q or 0)
            continue
        fy = fiscal_year_of(day)
        rate = table.get((fy, cur))
        if rate is None:
            if (fy, cur) not in out.missing:
                out.missing.append((fy, cur))
            continue
        out.used[(fy, cur)] = rate
        usd += float(q or 0) / rate
    out.per_currency = dict(sorted(per.items()))
    out.usd = None if out.missing else usd
    return out
