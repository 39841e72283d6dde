"""person_identity_key: who a person is, as one unique key: the birth date and the given and family
names in Unicode NFC, case-folded (domain.validation.person_identity_key), so that "Zoë" typed in NFD,
in NFC or as "ZOË" with the same birth date is found as one person at every door (the CLI, the web
form, the CSV import). Existing rows are filled here; two stored persons that only differed in
case or normalisation keep their rows (nothing is merged without an adviser): the later one's key
gets its id appended, so the unique index can be built, and an adviser can merge them later.

The column stays nullable in the database (adding NOT NULL to an existing SQLite table means
rebuilding it, which would drop the expression indexes of 0005); the ORM events of models.person
and the bulk import always write it.

Revision ID: 0009
Revises: 0008
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def _key(given_name: str, family_name: str, birth_date) -> str:
    # a copy of domain.validation.person_identity_key as of this revision: a migration must not
    # change when the application's code does
    def folded(name: str) -> str:
        return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name.strip()).casefold())
    day = birth_date if isinstance(birth_date, str) else birth_date.isoformat()
    return f"{day[:10]}\x1f{folded(given_name)}\x1f{folded(family_name)}"


def upgrade() -> None:
    op.add_column('person', sa.Column('identity_key', sa.String(length=450), nullable=True))
    bind = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('given_name', sa.String),
                      sa.column('family_name', sa.String), sa.column('birth_date', sa.Date),
                      sa.column('identity_key', sa.String))
    seen: set[str] = set()
    last_id = 0
    while True:  # in batches, so that a large table is not held in memory
        rows = bind.execute(
            sa.select(person.c.id, person.c.given_name, person.c.family_name, person.c.birth_date)
            .where(person.c.id > last_id).order_by(person.c.id).limit(1000)
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            key = _key(row.given_name, row.family_name, row.birth_date)
            if key in seen:
                key = f"{key}\x1f#{row.id}"
            seen.add(key)
            updates.append({"row_id": row.id, "key": key})
        bind.execute(person.update().where(person.c.id == sa.bindparam('row_id'))
                     .values(identity_key=sa.bindparam('key')), updates)
        last_id = rows[-1].id
    op.create_index('ix_person_identity_key', 'person', ['identity_key'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_person_identity_key', 'person')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('identity_key')
