"""`export [partners]`: write a CSV for M&E under PSE_HOME/exports and reply with its path.

Leads export their own country projects' partners (and partners with no country project that are not
confidential); admins export everything. Confidential (NDA) partners are marked in the `confidential` column.
"""

from __future__ import annotations

from records import access, export as csv_export
from bot.message import Message
from bot.reply import Fact, Reply
from intents.contract import Intent
from intents import partner_replies as pr

NAME = "export"
SUMMARY = "a CSV of all logged contacts with outcomes (or `export partners`) for M&E, confidential partners marked"
USAGE = "export [interactions|partners]"
ACCESS = "lead"


def handle(message: Message, services) -> Reply:
    word = message.text.strip().lower() or "interactions"
    kind = {"interactions": "interactions", "contacts": "interactions", "logs": "interactions",
            "partners": "partners", "partner": "partners"}.get(word)
    if kind is None:
        return Reply.problem(f"I can export `interactions` (the default) or `partners`, not “{word}”. Write `{USAGE}`.")
    path = csv_export.default_path(services.settings.home / "exports", kind)
    user = pr.viewer(message, services.store)
    n = csv_export.write_csv(services.store, path, kind, pr.today(message), viewer=user)
    mine = None if user is None else access.visible_countries(user, "export")
    scope = "every country project" if mine is None else "your country projects (" + ", ".join(mine) + ")"
    return Reply(text=f"Exported {n} {kind} of {scope} to {path}. Confidential (NDA) partners are marked “yes” in the "
                      "`confidential` column; share the file accordingly.",
                 facts=[Fact("File", str(path)), Fact("Rows", str(n))], private=True,
                 data={"path": str(path), "rows": n, "kind": kind, "scope": scope})


EXAMPLES = (
    "export",
    "export partners",
)
ASKS = (  # how people ask for this command in their own words (intents/usage.py)
    "how do I download all the logs as a spreadsheet?",
    "how do I get a CSV of every contact and outcome for M&E?",
    "how do I export the list of partners?",
    "how do I get the data out of the bot for M&E?",
)

INTENT = Intent(name=NAME, summary=SUMMARY, usage=USAGE, handler=handle, access=ACCESS, examples=EXAMPLES,
                asks=ASKS)
