"""status page: alerts handled by an operator, and indexes for the page's figures

Revision ID: 0003_status
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_status"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_by", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("handled_note", sa.String(length=200), nullable=True))
        batch.create_index("ix_alerts_created", ["created_at"])
    # Covering indexes: the 14-day figures count index entries per day and never touch the rows.
    op.create_index("ix_messages_kind_created_status", "messages", ["kind", "created_at", "status"])
    # Covering for the outbox age, failures by code and the "last three failed" candidates.
    op.create_index("ix_messages_status_updated", "messages",
                    ["status", "updated_at", "created_at", "kind", "member_id", "error_code"])
    op.create_index("ix_checkins_due_state", "checkins", ["due_at", "state", "mood_level"])
    op.create_index("ix_checkins_member_answered", "checkins", ["member_id", "answered_at"])
    op.create_index("ix_members_created", "members", ["created_at"])
    op.create_index("ix_events_kind_created", "events", ["kind", "created_at"])


def downgrade() -> None:
    for name, table in (("ix_events_kind_created", "events"), ("ix_members_created", "members"),
                        ("ix_checkins_member_answered", "checkins"), ("ix_checkins_due_state", "checkins"),
                        ("ix_messages_status_updated", "messages"), ("ix_messages_kind_created_status", "messages")):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("alerts") as batch:
        batch.drop_index("ix_alerts_created")
        batch.drop_column("handled_note")
        batch.drop_column("handled_by")
        batch.drop_column("handled_at")
        batch.drop_column("escalated_at")
