"""Small argument readers shared by intents."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.reply import Reply
from markup.dialect import escape

DEFAULT_DAYS = 90
MAX_DAYS = 3650


def since_days(args: list[str], example: str) -> tuple[int, str, Reply | None]:
    """(days, the ISO moment that many days ago) from `args[0]` (default 90), or a friendly refusal naming
    `example` (e.g. `kb gaps 30`)."""
    days = DEFAULT_DAYS
    if args:
        try:
            days = int(args[0])
        except ValueError:
            days = 0
        if not 1 <= days <= MAX_DAYS:
            return 0, "", Reply.problem(f"`{escape(args[0])}` is not a number of days. Write e.g. `{example}` "
                                        f"(1 to {MAX_DAYS}).")
    return days, (datetime.now(timezone.utc) - timedelta(days=days)).isoformat(timespec="seconds"), None
