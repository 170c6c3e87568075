"""`report [PERIOD] [COUNTRY]`: indicator progress, actual against target, by country project and work stream."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from indicators.definitions import load_indicators
from bot.message import Message
from indicators.periods import EXAMPLES as PERIOD_EXAMPLES, PeriodError, looks_like_period_word, parse_period
from bot.reply import Reply
from intents.contract import Intent
from indicators.report import build_report, known_countries, match_country, near_country, render_report
from intents import partner_replies as pr
from records import access

NAME = "report"
SUMMARY = "indicator progress against targets, by country project and work stream (`report how` for definitions)"
USAGE = "report [PERIOD] [COUNTRY] [details]"
ACCESS = "staff"


def local_today(message: Message) -> date:
    try:
        tz = ZoneInfo(message.timezone) if message.timezone else None
    except (KeyError, ValueError):
        tz = None
    return message.received_at.astimezone(tz).date() if tz else message.received_at.date()


def handle(message: Message, services) -> Reply:
    words = message.text.split()
    if words and words[0].lower() in ("how", "definitions", "indicators"):
        return definitions()
    store = services.store
    countries = known_countries(store)
    details = any(w.lower() in ("details", "detail", "full") for w in words)
    words = [w for w in words if w.lower() not in ("details", "detail", "full")]
    country, rest = match_country(words, countries)
    if rest and rest[-1].lower() in ("all", "everywhere") and country is None and len(rest) > 1:
        rest = rest[:-1]
    try:
        period = parse_period(" ".join(rest), local_today(message))
    except PeriodError as err:
        unknown = [w for w in rest if not looks_like_period_word(w)]
        if country is None and unknown and len(unknown) == len(rest) and len(rest) <= 3:
            meant = near_country(" ".join(rest), countries)
            if meant:
                return Reply.problem(f"I don't know the country project '{' '.join(rest)}'; did you mean {meant}? "
                                     f"Try `report {meant}`.")
            return Reply.problem(
                f"I don't know the country project '{' '.join(rest)}'. Known: {', '.join(countries)}. "
                f"For a period, try e.g. `report last quarter Thailand`.")
        meant = near_country(rest[-1], countries) if country is None and rest else None
        if meant:  # "report this quarter Thialand": the period is fine, the country misspelt
            return Reply.problem(f"I don't know the country project '{rest[-1]}'; did you mean {meant}? Try "
                                 f"`report {' '.join(rest[:-1])} {meant}`.")
        return Reply.problem(f"{err} Usage: `{USAGE}`, e.g. `report FY2027 Q1 Nepal`.")
    country, refusal = access.country_scope(pr.viewer(message, store), country, "report", "report")
    if refusal:
        return Reply.problem(refusal)
    return render_report(build_report(store, period, country), details=details)


def definitions() -> Reply:
    lines = ["**How each indicator is counted** (`*` = mandated by the donor)"]
    for ind in load_indicators():
        target = "target per country project and year" if ind.has_target else "no target"
        lines.append(f"• *{ind.label}*{' *' if ind.mandated else ''} (`{ind.word}`, {ind.unit}; {target}): {ind.how}")
    lines.append("Periods: " + ", ".join(PERIOD_EXAMPLES) + "; fiscal years run October–September.")
    return Reply(text="\n".join(lines), private=True)


EXAMPLES = (
    ("report this quarter", "indicator progress against targets this quarter"),
    ("report last quarter Thailand details",
     "last quarter's figures for one country project, with the logs behind them"),
    ("report how", "how each indicator is counted"),
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I see indicator progress against our targets?",
    "how do I get the indicator report for my country for this quarter?",
    "how are the indicators counted in the report?",
    "where can I see our figures for partnerships developed and private-sector actions?",
    "where do I see how each indicator is defined and counted?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
