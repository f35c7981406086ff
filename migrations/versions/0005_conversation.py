"""conversation state: STOP BUDDY, DELETE confirmation, invitation reminders, WhatsApp templates, sign-up

Revision ID: 0005_conversation
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_conversation"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("buddy_alerts_paused", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("delete_requested_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("buddies") as batch:
        batch.add_column(sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("member_told_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("content_sid", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("content_variables", sa.Text(), nullable=True))
        batch.add_column(sa.Column("profile_name", sa.String(length=80), nullable=True))
    op.create_table(
        "signups",
        sa.Column("phone", sa.String(length=20), primary_key=True),
        sa.Column("step", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("checkin_time", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=True),
        sa.Column("buddy_name", sa.String(length=80), nullable=True),
        sa.Column("buddy_phone", sa.String(length=20), nullable=True),
        sa.Column("retries", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("signups")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("profile_name")
        batch.drop_column("content_variables")
        batch.drop_column("content_sid")
    with op.batch_alter_table("buddies") as batch:
        batch.drop_column("member_told_at")
        batch.drop_column("reminded_at")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("delete_requested_at")
        batch.drop_column("buddy_alerts_paused")
