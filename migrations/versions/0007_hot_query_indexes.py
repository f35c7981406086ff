"""indexes for the webhook's hot lookups: a buddy's open alerts, a sender's last message

Revision ID: 0007_hot_query_indexes
Revises: 0006_merge_and_indexes
"""
from __future__ import annotations

from alembic import op

revision = "0007_hot_query_indexes"
down_revision = "0006_merge_and_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_alerts_buddy_state", "alerts", ["buddy_id", "state"])
    op.create_index("ix_messages_from_direction", "messages", ["from_addr", "direction", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_from_direction", table_name="messages")
    op.drop_index("ix_alerts_buddy_state", table_name="alerts")
