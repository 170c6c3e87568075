"""Digest sends with a lease (indicators/digest_sends.py, bot/scheduler.py) and `digest resend`, in process, on
both engines. The crash tests with real processes are in test_digest_crash.py."""

from __future__ import annotations

import asyncio
import json
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from bot.app import Services
from bot.message import Message
from bot.reply import Reply
from bot.router import route
from bot.scheduler import run_due
from indicators import digest_sends
from indicators import subscriptions as subs
from indicators.digest_sends import LEASE, MAX_ATTEMPTS, RETRY_AFTER, claim, mark_posting
from records import access
from storage.store import Store

UTC = timezone.utc
MONDAY_9 = datetime(2026, 10, 5, 9, tzinfo=UTC)  # week 2026-W41
WEEK = "2026-W41"


class Recorder:
    """A Sender that records posts and returns a message id; `fail` raises for the next N calls."""

    def __init__(self, platform="slack", fail=0, gone=False):
        self.platform = platform
        self.sent: list[tuple[str, str]] = []
        self.fail = fail
        self.gone = gone
        self.lock = threading.Lock()

    async def send(self, channel_id: str, reply: Reply) -> str | None:
        from bot.delivery import DeliveryGone

        if self.gone:
            raise DeliveryGone("channel_not_found")
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("temporary trouble")
            self.sent.append((channel_id, reply.text))
            return f"ts-{len(self.sent)}"

    def digests(self):
        return [s for s in self.sent if s[1].startswith("digest")]

    def notices(self):
        return [s for s in self.sent if "may not have arrived" in s[1]]


def compose(sub, now):
    return Reply(text=f"digest for {sub.channel_id}")


def add(store, channel="C1", platform="slack", created_by="test"):
    sub, _ = subs.subscribe(store, platform, channel, 0, 9, "UTC", actor=created_by,
                            now=datetime(2026, 1, 1, tzinfo=UTC))
    return sub


def tick(store, sender, now):
    return asyncio.run(run_due(store, compose, {sender.platform: sender}, now))


def row(store, sub_id=1):
    r = store.execute("SELECT status, attempts, posting_at, message_id, error, lease_until FROM digest_sends "
                      "WHERE subscription_id = ?", (sub_id,)).fetchone()
    return None if r is None else dict(zip(("status", "attempts", "posting_at", "message_id", "error", "lease"), r))


# --- the lease ------------------------------------------------------------------------------------------------

def test_a_sent_digest_keeps_the_platforms_message_id(store):
    add(store)
    assert [(r.status, r.message_id) for r in tick(store, Recorder(), MONDAY_9)] == [("sent", "ts-1")]
    r = row(store)
    assert r["status"] == "sent" and r["message_id"] == "ts-1" and r["posting_at"] and r["lease"] is None


def test_a_claim_that_ran_out_before_posting_is_posted_by_a_later_tick(store):
    add(store)
    assert claim(store, 1, WEEK, MONDAY_9).kind == "post"  # ... and the process died while composing
    sender = Recorder()
    assert tick(store, sender, MONDAY_9 + LEASE - timedelta(seconds=1)) == []  # its lease still holds
    assert [r.status for r in tick(store, sender, MONDAY_9 + LEASE)] == ["sent"]
    assert tick(store, sender, MONDAY_9 + LEASE + timedelta(hours=1)) == []
    assert sender.digests() == [("C1", "digest for C1")] and sender.notices() == []
    assert row(store)["attempts"] == 2


def test_a_send_cut_off_while_posting_is_not_posted_again_and_the_subscriber_is_told_once(store):
    add(store)
    cl = claim(store, 1, WEEK, MONDAY_9)
    assert mark_posting(store, cl, MONDAY_9)  # ... and the process died during the platform call
    sender = Recorder()
    assert tick(store, sender, MONDAY_9 + LEASE - timedelta(seconds=1)) == []
    results = tick(store, sender, MONDAY_9 + LEASE)
    assert [(r.status, r.message_id) for r in results] == [("uncertain", "ts-1")]
    assert sender.digests() == [] and len(sender.notices()) == 1
    assert "/pse digest resend" in sender.notices()[0][1] and WEEK in sender.notices()[0][1]
    for later in (LEASE * 2, timedelta(days=1), timedelta(days=6)):
        assert tick(store, sender, MONDAY_9 + later) == []
    assert len(sender.sent) == 1
    assert row(store)["status"] == "uncertain" and row(store)["error"] == digest_sends.TOLD


def test_a_notice_that_fails_is_tried_again_and_a_gone_channel_is_deactivated(store):
    add(store)
    add(store, channel="C2")
    for sub_id in (1, 2):
        mark_posting(store, claim(store, sub_id, WEEK, MONDAY_9), MONDAY_9)
    sender = Recorder(fail=1)
    t = MONDAY_9 + LEASE
    assert [r.status for r in tick(store, sender, t)] == ["uncertain", "uncertain"]  # C1 failed, C2 told
    assert [ch for ch, _ in sender.notices()] == ["C2"]
    assert tick(store, sender, t + RETRY_AFTER - timedelta(seconds=1)) == []
    assert [r.detail for r in tick(store, sender, t + RETRY_AFTER)] == ["may not have arrived; the subscriber was told"]
    assert sorted(ch for ch, _ in sender.notices()) == ["C1", "C2"] and sender.digests() == []

    add(store, channel="C3")
    mark_posting(store, claim(store, 3, WEEK, MONDAY_9), MONDAY_9)
    assert [r.status for r in tick(store, Recorder(gone=True), t)] == ["gone"]
    assert subs.get(store, "slack", "C3").active is False


def test_a_process_whose_claim_ran_out_and_was_taken_over_cannot_post(store):
    add(store)
    late = claim(store, 1, WEEK, MONDAY_9)
    sender = Recorder()
    assert [r.status for r in tick(store, sender, MONDAY_9 + LEASE)] == ["sent"]  # another scheduler took over
    assert not mark_posting(store, late, MONDAY_9 + LEASE)
    assert not digest_sends.mark_sent(store, late, MONDAY_9 + LEASE, "ts-late")
    assert row(store)["message_id"] == "ts-1" and len(sender.sent) == 1


def test_crashing_before_posting_again_and_again_gives_up(store):
    add(store)
    t = MONDAY_9
    for _ in range(MAX_ATTEMPTS):
        assert claim(store, 1, WEEK, t).kind == "post"
        t += LEASE
    assert claim(store, 1, WEEK, t) is None
    assert row(store)["status"] == "failed" and "too many times" in row(store)["error"]
    assert tick(store, Recorder(), t + timedelta(hours=1)) == []


def test_the_status_check_knows_uncertain_and_nothing_else(store):
    add(store)
    store.execute("INSERT INTO digest_sends (subscription_id, week_key, claimed_at, status) "
                  "VALUES (1, 'W1', '2026-01-01', 'uncertain')")
    with pytest.raises(IntegrityError):
        store.execute("INSERT INTO digest_sends (subscription_id, week_key, claimed_at, status) "
                      "VALUES (1, 'W2', '2026-01-01', 'lost')")


# --- many schedulers on one database --------------------------------------------------------------------------

def race(database, sender, now, schedulers):
    barrier = threading.Barrier(schedulers)
    results, errors = [], []

    def one():
        st = Store.open(database)
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


@pytest.mark.parametrize("schedulers", [2, 3])
def test_racing_schedulers_repost_an_expired_claim_once_and_tell_about_an_uncertain_one_once(
        settings, store, schedulers):
    for i in range(12):
        add(store, channel=f"C{i}")
        cl = claim(store, i + 1, WEEK, MONDAY_9)
        if i % 2:
            mark_posting(store, cl, MONDAY_9)  # odd channels: cut off during the post; even: before it
    sender = Recorder()
    for _ in range(2):
        race(settings.database, sender, MONDAY_9 + LEASE, schedulers)
    assert sorted(ch for ch, _ in sender.digests()) == sorted(f"C{i}" for i in range(0, 12, 2))
    assert sorted(ch for ch, _ in sender.notices()) == sorted(f"C{i}" for i in range(1, 12, 2))
    statuses = store.execute("SELECT status, COUNT(*) FROM digest_sends GROUP BY status ORDER BY status").fetchall()
    assert [tuple(s) for s in statuses] == [("sent", 6), ("uncertain", 6)]


# --- digest resend --------------------------------------------------------------------------------------------

@pytest.fixture
def svc(settings, store):
    access.add_user(store, "slack:ULEAD", "lead", ["Thailand"], actor="test")
    access.add_user(store, "slack:USUB", "staff", ["Thailand"], actor="test")
    access.add_user(store, "slack:USTAFF", "staff", ["Thailand"], actor="test")
    return Services(settings, store=store)


def msg(text, user="ULEAD", at=MONDAY_9 + timedelta(hours=2), **kw):
    base = dict(platform="slack", user_id=user, channel_id="C1", channel_kind="channel", received_at=at)
    base.update(kw)
    return Message(text=text, **base)


def thailand(store, created_by="slack:USUB"):
    sub, _ = subs.subscribe(store, "slack", "C1", 0, 9, "UTC", country="Thailand", actor=created_by,
                            now=datetime(2026, 1, 1, tzinfo=UTC))
    return sub


def test_resend_after_an_uncertain_send_posts_it_in_the_channel_audited_and_settles_the_week(svc, store):
    thailand(store)
    mark_posting(store, claim(store, 1, WEEK, MONDAY_9), MONDAY_9)
    sender = Recorder()
    tick(store, sender, MONDAY_9 + LEASE)
    assert len(sender.notices()) == 1
    reply = route(msg("digest resend"), svc)
    assert reply.ok and not reply.private
    assert "Weekly PSE digest (posted again)" in reply.text and "Thailand" in reply.text and "week of 29 Sep – 5 Oct 2026" in reply.text
    assert row(store)["status"] == "sent" and row(store)["error"] == digest_sends.RESENT
    [(actor, detail)] = store.execute("SELECT actor, detail FROM audit_log WHERE action = 'digest.resend'").fetchall()
    assert actor == "slack:ULEAD" and json.loads(detail) == {"week": WEEK, "status_before": "uncertain",
                                                             "channel": "C1"}
    assert tick(store, sender, MONDAY_9 + timedelta(days=1)) == [] and len(sender.sent) == 1


def test_resend_before_the_scheduler_ran_stops_it_from_posting_the_week_too(svc, store):
    thailand(store)
    assert route(msg("digest resend", user="USUB"), svc).ok  # the subscriber, although only staff
    sender = Recorder()
    assert tick(store, sender, MONDAY_9 + timedelta(hours=3)) == [] and sender.sent == []
    assert route(msg("digest resend"), svc).ok  # a sent week may be posted again on request, too
    assert store.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'digest.resend'") == 2


def test_resend_is_refused_while_a_scheduler_is_posting_and_before_the_week_is_due(svc, store):
    thailand(store)
    claim(store, 1, WEEK, MONDAY_9)
    r = route(msg("digest resend", at=MONDAY_9 + timedelta(minutes=1)), svc)
    assert not r.ok and "being posted right now" in r.text
    r = route(msg("digest resend", at=MONDAY_9 - timedelta(hours=1)), svc)
    assert not r.ok and "not due until Mondays at 09:00" in r.text
    assert store.scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'digest.resend'") == 0


@pytest.mark.parametrize("user,kw,needle", [
    ("USTAFF", {}, "needs the lead role"),                         # staff who did not subscribe
    ("UGUEST", {}, "needs the staff role"),                        # not registered
    ("ULEAD", {"channel_id": "C404"}, "no weekly digest to resend"),
    ("ULEAD", {"text": "digest resend now please"}, "takes no more words"),
])
def test_resend_refusals_change_nothing(svc, store, user, kw, needle):
    thailand(store)
    before = store.snapshot(skip=("audit_log",))
    kw = dict(kw)
    r = route(msg(kw.pop("text", "digest resend"), user=user, **kw), svc)
    assert not r.ok and needle in r.text
    assert store.snapshot(skip=("audit_log",)) == before


def test_resend_of_an_all_projects_digest_is_for_admins(svc, store):
    subs.subscribe(store, "slack", "C1", 0, 9, "UTC", country=None, actor="slack:UADMIN",
                   now=datetime(2026, 1, 1, tzinfo=UTC))
    r = route(msg("digest resend"), svc)
    assert not r.ok and "only an admin" in r.text
    access.add_user(store, "slack:UADMIN", "admin", [], actor="test")
    r = route(msg("digest resend", user="UADMIN"), svc)
    assert r.ok and "all country projects" in r.text


def test_help_and_list_mention_resend(svc, store):
    thailand(store)
    assert "digest resend" in route(msg("help digest"), svc).text
    mark_posting(store, claim(store, 1, WEEK, MONDAY_9), MONDAY_9)
    tick(store, Recorder(), MONDAY_9 + LEASE)
    facts = route(msg("digest list"), svc).facts
    assert "may not have arrived (`digest resend` posts it again)" in facts[0].value
