"""Baseline: the schema as it stood before Alembic (the six named SQLite steps), for both engines.

Revision ID: 0001
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('actor', sa.Text(), server_default='', nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('table_name', sa.Text(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.Text(), server_default='{}', nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('audit_log_table_row', 'audit_log', ['table_name', 'row_id'], unique=False)
    op.create_table('digest_subscriptions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.Text(), nullable=False),
    sa.Column('channel_id', sa.Text(), nullable=False),
    sa.Column('channel_name', sa.Text(), server_default='', nullable=False),
    sa.Column('channel_kind', sa.Text(), server_default='channel', nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('tz', sa.Text(), server_default='UTC', nullable=False),
    sa.Column('country', sa.Text(), nullable=True),
    sa.Column('created_by', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.Text(), nullable=False),
    sa.Column('active', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('active IN (0, 1)'),
    sa.CheckConstraint('hour BETWEEN 0 AND 23'),
    sa.CheckConstraint('weekday BETWEEN 0 AND 6'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'channel_id')
    )
    op.create_table('feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), server_default='', nullable=False),
    sa.Column('platform', sa.Text(), server_default='', nullable=False),
    sa.Column('query', sa.Text(), server_default='', nullable=False),
    sa.Column('source', sa.Text(), server_default='', nullable=False),
    sa.Column('vote', sa.Integer(), nullable=False),
    sa.CheckConstraint('vote IN (-1, 1)'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('log_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('command', sa.Text(), server_default='log', nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('understood', sa.Text(), server_default='{}', nullable=False),
    sa.Column('problems', sa.Text(), server_default='[]', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'user_id')
    )
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('aliases', sa.Text(), server_default='[]', nullable=False),
    sa.Column('sector', sa.Text(), server_default='', nullable=False),
    sa.Column('country', sa.Text(), server_default='', nullable=False),
    sa.Column('stream', sa.Text(), server_default='innovation', nullable=False),
    sa.Column('stage', sa.Text(), nullable=False),
    sa.Column('stage_since', sa.Text(), nullable=False),
    sa.Column('owner', sa.Text(), server_default='', nullable=False),
    sa.Column('confidential', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('created_by', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("stream IN ('innovation', 'survivor_employment')"),
    sa.CheckConstraint('confidential IN (0, 1)'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('partners_stream_stage', 'partners', ['stream', 'stage'], unique=False)
    op.create_table('processed_events',
    sa.Column('event_key', sa.Text(), nullable=False),
    sa.Column('at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('event_key')
    )
    op.create_table('targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator', sa.Text(), nullable=False),
    sa.Column('country', sa.Text(), server_default='', nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('set_by', sa.Text(), server_default='', nullable=False),
    sa.Column('set_at', sa.Text(), nullable=False),
    sa.CheckConstraint('value >= 0'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('indicator', 'country', 'fiscal_year')
    )
    op.create_table('teams_conversations',
    sa.Column('conversation_id', sa.Text(), nullable=False),
    sa.Column('reference', sa.Text(), nullable=False),
    sa.Column('service_url', sa.Text(), nullable=False),
    sa.Column('tenant_id', sa.Text(), server_default='', nullable=False),
    sa.Column('conversation_type', sa.Text(), server_default='', nullable=False),
    sa.Column('updated_at', sa.Text(), nullable=False),
    sa.Column('active', sa.Integer(), server_default='1', nullable=False),
    sa.CheckConstraint('active IN (0, 1)'),
    sa.PrimaryKeyConstraint('conversation_id')
    )
    op.create_table('users',
    sa.Column('platform', sa.Text(), nullable=False),
    sa.Column('user_id', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('countries', sa.Text(), server_default='[]', nullable=False),
    sa.Column('display_name', sa.Text(), server_default='', nullable=False),
    sa.Column('added_by', sa.Text(), server_default='', nullable=False),
    sa.Column('added_at', sa.Text(), nullable=False),
    sa.CheckConstraint("role IN ('staff', 'lead', 'admin')"),
    sa.PrimaryKeyConstraint('platform', 'user_id')
    )
    op.create_table('digest_sends',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subscription_id', sa.Integer(), nullable=False),
    sa.Column('week_key', sa.Text(), nullable=False),
    sa.Column('claimed_at', sa.Text(), nullable=False),
    sa.Column('claimed_by', sa.Text(), server_default='', nullable=False),
    sa.Column('sent_at', sa.Text(), nullable=True),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='1', nullable=False),
    sa.Column('error', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("status IN ('sending', 'sent', 'failed', 'gone')"),
    sa.ForeignKeyConstraint(['subscription_id'], ['digest_subscriptions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('subscription_id', 'week_key')
    )
    op.create_table('diligence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=False),
    sa.Column('risk_rating', sa.Text(), nullable=False),
    sa.Column('reviewer', sa.Text(), server_default='', nullable=False),
    sa.Column('reviewed_on', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.Column('missing', sa.Text(), server_default='[]', nullable=False),
    sa.CheckConstraint("risk_rating IN ('low', 'medium', 'high', 'incomplete')"),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('diligence_partner', 'diligence', ['partner_id', 'reviewed_on'], unique=False)
    op.create_table('interactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Text(), server_default='', nullable=False),
    sa.Column('next_due', sa.Text(), nullable=True),
    sa.Column('action_level', sa.Text(), nullable=True),
    sa.Column('logged_by', sa.Text(), server_default='', nullable=False),
    sa.Column('platform', sa.Text(), server_default='console', nullable=False),
    sa.Column('fingerprint', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.CheckConstraint("action_level IS NULL OR action_level IN ('high', 'medium', 'low')"),
    sa.CheckConstraint("kind IN ('meeting', 'call', 'email', 'event', 'training', 'agreement')"),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('interactions_date', 'interactions', ['occurred_on'], unique=False)
    op.create_index('interactions_fingerprint', 'interactions', ['fingerprint', 'created_at'], unique=False)
    op.create_index('interactions_partner', 'interactions', ['partner_id', 'occurred_on'], unique=False)
    op.create_index('interactions_partner_id', 'interactions', ['partner_id', 'id'], unique=False)
    op.create_table('stage_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('from_stage', sa.Text(), nullable=True),
    sa.Column('to_stage', sa.Text(), nullable=False),
    sa.Column('moved_on', sa.Text(), nullable=False),
    sa.Column('moved_by', sa.Text(), server_default='', nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('stage_history_partner', 'stage_history', ['partner_id', 'moved_on'], unique=False)
    op.create_table('outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('interaction_id', sa.Integer(), nullable=True),
    sa.Column('recorded_on', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('quantity', sa.Float(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('recorded_by', sa.Text(), server_default='', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.CheckConstraint("kind IN ('cash', 'in_kind', 'survivors_trained', 'survivors_placed', 'retained_3m', 'retained_6m', 'retained_12m', 'joint_activity', 'policy_change')"),
    sa.CheckConstraint('quantity >= 0'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], ),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('outcomes_interaction', 'outcomes', ['interaction_id'], unique=False)
    op.create_index('outcomes_partner', 'outcomes', ['partner_id', 'recorded_on'], unique=False)
    op.create_index("partners_name_lower", "partners", [sa.text("lower(name)")], unique=True)
    _append_only_audit()


def _append_only_audit() -> None:
    """The audit log refuses UPDATE and DELETE on both engines."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END")
        return
    op.execute("CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
               "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$")
    op.execute("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
               "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()")


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone; restore a backup instead")
