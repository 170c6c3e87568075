"""Partner names: normalising, the in-memory name index, fuzzy matching, suggestions for type-ahead.
"""

from __future__ import annotations

import difflib
import functools
import json
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from records import access
from records.checks import SUFFIXES
from records.partners import PARTNER_COLUMNS, Partner, get_partner, partner_from_row
from records.visibility import index_key, viewer_caches, visible_ids
from storage.store import Store


@functools.lru_cache(maxsize=65536)
def normalize(text: str) -> str:
    """Casefolded, NFKC, punctuation and symbols (emoji too) turned into spaces; letters of any script kept."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        out.append(" " if cat[0] in "PSZC" else ch)
    return " ".join("".join(out).split())


@functools.lru_cache(maxsize=65536)
def core(text: str) -> str:
    """The distinctive part of a company name: normalized, without "Co.", "Ltd", "The"… (never empty if text isn't)."""
    words = normalize(text).split()
    kept = [w for w in words if w not in SUFFIXES and w != "and"]
    return " ".join(kept) if kept else " ".join(words)


@dataclass
class _NameIndex:
    exact: dict[str, set[int]]
    tokens: dict[str, set[int]]
    names: dict[int, tuple[str, tuple[str, ...]]]  # id -> (name, aliases)
    keys: list[tuple[str, int]]  # (core key, id) for every name and alias


def _build_index(rows: Iterable[tuple[int, str, str, str]]) -> _NameIndex:
    """Every name and alias, plus "NAME COUNTRY" (e.g. `Unilever (Cambodia)`) to pick one team's engagement
    with a company several country projects engage."""
    idx = _NameIndex({}, {}, {}, [])
    for pid, name, aliases_json, country in rows:
        try:
            aliases = tuple(json.loads(aliases_json or "[]"))
        except ValueError:
            aliases = ()
        idx.names[pid] = (name, aliases)
        for n in (name, *aliases):
            for key in {normalize(n), core(n)}:
                if key:
                    idx.exact.setdefault(key, set()).add(pid)
            c = core(n)
            if c:
                idx.keys.append((c, pid))
            for tok in c.split():
                idx.tokens.setdefault(tok, set()).add(pid)
            if country:
                for key in {normalize(f"{n} {country}"), core(f"{n} {country}")}:
                    idx.exact.setdefault(key, set()).add(pid)
    return idx


def name_index(store: Store, viewer: access.User | None = None) -> _NameIndex:
    """The in-memory name index, rebuilt when partners change (here or in another process).

    With a viewer it holds only the partners they may see, so matching never reveals another project's partner.
    """
    c = store
    key = index_key(store)
    cached = getattr(store, "_registry_names", None)
    if cached is not None and cached[0] == key:
        idx = cached[1]
    else:
        idx = _build_index(c.execute("SELECT id, name, aliases, country FROM partners"))
        store._registry_names = (key, idx)  # type: ignore[attr-defined]
    allowed = visible_ids(store, viewer)
    if allowed is None:
        return idx
    views = viewer_caches(store, key)
    vkey = ("index", access.visibility_key(viewer))
    if vkey not in views:
        views[vkey] = _restrict(idx, allowed)
    return views[vkey]


def _restrict(idx: _NameIndex, allowed: frozenset[int]) -> _NameIndex:
    def keep(d: dict[str, set[int]]) -> dict[str, set[int]]:
        out = {}
        for k, ids in d.items():
            mine = ids & allowed
            if mine:
                out[k] = mine
        return out

    return _NameIndex(keep(idx.exact), keep(idx.tokens), {p: v for p, v in idx.names.items() if p in allowed},
                      [(k, p) for k, p in idx.keys if p in allowed])


def _token_score(qt: str, ct: str) -> float:
    if qt == ct:
        return 1.0
    if len(qt) >= 2 and ct.startswith(qt):
        return 0.9
    r = difflib.SequenceMatcher(None, qt, ct).ratio()
    return r * 0.85 if r >= 0.75 else 0.0


def score(query: str, name: str) -> float:
    """How well a typed name fits a partner name, 0..1 (1 = the same name, ignoring case, punctuation, "Co.")."""
    qn, cn = normalize(query), normalize(name)
    qc, cc = core(query), core(name)
    if not qn or not cn:
        return 0.0
    if qn == cn or qc == cc:
        return 1.0
    qt, ct = qc.split(), cc.split()
    matched_c: set[int] = set()
    cover, fuzzy = 0.0, False
    for q in qt:
        best, best_j = 0.0, -1
        for j, c in enumerate(ct):
            s = _token_score(q, c)
            if s > best:
                best, best_j = s, j
                if s == 1.0:
                    break
        cover += best
        fuzzy = fuzzy or best < 0.9
        if best_j >= 0 and best > 0:
            matched_c.add(best_j)
    cover /= len(qt)
    precision = len(matched_c) / len(ct)
    if fuzzy:  # a typo somewhere: compare the whole strings too
        whole = difflib.SequenceMatcher(None, qc, cc).ratio()
    else:  # every word matched exactly or as a prefix: closeness is how much of the name was typed
        whole = min(len(qc), len(cc)) / max(len(qc), len(cc))
    return 0.75 * cover + 0.15 * precision + 0.10 * whole


MATCH = 0.8       # at least this to take a name as meant


CONSIDER = 0.6    # at least this to offer a name as "did you mean"


MARGIN = 0.08     # the best must beat the runner-up by this much


MAX_SCORED = 150  # candidates scored in full per lookup (bounds type-ahead time on large registries)


@dataclass
class Match:
    query: str
    partner: Partner | None = None
    candidates: list[tuple[Partner, float]] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.partner is not None:
            return "found"
        return "ambiguous" if self.candidates else "unknown"


def _candidates(store: Store, text: str, viewer: access.User | None = None,
                close_too: bool = False) -> list[tuple[int, float]]:
    """(partner id, score) of the names `text` may mean, best first: only the exact ones when there are any, unless
    `close_too`."""
    idx = name_index(store, viewer)
    qn, qc = normalize(text), core(text)
    if not qn:
        return []
    exact = idx.exact.get(qn) or idx.exact.get(qc)
    if exact and not close_too:
        return [(pid, 1.0) for pid in sorted(exact)]
    ids: set[int] = set(exact or ())
    for tok in qc.split():
        ids |= idx.tokens.get(tok, set())
        if len(tok) >= 2:
            for t, pids in idx.tokens.items():
                if t.startswith(tok) and t != tok:
                    ids |= pids
    if not ids:  # typos: close whole names, then close single words
        close = difflib.get_close_matches(qc, [k for k, _ in idx.keys], n=10, cutoff=0.7)
        ids |= {pid for k, pid in idx.keys if k in close}
        for tok in qc.split():
            for t in difflib.get_close_matches(tok, list(idx.tokens), n=5, cutoff=0.75):
                ids |= idx.tokens[t]
    if len(ids) > MAX_SCORED:  # many names share a word: score fully only those closest by a cheap measure
        qtoks = qc.split()

        def cheap(pid: int) -> tuple[int, int]:
            toks = core(idx.names[pid][0]).split()
            hits = sum(1 for q in qtoks if any(t == q or t.startswith(q) for t in toks))
            return (-hits, len(toks))

        ids = set(sorted(ids, key=cheap)[:MAX_SCORED])
    scored = []
    for pid in ids:
        name, aliases = idx.names[pid]
        s = max(score(text, n) for n in (name, *aliases))
        if s >= CONSIDER:
            scored.append((pid, s))
    scored.sort(key=lambda x: (-x[1], idx.names[x[0]][0].casefold()))
    return scored


def find_partner(store: Store, text: str, viewer: access.User | None = None) -> Match:
    """The partner `text` names: found (one clear match), ambiguous (several close), or unknown.

    With a viewer, only partners they may see are considered: another project's partner is simply unknown.
    """
    m = Match(query=text.strip())
    scored = _candidates(store, text, viewer)
    if not scored:
        return m
    best_id, best = scored[0]
    runner = scored[1][1] if len(scored) > 1 else 0.0
    if best >= 1.0 and runner < 1.0:
        m.partner = get_partner(store, best_id)
        return m
    if best >= MATCH and best - runner >= MARGIN:
        m.partner = get_partner(store, best_id)
        return m
    for pid, s in scored[:6]:
        p = get_partner(store, pid)
        if p is not None:
            m.candidates.append((p, s))
    return m


def close_partners(store: Store, text: str, viewer: access.User | None = None) -> list[tuple[Partner, float]]:
    """Partners whose name `text` is close enough to be taken as meant (score ≥ MATCH), best first, the exact ones
    included."""
    return [(p, s) for p, s in ((get_partner(store, pid), s) for pid, s in _candidates(store, text, viewer, True))
            if p is not None and s >= MATCH]


def exact_partner(store: Store, text: str, viewer: access.User | None = None) -> Partner | None:
    """The partner whose name or alias is exactly `text` (ignoring case, punctuation and "Co." etc.)."""
    idx = name_index(store, viewer)
    ids = idx.exact.get(normalize(text)) or idx.exact.get(core(text)) or set()
    return get_partner(store, next(iter(ids))) if len(ids) == 1 else None


def suggest_partners(store: Store, text: str, limit: int = 20,
                     viewer: access.User | None = None) -> list[tuple[str, str]]:
    """Type-ahead for partner fields: (value, label) pairs, best first; value is the partner's exact name (with its
    country project, `NAME (COUNTRY)`, when several teams' engagements with one company are offered).

    With a viewer, only the partners they may see are offered.
    """
    limit = max(1, min(int(limit), 100))
    text = (text or "").strip()
    if not text:
        allowed = visible_ids(store, viewer)
        if allowed is None:
            rows = store.execute(
                f"SELECT {PARTNER_COLUMNS} FROM partners ORDER BY lower(name), id LIMIT ?", (limit,)).fetchall()
        else:
            rows = [r for r in store.execute(f"SELECT {PARTNER_COLUMNS} FROM partners ORDER BY lower(name), id")
                    if r[0] in allowed][:limit]
        partners = [partner_from_row(r) for r in rows]
    else:
        partners = [p for p in (get_partner(store, pid) for pid, _ in _candidates(store, text, viewer)[:limit]) if p]
    seen = [normalize(p.name) for p in partners]
    return [(f"{p.name} ({p.country})" if seen.count(normalize(p.name)) > 1 and p.country else p.name,
             _suggest_label(p)) for p in partners]


def _suggest_label(p: Partner) -> str:
    bits = [p.name]
    if p.country:
        bits.append(p.country)
    bits.append(p.stage_label)
    label = " · ".join(bits)
    return ("🔒 " + label) if p.confidential else label


def known_prefix_lengths(store: Store, words: list[str], viewer: access.User | None = None) -> list[int]:
    """Lengths j (longest first) for which words[:j] is exactly a known partner name or alias (that viewer sees)."""
    idx = name_index(store, viewer)
    out = []
    for j in range(len(words), 0, -1):
        text = " ".join(words[:j])
        if idx.exact.get(normalize(text)) or idx.exact.get(core(text)):
            out.append(j)
    return out


def partners_named_in(text: str, store: Store, viewer: access.User | None = None, limit: int = 2) -> list[Partner]:
    """The partners a sentence names by a name or alias, word for word ("what did we agree with Acme Foods?"), first
    named first; with a viewer, only partners they may see. Longest names win ("Acme Foods Thailand" before "Acme")."""
    idx = name_index(store, viewer)
    if not idx.names:
        return []
    words = normalize(text).split()
    longest = max(len(k.split()) for k in idx.exact)
    found: list[int] = []
    i = 0
    while i < len(words) and len(found) < limit:
        for j in range(min(len(words), i + longest), i, -1):
            ids = idx.exact.get(" ".join(words[i:j]))
            if ids:
                pid = min(ids)
                if pid not in found:
                    found.append(pid)
                i = j
                break
        else:
            i += 1
    return [p for p in (get_partner(store, pid) for pid in found) if p is not None]
