"""Moving a SQLite deployment into PostgreSQL without loss: every table, row for row, ids kept, then checked.

The target must be empty (freshly migrated). Rows are copied in primary-key order inside one transaction, the
id sequences are moved past the copied ids, and each table's row count and checksum (SHA-256 over the rows in
key order, with values in a canonical text form) must match on both sides, or nothing is committed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import Integer, insert, select, text

from storage.store import Store
from storage.tables import metadata

BATCH = 1000


class TransferError(Exception):
    """The move could not be done; the message says why. The target database is unchanged."""


@dataclass(frozen=True)
class TableResult:
    table: str
    rows: int
    checksum: str


def _canonical(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (bytes, memoryview)):
        return bytes(value).hex()
    return value


def _ordered(table):  # noqa: ANN001 - a SQLAlchemy Table
    return select(table).order_by(*table.primary_key.columns)


def checksum(store: Store, name: str) -> TableResult:
    table = metadata.tables[name]
    digest = hashlib.sha256()
    n = 0
    with store.engine.connect() as conn:
        for row in conn.execute(_ordered(table)):
            digest.update(json.dumps([_canonical(v) for v in row], ensure_ascii=False, default=str).encode())
            digest.update(b"\n")
            n += 1
    return TableResult(name, n, digest.hexdigest()[:16])


def _tables() -> list:
    """Tables in foreign-key order (parents first); the keyword index is rebuilt, not copied."""
    return [t for t in metadata.sorted_tables]


def migrate_from_sqlite(source: Path, target: Store, progress: Callable[[str, int], None] | None = None,
                        rows: Callable[[int, int], None] | None = None) -> list[tuple[TableResult, TableResult]]:
    """Copy `source` (a PSE SQLite file) into `target` (an empty PostgreSQL database); returns per table the
    (source, target) count and checksum. `progress(table, copied)` is called after each table; `rows(n, total)`
    after each batch with the rows just copied and the total to copy."""
    source = Path(source)
    if not source.is_file():
        raise TransferError(f"There is no SQLite database at {source}.")
    if target.dialect != "postgresql":
        raise TransferError("The target must be PostgreSQL: set DATABASE_URL to it (postgresql://…).")
    src = Store.open(source)  # brings an older file up to the current schema first
    try:
        busy = {n: c for n, c in target.table_counts().items() if c}
        if busy:
            raise TransferError("The PostgreSQL database already holds records ("
                                + ", ".join(f"{n}: {c}" for n, c in sorted(busy.items()))
                                + "); move into an empty database so nothing is mixed or overwritten.")
        total = sum(src.table_counts().values())
        with target.engine.begin() as out, src.engine.connect() as inp:
            for table in _tables():
                source_rows = inp.execute(_ordered(table)).mappings()
                batch: list[dict[str, Any]] = []
                copied = 0
                for row in source_rows:
                    batch.append(dict(row))
                    if len(batch) >= BATCH:
                        out.execute(insert(table), batch)
                        copied += len(batch)
                        if rows:
                            rows(len(batch), total)
                        batch = []
                if batch:
                    out.execute(insert(table), batch)
                    copied += len(batch)
                    if rows:
                        rows(len(batch), total)
                if progress:
                    progress(table.name, copied)
                _move_sequence(out, table)
            if src.scalar("SELECT COUNT(*) FROM kb_chunks"):
                out.execute(text("UPDATE kb_meta SET value = value WHERE key = 'generation'"))
        results = [(checksum(src, t.name), checksum(target, t.name)) for t in _tables()]
    finally:
        src.close()
    bad = [a.table for a, b in results if (a.rows, a.checksum) != (b.rows, b.checksum)]
    if bad:
        raise TransferError(f"The copy does not match the source for: {', '.join(bad)}. Drop and recreate the "
                            "PostgreSQL database, then try again; the SQLite file is unchanged.")
    return results


def _move_sequence(conn, table) -> None:  # noqa: ANN001
    """After copying explicit ids, new rows must get ids above them."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or not isinstance(pk[0].type, Integer):
        return
    col = pk[0].name
    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": col}).scalar()
    if seq:
        conn.execute(text(f"SELECT setval(:s, COALESCE((SELECT MAX({col}) FROM {table.name}), 0) + 1, false)"),
                     {"s": seq})
