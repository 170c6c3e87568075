"""Must-show: a scripted week through `pse-bot chat` in a subprocess, with piped input, over a real SQLite file.

An officer logs five meetings, two with mistakes (one logged against the wrong partner, one with a wrong count and
date), fixes them with `log undo` and `log edit`, logs cash in riel and baht, and the report then shows the
corrected counts and the money per currency, converted at the rates an admin set. Also: the form survives piped input that ends early."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chat(home: Path, lines: list[str]) -> subprocess.CompletedProcess:
    env = dict(os.environ, PSE_HOME=str(home), PYTHONPATH=str(ROOT))
    for var in ("DATABASE_URL", "SLACK_BOT_TOKEN", "MICROSOFT_APP_ID"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "bot.cli.main", "chat"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=300)


def db(home: Path) -> sqlite3.Connection:
    from bot.settings import Settings

    return sqlite3.connect(Settings.from_env({"PSE_HOME": str(home)}, dotenv=False).db_path)


def row_of(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(label))


def period_value(report: str, label: str) -> str:
    """The first figure of the report's row (the period's actual), past the mandated-indicator star."""
    return [t for t in row_of(report, label)[len(label):].split() if t != "*"][0]


def test_a_week_of_logs_with_mistakes_fixed_then_the_report(tmp_path):
    today = datetime.now(timezone.utc).date()
    start = (today - timedelta(days=10)).isoformat()
    years = sorted({d.year + (d.month >= 10) for d in (today - timedelta(days=3), today)})  # fiscal years of the cash
    done = chat(tmp_path, [
        *(f"rate set FY{fy} {cur} {per}" for fy in years for cur, per in (("KHR", "4,000"), ("THB", "30"))),
        "partner add Mekong Garments --country Cambodia",
        "partner add Siam Seafood --country Thailand",
        "log Mekong Garments meeting 4 days ago: intro with HR; placed 2",                 # 1
        "log Siam Seafood meeting 3 days ago: pledge; cash: 15,000 baht",                   # 2
        "log Mekong Garments meeting 3 days ago: cold-chain pilot idea",                    # 3, wrong partner
        "log undo",
        "log Siam Seafood meeting 3 days ago: cold-chain pilot idea",                       # 4
        "log Mekong Garments meeting 3 days ago: training plan; trained 15 survivors",      # 5, wrong count, date
        "log edit 5 trained: 12",
        "log edit 5 date: 2 days ago",
        "log Mekong Garments meeting today: MoU talk; cash: 2,000,000 riel; next: send concept note in two weeks",
        "log history Mekong Garments",
        f"report {start}..{today.isoformat()}",
    ])
    out = done.stdout
    assert done.returncode == 0 and "Traceback" not in done.stderr + out, done.stderr
    for n in (1, 2, 3, 4, 5, 6):
        assert f"Logged #{n}:" in out
    assert "Undone: log #3" in out and out.count("Updated log #5.") == 2
    assert "2,000,000 KHR" in row_of(out, "#6 ")
    report = out[out.index("Indicator report"):]
    assert period_value(report, "PS actions, low") == "5"      # five meetings, the undone one not counted
    assert period_value(report, "Survivors trained") == "12"    # the corrected count
    assert period_value(report, "Survivors placed") == "2"
    money = row_of(report, "Cash leveraged, all currencies")
    assert "2,000,000 KHR + 15,000 THB" in money                      # per currency, never added together…
    assert "≈ 1,000 USD" in money and "1 USD = 4,000 KHR, 30 THB" in money  # …but converted, naming the rates
    c = db(tmp_path)
    assert c.execute("SELECT COUNT(*) FROM interactions").fetchone()[0] == 5
    assert c.execute("SELECT occurred_on FROM interactions WHERE id = 5").fetchone()[0] == \
        (today - timedelta(days=2)).isoformat()
    assert c.execute("SELECT quantity, currency FROM outcomes WHERE kind = 'cash' ORDER BY id").fetchall() == \
        [(15000.0, "THB"), (2000000.0, "KHR")]
    actions = [a for (a,) in c.execute("SELECT action FROM audit_log WHERE table_name = 'interactions' ORDER BY id")]
    assert actions.count("interaction.edit") == 2 and actions.count("interaction.delete") == 1


def test_the_form_survives_piped_input(tmp_path):
    done = chat(tmp_path, ["log"])
    assert done.returncode == 0 and "Aborted" not in done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "nothing was saved" in done.stdout
    done = chat(tmp_path, ["partner add Mekong Garments --country Cambodia", "log", "Mekong Garments", "call",
                           "yesterday", "talked about jobs", "", "", "", "", "3", "", "", "", "", "partner Mekong Garments"])
    assert done.returncode == 0 and "Logged #1:" in done.stdout, done.stdout[-2000:]
    assert "Survivors placed  3" in done.stdout
