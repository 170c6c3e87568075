"""Sentence models fine-tuned on an organisation's own documents.

`pse-bot kb adapt` teaches a copy of MiniLM the language of the documents in the knowledge base and keeps it here
(`kb_models`: the model folder as one tar, about 90 MB), so every web process can embed questions with the very
model that made the stored vectors. `kb_meta.ranking_model` names the one in use (absent or empty: the packaged
model). No data changes.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_models',
    sa.Column('sha256', sa.Text(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('info', sa.Text(), server_default='{}', nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('sha256')
    )


def downgrade() -> None:
    op.drop_table('kb_models')
