"""Digest sends: a new status 'uncertain' for a send whose process stopped while the platform was being
called (posting_at set, never marked sent). Such a send is never re-posted blindly; the subscriber is told
and can `digest resend`.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

NEW = "status IN ('sending', 'sent', 'failed', 'gone', 'uncertain')"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE digest_sends DROP CONSTRAINT IF EXISTS digest_sends_status_check")
        op.create_check_constraint("digest_sends_status_check", "digest_sends", NEW)
        return
    # SQLite cannot alter a CHECK: the table is copied into a new one (its unnamed CHECK is not carried over)
    with op.batch_alter_table("digest_sends", recreate="always", table_args=(sa.CheckConstraint(NEW),)):
        pass


def downgrade() -> None:
    raise NotImplementedError("restore a backup instead")
