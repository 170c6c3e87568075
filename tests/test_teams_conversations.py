from adapters.teams import conversations
from storage.store import Store

CHANNEL = "19:abc@thread.tacv2"


def ref(cid=CHANNEL, url="https://smba.example/"):
    return {"conversation": {"id": cid}, "serviceUrl": url, "channelId": "msteams"}


def test_save_refreshes_and_survives_reopening(settings):
    store = Store.open(settings.database)
    conversations.save(store, CHANNEL, ref(), "https://smba.example/", "tenant-1", "channel")
    conversations.save(store, CHANNEL, ref(url="https://smba.other/"), "https://smba.other/", "", "")
    store.close()
    again = Store.open(settings.database)
    row = conversations.get(again, CHANNEL + ";messageid=17")  # a thread resolves to its channel
    assert row["service_url"] == "https://smba.other/" and row["reference"]["serviceUrl"] == "https://smba.other/"
    assert row["tenant_id"] == "tenant-1" and row["conversation_type"] == "channel"  # not blanked by a refresh
    assert conversations.active(again) == [CHANNEL]
    again.close()


def test_deactivate_is_audited_once_and_undone_when_the_bot_is_back(store):
    conversations.save(store, CHANNEL, ref(), "https://smba.example/", "t", "channel")
    assert conversations.deactivate(store, CHANNEL, "HTTP 403") is True
    assert conversations.deactivate(store, CHANNEL, "HTTP 403") is False
    assert conversations.active(store) == []
    assert store.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'deactivate'").fetchone()[0] == 1
    conversations.save(store, CHANNEL, ref(), "https://smba.example/", "t", "channel")
    assert conversations.get(store, CHANNEL)["active"] is True


def test_unknown_conversation_is_none(store):
    assert conversations.get(store, "19:nope@thread.tacv2") is None
    assert conversations.deactivate(store, "19:nope@thread.tacv2", "x") is False
