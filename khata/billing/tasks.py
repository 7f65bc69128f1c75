"""Billing's background work, run by ``khata worker``."""

from __future__ import annotations

import datetime as dt

from django.tasks import task

from khata.billing.reminders import payment_reminder_send


@task
def payment_reminder_task(*, invoice_id: int, level_id: int, on: str) -> int:
    """Email one reminder level of one invoice to the client's billing contacts; how many were sent.

    ``on`` is the reminder date the scheduler saw: the email speaks of the invoice as of that day.
    The task re-checks the rest itself (paid, paused, sent already).
    """
    today = dt.date.fromisoformat(on)
    return payment_reminder_send(invoice_id=invoice_id, level_id=level_id, today=today).sent
