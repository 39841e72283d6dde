"""flow_run_acknowledgement: a lead's "Gesehen" on a failed or crashed Prefect flow run, so the
Übersicht shows the run until someone has looked at it (the runs live on the Prefect server; only the
acknowledgement is ours). One row per flow run id.

Numbered 0013 as issue 15 asks (0012 is reserved for another branch of issue 15); it revises 0011
until that branch is merged, then its `down_revision` becomes '0012'.

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'flow_run_acknowledgement',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('flow_run_id', sa.String(length=36), nullable=False),
        sa.Column('flow_name', sa.String(length=60), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('acknowledged_by', sa.Integer(), nullable=True),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['acknowledged_by'], ['adviser.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_flow_run_acknowledgement_flow_run_id', 'flow_run_acknowledgement', ['flow_run_id'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_flow_run_acknowledgement_flow_run_id', table_name='flow_run_acknowledgement')
    op.drop_table('flow_run_acknowledgement')
