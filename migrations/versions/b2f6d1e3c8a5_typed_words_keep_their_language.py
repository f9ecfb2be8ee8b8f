"""What was typed in the plan keeps the language it was typed in

Revision ID: b2f6d1e3c8a5
Revises: a1e5c0d2b7f4
Create Date: 2026-12-03 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2f6d1e3c8a5'
down_revision = 'a1e5c0d2b7f4'
branch_labels = None
depends_on = None

# Every table of plan words (portal/plan/models.py, VersionedRow).
TABLES = (
    'adjustment', 'care_team_contact', 'check_in', 'clinical_record', 'episode', 'follow_up', 'home_safety',
    'outside_event', 'return_to_school', 'safety_plan', 'school_plan', 'setback_review',
)


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('language')
