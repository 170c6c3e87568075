"""The partner registry: partners, name matching, interactions, stage moves, outcomes and due diligence.

Reads that find or list partners take an optional `viewer` (a `records.access.User`): staff and leads then see only
partners of their country projects (plus partners with no country project that are not confidential), exactly as
if the others did not exist; admins and `viewer=None` (internal jobs, the operator's CLI) see every partner.

Every write runs in one `Store.transaction()` together with its audit-log row, so a crash leaves either the
whole change or nothing. Functions raise `RegistryError` with a message meant for the user; nothing is
written when they do.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from records import access, privacy, stages
from storage.schema import ACTION_LEVELS, INTERACTION_KINDS, OUTCOME_KINDS, RISK_RATINGS, STREAMS
from storage.store import Store, utcnow

MAX_NAME = 120
MAX_SUMMARY = 2000
MAX_NEXT_STEP = 500
MAX_NOTE = 1000
DUPLICATE_WINDOW_S = 60
STALLED_NO_CONTACT_DAYS = 45
MAX_QUANTITY = 1_000_000_000
COUNT_KINDS = ("survivors_trained", "survivors_placed", "retained_3m", "retained_6m", "retained_12m",
               "joint_activity", "policy_change")
MONEY_KINDS = ("cash", "in_kind")
OUTCOME_LABELS = {
    "cash": "cash leveraged", "in_kind": "in-kind leveraged", "survivors_trained": "survivors trained",
    "survivors_placed": "survivors placed", "retained_3m": "still employed at 3 months",
    "retained_6m": "still employed at 6 months", "retained_12m": "still employed at 12 months",
    "joint_activity": "joint activities delivered", "policy_change": "company policy changes",
}
KIND_LABELS = {"meeting": "Meeting", "call": "Call", "email": "Email", "event": "Event", "training": "Training",
               "agreement": "Agreement"}
LEVEL_HELP = ("high = contract signed and the company puts in money or resources; medium = a private sector–"
              "government meeting after which a policy change is expected; low = meetings, trainings, other events")
# Words in company names that say nothing about which company it is.
SUFFIXES = frozenset({
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "plc", "pcl", "llc", "lp",
    "gmbh", "sa", "ag", "nv", "bv", "pte", "pvt", "private", "jsc", "bhd", "sdn", "tbk", "the", "group", "holdings",
})
_BAD_NAME_CHARS = set(";<>{}[]|\\`\"*=#$%^~")


class RegistryError(ValueError):
    """A request that cannot be carried out; the message says why and what to do instead. Nothing was written."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# --- partners -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Partner:
    id: int
    name: str
    aliases: tuple[str, ...]
    sector: str
    country: str
    stream: str
    stage: str
    stage_since: str
    owner: str
    confidential: bool
    created_at: str

    @property
    def stage_label(self) -> str:
        return stages.label(self.stage)

    @property
    def stream_label(self) -> str:
        return stages.STREAM_LABELS.get(self.stream, self.stream)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "aliases": list(self.aliases), "sector": self.sector,
                "country": self.country, "stream": self.stream, "stage": self.stage,
                "stage_since": self.stage_since, "owner": self.owner, "confidential": self.confidential,
                "created_at": self.created_at}

    def __getitem__(self, key: str) -> Any:  # so access.can_see_partner(user, partner) works on it
        return self.as_dict()[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.as_dict().get(key, default)


_COLS = "id, name, aliases, sector, country, stream, stage, stage_since, owner, confidential, created_at"


def _partner(row) -> Partner:
    try:
        aliases = tuple(json.loads(row[2] or "[]"))
    except ValueError:
        aliases = ()
    return Partner(row[0], row[1], aliases, row[3], row[4], row[5], row[6], row[7], row[8], bool(row[9]), row[10])


def get_partner(store: Store, partner_id: int) -> Partner | None:
    row = store.db.conn.execute(f"SELECT {_COLS} FROM partners WHERE id = ?", (partner_id,)).fetchone()
    return _partner(row) if row else None


def all_partners(store: Store, viewer: access.User | None = None) -> list[Partner]:
    rows = store.db.conn.execute(f"SELECT {_COLS} FROM partners ORDER BY name COLLATE NOCASE").fetchall()
    allowed = visible_ids(store, viewer)
    return [_partner(r) for r in rows if allowed is None or r[0] in allowed]


def count_partners(store: Store) -> int:
    return store.db.conn.execute("SELECT COUNT(*) FROM partners").fetchone()[0]


# --- names and matching ---------------------------------------------------------------------------------------

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


def _build_index(rows: Iterable[tuple[int, str, str]]) -> _NameIndex:
    idx = _NameIndex({}, {}, {}, [])
    for pid, name, aliases_json in rows:
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
    return idx


def _index_key(store: Store) -> tuple:
    c = store.db.conn
    version = c.execute("PRAGMA data_version").fetchone()[0]
    count, max_id = c.execute("SELECT COUNT(*), MAX(id) FROM partners").fetchone()
    return (version, count, max_id, getattr(store, "_registry_gen", 0))


def _views(store: Store, key: tuple) -> dict:
    """Per-viewer caches (visible ids, restricted indexes), dropped whenever the partners change."""
    cached = getattr(store, "_registry_views", None)
    if cached is None or cached[0] != key or len(cached[1]) > 512:
        cached = (key, {})
        store._registry_views = cached  # type: ignore[attr-defined]
    return cached[1]


def visible_ids(store: Store, viewer: access.User | None) -> frozenset[int] | None:
    """Ids of the partners `viewer` may see (`access.can_see_partner`), or None when they see all."""
    vkey = access.visibility_key(viewer)
    if vkey is None:
        return None
    views = _views(store, _index_key(store))
    if ("ids", vkey) not in views:
        rows = store.db.conn.execute("SELECT id, country, confidential FROM partners")
        views[("ids", vkey)] = frozenset(
            pid for pid, country, conf in rows
            if access.can_see_partner(viewer, {"country": country, "confidential": conf}))  # type: ignore[arg-type]
    return views[("ids", vkey)]


def can_see(store: Store, viewer: access.User | None, partner: Partner) -> bool:
    allowed = visible_ids(store, viewer)
    return allowed is None or partner.id in allowed


def _index(store: Store, viewer: access.User | None = None) -> _NameIndex:
    """The in-memory name index, rebuilt when partners change (here or in another process).

    With a viewer it holds only the partners they may see, so matching never reveals another project's partner.
    """
    c = store.db.conn
    key = _index_key(store)
    cached = getattr(store, "_registry_names", None)
    if cached is not None and cached[0] == key:
        idx = cached[1]
    else:
        idx = _build_index(c.execute("SELECT id, name, aliases FROM partners"))
        store._registry_names = (key, idx)  # type: ignore[attr-defined]
    allowed = visible_ids(store, viewer)
    if allowed is None:
        return idx
    views = _views(store, key)
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


def _names_changed(store: Store) -> None:
    store._registry_gen = getattr(store, "_registry_gen", 0) + 1  # type: ignore[attr-defined]


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


def _candidates(store: Store, text: str, viewer: access.User | None = None) -> list[tuple[int, float]]:
    idx = _index(store, viewer)
    qn, qc = normalize(text), core(text)
    if not qn:
        return []
    exact = idx.exact.get(qn) or idx.exact.get(qc)
    if exact:
        return [(pid, 1.0) for pid in sorted(exact)]
    ids: set[int] = set()
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


def exact_partner(store: Store, text: str, viewer: access.User | None = None) -> Partner | None:
    """The partner whose name or alias is exactly `text` (ignoring case, punctuation and "Co." etc.)."""
    idx = _index(store, viewer)
    ids = idx.exact.get(normalize(text)) or idx.exact.get(core(text)) or set()
    return get_partner(store, next(iter(ids))) if len(ids) == 1 else None


def suggest_partners(store: Store, text: str, limit: int = 20,
                     viewer: access.User | None = None) -> list[tuple[str, str]]:
    """Type-ahead for partner fields: (value, label) pairs, best first; value is the partner's exact name.

    With a viewer, only the partners they may see are offered.
    """
    limit = max(1, min(int(limit), 100))
    text = (text or "").strip()
    if not text:
        allowed = visible_ids(store, viewer)
        if allowed is None:
            rows = store.db.conn.execute(
                f"SELECT {_COLS} FROM partners ORDER BY name COLLATE NOCASE LIMIT ?", (limit,)).fetchall()
        else:
            rows = store.db.conn.execute(
                f"SELECT {_COLS} FROM partners WHERE id IN (SELECT value FROM json_each(?)) "
                "ORDER BY name COLLATE NOCASE LIMIT ?", (json.dumps(sorted(allowed)), limit)).fetchall()
        partners = [_partner(r) for r in rows]
    else:
        partners = [p for p in (get_partner(store, pid) for pid, _ in _candidates(store, text, viewer)[:limit]) if p]
    return [(p.name, _suggest_label(p)) for p in partners]


def _suggest_label(p: Partner) -> str:
    bits = [p.name]
    if p.country:
        bits.append(p.country)
    bits.append(p.stage_label)
    label = " · ".join(bits)
    return ("🔒 " + label) if p.confidential else label


def known_prefix_lengths(store: Store, words: list[str], viewer: access.User | None = None) -> list[int]:
    """Lengths j (longest first) for which words[:j] is exactly a known partner name or alias (that viewer sees)."""
    idx = _index(store, viewer)
    out = []
    for j in range(len(words), 0, -1):
        text = " ".join(words[:j])
        if idx.exact.get(normalize(text)) or idx.exact.get(core(text)):
            out.append(j)
    return out


# --- validation -----------------------------------------------------------------------------------------------

def clean_name(name: str, what: str = "partner name") -> str:
    name = unicodedata.normalize("NFC", " ".join((name or "").split()))
    if not name:
        raise RegistryError(f"The {what} is empty. Give the company's name, e.g. `partner add Acme Foods Co.`", "name")
    if len(name) > MAX_NAME:
        raise RegistryError(f"That {what} is {len(name)} characters long; keep it under {MAX_NAME}.", "name")
    if not any(unicodedata.category(ch)[0] in "LN" for ch in name):
        raise RegistryError(f"The {what} “{name}” has no letters or digits. Use the company's registered name.", "name")
    bad = sorted({ch for ch in name if ch in _BAD_NAME_CHARS or unicodedata.category(ch) in ("Cc", "Cf", "So", "Cs")})
    if bad:
        raise RegistryError(f"The {what} contains characters I don't keep in names ({' '.join(bad)}). Use letters, "
                            "digits, spaces and . , & ' ( ) - / + only.", "name")
    return name


def check_private(text: str, where: str, field_name: str | None = None) -> None:
    found = privacy.find_identifiers(text)
    if found:
        raise RegistryError(privacy.refusal(found, where), field_name)


def _check_text(text: str, limit: int, what: str, field_name: str) -> str:
    text = (text or "").strip()
    if len(text) > limit:
        raise RegistryError(f"The {what} is {len(text):,} characters long; keep it under {limit:,} "
                            "(the essentials; attach long notes elsewhere).", field_name)
    if any(unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t" for ch in text):
        raise RegistryError(f"The {what} contains control characters; please retype it.", field_name)
    check_private(text, f"the {what}", field_name)
    return text


# --- partner writes -------------------------------------------------------------------------------------------

def add_partner(store: Store, name: str, *, actor: str, today: date, stream: str = "innovation", country: str = "",
                sector: str = "", owner: str = "", confidential: bool = False,
                viewer: access.User | None = None) -> Partner:
    name = clean_name(name)
    check_private(name, "the partner name", "name")
    if stream not in STREAMS:
        raise RegistryError(f"“{stream}” is not a work stream; use innovation or survivor_employment.", "stream")
    country = clean_name(country, "country project") if country.strip() else ""
    sector = clean_name(sector, "sector") if sector.strip() else ""
    taken = _index(store).exact.get(normalize(name))
    if taken:
        other = get_partner(store, min(taken))
        if other is not None and not can_see(store, viewer, other):
            # Names are unique across the programme, so the clash itself can't be hidden; nothing more is said.
            raise RegistryError(f"The name “{name}” is already registered by another country project, so I can't "
                                "add it again; nothing was added. If your project works with this company too, ask "
                                "an admin to sort it out.", "name")
        shown = other.name if other else name
        raise RegistryError(f"A partner called “{shown}” already exists; nothing was added. See `partner {shown}`.",
                            "name")
    first = stages.first_stage(stream)
    now, day = utcnow(), today.isoformat()
    with store.transaction() as c:
        pid = c.execute(
            "INSERT INTO partners (name, aliases, sector, country, stream, stage, stage_since, owner, confidential, "
            "created_at, created_by) VALUES (?, '[]', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (name, sector, country, stream, first, day, owner, int(confidential), now, actor),
        ).lastrowid
        c.execute("INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, created_at) "
                  "VALUES (?, NULL, ?, ?, ?, 'added', ?)", (pid, first, day, actor, now))
        store.audit(actor, "partner.add", "partners", pid, {"name": name, "stream": stream, "country": country,
                                                             "stage": first, "confidential": confidential})
    _names_changed(store)
    return get_partner(store, pid)  # type: ignore[return-value]


def add_alias(store: Store, partner: Partner, alias: str, *, actor: str,
              viewer: access.User | None = None) -> Partner:
    alias = clean_name(alias, "alias")
    check_private(alias, "the alias", "alias")
    if normalize(alias) in {normalize(n) for n in (partner.name, *partner.aliases)}:
        raise RegistryError(f"“{alias}” already names {partner.name}; nothing changed.", "alias")
    owner = _index(store).exact.get(normalize(alias), set()) - {partner.id}
    if owner:
        other = get_partner(store, next(iter(owner)))
        shown = f" ({other.name})" if other is not None and can_see(store, viewer, other) else ""
        raise RegistryError(f"“{alias}” already names another partner{shown}; "
                            "an alias must point to one partner only. Nothing changed.", "alias")
    aliases = [*partner.aliases, alias]
    with store.transaction() as c:
        c.execute("UPDATE partners SET aliases = ? WHERE id = ?", (json.dumps(aliases, ensure_ascii=False), partner.id))
        store.audit(actor, "partner.alias", "partners", partner.id, {"alias": alias})
    _names_changed(store)
    return get_partner(store, partner.id)  # type: ignore[return-value]


def set_confidential(store: Store, partner: Partner, on: bool, *, actor: str) -> Partner:
    with store.transaction() as c:
        c.execute("UPDATE partners SET confidential = ? WHERE id = ?", (int(on), partner.id))
        store.audit(actor, "partner.confidential", "partners", partner.id, {"confidential": on})
    _names_changed(store)  # who may see it can change
    return get_partner(store, partner.id)  # type: ignore[return-value]


def move_stage(store: Store, partner: Partner, stage_key: str, *, actor: str, on: date, note: str = "") -> Partner:
    st = stages.get(stage_key, partner.stream)
    if st is None:
        raise RegistryError(f"“{stage_key}” is not a stage of {partner.stream_label}.", "stage")
    if st.key == partner.stage:
        raise RegistryError(f"{partner.name} is already at {st.label} (since {partner.stage_since}); nothing changed.",
                            "stage")
    if on < date.fromisoformat(partner.stage_since[:10]):
        raise RegistryError(f"{partner.name} entered {partner.stage_label} on {partner.stage_since[:10]}; a move "
                            f"can't be dated before that ({on.isoformat()}).", "date")
    note = _check_text(note, MAX_NOTE, "note", "note")
    now = utcnow()
    with store.transaction() as c:
        hid = c.execute(
            "INSERT INTO stage_history (partner_id, from_stage, to_stage, moved_on, moved_by, note, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (partner.id, partner.stage, st.key, on.isoformat(), actor, note, now),
        ).lastrowid
        c.execute("UPDATE partners SET stage = ?, stage_since = ? WHERE id = ?", (st.key, on.isoformat(), partner.id))
        store.audit(actor, "partner.stage", "partners", partner.id,
                    {"from": partner.stage, "to": st.key, "on": on.isoformat(), "history_id": hid})
    return get_partner(store, partner.id)  # type: ignore[return-value]


# --- interactions and outcomes --------------------------------------------------------------------------------

@dataclass
class OutcomeDraft:
    kind: str
    quantity: float
    currency: str | None = None
    note: str = ""


@dataclass
class InteractionDraft:
    partner_id: int
    occurred_on: date
    kind: str
    summary: str
    next_step: str = ""
    next_due: date | None = None
    action_level: str | None = None       # None: the default for the kind and outcomes
    outcomes: list[OutcomeDraft] = field(default_factory=list)


@dataclass
class LogResult:
    interaction_id: int
    outcome_ids: list[int]
    duplicate: bool
    action_level: str


def default_level(kind: str, outcomes: Iterable[OutcomeDraft]) -> str:
    """High when an agreement comes with money or resources from the company; otherwise low.

    Medium (a private sector–government meeting expected to change policy) can't be inferred from the words
    of a log: say `level: medium`.
    """
    if kind == "agreement" and any(o.kind in MONEY_KINDS and o.quantity > 0 for o in outcomes):
        return "high"
    return "low"


def validate_interaction(draft: InteractionDraft, today: date) -> dict[str, str]:
    """Field → problem; empty when the draft may be stored. Cleans text fields in place."""
    errors: dict[str, str] = {}
    if draft.kind not in INTERACTION_KINDS:
        errors["kind"] = f"“{draft.kind}” is not a kind of contact; use one of: {', '.join(INTERACTION_KINDS)}."
    if draft.action_level is not None and draft.action_level not in ACTION_LEVELS:
        errors["level"] = f"“{draft.action_level}” is not an action level; use high, medium or low ({LEVEL_HELP})."
    if draft.occurred_on > today:
        errors["date"] = (f"{draft.occurred_on.isoformat()} is in the future. A log records what already happened; "
                          "put a planned meeting as the next step of your last log instead.")
    elif draft.occurred_on.year < 2000:
        errors["date"] = "That date is too far in the past; check the year."
    for name, limit, what in (("summary", MAX_SUMMARY, "summary"), ("next_step", MAX_NEXT_STEP, "next step")):
        try:
            setattr(draft, name, _check_text(getattr(draft, name), limit, what, name))
        except RegistryError as e:
            errors[name] = str(e)
    if not draft.summary and "summary" not in errors:
        errors["summary"] = "Say in a few words what happened, e.g. “discussed 5 placements”."
    if draft.next_due is not None:
        if not draft.next_step and "next_step" not in errors:
            errors["next_step"] = "A due date needs a next step: say what should happen by then."
        elif draft.next_due < draft.occurred_on:
            errors["next_due"] = (f"The next step is due {draft.next_due.isoformat()}, before the contact itself "
                                  f"({draft.occurred_on.isoformat()}); check the date.")
    for o in draft.outcomes:
        problem = _outcome_problem(o)
        if problem:
            errors[o.kind] = problem
        else:
            try:
                o.note = _check_text(o.note, MAX_NOTE, "outcome note", o.kind)
            except RegistryError as e:
                errors[o.kind] = str(e)
    return errors


def _outcome_problem(o: OutcomeDraft) -> str | None:
    if o.kind not in OUTCOME_KINDS:
        return f"“{o.kind}” is not an outcome I record."
    label = OUTCOME_LABELS[o.kind]
    if not (0 <= o.quantity <= MAX_QUANTITY):
        return f"The number for {label} must be between 0 and {MAX_QUANTITY:,}."
    if o.kind in COUNT_KINDS and o.quantity != int(o.quantity):
        return f"{label.capitalize()} is a count of people or activities: a whole number, please."
    if o.kind in MONEY_KINDS and not (o.currency and re.fullmatch(r"[A-Z]{3}", o.currency)):
        return f"Give the currency for {label} as a 3-letter code, e.g. `cash: 5000 USD`."
    if o.kind not in MONEY_KINDS and o.currency:
        return f"{label.capitalize()} is a count; it takes no currency."
    return None


def fingerprint(actor: str, raw: str) -> str:
    """Same user + same text (ignoring case and spacing) → same fingerprint."""
    norm = " ".join(unicodedata.normalize("NFKC", raw).casefold().split())
    return hashlib.sha256(f"{actor}\n{norm}".encode("utf-8")).hexdigest()


def log_interaction(store: Store, draft: InteractionDraft, *, actor: str, platform: str, raw: str,
                    today: date, now: datetime | None = None) -> LogResult:
    """Store one interaction and its outcomes (one transaction, audited). Raises RegistryError if invalid.

    The same raw text from the same user within a minute returns the earlier entry with duplicate=True.
    """
    errors = validate_interaction(draft, today)
    if errors:
        raise RegistryError(" ".join(errors.values()), next(iter(errors)))
    partner = get_partner(store, draft.partner_id)
    if partner is None:
        raise RegistryError("That partner no longer exists; nothing was saved.", "partner")
    level = draft.action_level or default_level(draft.kind, draft.outcomes)
    fp = fingerprint(actor, raw)
    now = now or datetime.now(timezone.utc)
    created = now.isoformat(timespec="seconds")
    since = (now - timedelta(seconds=DUPLICATE_WINDOW_S)).isoformat(timespec="seconds")
    with store.transaction() as c:
        dup = c.execute("SELECT id, action_level FROM interactions WHERE fingerprint = ? AND created_at >= ? "
                        "ORDER BY id DESC LIMIT 1", (fp, since)).fetchone()
        if dup:
            return LogResult(dup[0], [], True, dup[1] or level)
        iid = c.execute(
            "INSERT INTO interactions (partner_id, occurred_on, kind, summary, next_step, next_due, action_level, "
            "logged_by, platform, fingerprint, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (partner.id, draft.occurred_on.isoformat(), draft.kind, draft.summary, draft.next_step,
             draft.next_due.isoformat() if draft.next_due else None, level, actor, platform, fp, created),
        ).lastrowid
        oids = []
        for o in draft.outcomes:
            oid = c.execute(
                "INSERT INTO outcomes (partner_id, interaction_id, recorded_on, kind, quantity, currency, note, "
                "recorded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (partner.id, iid, draft.occurred_on.isoformat(), o.kind, o.quantity, o.currency, o.note, actor,
                 created),
            ).lastrowid
            oids.append(oid)
            store.audit(actor, "outcome.add", "outcomes", oid, {"partner_id": partner.id, "kind": o.kind,
                                                                 "quantity": o.quantity, "currency": o.currency})
        store.audit(actor, "interaction.add", "interactions", iid,
                    {"partner_id": partner.id, "kind": draft.kind, "occurred_on": draft.occurred_on.isoformat(),
                     "action_level": level, "outcomes": len(oids), "platform": platform})
    return LogResult(iid, oids, False, level)


# --- due diligence --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    key: str
    text: str
    options: tuple[str, ...]


CHECKLIST: tuple[Question, ...] = (
    Question("csr", "Does the company have stated CSR or sustainability goals that fit this partnership?",
             ("yes", "partly", "no", "unknown")),
    Question("financial", "How solid is its financial profile for the share it would carry?",
             ("stable", "uncertain", "weak", "unknown")),
    Question("reputation", "Reputation concerns (press, NGO or union reports, labour complaints)?",
             ("none", "minor", "serious", "unknown")),
    Question("lawsuits", "Lawsuits or regulatory action (labour, trafficking, environment, corruption)?",
             ("none", "past", "current", "unknown")),
    Question("supply_chain", "Known forced-labour or recruitment-fee risks in its own supply chain?",
             ("none", "some", "high", "unknown")),
    Question("conflict", "Conflict with the project's or donor's rules (restricted sector, conflict of interest)?",
             ("no", "yes", "unknown")),
)
HIGH_IF = {"financial": {"weak"}, "reputation": {"serious"}, "lawsuits": {"current"}, "supply_chain": {"high"},
           "conflict": {"yes"}}
MEDIUM_IF = {"csr": {"no"}, "financial": {"uncertain"}, "reputation": {"minor"}, "lawsuits": {"past"},
             "supply_chain": {"some"}}
RISK_RULE = ("high if any: weak finances, serious reputation concerns, a current lawsuit, high supply-chain risk, a "
             "conflict with project rules; medium if any: no CSR fit, uncertain finances, minor reputation concerns, "
             "a past lawsuit, some supply-chain risk, or two or more questions unanswered; otherwise low")


def compute_risk(answers: dict[str, str]) -> str:
    """The risk rating the checklist answers call for (see RISK_RULE)."""
    if any(answers.get(k) in v for k, v in HIGH_IF.items()):
        return "high"
    unknown = sum(1 for q in CHECKLIST if answers.get(q.key, "unknown") == "unknown")
    if unknown >= 2 or any(answers.get(k) in v for k, v in MEDIUM_IF.items()):
        return "medium"
    return "low"


def validate_answers(raw: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(clean answers, errors by question key). Missing answers become "unknown"."""
    answers, errors = {}, {}
    for q in CHECKLIST:
        value = (raw.get(q.key) or "unknown").strip().lower()
        if value in ("?", "n/a", "na", "dont know", "don't know", "not sure"):
            value = "unknown"
        if value not in q.options:
            errors[q.key] = f"For “{q.key}” answer one of: {', '.join(q.options)} (got “{value}”)."
        answers[q.key] = value
    return answers, errors


def record_diligence(store: Store, partner: Partner, answers: dict[str, str], *, reviewer: str, on: date,
                     rating: str | None = None, notes: str = "") -> tuple[int, str]:
    """Store a checklist review; returns (id, rating). A given rating may raise the computed one, never lower it."""
    clean, errors = validate_answers(answers)
    if errors:
        raise RegistryError(" ".join(errors.values()), next(iter(errors)))
    computed = compute_risk(clean)
    if rating is not None:
        rating = rating.strip().lower()
        if rating not in RISK_RATINGS:
            raise RegistryError(f"“{rating}” is not a risk rating; use low, medium or high.", "rating")
        if RISK_RATINGS.index(rating) < RISK_RATINGS.index(computed):  # RISK_RATINGS is low, medium, high
            raise RegistryError(f"The answers make this {computed} risk ({RISK_RULE}); I can't record it as "
                                f"{rating}. Change the answers that drive it, or keep {computed}.", "rating")
    final = rating or computed
    notes = _check_text(notes, MAX_NOTE, "diligence notes", "notes")
    stored = dict(clean, notes=notes, computed_rating=computed)
    with store.transaction() as c:
        did = c.execute("INSERT INTO diligence (partner_id, answers, risk_rating, reviewer, reviewed_on, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (partner.id, json.dumps(stored, ensure_ascii=False), final, reviewer, on.isoformat(),
                         utcnow())).lastrowid
        store.audit(reviewer, "diligence.add", "diligence", did, {"partner_id": partner.id, "risk_rating": final,
                                                                   "computed": computed})
    return did, final


def latest_diligence(store: Store, partner_id: int) -> dict[str, Any] | None:
    row = store.db.conn.execute("SELECT id, answers, risk_rating, reviewer, reviewed_on FROM diligence "
                                "WHERE partner_id = ? ORDER BY reviewed_on DESC, id DESC LIMIT 1",
                                (partner_id,)).fetchone()
    if not row:
        return None
    return {"id": row[0], "answers": json.loads(row[1]), "risk_rating": row[2], "reviewer": row[3],
            "reviewed_on": row[4]}


# --- reads for cards and the pipeline -------------------------------------------------------------------------

def recent_interactions(store: Store, partner_id: int, limit: int = 5) -> list[dict[str, Any]]:
    rows = store.db.conn.execute(
        "SELECT id, occurred_on, kind, summary, next_step, next_due, action_level, logged_by FROM interactions "
        "WHERE partner_id = ? ORDER BY occurred_on DESC, id DESC LIMIT ?", (partner_id, limit)).fetchall()
    keys = ("id", "occurred_on", "kind", "summary", "next_step", "next_due", "action_level", "logged_by")
    return [dict(zip(keys, r)) for r in rows]


def last_contact(store: Store, partner_id: int) -> str | None:
    row = store.db.conn.execute("SELECT MAX(occurred_on) FROM interactions WHERE partner_id = ?",
                                (partner_id,)).fetchone()
    return row[0] if row else None


def next_step(store: Store, partner_id: int) -> dict[str, Any] | None:
    """The next step of the latest interaction that named one."""
    row = store.db.conn.execute(
        "SELECT next_step, next_due, occurred_on FROM interactions WHERE partner_id = ? AND next_step != '' "
        "ORDER BY occurred_on DESC, id DESC LIMIT 1", (partner_id,)).fetchone()
    return {"next_step": row[0], "next_due": row[1], "set_on": row[2]} if row else None


def interaction_count(store: Store, partner_id: int) -> int:
    return store.db.conn.execute("SELECT COUNT(*) FROM interactions WHERE partner_id = ?", (partner_id,)).fetchone()[0]


def outcome_totals(store: Store, partner_id: int) -> list[tuple[str, str | None, float]]:
    return store.db.conn.execute(
        "SELECT kind, currency, SUM(quantity) FROM outcomes WHERE partner_id = ? GROUP BY kind, currency "
        "ORDER BY kind, currency", (partner_id,)).fetchall()


@dataclass(frozen=True)
class PipelineEntry:
    partner: Partner
    days_in_stage: int
    last_contact: str | None
    days_since_contact: int | None
    stalled: tuple[str, ...]  # reasons; empty when moving


def stalled_reasons(partner: Partner, last: str | None, today: date) -> tuple[int, int | None, tuple[str, ...]]:
    """(days in stage, days since last contact, reasons it counts as stalled)."""
    since = date.fromisoformat(partner.stage_since[:10])
    in_stage = max(0, (today - since).days)
    quiet = (today - date.fromisoformat(last[:10])).days if last else None
    st = stages.get(partner.stage, partner.stream)
    reasons: list[str] = []
    if st is None or not st.active:
        return in_stage, quiet, ()
    if quiet is None:
        added = min(date.fromisoformat(partner.created_at[:10]), since)
        if (today - added).days > STALLED_NO_CONTACT_DAYS:
            reasons.append(f"no contact logged since it was added {(today - added).days} days ago")
    elif quiet > STALLED_NO_CONTACT_DAYS:
        reasons.append(f"no contact for {quiet} days")
    if st.usual_days is not None and in_stage > st.usual_days:
        reasons.append(f"{in_stage} days in {st.label} (usually up to {st.usual_days})")
    return in_stage, quiet, tuple(reasons)


def pipeline(store: Store, today: date, stream: str | None = None,
             viewer: access.User | None = None) -> list[PipelineEntry]:
    """Every partner (the viewer may see) with time in stage, last contact and stalled reasons, by stream and stage."""
    last = dict(store.db.conn.execute("SELECT partner_id, MAX(occurred_on) FROM interactions GROUP BY partner_id"))
    order = {(s, st.key): i for s, pl in stages.PIPELINES.items() for i, st in enumerate(pl)}
    out = []
    for p in all_partners(store, viewer):
        if stream and p.stream != stream:
            continue
        in_stage, quiet, reasons = stalled_reasons(p, last.get(p.id), today)
        out.append(PipelineEntry(p, in_stage, last.get(p.id), quiet, reasons))
    out.sort(key=lambda e: (STREAMS.index(e.partner.stream) if e.partner.stream in STREAMS else 9,
                            order.get((e.partner.stream, e.partner.stage), 99), e.partner.name.casefold()))
    return out
