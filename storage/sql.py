"""Running the portable SQL of the domain packages through SQLAlchemy: parameters and buffered results."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

from sqlalchemy import TextClause, text


def _qmarks_to_names(sql: str) -> tuple[str, int]:
    """Turn `?` placeholders (outside quoted text) into `:p0, :p1…`; returns the new SQL and the count."""
    out, n, quote = [], 0, ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""
            out.append(ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append(f":p{n}")
            n += 1
        else:
            out.append(ch)
    return "".join(out), n


_CACHE: dict[str, tuple[TextClause, int]] = {}


def bind(sql: str, params: Sequence[Any] | Mapping[str, Any] = ()) -> tuple[TextClause, dict[str, Any]]:
    """A `text()` clause and its parameters, from `:name` + mapping or `?` + sequence."""
    if isinstance(params, Mapping):
        clause = _CACHE.get(sql)
        if clause is None:
            clause = _CACHE.setdefault(sql, (text(sql), -1))
        return clause[0], dict(params)
    key = "?" + sql
    hit = _CACHE.get(key)
    if hit is None:
        named, n = _qmarks_to_names(sql)
        hit = _CACHE.setdefault(key, (text(named), n))
    clause, n = hit
    params = tuple(params)
    if len(params) != n:
        raise ValueError(f"the statement has {n} placeholders but {len(params)} values were given")
    return clause, {f"p{i}": v for i, v in enumerate(params)}


class Rows:
    """A fully fetched result: iterate, `fetchone()`, `fetchall()`, `rowcount`. Rows index like tuples and
    read like objects (`row.name`) or mappings (`row._mapping["name"]`)."""

    __slots__ = ("_rows", "rowcount", "_i")

    def __init__(self, rows: list[Any], rowcount: int):
        self._rows = rows
        self.rowcount = rowcount
        self._i = 0

    @classmethod
    def of(cls, result: Any) -> "Rows":
        rows = list(result.fetchall()) if result.returns_rows else []
        return cls(rows, result.rowcount if result.rowcount is not None else -1)

    def fetchone(self) -> Any:
        if self._i >= len(self._rows):
            return None
        row = self._rows[self._i]
        self._i += 1
        return row

    def fetchall(self) -> list[Any]:
        rest = self._rows[self._i:]
        self._i = len(self._rows)
        return rest

    def scalar(self) -> Any:
        row = self.fetchone()
        return None if row is None else row[0]

    def mappings(self) -> list[dict[str, Any]]:
        return [dict(r._mapping) for r in self.fetchall()]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())
