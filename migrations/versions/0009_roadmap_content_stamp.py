"""roadmap content stamp

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 22:50:00

"""
import uuid

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_stamp', sa.String(length=32), server_default='', nullable=False))
    # Each existing roadmap gets its own random stamp, as new ones do.
    roadmaps = sa.table('roadmaps', sa.column('id', sa.Integer), sa.column('content_stamp', sa.String))
    connection = op.get_bind()
    for (roadmap_id,) in connection.execute(sa.select(roadmaps.c.id)).all():
        connection.execute(
            roadmaps.update().where(roadmaps.c.id == roadmap_id).values(content_stamp=uuid.uuid4().hex)
        )


def downgrade():
    with op.batch_alter_table('roadmaps', schema=None) as batch_op:
        batch_op.drop_column('content_stamp')
