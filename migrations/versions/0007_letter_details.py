"""What letters a Landkreis can send need to know: the adviser's phone and function (the contact
person in the information block and the signature), the person's academic title and name in Latin
script as in the passport (address field and German salutation), and the country of a postal address
(a country line for addresses abroad, DIN 5008).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('adviser') as batch:
        batch.add_column(sa.Column('phone', sa.String(length=50), nullable=True))
        batch.add_column(sa.Column('function', sa.String(length=100), nullable=True))
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('academic_title', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('latin_given_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('latin_family_name', sa.String(length=100), nullable=True))
    with op.batch_alter_table('person_address') as batch:
        batch.add_column(sa.Column('country', sa.String(length=2), nullable=False, server_default='DE'))


def downgrade() -> None:
    with op.batch_alter_table('person_address') as batch:
        batch.drop_column('country')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('latin_family_name')
        batch.drop_column('latin_given_name')
        batch.drop_column('academic_title')
    with op.batch_alter_table('adviser') as batch:
        batch.drop_column('function')
        batch.drop_column('phone')
