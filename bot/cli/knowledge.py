"""`pse-bot ingest`, `pse-bot search` and `pse-bot kb list|remove|restore`: the knowledge base from the terminal.

Only click is imported at module level; the model, faiss and the database load inside the commands.
"""

from __future__ import annotations

import json
import sys

import click

MODES = ("fused", "vector", "keyword")


def open_kb(bundled: bool = True):
    from bot.app import build_services
    from knowledge.base import KnowledgeBase

    services = build_services()
    store = services.store
    if not store.scalar("SELECT 1 FROM kb_documents LIMIT 1") and \
            not (services.settings.index_dir / "knowledge.sqlite3").exists():
        click.echo("Building the index of the bundled guidance (first run only)…", err=True)
    return KnowledgeBase.open(store, services.settings.index_dir, bundled=bundled)


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
    """List, remove or restore the documents in the knowledge base."""


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def kb_list(as_json: bool) -> None:
    """Documents in the knowledge base with their passage counts."""
    kb = open_kb()
    docs = kb.documents()
    if as_json:
        for d in docs:
            click.echo(json.dumps({"source": d.source, "title": d.title, "type": d.doc_type, "chunks": d.chunks,
                                   "origin": d.origin, "sha256": d.sha256, "ingested_at": d.ingested_at},
                                  ensure_ascii=False))
        return
    excluded = kb.excluded_bundled()
    if not docs:
        click.echo("The knowledge base is empty. Add documents with `pse-bot ingest PATH…`.")
    else:
        width = max(len(d.source) for d in docs)
        click.echo(f"{'SOURCE'.ljust(width)}  {'TYPE':<9} {'CHUNKS':>6}  TITLE")
        for d in docs:
            click.echo(f"{d.source.ljust(width)}  {d.doc_type:<9} {d.chunks:>6}  {d.title}")
        click.echo(f"\n{len(docs)} documents, {sum(d.chunks for d in docs)} passages.")
    if excluded:
        click.echo(f"Removed bundled guidance (kept out until restored): {', '.join(excluded)}. "
                   "`pse-bot kb restore SOURCE` brings one back.")


def _listing(sources: list[str], limit: int = 12) -> str:
    shown = ", ".join(sources[:limit])
    return shown + (f" and {len(sources) - limit} more" if len(sources) > limit else "")


def _what_exists(kb, source: str) -> str:
    """A sentence naming what the user could have meant: the bundled sources, or the documents there are."""
    from knowledge.base import BUNDLED_PREFIX

    docs = [d.source for d in kb.documents()]
    guess = BUNDLED_PREFIX + source.rsplit("/", 1)[-1]
    if not source.startswith(BUNDLED_PREFIX) and guess in kb.bundled_sources():
        return f"Did you mean {guess}?"
    if source.startswith(BUNDLED_PREFIX):
        bundled = [s for s in kb.bundled_sources() if s in docs]
        return (f"Bundled documents: {_listing(bundled, 20)}." if bundled
                else "No bundled document is in the knowledge base.")
    if not docs:
        return "The knowledge base is empty."
    return f"Documents: {_listing(docs)}. `pse-bot kb list` shows them all."


@kb_group.command("remove")
@click.argument("source")
def kb_remove(source: str) -> None:
    """Remove one document (its SOURCE as shown by `pse-bot kb list`, or the file's path).

    A bundled document (corpus/<file>.md) stays out after restarts until `pse-bot kb restore SOURCE`."""
    from knowledge.base import BUNDLED_PREFIX

    kb = open_kb()
    bundled = source.startswith(BUNDLED_PREFIX)
    if bundled and source in kb.excluded_bundled():
        if kb.remove(source):  # a stray copy, e.g. written by an older version running at the same time
            click.echo(f"Removed {source}.")
            return
        raise click.ClickException(f"{source} is already removed; nothing changed. "
                                   f"`pse-bot kb restore {source}` brings it back.")
    if not kb.remove(source):
        raise click.ClickException(f"No document {source!r} in the knowledge base; nothing changed. "
                                   + _what_exists(kb, source))
    if bundled:
        click.echo(f"Removed {source} from the bundled guidance; it stays out when the bot restarts. "
                   f"`pse-bot kb restore {source}` brings it back.")
    else:
        click.echo(f"Removed {source}.")


@kb_group.command("restore")
@click.argument("source")
def kb_restore(source: str) -> None:
    """Bring back a bundled document removed with `pse-bot kb remove` (SOURCE as corpus/<file>.md)."""
    kb = open_kb()
    excluded = kb.excluded_bundled()
    if source not in excluded:
        present = {d.source for d in kb.documents()}
        guess = "corpus/" + source.rsplit("/", 1)[-1]
        for name in (source, guess):
            if name in present:
                raise click.ClickException(f"{name} is already in the knowledge base; nothing changed.")
        removed = (f"Did you mean {guess}?" if guess in excluded
                   else f"Removed bundled documents: {', '.join(excluded)}." if excluded
                   else "No bundled document has been removed.")
        raise click.ClickException(
            f"{source!r} is not a removed bundled document; nothing changed. {removed} "
            "`restore` only brings back bundled guidance; add your own files with `pse-bot ingest PATH`.")
    report = kb.restore_bundled(source)
    if report.errors:
        _, err = report.errors[0]
        raise click.ClickException(f"{source} could not be loaded ({err}); it stays removed, nothing changed.")
    if not (report.added or report.updated or report.unchanged):
        click.echo(f"{source} no longer ships with this version of the bot, so there is nothing to add back; "
                   "it is no longer listed as removed.")
        return
    click.echo(f"Restored {source} ({report.chunks_total} passages).")
