"""records made before the circle's school was recorded belong to that school

The episodes and flexibility reviews made while a circle had no school kept
none, and vanished from the school's views once its school was recorded
(portal/school/schools.py now gives them the school when it is recorded).
Rows already there are given the school the circle had first: the school a
later handover left (school_handover.from_organisation_id, the first performed
after the row; none if the circle had no school then either), or else the
circle's school now.

Revision ID: e3b8c1f0a4d2
Revises: c4a9e7d1f035
Create Date: 2026-12-04 01:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e3b8c1f0a4d2'
down_revision = 'c4a9e7d1f035'
branch_labels = None
depends_on = None

# (table, the column saying when the row was made)
SCHOOL_RECORDS = (("episode", "created_at"), ("flexibility_review", "reviewed_at"))


def upgrade():
    for table, made_at in SCHOOL_RECORDS:
        later_handover = (
            f"FROM school_handover h WHERE h.circle_id = {table}.circle_id "
            f"AND h.performed_at IS NOT NULL AND h.performed_at > {table}.{made_at}"
        )
        # Table and column names are the constants above, never input.
        op.execute(
            f"UPDATE {table} SET school_organisation_id = CASE "  # noqa: S608
            f"WHEN EXISTS (SELECT 1 {later_handover}) "
            f"THEN (SELECT h.from_organisation_id {later_handover} ORDER BY h.performed_at, h.id LIMIT 1) "
            f"ELSE (SELECT c.school_organisation_id FROM circle c WHERE c.id = {table}.circle_id) END "
            "WHERE school_organisation_id IS NULL"
        )


def downgrade():
    # Which rows had no school cannot be told apart afterwards; they keep the one given.
    pass
