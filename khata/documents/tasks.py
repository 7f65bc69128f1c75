"""The document flow's background work, run by ``khata worker``."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from khata.documents.models import Document
from khata.documents.reminders import REMINDERS, contract_reminder_send


@task
def contract_reminder_task(*, document_id: int, reminder: str, on: str) -> int:
    """Remind the client's AM of a contract's end (``reminder="end"``) or last day to give notice."""
    if reminder not in REMINDERS:
        raise ValueError(f"Unknown contract reminder: {reminder!r}")
    document = (
        Document.objects.select_related("kind", "client__owner", "client__backup")
        .filter(pk=document_id)
        .first()
    )
    if document is None:  # discarded since it was due
        return 0
    return contract_reminder_send(
        document=document,
        reminder="end" if reminder == "end" else "notice",
        on=dt.date.fromisoformat(on),
    )
