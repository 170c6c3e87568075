"""Keeping a question for the curators' gaps report (`kb gaps`), under the privacy rules.

Called where an answer fails: `ask` when the answerability check says "not sure", `feedback` on a 👎. The rules
live here, in one place: a guest's question (someone the bot does not know) is never kept; who asked is never
kept; the privacy guard masks any personal detail (a phone number becomes "[phone number]") before storing.
"""

from __future__ import annotations

from bot.message import Message
from knowledge import gaps
from records import privacy


def keep(message: Message, store, question: str, reason: str, role: str | None = None,
         asked_at: str | None = None) -> bool:
    """Store `question` for the gaps report if the rules allow; True if it was stored. `role` defaults to the
    role the router resolved for the message (none resolved counts as a guest)."""
    if (role or message.role or "guest") == "guest" or store is None:
        return False
    text = " ".join((question or "").split())
    if not text:
        return False
    if privacy.find_identifiers(text):
        text = privacy.redact(text)
    gaps.record(store, message.platform, text, reason, asked_at=asked_at)
    return True
