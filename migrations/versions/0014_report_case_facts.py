"""report_case_fact: each case's milestones on their corrected days, kept for the reports (issue 16);
report_case_change: each state change on its corrected day (for the state at the end of a past period);
and report_case_dirty: the cases whose events changed since the facts were last brought up to date.

The facts are derived from `case_event` alone (the events are the record; a correction is a new row).
A trigger on `case_event` writes the case's id into `report_case_dirty` in the same transaction as
the event, whoever writes it (the services, the import, a bulk load), so no change is missed; the
report recomputes the facts of those cases before it reads (`services.reports.refresh_case_facts`).
Existing cases are marked here and computed by the first report.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        'report_case_fact',
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('recognition_case.id', ondelete='CASCADE'), primary_key=True,
                  autoincrement=False),
        sa.Column('first_on', sa.Date(), nullable=True),
        sa.Column('submitted_on', sa.Date(), nullable=True),
        sa.Column('acknowledged_on', sa.Date(), nullable=True),
        sa.Column('complete_on', sa.Date(), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=30), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('last_change_on', sa.Date(), nullable=True),
        sa.Column('state_after_last', sa.String(length=30), nullable=True),
    )
    op.create_table(
        'report_case_change',
        sa.Column('event_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('recognition_case.id', ondelete='CASCADE'), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('state', sa.String(length=30), nullable=False),
    )
    op.create_index('ix_report_case_change_case_id_on', 'report_case_change', ['case_id', 'on'])
    op.create_table(
        'report_case_dirty',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('case_id', sa.Integer(), nullable=False),
    )
    if bind.dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION report_case_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            "IF TG_OP <> 'INSERT' THEN INSERT INTO report_case_dirty (case_id) VALUES (OLD.case_id); END IF; "
            "IF TG_OP <> 'DELETE' THEN INSERT INTO report_case_dirty (case_id) VALUES (NEW.case_id); END IF; "
            'RETURN NULL; END $$'
        )
        op.execute('CREATE TRIGGER report_case_event_changed AFTER INSERT OR UPDATE OR DELETE ON case_event '
                   'FOR EACH ROW EXECUTE FUNCTION report_case_mark()')
    else:
        op.execute('CREATE TRIGGER report_case_event_added AFTER INSERT ON case_event BEGIN '
                   'INSERT INTO report_case_dirty (case_id) VALUES (new.case_id); END')
        op.execute('CREATE TRIGGER report_case_event_updated AFTER UPDATE ON case_event BEGIN '
                   'INSERT INTO report_case_dirty (case_id) VALUES (old.case_id); '
                   'INSERT INTO report_case_dirty (case_id) VALUES (new.case_id); END')
        op.execute('CREATE TRIGGER report_case_event_removed AFTER DELETE ON case_event BEGIN '
                   'INSERT INTO report_case_dirty (case_id) VALUES (old.case_id); END')
        # SQLite enforces ON DELETE CASCADE only with PRAGMA foreign_keys; the trigger does it always
        op.execute('CREATE TRIGGER report_case_fact_case_removed AFTER DELETE ON recognition_case BEGIN '
                   'DELETE FROM report_case_fact WHERE case_id = old.id; '
                   'DELETE FROM report_case_change WHERE case_id = old.id; END')
    op.execute('INSERT INTO report_case_dirty (case_id) SELECT DISTINCT case_id FROM case_event')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute('DROP TRIGGER report_case_event_changed ON case_event')
        op.execute('DROP FUNCTION report_case_mark()')
    else:
        for name in ('report_case_event_added', 'report_case_event_updated', 'report_case_event_removed',
                     'report_case_fact_case_removed'):
            op.execute(f'DROP TRIGGER {name}')
    op.drop_table('report_case_dirty')
    op.drop_index('ix_report_case_change_case_id_on', table_name='report_case_change')
    op.drop_table('report_case_change')
    op.drop_table('report_case_fact')
