"""`rate set FY2027 KHR 4100` (admins): 4,100 riel to the US dollar in FY2027; `rate list [FY]` shows the rates.

Reports and exports show money per currency, and a converted US-dollar total only with these rates (saying which
ones it used); without a rate for a currency, no total is made.
"""

from __future__ import annotations

from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from intents.report import local_today
from records import money, rates
from records.checks import RegistryError

NAME = "rate"
SUMMARY = "exchange rates per fiscal year for converted money totals (`rate list`; admins: `rate set FY KHR 4100`)"
USAGE = "rate list [FY] | rate set FY CURRENCY UNITS_PER_USD"
EXAMPLE = "rate set FY2027 KHR 4100"


def required_role(message: Message) -> str:
    first = message.text.split(maxsplit=1)[0].lower() if message.text.strip() else "list"
    return "admin" if first in ("set", "add") else "staff"


def handle(message: Message, services) -> Reply:
    words = message.text.replace("=", " ").split()
    if not words or words[0].lower() in ("list", "show", "ls"):
        return _list(message, services, words[1:])
    if words[0].lower() in ("set", "add"):
        return _set(message, services, words[1:])
    return Reply.problem(f"Usage: `{USAGE}`, e.g. `{EXAMPLE}` (4,100 riel to one US dollar).")


def _set(message: Message, services, words: list[str]) -> Reply:
    words = [w for w in words if w.lower() not in ("per", "usd", "to", "the", "dollar", "=")] \
        if len(words) > 3 else words
    if len(words) != 3:
        return Reply.problem(f"Write `{EXAMPLE}`: the fiscal year, the currency, and how many units of it one US "
                             "dollar buys. Nothing changed.")
    try:
        fy = rates.parse_fiscal_year(words[0])
        value = money.parse_number(words[2])
        if value is None:
            raise RegistryError(f"“{words[2]}” is not a number; write e.g. 4100 or 4,100.", "rate")
        old = rates.set_rate(services.store, fy, words[1], float(value), actor=f"{message.platform}:{message.user_id}")
    except RegistryError as e:
        return Reply.problem(f"{e} Nothing changed.")
    code = money.currency_code(words[1]) or words[1].upper()
    was = f" (was {money.format_amount(old)})" if old is not None else ""
    return Reply(text=f"FY{fy}: 1 USD = {money.format_amount(float(value))} {code}{was}. Reports and exports use it "
                      f"for {code} amounts recorded in FY{fy}.", private=True)


def _list(message: Message, services, words: list[str]) -> Reply:
    fy = None
    if words:
        try:
            fy = rates.parse_fiscal_year(words[0])
        except RegistryError as e:
            return Reply.problem(str(e))
    table = rates.rates(services.store, fy)
    if not table:
        where = f" for FY{fy}" if fy else ""
        return Reply(text=f"No exchange rates are set{where}, so money is shown per currency only. An admin can set "
                          f"one: `{EXAMPLE}`.", private=True)
    by_fy: dict[int, list[str]] = {}
    for (year, cur), r in table.items():
        by_fy.setdefault(year, []).append(f"{money.format_amount(r)} {cur}")
    current = rates.fiscal_year_of(local_today(message))
    return Reply(text="Exchange rates (units per US dollar):", private=True,
                 facts=[Fact(f"FY{y}" + (" (this year)" if y == current else ""), ", ".join(v))
                        for y, v in sorted(by_fy.items())])


EXAMPLES = (
    "rate list",
    "rate set FY2027 KHR 4100",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I set the exchange rate for a currency?",
    "which exchange rates do you use to convert amounts into US dollars?",
    "how do riel or baht amounts get converted to dollars in the report?",
    "how do I tell the bot this year's exchange rate for baht or riel?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=required_role, examples=EXAMPLES,
                asks=ASKS)
