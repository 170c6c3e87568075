"""Money in the programme currencies: `2,000,000 riel`, `฿15,000`, `USD 5000`, `5000usd` → (amount, ISO code).

Amounts are kept with their currency and never added across currencies (`by_currency`, `format_amount`).
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation

from records.checks import MAX_QUANTITY

# ISO code → the words and signs people type for it (lower case).
CURRENCIES: dict[str, tuple[str, ...]] = {
    "USD": ("usd", "$", "us$", "dollar", "dollars", "us dollar", "us dollars"),
    "THB": ("thb", "฿", "baht", "thai baht"),
    "KHR": ("khr", "៛", "riel", "riels"),
    "BDT": ("bdt", "৳", "taka", "tk"),
    "LAK": ("lak", "₭", "kip", "kips"),
    "NPR": ("npr", "rupee", "rupees", "nepali rupee", "nepali rupees", "rs", "rs."),
    "KGS": ("kgs", "som", "soms", "сом"),
    "KZT": ("kzt", "₸", "tenge"),
    "TJS": ("tjs", "somoni"),
    "UZS": ("uzs", "sum", "so'm"),
    "MMK": ("mmk", "kyat", "kyats"),
    "VND": ("vnd", "₫", "dong"),
    "EUR": ("eur", "€", "euro", "euros"),
    "GBP": ("gbp", "£", "pound", "pounds"),
    "AUD": ("aud", "a$"),
    "JPY": ("jpy", "¥", "yen"),
}
WORDS: dict[str, str] = {w: code for code, words in CURRENCIES.items() for w in words}
EXAMPLES = "5000 USD, $5,000, 2,000,000 riel, ฿15000, 300 EUR"

_NUMBER = r"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
_WORD = r"([^\d\s.,][^\d]*?)"


class MoneyError(ValueError):
    """The text is not an amount with a currency I know; the message says what to write."""


def currency_code(word: str) -> str | None:
    """ISO code for a currency word, sign or code (`riel` → KHR); None when unknown."""
    w = " ".join(word.strip().lower().split())
    if w in WORDS:
        return WORDS[w]
    if w.endswith(".") and w[:-1] in WORDS:
        return WORDS[w[:-1]]
    return None


def parse_number(text: str) -> Decimal | None:
    """`2,000,000` / `2000000` / `12.5` → Decimal; None unless the separators are regular (1,000,000)."""
    t = text.strip()
    if not re.fullmatch(_NUMBER, t):
        return None
    try:
        return Decimal(t.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
        return None


# "2 million riel", "300k USD", "$1.5m": a number's magnitude in words, as people say amounts
_MAGNITUDES = {"k": 1_000, "thousand": 1_000, "m": 1_000_000, "mn": 1_000_000, "million": 1_000_000,
               "millions": 1_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000}
_SAID = re.compile(_NUMBER + r"\s*([A-Za-z]+)\b")


def _spelled_out(t: str) -> str:
    """`2 million riel` → `2000000 riel`; a misspelt magnitude ("2 milion riel") raises MoneyError naming it."""
    m = _SAID.search(t)
    if not m:
        return t
    word = m.group(2).lower()
    if word in _MAGNITUDES:
        number = parse_number(m.group(1))
        if number is None:
            return t
        amount = format(number * _MAGNITUDES[word], "f")
        return t[:m.start()] + amount + " " + t[m.end():].lstrip()
    if len(word) >= 4 and currency_code(word) is None:
        close = difflib.get_close_matches(word, [w for w in _MAGNITUDES if len(w) > 2], n=1, cutoff=0.8)
        if close:
            raise MoneyError(f"“{m.group(2)}”: did you mean {close[0]}? Write e.g. 2 million riel or {EXAMPLES}.")
    return t


def parse_money(text: str) -> tuple[float, str]:
    """(amount, ISO code) from `2,000,000 riel`, `2 million riel`, `KHR 2000000`, `$5,000`, `5000usd`, `300k USD`.
    Raises MoneyError."""
    typed = " ".join(text.strip().split())
    t = _spelled_out(typed).strip()
    m = (re.fullmatch(_NUMBER + r"\s*" + _WORD, t) or re.fullmatch(_WORD + r"\s*" + _NUMBER, t))
    if not m:
        if parse_number(t) is not None:
            raise MoneyError(f"“{typed}” has no currency. Write e.g. {EXAMPLES}.")
        raise MoneyError(f"I couldn't read “{typed}” as an amount of money. Write e.g. {EXAMPLES}.")
    a, b = m.group(1), m.group(2)
    number, word = (a, b) if a[0].isdigit() else (b, a)
    code = currency_code(word)
    if code is None and re.fullmatch(r"[A-Za-z]{3}", word.strip()):
        code = word.strip().upper()  # another ISO code: kept as typed
    if code is None:
        raise MoneyError(f"I don't know the currency “{word.strip()}”. Use a 3-letter code (USD, THB, KHR, BDT, "
                         "LAK, NPR, KGS, EUR…) or a name such as baht, riel, taka, kip, rupees, som.")
    amount = parse_number(number)
    if amount is None:
        raise MoneyError(f"I couldn't read “{number}” as a number; write 2000000 or 2,000,000.")
    if not 0 <= amount <= MAX_QUANTITY:
        raise MoneyError(f"{number} {code} is more than I record ({MAX_QUANTITY:,}); check the amount.")
    return float(amount), code


def format_amount(quantity: float, currency: str | None = None) -> str:
    """`2000000.0, KHR` → `2,000,000 KHR` (what `parse_money` reads back)."""
    text = f"{quantity:,.2f}".rstrip("0").rstrip(".")
    return f"{text} {currency}" if currency else text


def by_currency(rows) -> dict[str, float]:
    """Sum (quantity, currency) pairs per currency; never across currencies."""
    out: dict[str, float] = {}
    for quantity, currency in rows:
        key = currency or "?"
        out[key] = out.get(key, 0.0) + float(quantity or 0)
    return dict(sorted(out.items()))


def format_totals(totals: dict[str, float]) -> str:
    """`{"KHR": 2e6, "USD": 300}` → `2,000,000 KHR + 300 USD`."""
    return " + ".join(format_amount(v, k) for k, v in totals.items()) or "0"
