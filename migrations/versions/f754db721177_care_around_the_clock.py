"""care around the clock: events outside school, aftercare, the direct question, reach hours, return to school

Events at home and in hospital get their own list; an aftercare follow-up
remembers the event it answers; check-ins ask about thoughts of suicide;
care-team contacts say when they can be reached; the safety plan gets a step
for thoughts of suicide; the return to school is its own part of the plan;
assessment and treatment gain the fields a clinical review found missing, and
therapy holds several approaches (the old single choice is kept as it is: a
one-code list). Columns added to rows that exist start empty.

Revision ID: f754db721177
Revises: d7a3c5e91f20
Create Date: 2026-12-02 13:02:33.285860

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f754db721177'
down_revision = 'd7a3c5e91f20'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outside_event',
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('what_was_done', sa.Text(), nullable=False),
    sa.Column('medical_care', sa.String(length=20), nullable=False),
    sa.Column('who_knows', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('removed_at', sa.DateTime(), nullable=True),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_outside_event_circle_id_circle')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_outside_event_created_by_id_user')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['user.id'], name=op.f('fk_outside_event_removed_by_id_user')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_outside_event_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_event'))
    )
    with op.batch_alter_table('outside_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outside_event_circle_id'), ['circle_id'], unique=False)

    op.create_table('return_to_school',
    sa.Column('ready_from', sa.Date(), nullable=True),
    sa.Column('meeting_at', sa.DateTime(), nullable=True),
    sa.Column('meeting_attendees', sa.Text(), nullable=False),
    sa.Column('timetable', sa.Text(), nullable=False),
    sa.Column('adjustments_needed', sa.Text(), nullable=False),
    sa.Column('first_days', sa.Text(), nullable=False),
    sa.Column('staff_steps', sa.Text(), nullable=False),
    sa.Column('circle_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['circle_id'], ['circle.id'], name=op.f('fk_return_to_school_circle_id_circle')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_return_to_school_updated_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_return_to_school')),
    sa.UniqueConstraint('circle_id', name=op.f('uq_return_to_school_circle_id'))
    )
    with op.batch_alter_table('care_team_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reachable', sa.String(length=100), nullable=False, server_default=''))

    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suicidal_thoughts', sa.String(length=20), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('what_helped', sa.Text(), nullable=False, server_default=''))

    with op.batch_alter_table('clinical_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('methods', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('medical_care_needed', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('wider_context', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('coexisting', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('therapy_description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('medication_for', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('medication_review_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('harm_minimisation', sa.Text(), nullable=False, server_default=''))
        batch_op.alter_column('therapy_modality',
               existing_type=sa.VARCHAR(length=40),
               type_=sa.String(length=200),
               existing_nullable=False)

    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outside_event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_follow_up_outside_event_id'), ['outside_event_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_follow_up_outside_event_id_outside_event'), 'outside_event', ['outside_event_id'], ['id'])

    with op.batch_alter_table('safety_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('if_suicidal_thoughts', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('what_helped', sa.Text(), nullable=False, server_default=''))



def downgrade():
    with op.batch_alter_table('safety_plan', schema=None) as batch_op:
        batch_op.drop_column('what_helped')
        batch_op.drop_column('if_suicidal_thoughts')

    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_follow_up_outside_event_id_outside_event'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_follow_up_outside_event_id'))
        batch_op.drop_column('outside_event_id')

    with op.batch_alter_table('clinical_record', schema=None) as batch_op:
        batch_op.alter_column('therapy_modality',
               existing_type=sa.String(length=200),
               type_=sa.VARCHAR(length=40),
               existing_nullable=False)
        batch_op.drop_column('harm_minimisation')
        batch_op.drop_column('medication_review_on')
        batch_op.drop_column('medication_for')
        batch_op.drop_column('therapy_description')
        batch_op.drop_column('coexisting')
        batch_op.drop_column('wider_context')
        batch_op.drop_column('medical_care_needed')
        batch_op.drop_column('methods')

    with op.batch_alter_table('check_in', schema=None) as batch_op:
        batch_op.drop_column('what_helped')
        batch_op.drop_column('suicidal_thoughts')

    with op.batch_alter_table('care_team_contact', schema=None) as batch_op:
        batch_op.drop_column('reachable')

    op.drop_table('return_to_school')
    with op.batch_alter_table('outside_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outside_event_circle_id'))

    op.drop_table('outside_event')
