"""An organisation's own time zone, for the times its people read

Revision ID: 125fadd479a5
Revises: a8df662445b7
Create Date: 2026-12-03 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '125fadd479a5'
down_revision = 'a8df662445b7'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for every organisation there is: they keep reading the deployment's zone.
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('timezone')
