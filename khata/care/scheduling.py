"""Care's periodic jobs (``khata scheduler``).

``care.auto_close`` closes resolved claims the client has not answered within
``KHATA_CLAIM_AUTO_CLOSE_DAYS`` days (keyed by the claim and its resolution time, so a claim
reopened and resolved again is due again). ``care.disputed_acts`` opens the claim of each act
disputed in the portal (keyed by the dispute: one claim per dispute). ``care.escalate`` tells the
head of each claim past its SLA, once per claim and clock (``care.escalation``).
"""

from __future__ import annotations

import datetime as dt

from khata.care.escalation import ESCALATE_JOB, claim_escalate_task, escalation_due
from khata.care.models import Claim
from khata.care.services import auto_close_days
from khata.care.tasks import claim_auto_close_task, claim_from_dispute_task
from khata.core.scheduling import DueItems, register_periodic_job
from khata.documents.models import Behaviour, Document, DocumentDecision

AUTO_CLOSE_JOB = "care.auto_close"
DISPUTED_ACTS_JOB = "care.disputed_acts"


def auto_close_due(now: dt.datetime) -> DueItems:
    cutoff = now - dt.timedelta(days=auto_close_days())
    rows = Claim.objects.filter(status=Claim.Status.RESOLVED, resolved_at__lte=cutoff).values_list(
        "pk", "resolved_at"
    )
    for pk, resolved_at in rows.order_by("resolved_at", "pk").iterator():
        if resolved_at is None:  # the constraint keeps resolved claims stamped
            continue
        stamp = resolved_at.isoformat()
        yield f"{pk}:{stamp}", {"claim_id": pk, "resolved_at": stamp}


def disputed_acts_due(now: dt.datetime) -> DueItems:
    rows = DocumentDecision.objects.filter(
        decision=DocumentDecision.Decision.DISPUTED,
        claim__isnull=True,
        document__status=Document.Status.DISPUTED,
        document__kind__behaviour=Behaviour.ACT,
    ).values_list("pk", "document_id")
    for pk, document_id in rows.order_by("pk").iterator():
        yield f"{pk}", {"document_id": document_id}


def register_periodic_jobs() -> None:
    register_periodic_job(AUTO_CLOSE_JOB, due=auto_close_due, task=claim_auto_close_task)
    register_periodic_job(DISPUTED_ACTS_JOB, due=disputed_acts_due, task=claim_from_dispute_task)
    register_periodic_job(ESCALATE_JOB, due=escalation_due, task=claim_escalate_task)
