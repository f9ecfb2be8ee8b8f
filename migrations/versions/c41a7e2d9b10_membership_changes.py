"""membership changes: the history of who changed whose place in a circle

Revision ID: c41a7e2d9b10
Revises: bfa8d5a3c99f
Create Date: 2026-12-02 00:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c41a7e2d9b10'
down_revision = 'bfa8d5a3c99f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('membership_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=False),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user.id'], name=op.f('fk_membership_change_by_id_user')),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_membership_change_circle_id_circle')),
    sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], name=op.f('fk_membership_change_membership_id_membership')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_membership_change'))
    )
    with op.batch_alter_table('membership_change', schema=None) as batch_op:
        batch_op.create_index('ix_membership_change_circle_at', ['circle_id', 'at'], unique=False)


def downgrade():
    with op.batch_alter_table('membership_change', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_change_circle_at')
    op.drop_table('membership_change')
