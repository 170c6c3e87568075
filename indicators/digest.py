"""The weekly digest: what happened in the last seven days, indicator progress for the fiscal year to date,
stalled partnerships, next steps due in the coming week, and a chart.

Confidential (NDA) partners are never named in a digest, whatever the channel: a digest goes to many
readers and is kept in the channel's history. They appear only as counts ("2 confidential partnerships had
activity"); their details stay in `partner NAME` cards asked for in private.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from bot.reply import Fact, Reply, Table
from indicators.chart import Progress, StageCount, fy_elapsed, save_chart, week_range
from indicators.periods import Period, fiscal_year_of, fmt_day, fy_bounds
from indicators.report import bar, fmt_value, indicator_rows
from indicators.subscriptions import Subscription
from markup.dialect import escape, plural
from records import interactions, pipeline, privacy, stages

WINDOW = timedelta(days=7)
LOOKAHEAD_DAYS = 7
MAX_ITEMS = 12
SUMMARY_CHARS = 120


@dataclass(frozen=True)
class _Item:
    partner_id: int
    confidential: bool
    text: str


def _clip(text: str, n: int = SUMMARY_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _country_sql(country: str | None) -> tuple[str, list]:
    return (" AND lower(p.country) = lower(?)", [country]) if country else ("", [])


def _new_interactions(store, since: datetime, first_day: date, country: str | None) -> tuple[list[_Item], list[_Item]]:
    """(contacts that happened in the window, by their own date; contacts typed in the window for earlier dates)."""
    where, args = _country_sql(country)
    rows = store.execute(
        "SELECT p.id, p.name, p.confidential, i.occurred_on, i.kind, i.summary, i.action_level FROM interactions i "
        f"JOIN partners p ON p.id = i.partner_id WHERE (i.occurred_on >= ? OR i.created_at >= ?){where} "
        "ORDER BY i.occurred_on, i.id",
        [first_day.isoformat(), since.astimezone(timezone.utc).isoformat(timespec="seconds"), *args]).fetchall()
    in_window, late = [], []
    for pid, name, conf, day, kind, summary, level in rows:
        occurred = date.fromisoformat(day[:10])
        lvl = f" · {level} action" if level else ""
        shown = escape(_clip(privacy.masked(summary)))  # a log typed before the guard learnt a detail stays hidden
        item = _Item(pid, bool(conf), f"{escape(name)} — {kind} on {fmt_day(occurred)}{lvl}: {shown}")
        (in_window if occurred >= first_day else late).append(item)
    return in_window, late


def _stage_moves(store, first_day: date, country: str | None) -> tuple[list[_Item], list[_Item]]:
    """(real stage changes dated in the window, partners added in the window); adding a partner is not a move."""
    where, args = _country_sql(country)
    rows = store.execute(
        "SELECT p.id, p.name, p.confidential, h.from_stage, h.to_stage, h.moved_on FROM stage_history h "
        f"JOIN partners p ON p.id = h.partner_id WHERE h.moved_on >= ?{where} ORDER BY h.moved_on, h.id",
        [first_day.isoformat(), *args]).fetchall()
    moves, added = [], []
    for pid, name, conf, src, dst, day in rows:
        when = fmt_day(date.fromisoformat(day[:10]))
        if src:
            moves.append(_Item(pid, bool(conf), f"{escape(name)} moved {stages.label(src)} → {stages.label(dst)} ({when})"))
        else:
            added.append(_Item(pid, bool(conf), f"{escape(name)} added at {stages.label(dst)} ({when})"))
    return moves, added


def _bullets(items: list[_Item], one: str, many: str) -> list[str]:
    """Named lines for open partners; one count line for confidential ones (distinct partners).
    Item text is already in the markup dialect (user parts escaped)."""
    named = [i for i in items if not i.confidential]
    hidden = {i.partner_id for i in items if i.confidential}
    lines = [f"- {i.text}" for i in named[:MAX_ITEMS]]
    if len(named) > MAX_ITEMS:
        lines.append(f"- …and {len(named) - MAX_ITEMS} more")
    if hidden:
        lines.append(f"- {plural(len(hidden), 'confidential partnership')} {one if len(hidden) == 1 else many}.")
    return lines


def compose_digest(store, charts_dir: Path, now: datetime, country: str | None = None, tz: str = "UTC",
                   heading: str = "Weekly PSE digest") -> Reply:
    """Compose the digest as of `now` (aware) for one country project (or all), dates in time zone `tz`."""
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    today = local.date()
    since = now - WINDOW
    fy = fiscal_year_of(today)
    year, week, _ = local.isocalendar()
    week_label = f"{year}-W{week:02d}"
    scope = country or "all country projects"

    first_day = since.astimezone(zone).date()
    window = week_range(today - timedelta(days=6), today)
    logged, late = _new_interactions(store, since, first_day, country)
    moves, added = _stage_moves(store, first_day, country)
    entries = [e for e in pipeline.pipeline(store, today)
               if not country or e.partner.country.casefold() == country.casefold()]

    lines = [f"**{escape(heading)}** · {escape(scope)} · week of {window}", ""]
    lines.append(f"**This week** (by the date things happened): {plural(len(logged), 'interaction')}, "
                 f"{plural(len(moves), 'stage move')}, {plural(len(added), 'new partner')}.")
    lines += _bullets(logged + moves + added, "had activity", "had activity") if (logged or moves or added) else \
        ["- Nothing happened in the last seven days, as far as the logs say."]
    if late:
        lines += ["", f"**Also logged this week for earlier dates** ({len(late)})"]
        lines += _bullets(late, "had activity", "had activity")

    # Indicators, fiscal year to date.
    ytd = Period(fy_bounds(fy)[0], today, f"FY{fy} to date")
    rows = indicator_rows(store, ytd, country)
    table = []
    for r in rows:
        if r.indicator.measure == "median_stage_days":
            continue
        value = fmt_value(r.indicator, r.actual.value)
        target = fmt_value(r.indicator, r.target) if r.target is not None else ""
        table.append((r.indicator.label, value + (f" / {target}" if target else ""), bar(r.progress)))
    indicators = Table(("Indicator", "Actual / target", "Progress"), tuple(table),
                       title=f"Indicators, FY{fy} to date (actual / yearly target)", align=("left", "right", "left"))

    stalled = [e for e in entries if e.stalled]
    lines += ["", f"**Stalled partnerships** ({len(stalled)})"]
    lines += _bullets([_Item(e.partner.id, e.partner.confidential, f"{escape(e.partner.name)} "
                             f"({escape(e.partner.stage_label)}) — " + escape("; ".join(e.stalled)))
                       for e in stalled], "is stalled", "are stalled") \
        if stalled else ["- None: every active partnership had recent contact and is within its usual time."]

    horizon = today + timedelta(days=LOOKAHEAD_DAYS)
    due, overdue = [], 0
    for e in entries:
        st = stages.get(e.partner.stage, e.partner.stream)
        if st is not None and not st.active:
            continue
        step = interactions.next_step(store, e.partner.id)
        if not step or not step.get("next_due"):
            continue
        when = date.fromisoformat(step["next_due"][:10])
        if when < today:
            overdue += 1
        elif when <= horizon:
            due.append((when, _Item(e.partner.id, e.partner.confidential,
                                    f"{escape(e.partner.name)} — {escape(_clip(step['next_step'], 100))} "
                                    f"(due {fmt_day(when)})")))
    due.sort(key=lambda x: x[0])
    lines += ["", f"**Next steps due by {fmt_day(horizon)}** ({len(due)})"]
    lines += _bullets([i for _, i in due], "has a next step due", "have a next step due") if due else \
        ["- None due in the coming week."]
    if overdue:
        lines.append(f"- {plural(overdue, 'partnership')} {'has' if overdue == 1 else 'have'} an overdue next step "
                     "(see `pipeline`).")

    # Chart: pipeline by stage, indicators against target.
    counts: dict[tuple[str, str], int] = {}
    for e in entries:
        counts[(e.partner.stream, e.partner.stage)] = counts.get((e.partner.stream, e.partner.stage), 0) + 1
    bars = []
    for stream, stream_stages in stages.PIPELINES.items():
        short = stages.STREAM_LABELS.get(stream, stream).split(" /")[0]
        for st in stream_stages:
            n = counts.get((stream, st.key), 0)
            if st.key == "closed" or (not st.active and n == 0):
                continue
            bars.append(StageCount(stream, st.label if st.active else f"{st.label} ({short.lower()})", n))
    progress = [Progress(r.indicator.label, r.targeted if r.targeted is not None else r.actual.value, r.target,
                         cumulative=not r.indicator.is_percent) for r in rows
                if r.target is not None and r.actual.value is not None and r.indicator.measure != "median_stage_days"]
    title = f"PSE digest · {scope} · Week of {window}"
    image = save_chart(Path(charts_dir), bars, progress, title, elapsed=fy_elapsed(today),
                       subtitle=f"Indicators: fiscal year {fy} to date, against the yearly target")

    facts = [
        Fact("Interactions this week", str(len(logged))),
        Fact("Stage moves this week", str(len(moves))),
        Fact("Stalled partnerships", str(len(stalled))),
        Fact("Next steps due in 7 days", str(len(due))),
    ]
    for r in rows:
        if r.indicator.mandated and r.target is not None:
            facts.append(Fact(f"{r.indicator.label} (FY{fy})",
                              f"{fmt_value(r.indicator, r.actual.value)} of {fmt_value(r.indicator, r.target)}"))
    return Reply(text="\n".join(lines), tables=[indicators], facts=facts, image=image, image_title=title,
                 data={"digest": {"week": week_label, "country": country, "interactions": len(logged),
                                  "stage_moves": len(moves), "stalled": len(stalled), "due": len(due),
                                  "overdue": overdue}})


def composer(store, charts_dir: Path) -> Callable[[Subscription, datetime], Reply]:
    """The compose function the scheduler calls for each due subscription."""
    def compose(sub: Subscription, now: datetime) -> Reply:
        return compose_digest(store, charts_dir, now, country=sub.country, tz=sub.tz)
    return compose


def uncertain_notice(platform: str, week: str) -> Reply:
    """Told to a channel whose digest send was cut off while the platform was being called."""
    command = "/pse digest resend" if platform == "slack" else "digest resend"
    return Reply(text=f"This week's PSE digest ({week}) may not have arrived here: the digest service stopped "
                      f"while posting it, so I did not post it again in case it did. If you don't see it, "
                      f"type `{command}` to get it.")
