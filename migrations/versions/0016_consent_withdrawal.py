"""consent withdrawal: who recorded it, and the decision to keep data a legal duty requires.

`consent.withdrawn_by` names the adviser who recorded a withdrawal (the day is `withdrawn_on`, there
since 0001); `keep_reason`, `keep_recorded_by`, `keep_recorded_at` record the adviser's decision
after it to keep what a legal duty requires (Art. 17 Abs. 3 DSGVO). Plain added nullable columns:
the same ALTER TABLE on SQLite and PostgreSQL, nothing to backfill.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('consent', sa.Column('withdrawn_by', sa.String(length=254), nullable=True))
    op.add_column('consent', sa.Column('keep_reason', sa.Text(), nullable=True))
    op.add_column('consent', sa.Column('keep_recorded_by', sa.String(length=254), nullable=True))
    op.add_column('consent', sa.Column('keep_recorded_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('consent') as batch:
        batch.drop_column('keep_recorded_at')
        batch.drop_column('keep_recorded_by')
        batch.drop_column('keep_reason')
        batch.drop_column('withdrawn_by')
