"""initial schema

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-22 02:20:59.722813
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0001_initial'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('agency',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_code', sa.String(length=20), nullable=False),
    sa.Column('sector', sa.Enum('police', 'local_authority', 'health', 'probation', 'housing', 'fire', 'social_care', 'education', 'substance_misuse', 'domestic_abuse', 'voluntary', 'other', name='sector', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency')),
    sa.UniqueConstraint('name', name=op.f('uq_agency_name')),
    sa.UniqueConstraint('short_code', name=op.f('uq_agency_short_code'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.Enum('view', 'create', 'update', 'delete', 'print', 'export', 'login', 'login_failed', name='kind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_entity', ['entity', 'entity_id'], unique=False)

    op.create_table('location',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_norm', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=80), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_location'))
    )
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_name_norm'), ['name_norm'], unique=False)

    op.create_table('panel',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('panel_type', sa.Enum('marac', 'csvg', 'socp', 'carm', 'partnership', name='panel_type', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('ref_prefix', sa.String(length=20), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('minutes_per_case', sa.Integer(), nullable=False),
    sa.Column('repeat_window_months', sa.Integer(), nullable=False),
    sa.Column('escalation_incidents', sa.Integer(), nullable=False),
    sa.Column('dash_threshold', sa.Integer(), nullable=False),
    sa.Column('retention_years', sa.Integer(), nullable=False),
    sa.Column('uses_strands', sa.Boolean(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel')),
    sa.UniqueConstraint('name', name=op.f('uq_panel_name')),
    sa.UniqueConstraint('ref_prefix', name=op.f('uq_panel_ref_prefix'))
    )
    op.create_table('partnership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('protective_marking', sa.String(length=60), nullable=False),
    sa.Column('confidentiality_statement', sa.Text(), nullable=False),
    sa.Column('amber_days', sa.Integer(), nullable=False),
    sa.Column('small_number_threshold', sa.Integer(), nullable=False),
    sa.Column('population_adults', sa.Integer(), nullable=True),
    sa.Column('population_adult_women', sa.Integer(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partnership'))
    )
    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('given_name', sa.String(length=120), nullable=False),
    sa.Column('family_name', sa.String(length=120), nullable=False),
    sa.Column('given_norm', sa.String(length=120), nullable=False),
    sa.Column('family_norm', sa.String(length=120), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=40), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=12), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('safe_to_call', sa.Boolean(), nullable=True),
    sa.Column('safe_times', sa.String(length=200), nullable=False),
    sa.Column('contact_notes', sa.Text(), nullable=False),
    sa.Column('ethnicity', sa.String(length=80), nullable=False),
    sa.Column('racially_minoritised', sa.Boolean(), nullable=True),
    sa.Column('disability', sa.Boolean(), nullable=True),
    sa.Column('lgbt', sa.Boolean(), nullable=True),
    sa.Column('language', sa.String(length=60), nullable=False),
    sa.Column('interpreter_needed', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_date_of_birth', ['date_of_birth'], unique=False)
        batch_op.create_index('ix_person_family_norm', ['family_norm'], unique=False)
        batch_op.create_index('ix_person_given_norm', ['given_norm'], unique=False)

    op.create_table('location_person',
    sa.Column('location_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['location_id'], ['location.id'], name=op.f('fk_location_person_location_id_location'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_location_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('location_id', 'person_id', name=op.f('pk_location_person'))
    )
    with op.batch_alter_table('location_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_location_person_person_id'), ['person_id'], unique=False)

    op.create_table('panel_agency',
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('is_core', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_panel_agency_agency_id_agency'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_panel_agency_panel_id_panel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('panel_id', 'agency_id', name=op.f('pk_panel_agency'))
    )
    op.create_table('person_alias',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('alias', sa.String(length=200), nullable=False),
    sa.Column('alias_norm', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_alias_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_alias'))
    )
    with op.batch_alter_table('person_alias', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_alias_alias_norm'), ['alias_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_alias_person_id'), ['person_id'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=80), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('administrator', 'chair', 'coordinator', 'officer', 'viewer', name='role', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('failed_logins', sa.Integer(), nullable=False),
    sa.Column('locked_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_user_account_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('username', name=op.f('uq_user_account_username'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_agency_id'), ['agency_id'], unique=False)

    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role_title', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=False),
    sa.Column('phone', sa.String(length=60), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_member_agency_id_agency')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_member_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('user_id', name=op.f('uq_member_user_id'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_agency_id'), ['agency_id'], unique=False)

    op.create_table('panel_membership',
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_panel_membership_panel_id_panel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_panel_membership_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('panel_id', 'user_id', name=op.f('pk_panel_membership'))
    )
    with op.batch_alter_table('panel_membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_membership_user_id'), ['user_id'], unique=False)

    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('venue', sa.String(length=200), nullable=False),
    sa.Column('chair_member_id', sa.Integer(), nullable=True),
    sa.Column('minute_taker_member_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('planned', 'in_progress', 'held', 'finalised', name='status', native_enum=False, create_constraint=True, length=15), nullable=False),
    sa.Column('finalised_at', sa.DateTime(), nullable=True),
    sa.Column('finalised_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['chair_member_id'], ['member.id'], name=op.f('fk_meeting_chair_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['finalised_by_user_id'], ['user_account.id'], name=op.f('fk_meeting_finalised_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['minute_taker_member_id'], ['member.id'], name=op.f('fk_meeting_minute_taker_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_meeting_panel_id_panel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting'))
    )
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_panel_starts', ['panel_id', 'starts_at'], unique=False)

    op.create_table('subject_group',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('ocg', 'peer_group', 'household', name='kind', native_enum=False, create_constraint=True, length=14), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_norm', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('active', 'under_review', 'archived', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('lead_officer_member_id', sa.Integer(), nullable=True),
    sa.Column('archived_on', sa.Date(), nullable=True),
    sa.Column('archive_reason', sa.Text(), nullable=False),
    sa.Column('archive_approved_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("status <> 'archived' OR (archived_on IS NOT NULL AND archive_reason <> '')", name=op.f('ck_subject_group_archive_has_date_and_reason')),
    sa.ForeignKeyConstraint(['lead_officer_member_id'], ['member.id'], name=op.f('fk_subject_group_lead_officer_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_group')),
    sa.UniqueConstraint('reference', name=op.f('uq_subject_group_reference'))
    )
    with op.batch_alter_table('subject_group', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subject_group_name_norm'), ['name_norm'], unique=False)

    op.create_table('attendance',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('attendee_name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('present', 'apologies', 'absent', name='status', native_enum=False, create_constraint=True, length=13), nullable=False),
    sa.Column('information_sent', sa.Boolean(), nullable=False),
    sa.Column('is_observer', sa.Boolean(), nullable=False),
    sa.Column('confidentiality_signed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_attendance_agency_id_agency')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_attendance_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_attendance_member_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attendance'))
    )
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attendance_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('case_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('ref_year', sa.Integer(), nullable=False),
    sa.Column('ref_seq', sa.Integer(), nullable=False),
    sa.Column('referral_date', sa.Date(), nullable=False),
    sa.Column('referring_agency_id', sa.Integer(), nullable=True),
    sa.Column('referrer_name', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('subject_kind', sa.Enum('person', 'group', 'location', name='subject_kind', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('subject_person_id', sa.Integer(), nullable=True),
    sa.Column('subject_group_id', sa.Integer(), nullable=True),
    sa.Column('subject_location_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('received', 'accepted', 'declined', 'listed', 'open', 'closed', 'archived', name='status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('review_date', sa.Date(), nullable=True),
    sa.Column('repeat_of_case_id', sa.Integer(), nullable=True),
    sa.Column('risk_level', sa.Enum('high', 'medium', 'low', name='risk_level', native_enum=False, create_constraint=True, length=10), nullable=True),
    sa.Column('crit_visible_high_risk', sa.Boolean(), nullable=False),
    sa.Column('crit_professional_judgement', sa.Boolean(), nullable=False),
    sa.Column('professional_judgement_reason', sa.Text(), nullable=False),
    sa.Column('crit_escalation', sa.Boolean(), nullable=False),
    sa.Column('police_incidents_12m', sa.Integer(), nullable=True),
    sa.Column('crit_repeat', sa.Boolean(), nullable=False),
    sa.Column('victim_aware', sa.Boolean(), nullable=True),
    sa.Column('consent_given', sa.Boolean(), nullable=True),
    sa.Column('lawful_basis', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("(subject_kind = 'person' AND subject_person_id IS NOT NULL) OR (subject_kind = 'group' AND subject_group_id IS NOT NULL) OR (subject_kind = 'location' AND subject_location_id IS NOT NULL)", name=op.f('ck_case_record_subject_matches_kind')),
    sa.CheckConstraint("NOT crit_professional_judgement OR professional_judgement_reason <> ''", name=op.f('ck_case_record_judgement_has_reason')),
    sa.CheckConstraint("status <> 'declined' OR status_reason <> ''", name=op.f('ck_case_record_declined_has_reason')),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_case_record_panel_id_panel')),
    sa.ForeignKeyConstraint(['referring_agency_id'], ['agency.id'], name=op.f('fk_case_record_referring_agency_id_agency')),
    sa.ForeignKeyConstraint(['repeat_of_case_id'], ['case_record.id'], name=op.f('fk_case_record_repeat_of_case_id_case_record')),
    sa.ForeignKeyConstraint(['subject_group_id'], ['subject_group.id'], name=op.f('fk_case_record_subject_group_id_subject_group')),
    sa.ForeignKeyConstraint(['subject_location_id'], ['location.id'], name=op.f('fk_case_record_subject_location_id_location')),
    sa.ForeignKeyConstraint(['subject_person_id'], ['person.id'], name=op.f('fk_case_record_subject_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_record')),
    sa.UniqueConstraint('panel_id', 'ref_year', 'ref_seq', name=op.f('uq_case_record_panel_id_ref_year_ref_seq')),
    sa.UniqueConstraint('reference', name=op.f('uq_case_record_reference'))
    )
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.create_index('ix_case_record_panel_referral', ['panel_id', 'referral_date'], unique=False)
        batch_op.create_index('ix_case_record_referral_date', ['referral_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_referring_agency_id'), ['referring_agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_repeat_of_case_id'), ['repeat_of_case_id'], unique=False)
        batch_op.create_index('ix_case_record_status', ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_subject_group_id'), ['subject_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_subject_location_id'), ['subject_location_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_record_subject_person_id'), ['subject_person_id'], unique=False)

    op.create_table('group_person',
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['subject_group.id'], name=op.f('fk_group_person_group_id_subject_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_group_person_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('group_id', 'person_id', name=op.f('pk_group_person'))
    )
    with op.batch_alter_table('group_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_person_person_id'), ['person_id'], unique=False)

    op.create_table('agenda_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('confidentiality', 'actions_review', 'case', 'aob', name='kind', native_enum=False, create_constraint=True, length=19), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('listing', sa.Enum('new', 'repeat', 'review', 'transferred_in', name='listing', native_enum=False, create_constraint=True, length=18), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('minutes_allowed', sa.Integer(), nullable=False),
    sa.Column('discussion', sa.Text(), nullable=False),
    sa.Column('risks', sa.Text(), nullable=False),
    sa.Column('decision', sa.Enum('continue', 'close', 'refer_on', name='decision', native_enum=False, create_constraint=True, length=12), nullable=True),
    sa.Column('decision_notes', sa.Text(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("kind <> 'case' OR case_id IS NOT NULL", name=op.f('ck_agenda_item_case_item_has_case')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_agenda_item_case_id_case_record')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agenda_item_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_item'))
    )
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agenda_item_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agenda_item_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('case_flag',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.Enum('mental_health', 'substance_misuse', 'self_neglect', 'exploitation', 'homelessness', 'learning_disability', 'domestic_abuse', 'asb_victim', 'asb_perpetrator', name='flag', native_enum=False, create_constraint=True, length=23), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_flag_case_id_case_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'flag', name=op.f('pk_case_flag'))
    )
    with op.batch_alter_table('case_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_flag_flag'), ['flag'], unique=False)

    op.create_table('case_person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('victim', 'perpetrator', 'child', 'household_member', 'nominal', 'associate', 'person_of_concern', 'subject', name='role', native_enum=False, create_constraint=True, length=21), nullable=False),
    sa.Column('relationship_to_victim', sa.String(length=120), nullable=False),
    sa.Column('relationship_to_perpetrator', sa.String(length=120), nullable=False),
    sa.Column('school', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_person_case_id_case_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_case_person_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_person')),
    sa.UniqueConstraint('case_id', 'person_id', 'role', name=op.f('uq_case_person_case_id_person_id_role'))
    )
    with op.batch_alter_table('case_person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_person_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_person_person_id'), ['person_id'], unique=False)

    op.create_table('case_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.Enum('received', 'accepted', 'declined', 'listed', 'open', 'closed', 'archived', name='from_status', native_enum=False, create_constraint=True, length=12), nullable=True),
    sa.Column('to_status', sa.Enum('received', 'accepted', 'declined', 'listed', 'open', 'closed', 'archived', name='to_status', native_enum=False, create_constraint=True, length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_case_status_change_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_status_change_case_id_case_record'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_status_change'))
    )
    with op.batch_alter_table('case_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_status_change_case_id'), ['case_id'], unique=False)

    op.create_table('risk_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('dash', 'vulnerability', 'threat_harm', 'contextual', name='kind', native_enum=False, create_constraint=True, length=17), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=False),
    sa.Column('assessor', sa.String(length=200), nullable=False),
    sa.Column('score', sa.Integer(), nullable=True),
    sa.Column('risk_level', sa.Enum('high', 'medium', 'low', name='risk_level', native_enum=False, create_constraint=True, length=10), nullable=True),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('case_id IS NOT NULL OR group_id IS NOT NULL', name=op.f('ck_risk_assessment_has_subject')),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_risk_assessment_case_id_case_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['subject_group.id'], name=op.f('fk_risk_assessment_group_id_subject_group'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk_assessment'))
    )
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_risk_assessment_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_risk_assessment_group_id'), ['group_id'], unique=False)

    op.create_table('action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('milestones', sa.Text(), nullable=False),
    sa.Column('timescale', sa.String(length=200), nullable=False),
    sa.Column('owner_agency_id', sa.Integer(), nullable=True),
    sa.Column('owner_member_id', sa.Integer(), nullable=True),
    sa.Column('owner_name', sa.String(length=200), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('strand', sa.Enum('pursue', 'prevent', 'protect', 'prepare', name='strand', native_enum=False, create_constraint=True, length=11), nullable=True),
    sa.Column('status', sa.Enum('open', 'ongoing', 'on_hold', 'completed', 'discontinued', name='status', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('status_reason', sa.Text(), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status <> 'completed' OR completed_on IS NOT NULL", name=op.f('ck_action_completed_has_date')),
    sa.CheckConstraint("status NOT IN ('on_hold', 'discontinued') OR status_reason <> ''", name=op.f('ck_action_status_has_reason')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_action_agenda_item_id_agenda_item'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_action_case_id_case_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['subject_group.id'], name=op.f('fk_action_group_id_subject_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_action_meeting_id_meeting'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_agency_id'], ['agency.id'], name=op.f('fk_action_owner_agency_id_agency')),
    sa.ForeignKeyConstraint(['owner_member_id'], ['member.id'], name=op.f('fk_action_owner_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_action_panel_id_panel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action'))
    )
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_index('ix_action_case', ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_due_date'), ['due_date'], unique=False)
        batch_op.create_index('ix_action_group', ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_index('ix_action_owner_agency_status', ['owner_agency_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_action_owner_member_id'), ['owner_member_id'], unique=False)
        batch_op.create_index('ix_action_panel_status_due', ['panel_id', 'status', 'due_date'], unique=False)

    op.create_table('minutes_addendum',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_minutes_addendum_agenda_item_id_agenda_item'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_minutes_addendum_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_minutes_addendum_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_minutes_addendum'))
    )
    with op.batch_alter_table('minutes_addendum', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_minutes_addendum_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('risk_answer',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('item', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['risk_assessment.id'], name=op.f('fk_risk_answer_assessment_id_risk_assessment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assessment_id', 'item', name=op.f('pk_risk_answer'))
    )
    op.create_table('action_update',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('by_user_id', sa.Integer(), nullable=True),
    sa.Column('by_name', sa.String(length=200), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('old_status', sa.Enum('open', 'ongoing', 'on_hold', 'completed', 'discontinued', name='old_status', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.Column('new_status', sa.Enum('open', 'ongoing', 'on_hold', 'completed', 'discontinued', name='new_status', native_enum=False, create_constraint=True, length=16), nullable=True),
    sa.ForeignKeyConstraint(['action_id'], ['action.id'], name=op.f('fk_action_update_action_id_action'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_user_id'], ['user_account.id'], name=op.f('fk_action_update_by_user_id_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_action_update'))
    )
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_action_update_action_id'), ['action_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('action_update', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_action_update_action_id'))

    op.drop_table('action_update')
    op.drop_table('risk_answer')
    with op.batch_alter_table('minutes_addendum', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_minutes_addendum_meeting_id'))

    op.drop_table('minutes_addendum')
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_index('ix_action_panel_status_due')
        batch_op.drop_index(batch_op.f('ix_action_owner_member_id'))
        batch_op.drop_index('ix_action_owner_agency_status')
        batch_op.drop_index(batch_op.f('ix_action_meeting_id'))
        batch_op.drop_index('ix_action_group')
        batch_op.drop_index(batch_op.f('ix_action_due_date'))
        batch_op.drop_index('ix_action_case')

    op.drop_table('action')
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_risk_assessment_group_id'))
        batch_op.drop_index(batch_op.f('ix_risk_assessment_case_id'))

    op.drop_table('risk_assessment')
    with op.batch_alter_table('case_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_status_change_case_id'))

    op.drop_table('case_status_change')
    with op.batch_alter_table('case_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_person_person_id'))
        batch_op.drop_index(batch_op.f('ix_case_person_case_id'))

    op.drop_table('case_person')
    with op.batch_alter_table('case_flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_flag_flag'))

    op.drop_table('case_flag')
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agenda_item_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_agenda_item_case_id'))

    op.drop_table('agenda_item')
    with op.batch_alter_table('group_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_person_person_id'))

    op.drop_table('group_person')
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_record_subject_person_id'))
        batch_op.drop_index(batch_op.f('ix_case_record_subject_location_id'))
        batch_op.drop_index(batch_op.f('ix_case_record_subject_group_id'))
        batch_op.drop_index('ix_case_record_status')
        batch_op.drop_index(batch_op.f('ix_case_record_repeat_of_case_id'))
        batch_op.drop_index(batch_op.f('ix_case_record_referring_agency_id'))
        batch_op.drop_index('ix_case_record_referral_date')
        batch_op.drop_index('ix_case_record_panel_referral')

    op.drop_table('case_record')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attendance_meeting_id'))

    op.drop_table('attendance')
    with op.batch_alter_table('subject_group', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subject_group_name_norm'))

    op.drop_table('subject_group')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ix_meeting_panel_starts')

    op.drop_table('meeting')
    with op.batch_alter_table('panel_membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_membership_user_id'))

    op.drop_table('panel_membership')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_agency_id'))

    op.drop_table('member')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_agency_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('person_alias', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_alias_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_alias_alias_norm'))

    op.drop_table('person_alias')
    op.drop_table('panel_agency')
    with op.batch_alter_table('location_person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_person_person_id'))

    op.drop_table('location_person')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_given_norm')
        batch_op.drop_index('ix_person_family_norm')
        batch_op.drop_index('ix_person_date_of_birth')

    op.drop_table('person')
    op.drop_table('partnership')
    op.drop_table('panel')
    with op.batch_alter_table('location', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_location_name_norm'))

    op.drop_table('location')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_entity')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    op.drop_table('agency')
