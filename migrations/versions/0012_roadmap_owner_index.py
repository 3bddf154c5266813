"""roadmaps' owner index holds their status and stamp

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 07:10:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    # The state of a municipality's roadmaps is then read from the index alone, owner by owner.
    op.create_index(
        'ix_roadmaps_owner_status_stamp', 'roadmaps', ['organization_id', 'status', 'content_stamp'], unique=False
    )
    op.drop_index('ix_roadmaps_organization_id', table_name='roadmaps')


def downgrade():
    op.create_index('ix_roadmaps_organization_id', 'roadmaps', ['organization_id'], unique=False)
    op.drop_index('ix_roadmaps_owner_status_stamp', table_name='roadmaps')
