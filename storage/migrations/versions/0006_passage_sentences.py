"""Sentence vectors for each guidance passage.

`kb_chunks.sentences` holds the embedding of every sentence of the passage (float16, sentence after sentence,
384 values each). Search compares the question with each sentence as well as with the whole passage, and the
passage vector itself is now built from them (knowledge/sentences.py). Passages stored before this revision have
none; they are searched as before until their document is ingested again (the bundled guidance is, on start).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_chunks') as t:
        t.add_column(sa.Column('sentences', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kb_chunks') as t:
        t.drop_column('sentences')
