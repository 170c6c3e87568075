"""Render the weekly digest chart from a small sample registry, through the real digest code, to a PNG.

    python bench/digest_chart.py [--out docs/screenshots/digest-chart.png] [--today 2026-12-06]

Builds a throw-away SQLite registry (two country projects, both work streams, targets for FY2027), composes the
digest as the scheduler would (indicators.digest.compose_digest) and copies its chart to --out. This is the
script behind docs/screenshots/digest-chart.png; re-run it after changing indicators/chart.py.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from indicators.digest import compose_digest  # noqa: E402
from indicators.periods import fiscal_year_of  # noqa: E402
from indicators.targets import set_target  # noqa: E402
from records import interactions, partner_edits, partners, stage_edits  # noqa: E402
from storage.store import Store  # noqa: E402

PARTNERS = [  # name, country, stream, stages walked through (one move every 3 weeks, ending near today)
    ("Siam Seafood Co.", "Thailand", "innovation", ["first_meetings", "due_diligence", "concept_note", "negotiation",
                                                  "agreement"]),
    ("Andaman Telecom", "Thailand", "innovation", ["first_meetings", "due_diligence"]),
    ("Mekong Garments", "Cambodia", "innovation", ["first_meetings"]),
    ("Lotus Hotels Group", "Cambodia", "survivor_employment", ["government", "company_talks", "candidates",
                                                               "training_placement"]),
    ("Golden Bay Resorts", "Thailand", "survivor_employment", ["government", "company_talks"]),
    ("Pearl Logistics", "Cambodia", "innovation", []),
    ("Jade Agri Exports", "Thailand", "innovation", []),
    ("Harbour Recruiters", "Cambodia", "survivor_employment", []),
]
TARGETS = {"partnerships": 6, "actions_high": 4, "actions_medium": 8, "actions_low": 30, "cash": 120_000,
           "trained": 40, "placed": 25}


def build(store: Store, today: date) -> None:
    made = {}
    for name, country, stream, walk in PARTNERS:
        start = today - timedelta(days=21 * (len(walk) + 1))
        p = partner_edits.add_partner(store, name, actor="bench", today=start, stream=stream, country=country)
        for i, stage in enumerate(walk):
            p = stage_edits.move_stage(store, partners.get_partner(store, p.id), stage, actor="bench",
                                         on=start + timedelta(days=21 * (i + 1)))
        made[name] = p
    contacts = [  # partner, days ago, kind, level, outcomes, next step
        ("Siam Seafood Co.", 2, "agreement", "high", [("cash", 45_000, "USD")], "kick-off workshop"),
        ("Andaman Telecom", 1, "meeting", "medium", [], "send due-diligence questions"),
        ("Mekong Garments", 4, "call", "low", [], "share the concept note outline"),
        ("Lotus Hotels Group", 3, "meeting", "low", [("survivors_trained", 12, None), ("survivors_placed", 9, None)],
         "check in with the HR lead"),
        ("Golden Bay Resorts", 30, "meeting", "low", [], ""),
        ("Pearl Logistics", 12, "event", "low", [], ""),
    ] + [("Jade Agri Exports", d, "meeting", "low", [], "") for d in (20, 35, 50, 62)]
    for name, ago, kind, level, outcomes, step in contacts:
        draft = interactions.InteractionDraft(
            partner_id=made[name].id, occurred_on=today - timedelta(days=ago), kind=kind, summary=f"{kind} notes",
            next_step=step, next_due=today + timedelta(days=3) if step else None, action_level=level,
            outcomes=[interactions.OutcomeDraft(k, q, c) for k, q, c in outcomes])
        interactions.log_interaction(store, draft, actor="bench", platform="console", raw=f"{name} {ago}",
                                     today=today, now=datetime.combine(today, time(9), timezone.utc))
    for ind, value in TARGETS.items():
        set_target(store, ind, value, fiscal_year_of(today), actor="bench")


def main(argv: list[str] | None = None) -> Path:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots" / "digest-chart.png")
    ap.add_argument("--today", type=date.fromisoformat, default=date(2026, 12, 6))
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.sqlite3")
        try:
            build(store, args.today)
            reply = compose_digest(store, Path(tmp) / "charts", datetime.combine(args.today, time(17), timezone.utc))
        finally:
            store.close()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(reply.image, args.out)
    print(f"{args.out} · {reply.image_title}")
    return args.out


if __name__ == "__main__":
    main()
