import pytest

from records import stages


def test_every_stream_starts_at_its_first_stage_and_has_paused_and_closed():
    assert stages.first_stage("innovation") == "landscape"
    assert stages.first_stage("survivor_employment") == "mapping"
    for stream in stages.PIPELINES:
        keys = [s.key for s in stages.stages(stream)]
        assert keys[-2:] == ["paused", "closed"]


@pytest.mark.parametrize("typed,key", [("dd", "due_diligence"), ("Due Diligence", "due_diligence"),
                                       ("concept note", "concept_note"), ("concept-note", "concept_note"),
                                       ("MoU", "agreement"), ("on hold", "paused"), ("co_creation", "co_creation")])
def test_aliases_find_innovation_stages(typed, key):
    assert stages.resolve(typed, "innovation").key == key


def test_survivor_stages_and_cross_stream_message():
    assert stages.resolve("company talks", "survivor_employment").key == "company_talks"
    with pytest.raises(stages.StageError, match="other work stream"):
        stages.resolve("dd", "survivor_employment")
    with pytest.raises(stages.StageError, match="don't know the stage"):
        stages.resolve("banana", "innovation")


def test_usual_days_exist_for_active_stages_only():
    for stream, pipeline in stages.PIPELINES.items():
        for st in pipeline:
            assert (st.usual_days is None) == (not st.active)


def test_stream_words():
    assert stages.resolve_stream("survivor") == "survivor_employment"
    assert stages.resolve_stream("Prevention") == "innovation"
    with pytest.raises(stages.StageError):
        stages.resolve_stream("fishing")
