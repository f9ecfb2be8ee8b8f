"""audit chain head sealed

A column for the seal of the audit chain's head: an HMAC of its place and
hash under a key derived from SECRET_KEY (portal/audit/chain.py). The key is
not in the database, so this migration cannot seal a head already there: it
is left NULL, `flask audit verify` says "not yet sealed" (and exits 2) until
the application's next audit entry seals it. No row is written: a database
fresh from the migrations still holds none.

Revision ID: d7a3c5e91f20
Revises: 9c36acf87bac
Create Date: 2026-12-09 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a3c5e91f20'
down_revision = '9c36acf87bac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_mac', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('audit_chain_head', schema=None) as batch_op:
        batch_op.drop_column('head_mac')
