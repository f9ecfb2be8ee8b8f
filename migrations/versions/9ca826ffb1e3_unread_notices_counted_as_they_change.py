"""The unread count is kept as notices are made and read, not counted on every page

Revision ID: 9ca826ffb1e3
Revises: d61b5eb1cfcd
Create Date: 2026-12-03 14:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ca826ffb1e3'
down_revision = 'd61b5eb1cfcd'
branch_labels = None
depends_on = None

# What the header counted until now (portal/notify/services.py,
# visible_notifications): unread notices naming no circle or a circle the
# person is still in.
FILL = """
UPDATE "user" SET unread_notices = (
    SELECT count(*) FROM notification
    WHERE notification.user_id = "user".id
      AND notification.read_at IS NULL
      AND (notification.circle_id IS NULL OR notification.circle_id IN (
          SELECT membership.circle_id FROM membership
          WHERE membership.user_id = "user".id AND membership.removed_at IS NULL
      ))
)
"""


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unread_notices', sa.Integer(), server_default='0', nullable=False))
    op.execute(FILL)


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('unread_notices')
