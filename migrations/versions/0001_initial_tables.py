"""initial tables

Revision ID: 0001
Revises: 
Create Date: 2026-11-25 07:45:23.077143
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('adviser',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('adviser', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adviser_email'), ['email'], unique=True)

    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('case_reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_case_reference'), ['case_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_person_id'), ['person_id'], unique=False)

    op.create_table('person',
    sa.Column('given_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('family_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('receives_buergergeld', sa.Boolean(), nullable=False),
    sa.Column('arrival_date', sa.Date(), nullable=True),
    sa.Column('lives_abroad', sa.Boolean(), nullable=False),
    sa.Column('name_changed', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('given_name', 'family_name', 'birth_date', name='uq_person_identity')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_district'), ['district'], unique=False)

    op.create_table('reference_counter',
    sa.Column('prefix', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year')
    )
    op.create_table('consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('given_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('withdrawn_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consent_person_id'), ['person_id'], unique=False)

    op.create_table('recognition_case',
    sa.Column('reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('profession_text', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reference_occupation_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('reference_occupation', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('body_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('regulated', sa.Boolean(), nullable=True),
    sa.Column('law', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('legal_basis', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('procedure', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('profession_group', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('fast_track', sa.Boolean(), nullable=False),
    sa.Column('eu_training', sa.Boolean(), nullable=False),
    sa.Column('country_of_training', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('funding_route', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('funding_decided_on', sa.Date(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=True),
    sa.Column('routing_method', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('routing_score', sa.Integer(), nullable=True),
    sa.Column('routing_reason', sa.Text(), nullable=True),
    sa.Column('routing_conflict', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['adviser.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('recognition_case', schema=None) as batch_op:
        batch_op.create_index('ix_case_district_state', ['district', 'state'], unique=False)
        batch_op.create_index('ix_case_last_activity', ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_case_adviser_id'), ['adviser_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_case_district'), ['district'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_case_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_recognition_case_reference'), ['reference'], unique=True)

    op.create_table('case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('event', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
    sa.Column('until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['recognition_case.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('start', sa.Date(), nullable=False),
    sa.Column('due', sa.Date(), nullable=True),
    sa.Column('law', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('met_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['recognition_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'kind', name='uq_deadline_case_kind')
    )
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deadline_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_deadline_status_due', ['status', 'due'], unique=False)

    op.create_table('document',
    sa.Column('item_key', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('original_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('translated', sa.Boolean(), nullable=False),
    sa.Column('certified', sa.Boolean(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['recognition_case.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('case_id', 'sha256', name='uq_document_case_sha256')
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_document_case_id'), ['case_id'], unique=False)

    op.create_table('intake_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('inbox_path', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=False),
    sa.Column('case_reference', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('quarantine_path', sqlmodel.sql.sqltypes.AutoString(length=600), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('processed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('intake_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_intake_file_case_reference'), ['case_reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_intake_file_outcome'), ['outcome'], unique=False)
        batch_op.create_index('ix_intake_inbox_path_sha256', ['inbox_path', 'sha256'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('intake_file', schema=None) as batch_op:
        batch_op.drop_index('ix_intake_inbox_path_sha256')
        batch_op.drop_index(batch_op.f('ix_intake_file_outcome'))
        batch_op.drop_index(batch_op.f('ix_intake_file_case_reference'))

    op.drop_table('intake_file')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_document_case_id'))

    op.drop_table('document')
    with op.batch_alter_table('deadline', schema=None) as batch_op:
        batch_op.drop_index('ix_deadline_status_due')
        batch_op.drop_index(batch_op.f('ix_deadline_case_id'))

    op.drop_table('deadline')
    with op.batch_alter_table('case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_event_case_id'))

    op.drop_table('case_event')
    with op.batch_alter_table('recognition_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recognition_case_reference'))
        batch_op.drop_index(batch_op.f('ix_recognition_case_person_id'))
        batch_op.drop_index(batch_op.f('ix_recognition_case_district'))
        batch_op.drop_index(batch_op.f('ix_recognition_case_adviser_id'))
        batch_op.drop_index('ix_case_last_activity')
        batch_op.drop_index('ix_case_district_state')

    op.drop_table('recognition_case')
    with op.batch_alter_table('consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consent_person_id'))

    op.drop_table('consent')
    op.drop_table('reference_counter')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_district'))

    op.drop_table('person')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_person_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_case_reference'))
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    with op.batch_alter_table('adviser', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adviser_email'))

    op.drop_table('adviser')

