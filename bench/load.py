"""Load: N concurrent Slack users for S seconds against a real `pse-bot serve`, loopback only.

    python bench/load.py [--users 50] [--seconds 60] [--think 1-4] [--seed 8] [--json]
    python bench/load.py --compare [--users 50] [--seconds 60]     # 1 web on SQLite vs 2 webs on PostgreSQL
    python bench/load.py --webs 2 --database-url postgresql://…     # against a PostgreSQL of your own

Starts the local mock Slack Web API (tests/mock_slack.py) in this process and `pse-bot serve --host 127.0.0.1` in
a child process (the aiohttp app of adapters/server.build_app) with a signing secret, SLACK_API_URL pointing at
the mock, and a throw-away PSE_HOME holding the bundled guidance (indexed on start), three Thailand partners and
N registered Slack staff users of the Thailand project. Each user then loops until the time is up: send a signed
`/pse` slash command, wait for its answer (the mock's response_url receives it), think 1–4 s, repeat. The mix:
guidance questions (tests/data/questions.jsonl), `log` one-liners with unique summaries, `partner NAME`,
`pipeline`, `report`.

Measured: requests, HTTP errors (anything but a 200 ack), apology / error answers, rate-limited answers (counted
apart; PSE_RATE_PER_MINUTE is set high for the run), unanswered commands, ack latency and answer latency
(send → the mock receives the answer) p50 / p99, and lost logs: every acked `log` must be in the interactions
table exactly once (by its summary), and every request must have exactly one JSON request-log line from the
server (per user). Exits 1 on any HTTP error, error answer, unanswered command, lost log or missing log line.
With `--webs N` (N ≤ 4) the users are spread round-robin over N `pse-bot serve` processes that share nothing but
the database (each has its own PSE_HOME, as separate containers would); `--compare` runs one process on SQLite and
then two on a throw-away PostgreSQL (tests/pg_support.py) with the same users and seed, side by side.
Bounded: --users ≤ 200, --seconds ≤ 600; nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import random
import shutil
import string
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.slack_concurrency import free_port, pct, wait_healthy  # noqa: E402
from tests.mock_slack import MockSlack, encode, fixture, signed_headers  # noqa: E402

SECRET = "load-bench-signing-secret"
MAX_USERS, MAX_SECONDS = 200, 600
COUNTRY = "Thailand"
PARTNERS = ("Acme Foods Co.", "Blue Ocean Seafood", "Golden Harvest Garments")
MIX = (("ask", 30), ("log", 30), ("partner", 15), ("pipeline", 15), ("report", 10))
APOLOGY_MARKS = ("something went wrong", "please tell your admin the reference", "took too long")  # + search timeouts
RATE_MARK = "faster than I can keep up"
ANSWER_TIMEOUT_S = 120.0


class LoadMock(MockSlack):
    """The test mock, plus a future per response_url hook so thousands of waits stay cheap."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting: dict[str, asyncio.Future] = {}

    async def _response(self, request):
        response = await super()._response(request)
        call = self.calls[-1]  # appended by the call above with no await in between: this request's
        fut = self.waiting.get(call.data.get("hook", ""))
        if fut is not None and not fut.done():
            fut.set_result(call)
        return response


@dataclass
class Sent:
    user: str
    kind: str
    text: str
    status: int = 0
    ack_s: float = 0.0
    answer_s: float | None = None
    answer: str = ""
    http_error: str = ""
    summary: str = ""


@dataclass
class Run:
    sent: list[Sent] = field(default_factory=list)


def letters(n: int) -> str:
    """A number as lowercase letters (summaries carry no digits, so the privacy check never flags them)."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = string.ascii_lowercase[r] + out
        if n == 0:
            return out


def seed_home(home: Path, users: list[str], database_url: str = "") -> None:
    """The database the servers will open: partners of one country project and N staff users."""
    from records import access
    from bot.message import Message
    from bot.router import route
    from bot.app import Services
    from bot.settings import Settings
    from storage.store import Store

    settings = Settings.from_env({"PSE_HOME": str(home), "DATABASE_URL": database_url}, dotenv=False)
    settings.ensure_home()
    store = Store.open(settings.database)
    try:
        services = Services(settings, store=store)
        for name in PARTNERS:
            reply = route(Message(text=f"partner add {name} --stream innovation --country {COUNTRY}"), services)
            if not reply.ok:
                raise SystemExit(f"could not seed partner {name}: {reply.text}")
        for u in users:
            access.add_user(store, f"slack:{u}", "staff", [COUNTRY], actor="bench")
    finally:
        store.close()


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "questions.jsonl"
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def make_command(kind: str, rnd: random.Random, qs: list[str], user_no: int, seq: int, run_tag: str) -> Sent:
    if kind == "ask":
        return Sent("", kind, "ask " + rnd.choice(qs))
    if kind == "log":
        summary = f"load check {run_tag} user {letters(user_no)} note {letters(seq)}"
        partner = rnd.choice(PARTNERS)
        return Sent("", kind, f"log {partner} meeting today: {summary}; next: send the pilot outline by Friday",
                    summary=summary)
    if kind == "partner":
        return Sent("", kind, "partner " + rnd.choice(PARTNERS))
    if kind == "pipeline":
        return Sent("", kind, rnd.choice(["pipeline", "pipeline stalled", "pipeline innovation"]))
    return Sent("", kind, rnd.choice(["report", "report this quarter", "report last quarter " + COUNTRY]))


async def one(session, url: str, mock: LoadMock, cmd: Sent) -> Sent:
    hook = uuid.uuid4().hex
    payload = fixture("slash_command", response_url=mock.response_url(hook), trigger_id=uuid.uuid4().hex)
    payload.update(text=cmd.text, user_id=cmd.user, user_name=cmd.user.lower(), channel_id="C0LOAD",
                   channel_name="pse-thailand")
    body, ctype = encode("command", payload)
    fut = asyncio.get_running_loop().create_future()
    mock.waiting[hook] = fut
    t0 = time.monotonic()  # the mock stamps calls with the same clock
    try:
        async with session.post(url + "/slack/events", data=body.encode(), headers=signed_headers(SECRET, body, ctype)) as r:
            cmd.status = r.status
            await r.read()
    except Exception as exc:  # noqa: BLE001 - counted as an HTTP error
        cmd.http_error = f"{type(exc).__name__}: {exc}"
    cmd.ack_s = time.monotonic() - t0
    if cmd.status != 200:
        cmd.http_error = cmd.http_error or f"HTTP {cmd.status}"
        mock.waiting.pop(hook, None)
        return cmd
    try:
        call = await asyncio.wait_for(fut, ANSWER_TIMEOUT_S)
        cmd.answer_s = call.at - t0
        cmd.answer = call.blocks_text()
    except asyncio.TimeoutError:
        pass
    finally:
        mock.waiting.pop(hook, None)
    return cmd


async def user_loop(session, url, mock, run: Run, user: str, user_no: int, until: float, think: tuple[float, float],
                    rnd: random.Random, qs: list[str], run_tag: str) -> None:
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    seq = 0
    await asyncio.sleep(rnd.uniform(0, think[1]))  # users do not all start in the same millisecond
    while time.monotonic() < until:
        cmd = make_command(rnd.choices(kinds, weights)[0], rnd, qs, user_no, seq, run_tag)
        cmd.user = user
        seq += 1
        run.sent.append(cmd)
        await one(session, url, mock, cmd)
        await asyncio.sleep(rnd.uniform(*think))


def request_log_lines(path: Path) -> tuple[collections.Counter, int, int]:
    """Per user: the router's JSON `request` lines; plus lines that are not JSON and router lines with errors."""
    per_user: collections.Counter = collections.Counter()
    not_json = errors = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except ValueError:
            not_json += 1
            continue
        if rec.get("logger") == "pse.router" and rec.get("event") == "request":
            per_user[rec.get("user", "")] += 1
            if rec.get("outcome") in ("error", "timeout"):
                errors += 1
    return per_user, not_json, errors


def check_logs(database, run: Run) -> dict:
    """Every acked `log` command is in the interactions table exactly once (by its unique summary)."""
    from storage.store import Store

    acked = [c for c in run.sent if c.kind == "log" and c.status == 200]
    store = Store.open(database, migrate=False)
    try:
        rows = collections.Counter(r[0] for r in store.execute("SELECT summary FROM interactions"))
    finally:
        store.close()
    missing = [c.summary for c in acked if rows.get(c.summary, 0) == 0]
    doubled = [c.summary for c in acked if rows.get(c.summary, 0) > 1]
    return {"acked_logs": len(acked), "stored": sum(1 for c in acked if rows.get(c.summary, 0) == 1),
            "missing": missing, "doubled": doubled}


async def run_load(users: int, seconds: float, think: tuple[float, float], seed: int, webs: int = 1,
                   database_url: str = "") -> dict:
    import aiohttp

    rnd = random.Random(seed)
    qs = questions()
    run_tag = letters(int(time.time()) % 26 ** 4)
    user_ids = [f"ULOAD{i:03d}" for i in range(users)]
    homes = [Path(tempfile.mkdtemp(prefix=f"pse-bench-load-{i}-")) for i in range(webs)]
    seed_home(homes[0], user_ids, database_url)
    database = database_url or str(homes[0] / "pse.db")
    mock = await LoadMock().start()
    exe = shutil.which("pse-bot")
    procs, urls, logs = [], [], []
    run = Run()
    try:
        for home in homes:  # one after the other: the first start builds the shared guidance index
            port = free_port()
            env = dict(os.environ, PSE_HOME=str(home), PORT=str(port), SLACK_BOT_TOKEN="xoxb-load-bench",
                       SLACK_SIGNING_SECRET=SECRET, SLACK_API_URL=mock.api_url, PSE_LOG_LEVEL="INFO",
                       PSE_RATE_PER_MINUTE="600", PSE_RATE_BURST="60", HF_HUB_OFFLINE="1",
                       TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
            env.pop("DATABASE_URL", None)
            if database_url:
                env["DATABASE_URL"] = database_url
            cmd = ([exe] if exe else [sys.executable, "-m", "bot.cli.main"]) + ["serve", "--host", "127.0.0.1"]
            log_path = home / "server.log"
            logs.append(log_path)
            proc = subprocess.Popen(cmd, env=env, cwd=str(ROOT), stdout=log_path.open("w"), stderr=subprocess.STDOUT)
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
            startup = await wait_healthy(urls[-1], proc)
        connector = aiohttp.TCPConnector(limit=users + 10)
        async with aiohttp.ClientSession(connector=connector) as session:
            started = time.monotonic()
            until = started + seconds
            await asyncio.gather(*(user_loop(session, urls[i % webs], mock, run, u, i, until, think,
                                             random.Random(rnd.random()), qs, run_tag)
                                   for i, u in enumerate(user_ids)))
            wall = time.monotonic() - started
        await mock.settle(quiet=1.0, timeout=10)  # late chart uploads etc.
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        await mock.close()
    try:
        per_user: collections.Counter = collections.Counter()
        not_json = logged_errors = 0
        for log_path in logs:
            pu, nj, le = request_log_lines(log_path)
            per_user.update(pu)
            not_json += nj
            logged_errors += le
        lost = check_logs(database, run)
    finally:
        for home in homes:
            shutil.rmtree(home, ignore_errors=True)

    sent = run.sent
    acked = [c for c in sent if c.status == 200]
    answered = [c for c in acked if c.answer_s is not None]
    apologies = [c for c in answered if any(m in c.answer.lower() for m in APOLOGY_MARKS)]
    limited = [c for c in answered if RATE_MARK in c.answer]
    bad_logs = [c for c in answered if c.kind == "log" and "Logged" not in c.answer and RATE_MARK not in c.answer]
    expected = collections.Counter(f"slack:{c.user}" for c in acked)
    log_line_gaps = {u: (n, per_user.get(u, 0)) for u, n in expected.items() if per_user.get(u, 0) != n}
    by_kind = {}
    for kind, _ in MIX:
        rows = [c for c in answered if c.kind == kind]
        ans = [c.answer_s * 1000 for c in rows]
        by_kind[kind] = {"n": len(rows), "answer_p50_ms": pct(ans, 50), "answer_p99_ms": pct(ans, 99)}
    acks = [c.ack_s * 1000 for c in acked]
    answers = [c.answer_s * 1000 for c in answered]
    return {
        "webs": webs, "database": "PostgreSQL" if database_url else "SQLite",
        "users": users, "seconds": seconds, "think_s": list(think), "cpus": os.cpu_count(),
        "startup_s": round(startup, 1), "wall_s": round(wall, 1),
        "requests": len(sent), "per_second": round(len(sent) / max(wall, 1e-9), 1),
        "http_errors": len(sent) - len(acked), "http_error_examples": [c.http_error for c in sent if c.http_error][:5],
        "answered": len(answered), "unanswered": len(acked) - len(answered),
        "apologies": len(apologies), "logged_errors": logged_errors, "rate_limited": len(limited),
        "log_not_saved_replies": len(bad_logs), "log_reply_examples": [c.answer[:200] for c in bad_logs][:3],
        "ack_p50_ms": pct(acks, 50), "ack_p99_ms": pct(acks, 99), "ack_max_ms": max(acks, default=float("nan")),
        "answer_p50_ms": pct(answers, 50), "answer_p99_ms": pct(answers, 99),
        "answer_max_ms": max(answers, default=float("nan")), "by_kind": by_kind,
        "acked_logs": lost["acked_logs"], "logs_stored_once": lost["stored"],
        "lost_logs": len(lost["missing"]), "doubled_logs": len(lost["doubled"]),
        "request_log_lines": sum(per_user.values()), "requests_without_one_log_line": len(log_line_gaps),
        "log_line_gap_examples": dict(list(log_line_gaps.items())[:5]), "non_json_log_lines": not_json,
    }


def failures(r: dict) -> list[str]:
    checks = [("HTTP errors", r["http_errors"]), ("unanswered commands", r["unanswered"]),
              ("apology / error answers", r["apologies"]), ("request log lines with outcome error or timeout", r["logged_errors"]),
              ("`log` commands answered without saving", r["log_not_saved_replies"]),
              ("lost logs", r["lost_logs"]), ("logs stored twice", r["doubled_logs"]),
              ("users whose request count != request-log lines", r["requests_without_one_log_line"])]
    return [f"{what}: {n}" for what, n in checks if n]


def table(r: dict) -> str:
    ms = lambda v: f"{v:,.0f} ms"  # noqa: E731
    lines = [
        f"{r['users']} users × {r['seconds']:.0f} s, think time {r['think_s'][0]:g}–{r['think_s'][1]:g} s, "
        f"{r['cpus']} CPU cores (server start incl. index build {r['startup_s']} s)",
        "",
        "| measure | value |",
        "|---|---:|",
        f"| requests (slash commands) | {r['requests']:,} ({r['per_second']}/s) |",
        f"| HTTP errors | {r['http_errors']} |",
        f"| apology / error / timeout answers | {r['apologies']} |",
        f"| unanswered | {r['unanswered']} |",
        f"| rate-limited answers (limit raised for the run) | {r['rate_limited']} |",
        f"| ack latency p50 / p99 | {ms(r['ack_p50_ms'])} / {ms(r['ack_p99_ms'])} |",
        f"| answer latency p50 / p99 | {ms(r['answer_p50_ms'])} / {ms(r['answer_p99_ms'])} |",
    ]
    for kind, k in r["by_kind"].items():
        lines.append(f"| … `{kind}` ({k['n']}) p50 / p99 | {ms(k['answer_p50_ms'])} / {ms(k['answer_p99_ms'])} |")
    lines += [
        f"| `log` commands acked / stored exactly once | {r['acked_logs']} / {r['logs_stored_once']} |",
        f"| lost logs / stored twice | {r['lost_logs']} / {r['doubled_logs']} |",
        f"| request-log lines (JSON) / requests | {r['request_log_lines']:,} / {r['requests']:,} |",
    ]
    bad = failures(r)
    lines += ["", "FAILED: " + "; ".join(bad) if bad else "No error, no lost log."]
    return "\n".join(lines)


def parse_think(text: str) -> tuple[float, float]:
    try:
        lo, _, hi = text.partition("-")
        low, high = float(lo), float(hi or lo)
    except ValueError:
        raise SystemExit(f"--think takes seconds like 1-4, not {text!r}") from None
    if not 0 <= low <= high <= 60:
        raise SystemExit("--think must be MIN-MAX seconds with 0 ≤ MIN ≤ MAX ≤ 60")
    return low, high


def side_by_side(results: list[dict]) -> str:
    ms = lambda v: f"{v:,.0f} ms"  # noqa: E731
    head = " | ".join(f"{r['webs']} web{'s' if r['webs'] > 1 else ''}, {r['database']}" for r in results)
    rows = [
        ("requests / s", lambda r: f"{r['per_second']}"),
        ("requests", lambda r: f"{r['requests']:,}"),
        ("HTTP errors", lambda r: f"{r['http_errors']}"),
        ("error / apology answers", lambda r: f"{r['apologies']}"),
        ("unanswered", lambda r: f"{r['unanswered']}"),
        ("ack p50 / p99", lambda r: f"{ms(r['ack_p50_ms'])} / {ms(r['ack_p99_ms'])}"),
        ("answer p50 / p99", lambda r: f"{ms(r['answer_p50_ms'])} / {ms(r['answer_p99_ms'])}"),
        ("`ask` answer p50 / p99", lambda r: f"{ms(r['by_kind']['ask']['answer_p50_ms'])} / "
                                             f"{ms(r['by_kind']['ask']['answer_p99_ms'])}"),
        ("`log` answer p50 / p99", lambda r: f"{ms(r['by_kind']['log']['answer_p50_ms'])} / "
                                             f"{ms(r['by_kind']['log']['answer_p99_ms'])}"),
        ("`log` acked / stored exactly once", lambda r: f"{r['acked_logs']} / {r['logs_stored_once']}"),
    ]
    r0 = results[0]
    lines = [f"{r0['users']} users × {r0['seconds']:.0f} s, think {r0['think_s'][0]:g}–{r0['think_s'][1]:g} s, "
             f"{r0['cpus']} CPU cores, same seed", "", f"| measure | {head} |",
             "|---|" + "---:|" * len(results)]
    lines += [f"| {label} | " + " | ".join(f(r) for r in results) + " |" for label, f in rows]
    return "\n".join(lines)


async def compare(users: int, seconds: float, think: tuple[float, float], seed: int) -> list[dict]:
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_support import PgServer, why_not

    reason = why_not()
    if reason:
        raise SystemExit(f"--compare needs PostgreSQL: {reason}")
    results = [await run_load(users, seconds, think, seed, webs=1)]
    server = PgServer.start()
    try:
        server.janitor("pse_load", template=None).init()
        results.append(await run_load(users, seconds, think, seed, webs=2, database_url=server.url("pse_load")))
    finally:
        server.stop()
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50, help=f"concurrent users (1–{MAX_USERS}, default 50)")
    ap.add_argument("--seconds", type=float, default=60, help=f"how long to hold them (1–{MAX_SECONDS}, default 60)")
    ap.add_argument("--think", default="1-4", help="think time between a user's commands, MIN-MAX seconds")
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--webs", type=int, default=1, help="web processes sharing the database (1–4)")
    ap.add_argument("--database-url", default="", help="PostgreSQL URL (default: a SQLite file per run)")
    ap.add_argument("--compare", action="store_true", help="1 web on SQLite vs 2 webs on a throw-away PostgreSQL")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.users <= MAX_USERS:
        raise SystemExit(f"--users must be 1–{MAX_USERS}")
    if not 1 <= args.seconds <= MAX_SECONDS:
        raise SystemExit(f"--seconds must be 1–{MAX_SECONDS}")
    if not 1 <= args.webs <= 4 or (args.webs > 1 and not args.database_url and not args.compare):
        raise SystemExit("--webs must be 1–4, and more than one needs --database-url (PostgreSQL)")
    think = parse_think(args.think)
    if args.compare:
        results = asyncio.run(compare(args.users, args.seconds, think, args.seed))
        print(json.dumps(results, indent=2, default=str) if args.json else side_by_side(results))
        if any(failures(r) for r in results):
            print("FAILED: " + "; ".join(f for r in results for f in failures(r)))
            raise SystemExit(1)
        return
    result = asyncio.run(run_load(args.users, args.seconds, think, args.seed, args.webs, args.database_url))
    print(json.dumps(result, indent=2, default=str) if args.json else table(result))
    if failures(result):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
