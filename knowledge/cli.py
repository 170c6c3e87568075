"""`pse-bot ingest`, `pse-bot search` and `pse-bot kb list|remove`: the knowledge base from the terminal.

Only click is imported at module level; the model, faiss and SQLite load inside the commands.
"""

from __future__ import annotations

import json
import sys

import click

MODES = ("fused", "vector", "keyword")


def open_kb(bundled: bool = True):
    from bot.cli import settings
    from knowledge.base import KnowledgeBase

    s = settings()
    s.ensure_home()
    if not (s.index_dir / "knowledge.sqlite3").exists():
        click.echo("Building the index of the bundled guidance (first run only)…", err=True)
    return KnowledgeBase.open(s.index_dir, bundled=bundled)


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def ingest_command(paths: tuple[str, ...]) -> None:
    """Add or update documents (files or folders): markdown, text, PDF, Word .docx, HTML.

    Unchanged files are skipped without any work. A file that cannot be read is reported by name and the
    others are still ingested; the exit status is then 1."""
    from tqdm import tqdm

    from knowledge.base import expand_paths

    files, _, _ = expand_paths(paths)
    kb = open_kb()
    with tqdm(total=len(files), unit="file", desc="ingest", file=sys.stderr, disable=not files,
              dynamic_ncols=True) as bar:
        def step(name: str) -> None:
            bar.set_postfix_str(name[-40:], refresh=False)
            bar.update(1)

        report = kb.ingest(paths, progress=step)
    for name in report.added:
        click.echo(f"added      {name}")
    for name in report.updated:
        click.echo(f"updated    {name}")
    for name, err in report.errors:
        click.echo(f"FAILED     {name}: {err}", err=True)
    if report.skipped:
        click.echo(f"skipped {len(report.skipped)} file(s) of unsupported type, e.g. {report.skipped[0]}", err=True)
    click.echo(report.summary())
    sys.exit(1 if report.errors else 0)


@click.command("search")
@click.argument("query", nargs=-1)
@click.option("--top-k", "top_k", default=5, show_default=True, type=click.IntRange(1, 100),
              help="How many passages to show per query.")
@click.option("--json", "as_json", is_flag=True,
              help='One JSON object per query: {"query", "hits": [{"text", "source", "title", "section", "score"}]}.')
@click.option("--mode", default="fused", show_default=True, type=click.Choice(MODES),
              help="Ranking: fused (keyword + vector), vector only or keyword only.")
def search_command(query: tuple[str, ...], top_k: int, as_json: bool, mode: str) -> None:
    """Ranked passages for QUERY; without QUERY, one query per line from standard input (blank lines skipped)."""
    text = " ".join(query).strip()
    if query and not text:
        raise click.UsageError('Give a query, e.g. pse-bot search "due diligence", or pipe queries on stdin.')
    kb = open_kb()
    queries = [text] if text else (line.strip() for line in sys.stdin)
    for q in queries:
        if not q:
            continue
        hits = kb.search(q, top_k=top_k, mode=mode)
        if as_json:
            click.echo(json.dumps({"query": q, "hits": [h.as_json() for h in hits]}, ensure_ascii=False))
            continue
        click.echo(f"# {q}")
        if not hits:
            click.echo("  (no passages; the knowledge base is empty or the query has no searchable words)")
        for i, h in enumerate(hits, 1):
            where = h.title + (f" › {h.section}" if h.section else "")
            body = " ".join(h.text.split())
            click.echo(f"{i}. {where}  [{h.source}]  score {h.score:.4f}  similarity {h.similarity:.2f}")
            click.echo(f"   {body[:300]}{'…' if len(body) > 300 else ''}")
        click.echo("")
        sys.stdout.flush()


@click.group("kb")
def kb_group() -> None:
    """List or remove the documents in the knowledge base."""


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def kb_list(as_json: bool) -> None:
    """Documents in the knowledge base with their passage counts."""
    docs = open_kb().documents()
    if as_json:
        for d in docs:
            click.echo(json.dumps({"source": d.source, "title": d.title, "type": d.doc_type, "chunks": d.chunks,
                                   "origin": d.origin, "sha256": d.sha256, "ingested_at": d.ingested_at},
                                  ensure_ascii=False))
        return
    if not docs:
        click.echo("The knowledge base is empty. Add documents with `pse-bot ingest PATH…`.")
        return
    width = max(len(d.source) for d in docs)
    click.echo(f"{'SOURCE'.ljust(width)}  {'TYPE':<9} {'CHUNKS':>6}  TITLE")
    for d in docs:
        click.echo(f"{d.source.ljust(width)}  {d.doc_type:<9} {d.chunks:>6}  {d.title}")
    click.echo(f"\n{len(docs)} documents, {sum(d.chunks for d in docs)} passages.")


@kb_group.command("remove")
@click.argument("source")
def kb_remove(source: str) -> None:
    """Remove one document (its SOURCE as shown by `pse-bot kb list`, or the file's path)."""
    from knowledge.base import BUNDLED_PREFIX

    kb = open_kb()
    if source.startswith(BUNDLED_PREFIX):
        raise click.ClickException(
            f"{source} is bundled guidance and comes back each time the bot starts; nothing changed. "
            "Edit or delete it in knowledge/corpus/ instead.")
    if not kb.remove(source):
        raise click.ClickException(f"No document {source!r} in the knowledge base; nothing changed. "
                                   "`pse-bot kb list` shows the sources.")
    click.echo(f"Removed {source}.")
