"""The report's rows, kept so that each figure reads one index range (issue 16, the bench goal).

- `report_case_fact` now has one row per case (also a case without any step), with its district,
  person, day opened, routing, decision deadline, day counts and funding flags beside the
  milestones, and an index per kind of milestone.
- `report_case_change` carries the district, the day each state stops being the case's
  (`valid_until`) and the day the case ended.
- `report_person_span`: the days on which a person had an open case, merged, per district and per
  country of training (`domain.reports.person_spans`); `report_person_dirty`: the persons to redo.

Triggers mark what to recompute, in the writer's own transaction, as 0014's do for the events:
a case inserted, or updated in a column the report reads; a decision deadline written; a person's
sex, birth date or Bürgergeld changed; a case removed (its person's spans). All three tables are
derived data: they are recreated empty here and every case and person is marked, so the first
report after the upgrade computes them (services.reports.refresh_case_facts).

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

CASE_COLUMNS = ('person_id', 'district', 'created_at', 'profession_group', 'body_key', 'country_of_training',
                'funding_route', 'funding_decided_on')
PERSON_COLUMNS = ('sex', 'birth_date', 'receives_buergergeld')


def _case_tables() -> None:
    op.create_table(
        'report_case_fact',
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('recognition_case.id', ondelete='CASCADE'), primary_key=True,
                  autoincrement=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('district', sa.String(length=20), nullable=False),
        sa.Column('opened_on', sa.Date(), nullable=False),
        sa.Column('profession_group', sa.String(length=20), nullable=True),
        sa.Column('body_key', sa.String(length=80), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('submitted_on', sa.Date(), nullable=True),
        sa.Column('acknowledged_on', sa.Date(), nullable=True),
        sa.Column('complete_on', sa.Date(), nullable=True),
        sa.Column('decided_on', sa.Date(), nullable=True),
        sa.Column('outcome', sa.String(length=30), nullable=True),
        sa.Column('ended_on', sa.Date(), nullable=True),
        sa.Column('decision_due', sa.Date(), nullable=True),
        sa.Column('days_to_submit', sa.Integer(), nullable=True),
        sa.Column('days_to_acknowledge', sa.Integer(), nullable=True),
        sa.Column('days_to_decide', sa.Integer(), nullable=True),
        sa.Column('funded_before', sa.Integer(), nullable=False),
        sa.Column('submitted_without', sa.Integer(), nullable=False),
    )
    op.create_index('ix_report_case_fact_opened', 'report_case_fact', ['district', 'opened_on', 'ended_on'])
    op.create_index('ix_report_case_fact_submitted', 'report_case_fact',
                    ['district', 'submitted_on', 'days_to_submit', 'funded_before', 'submitted_without'])
    op.create_index('ix_report_case_fact_acknowledged', 'report_case_fact',
                    ['district', 'acknowledged_on', 'days_to_acknowledge'])
    op.create_index('ix_report_case_fact_decided', 'report_case_fact',
                    ['district', 'decided_on', 'outcome', 'profession_group', 'body_key', 'decision_due',
                     'days_to_decide'])
    op.create_index('ix_report_case_fact_person', 'report_case_fact', ['person_id'])
    op.create_table(
        'report_case_change',
        sa.Column('event_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('recognition_case.id', ondelete='CASCADE'), nullable=False),
        sa.Column('district', sa.String(length=20), nullable=False),
        sa.Column('on', sa.Date(), nullable=False),
        sa.Column('valid_until', sa.Date(), nullable=True),
        sa.Column('state', sa.String(length=30), nullable=False),
        sa.Column('case_ended_on', sa.Date(), nullable=True),
    )
    op.create_index('ix_report_case_change_state', 'report_case_change',
                    ['valid_until', 'district', 'state', 'on', 'case_ended_on'])
    op.create_index('ix_report_case_change_case', 'report_case_change', ['case_id'])
    op.create_table(
        'report_person_span',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('person_id', sa.Integer(), sa.ForeignKey('person.id', ondelete='CASCADE'), nullable=False),
        sa.Column('scope', sa.String(length=20), nullable=False),
        sa.Column('per_country', sa.Integer(), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('start_on', sa.Date(), nullable=False),
        sa.Column('end_on', sa.Date(), nullable=True),
        sa.Column('weight', sa.Integer(), nullable=False),
        sa.Column('all_weight', sa.Integer(), nullable=False),
        sa.Column('female', sa.Integer(), nullable=False),
        sa.Column('buergergeld', sa.Integer(), nullable=False),
        sa.Column('birth_date', sa.Date(), nullable=True),
        sa.Column('mixed', sa.Integer(), nullable=False),
        sa.Column('multi_country', sa.Integer(), nullable=False),
    )
    op.create_index('ix_report_person_span_persons', 'report_person_span',
                    ['per_country', 'scope', 'female', 'buergergeld', 'mixed', 'country', 'start_on', 'end_on',
                     'weight', 'all_weight'])
    op.create_index('ix_report_person_span_young', 'report_person_span',
                    ['per_country', 'birth_date', 'scope', 'female', 'buergergeld', 'start_on', 'end_on', 'weight',
                     'all_weight'])
    op.create_index('ix_report_person_span_countries', 'report_person_span',
                    ['per_country', 'scope', 'country', 'start_on', 'end_on', 'weight', 'all_weight', 'multi_country'])
    op.create_index('ix_report_person_span_person', 'report_person_span', ['person_id'])
    op.create_index('ix_report_person_span_multi', 'report_person_span',
                    ['multi_country', 'per_country', 'person_id', 'country', 'scope', 'start_on', 'end_on', 'weight',
                     'all_weight'])
    op.create_table(
        'report_person_dirty',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('person_id', sa.Integer(), nullable=False),
    )


def _old_case_tables() -> None:
    """The tables as 0014 made them."""
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


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        op.execute('DROP TRIGGER report_case_fact_case_removed')
    op.drop_index('ix_report_case_change_case_id_on', table_name='report_case_change')
    op.drop_table('report_case_change')
    op.drop_table('report_case_fact')
    _case_tables()
    cases, persons = ', '.join(CASE_COLUMNS), ', '.join(PERSON_COLUMNS)
    if bind.dialect.name == 'postgresql':
        op.execute(
            'CREATE FUNCTION report_case_row_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            "IF TG_OP <> 'INSERT' THEN INSERT INTO report_person_dirty (person_id) VALUES (OLD.person_id); END IF; "
            "IF TG_OP <> 'DELETE' THEN INSERT INTO report_case_dirty (case_id) VALUES (NEW.id); END IF; "
            'RETURN NULL; END $$'
        )
        op.execute(f'CREATE TRIGGER report_case_row_changed AFTER INSERT OR DELETE OR UPDATE OF {cases} '
                   'ON recognition_case FOR EACH ROW EXECUTE FUNCTION report_case_row_mark()')
        op.execute(
            'CREATE FUNCTION report_deadline_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            "IF TG_OP <> 'INSERT' THEN INSERT INTO report_case_dirty (case_id) VALUES (OLD.case_id); END IF; "
            "IF TG_OP <> 'DELETE' THEN INSERT INTO report_case_dirty (case_id) VALUES (NEW.case_id); END IF; "
            'RETURN NULL; END $$'
        )
        op.execute('CREATE TRIGGER report_deadline_changed AFTER INSERT OR UPDATE OR DELETE ON deadline '
                   'FOR EACH ROW EXECUTE FUNCTION report_deadline_mark()')
        op.execute(
            'CREATE FUNCTION report_person_mark() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN '
            'INSERT INTO report_person_dirty (person_id) VALUES (NEW.id); RETURN NULL; END $$'
        )
        op.execute(f'CREATE TRIGGER report_person_changed AFTER UPDATE OF {persons} ON person '
                   'FOR EACH ROW EXECUTE FUNCTION report_person_mark()')
    else:
        op.execute('CREATE TRIGGER report_case_added AFTER INSERT ON recognition_case BEGIN '
                   'INSERT INTO report_case_dirty (case_id) VALUES (new.id); END')
        op.execute(f'CREATE TRIGGER report_case_updated AFTER UPDATE OF {cases} ON recognition_case BEGIN '
                   'INSERT INTO report_case_dirty (case_id) VALUES (new.id); '
                   'INSERT INTO report_person_dirty (person_id) VALUES (old.person_id); END')
        # SQLite enforces ON DELETE CASCADE only with PRAGMA foreign_keys; the triggers do it always
        op.execute('CREATE TRIGGER report_case_removed AFTER DELETE ON recognition_case BEGIN '
                   'DELETE FROM report_case_fact WHERE case_id = old.id; '
                   'DELETE FROM report_case_change WHERE case_id = old.id; '
                   'INSERT INTO report_person_dirty (person_id) VALUES (old.person_id); END')
        for verb, rows in (('INSERT', ('new',)), ('UPDATE', ('old', 'new')), ('DELETE', ('old',))):
            marks = ' '.join(f'INSERT INTO report_case_dirty (case_id) VALUES ({row}.case_id);' for row in rows)
            op.execute(f'CREATE TRIGGER report_deadline_{verb.lower()} AFTER {verb} ON deadline BEGIN {marks} END')
        op.execute(f'CREATE TRIGGER report_person_updated AFTER UPDATE OF {persons} ON person BEGIN '
                   'INSERT INTO report_person_dirty (person_id) VALUES (new.id); END')
        op.execute('CREATE TRIGGER report_person_removed AFTER DELETE ON person BEGIN '
                   'DELETE FROM report_person_span WHERE person_id = old.id; '
                   'DELETE FROM report_person_dirty WHERE person_id = old.id; END')
    op.execute('DELETE FROM report_case_dirty')
    op.execute('INSERT INTO report_case_dirty (case_id) SELECT id FROM recognition_case')


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for trigger, table, function in (('report_case_row_changed', 'recognition_case', 'report_case_row_mark'),
                                         ('report_deadline_changed', 'deadline', 'report_deadline_mark'),
                                         ('report_person_changed', 'person', 'report_person_mark')):
            op.execute(f'DROP TRIGGER {trigger} ON {table}')
            op.execute(f'DROP FUNCTION {function}()')
    else:
        for name in ('report_case_added', 'report_case_updated', 'report_case_removed', 'report_deadline_insert',
                     'report_deadline_update', 'report_deadline_delete', 'report_person_updated',
                     'report_person_removed'):
            op.execute(f'DROP TRIGGER {name}')
    op.drop_table('report_person_dirty')
    op.drop_table('report_person_span')
    op.drop_table('report_case_change')
    op.drop_table('report_case_fact')
    _old_case_tables()
    if bind.dialect.name != 'postgresql':
        op.execute('CREATE TRIGGER report_case_fact_case_removed AFTER DELETE ON recognition_case BEGIN '
                   'DELETE FROM report_case_fact WHERE case_id = old.id; '
                   'DELETE FROM report_case_change WHERE case_id = old.id; END')
    op.execute('DELETE FROM report_case_dirty')
    op.execute('INSERT INTO report_case_dirty (case_id) SELECT DISTINCT case_id FROM case_event')
