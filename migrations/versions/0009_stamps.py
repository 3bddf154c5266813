"""stamps of roadmaps, organisations and users

Revision ID: 0009
Revises: 0008, 0007
Create Date: 2026-11-22 22:50:00

"""
import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = ('0008', '0007')
branch_labels = None
depends_on = None

STAMPED = {'roadmaps': 'content_stamp', 'organizations': 'stamp', 'users': 'stamp'}


def upgrade():
    connection = op.get_bind()
    for table_name, column in STAMPED.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.BigInteger(), server_default='0', nullable=False))
        # Each existing row gets its own random stamp, as new ones do (40 bits, as tracker.db.new_stamp).
        table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(column, sa.BigInteger))
        ids = connection.execute(sa.select(table.c.id)).scalars().all()
        if ids:
            connection.execute(
                table.update().where(table.c.id == sa.bindparam('row_id')).values({column: sa.bindparam('value')}),
                [{'row_id': i, 'value': secrets.randbits(40)} for i in ids],
            )


    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_stamp'), ['stamp'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_stamp'))
    for table_name, column in STAMPED.items():
        with op.batch_alter_table(table_name, schema=None) as batch_op:
            batch_op.drop_column(column)
