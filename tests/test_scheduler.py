import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest

from indicators import subscriptions as subs
from bot.delivery import ConsoleSender, DeliveryGone, Sender
from bot.reply import Reply
from bot.scheduler import due_at, run_due, week_key
from indicators.digest_sends import MAX_ATTEMPTS, RETRY_AFTER
from storage.store import Store

UTC = timezone.utc


class Recorder:
    """A Sender that records what it was asked to send; optionally fails or sleeps."""

    def __init__(self, platform="slack", fail_times=0, gone=False, delay=0.0):
        self.platform = platform
        self.sent: list[tuple[str, str]] = []
        self.calls = 0
        self.fail_times = fail_times
        self.gone = gone
        self.delay = delay
        self.lock = threading.Lock()

    async def send(self, channel_id: str, reply: Reply) -> None:
        with self.lock:
            self.calls += 1
            call = self.calls
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.gone:
            raise DeliveryGone("channel_not_found")
        if call <= self.fail_times:
            raise ConnectionError("temporary network trouble")
        with self.lock:
            self.sent.append((channel_id, reply.text))


def compose(sub, now):
    return Reply(text=f"digest for {sub.channel_id} at {now.isoformat()}")


def add(store, channel="C1", weekday=0, hour=9, tz="UTC", since=datetime(2026, 1, 1, tzinfo=UTC), platform="slack"):
    sub, _ = subs.subscribe(store, platform, channel, weekday, hour, tz, actor="test", now=since)
    return sub


def tick(store, sender, now, composer=compose):
    return asyncio.run(run_due(store, composer, {sender.platform: sender}, now))


def sends(store):
    return store.execute("SELECT subscription_id, week_key, status, attempts FROM digest_sends "
                                 "ORDER BY id").fetchall()


def test_recorder_and_console_sender_satisfy_the_protocol():
    assert isinstance(Recorder(), Sender) and isinstance(ConsoleSender(), Sender)


# --- when is a digest due ------------------------------------------------------------------------------------

@pytest.mark.parametrize("tz,now,expected_utc,week", [
    ("UTC", datetime(2026, 10, 7, 12, tzinfo=UTC), datetime(2026, 10, 5, 9, tzinfo=UTC), "2026-W41"),
    ("Asia/Bangkok", datetime(2026, 10, 7, tzinfo=UTC), datetime(2026, 10, 5, 2, tzinfo=UTC), "2026-W41"),
    ("Asia/Kathmandu", datetime(2026, 10, 7, tzinfo=UTC), datetime(2026, 10, 5, 3, 15, tzinfo=UTC), "2026-W41"),
    # New York: EST (UTC-5) the week before DST starts on Sun 8 Mar 2026, EDT (UTC-4) after.
    ("America/New_York", datetime(2026, 3, 4, tzinfo=UTC), datetime(2026, 3, 2, 14, tzinfo=UTC), "2026-W10"),
    ("America/New_York", datetime(2026, 3, 11, tzinfo=UTC), datetime(2026, 3, 9, 13, tzinfo=UTC), "2026-W11"),
    # London: GMT before Sun 29 Mar 2026, BST (UTC+1) after; back to GMT on Sun 25 Oct 2026.
    ("Europe/London", datetime(2026, 3, 25, tzinfo=UTC), datetime(2026, 3, 23, 9, tzinfo=UTC), "2026-W13"),
    ("Europe/London", datetime(2026, 4, 1, tzinfo=UTC), datetime(2026, 3, 30, 8, tzinfo=UTC), "2026-W14"),
    ("Europe/London", datetime(2026, 10, 28, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC), "2026-W44"),
])
def test_due_moment_in_the_subscriptions_own_zone(store, tz, now, expected_utc, week):
    sub = add(store, tz=tz)
    assert due_at(sub, now) == (week, expected_utc)


def test_week_key_is_local_not_utc(store):
    sub = add(store, tz="Asia/Bangkok", weekday=0, hour=0)
    sunday_evening_utc = datetime(2026, 10, 11, 18, tzinfo=UTC)  # already Monday 01:00 in Bangkok
    assert week_key(sunday_evening_utc) == "2026-W41"
    assert due_at(sub, sunday_evening_utc) == ("2026-W42", datetime(2026, 10, 11, 17, tzinfo=UTC))


def sweep(store, sender, start, days=14, step=timedelta(minutes=15)):
    """Run the scheduler every `step` for `days`; return the times at which something was sent."""
    fired = []
    now = start
    while now < start + timedelta(days=days):
        if any(r.status == "sent" for r in tick(store, sender, now)):
            fired.append(now)
        now += step
    return fired


@pytest.mark.parametrize("tz,weekday,hour,start,expected", [
    # Sunday 02:00 does not exist in New York on 8 Mar 2026 (clocks jump 02:00 → 03:00): sent once, at 03:00 EDT.
    ("America/New_York", 6, 2, datetime(2026, 3, 2, tzinfo=UTC),
     [datetime(2026, 3, 8, 7, tzinfo=UTC), datetime(2026, 3, 15, 6, tzinfo=UTC)]),
    # Sunday 01:00 happens twice in New York on 1 Nov 2026: sent once, at the first 01:00 (EDT).
    ("America/New_York", 6, 1, datetime(2026, 10, 26, tzinfo=UTC),
     [datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 8, 6, tzinfo=UTC)]),
    # Monday 09:00 London across the October change back to GMT.
    ("Europe/London", 0, 9, datetime(2026, 10, 19, tzinfo=UTC),
     [datetime(2026, 10, 19, 8, tzinfo=UTC), datetime(2026, 10, 26, 9, tzinfo=UTC)]),
    # Kathmandu is UTC+05:45: Monday 09:00 is 03:15 UTC, on the quarter hour.
    ("Asia/Kathmandu", 0, 9, datetime(2026, 10, 5, tzinfo=UTC),
     [datetime(2026, 10, 5, 3, 15, tzinfo=UTC), datetime(2026, 10, 12, 3, 15, tzinfo=UTC)]),
])
def test_exactly_one_send_per_week_across_dst(store, tz, weekday, hour, start, expected):
    add(store, tz=tz, weekday=weekday, hour=hour, since=start)  # subscribed when the sweep starts
    sender = Recorder()
    assert sweep(store, sender, start) == expected
    assert len(sender.sent) == 2


def test_late_scheduler_catches_up_within_the_week_but_not_twice(store):
    add(store, weekday=0, hour=9)
    sender = Recorder()
    assert tick(store, sender, datetime(2026, 10, 5, 8, 59, tzinfo=UTC)) == []       # not yet
    assert [r.status for r in tick(store, sender, datetime(2026, 10, 7, 15, tzinfo=UTC))] == ["sent"]  # Wed
    assert tick(store, sender, datetime(2026, 10, 8, 15, tzinfo=UTC)) == []          # restart: not again
    assert sends(store) == [(1, "2026-W41", "sent", 1)]


def test_a_new_subscription_waits_for_its_next_due_moment(store):
    add(store, weekday=0, hour=9, since=datetime(2026, 10, 5, 10, tzinfo=UTC))  # an hour after this week's slot
    sender = Recorder()
    assert tick(store, sender, datetime(2026, 10, 5, 11, tzinfo=UTC)) == []
    assert [r.status for r in tick(store, sender, datetime(2026, 10, 12, 9, tzinfo=UTC))] == ["sent"]


def test_inactive_subscription_is_not_sent(store):
    add(store)
    subs.unsubscribe(store, "slack", "C1", actor="test")
    assert tick(store, Recorder(), datetime(2026, 10, 5, 10, tzinfo=UTC)) == []


# --- failures ------------------------------------------------------------------------------------------------

def test_failed_send_is_retried_later_and_a_sent_one_never_again(store):
    add(store)
    sender = Recorder(fail_times=1)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    assert [r.status for r in tick(store, sender, t0)] == ["failed"]
    assert sends(store) == [(1, "2026-W41", "failed", 1)]
    assert tick(store, sender, t0 + timedelta(minutes=1)) == []        # back-off
    assert [r.status for r in tick(store, sender, t0 + RETRY_AFTER)] == ["sent"]
    assert sends(store) == [(1, "2026-W41", "sent", 2)]
    for minutes in (10, 60, 600):
        assert tick(store, sender, t0 + timedelta(minutes=minutes)) == []
    assert len(sender.sent) == 1


def test_retries_stop_after_max_attempts(store):
    add(store)
    sender = Recorder(fail_times=100)
    t = datetime(2026, 10, 5, 9, tzinfo=UTC)
    for _ in range(MAX_ATTEMPTS + 3):
        tick(store, sender, t)
        t += RETRY_AFTER
    assert sender.calls == MAX_ATTEMPTS
    assert sends(store) == [(1, "2026-W41", "failed", MAX_ATTEMPTS)]
    assert store.execute("SELECT error FROM digest_sends").fetchone()[0].startswith("ConnectionError")


def test_compose_failure_is_recorded_and_retried(store):
    add(store)
    sender = Recorder()
    boom = {"n": 0}

    def flaky(sub, now):
        boom["n"] += 1
        if boom["n"] == 1:
            raise RuntimeError("database busy")
        return compose(sub, now)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    assert [r.status for r in tick(store, sender, t0, flaky)] == ["failed"]
    assert [r.status for r in tick(store, sender, t0 + RETRY_AFTER, flaky)] == ["sent"]


def test_delivery_gone_deactivates_the_subscription(store):
    add(store)
    sender = Recorder(gone=True)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    assert [r.status for r in tick(store, sender, t0)] == ["gone"]
    assert subs.get(store, "slack", "C1").active is False
    assert tick(store, sender, t0 + timedelta(days=7)) == []
    assert sender.calls == 1
    assert store.execute("SELECT action FROM audit_log WHERE action = 'digest.deactivate'").fetchone()


def test_a_send_left_in_flight_by_a_dead_process_is_not_repeated(store):
    """A row from before leases existed (no lease_until): it may have been posted, so the subscriber is told
    instead, once."""
    add(store)
    store.execute("INSERT INTO digest_sends (subscription_id, week_key, claimed_at, status) "
                          "VALUES (1, '2026-W41', '2026-10-05T09:00:00+00:00', 'sending')")
    sender = Recorder()
    assert [r.status for r in tick(store, sender, datetime(2026, 10, 5, 12, tzinfo=UTC))] == ["uncertain"]
    assert len(sender.sent) == 1 and "may not have arrived" in sender.sent[0][1]
    assert tick(store, sender, datetime(2026, 10, 5, 13, tzinfo=UTC)) == []
    assert sender.calls == 1


def test_platform_without_a_sender_is_skipped_without_claiming(store):
    add(store, platform="teams")
    results = tick(store, Recorder(platform="slack"), datetime(2026, 10, 5, 9, tzinfo=UTC))
    assert [r.status for r in results] == ["skipped"] and sends(store) == []


def test_run_due_needs_an_aware_time(store):
    with pytest.raises(ValueError):
        tick(store, Recorder(), datetime(2026, 10, 5, 9))


# --- two schedulers racing -----------------------------------------------------------------------------------

def race(path, sender, now, schedulers=2):
    """Each scheduler has its own connection to the same SQLite file; all call run_due at the same instant."""
    barrier = threading.Barrier(schedulers)
    results: list = []
    errors: list = []

    def one():
        st = Store.open(path)
        try:
            barrier.wait()
            results.extend(asyncio.run(run_due(st, compose, {"slack": sender}, now)))
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            st.close()
    threads = [threading.Thread(target=one) for _ in range(schedulers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    return results


def test_two_schedulers_racing_send_each_digest_exactly_once(settings, store):
    for i in range(20):
        add(store, channel=f"C{i}", tz=("Asia/Bangkok", "Europe/London", "America/New_York", "UTC")[i % 4])
    sender = Recorder(delay=0.01)
    now = datetime(2026, 10, 7, 12, tzinfo=UTC)
    for _ in range(3):  # the same instant again and again: still once per week
        race(settings.database, sender, now)
    assert sorted(ch for ch, _ in sender.sent) == sorted(f"C{i}" for i in range(20))
    rows = store.execute("SELECT COUNT(*), SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) FROM digest_sends").fetchone()
    assert rows == (20, 20)


def test_racing_schedulers_with_a_failure_retry_only_once(settings, store):
    add(store)
    sender = Recorder(fail_times=1)
    t0 = datetime(2026, 10, 5, 9, tzinfo=UTC)
    race(settings.database, sender, t0)
    assert sender.calls == 1
    race(settings.database, sender, t0 + RETRY_AFTER, schedulers=3)
    assert sender.calls == 2 and len(sender.sent) == 1


def test_two_processes_share_one_database(settings, store, tmp_path):
    """Two real OS processes tick at the same instant against one file: one send."""
    import subprocess
    import sys

    add(store, channel="CPROC")
    out = tmp_path / "outbox.txt"
    code = (
        "import asyncio, sys\n"
        "from datetime import datetime, timezone\n"
        "from storage.store import Store\n"
        "from bot.scheduler import run_due\n"
        "from bot.delivery import ConsoleSender\n"
        "from bot.reply import Reply\n"
        "st = Store.open(sys.argv[1])\n"
        "s = ConsoleSender(path=sys.argv[2]); s.platform = 'slack'\n"
        "now = datetime(2026, 10, 5, 9, 30, tzinfo=timezone.utc)\n"
        "r = asyncio.run(run_due(st, lambda sub, n: Reply(text='hello ' + sub.channel_id), {'slack': s}, now))\n"
        "print(len([x for x in r if x.status == 'sent']))\n"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(settings.database), str(out)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    counts = [int(p.communicate(timeout=60)[0].strip()) for p in procs]
    assert sorted(counts) == [0, 1]
    assert out.read_text().count("hello CPROC") == 1


def test_real_digest_through_console_sender(settings, store, tmp_path):
    from indicators.digest import composer

    now = datetime.now(UTC)
    local = now.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Bangkok"))
    add(store, platform="console", channel="console", tz="Asia/Bangkok", weekday=local.weekday(), hour=local.hour)
    sender = ConsoleSender(path=tmp_path / "out.txt")
    results = asyncio.run(run_due(store, composer(store, settings.charts_dir), {"console": sender}, now))
    assert [r.status for r in results] == ["sent"]
    text = (tmp_path / "out.txt").read_text()
    assert "Weekly PSE digest" in text and "(chart:" in text
    assert sender.sent[0][1].image.is_file()


def test_claim_is_won_by_exactly_one_of_many_connections(settings, store):
    from indicators.digest_sends import claim

    add(store)
    n = 6
    barrier = threading.Barrier(n)
    wins: list[bool] = []
    lock = threading.Lock()
    now = datetime(2026, 10, 5, 9, tzinfo=UTC)

    def one():
        st = Store.open(settings.database)
        try:
            barrier.wait()
            won = claim(st, 1, "2026-W41", now) is not None
            with lock:
                wins.append(won)
        finally:
            st.close()
    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(wins) == [False] * (n - 1) + [True]


def test_racing_schedulers_that_both_pass_the_precheck_still_send_once(settings, store, monkeypatch):
    from indicators import digest_sends

    monkeypatch.setattr(digest_sends, "already_done", lambda *a: False)  # as if both looked at the same instant
    for i in range(10):
        add(store, channel=f"C{i}")
    sender = Recorder(delay=0.005)
    race(settings.database, sender, datetime(2026, 10, 7, 12, tzinfo=UTC), schedulers=3)
    assert sorted(ch for ch, _ in sender.sent) == sorted(f"C{i}" for i in range(10))
