"""kept drafts tied to the browser they were typed in

Revision ID: c4e1d2a7b9f0
Revises: c4e2a7d91b3f
Create Date: 2026-12-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e1d2a7b9f0'
down_revision = 'c4e2a7d91b3f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('kept_draft', schema=None) as batch_op:
        batch_op.add_column(sa.Column('browser_key_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('kept_draft', schema=None) as batch_op:
        batch_op.drop_column('browser_key_hash')
