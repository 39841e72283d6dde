"""event_corrections: a wrongly dated step is corrected by a new case_event row that points to the
original (`corrects_id`); the original stays, so the case history and the audit trail keep both.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('case_event') as batch:
        batch.add_column(sa.Column('corrects_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_case_event_corrects_id', 'case_event', ['corrects_id'], ['id'])
        batch.create_index('ix_case_event_corrects_id', ['corrects_id'])


def downgrade() -> None:
    with op.batch_alter_table('case_event') as batch:
        batch.drop_index('ix_case_event_corrects_id')
        batch.drop_constraint('fk_case_event_corrects_id', type_='foreignkey')
        batch.drop_column('corrects_id')
