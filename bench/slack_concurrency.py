"""Slack under load: N concurrent signed `/pse` slash commands against a real `pse-bot serve` process.

    python bench/slack_concurrency.py [--n 40] [--text "ask how do I approach a company?"] [--json]

Starts the local mock Slack Web API (tests/mock_slack.py) in this process and `pse-bot serve` in a child process
with SLACK_API_URL pointing at the mock and a throw-away PSE_HOME (the bundled index is built on start). Waits
for /healthz, then measures, for the same command text:
  - baseline: commands sent one at a time (sequential);
  - burst: N commands sent at once, each from a different user (so the per-user rate limit is not what is
    measured).
Per command: ack latency (HTTP 200 from /slack/events) and time to response (until the answer reaches the
mock's response_url). Prints a markdown table with p50 / p99 / max and the burst-to-baseline ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECRET = "bench-signing-secret"
ACK_DEADLINE_S = 3.0


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 600) -> float:
    import aiohttp

    started = time.perf_counter()
    async with aiohttp.ClientSession() as s:
        while time.perf_counter() - started < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"pse-bot serve exited with {proc.returncode}")
            try:
                async with s.get(url + "/healthz") as r:
                    if r.status == 200:
                        return time.perf_counter() - started
            except OSError:
                pass
            await asyncio.sleep(0.25)
    raise SystemExit("the server did not become healthy in time")


async def one(session, url: str, mock, text: str, user: str) -> dict:
    from tests.mock_slack import encode, fixture, signed_headers

    hook = uuid.uuid4().hex
    payload = fixture("slash_command", response_url=mock.response_url(hook), trigger_id=uuid.uuid4().hex)
    payload.update(text=text, user_id=user, user_name=user)
    body, ctype = encode("command", payload)
    headers = signed_headers(SECRET, body, ctype)
    t0 = time.monotonic()  # the mock stamps calls with the same clock
    async with session.post(url + "/slack/events", data=body.encode(), headers=headers) as r:
        status = r.status
        await r.read()
    ack = time.monotonic() - t0
    calls = await mock.wait_for("response_url", where=lambda c: c.data.get("hook") == hook, timeout=120)
    return {"status": status, "ack": ack, "respond": calls[0].at - t0}


async def run(n: int, text: str, sequential: int) -> dict:
    import aiohttp

    from tests.mock_slack import MockSlack

    mock = await MockSlack().start()
    home = Path(tempfile.mkdtemp(prefix="pse-bench-slack-"))
    port = free_port()
    env = dict(os.environ, PSE_HOME=str(home), PORT=str(port), SLACK_BOT_TOKEN="xoxb-bench",
               SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=mock.api_url, PSE_LOG_LEVEL="WARNING",
               PSE_RATE_PER_MINUTE="600", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false")
    exe = shutil.which("pse-bot") or sys.executable
    cmd = [exe, "serve", "--host", "127.0.0.1"] if exe != sys.executable else [exe, "-m", "bot.cli.main", "serve",
                                                                                "--host", "127.0.0.1"]
    proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        startup = await wait_healthy(url, proc)
        async with aiohttp.ClientSession() as session:
            await one(session, url, mock, text, "UWARM")  # first call: auth.test, caches
            base = [await one(session, url, mock, text, f"USEQ{i}") for i in range(sequential)]
            t0 = time.perf_counter()
            burst = await asyncio.gather(*(one(session, url, mock, text, f"UBURST{i:03d}") for i in range(n)))
            wall = time.perf_counter() - t0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        await mock.close()
        shutil.rmtree(home, ignore_errors=True)

    def summary(rows: list[dict]) -> dict:
        acks = [r["ack"] * 1000 for r in rows]
        resp = [r["respond"] * 1000 for r in rows]
        return {"n": len(rows), "acked_200": sum(r["status"] == 200 for r in rows),
                "ack_within_3s": sum(r["ack"] <= ACK_DEADLINE_S for r in rows),
                "ack_p50_ms": pct(acks, 50), "ack_p99_ms": pct(acks, 99), "ack_max_ms": max(acks),
                "respond_p50_ms": pct(resp, 50), "respond_p99_ms": pct(resp, 99), "respond_max_ms": max(resp)}

    out = {"text": text, "startup_s": round(startup, 1), "baseline": summary(base), "burst": summary(burst),
           "burst_wall_s": round(wall, 2), "cpus": os.cpu_count()}
    out["ratio_ack_p99"] = out["burst"]["ack_p99_ms"] / max(out["baseline"]["ack_p99_ms"], 1e-9)
    out["ratio_respond_p50"] = out["burst"]["respond_p50_ms"] / max(out["baseline"]["respond_p50_ms"], 1e-9)
    return out


def table(r: dict) -> str:
    b, x = r["baseline"], r["burst"]
    lines = [
        f"Command: `/pse {r['text']}` · {r['cpus']} CPU cores · server start incl. index build {r['startup_s']} s",
        "",
        "| run | commands | acked 200 | acked < 3 s | ack p50 | ack p99 | response p50 | response p99 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| one at a time (baseline) | {b['n']} | {b['acked_200']} | {b['ack_within_3s']} | {b['ack_p50_ms']:.0f} ms "
        f"| {b['ack_p99_ms']:.0f} ms | {b['respond_p50_ms']:.0f} ms | {b['respond_p99_ms']:.0f} ms |",
        f"| {x['n']} at once | {x['n']} | {x['acked_200']} | {x['ack_within_3s']} | {x['ack_p50_ms']:.0f} ms "
        f"| {x['ack_p99_ms']:.0f} ms | {x['respond_p50_ms']:.0f} ms | {x['respond_p99_ms']:.0f} ms |",
        "",
        f"Burst vs baseline: ack p99 ×{r['ratio_ack_p99']:.1f}, response p50 ×{r['ratio_respond_p50']:.1f}; "
        f"all {x['n']} answered in {r['burst_wall_s']} s.",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=40, help="concurrent commands (default 40)")
    ap.add_argument("--sequential", type=int, default=10, help="baseline commands sent one at a time")
    ap.add_argument("--text", default="ask how do I approach a company about a partnership?")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.n < 1 or args.sequential < 1:
        raise SystemExit("--n and --sequential must be at least 1")
    result = asyncio.run(run(args.n, args.text, args.sequential))
    print(json.dumps(result, indent=2) if args.json else table(result))
    if result["burst"]["acked_200"] != args.n:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
