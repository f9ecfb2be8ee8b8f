"""What needs each member's attention, kept as data for a dashboard over hundreds of circles

Revision ID: c4a9e7d1f035
Revises: 125fadd479a5
Create Date: 2026-12-03 14:30:00.000000

The table starts empty: `flask attention refresh` (or the scheduler's first
pass of the day) fills it for an existing database.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4a9e7d1f035'
down_revision = '125fadd479a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'membership_attention',
        sa.Column('membership_id', sa.Integer(), nullable=False),
        sa.Column('circle_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('urgency', sa.SmallInteger(), nullable=False),
        sa.Column('due_at', sa.DateTime(), nullable=False),
        sa.Column('items', sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(['membership_id'], ['membership.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('membership_id'),
    )
    with op.batch_alter_table('membership_attention', schema=None) as batch_op:
        batch_op.create_index('ix_membership_attention_circle_id', ['circle_id'], unique=False)
        batch_op.create_index('ix_membership_attention_user_urgency', ['user_id', 'urgency', 'due_at'], unique=False)


def downgrade():
    with op.batch_alter_table('membership_attention', schema=None) as batch_op:
        batch_op.drop_index('ix_membership_attention_user_urgency')
        batch_op.drop_index('ix_membership_attention_circle_id')
    op.drop_table('membership_attention')
