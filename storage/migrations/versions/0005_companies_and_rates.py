"""One company, several country teams; exchange rates per fiscal year.

A company is one record (`companies`); each country project's work with it is an engagement (a `partners` row,
with its own stage, stage history, owner, logs and NDA flag) pointing at it through `partners.company_id`.
Names are unique per company, and each company has at most one engagement per country project (instead of one
partner per name across the programme). Every existing partner becomes one company with one engagement.

`exchange_rates` holds the rates an admin sets for a fiscal year: units of a currency per US dollar.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('companies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('created_at', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('companies_name_lower', 'companies', [sa.text('lower(name)')], unique=True)
    with op.batch_alter_table('partners') as t:
        t.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
    # one company per existing partner, keeping its name (names were unique, so lower(name) still is)
    op.execute("INSERT INTO companies (id, name, created_at) SELECT id, name, created_at FROM partners")
    op.execute("UPDATE partners SET company_id = id")
    if op.get_bind().dialect.name == 'postgresql':  # later companies must not collide with the copied ids
        op.execute("SELECT setval(pg_get_serial_sequence('companies', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM companies), 0) + 1, false)")
    # On SQLite this recreates the table from the definition below: its unnamed CHECK constraints are kept, and a
    # database made before Alembic loses its old `UNIQUE (name)` (names are now unique per company and country).
    with op.batch_alter_table('partners', copy_from=_partners_before()) as t:
        t.alter_column('company_id', existing_type=sa.Integer(), nullable=False)
        t.create_foreign_key('partners_company_fk', 'companies', ['company_id'], ['id'])
    op.execute("DROP INDEX IF EXISTS partners_name_lower")
    op.create_index('partners_company_country', 'partners', ['company_id', sa.text('lower(country)')], unique=True)
    op.create_table('exchange_rates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('currency', sa.Text(), nullable=False),
    sa.Column('per_usd', sa.Float(), nullable=False),
    sa.Column('set_by', sa.Text(), server_default='', nullable=False),
    sa.Column('set_at', sa.Text(), nullable=False),
    sa.CheckConstraint('per_usd > 0'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fiscal_year', 'currency')
    )


def _partners_before() -> sa.Table:
    return sa.Table('partners', sa.MetaData(),
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
    sa.Column('company_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("stream IN ('innovation', 'survivor_employment')"),
    sa.CheckConstraint('confidential IN (0, 1)'),
    sa.PrimaryKeyConstraint('id'),
    sa.Index('partners_stream_stage', 'stream', 'stage'),
    )


def downgrade() -> None:
    op.drop_table('exchange_rates')
    op.drop_index('partners_company_country', table_name='partners')
    with op.batch_alter_table('partners') as t:
        t.drop_constraint('partners_company_fk', type_='foreignkey')
        t.drop_column('company_id')
    op.create_index('partners_name_lower', 'partners', [sa.text('lower(name)')], unique=True)
    op.drop_index('companies_name_lower', table_name='companies')
    op.drop_table('companies')
