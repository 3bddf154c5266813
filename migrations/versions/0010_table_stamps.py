"""stamps of whole tables: users and organisations

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 01:10:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ('users', 'organizations')


def upgrade():
    table_stamps = op.create_table(
        'table_stamps',
        sa.Column('name', sa.String(length=40), nullable=False),
        sa.Column('stamp', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_table_stamps')),
    )
    # A random stamp for each table, as the application renews them (40 bits, as tracker.db.new_stamp).
    op.bulk_insert(table_stamps, [{'name': name, 'stamp': secrets.randbits(40)} for name in TABLES])


def downgrade():
    op.drop_table('table_stamps')
