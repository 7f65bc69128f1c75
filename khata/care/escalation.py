"""A claim past its SLA goes to the head: once per claim and clock.

``care.escalate`` (a periodic job of ``khata scheduler``) lists the claims the agency is working on
whose first response or resolution is overdue; the scheduler's ``ScheduledRun(job, key)`` row, keyed
by the claim and the clock, lets each breach through once, however many passes or schedulers run.
The task (``claim_escalate_task``) looks again (a claim answered or resolved since is left alone),
emails every active head in the head's language and records a ``care.escalated`` timeline event on
the client. A claim near its breach stays on its AM's Today card; the head's card lists the breaches.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.care.models import Claim
from khata.core.scheduling import DueItems
from khata.core.services import event_record
from khata.people.models import User

logger = logging.getLogger(__name__)

ESCALATE_JOB = "care.escalate"
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
CLOCKS = (FIRST_RESPONSE, RESOLUTION)
# The agency is working on these: their clocks run. A resolved claim waits for the client.
WORKING = ("new", "acknowledged", "in_progress")

_SUMMARIES = {
    FIRST_RESPONSE: gettext_noop("Claim %(claim)s is past its first response time: the head was told"),
    RESOLUTION: gettext_noop("Claim %(claim)s is past its resolution time: the head was told"),
}


def is_breached(claim: Claim, clock: str, now: dt.datetime) -> bool:
    """Whether this clock of the claim is running and overdue at ``now``."""
    if claim.status not in WORKING:
        return False
    if clock == FIRST_RESPONSE:
        return claim.status == Claim.Status.NEW and claim.first_response_due < now
    return claim.resolution_due < now


def escalation_due(now: dt.datetime) -> DueItems:
    """Each breached running clock, keyed by the claim and the clock."""
    working = Claim.objects.filter(status__in=WORKING)
    late_response = working.filter(status=Claim.Status.NEW, first_response_due__lt=now)
    late_resolution = working.filter(resolution_due__lt=now)
    for clock, rows in ((FIRST_RESPONSE, late_response), (RESOLUTION, late_resolution)):
        for pk in rows.order_by("pk").values_list("pk", flat=True).iterator():
            yield f"{pk}:{clock}", {"claim_id": pk, "clock": clock}


def escalation_recipients() -> list[User]:
    """Every active head of accounts with an email address."""
    heads = User.objects.filter(role=User.Role.HEAD, is_active=True).exclude(email="")
    return list(heads.order_by("pk"))


def _language(person: User) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    chosen = (person.language or "").split("-")[0]
    return chosen if chosen in codes else settings.LANGUAGE_CODE


def escalation_message(claim: Claim, clock: str, person: User) -> EmailMessage:
    """The email telling one head a claim is past its SLA, in the head's language."""
    due = claim.first_response_due if clock == FIRST_RESPONSE else claim.resolution_due
    with translation.override(_language(person)):
        context = {
            "person": person,
            "claim": claim,
            "clock": clock,
            "due": formats.date_format(timezone.localtime(due), "DATETIME_FORMAT"),
            "owner": claim.owner.full_name if claim.owner is not None else "",
            "url": settings.KHATA_SITE_URL.rstrip("/") + reverse("care:detail", args=[claim.pk]),
            "agency": settings.KHATA_AGENCY_NAME,
        }
        if clock == FIRST_RESPONSE:
            subject = _("Claim without a first response past its SLA: %(claim)s") % {"claim": claim.title}
        else:
            subject = _("Claim not resolved within its SLA: %(claim)s") % {"claim": claim.title}
        body = render_to_string("care/email/escalated.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[person.email])


def claim_escalate(*, claim: Claim, clock: str, now: dt.datetime | None = None) -> int:
    """Tell every head that this clock of the claim is breached; how many emails were sent.

    Nothing happens if the clock is no longer breached (answered or resolved since it was found).
    """
    now = now or timezone.now()
    if clock not in CLOCKS or not is_breached(claim, clock, now):
        return 0
    sent = 0
    heads = escalation_recipients()
    for head in heads:
        try:
            escalation_message(claim, clock, head).send()
        except Exception:  # one head's mail server failure must not hide the others
            logger.exception("Claim %s: the escalation email to %s failed", claim.pk, head.pk)
        else:
            sent += 1
    event_record(
        kind="care.escalated",
        summary=_SUMMARIES[clock],
        params={"claim": claim.title},
        by=None,
        client=claim.client,
        subject=claim,
        data={"claim": claim.pk, "clock": clock, "heads": [head.pk for head in heads], "sent": sent},
    )
    return sent


@task
def claim_escalate_task(*, claim_id: int, clock: str) -> int:
    """Escalate one breached clock of a claim to the heads (the scheduler enqueues it once)."""
    claim = Claim.objects.select_related("client", "owner").filter(pk=claim_id).first()
    if claim is None:
        return 0
    return claim_escalate(claim=claim, clock=clock)
