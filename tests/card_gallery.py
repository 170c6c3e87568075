"""Every kind of card and Block Kit payload the bot produces, made by the real intents and the real renderers.

`gallery_replies` runs representative messages through the real router (real model, real database) on a fixed
date; `teams_payloads` and `slack_payloads` render them as the adapters do: one Adaptive Card per reply (the log
form with its partner list), Slack messages for replies, the modal for the log form and the Home tab view.
The curators' side is there too: `kb gaps` over questions kept through the real "not sure" and 👎 paths, and
a shared file being added (the progress message the bot keeps updating, then the result) by intents/kb_files.py
into a knowledge base of its own, so the session's bundled index is never changed.
Snapshot tests (test_snapshots.py) compare these with tests/snapshots/, the PNG test draws the main cards.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from adapters.slack import blocks as sb
from adapters.slack.home import home_view
from adapters.slack.modal import field_errors, form_to_view
from adapters.teams.cards import reply_card
from adapters.teams.form_cards import form_card
from adapters.teams.forms import partner_choices
from bot.message import Message
from bot.reply import Reply
from bot.router import route
from indicators.digest import compose_digest
from intents import kb_files
from intents.log_form import log_form
from knowledge.base import KnowledgeBase
from records import access

NOW = datetime(2026, 11, 18, 3, 0, tzinfo=timezone.utc)  # a Wednesday, in FY2027 Q1
USER = "amara"
SLACK_USER = "U0AMARA"  # a staff member in Slack, whose Home tab is drawn
REJECTED_LOG = {"partner": "", "kind": "meeting", "date": "someday", "summary": ""}

SEED = (
    "partner add Acme Foods Co. --stream innovation --country Thailand --sector seafood --since 2026-08-03",
    "stage Acme Foods Co. due diligence on 2026-10-05",
    "partner add Kathmandu Hotels --stream survivor --country Nepal --since 2026-09-14",
    "target partnerships 4 Thailand",
    "target placed 8 Nepal",
    "log Kathmandu Hotels meeting 2026-10-20: hotel association and ministry; placed 4; level: medium",
    "log Acme Foods Co. agreement 2026-11-02: MoU signed; cash: 10,000 USD; level: high",
)

# name → message text; "log_form" is the form that a bare `log` opens.
MESSAGES = {
    "ask": "how do I approach a company about funding?",
    "frame": "frame We want to rescue victims of exploitation in your supply chain.",
    "log_form": "log",
    "log_confirmation": "log Acme Foods Co. meeting yesterday: talked about hiring 5 survivors; next: send MoU by Friday",
    "partner": "partner Acme Foods Co.",
    "report": "report this quarter",
    "help": "help",
    "pipeline": "pipeline",
    "error_unknown_partner": "log Mekong Garments meeting today: first call",
    "error_bad_stage": "stage Acme Foods Co. flying",
    "error_not_understood": "xyzzy plugh",
}
# The main cards, drawn to PNG for docs/screenshots/.
MAIN = ("ask", "log_form", "partner", "report", "gaps_report", "file_progress", "file_added")

# Questions the guidance cannot answer ("not sure"): four about travel expenses (one topic), one about visas.
NOT_SURE = (
    "Where do I submit a travel expense claim?",
    "What travel costs can I claim after visiting a partner?",
    "How do I get my travel costs back after a field trip?",
    "Is there a per diem for travel to a partner's factory?",
    "Which visa do I need to visit a factory in Myanmar?",
)
# Questions the bot answered (with passages near the words but not the point), voted 👎 with the answer's own
# button: one joins the travel expenses, one the visas.
DOWN_VOTED = (
    "Who pays for travel when I visit a partner company?",
    "Do I need a visa letter from the partner company to visit their factory?",
)
SHARED_FILE = "retail-onboarding.md"


def say(services, text: str, **kw) -> Reply:
    kw.setdefault("user_id", USER)
    return route(Message(text=text, received_at=NOW, **kw), services)


def gallery_replies(services) -> dict[str, Reply]:
    """Seed a small programme, then every representative reply by name (the digest included)."""
    for line in SEED:
        r = say(services, line)
        assert r.ok, (line, r.text)
    out = {name: say(services, text) for name, text in MESSAGES.items()}
    assert out["log_form"].form is not None
    out["log_form_rejected"] = route(Message(text="", command="log", received_at=NOW, user_id=USER,
                                             form=dict(REJECTED_LOG)), services)
    out["digest"] = compose_digest(services.store, services.settings.charts_dir, NOW)
    access.add_user(services.store, f"slack:{SLACK_USER}", "staff", ["Thailand", "Nepal"], actor="test")
    logged = say(services, "log Kathmandu Hotels call today: hotel HR lists 12 openings; next: share candidate "
                 "profiles by 2026-11-25", user_id=SLACK_USER, platform="slack")
    assert logged.ok, logged.text
    out["gaps_report"] = gaps_report(services)
    out["file_progress"], out["file_added"] = shared_file(services)
    return out


def gaps_report(services) -> Reply:
    """`kb gaps` after questions were kept the way staff leave them: "not sure" answers and 👎 votes."""
    for question in NOT_SURE:
        r = say(services, f"ask {question}")
        assert r.ok and not r.passages, (question, r.text)
    for question in DOWN_VOTED:
        answer = say(services, f"ask {question}")
        assert answer.passages, (question, answer.text)
        down = next(b for b in answer.buttons if json.loads(b.value)["vote"] == -1)
        voted = route(Message(text="", command=down.action, form=json.loads(down.value), received_at=NOW,
                              user_id=USER), services)
        assert voted.ok, voted.text
    report = say(services, "kb gaps")
    assert report.ok and report.tables, report.text
    return report


def write_onboarding_note(path: Path) -> Path:
    """A curator's note as they would share it, in Markdown (its bytes, and so its version, are the same on
    every run): a title, an introduction and four sections."""
    path.write_text("""# Retail partner onboarding

This note explains how to bring a supermarket chain into the survivor employment programme, from the first
call to the end of the first three months.

## First contact

Call the human resources lead and ask which store roles are hard to fill. Send the vacancy list to the case
workers before the first meeting, and agree a date for a store visit with the store manager and a case worker.

## Training plan

Candidates take a four-week customer service course before the first shift. The course covers the till, stock,
food safety and talking to customers; a trainer from the retail partner teaches the last week in a real store.

## The first three months

The store manager names one buddy for each new employee. Case workers visit the store every second week. If an
employee misses three shifts in a row, the buddy calls the case worker the same day.

## Pay and contracts

Wages are paid into the employee's own bank account, never to a recruiter. Contracts are in a language the
employee reads, and a copy stays with them. No fees or deposits are ever taken from the employee.
""")
    return path


def shared_file(services) -> tuple[Reply, Reply]:
    """A file shared by an admin, added by intents/kb_files.py into a knowledge base of its own (the
    session's bundled index is never changed): the progress message as it reads while passages are embedded
    (as adapters/common/file_share.py shows it), and the result that replaces it."""
    kb = KnowledgeBase.open(services.store, services.settings.home / "shared-kb", bundled=False,
                            embedder=services.knowledge.embedder)
    own = type(services)(services.settings, knowledge=kb, store=services.store)
    staged = write_onboarding_note(services.settings.home / SHARED_FILE)
    steps: list[str] = []
    added = kb_files.add(own, Message(text="", user_id=USER, received_at=NOW), staged, SHARED_FILE,
                         lambda what, done, total: steps.append(kb_files.progress(SHARED_FILE, what, done, total)))
    assert added.ok and added.data["status"] == "added", added.text
    embedding = [s for s in steps if "embedding passages" in s]
    assert embedding, steps
    return Reply(text=embedding[len(embedding) // 2]), added


def _choices(services) -> list[tuple[str, str]]:
    return partner_choices(services.store, Message(text="", user_id=USER, received_at=NOW))


def teams_payloads(services, replies: dict[str, Reply]) -> dict[str, dict]:
    """As the Teams adapter sends them: a form as an input card (a rejected submission redraws the blank form
    with the values typed and the errors by their fields), anything else as a reply card."""
    out: dict[str, dict] = {}
    for name, r in replies.items():
        if name == "log_form_rejected":
            out[name] = form_card(log_form(), values=REJECTED_LOG, errors=r.errors, partner_choices=_choices(services))
        elif r.form is not None:
            out[name] = form_card(r.form, intro=r.text, partner_choices=_choices(services))
        else:
            out[name] = reply_card(r)
    return out


def slack_payloads(services, replies: dict[str, Reply]) -> dict[str, Any]:
    """As the Slack adapter sends them: messages, the modal for a form, the modal's field errors for a rejected
    submission (`response_action: errors`), and the Home tab view."""
    out: dict[str, Any] = {}
    for name, r in replies.items():
        if name == "log_form_rejected":
            out[name] = {"response_action": "errors",
                         "errors": field_errors(r.errors, form_to_view(log_form(), "C0SNAP"))}
        else:
            out[name] = form_to_view(r.form, "C0SNAP") if r.form is not None else sb.render(r)
    out["home_tab"] = home_view(services, SLACK_USER, today=NOW.date())
    return out


_DATA_URI = re.compile(r"^data:image/png;base64,[A-Za-z0-9+/=]+$")


def normalised(payload: Any, tmp: Path | None = None) -> Any:
    """The payload with what differs between runs replaced: embedded chart bytes, the temporary home folder (shown
    as `$PSE_HOME`) and today's date (a question kept today shows the gallery's date)."""
    payload = copy.deepcopy(payload)

    today = date.today().isoformat()  # a date picker's "today" is the server's date
    ingested = (today, (date.today() - timedelta(days=1)).isoformat())

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: ("<today>" if k == "initial_date" and v == today else walk(v)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v) for v in node]
        if isinstance(node, str):
            if _DATA_URI.match(node):
                return "data:image/png;base64,<chart>"
            if tmp is not None:
                node = node.replace(str(tmp), "$PSE_HOME")
            for day in ingested:  # a passage's document was ingested when the gallery was built (today, or
                node = node.replace(f"added {day}", "added TODAY")  # yesterday for a run across midnight)
            return node.replace(today, NOW.date().isoformat())  # a question kept today, shown on the gallery's day
        return node

    return walk(payload)
