"""knowledge.evaluate and `pse-bot eval`: reading a curator's question file, scoring hit@k / MRR, and reporting."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from knowledge.evaluate import (EvalResult, Question, QuestionFileError, evaluate, format_failures, format_table,
                                load_questions, source_matches, unknown_sources)
from knowledge.types import DocumentInfo, Hit


def write(tmp_path, lines, name="q.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class FakeKB:
    """Returns a fixed ranking per question, so the arithmetic can be checked by hand."""

    def __init__(self, rankings, sources=()):
        self.rankings = rankings
        self.sources = sources
        self.calls = []

    def search(self, query, top_k=5, mode="fused"):
        self.calls.append((query, top_k, mode))
        out = []
        for i, item in enumerate(self.rankings.get(query, [])[:top_k]):
            source, section = item if isinstance(item, tuple) else (item, "")
            out.append(Hit(text="t", source=source, title="T", section=section, score=1.0 / (i + 1), chunk_id=i))
        return out

    def documents(self):
        return [DocumentInfo(source=s, title=s, doc_type="guidance", chunks=1, sha256="x", ingested_at="")
                for s in self.sources]


# ----------------------------------------------------------------------------------------- question files

def test_load_questions_reads_lines_and_skips_blank_ones(tmp_path):
    path = write(tmp_path, [
        json.dumps({"question": "how do I vet a firm?", "expected_source": "corpus/a.md"}),
        "",
        json.dumps({"question": "what is an NDA?", "expected_source": "docs\\b.md", "expected_section": "Before"}),
    ])
    qs = load_questions(path)
    assert qs == [Question("how do I vet a firm?", "corpus/a.md", "", 1), Question("what is an NDA?", "docs/b.md", "Before", 3)]


def test_missing_file_says_what_to_create(tmp_path):
    with pytest.raises(QuestionFileError) as err:
        load_questions(tmp_path / "nope.jsonl")
    assert "nope.jsonl: no such file" in str(err.value)
    assert '"expected_source"' in str(err.value)


def test_bad_json_and_missing_keys_are_reported_by_line_all_at_once(tmp_path):
    path = write(tmp_path, [
        json.dumps({"question": "fine", "expected_source": "corpus/a.md"}),
        '{"question": "broken", ',
        json.dumps({"question": "no source"}),
        json.dumps(["a", "list"]),
        json.dumps({"question": "  ", "expected_source": "corpus/a.md"}),
        json.dumps({"question": "q", "expected_source": "corpus/a.md", "expected_section": 3}),
    ])
    with pytest.raises(QuestionFileError) as err:
        load_questions(path)
    msg = str(err.value)
    assert "5 line(s) need fixing; nothing was evaluated" in msg
    assert "line 2: not valid JSON" in msg
    assert 'line 3: missing or empty "expected_source"' in msg
    assert "line 4: expected a JSON object" in msg
    assert 'line 5: missing or empty "question"' in msg
    assert 'line 6: "expected_section" must be text' in msg
    assert "line 1" not in msg


def test_empty_file_and_folder_are_refused(tmp_path):
    with pytest.raises(QuestionFileError, match="no questions found"):
        load_questions(write(tmp_path, ["", "  "]))
    with pytest.raises(QuestionFileError, match="is a folder"):
        load_questions(tmp_path)


# ------------------------------------------------------------------------------------------------ scoring

def test_source_matching_accepts_exact_and_path_suffix():
    assert source_matches("corpus/a.md", "corpus/a.md")
    assert source_matches("/data/org/corpus/a.md", "corpus/a.md")
    assert source_matches("C:\\docs\\policy.pdf", "docs/policy.pdf")
    assert not source_matches("/data/org/xcorpus/a.md", "corpus/a.md")
    assert not source_matches("corpus/a.md", "corpus/b.md")


def test_hit_at_k_and_mrr_are_computed_from_the_first_matching_passage():
    kb = FakeKB({
        "q1": ["corpus/a.md", "corpus/b.md"],                   # rank 1
        "q2": ["corpus/b.md", "corpus/c.md", "corpus/a.md"],    # rank 3
        "q3": ["corpus/b.md", "corpus/b.md"],                   # miss
        "q4": ["corpus/c.md", "corpus/a.md", "corpus/a.md"],    # rank 2 (first match counts)
    })
    qs = [Question(f"q{i}", "corpus/a.md", line=i) for i in range(1, 5)]
    res = evaluate(kb, qs, mode="vector", top_k=5)
    assert [r.rank for r in res.results] == [1, 3, None, 2]
    assert res.hit_at(1) == 0.25
    assert res.hit_at(2) == 0.5
    assert res.hit_at(3) == 0.75
    assert res.mrr == pytest.approx((1 + 1 / 3 + 0 + 1 / 2) / 4)
    assert [f.question for f in res.failures] == ["q3"]
    assert res.failures[0].first_source == "corpus/b.md"
    assert all(call[1:] == (5, "vector") for call in kb.calls)


def test_expected_section_narrows_the_match():
    kb = FakeKB({"q": [("corpus/a.md", "Intro"), ("corpus/a.md", "Rating the result")]})
    assert evaluate(kb, [Question("q", "corpus/a.md", "rating")]).results[0].rank == 2
    assert evaluate(kb, [Question("q", "corpus/a.md", "nowhere")]).results[0].rank is None


def test_top_k_limits_what_counts_as_found():
    kb = FakeKB({"q": ["x.md", "y.md", "corpus/a.md"]})
    assert evaluate(kb, [Question("q", "corpus/a.md")], top_k=2).results[0].rank is None
    with pytest.raises(ValueError):
        evaluate(kb, [], mode="magic")


def test_unknown_sources_lists_expected_documents_that_are_not_indexed():
    kb = FakeKB({}, sources=["corpus/a.md", "/home/x/ours/policy.pdf"])
    qs = [Question("q", "corpus/a.md"), Question("q", "ours/policy.pdf"), Question("q", "corpus/typo.md")]
    assert unknown_sources(kb, qs) == ["corpus/typo.md"]


def test_table_and_failure_listing_are_readable():
    kb = FakeKB({"q1": ["corpus/a.md"], "q2": [("corpus/b.md", "Why")]})
    res = evaluate(kb, [Question("q1", "corpus/a.md", line=1), Question("q2", "corpus/a.md", line=2)], top_k=5)
    table = format_table([res])
    assert "hit@1" in table and "hit@5" in table and "MRR@5" in table and "0.500" in table
    text = format_failures(res)
    assert "line 2: q2" in text and "expected: corpus/a.md" in text and "first instead: corpus/b.md › Why" in text
    assert "every question found" in format_failures(EvalResult("fused", 5, res.results[:1]))


# ---------------------------------------------------------------------------------------------- the command

@pytest.fixture
def cli(monkeypatch, services):
    import bot.app

    monkeypatch.setattr(bot.app, "build_services", lambda settings=None: services)
    return CliRunner()


def test_eval_command_reports_all_modes_and_failures(cli, tmp_path):
    from bot.cli.main import main

    path = write(tmp_path, [
        json.dumps({"question": "what clauses must a non-disclosure agreement contain?",
                    "expected_source": "corpus/ndas-and-confidentiality.md"}),
        json.dumps({"question": "how are high, medium and low private-sector actions defined?",
                    "expected_source": "corpus/indicator-handbook.md"}),
        json.dumps({"question": "what is the capital of Mongolia?", "expected_source": "corpus/not-there.md"}),
    ])
    result = cli.invoke(main, ["eval", str(path), "--mode", "all", "--top-k", "3"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "3 questions" in out
    for mode in ("fused", "vector", "keyword"):
        assert any(line.startswith(mode + " ") and line.split()[1] == "3" for line in out.splitlines()), mode
    assert "warning: expected source 'corpus/not-there.md' is not in the knowledge base" in out
    assert "what is the capital of Mongolia?" in out and "first instead: corpus/" in out


def test_eval_command_json_output(cli, tmp_path):
    from bot.cli.main import main

    path = write(tmp_path, [json.dumps({"question": "what goes into checking a company's background and risks?",
                                        "expected_source": "corpus/due-diligence-checklist.md"})])
    result = cli.invoke(main, ["eval", str(path), "--json", "--top-k", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["top_k"] == 5 and data["unknown_sources"] == []
    fused = data["modes"]["fused"]
    assert fused["questions"] == 1
    assert set(fused["hit_at"]) == {"1", "3", "5"}
    assert 0.0 <= fused["mrr"] <= 1.0


def test_eval_command_explains_a_broken_file_and_exits_2(cli, tmp_path):
    from bot.cli.main import main

    result = cli.invoke(main, ["eval", str(tmp_path / "missing.jsonl")])
    assert result.exit_code == 2
    assert "no such file" in result.output
    bad = write(tmp_path, ['{"question": "x"}'])
    result = cli.invoke(main, ["eval", str(bad)])
    assert result.exit_code == 2
    assert 'line 1: missing or empty "expected_source"' in result.output
