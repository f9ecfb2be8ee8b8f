"""outbox messages composed at sending time

A password reset is queued as a request, the same for every address, and
written (or dropped) by the sender. Rows queued before this migration were
written when queued: they keep sending as they are ('written').

Revision ID: ae033f9e6027
Revises: c4e1d2a7b9f0
Create Date: 2026-12-02 00:13:32.212100

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ae033f9e6027'
down_revision = 'c4e1d2a7b9f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=40), server_default='written', nullable=False))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('kind')
