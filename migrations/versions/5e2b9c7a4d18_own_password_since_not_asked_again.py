"""An account that chose its own password since an admin made it is not asked again

Migration a8df662445b7 marked every account an organisation admin had made,
including those whose person had since changed the password, or chosen one
through a reset link, themselves. Those are unmarked here: a password_changed
or password_reset entry of the account's own, after the admin made it, says
the password is already theirs.

Revision ID: 5e2b9c7a4d18
Revises: e3b8c1f0a4d2
Create Date: 2026-12-04 01:45:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5e2b9c7a4d18'
down_revision = 'e3b8c1f0a4d2'
branch_labels = None
depends_on = None


def upgrade():
    user = sa.table('user', sa.column('id', sa.Integer), sa.column('must_change_password', sa.Boolean))
    made = sa.table(
        'audit_event',
        sa.column('seq', sa.Integer),
        sa.column('action', sa.String),
        sa.column('outcome', sa.String),
        sa.column('subject_user_id', sa.Integer),
    ).alias('made')
    own = sa.table(
        'audit_event',
        sa.column('seq', sa.Integer),
        sa.column('action', sa.String),
        sa.column('outcome', sa.String),
        sa.column('user_id', sa.Integer),
    ).alias('own')
    last_made = (
        sa.select(sa.func.max(made.c.seq))
        .where(made.c.action == 'account_created', made.c.outcome == 'ok', made.c.subject_user_id == user.c.id)
        .correlate_except(made)
        .scalar_subquery()
    )
    chosen_since = (
        sa.exists()
        .where(
            own.c.user_id == user.c.id,
            own.c.action.in_(('password_changed', 'password_reset')),
            own.c.outcome == 'ok',
            own.c.seq > last_made,
        )
        .correlate_except(own)
    )
    op.execute(user.update().where(user.c.must_change_password.is_(sa.true()), chosen_since).values(must_change_password=sa.false()))


def downgrade():
    # Which accounts were unmarked is not kept; marking them again would ask people who chose a password to choose again.
    pass
