"""Questions the guidance could not answer (a "not sure" or a 👎), masked, for the curators' gaps report.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questions_unanswered",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("asked_at", sa.Text(), nullable=False),
        sa.Column("platform", sa.Text(), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint("reason IN ('not_sure', 'down_vote')"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("questions_unanswered_asked", "questions_unanswered", ["asked_at"], unique=False)


def downgrade() -> None:
    op.drop_index("questions_unanswered_asked", table_name="questions_unanswered")
    op.drop_table("questions_unanswered")
