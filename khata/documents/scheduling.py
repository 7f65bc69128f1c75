"""The document flow's periodic jobs (``khata scheduler``): the two contract reminders."""

from __future__ import annotations

from khata.core.scheduling import register_periodic_job
from khata.documents.reminders import contract_end_due, contract_notice_due
from khata.documents.tasks import contract_reminder_task

END_JOB = "documents.contract_end"
NOTICE_JOB = "documents.contract_notice"


def register_periodic_jobs() -> None:
    register_periodic_job(END_JOB, due=contract_end_due, task=contract_reminder_task)
    register_periodic_job(NOTICE_JOB, due=contract_notice_due, task=contract_reminder_task)
