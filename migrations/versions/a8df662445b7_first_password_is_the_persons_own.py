"""A password an admin chose is changed at its first sign-in

Accounts an organisation admin created were given a first password that the
admin passed on; the person was never asked to change it. They are marked
here (each one's "account_created" audit entry names it), and their next
sign-in asks for a password of their own. Admins no longer choose passwords.

Revision ID: a8df662445b7
Revises: 9ca826ffb1e3
Create Date: 2026-12-03 14:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a8df662445b7'
down_revision = '9ca826ffb1e3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(), nullable=False))
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('must_change_password', sa.Boolean))
    audit = sa.table(
        'audit_event',
        sa.column('subject_user_id', sa.Integer),
        sa.column('action', sa.String),
        sa.column('outcome', sa.String),
    )
    made_by_an_admin = sa.select(audit.c.subject_user_id).where(
        audit.c.action == 'account_created', audit.c.outcome == 'ok', audit.c.subject_user_id.is_not(None)
    )
    op.execute(user.update().where(user.c.id.in_(made_by_an_admin)).values(must_change_password=sa.true()))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')
