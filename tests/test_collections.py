"""Collections (knowledge/collections.py): the bundled guidance switched off or down-weighted for every process,
on SQLite and PostgreSQL, with a tiny bundled corpus and one document of the user's own (the real model)."""

import math

import pytest

from knowledge import collections
from knowledge.base import KnowledgeBase
from knowledge.embedder import get_embedder
from knowledge.ranking import BUNDLED_WEIGHT
from storage.store import Store

TINY_CORPUS = {
    "alpha.md": "# Alpha note\n\nA first meeting with a hotel chain should start by listening to what they need.\n",
    "bravo.md": "# Bravo note\n\nCold storage warehouses in the port keep shrimp frozen before export.\n",
    "charlie.md": ("---\nstatus: example\n---\n# Charlie note\n\nReport abuse found at a supplier to the country "
                   "director within two days.\n"),
}  # written to tmp_path/"corpus" by the `corpus` fixture (conftest.py)
OURS = ("# Our hotel guide\n\nWhen you first meet a hotel chain, listen to what the hotel needs before you "
        "describe the programme.\n")


@pytest.fixture
def kb(store, tmp_path, corpus):
    k = KnowledgeBase.open(store, tmp_path / "index", corpus_dir=corpus)
    yield k
    k.close()


@pytest.fixture
def ours(kb, tmp_path):
    path = tmp_path / "ours" / "hotel-guide.md"
    path.parent.mkdir()
    path.write_text(OURS)
    assert kb.ingest([path]).ok
    return str(path.resolve())


def _meta(store) -> dict:
    return dict(store.execute("SELECT key, value FROM kb_meta WHERE key LIKE 'bundled%'"))


def test_by_default_the_bundled_guidance_is_on_with_the_ranking_weight(kb, store):
    s = kb.bundled_setting()
    assert s == collections.BundledSetting(enabled=True, weight=BUNDLED_WEIGHT, weight_set=False)
    assert kb.bundled_weight == BUNDLED_WEIGHT and _meta(store) == {}
    assert kb.searchable() == len(kb) == 3


def test_a_setting_made_through_one_process_holds_in_another_within_the_refresh_interval(
        store, settings, tmp_path, corpus):
    """Two handles on one database (two web processes). The reader's clock is driven by the test: it reads the
    setting at most once per refresh interval, then sees what the other process stored."""
    other_store = Store.open(settings.database)
    writer = KnowledgeBase.open(store, tmp_path / "writer", corpus_dir=corpus)
    reader = KnowledgeBase.open(other_store, tmp_path / "reader", corpus_dir=corpus)
    now = [1000.0]
    reader.index._clock = lambda: now[0]
    try:
        assert reader.search("frozen shrimp", top_k=1)[0].source == "corpus/bravo.md"
        before, after = writer.set_bundled(enabled=False)
        assert before.enabled and not after.enabled and writer.search("frozen shrimp", top_k=3) == []  # at once
        assert reader.search("frozen shrimp", top_k=1)[0].source == "corpus/bravo.md"  # not looked yet
        now[0] += reader.index.refresh_interval
        assert reader.search("frozen shrimp", top_k=3) == [] and not reader.bundled_setting().enabled
        writer.set_bundled(enabled=True, weight=0.5)
        now[0] += reader.index.refresh_interval
        assert reader.bundled_setting() == collections.BundledSetting(True, 0.5, weight_set=True)
        assert reader.search("frozen shrimp", top_k=1)[0].source == "corpus/bravo.md"
        reopened = KnowledgeBase.open(other_store, tmp_path / "third", corpus_dir=corpus)  # a restart keeps it
        assert reopened.bundled_setting().weight == 0.5
        reopened.close()
    finally:
        reader.close()
        writer.close()
        other_store.close()


def test_switched_off_it_is_searched_in_no_mode_but_stays_stored_and_comes_back_without_embedding(kb, ours):
    kb.set_bundled(enabled=False)
    for mode in ("fused", "vector", "keyword"):
        hits = kb.search("meeting a hotel chain: listen to what they need", top_k=5, mode=mode)
        assert hits and {h.source for h in hits} == {ours}, mode
    assert kb.search("frozen shrimp cold storage", top_k=5, mode="keyword") == []
    assert [d.source for d in kb.documents()][:3] == ["corpus/alpha.md", "corpus/bravo.md", "corpus/charlie.md"]
    assert kb.searchable() == len(kb) - 3 and kb.bundled_weight == 0.0
    embedded = get_embedder().texts_embedded
    kb.set_bundled(enabled=True)
    assert kb.search("frozen shrimp cold storage", top_k=1, mode="keyword")[0].source == "corpus/bravo.md"
    assert get_embedder().texts_embedded == embedded + 1  # the query only: nothing was re-embedded
    assert kb.sync_bundled().unchanged == sorted(f"corpus/{n}" for n in TINY_CORPUS)  # a restart while off: kept


def test_the_weight_scales_a_bundled_passage_in_fused_ranking_and_nothing_else(kb, ours):
    query = "first meeting with a hotel chain, listening to what they need"

    def scores() -> dict[str, float]:
        return {h.source: h.score for h in kb.search(query, top_k=10)}

    kb.set_bundled(weight=1.0)
    full = scores()
    kb.set_bundled(weight=0.5)
    half = scores()
    assert math.isclose(half["corpus/alpha.md"], full["corpus/alpha.md"] * 0.5)
    assert math.isclose(half[ours], full[ours])  # the user's own passage counts the same
    vector = [h.source for h in kb.search(query, top_k=10, mode="vector")]
    kb.set_bundled(weight=0.1)
    assert [h.source for h in kb.search(query, top_k=10, mode="vector")] == vector  # fused ranking only


@pytest.mark.parametrize("value", ["0", "-0.5", "1.5", "nan", "inf", "a lot", "25%"])
def test_a_bad_weight_is_refused_and_changes_nothing(kb, store, value):
    kb.set_bundled(weight=0.5)
    stored = _meta(store)
    change = collections.change(kb, ["weight", value])
    assert not change.ok and not change.changed and "Nothing changed." in change.text
    assert ("`kb bundled off`" in change.text) == (value == "0")  # "0" is what `off` is for
    assert _meta(store) == stored and kb.bundled_setting(fresh=True).weight == 0.5
    with pytest.raises(ValueError):
        kb.set_bundled(weight=float(value) if value in ("0", "-0.5", "1.5", "nan", "inf") else 7.0)
    assert _meta(store) == stored


def test_weights_as_people_type_them():
    assert collections.parse_weight("0,5") == 0.5 and collections.parse_weight(" .25 ") == 0.25
    assert collections.parse_weight("1") == 1.0 and collections.parse_weight("1.0001") is None


def test_the_command_words_say_the_state_and_what_changed(kb, store, ours):
    shown = collections.change(kb, [])
    assert shown.ok and not shown.changed and "**on** (3 documents, 3 passages)" in shown.text
    assert "your documents (1 document, 1 passage)" in shown.text and "0.25 (the default" in shown.text
    off = collections.change(kb, ["OFF"], prefix="pse-bot ")
    assert off.ok and off.changed and off.text.startswith("Turned the bundled guidance **off** for every server")
    assert "stay stored and up to date but are not searched, so answers come only from your documents (1 document, " \
           "1 passage)." in off.text and "`pse-bot kb bundled on` turns it back on" in off.text
    assert off.audit_detail() == {"setting": "bundled guidance",
                                  "before": {"enabled": True, "weight": BUNDLED_WEIGHT, "default_weight": True},
                                  "after": {"enabled": False, "weight": BUNDLED_WEIGHT, "default_weight": True}}
    on = collections.change(kb, ["on"])
    assert on.text.startswith("Turned the bundled guidance back **on** for every server (within a second): its 3 "
                              "documents, 3 passages are searched again beside your documents (1 document, 1 passage).")
    collections.change(kb, ["off"])
    again = collections.change(kb, ["off"])
    assert again.ok and not again.changed and "already off; nothing changed" in again.text
    weight = collections.change(kb, ["weight", "0.5"])
    assert weight.changed and "now counts 0.5" in weight.text and "switched off at the moment" in weight.text
    assert not kb.bundled_setting().enabled  # setting the weight does not switch it back on
    for words in (["weight"], ["sideways"], ["on", "now"]):
        bad = collections.change(kb, words)
        assert not bad.ok and not bad.changed, words
    assert _meta(store) == {"bundled_enabled": "0", "bundled_weight": "0.5"}


def test_with_nothing_of_your_own_off_says_that_ask_has_nothing_to_answer_from(kb):
    text = collections.change(kb, ["off"]).text
    assert "no documents of your own yet" in text and "`ask` has nothing to answer from" in text
    assert kb.searchable() == 0


def test_collection_and_status_of_a_document(kb):
    assert collections.collection_of("corpus/alpha.md") == "bundled guidance"
    assert collections.collection_of("/home/me/handbook.pdf") == "your documents"
    assert collections.status_of(kb.document("corpus/charlie.md").meta) == "example"
    assert collections.status_of(kb.document("corpus/alpha.md").meta) == ""
    assert collections.status_of({"status": "  Example "}) == "example" and collections.status_of(None) == ""
