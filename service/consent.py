"""The consent ledger: every consent event with its time, channel and the message that caused it,
exported as CSV for an audit (`flask --app service consent export`)."""
from __future__ import annotations

import csv
import sys
from typing import IO

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db import session_scope
from service.models import Event, Message

CONSENT_EVENTS = (
    "member_enrolled", "member_consent", "member_decline", "member_opt_out", "member_opt_in", "member_erased",
    "buddy_invited", "buddy_accept", "buddy_decline", "buddy_stop", "buddy_opt_in", "buddy_removed",
    "consent_share_on", "consent_share_off", "consent_nudge_buddy_on", "consent_nudge_buddy_off", "command_delete",
)
COLUMNS = ("time_utc", "event", "member_id", "buddy_id", "actor", "channel", "message_sid", "detail")

consent_cli = AppGroup("consent", help="The consent ledger.")


def write_ledger(session: Session, out: IO[str]) -> int:
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    rows = session.execute(
        select(Event, Message.provider_sid).outerjoin(Message, Message.id == Event.message_id)
        .where(Event.kind.in_(CONSENT_EVENTS)).order_by(Event.created_at, Event.id))
    count = 0
    for event, sid in rows:
        writer.writerow((event.created_at.isoformat(), event.kind, event.member_id or "", event.buddy_id or "",
                         event.actor, event.channel or "", sid or "", event.detail or ""))
        count += 1
    return count


@consent_cli.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="CSV file (default: stdout).")
def export(output: str | None) -> None:
    """Write every consent event as CSV."""
    with session_scope(current_app.config["SETTINGS"].database_url) as db:
        if output:
            with open(output, "w", newline="", encoding="utf-8") as handle:
                count = write_ledger(db, handle)
            click.echo(f"{count} consent events written to {output}", err=True)
        else:
            write_ledger(db, sys.stdout)
