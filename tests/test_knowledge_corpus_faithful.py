"""The bundled guidance states as fact only what its source says; invented rules are marked as examples."""

from pathlib import Path

from knowledge.loaders import load

CORPUS = Path(__file__).resolve().parents[1] / "knowledge" / "corpus"


def _text(name: str) -> str:
    return " ".join((CORPUS / name).read_text(encoding="utf-8").split())


def test_drifts_named_in_issue_16_are_gone():
    assert "two to three years" not in _text("ndas-and-confidentiality.md")
    assert "15 working days" not in _text("ndas-and-confidentiality.md")
    assert "membership lists of the government associations" in _text("survivor-employment-playbook.md")
    assert "tenth of a project" in _text("pse-strategy.md")
    for name in ("indicator-handbook.md", "innovation-partnership-playbook.md"):
        assert "two months" not in _text(name) or "example" in _text(name).split("two months")[0][-200:]


def test_pages_with_invented_schedules_are_marked_example_with_a_visible_note():
    for name in ("ndas-and-confidentiality.md", "supply-chain-abuse-escalation.md", "survivor-employment-playbook.md"):
        doc = load(CORPUS / name)
        assert doc.meta.get("status") == "example", name
        assert "Example to adapt" in doc.text, name
