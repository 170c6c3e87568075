"""`pse-bot eval QUESTIONS.jsonl`: how well the current knowledge base finds the passages a curator expects."""

from __future__ import annotations

import json
import sys

import click

MODES = ("fused", "vector", "keyword")


@click.command("eval")
@click.argument("questions", type=click.Path(dir_okay=True, path_type=str))
@click.option("--top-k", "top_k", default=5, show_default=True, type=click.IntRange(1, 100),
              help="How many passages count as found.")
@click.option("--mode", default="fused", show_default=True, type=click.Choice([*MODES, "all"]),
              help="Ranking to measure; 'all' compares the three.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of tables.")
def eval_command(questions: str, top_k: int, mode: str, as_json: bool) -> None:
    """Measure hit@k and MRR of a question set (JSON lines with "question" and "expected_source",
    optional "expected_section") against the knowledge base, and list the questions that fail."""
    from bot.app import build_services as make_services
    from knowledge.evaluate import (
        QuestionFileError,
        evaluate,
        format_failures,
        format_table,
        load_questions,
        unknown_sources,
    )

    try:
        qs = load_questions(questions)
    except QuestionFileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)

    kb = make_services().knowledge
    missing = unknown_sources(kb, qs)
    modes = MODES if mode == "all" else (mode,)
    results = [evaluate(kb, qs, mode=m, top_k=top_k) for m in modes]

    if as_json:
        click.echo(json.dumps({"questions_file": questions, "top_k": top_k, "unknown_sources": missing,
                               "modes": {r.mode: r.as_json() for r in results}}, ensure_ascii=False))
        return
    click.echo(f"{len(qs)} questions from {questions}, top {top_k}:\n")
    click.echo(format_table(results))
    for src in missing:
        click.echo(f"\nwarning: expected source '{src}' is not in the knowledge base — a typo, or a file not yet "
                   "ingested? `pse-bot kb list` shows the sources.")
    for r in results:
        click.echo("\n" + format_failures(r))
