"""operators.session_version: a session carries the version it was issued under, and logout,
disable or a password reset bump it, so a copied session cookie stops working; operators.disabled_at:
a disabled operator can neither log in nor use a session; operators.last_login_at for `operators list`

Revision ID: 0009_operator_sessions
Revises: 0008_alert_message
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_operator_sessions"
down_revision = "0008_alert_message"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.add_column(sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("operators") as batch:
        batch.drop_column("last_login_at")
        batch.drop_column("disabled_at")
        batch.drop_column("session_version")
