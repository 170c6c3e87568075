"""`pse-bot ingest`, `pse-bot search` and `pse-bot kb list|remove|restore|bundled`: the knowledge base from the
terminal.

Only click is imported at module level; the model, faiss and the database load inside the commands.
"""

from __future__ import annotations

import json
import sys

import click

MODES = ("fused", "vector", "keyword")
PREFIX = "pse-bot "  # chat says `kb …`, the terminal `pse-bot kb …` (knowledge/curation.py words both)


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
@click.option("--max-size", "max_size", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Refuse files larger than this many megabytes (default: $PSE_MAX_INGEST_MB, else 50).")
def ingest_command(paths: tuple[str, ...], max_size: float | None) -> None:
    """Add or update documents (files or folders): markdown, text, PDF, Word .docx, HTML.

    Unchanged files are skipped without any work. A file that cannot be read, is larger than the size limit or
    is not what its name says (e.g. binary data named .md) is reported by name and the others are still
    ingested; the exit status is then 1. The progress bar is shown only on a terminal."""
    from bot.cli.progress import progress_bar
    from bot.settings import Settings
    from knowledge.paths import expand_paths

    limit_mb = max_size if max_size is not None else Settings.from_env().max_ingest_mb
    files, _, _ = expand_paths(paths)
    kb = open_kb()
    with progress_bar(len(files), "ingest", "file") as bar:
        def step(name: str) -> None:
            bar.set_postfix_str(name[-40:], refresh=False)
            bar.update(1)

        report = kb.ingest(paths, progress=step, max_bytes=int(limit_mb * 1024 * 1024))
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
              help='One JSON object per query: {"query", "hits": [{"text", "source", "title", "section", "score", '
                   '"collection"}]}.')
@click.option("--mode", default="fused", show_default=True, type=click.Choice(MODES),
              help="Ranking: fused (keyword + vector), vector only or keyword only.")
def search_command(query: tuple[str, ...], top_k: int, as_json: bool, mode: str) -> None:
    """Ranked passages for QUERY; without QUERY, one query per line from standard input (blank lines skipped)."""
    text = " ".join(query).strip()
    if query and not text:
        raise click.UsageError('Give a query, e.g. pse-bot search "due diligence", or pipe queries on stdin.')
    from knowledge.collections import collection_of

    kb = open_kb()
    if not kb.bundled_setting().enabled:
        click.echo("(the bundled guidance is switched off: only your documents are searched; "
                   "`pse-bot kb bundled on` turns it back on)", err=True)
    queries = [text] if text else (line.strip() for line in sys.stdin)
    for q in queries:
        if not q:
            continue
        hits = kb.search(q, top_k=top_k, mode=mode)
        if as_json:
            click.echo(json.dumps({"query": q, "hits": [dict(h.as_json(), collection=collection_of(h.source))
                                                        for h in hits]}, ensure_ascii=False))
            continue
        click.echo(f"# {q}")
        if not hits:
            click.echo("  (no passages; the knowledge base is empty or the query has no searchable words)")
        for i, h in enumerate(hits, 1):
            where = h.title + (f" › {h.section}" if h.section else "")
            body = " ".join(h.text.split())
            click.echo(f"{i}. {where}  [{h.source} · {collection_of(h.source)}]  score {h.score:.4f}  "
                       f"similarity {h.similarity:.2f}")
            click.echo(f"   {body[:300]}{'…' if len(body) > 300 else ''}")
        click.echo("")
        sys.stdout.flush()


@click.group("kb")
def kb_group() -> None:
    """List, remove or restore the documents in the knowledge base; switch the bundled guidance on or off."""


def _actor() -> str:
    import getpass

    try:
        return "cli:" + getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name (e.g. a container without a passwd entry)
        return "cli:unknown"


def _finish(outcome, action: str) -> None:
    """Print the outcome the way chat says it, audit a change, exit 1 when nothing could be done."""
    from bot.settings import Settings
    from knowledge import curation
    from markup.dialect import to_plain
    from storage.store import Store

    if not outcome.ok:
        raise click.ClickException(to_plain(outcome.text))
    if outcome.changed:
        store = Store.open(Settings.from_env().database)
        try:
            curation.audit(store, _actor(), action, outcome)
        finally:
            store.close()
    click.echo(to_plain(outcome.text))


@kb_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per document.")
def kb_list(as_json: bool) -> None:
    """Documents in the knowledge base with their passage counts and the date each was added."""
    from knowledge import curation
    from knowledge.collections import collection_of, status_of
    from markup.dialect import to_plain

    kb = open_kb()
    listing = curation.list_documents(kb, prefix=PREFIX)
    if as_json:
        for d in listing.documents:
            click.echo(json.dumps({"source": d.source, "title": d.title, "type": d.doc_type, "chunks": d.chunks,
                                   "origin": d.origin, "collection": collection_of(d.source),
                                   "status": status_of(d.meta), "sha256": d.sha256, "ingested_at": d.ingested_at},
                                  ensure_ascii=False))
        return
    rows = listing.rows_text()
    if rows:
        click.echo("\n".join(rows) + "\n")
    click.echo(to_plain(listing.summary()))


@kb_group.command("remove")
@click.argument("source")
def kb_remove(source: str) -> None:
    """Remove one document (its SOURCE as shown by `pse-bot kb list`, or the file's path).

    A bundled document (corpus/<file>.md) stays out after restarts until `pse-bot kb restore SOURCE`."""
    from knowledge import curation

    _finish(curation.remove_document(open_kb(), source, prefix=PREFIX), "kb.remove")


@kb_group.command("restore")
@click.argument("source")
def kb_restore(source: str) -> None:
    """Bring back a bundled document removed with `pse-bot kb remove` (SOURCE as corpus/<file>.md)."""
    from knowledge import curation

    _finish(curation.restore_document(open_kb(), source, prefix=PREFIX), "kb.restore")


@kb_group.command("bundled", context_settings={"ignore_unknown_options": True})
@click.argument("words", nargs=-1)
def kb_bundled(words: tuple[str, ...]) -> None:
    """Show or set how the bundled guidance is searched, for every server: `on`, `off` (kept, not searched) or
    `weight W` (0 < W <= 1: how much it counts against your own documents; 0.25 by default)."""
    from knowledge import collections

    _finish(collections.change(open_kb(), list(words), prefix=PREFIX), "kb.bundled")


@kb_group.command("adapt")
@click.option("--off", is_flag=True, help="Go back to the packaged model (every vector is made again with it).")
@click.option("--status", is_flag=True, help="Say which model ranks the passages now; change nothing.")
@click.option("--epochs", default=3, show_default=True, type=click.IntRange(1, 10),
              help="Passes over the documents' sentences (chosen on the dev questions: 3).")
@click.option("--max-sentences", "max_sentences", default=6000, show_default=True, type=click.IntRange(32),
              help="Train on at most this many sentences (a random sample beyond): bounds the time.")
def kb_adapt(off: bool, status: bool, epochs: int, max_sentences: int) -> None:
    """Teach a copy of the search model the language of the documents in the knowledge base, then rank with it on
    every server. No question is needed: each sentence learns to find its own passage. It takes minutes (about
    0.6 s per sentence on two cores; 7 minutes for the bundled guidance and a 50-page paper) and shows its
    progress. Answers still decide "not sure" with the packaged model, so nothing else needs tuning. Run it again
    after adding many documents; `--off` goes back to the packaged model."""
    from bot.cli.progress import progress_bar
    from knowledge import ranking_model

    kb = open_kb()
    now = ranking_model.describe(kb.index)
    if status:
        click.echo(_model_line(now))
        return
    if off and not now:
        click.echo("Search already uses the packaged model; nothing changed.")
        return
    bars: dict[str, object] = {}

    def stage(what: str, done: int, total: int) -> None:
        if what not in bars:
            for bar in bars.values():
                bar.close()
            bars[what] = progress_bar(total, what, "step" if what == "training" else "passage")
        bar = bars[what]
        bar.update(done - bar.n)

    try:
        if off:
            ranking_model.use_packaged(kb, stage, _actor())
            result = None
        else:
            result = ranking_model.adapt(kb, epochs=epochs, stage=stage, actor=_actor(), max_sentences=max_sentences)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        for bar in bars.values():
            bar.close()
    if result is None:
        click.echo(f"Search uses the packaged model again; {kb.index.size} passages were embedded again with it.")
        return
    click.echo(f"Search now ranks with a model adapted to your {result['passages']} passages "
               f"({result['pairs']} sentences, {result['steps']} steps, {result['seconds']} s), on every server.\n"
               f"Answers still judge \"not sure\" with the packaged model. Documents ingested from now on are "
               f"embedded with the adapted one.\nAfter adding many documents, run `pse-bot kb adapt` again; "
               f"`pse-bot kb adapt --off` goes back.")


def _model_line(now: dict | None) -> str:
    if not now:
        return ("Search ranks with the packaged model (all-MiniLM-L6-v2). `pse-bot kb adapt` adapts it to your "
                "documents.")
    return (f"Search ranks with a model adapted on {now['created_at'][:10]} to {now.get('passages', '?')} passages "
            f"(model {now['sha256'][:12]}). `pse-bot kb adapt --off` goes back to the packaged model.")
