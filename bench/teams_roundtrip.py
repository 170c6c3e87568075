"""Teams round trip: a Bot Framework activity posted to /api/messages until its Adaptive Card reaches the connector.

    python bench/teams_roundtrip.py [--n 20] [--text "how do I approach a company about due diligence?"] [--json]

Runs the real aiohttp server (build_app, Teams only, authentication off) and the local mock connector
(tests/mock_connector.py) in this process, with a throw-away PSE_HOME (the bundled index is built on start, with
the real model). For the same question it measures:
  - baseline: `route()` called directly (the intent's own time, no HTTP, no card);
  - sequential: N activities posted one at a time, each from the same conversation;
  - burst: N activities posted at once, each from a different user (the per-user rate limit is not measured).
Prints p50 / p95 / max, the adapter overhead over the baseline, and the card sizes against Teams' 28 KB limit.
"""

from __future__ import annotations

from dataclasses import replace
import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


def summary(values: list[float]) -> dict:
    return {"p50_ms": round(pct(values, 50) * 1000, 1), "p95_ms": round(pct(values, 95) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1), "mean_ms": round(statistics.mean(values) * 1000, 1)}


async def main(n: int, text: str) -> dict:
    import aiohttp
    from aiohttp import web

    from adapters.server import build_app
    from bot.message import Message
    from bot.router import route
    from bot.app import Services
    from bot.settings import Settings
    from mock_connector import MockConnector

    home = Path(tempfile.mkdtemp(prefix="pse-teams-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MICROSOFT_APP")}
    env.update({"PSE_HOME": str(home), "PSE_RATE_PER_MINUTE": "100000"})
    os.environ.update({"PSE_RATE_PER_MINUTE": "100000"})
    settings = replace(Settings.from_env(env, dotenv=False), teams_insecure_local=True)  # Emulator-style, loopback
    settings.ensure_home()
    services = Services(settings)
    t0 = time.perf_counter()
    services.knowledge  # build the bundled index once, outside the measurements
    build_s = time.perf_counter() - t0

    def direct() -> float:
        t = time.perf_counter()
        reply = route(Message(text=text, platform="teams", channel_kind="dm", user_id="bench"), services)
        assert reply.ok and reply.passages, reply.text
        return time.perf_counter() - t

    direct()  # warm-up: first query
    baseline: list[float] = []

    connector = await MockConnector().start()
    app = build_app(services, slack=False, teams=True)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/api/messages"
    template = json.loads((ROOT / "tests" / "fixtures" / "teams" / "personal_message.json").read_text())

    def body(user: str) -> dict:
        b = json.loads(json.dumps(template))
        b.update({"id": uuid.uuid4().hex, "text": text, "serviceUrl": connector.url})
        b["from"] = {"id": f"29:{user}", "name": user, "aadObjectId": user}
        b["conversation"] = {"conversationType": "personal", "id": f"a:{user}"}
        return b

    async with aiohttp.ClientSession() as session:
        acks: list[float] = []

        async def one(user: str) -> float:
            b = body(user)
            seen = len([c for c in connector.calls if c.conversation_id == b["conversation"]["id"]])
            t = time.perf_counter()
            async with session.post(url, json=b) as r:
                await r.read()
                assert r.status == 202, r.status
            acks.append(time.perf_counter() - t)
            while len([c for c in connector.calls if c.conversation_id == b["conversation"]["id"]]) == seen:
                await asyncio.sleep(0.002)
            return time.perf_counter() - t  # until the card reached the connector

        await one("bench-warm-up")
        sequential = []
        for _ in range(n):  # interleaved, so that load from other processes hits both alike
            baseline.append(await asyncio.to_thread(direct))
            sequential.append(await one("bench-seq"))
        t = time.perf_counter()
        burst = await asyncio.gather(*(one(f"bench-{i}") for i in range(n)))
        burst_wall = time.perf_counter() - t
    sizes = [len(json.dumps(c.body, separators=(",", ":")).encode()) for c in connector.calls]
    answered = sum(1 for c in connector.calls if '"Source: ' in json.dumps(c.body))
    await runner.cleanup()
    await connector.stop()
    assert len(connector.calls) == 2 * n + 1 == answered, (len(connector.calls), answered)
    base = summary(baseline)
    seq = summary(sequential)
    bur = summary(list(burst))
    return {
        "n": n, "text": text, "index_build_s": round(build_s, 1), "baseline_route": base, "sequential": seq,
        "burst": bur, "burst_wall_s": round(burst_wall, 2), "http_ack": summary(acks[1:]),
        "overhead_p50_ms": round(seq["p50_ms"] - base["p50_ms"], 1),
        "sequential_to_baseline_p50": round(seq["p50_ms"] / base["p50_ms"], 2),
        "burst_to_sequential_p50": round(bur["p50_ms"] / seq["p50_ms"], 2),
        "card_bytes_max": max(sizes), "teams_limit_bytes": 28 * 1024,
    }


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--text", default="how do I approach a company about due diligence?")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = asyncio.run(main(args.n, args.text))
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"Teams round trip, n={result['n']}, question: {result['text']!r}\n")
        print("| measure | p50 ms | p95 ms | max ms |")
        print("|---|---|---|---|")
        for key, label in (("baseline_route", "route() only (baseline)"), ("sequential", "HTTP → card at connector, "
                           "one at a time"), ("burst", f"same, {result['n']} at once"),
                          ("http_ack", "HTTP 202 acknowledgement (all requests)")):
            r = result[key]
            print(f"| {label} | {r['p50_ms']} | {r['p95_ms']} | {r['max_ms']} |")
        print(f"\nadapter overhead at p50: {result['overhead_p50_ms']} ms "
              f"(sequential/baseline {result['sequential_to_baseline_p50']}x; burst/sequential "
              f"{result['burst_to_sequential_p50']}x); largest card {result['card_bytes_max']} bytes of "
              f"{result['teams_limit_bytes']}")
