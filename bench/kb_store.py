"""A throw-away knowledge base for the benches: its own SQLite file in a scratch folder, or a fresh PostgreSQL
database (`start_postgres()`, then every `open_bench_kb` gets its own database on that server), with the faiss
cache in the scratch folder."""

from __future__ import annotations

import atexit
import itertools
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_pg: dict = {}
_model: dict = {}  # an adapted search model every bench index switches to (use_model)


def start_postgres() -> None:
    """Start a throw-away PostgreSQL server (tests/pg_support.py); stopped when the bench exits."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_support import PgServer, why_not

    reason = why_not()
    if reason:
        raise SystemExit(f"cannot start PostgreSQL: {reason}")
    server = PgServer.start()
    atexit.register(server.stop)
    _pg.update(server=server, counter=itertools.count(1))


def fresh_database_url() -> str | None:
    """A new empty database on the started server (None when none was started)."""
    server = _pg.get("server")
    if server is None:
        return None
    name = f"pse_bench_{next(_pg['counter'])}"
    server.janitor(name, template=None).init()
    return server.url(name)


def open_bench_kb(folder: Path | str, bundled: bool = True, database_url: str | None = None, **kwargs):
    from knowledge.base import KnowledgeBase
    from storage.store import Store

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    store = Store.open(database_url or fresh_database_url() or folder / "pse.db")
    kb = KnowledgeBase.open(store, folder / "cache", bundled=bundled, **kwargs)
    if _model:  # as `pse-bot kb adapt` leaves it: the bundled guidance made again, later documents embedded with it
        from knowledge import ranking_model

        ranking_model.switch(kb, _model["sha256"], _model["blob"], _model["info"])
    return kb


def use_model(sha256: str | None = None, blob: bytes | None = None, info: dict | None = None) -> None:
    """Every later `open_bench_kb` switches to this adapted model (`pse-bot kb adapt`'s); None: the packaged one."""
    _model.clear()
    if sha256:
        _model.update(sha256=sha256, blob=blob, info=info or {})


def close_bench_kb(kb) -> None:
    kb.close()
    kb.index.store.close()


def configure(keyword: str | None = None, fusion: str | None = None) -> None:
    """Bench switches: the keyword backend ("bm25s" in the process, or "database": FTS5 / tsvector) and the fusion
    constants "RRF_K,FUSION_DEPTH,KEYWORD_WEIGHT,BUNDLED_WEIGHT[,SENTENCE_WEIGHT]" (e.g. the previous ones, to compare
    in one run; no fifth value: no sentence list)."""
    import knowledge.index as index
    import knowledge.ranking as ranking

    if keyword:
        index.KEYWORD_BACKEND = keyword
    if fusion:  # read by KnowledgeBase.search and ranking.fuse at call time
        k, depth, kw, bw, *sw = fusion.split(",")
        ranking.RRF_K, ranking.FUSION_DEPTH, ranking.KEYWORD_WEIGHT = int(k), int(depth), float(kw)
        ranking.BUNDLED_WEIGHT = float(bw)
        ranking.SENTENCE_WEIGHT = float(sw[0]) if sw else 0.0


def set_bundled(kb, choice: str) -> str:
    """Apply a bundled-guidance choice to a bench knowledge base, as `pse-bot kb bundled` would: "off", "default"
    (knowledge/ranking.py) or a weight 0 < w <= 1. Returns the label printed with the figures."""
    from knowledge.collections import parse_weight
    from knowledge.ranking import BUNDLED_WEIGHT

    choice = choice.strip().lower()
    if choice == "off":
        kb.set_bundled(enabled=False)
        return "off"
    weight = BUNDLED_WEIGHT if choice == "default" else parse_weight(choice)
    if weight is None:
        raise SystemExit(f"--bundled-weight: {choice!r} is not 'off', 'default' or a number above 0 and at most 1")
    kb.set_bundled(enabled=True, weight=weight)
    return f"{weight:g}" + (" (default)" if weight == BUNDLED_WEIGHT else "")


def add_switches(ap) -> None:
    ap.add_argument("--keyword", choices=("bm25s", "database"), help="keyword backend (default: the project's)")
    ap.add_argument("--fusion", help="RRF_K,FUSION_DEPTH,KEYWORD_WEIGHT,BUNDLED_WEIGHT[,SENTENCE_WEIGHT] (default: ranking.py)")
