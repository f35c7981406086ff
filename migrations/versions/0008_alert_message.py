"""alerts.message_id: the reply that raised an alert, so alerts raised by one reply that answered
no check-in are one episode (escalation, the safety queue, the next buddy); members.last_crisis_at:
her replies in the day after a crisis are answered in its light; an index on messages.alert_id (the
low-alert escalation asks when an alert's text went)

Revision ID: 0008_alert_message
Revises: 0007_hot_query_indexes
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_alert_message"
down_revision = "0007_hot_query_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("last_crisis_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_messages_alert_id", "messages", ["alert_id"])


def downgrade() -> None:
    op.drop_index("ix_messages_alert_id", table_name="messages")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("last_crisis_at")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("message_id")
