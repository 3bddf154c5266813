"""stamps of whole tables (users, organisations); roadmaps' stamps by status and owner

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
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.create_index(
            'ix_roadmaps_status_owner_stamp', ['status', 'organization_id', 'content_stamp'], unique=False
        )


def downgrade():
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.drop_index('ix_roadmaps_status_owner_stamp')
    op.drop_table('table_stamps')
