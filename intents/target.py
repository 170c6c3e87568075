"""`target INDICATOR VALUE [COUNTRY] [FY]` sets a yearly target; `target list [FY] [COUNTRY]` shows them."""

from __future__ import annotations

import re

from records import access
from indicators.definitions import IndicatorError, find_indicator, load_indicators
from bot.message import Message
from indicators.periods import fiscal_year_of
from bot.reply import Fact, Reply
from intents.contract import Intent
from indicators.report import fmt_value, known_countries, match_country, near_country
from indicators.targets import ALL, TargetError, list_targets, set_target
from intents.report import local_today

NAME = "target"
SUMMARY = "set a yearly indicator target for a country project (leads), or `target list`"
USAGE = "target INDICATOR VALUE [COUNTRY] [FY] | target list [FY] [COUNTRY]"

_FY = re.compile(r"^fy[-_ ]?(\d{2}|\d{4})$", re.I)


def required_role(message: Message) -> str:
    first = message.text.split(maxsplit=1)[0].lower() if message.text.strip() else "list"
    return "staff" if first in ("list", "show", "ls") else "lead"


def _fy(word: str) -> int | None:
    m = _FY.match(word.strip(","))
    if not m:
        return None
    digits = m.group(1)
    return 2000 + int(digits) if len(digits) == 2 else int(digits)


def _value(word: str) -> float | None:
    w = word.strip().replace(",", "").lstrip("$").rstrip("%")
    try:
        v = float(w)
    except ValueError:
        return None
    return v


def handle(message: Message, services) -> Reply:
    words = message.text.split()
    if not words or words[0].lower() in ("list", "show", "ls"):
        return _list(message, services, words[1:])
    return _set(message, services, words)


def _split_fy_country(message: Message, services, words: list[str]) -> tuple[int | None, str | None, list[str]]:
    fy = None
    rest = []
    for w in words:
        f = _fy(w)
        if f is not None and fy is None:
            fy = f
        else:
            rest.append(w)
    country, rest = match_country(rest, known_countries(services.store))
    return fy, country, rest


def _list(message: Message, services, words: list[str]) -> Reply:
    fy, country, rest = _split_fy_country(message, services, words)
    if rest:
        return Reply.problem(f"I couldn't read '{' '.join(rest)}'. Usage: `target list [FY2027] [COUNTRY]`.")
    fy = fy or fiscal_year_of(local_today(message))
    targets = list_targets(services.store, fy, country)
    where = country or "all country projects"
    if not targets:
        return Reply(text=f"No targets are set for FY{fy} ({where}). A lead sets one with e.g. "
                          f"`target partnerships 10 Thailand FY{fy}`.", private=True)
    by_id = {i.id: i for i in load_indicators()}
    facts = [Fact(f"{by_id[t.indicator].label if t.indicator in by_id else t.indicator} · {t.country or 'programme'}",
                  f"{fmt_value(by_id[t.indicator], t.value) if t.indicator in by_id else t.value} "
                  f"(set by {t.set_by or '?'} on {t.set_at[:10]})") for t in targets]
    return Reply(text=f"Targets for FY{fy} ({where}):", facts=facts, private=True)


def _set(message: Message, services, words: list[str]) -> Reply:
    usage = "e.g. `target partnerships 10 Thailand FY2027` or `target cash 50000 Nepal`"
    if len(words) < 2:
        return Reply.problem(f"Give an indicator and a value, {usage}. `report how` lists the indicators.")
    try:
        ind = find_indicator(words[0])
    except IndicatorError as err:
        return Reply.problem(f"{err} Usage: {usage}.")
    value = _value(words[1])
    if value is None:
        return Reply.problem(f"'{words[1]}' is not a number. Usage: {usage}.")
    fy, country, rest = _split_fy_country(message, services, words[2:])
    meant = near_country(" ".join(rest), known_countries(services.store)) if rest else None
    if meant:  # `target partnerships 10 Thialand`
        return Reply.problem(f"I don't know the country project '{' '.join(rest)}'; did you mean {meant}? Nothing "
                             "changed.")
    if rest:
        return Reply.problem(f"I don't know the country project or year '{' '.join(rest)}'. Known country projects: "
                             f"{', '.join(known_countries(services.store))}; years look like FY2027. Usage: {usage}.")
    fy = fy or fiscal_year_of(local_today(message))
    user = access.user_of(message) if message.role else access.current_user(services.store, message)
    if country is None:
        if user.role == "admin":
            country = ALL
        elif len(user.countries) == 1:
            country = user.countries[0]
        else:
            return Reply.problem(f"Which country project is this target for? Add it, e.g. "
                                 f"`target {ind.id} {words[1]} {(user.countries or ('Thailand',))[0]} FY{fy}`.")
    elif not user.in_country(country):
        return Reply.problem(f"You can set targets only for your own country projects "
                             f"({', '.join(user.countries) or 'none yet'}); ask an admin or {country}'s lead.")
    try:
        _, old = set_target(services.store, ind, value, fy, country, actor=f"{message.platform}:{message.user_id}")
    except TargetError as err:
        return Reply.problem(f"{err} Nothing was changed.")
    where = country or "the whole programme"
    was = f" (was {fmt_value(ind, old)})" if old is not None else ""
    unit = "" if ind.is_percent else f" {ind.unit}"
    return Reply(text=f"Target set: {ind.label} = {fmt_value(ind, value)}{unit} for {where}, FY{fy}{was}.")


EXAMPLES = (
    "target partnerships 10 Thailand FY2027",
    "target list",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I set a yearly indicator target for my country project?",
    "where can I see the targets set for this fiscal year?",
    "how do I change our target for partnerships developed?",
    "how do I enter a target for survivors placed or trained?",
    "how do leads put in yearly targets?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
