"""The schema as it was built before Alembic: six named SQLite steps, kept frozen.

Nothing creates databases from this any more (storage/tables.py and the Alembic migrations do); it stays so that
the upgrade of a database made by an earlier release is tested against exactly what that release built
(tests/test_database_cli.py). Do not add to it.
"""

from __future__ import annotations

from storage.tables import (  # noqa: F401 - the vocabularies, defined once in the schema
    ACTION_LEVELS,
    INTERACTION_KINDS,
    OUTCOME_KINDS,
    RISK_RATINGS,
    STREAMS,
)


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{v}'" for v in values) + ")"


CORE = f"""
CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    aliases TEXT NOT NULL DEFAULT '[]',          -- JSON list of other names
    sector TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',            -- country project, e.g. Thailand, Regional Asia
    stream TEXT NOT NULL DEFAULT 'innovation' CHECK (stream IN {_in(STREAMS)}),
    stage TEXT NOT NULL,
    stage_since TEXT NOT NULL,                   -- ISO date the current stage began
    owner TEXT NOT NULL DEFAULT '',              -- platform user id of the PSE officer
    confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),  -- NDA in place
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT ''
);
CREATE TABLE stage_history (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    moved_on TEXT NOT NULL,                      -- ISO date
    moved_by TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX stage_history_partner ON stage_history(partner_id, moved_on);
CREATE TABLE interactions (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    occurred_on TEXT NOT NULL,                   -- ISO date
    kind TEXT NOT NULL CHECK (kind IN {_in(INTERACTION_KINDS)}),
    summary TEXT NOT NULL,
    next_step TEXT NOT NULL DEFAULT '',
    next_due TEXT,                               -- ISO date or NULL
    action_level TEXT CHECK (action_level IS NULL OR action_level IN {_in(ACTION_LEVELS)}),
    logged_by TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT 'console',
    fingerprint TEXT NOT NULL DEFAULT '',        -- hash of the raw text, for duplicate detection
    created_at TEXT NOT NULL                     -- ISO timestamp, UTC
);
CREATE INDEX interactions_partner ON interactions(partner_id, occurred_on);
CREATE INDEX interactions_date ON interactions(occurred_on);
CREATE INDEX interactions_fingerprint ON interactions(fingerprint, created_at);
CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    interaction_id INTEGER REFERENCES interactions(id),
    recorded_on TEXT NOT NULL,                   -- ISO date the outcome happened
    kind TEXT NOT NULL CHECK (kind IN {_in(OUTCOME_KINDS)}),
    quantity REAL NOT NULL CHECK (quantity >= 0),
    currency TEXT,                               -- for cash / in_kind
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX outcomes_partner ON outcomes(partner_id, recorded_on);
CREATE TABLE diligence (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    answers TEXT NOT NULL,                       -- JSON {{question_key: answer}}
    risk_rating TEXT NOT NULL CHECK (risk_rating IN {_in(RISK_RATINGS)}),
    reviewer TEXT NOT NULL DEFAULT '',
    reviewed_on TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    table_name TEXT NOT NULL,
    row_id INTEGER,
    detail TEXT NOT NULL DEFAULT '{{}}'
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TABLE feedback (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id TEXT NOT NULL DEFAULT '',
    platform TEXT NOT NULL DEFAULT '',
    query TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT '',
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1))
);
CREATE TABLE processed_events (
    event_key TEXT PRIMARY KEY,                  -- platform:event id, for retry / duplicate suppression
    at TEXT NOT NULL
);
"""

ROLES_SQL = """
CREATE TABLE users (
    platform TEXT NOT NULL,                      -- slack / teams / console
    user_id TEXT NOT NULL,                       -- the platform's user id
    role TEXT NOT NULL CHECK (role IN ('staff', 'lead', 'admin')),
    countries TEXT NOT NULL DEFAULT '[]',        -- JSON list of country projects the user belongs to
    display_name TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL DEFAULT '',
    added_at TEXT NOT NULL,
    PRIMARY KEY (platform, user_id)
);
"""

TEAMS_SQL = """
CREATE TABLE teams_conversations (
    conversation_id TEXT PRIMARY KEY,            -- Teams conversation id (a channel without ";messageid=")
    reference TEXT NOT NULL,                     -- JSON Bot Framework ConversationReference
    service_url TEXT NOT NULL,
    tenant_id TEXT NOT NULL DEFAULT '',
    conversation_type TEXT NOT NULL DEFAULT '',  -- personal / channel / groupChat
    updated_at TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
"""

REPORTS_SQL = """
CREATE TABLE targets (
    id INTEGER PRIMARY KEY,
    indicator TEXT NOT NULL,                     -- an id from indicators/indicators.yml
    country TEXT NOT NULL DEFAULT '' COLLATE NOCASE,  -- country project; '' = the whole programme
    fiscal_year INTEGER NOT NULL,                -- USAID fiscal year, e.g. 2027 = Oct 2026 - Sep 2027
    value REAL NOT NULL CHECK (value >= 0),
    set_by TEXT NOT NULL DEFAULT '',
    set_at TEXT NOT NULL,
    UNIQUE (indicator, country, fiscal_year)
);
CREATE TABLE digest_subscriptions (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,                      -- slack / teams / console
    channel_id TEXT NOT NULL,
    channel_name TEXT NOT NULL DEFAULT '',
    channel_kind TEXT NOT NULL DEFAULT 'channel',  -- channel (shared) / dm / console
    weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    tz TEXT NOT NULL DEFAULT 'UTC',              -- IANA time zone name
    country TEXT COLLATE NOCASE,                 -- NULL = every country project
    created_by TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    starts_at TEXT NOT NULL,                     -- UTC; no digest is due before this moment
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (platform, channel_id)
);
CREATE TABLE digest_sends (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES digest_subscriptions(id),
    week_key TEXT NOT NULL,                      -- ISO week in the subscription's time zone, e.g. 2026-W41
    claimed_at TEXT NOT NULL,
    claimed_by TEXT NOT NULL DEFAULT '',         -- host:pid of the scheduler that claimed it
    sent_at TEXT,
    status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'failed', 'gone')),
    attempts INTEGER NOT NULL DEFAULT 1,
    error TEXT NOT NULL DEFAULT '',
    UNIQUE (subscription_id, week_key)
);
"""

REGISTRY_SQL = """
CREATE INDEX partners_stream_stage ON partners(stream, stage);
CREATE INDEX interactions_partner_id ON interactions(partner_id, id);
CREATE INDEX outcomes_interaction ON outcomes(interaction_id);
CREATE INDEX diligence_partner ON diligence(partner_id, reviewed_on);
"""

LOG_TRUST_SQL = """
CREATE INDEX audit_log_table_row ON audit_log(table_name, row_id);
CREATE TABLE log_drafts (
    id INTEGER PRIMARY KEY,
    platform TEXT NOT NULL,
    user_id TEXT NOT NULL,
    command TEXT NOT NULL DEFAULT 'log',
    raw TEXT NOT NULL,                           -- what the user typed, kept until confirmed or cancelled
    understood TEXT NOT NULL DEFAULT '{}',       -- JSON of the parts that were understood
    problems TEXT NOT NULL DEFAULT '[]',         -- JSON list of the parts still to settle
    created_at TEXT NOT NULL,
    UNIQUE (platform, user_id)
);
CREATE TABLE diligence_new (
    id INTEGER PRIMARY KEY,
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    answers TEXT NOT NULL,
    risk_rating TEXT NOT NULL CHECK (risk_rating IN ('low', 'medium', 'high', 'incomplete')),
    reviewer TEXT NOT NULL DEFAULT '',
    reviewed_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    missing TEXT NOT NULL DEFAULT '[]'           -- JSON list of checklist items not answered
);
INSERT INTO diligence_new (id, partner_id, answers, risk_rating, reviewer, reviewed_on, created_at)
    SELECT id, partner_id, answers, risk_rating, reviewer, reviewed_on, created_at FROM diligence;
DROP TABLE diligence;
ALTER TABLE diligence_new RENAME TO diligence;
CREATE INDEX diligence_partner ON diligence(partner_id, reviewed_on);
"""

# Questions the guidance could not answer ("not sure") or whose answer got a 👎, for the curators' gaps report
# (knowledge/gaps.py). Who asked is not kept, guests' questions never are, and personal details are masked by
# the privacy guard before a question is stored. Embeddings are recomputed when the report is built.
# Ordered (name, sql) pairs. Append only.
MIGRATIONS: list[tuple[str, str]] = [
    ("0001_core", CORE),
    ("0005_roles", ROLES_SQL),
    ("0004_teams", TEAMS_SQL),
    ("0003_reports", REPORTS_SQL),
    ("0002_registry", REGISTRY_SQL),
    ("0006_log_trust", LOG_TRUST_SQL),
]
