from datetime import datetime, timezone

import pytest
from registry_support import say, seed


@pytest.fixture
def svc(lite_services):
    seed(lite_services)
    return lite_services


def test_pipeline_groups_by_stream_and_stage(svc):
    assert say(svc, "stage Acme Foods dd").ok
    r = say(svc, "pipeline")
    assert r.ok
    assert "Innovation / prevention" in r.text and "Survivor employment" in r.text
    assert "Due diligence (1): Acme Foods Co." in r.text
    assert "🔒 Blue Ocean Seafood" in r.text
    assert r.data["streams"]["innovation"]["due_diligence"][0]["name"] == "Acme Foods Co."
    only = say(svc, "pipeline survivor")
    assert "Acme" not in only.text and "Blue Ocean" in only.text


def test_stalled_partners_are_flagged(svc):
    later = datetime(2027, 3, 1, 3, 0, tzinfo=timezone.utc)
    assert say(svc, "log Acme Foods meeting 2027-02-20: check-in", now=later).ok
    r = say(svc, "pipeline stalled", now=later)
    assert r.ok and "stalled" in r.text
    stalled = {e["name"] for stage in r.data["streams"].get("innovation", {}).values() for e in stage}
    assert "Acme Logistics Ltd" in stalled
    acme = [e for e in r.data["streams"]["innovation"]["landscape"] if e["name"] == "Acme Foods Co."]
    assert acme and any("Landscape" in reason for reason in acme[0]["stalled"])


def test_pipeline_bad_word_and_empty_registry(lite_services, svc):
    r = say(svc, "pipeline bananas")
    assert not r.ok and "bananas" in r.text


def test_empty_pipeline_says_how_to_start(lite_services):
    r = say(lite_services, "pipeline")
    assert r.ok and "partner add" in r.text
