"""join the parallel branches; index check-ins by state for the status page's undelivered list

Revision ID: 0006_merge_and_indexes
Revises: 0002_schedules, 0003_status, 0005_conversation
"""
from __future__ import annotations

from alembic import op

revision = "0006_merge_and_indexes"
down_revision = ("0002_schedules", "0003_status", "0005_conversation")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_checkins_state_due", "checkins", ["state", "due_at", "member_id"])


def downgrade() -> None:
    op.drop_index("ix_checkins_state_due", table_name="checkins")
