"""Partner registry latency at scale: `log` and `partner NAME` through the real router and a real SQLite file.

    python bench/registry_latency.py [--partners 10000] [--interactions 1000000] [--samples 300] [--json]

Bulk-generates partners and interactions with executemany in one transaction (a few tens of seconds for 1M
rows), then times, per command, the whole path a chat message takes (router → intent → registry → SQLite):
  - `log NAME meeting yesterday: …; next: … by Friday; placed: 2` (a write with an outcome and audit rows);
  - `partner NAME` (the card: stage, time in stage, last contact, next step, recent contacts, outcomes);
  - `suggest_partners(store, "word")` (type-ahead in Slack / Teams forms).
The same is measured on a small registry (1% of the size) in the same run as the baseline. Prints a markdown
table with p50 / p99 and the large-to-small ratio of p50.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("Siam", "Mekong", "Golden", "Blue", "Ocean", "Lotus", "Himalaya", "Delta", "River", "Pearl", "Andaman",
         "Royal", "Green", "Bay", "Harbour", "Tiger", "Jade", "Silk", "Monsoon", "Coral")
SECTORS = ("Seafood", "Garments", "Foods", "Logistics", "Telecom", "Hotels", "Bank", "Construction", "Agro")
SUFFIX = ("Co.", "Ltd", "PCL", "Group", "Plc", "")
KINDS = ("meeting", "call", "email", "event", "training", "agreement")


def name_of(i: int, rng: random.Random) -> str:
    return f"{rng.choice(WORDS)} {rng.choice(SECTORS)} {i} {rng.choice(SUFFIX)}".strip()


def populate(store, n_partners: int, n_interactions: int, today: date, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    names = [name_of(i, rng) for i in range(n_partners)]
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    streams = ("innovation", "survivor_employment")
    first = {"innovation": "landscape", "survivor_employment": "mapping"}
    with store.transaction() as c:
        rows = []
        for i, n in enumerate(names, 1):
            s = streams[i % 2]
            rows.append((i, n, s, first[s], (today - timedelta(days=rng.randint(0, 400))).isoformat(),
                         "Thailand", int(i % 17 == 0), now))
        c.executemany("INSERT INTO companies (id, name, created_at) VALUES (?, ?, ?)",
                      [(r[0], r[1], now) for r in rows])  # one company per partner (its engagement's company)
        c.executemany("INSERT INTO partners (id, name, stream, stage, stage_since, country, confidential, created_at, "
                      "company_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(*r, r[0]) for r in rows])
        c.executemany("INSERT INTO stage_history (partner_id, to_stage, moved_on, created_at) VALUES (?, ?, ?, ?)",
                      [(r[0], r[3], r[4], now) for r in rows])
        batch = []
        for k in range(n_interactions):
            pid = rng.randint(1, n_partners)
            day = (today - timedelta(days=rng.randint(1, 1500))).isoformat()
            batch.append((pid, day, KINDS[k % 6], f"bulk interaction {k}", "follow up" if k % 3 == 0 else "",
                          "low", "bench", "console", f"bulk{k}", now))
            if len(batch) == 50_000:
                c.executemany("INSERT INTO interactions (partner_id, occurred_on, kind, summary, next_step, "
                              "action_level, logged_by, platform, fingerprint, created_at) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
                batch = []
        if batch:
            c.executemany("INSERT INTO interactions (partner_id, occurred_on, kind, summary, next_step, action_level, "
                          "logged_by, platform, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    c.execute("ANALYZE")
    return names


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def measure(n_partners: int, n_interactions: int, samples: int) -> dict:
    from bot.app import Services
    from bot.message import Message
    from bot.router import route
    from bot.settings import Settings
    from records.names import suggest_partners
    from storage.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings.from_env({"PSE_HOME": tmp})
        store = Store.open(settings.db_path)
        services = Services(settings, store=store)
        now = datetime.now(timezone.utc)
        today = now.date()
        t0 = time.perf_counter()
        names = populate(store, n_partners, n_interactions, today)
        build_s = time.perf_counter() - t0
        rng = random.Random(11)
        route(Message(text=f"partner {names[0]}"), services)  # warm the name index once, as a running bot has it
        timings: dict[str, list[float]] = {"log": [], "card": [], "suggest": []}
        for k in range(samples):
            name = rng.choice(names)
            msg = Message(text=f"log {name} meeting yesterday: bench visit {k}; next: send concept note by Friday; "
                               "placed: 2", user_id=f"bench{k % 50}", received_at=now)
            t = time.perf_counter()
            reply = route(msg, services)
            timings["log"].append(time.perf_counter() - t)
            assert reply.ok, reply.text
            t = time.perf_counter()
            reply = route(Message(text=f"partner {rng.choice(names)}", received_at=now), services)
            timings["card"].append(time.perf_counter() - t)
            assert reply.ok, reply.text
            t = time.perf_counter()
            suggest_partners(store, rng.choice(WORDS).lower()[:4])
            timings["suggest"].append(time.perf_counter() - t)
        size_mb = settings.db_path.stat().st_size / 1e6
        store.close()
    return {"partners": n_partners, "interactions": n_interactions, "build_s": round(build_s, 1),
            "db_mb": round(size_mb, 1),
            **{f"{op}_p50_ms": round(pct(v, 50) * 1000, 2) for op, v in timings.items()},
            **{f"{op}_p99_ms": round(pct(v, 99) * 1000, 2) for op, v in timings.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--partners", type=int, default=10_000)
    ap.add_argument("--interactions", type=int, default=1_000_000)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("PSE_LOG_LEVEL", "WARNING")
    small = measure(max(10, args.partners // 100), max(100, args.interactions // 100), args.samples)
    large = measure(args.partners, args.interactions, args.samples)
    if args.json:
        print(json.dumps({"small": small, "large": large}, indent=2))
        return
    print(f"| registry | log p50 / p99 (ms) | partner card p50 / p99 (ms) | type-ahead p50 / p99 (ms) | DB size |")
    print("|---|---|---|---|---|")
    for r in (small, large):
        print(f"| {r['partners']:,} partners / {r['interactions']:,} interactions | {r['log_p50_ms']} / "
              f"{r['log_p99_ms']} | {r['card_p50_ms']} / {r['card_p99_ms']} | {r['suggest_p50_ms']} / "
              f"{r['suggest_p99_ms']} | {r['db_mb']} MB |")
    print(f"\nLarge / small p50: log ×{large['log_p50_ms'] / small['log_p50_ms']:.2f}, card "
          f"×{large['card_p50_ms'] / small['card_p50_ms']:.2f}, type-ahead "
          f"×{large['suggest_p50_ms'] / small['suggest_p50_ms']:.2f}. Bulk load of the large registry: "
          f"{large['build_s']} s.")


if __name__ == "__main__":
    main()
