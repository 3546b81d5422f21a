"""`classpulse outbox`: what the sender has queued, sent, skipped and failed."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text
from sqlalchemy import select

from jobs.cli import ConfigOpt, app, out, sessions_for, settings_from
from sync.models import MessageStatus, OutboundMessage


@app.command("outbox")
def outbox(
    config: ConfigOpt = None,
    failed: Annotated[
        bool, typer.Option("--failed", help="Only messages that failed for good.")
    ] = False,
    limit: Annotated[int, typer.Option(help="Newest messages to show.", min=1)] = 50,
) -> None:
    """List the newest outbox messages: recipient, kind, period, status, attempts, last error."""
    settings = settings_from(config)
    query = select(OutboundMessage).order_by(OutboundMessage.id.desc()).limit(limit)
    if failed:
        query = query.where(OutboundMessage.status == MessageStatus.FAILED)
    with sessions_for(settings)() as session:
        rows = list(session.scalars(query))
    table = Table(title="Failed messages" if failed else "Outbox")
    for col in ("recipient", "kind", "period", "status"):
        table.add_column(col, overflow="fold")
    table.add_column("attempts", justify="right")
    table.add_column("last error", overflow="fold")
    for r in rows:
        # Text, not str: an error or an address with [brackets] is not rich markup.
        cells = (r.recipient_email, r.kind, r.period, str(r.status), str(r.attempts))
        table.add_row(*(Text(c) for c in cells), Text(r.last_error or ""))
    if rows:
        out.print(table)
    else:
        out.print("No failed messages." if failed else "The outbox is empty.")
