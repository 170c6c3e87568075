"""The one schema, defined once (SQLAlchemy Core), for SQLite and PostgreSQL alike.

Alembic migrations in `storage/migrations/versions/` create and change it; `alembic check` in the tests proves
the migrations and this file agree. Dates are ISO text (`2026-11-03`), timestamps ISO text in UTC, JSON is text,
flags are 0/1 integers: the same values on both engines, so exports and checksums match across them.
"""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    func,
)

STREAMS = ("innovation", "survivor_employment")
INTERACTION_KINDS = ("meeting", "call", "email", "event", "training", "agreement")
ACTION_LEVELS = ("high", "medium", "low")
OUTCOME_KINDS = (
    "cash",              # resources leveraged, cash (quantity = amount, currency set)
    "in_kind",           # resources leveraged, in kind (estimated value, currency set)
    "survivors_trained",
    "survivors_placed",
    "retained_3m",       # survivors still employed 3 months after placement
    "retained_6m",
    "retained_12m",
    "joint_activity",    # joint activities delivered
    "policy_change",     # company policy changes
)
RISK_RATINGS = ("low", "medium", "high")
DILIGENCE_RATINGS = RISK_RATINGS + ("incomplete",)  # a review with unanswered items gets no risk level
ROLES = ("staff", "lead", "admin")
SEND_STATUSES = ("sending", "sent", "failed", "gone", "uncertain")
INTAKE_STATUSES = ("pending", "working", "done", "failed")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _flag(column: str) -> CheckConstraint:
    return CheckConstraint(f"{column} IN (0, 1)")


metadata = MetaData()

companies = Table(  # one record per company; each country project's work with it is a `partners` row
    "companies", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("created_at", Text, nullable=False),
)
Index("companies_name_lower", func.lower(companies.c.name), unique=True)

partners = Table(  # an engagement: one country project's partnership with one company

    "partners", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", Text, nullable=False),
    Column("aliases", Text, nullable=False, server_default="[]"),          # JSON list of other names
    Column("sector", Text, nullable=False, server_default=""),
    Column("country", Text, nullable=False, server_default=""),            # country project
    Column("stream", Text, nullable=False, server_default="innovation"),
    Column("stage", Text, nullable=False),
    Column("stage_since", Text, nullable=False),                           # ISO date the current stage began
    Column("owner", Text, nullable=False, server_default=""),              # platform user id of the officer
    Column("confidential", Integer, nullable=False, server_default="0"),   # NDA in place
    Column("created_at", Text, nullable=False),
    Column("created_by", Text, nullable=False, server_default=""),
    Column("company_id", Integer, ForeignKey("companies.id", name="partners_company_fk"), nullable=False),
    CheckConstraint(_in("stream", STREAMS)),
    _flag("confidential"),
)
Index("partners_company_country", partners.c.company_id, func.lower(partners.c.country), unique=True)
Index("partners_stream_stage", partners.c.stream, partners.c.stage)

stage_history = Table(
    "stage_history", metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("from_stage", Text),
    Column("to_stage", Text, nullable=False),
    Column("moved_on", Text, nullable=False),
    Column("moved_by", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Index("stage_history_partner", "partner_id", "moved_on"),
)

interactions = Table(
    "interactions", metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("occurred_on", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("summary", Text, nullable=False),
    Column("next_step", Text, nullable=False, server_default=""),
    Column("next_due", Text),
    Column("action_level", Text),
    Column("logged_by", Text, nullable=False, server_default=""),
    Column("platform", Text, nullable=False, server_default="console"),
    Column("fingerprint", Text, nullable=False, server_default=""),        # hash of the raw text
    Column("created_at", Text, nullable=False),
    Column("source_event", Text),                                          # intake key it came from (exactly once)
    CheckConstraint(_in("kind", INTERACTION_KINDS)),
    CheckConstraint("action_level IS NULL OR " + _in("action_level", ACTION_LEVELS)),
    Index("interactions_partner", "partner_id", "occurred_on"),
    Index("interactions_date", "occurred_on"),
    Index("interactions_fingerprint", "fingerprint", "created_at"),
    Index("interactions_partner_id", "partner_id", "id"),
    Index("interactions_source_event", "source_event", unique=True),
)

outcomes = Table(
    "outcomes", metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("interaction_id", Integer, ForeignKey("interactions.id")),
    Column("recorded_on", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("currency", Text),
    Column("note", Text, nullable=False, server_default=""),
    Column("recorded_by", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    CheckConstraint(_in("kind", OUTCOME_KINDS)),
    CheckConstraint("quantity >= 0"),
    Index("outcomes_partner", "partner_id", "recorded_on"),
    Index("outcomes_interaction", "interaction_id"),
)

diligence = Table(
    "diligence", metadata,
    Column("id", Integer, primary_key=True),
    Column("partner_id", Integer, ForeignKey("partners.id"), nullable=False),
    Column("answers", Text, nullable=False),
    Column("risk_rating", Text, nullable=False),
    Column("reviewer", Text, nullable=False, server_default=""),
    Column("reviewed_on", Text, nullable=False),
    Column("created_at", Text, nullable=False),
    Column("missing", Text, nullable=False, server_default="[]"),          # JSON list of unanswered items
    CheckConstraint(_in("risk_rating", DILIGENCE_RATINGS)),
    Index("diligence_partner", "partner_id", "reviewed_on"),
)

audit_log = Table(  # append-only: triggers on both engines refuse UPDATE and DELETE
    "audit_log", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("actor", Text, nullable=False, server_default=""),
    Column("action", Text, nullable=False),
    Column("table_name", Text, nullable=False),
    Column("row_id", Integer),
    Column("detail", Text, nullable=False, server_default="{}"),
    Index("audit_log_table_row", "table_name", "row_id"),
)

feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True),
    Column("at", Text, nullable=False),
    Column("user_id", Text, nullable=False, server_default=""),
    Column("platform", Text, nullable=False, server_default=""),
    Column("query", Text, nullable=False, server_default=""),
    Column("source", Text, nullable=False, server_default=""),
    Column("vote", Integer, nullable=False),
    CheckConstraint("vote IN (-1, 1)"),
)

processed_events = Table(
    "processed_events", metadata,
    Column("event_key", Text, primary_key=True),                            # platform:event id
    Column("at", Text, nullable=False),
)

users = Table(
    "users", metadata,
    Column("platform", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("role", Text, nullable=False),
    Column("countries", Text, nullable=False, server_default="[]"),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("added_by", Text, nullable=False, server_default=""),
    Column("added_at", Text, nullable=False),
    PrimaryKeyConstraint("platform", "user_id"),
    CheckConstraint(_in("role", ROLES)),
)

teams_conversations = Table(
    "teams_conversations", metadata,
    Column("conversation_id", Text, primary_key=True),
    Column("reference", Text, nullable=False),                             # JSON ConversationReference
    Column("service_url", Text, nullable=False),
    Column("tenant_id", Text, nullable=False, server_default=""),
    Column("conversation_type", Text, nullable=False, server_default=""),
    Column("updated_at", Text, nullable=False),
    Column("active", Integer, nullable=False, server_default="1"),
    _flag("active"),
)

targets = Table(
    "targets", metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator", Text, nullable=False),
    Column("country", Text, nullable=False, server_default=""),            # '' = the whole programme
    Column("fiscal_year", Integer, nullable=False),
    Column("value", Float, nullable=False),
    Column("set_by", Text, nullable=False, server_default=""),
    Column("set_at", Text, nullable=False),
    UniqueConstraint("indicator", "country", "fiscal_year"),
    CheckConstraint("value >= 0"),
)

digest_subscriptions = Table(
    "digest_subscriptions", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", Text, nullable=False),
    Column("channel_id", Text, nullable=False),
    Column("channel_name", Text, nullable=False, server_default=""),
    Column("channel_kind", Text, nullable=False, server_default="channel"),
    Column("weekday", Integer, nullable=False),                            # 0 = Monday
    Column("hour", Integer, nullable=False),
    Column("tz", Text, nullable=False, server_default="UTC"),
    Column("country", Text),                                               # NULL = every country project
    Column("created_by", Text, nullable=False, server_default=""),
    Column("created_at", Text, nullable=False),
    Column("starts_at", Text, nullable=False),
    Column("active", Integer, nullable=False, server_default="1"),
    UniqueConstraint("platform", "channel_id"),
    CheckConstraint("weekday BETWEEN 0 AND 6"),
    CheckConstraint("hour BETWEEN 0 AND 23"),
    _flag("active"),
)

digest_sends = Table(
    "digest_sends", metadata,
    Column("id", Integer, primary_key=True),
    Column("subscription_id", Integer, ForeignKey("digest_subscriptions.id"), nullable=False),
    Column("week_key", Text, nullable=False),
    Column("claimed_at", Text, nullable=False),
    Column("claimed_by", Text, nullable=False, server_default=""),
    Column("sent_at", Text),
    Column("status", Text, nullable=False),
    Column("attempts", Integer, nullable=False, server_default="1"),
    Column("error", Text, nullable=False, server_default=""),
    Column("lease_until", Text),        # a crashed sender's claim runs out at this moment (UTC)
    Column("posting_at", Text),         # set just before the platform call: if set and not sent, uncertain
    Column("message_id", Text),         # the platform's id for the posted message, committed on its answer
    UniqueConstraint("subscription_id", "week_key"),
    CheckConstraint(_in("status", SEND_STATUSES)),
)

exchange_rates = Table(  # set by admins per fiscal year: units of `currency` per US dollar
    "exchange_rates", metadata,
    Column("id", Integer, primary_key=True),
    Column("fiscal_year", Integer, nullable=False),
    Column("currency", Text, nullable=False),
    Column("per_usd", Float, nullable=False),
    Column("set_by", Text, nullable=False, server_default=""),
    Column("set_at", Text, nullable=False),
    UniqueConstraint("fiscal_year", "currency"),
    CheckConstraint("per_usd > 0"),
)

log_drafts = Table(
    "log_drafts", metadata,
    Column("id", Integer, primary_key=True),
    Column("platform", Text, nullable=False),
    Column("user_id", Text, nullable=False),
    Column("command", Text, nullable=False, server_default="log"),
    Column("raw", Text, nullable=False),
    Column("understood", Text, nullable=False, server_default="{}"),
    Column("problems", Text, nullable=False, server_default="[]"),
    Column("created_at", Text, nullable=False),
    UniqueConstraint("platform", "user_id"),
)

intake = Table(  # the durable inbox: a request is acknowledged only once its row is committed
    "intake", metadata,
    Column("id", Integer, primary_key=True),
    Column("event_key", Text, nullable=False, unique=True),                # platform:delivery id
    Column("platform", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("payload", Text, nullable=False),                               # JSON work item
    Column("status", Text, nullable=False, server_default="pending"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("lease_until", Text),
    Column("claimed_by", Text, nullable=False, server_default=""),
    Column("received_at", Text, nullable=False),
    Column("done_at", Text),
    Column("error", Text, nullable=False, server_default=""),
    CheckConstraint(_in("status", INTAKE_STATUSES)),
    Index("intake_status_lease", "status", "lease_until"),
)

kb_meta = Table(
    "kb_meta", metadata,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

kb_documents = Table(
    "kb_documents", metadata,
    Column("source", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("doc_type", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    Column("origin", Text, nullable=False, server_default="user"),
    Column("meta", Text, nullable=False, server_default="{}"),
    Column("chunks", Integer, nullable=False, server_default="0"),
    Column("ingested_at", Text, nullable=False),
)

kb_chunks = Table(
    "kb_chunks", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", Text, ForeignKey("kb_documents.source", ondelete="CASCADE"), nullable=False),
    Column("ordinal", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("section", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("doc_type", Text, nullable=False),
    Column("vector", LargeBinary, nullable=False),                         # float32 embedding
    Column("sentences", LargeBinary, nullable=True),                       # float16, one row per sentence
    Index("kb_chunks_by_source", "source", "ordinal"),
)

kb_excluded = Table(  # sources an organisation removed that must stay out (bundled guidance too)
    "kb_excluded", metadata,
    Column("source", Text, primary_key=True),
    Column("excluded_at", Text, nullable=False),
)

kb_models = Table(  # sentence models fine-tuned on the documents (`pse-bot kb adapt`): every process loads from here
    "kb_models", metadata,
    Column("sha256", Text, primary_key=True),
    Column("data", LargeBinary, nullable=False),                           # the model folder as one tar
    Column("info", Text, nullable=False, server_default="{}"),             # passages, pairs, steps, seconds (JSON)
    Column("created_at", Text, nullable=False),
)

questions_unanswered = Table(  # for the curators' gaps report: masked text, never who asked, never guests
    "questions_unanswered", metadata,
    Column("id", Integer, primary_key=True),
    Column("asked_at", Text, nullable=False),
    Column("platform", Text, nullable=False),
    Column("question", Text, nullable=False),
    Column("reason", Text, nullable=False),
    CheckConstraint("reason IN ('not_sure', 'down_vote')"),
    Index("questions_unanswered_asked", "asked_at"),
)
