"""Shared state for several processes: the durable intake, digest-send leases, exactly-once logs and
the knowledge index (documents, passages, vectors, keyword search) in the database.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('intake',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_key', sa.Text(), nullable=False),
    sa.Column('platform', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('lease_until', sa.Text(), nullable=True),
    sa.Column('claimed_by', sa.Text(), server_default='', nullable=False),
    sa.Column('received_at', sa.Text(), nullable=False),
    sa.Column('done_at', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), server_default='', nullable=False),
    sa.CheckConstraint("status IN ('pending', 'working', 'done', 'failed')"),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_key')
    )
    op.create_index('intake_status_lease', 'intake', ['status', 'lease_until'], unique=False)
    op.create_table('kb_documents',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('doc_type', sa.Text(), nullable=False),
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('origin', sa.Text(), server_default='user', nullable=False),
    sa.Column('meta', sa.Text(), server_default='{}', nullable=False),
    sa.Column('chunks', sa.Integer(), server_default='0', nullable=False),
    sa.Column('ingested_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('kb_excluded',
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('excluded_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('source')
    )
    op.create_table('kb_meta',
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    op.create_table('kb_chunks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('ordinal', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('section', sa.Text(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('doc_type', sa.Text(), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['source'], ['kb_documents.source'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('kb_chunks_by_source', 'kb_chunks', ['source', 'ordinal'], unique=False)
    with op.batch_alter_table("interactions") as t:
        t.add_column(sa.Column("source_event", sa.Text(), nullable=True))
        t.create_index("interactions_source_event", ["source_event"], unique=True)
    with op.batch_alter_table("digest_sends") as t:
        t.add_column(sa.Column("lease_until", sa.Text(), nullable=True))
        t.add_column(sa.Column("posting_at", sa.Text(), nullable=True))
        t.add_column(sa.Column("message_id", sa.Text(), nullable=True))
    # databases made before Alembic had a NOCASE column instead of this index; the same rule, on both engines
    op.execute("CREATE UNIQUE INDEX IF NOT EXISTS partners_name_lower ON partners (lower(name))")
    _keyword_index()


def _keyword_index() -> None:
    """Keyword search over passages: FTS5 on SQLite, a weighted tsvector with a GIN index on PostgreSQL."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE kb_chunks_fts USING fts5(title, section, text, "
                   "tokenize = 'porter unicode61 remove_diacritics 2')")
        return
    op.execute("ALTER TABLE kb_chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
               "setweight(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(section, '')), 'A') || "
               "setweight(to_tsvector('english', coalesce(text, '')), 'B')) STORED")
    op.execute("CREATE INDEX kb_chunks_tsv ON kb_chunks USING gin (tsv)")


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
