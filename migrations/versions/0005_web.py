"""web: sessions and login attempts of the adviser web page; indexes for the case search

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:55:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['adviser.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_token_hash'), ['token_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_web_session_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'], unique=False)

    op.create_table('login_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_email_at', ['email', 'at'], unique=False)

    # The case search (models.scoped.search_condition) matches the start of a name, of the profession
    # as typed and of the reference, case-insensitively, and finds reference occupations by key:
    # each an index range at 100,000 cases. On PostgreSQL the expression indexes use
    # text_pattern_ops, so LIKE 'abc%' uses them under any collation; SQLite compares binary ranges.
    # person (family_name, given_name) serves the list sorted by name.
    pattern = ' text_pattern_ops' if op.get_bind().dialect.name == 'postgresql' else ''
    op.execute(f'CREATE INDEX ix_person_family_name_lower ON person (lower(family_name){pattern})')
    op.execute(f'CREATE INDEX ix_person_given_name_lower ON person (lower(given_name){pattern})')
    op.execute(f'CREATE INDEX ix_case_profession_text_lower ON recognition_case (lower(profession_text){pattern})')
    if pattern:
        op.execute('CREATE INDEX ix_case_reference_pattern ON recognition_case (reference text_pattern_ops)')
    op.create_index('ix_person_family_given', 'person', ['family_name', 'given_name'])
    op.create_index('ix_case_reference_occupation_key', 'recognition_case', ['reference_occupation_key'])
    # the overview's counts of an adviser's overdue and this week's deadlines, read from the index alone
    op.create_index('ix_case_district_next_due_adviser', 'recognition_case', ['district', 'next_due', 'adviser_id'])


def downgrade() -> None:
    op.drop_index('ix_case_district_next_due_adviser', 'recognition_case')
    op.drop_index('ix_case_reference_occupation_key', 'recognition_case')
    op.drop_index('ix_person_family_given', 'person')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP INDEX ix_case_reference_pattern')
    op.execute('DROP INDEX ix_case_profession_text_lower')
    op.execute('DROP INDEX ix_person_given_name_lower')
    op.execute('DROP INDEX ix_person_family_name_lower')
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_email_at')
    op.drop_table('login_attempt')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))
        batch_op.drop_index(batch_op.f('ix_web_session_adviser_id'))
        batch_op.drop_index(batch_op.f('ix_web_session_token_hash'))
    op.drop_table('web_session')
