"""person_key: the keys that seal the values of a person's audit entries, one per case of theirs and
one for the person alone (crypto-shredding, services/audit.py); the values already in the trail are
sealed here, once.

The trail is append-only by trigger (migration 0002); this migration is the one place that rewrites
its rows: the triggers are set aside for the transaction and put back before it commits. An entry is
about a person when it names the person or a case of theirs; the others (advisers' accounts,
employers, exports of the list) keep their values as they are.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

from adapters.crypto import is_sealed, new_key, seal, unseal

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

MESSAGE = "audit_event is append-only: rows are never updated or deleted"
CHUNK = 2000
# what the erasure and the retention run write stays readable (services/audit.py UNSEALED_ACTIONS)
UNSEALED = {'person.erase', 'case.erase', 'retention.run'}


def upgrade() -> None:
    op.create_table(
        'person_key',
        sa.Column('person_id', sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column('case_reference', sa.String(length=20), primary_key=True, server_default=''),
        sa.Column('key', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    )
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    if postgres:
        op.execute('ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only')
    else:
        op.execute('DROP TRIGGER audit_event_no_update')
    _seal_existing(bind)
    if postgres:
        op.execute('ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only')
    else:
        op.execute(f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")


def _seal_existing(bind) -> None:
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                     sa.column('case_reference', sa.String), sa.column('action', sa.String),
                     sa.column('before', sa.Text), sa.column('after', sa.Text))
    cases = sa.table('recognition_case', sa.column('reference', sa.String), sa.column('person_id', sa.Integer))
    keys_table = sa.table('person_key', sa.column('person_id', sa.Integer), sa.column('case_reference', sa.String),
                          sa.column('key', sa.LargeBinary), sa.column('created_at', sa.DateTime(timezone=True)))
    owner = sa.func.coalesce(audit.c.person_id, sa.select(cases.c.person_id)
                             .where(cases.c.reference == audit.c.case_reference).scalar_subquery())
    rows = bind.execute(sa.select(audit.c.id, owner.label('owner'), audit.c.case_reference, audit.c.action, audit.c.before,
                                  audit.c.after)
                        .where(sa.or_(audit.c.before.is_not(None), audit.c.after.is_not(None)))
                        .order_by(audit.c.id)).all()
    keys: dict[tuple[int, str], bytes] = {}
    updates = []
    for row in rows:
        if row.owner is None or row.action in UNSEALED:
            continue
        slot = (row.owner, row.case_reference or '')
        key = keys.setdefault(slot, new_key())
        context = f"audit:{slot[0]}:{slot[1]}"
        updates.append({
            'row_id': row.id, 'owner': row.owner,
            'new_before': row.before if row.before is None or is_sealed(row.before) else seal(key, row.before, context=context),
            'new_after': row.after if row.after is None or is_sealed(row.after) else seal(key, row.after, context=context),
        })
    if keys:
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        bind.execute(keys_table.insert(), [{'person_id': pid, 'case_reference': ref, 'key': key, 'created_at': now}
                                           for (pid, ref), key in keys.items()])
    statement = (audit.update().where(audit.c.id == sa.bindparam('row_id'))
                 .values(person_id=sa.bindparam('owner'), before=sa.bindparam('new_before'), after=sa.bindparam('new_after')))
    for first in range(0, len(updates), CHUNK):
        bind.execute(statement, updates[first:first + CHUNK])


def downgrade() -> None:
    """The values opened again (those of erased persons stay unreadable: their keys are gone)."""
    bind = op.get_bind()
    postgres = bind.dialect.name == 'postgresql'
    op.execute('ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only' if postgres
               else 'DROP TRIGGER audit_event_no_update')
    audit = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('person_id', sa.Integer),
                     sa.column('case_reference', sa.String), sa.column('before', sa.Text), sa.column('after', sa.Text))
    keys = {(pid, ref): key for pid, ref, key in bind.execute(
        sa.text('SELECT person_id, case_reference, key FROM person_key')).all()}
    updates = []
    persons = sorted({pid for pid, _ in keys})
    for row in bind.execute(sa.select(audit).where(audit.c.person_id.in_(persons) if persons else sa.false())):
        slot = (row.person_id, row.case_reference or '')
        if slot not in keys:
            continue
        key, context = keys[slot], f"audit:{slot[0]}:{slot[1]}"
        updates.append({'row_id': row.id,
                        'new_before': unseal(key, row.before, context=context) if is_sealed(row.before) else row.before,
                        'new_after': unseal(key, row.after, context=context) if is_sealed(row.after) else row.after})
    statement = (audit.update().where(audit.c.id == sa.bindparam('row_id'))
                 .values(before=sa.bindparam('new_before'), after=sa.bindparam('new_after')))
    for first in range(0, len(updates), CHUNK):
        bind.execute(statement, updates[first:first + CHUNK])
    if postgres:
        op.execute('ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only')
    else:
        op.execute(f"CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                   f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END")
    op.drop_table('person_key')
