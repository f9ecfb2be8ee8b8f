"""One audit entry per view of the weekly sheet, with the circles it showed

Revision ID: d61b5eb1cfcd
Revises: b2f6d1e3c8a5
Create Date: 2026-12-03 14:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd61b5eb1cfcd'
down_revision = 'b2f6d1e3c8a5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'audit_shown',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('circle_id', sa.Integer(), nullable=False),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('section', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_audit_shown_circle_id_circle')),
        sa.ForeignKeyConstraint(['seq'], ['audit_event.seq'], name=op.f('fk_audit_shown_seq_audit_event'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_shown')),
    )
    with op.batch_alter_table('audit_shown', schema=None) as batch_op:
        batch_op.create_index('ix_audit_shown_circle_seq', ['circle_id', 'seq'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_shown_seq'), ['seq'], unique=False)


def downgrade():
    with op.batch_alter_table('audit_shown', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_shown_seq'))
        batch_op.drop_index('ix_audit_shown_circle_seq')
    op.drop_table('audit_shown')
