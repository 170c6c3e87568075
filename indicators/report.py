"""Indicator reports: actual against target for a period, disaggregated by country project and work stream.

`build_report` computes the numbers; `render_report` turns them into `Table` data (progress bars included),
Reply facts and structured data for adapters, which draw the tables natively.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.reply import Fact, Reply, Table
from indicators.definitions import Indicator, Measurement, load_indicators, measure
from indicators.periods import Period
from indicators.targets import summed_from_countries, target_countries, target_for
from markup.dialect import escape
from records.stages import STREAM_LABELS
from records.stages import label as stage_label
from storage.schema import STREAMS

# The country projects named in the programme; any country used on a partner or a target is known too.
DEFAULT_COUNTRIES = ("Bangladesh", "Cambodia", "Lao PDR", "Nepal", "Thailand", "Regional Asia",
                     "Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan")
BAR_WIDTH = 10


@dataclass
class Row:
    indicator: Indicator
    actual: Measurement            # in the period
    to_date: Measurement | None    # fiscal year start → period end, when the period is part of one fiscal year
    target: float | None           # the fiscal year's target
    # Programme-wide, when the target is the sum of country targets: the basis counting only the countries that
    # have a target, and the results of countries without one (shown apart, never set against others' targets).
    targeted: float | None = None
    untargeted: dict[str, float] = field(default_factory=dict)

    @property
    def basis(self) -> Measurement:
        """The value compared with the yearly target."""
        return self.to_date if self.to_date is not None else self.actual

    @property
    def progress(self) -> float | None:
        value = self.targeted if self.targeted is not None else self.basis.value
        if self.target is None or value is None:
            return None
        if self.target == 0:
            return 1.0 if value >= 0 else None
        return value / self.target


@dataclass
class Slice:
    name: str                       # column heading (country project or stream label)
    cells: dict[str, tuple[Measurement, float | None]] = field(default_factory=dict)  # id → (actual, target)


@dataclass
class Report:
    period: Period
    country: str | None
    rows: list[Row]
    by_country: list[Slice]
    by_stream: list[Slice]

    @property
    def fiscal_year(self) -> int | None:
        return self.period.fiscal_year


def known_countries(store) -> list[str]:
    """Country projects: the programme's, plus any used on a partner or a target (first spelling wins)."""
    seen: dict[str, str] = {}
    used = [r[0] for r in store.execute("SELECT DISTINCT country FROM partners WHERE country != ''")]
    for c in (*DEFAULT_COUNTRIES, *used, *target_countries(store)):
        seen.setdefault(c.casefold(), c)
    return sorted(seen.values(), key=str.casefold)


def active_countries(store, fiscal_year: int | None) -> list[str]:
    """Countries worth a column: those with partners, or with targets for the year."""
    rows = store.execute("SELECT DISTINCT country FROM partners WHERE country != ''").fetchall()
    names = {r[0].casefold(): r[0] for r in rows}
    if fiscal_year is not None:
        for (c,) in store.execute(
                "SELECT DISTINCT country FROM targets WHERE country != '' AND fiscal_year = ?", (fiscal_year,)):
            names.setdefault(c.casefold(), c)
    return sorted(names.values(), key=str.casefold)


def indicator_rows(store, period: Period, country: str | None = None,
                   indicators: tuple[Indicator, ...] | None = None) -> list[Row]:
    """Each indicator's value in the period, fiscal year to date (for part of a year) and the yearly target."""
    indicators = indicators or load_indicators()
    fy = period.fiscal_year
    partial = fy is not None and not period.is_full_fiscal_year
    ytd = period.fiscal_year_to_date() if partial else None
    rows = []
    for ind in indicators:
        actual = measure(store, ind, period, country)
        to_date = measure(store, ind, ytd, country) if ytd is not None else None
        target = target_for(store, ind, fy, country) if fy is not None else None
        row = Row(ind, actual, to_date, target)
        summed = summed_from_countries(store, ind, fy) if fy is not None and not country and target else []
        if summed:
            basis_period = ytd if ytd is not None else period
            targeted = {c.casefold() for c in summed}
            row.targeted = 0.0
            for c in known_countries(store):
                value = measure(store, ind, basis_period, c).value or 0.0
                if c.casefold() in targeted:
                    row.targeted += value
                elif value:
                    row.untargeted[c] = value
        rows.append(row)
    return rows


def build_report(store, period: Period, country: str | None = None,
                 indicators: tuple[Indicator, ...] | None = None) -> Report:
    indicators = indicators or load_indicators()
    fy = period.fiscal_year
    rows = indicator_rows(store, period, country, indicators)

    sliced = [i for i in indicators if i.measure != "median_stage_days"]
    by_country: list[Slice] = []
    if not country:
        for c in active_countries(store, fy):
            s = Slice(c)
            for ind in sliced:
                s.cells[ind.id] = (measure(store, ind, period, c), target_for(store, ind, fy, c) if fy else None)
            by_country.append(s)
    by_stream: list[Slice] = []
    for stream in STREAMS:
        s = Slice(STREAM_LABELS.get(stream, stream).split(" /")[0])
        for ind in sliced:
            s.cells[ind.id] = (measure(store, ind, period, country, stream), None)
        by_stream.append(s)
    return Report(period, country, rows, by_country, by_stream)


# --- rendering ---------------------------------------------------------------------------------------------

def fmt_value(ind: Indicator, value: float | None) -> str:
    if value is None:
        return "–"
    if ind.is_percent:
        return f"{value:.0f}%"
    if ind.unit == "days":
        return f"{value:.0f} d"
    if ind.is_money:
        return f"{value:,.0f}"
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def bar(fraction: float | None, width: int = BAR_WIDTH) -> str:
    if fraction is None:
        return ""
    filled = max(0, min(width, round(fraction * width)))
    return "[" + "#" * filled + "-" * (width - filled) + "]" + ("+" if fraction > 1 else " ") + f"{fraction * 100:4.0f}%"


def _others(m: Measurement) -> str:
    other = m.extra.get("other_currencies") or {}
    return "; ".join(f"{cur} {amt:,.0f}" for cur, amt in other.items())


def _right(header: list[str]) -> tuple[str, ...]:
    return ("left",) + ("right",) * (len(header) - 1)


def main_table(report: Report, note: str = "") -> Table:
    partial = report.rows and report.rows[0].to_date is not None
    fy = report.fiscal_year
    header = ["Indicator", "Period"] + (["FY to date"] if partial else []) + \
             ([f"FY{fy} target", "Progress"] if fy is not None else [])
    body = []
    for r in report.rows:
        ind = r.indicator
        cells = [ind.label + (" *" if ind.mandated else ""), fmt_value(ind, r.actual.value)]
        if partial:
            cells.append(fmt_value(ind, r.to_date.value if r.to_date else None))
        if fy is not None:
            cells.append(fmt_value(ind, r.target) if ind.has_target else "no target")
            cells.append(bar(r.progress))
        body.append(cells)
    return Table(tuple(header), tuple(map(tuple, body)), note=note, align=_right(header)[:-1] + (
        ("left",) if fy is not None else ("right",)))


def slice_table(slices: list[Slice], indicators: list[Indicator], with_targets: bool, title: str = "") -> Table:
    header = ["Indicator"] + [s.name[:20] for s in slices]
    body = []
    for ind in indicators:
        row = [ind.label]
        for s in slices:
            m, t = s.cells[ind.id]
            text = fmt_value(ind, m.value)
            if with_targets and t is not None:
                text += "/" + fmt_value(ind, t)
            row.append(text)
        body.append(row)
    return Table(tuple(header), tuple(map(tuple, body)), title=title, align=_right(header))


def stage_table(report: Report) -> Table | None:
    row = next((r for r in report.rows if r.indicator.measure == "median_stage_days"), None)
    stages = (row.actual.extra.get("stages") if row else None) or {}
    if not stages:
        return None
    body = [(stage_label(stage), str(v["stays"]), f"{v['median']:.0f}") for stage, v in stages.items()]
    return Table(("Stage", "Stays", "Median days"), tuple(body), title=STAGE_TITLE, align=("left", "right", "right"))


STAGE_TITLE = "Median days in stage (stays that ended in the period)"


def render_report(report: Report, details: bool = True) -> Reply:
    """The report: the headline table and the country split; with `details`, the work-stream split and the median
    time in each stage too (in chat they come on demand: `report … details`)."""
    where = report.country or "all country projects"
    head = f"**Indicator report** · {escape(report.period.describe())} · {escape(where)}"
    notes = ["* mandated indicator."]
    if report.fiscal_year is None:
        notes.append("This period spans more than one fiscal year, so no targets are compared; "
                     "ask for a quarter or a fiscal year to see progress.")
    elif report.rows and report.rows[0].to_date is not None:
        notes.append(f"Progress compares FY{report.fiscal_year} to date (up to {report.period.end:%d %b %Y}) "
                     "with the yearly target.")
    money = [f"{r.indicator.label.split(' (')[0]}, all currencies: {r.actual.extra['all_currencies']}"
             for r in report.rows if _others(r.actual)]
    notes.extend(money)
    if any(r.actual.extra.get("rates_missing") for r in report.rows if r.indicator.is_money):
        notes.append("Until every currency has a rate, the money rows count only amounts recorded in US dollars. "
                     "A converted total needs a rate for each currency: an admin sets one with "
                     "`rate set FY2027 KHR 4100` (units per US dollar).")
    for r in report.rows:
        if r.untargeted:
            apart = "; ".join(f"{c} {fmt_value(r.indicator, v)}" for c, v in sorted(r.untargeted.items()))
            notes.append(f"{r.indicator.label}: the programme-wide share counts only the country projects that have "
                         f"a target ({fmt_value(r.indicator, r.targeted)} against {fmt_value(r.indicator, r.target)}); "
                         f"results without a target, listed apart: {apart}.")
    tables = [main_table(report, note=notes[0])]
    sliced = [r.indicator for r in report.rows if r.indicator.measure != "median_stage_days"]
    if report.by_country:
        tables.append(slice_table(report.by_country, sliced, with_targets=report.fiscal_year is not None,
                                  title="By country project (period actual / FY target)"))
    if report.by_stream and details:
        tables.append(slice_table(report.by_stream, sliced, False, title="By work stream (period actual)"))
    stage = stage_table(report) if details else None
    text = head + "".join("\n\n" + escape(n) for n in notes[1:2]) + "".join("\n" + escape(n) for n in notes[2:])
    if not details:
        text += "\nAdd `details` for the work-stream split and time in each stage."
    elif stage is None:
        text += f"\n\n**{STAGE_TITLE}**: no partner finished a stage in this period."
    else:
        tables.append(stage)

    facts = []
    for r in report.rows:  # the headline: mandated indicators and those with a target
        ind = r.indicator
        if not (ind.mandated or r.target is not None):
            continue
        value = fmt_value(ind, r.actual.value)
        if r.target is not None and r.progress is not None:
            basis = "FY to date " + fmt_value(ind, r.basis.value) + " · " if r.to_date is not None else ""
            value += f" ({basis}target {fmt_value(ind, r.target)}, {r.progress * 100:.0f}%)"
        facts.append(Fact(ind.label, value))
    return Reply(text=text, tables=tables, facts=facts, data={"report": report_data(report)})


def report_data(report: Report) -> dict[str, Any]:
    def m(x: Measurement | None) -> Any:
        return None if x is None else {"value": x.value, **x.extra}
    return {
        "period": {"label": report.period.label, "start": report.period.start.isoformat(),
                   "end": report.period.end.isoformat(), "fiscal_year": report.fiscal_year},
        "country": report.country,
        "indicators": [{"id": r.indicator.id, "label": r.indicator.label, "unit": r.indicator.unit,
                        "mandated": r.indicator.mandated, "actual": m(r.actual), "to_date": m(r.to_date),
                        "target": r.target, "progress": r.progress} for r in report.rows],
        "by_country": {s.name: {k: {"actual": v[0].value, "target": v[1]} for k, v in s.cells.items()}
                       for s in report.by_country},
        "by_stream": {s.name: {k: v[0].value for k, v in s.cells.items()} for s in report.by_stream},
    }


def match_country(words: list[str], countries: list[str]) -> tuple[str | None, list[str]]:
    """Find a country project's name among the words (longest match first); returns it and the other words."""
    lowered = [w.casefold().strip(",") for w in words]
    for c in sorted(countries, key=lambda c: -len(c.split())):
        parts = c.casefold().split()
        n = len(parts)
        for i in range(len(lowered) - n + 1):
            if lowered[i:i + n] == parts:
                return c, words[:i] + words[i + n:]
    return None, words


def near_country(text: str, countries: list[str]) -> str | None:
    """The country project `text` is a slip for ("Thialand" → Thailand), in its own spelling; None if none is close."""
    by_fold = {c.casefold(): c for c in countries}
    close = difflib.get_close_matches(" ".join(text.split()).casefold(), list(by_fold), n=1, cutoff=0.8)
    return by_fold[close[0]] if close else None


def today_utc() -> date:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).date()
