"""Billing's periodic jobs for ``khata scheduler``: the payment reminders (see ``billing.reminders``)."""

from __future__ import annotations

from khata.billing.reminders import REMINDER_JOB, payment_reminders_due
from khata.billing.tasks import payment_reminder_task
from khata.core.scheduling import register_periodic_job


def register_periodic_jobs() -> None:
    """Payment reminders."""
    register_periodic_job(REMINDER_JOB, due=payment_reminders_due, task=payment_reminder_task)
