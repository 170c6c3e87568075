from datetime import datetime, timedelta, timezone

from click.testing import CliRunner

from indicators import subscriptions as subs
from bot.cli.main import main
from storage.store import Store


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_report_and_target_commands(settings):
    r = run("target", "partnerships", "4", "Nepal", "FY2027")
    assert r.exit_code == 0 and "Target set" in r.output
    r = run("report", "FY2027", "Nepal")
    assert r.exit_code == 0 and "FY2027 (1 Oct 2026 – 30 Sep 2027) · Nepal" in r.output
    r = run("report", "whenever")
    assert r.exit_code == 1 and "whenever" in r.output


def test_digest_preview_prints_and_saves_the_chart(settings):
    r = run("digest", "preview", "--country", "nepal", "--tz", "Asia/Kathmandu")
    assert r.exit_code == 0 and "Digest preview" in r.output and "· Nepal ·" in r.output
    charts = list(settings.charts_dir.glob("*.png"))
    assert len(charts) == 1 and str(charts[0]) in r.output
    r = CliRunner().invoke(main, ["digest", "preview", "--tz", "Moon/Base"])
    assert r.exit_code == 2 and "Moon/Base" in r.output
    r = CliRunner().invoke(main, ["digest", "preview", "--country", "Atlantis"])
    assert r.exit_code == 2 and "Atlantis" in r.output


def test_scheduler_once_sends_console_digests_to_the_outbox(settings):
    st = Store.open(settings.database)
    now = datetime.now(timezone.utc)  # due this very hour, whatever day the test runs
    subs.subscribe(st, "console", "console", now.weekday(), now.hour, "UTC", actor="test",
                   now=now - timedelta(days=8))
    st.close()
    r = run("scheduler", "--once")
    assert r.exit_code == 0 and "Digest senders: console" in r.output and ": sent" in r.output
    outbox = settings.home / "outbox" / "console-digests.txt"
    assert "Weekly PSE digest" in outbox.read_text()
    r = run("scheduler", "--once")
    assert "Nothing due." in r.output
    r = run("digest", "list")
    assert "console:console" in r.output and "sent" in r.output


def test_scheduler_without_slack_adapter_config_only_uses_console(settings, monkeypatch):
    from bot.cli.reports import build_senders

    st = Store.open(settings.database)
    try:
        assert list(build_senders(settings, st)) == ["console"]
    finally:
        st.close()


def test_scheduler_once_now_runs_one_check_as_if_it_were_that_moment(settings):
    st = Store.open(settings.database)
    subs.subscribe(st, "console", "console", 0, 9, "Asia/Bangkok", actor="test",
                   now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    st.close()
    assert "Nothing due." in run("scheduler", "--once", "--now", "2026-10-05T08:59+07:00").output
    r = run("scheduler", "--once", "--now", "2026-10-05T02:00")  # no zone: UTC (09:00 in Bangkok)
    assert r.exit_code == 0 and "2026-10-05 02:00Z subscription #1 2026-W41: sent (message console-" in r.output
    assert "Nothing due." in run("scheduler", "--once", "--now", "2026-10-06T12:00Z").output
    r = CliRunner().invoke(main, ["scheduler", "--once", "--now", "next monday"])
    assert r.exit_code == 2 and "not an ISO date-time" in r.output
    r = CliRunner().invoke(main, ["scheduler", "--now", "2026-10-05T02:00"])
    assert r.exit_code == 2 and "--now needs --once" in r.output
    assert "--now DATETIME" in run("scheduler", "--help").output
