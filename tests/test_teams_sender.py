"""Proactive Teams delivery (adapters/teams/sender.py): digests posted into stored conversations after a
restart, and conversations marked gone when Teams refuses delivery."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from teams_support import *  # noqa: F401,F403 - helpers and fixtures shared by the Teams tests
from teams_support import (CHANNEL, DARA, NASRIN, PERSONAL, Services, Store, activity, card_of, conversations, inputs, post,
                           replace, start_server, texts)


def local(settings):
    """The loopback mock connector is an allowed service URL only in --insecure-local-teams mode."""
    return replace(settings, teams_insecure_local=True)


def chart(path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 5), dpi=120)
    ax.bar(["Partnerships", "High", "Medium", "Low", "Placed"], [4, 1, 3, 9, 12], color="#1F6F8B")
    ax.set_title("Indicator progress, Q2")
    fig.savefig(path)
    plt.close(fig)
    return path


async def test_digest_is_delivered_proactively_after_a_restart(settings, recorder, connector, tmp_path):
    from adapters.teams.sender import TeamsSender

    first_store = Store.open(settings.database)
    runner, srv = await start_server(Services(settings, knowledge=object(), store=first_store))
    await post(srv, activity("conversation_update_added", connector.url))
    await connector.wait_for(1)
    await runner.cleanup()
    first_store.close()

    # A new process: new Services on the same database file, no inbound activity since.
    store = Store.open(settings.database)
    try:
        sender = TeamsSender.from_settings(local(settings), store)
        assert sender.platform == "teams"
        digest = Reply(text="Weekly digest: 2 new partnerships, 1 stalled.",
                       facts=[Fact("Partnerships developed", "4 of 10")],
                       image=chart(tmp_path / "digest.png"), image_title="Indicator progress")
        message_id = await sender.send(CHANNEL, digest)
        calls = await connector.wait_for(2)
        assert message_id and message_id.startswith("act-")  # the connector's id for the new activity
    finally:
        store.close()
    post_call = calls[1]
    assert post_call.method == "POST" and post_call.conversation_id == CHANNEL and post_call.activity_id is None
    card = card_of(post_call)
    assert "Weekly digest" in texts(card)
    images = [el for el in card["body"] if el["type"] == "Image"]
    assert len(images) == 1 and images[0]["url"].startswith("data:image/png;base64,")


async def test_refused_delivery_marks_the_conversation_gone(settings, store, connector):
    from adapters.teams.sender import TeamsSender
    from bot.delivery import DeliveryGone

    ref = {"bot": {"id": "28:bot", "name": "PSE Assistant"}, "conversation": {"id": CHANNEL},
           "channelId": "msteams", "serviceUrl": connector.url}
    conversations.save(store, CHANNEL, ref, connector.url, "t1", "channel")
    connector.refuse[CHANNEL] = 403
    sender = TeamsSender.from_settings(local(settings), store)
    with pytest.raises(DeliveryGone):
        await sender.send(CHANNEL, Reply(text="Weekly digest"))
    assert len(connector.calls) == 1
    assert not conversations.get(store, CHANNEL)["active"]
    audit = store.execute("SELECT action, detail FROM audit_log WHERE table_name = 'teams_conversations'")
    assert [(a, json.loads(d)["conversation_id"]) for a, d in audit] == [("deactivate", CHANNEL)]
    with pytest.raises(DeliveryGone):  # later digests are not even attempted
        await sender.send(CHANNEL, Reply(text="Weekly digest"))
    assert len(connector.calls) == 1
    with pytest.raises(DeliveryGone):
        await sender.send("19:never-installed@thread.tacv2", Reply(text="Weekly digest"))


async def test_digest_subscribed_in_a_channel_is_sent_by_the_scheduler_after_a_restart(
        settings, connector, teams_services, store):
    from datetime import datetime, timedelta, timezone

    from adapters.teams.sender import TeamsSender
    from indicators import subscriptions
    from records.access import add_user
    from indicators.digest import composer
    from bot.scheduler import run_due

    add_user(store, f"teams:{NASRIN}", "lead", ["Thailand"], actor="test")
    runner, srv = await start_server(teams_services)
    try:
        await post(srv, activity("channel_mention", connector.url,
                                 text="<at>PSE Assistant</at> digest subscribe Monday 9 Asia/Bangkok"))
        [confirm] = await connector.wait_for(1)
    finally:
        await runner.cleanup()
    assert "weekly PSE digest" in texts(card_of(confirm))

    # Another process (the scheduler) with its own store on the same file, and no inbound activity since.
    clock_store = Store.open(settings.database)
    try:
        [sub] = subscriptions.active(clock_store)
        assert (sub.platform, sub.channel_id) == ("teams", CHANNEL)
        senders = {"teams": TeamsSender.from_settings(local(settings), clock_store)}
        compose = composer(clock_store, settings.charts_dir)
        today = datetime.now(timezone.utc)
        monday = (today + timedelta(days=7 - today.weekday() + 7)).replace(hour=3, minute=0, second=0)  # 10:00 BKK
        [result] = await run_due(clock_store, compose, senders, monday)
        assert result.status == "sent", result
        digest = connector.calls[-1]
        assert digest.conversation_id == CHANNEL and digest.activity_id is None
        card = card_of(digest)
        assert any(el["type"] == "Image" and el["url"].startswith("data:image/png;base64,") for el in card["body"])

        # The bot is removed from the team: Teams answers 403, and the subscription stops.
        connector.refuse[CHANNEL] = 403
        [result] = await run_due(clock_store, compose, senders, monday + timedelta(days=7))
        assert result.status == "gone"
        assert subscriptions.active(clock_store) == []
        assert not conversations.get(clock_store, CHANNEL)["active"]
    finally:
        clock_store.close()
