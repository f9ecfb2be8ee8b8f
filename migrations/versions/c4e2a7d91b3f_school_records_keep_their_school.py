"""school records keep the school they were made at: episodes and flexibility reviews

After a move of school the new school's roles reach only the records made at
the circle's current school (portal/access/policy.py, SCHOOL_RECORDS). Rows
already there are given the school the circle was at when each was made: the
school a later handover left (school_handover.from_organisation_id, the first
performed after the row), or else the circle's school now.

Revision ID: c4e2a7d91b3f
Revises: 613f7bebccfe
Create Date: 2026-12-02 00:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c4e2a7d91b3f'
down_revision = '613f7bebccfe'
branch_labels = None
depends_on = None

# (table, the column saying when the row was made)
SCHOOL_RECORDS = (("episode", "created_at"), ("flexibility_review", "reviewed_at"))


def _backfill(table: str, made_at: str) -> None:
    later_handover = (
        f"FROM school_handover h WHERE h.circle_id = {table}.circle_id "
        f"AND h.performed_at IS NOT NULL AND h.performed_at > {table}.{made_at}"
    )
    # Table and column names are the constants above, never input.
    op.execute(
        f"UPDATE {table} SET school_organisation_id = CASE "  # noqa: S608
        f"WHEN EXISTS (SELECT 1 {later_handover}) "
        f"THEN (SELECT h.from_organisation_id {later_handover} ORDER BY h.performed_at, h.id LIMIT 1) "
        f"ELSE (SELECT c.school_organisation_id FROM circle c WHERE c.id = {table}.circle_id) END"
    )


def upgrade():
    for table, made_at in SCHOOL_RECORDS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('school_organisation_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f(f'fk_{table}_school_organisation_id_organisation'), 'organisation',
                ['school_organisation_id'], ['id'],
            )
        _backfill(table, made_at)


def downgrade():
    for table, _made_at in reversed(SCHOOL_RECORDS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_school_organisation_id_organisation'), type_='foreignkey')
            batch_op.drop_column('school_organisation_id')
