"""schedules: every N days, quiet hours, nudges, unreachable, buddy zones, skipped check-ins

Revision ID: 0002_schedules
Revises: 0001
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_schedules"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("checkin_every", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("checkin_anchor", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("quiet_hours", sa.String(length=11), nullable=True))
        batch_op.add_column(sa.Column("nudge_buddy", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("nudged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("unreachable_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("buddies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.alter_column("state", existing_type=sa.String(length=10), type_=sa.String(length=11),
                              existing_nullable=False)
        batch_op.add_column(sa.Column("skip_reason", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_checkins_due_at", ["due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_due_at")
        batch_op.drop_column("skip_reason")
        batch_op.alter_column("state", existing_type=sa.String(length=11), type_=sa.String(length=10),
                              existing_nullable=False)
    with op.batch_alter_table("buddies", schema=None) as batch_op:
        batch_op.drop_column("timezone")
    with op.batch_alter_table("members", schema=None) as batch_op:
        for column in ("unreachable_at", "nudged_at", "nudge_buddy", "quiet_hours", "checkin_anchor",
                       "checkin_every"):
            batch_op.drop_column(column)
