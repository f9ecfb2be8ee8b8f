"""tamper-evident audit chain

Each audit entry gets its place in a chain (seq), the hash of the entry
before it (prev_hash) and its own hash (entry_hash); one row in
audit_chain_head says where the chain ends (portal/audit/chain.py).

The genesis: entries already in the table are numbered and hashed here, in
the order of their ids, the first chained to GENESIS (64 zeros); with none,
the chain starts at the application's first entry. The chain
vouches for them from this migration on: a change made to one before it ran
cannot be told from the original.

Revision ID: 9c36acf87bac
Revises: ae033f9e6027
Create Date: 2026-12-02 00:27:32.661914

"""
from alembic import op
import sqlalchemy as sa

# The one canonical form (version 1), shared with the application so that
# what is hashed here verifies there.
from portal.audit.chain import GENESIS, HASHED_FIELDS, HEAD_ID, entry_hash


# revision identifiers, used by Alembic.
revision = '9c36acf87bac'
down_revision = 'ae033f9e6027'
branch_labels = None
depends_on = None

PAGE = 5000


def _hash_existing_entries(connection) -> tuple[int, str]:
    names = [name for name in HASHED_FIELDS if name != 'seq']
    types = {'at': sa.DateTime()}
    audit_event = sa.table(
        'audit_event',
        sa.column('id', sa.Integer()),
        sa.column('seq', sa.Integer()),
        sa.column('prev_hash', sa.String()),
        sa.column('entry_hash', sa.String()),
        *(sa.column(name, types.get(name)) for name in names),
    )
    seq, last_hash, after = 0, GENESIS, 0
    while True:
        rows = connection.execute(
            sa.select(audit_event.c.id, *(audit_event.c[name] for name in names))
            .where(audit_event.c.id > after)
            .order_by(audit_event.c.id)
            .limit(PAGE)
        ).all()
        if not rows:
            return seq, last_hash
        updates = []
        for row in rows:
            seq += 1
            values = {**row._mapping, 'seq': seq}
            current = entry_hash(values, last_hash)
            updates.append({'row_id': row.id, 'new_seq': seq, 'new_prev': last_hash, 'new_hash': current})
            last_hash = current
        connection.execute(
            audit_event.update()
            .where(audit_event.c.id == sa.bindparam('row_id'))
            .values(seq=sa.bindparam('new_seq'), prev_hash=sa.bindparam('new_prev'), entry_hash=sa.bindparam('new_hash')),
            updates,
        )
        after = rows[-1].id


def upgrade():
    audit_chain_head = op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seq', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))

    last_seq, last_hash = _hash_existing_entries(op.get_bind())
    if last_seq:
        # With no entry yet the head is made with the first one (portal/audit/chain.py),
        # so that a database fresh from the migrations still holds no rows at all.
        op.bulk_insert(audit_chain_head, [{'id': HEAD_ID, 'last_seq': last_seq, 'last_hash': last_hash}])

    # Every entry from now on is written with them (portal/audit/chain.py).
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.alter_column('seq', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_event_seq'), ['seq'])


def downgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_event_seq'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('seq')

    op.drop_table('audit_chain_head')
