"""Input rules for partner records: limits, vocabulary labels, and the checks that raise RegistryError.

Functions raise `RegistryError` with a message meant for the user; nothing is written when they do.
"""

from __future__ import annotations

import unicodedata

from records import privacy

MAX_NAME = 120


MAX_SUMMARY = 2000


MAX_NEXT_STEP = 500


MAX_NOTE = 1000


DUPLICATE_WINDOW_S = 60


STALLED_NO_CONTACT_DAYS = 45


MAX_QUANTITY = 1_000_000_000


COUNT_KINDS = ("survivors_trained", "survivors_placed", "retained_3m", "retained_6m", "retained_12m",
               "joint_activity", "policy_change")


MONEY_KINDS = ("cash", "in_kind")


OUTCOME_LABELS = {
    "cash": "cash leveraged", "in_kind": "in-kind leveraged", "survivors_trained": "survivors trained",
    "survivors_placed": "survivors placed", "retained_3m": "still employed at 3 months",
    "retained_6m": "still employed at 6 months", "retained_12m": "still employed at 12 months",
    "joint_activity": "joint activities delivered", "policy_change": "company policy changes",
}


KIND_LABELS = {"meeting": "Meeting", "call": "Call", "email": "Email", "event": "Event", "training": "Training",
               "agreement": "Agreement"}


LEVEL_HELP = ("high = contract signed and the company puts in money or resources; medium = a private sector–"
              "government meeting after which a policy change is expected; low = meetings, trainings, other events")


# Words in company names that say nothing about which company it is.
SUFFIXES = frozenset({
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "plc", "pcl", "llc", "lp",
    "gmbh", "sa", "ag", "nv", "bv", "pte", "pvt", "private", "jsc", "bhd", "sdn", "tbk", "the", "group", "holdings",
})


_BAD_NAME_CHARS = set(";<>{}[]|\\`\"*=#$%^~")


class RegistryError(ValueError):
    """A request that cannot be carried out; the message says why and what to do instead. Nothing was written."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def clean_name(name: str, what: str = "partner name") -> str:
    name = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if not name:
        raise RegistryError(f"The {what} is empty. Give the company's name, e.g. `partner add Acme Foods Co.`", "name")
    if len(name) > MAX_NAME:
        raise RegistryError(f"That {what} is {len(name)} characters long; keep it under {MAX_NAME}.", "name")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        raise RegistryError(f"The {what} “{name}” has no letters or digits. Use the company's registered name.", "name")
    bad = sorted({ch for ch in name if ch in _BAD_NAME_CHARS or unicodedata.category(ch) in ("Cc", "Cf", "So", "Cs")})
    if bad:
        raise RegistryError(f"The {what} contains characters I don't keep in names ({' '.join(bad)}). Use letters, "
                            "digits, spaces and . , & ' ( ) - / + only.", "name")
    return name


def check_private(text: str, where: str, field_name: str | None = None) -> None:
    found = privacy.find_identifiers(text)
    if found:
        raise RegistryError(privacy.refusal(found, where), field_name)


def check_text(text: str, limit: int, what: str, field_name: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise RegistryError(f"The {what} is {len(text):,} characters long; keep it under {limit:,} "
                            "(the essentials; attach long notes elsewhere).", field_name)
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise RegistryError(f"The {what} contains control characters; please retype it.", field_name)
    check_private(text, f"the {what}", field_name)
    return text
