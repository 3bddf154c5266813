"""organisations' path index answers prefix queries on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 04:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _path_index(**kwargs):
    # Only PostgreSQL has operator classes; under a collation other than C its plain index cannot serve LIKE.
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.drop_index('ix_organizations_path', table_name='organizations')
    op.create_index('ix_organizations_path', 'organizations', ['path'], unique=False, **kwargs)


def upgrade():
    _path_index(postgresql_ops={'path': 'varchar_pattern_ops'})


def downgrade():
    _path_index()
