"""When surveys go out (``khata scheduler``) and the email that carries each link (``khata worker``).

Three periodic jobs, each on only when the agency's ``SurveySettings`` send a questionnaire for it:

- ``care.survey_act_accepted``: an act accepted in the last 30 days that has no survey yet; the
  survey goes to the contact who accepted it (keyed by the act: sent once).
- ``care.survey_claim_closed``: a claim closed in the last 30 days that has no survey yet; to the
  contact who filed it, else to the client's decision makers.
- ``care.survey_quarterly``: every quarter, to each decision maker of each active client (keyed by
  the quarter and the contact).

``ScheduledRun(job, key)`` keeps two schedulers from sending one item twice; the task checks again
that no survey exists for the act or the claim.

A pass reads the settings once and hands each task the questionnaire and the link's life in days, so
a pass over many clients costs one settings query, not one per client. A task enqueued before that
(with neither) reads them itself.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.care.configuration import survey_settings_get
from khata.care.models import Claim, Survey
from khata.care.surveys import survey_send, survey_token
from khata.clients.models import Client, Contact
from khata.core.scheduling import DueItems, register_periodic_job
from khata.core.services import event_record
from khata.documents.models import Behaviour, Document, DocumentDecision

logger = logging.getLogger(__name__)

ACT_JOB = "care.survey_act_accepted"
CLAIM_JOB = "care.survey_claim_closed"
QUARTER_JOB = "care.survey_quarterly"
RECENT_DAYS = 30


def _email_of(contact: Contact) -> str:
    if contact.user is not None and contact.user.email:
        return contact.user.email
    return contact.email


def _language_of(contact: Contact) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    for language in (contact.language, contact.user.language if contact.user is not None else ""):
        if language in languages:
            return language
    return settings.LANGUAGE_CODE


def survey_message(survey: Survey, *, site_url: str = "") -> EmailMultiAlternatives | None:
    """The email with the survey's link, in the contact's language; None when the contact has no address."""
    contact = survey.contact
    address = _email_of(contact)
    if not address:
        return None
    with translation.override(_language_of(contact)):
        context = {
            "survey": survey,
            "contact": contact,
            "is_nps": survey.kind == Survey.Kind.NPS,
            "url": (site_url or settings.KHATA_SITE_URL).rstrip("/")
            + reverse("survey_answer", args=[survey_token(survey)]),
            "expires_at": survey.expires_at,
            "agency": settings.KHATA_AGENCY_NAME,
        }
        subject = _("How are we doing? A one-question survey from %(agency)s") % {
            "agency": settings.KHATA_AGENCY_NAME
        }
        text = render_to_string("care/email/survey.txt", context)
        html = render_to_string("care/email/survey.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[address]
    )
    message.attach_alternative(html, "text/html")
    return message


@task
def survey_email_task(*, survey_id: int) -> int:
    """Email one survey's link to its contact; the timeline records it sent or failed."""
    survey = (
        Survey.objects.select_related("client", "contact__user")
        .filter(pk=survey_id, answered_at__isnull=True)
        .first()
    )
    if survey is None:
        return 0
    message = survey_message(survey)
    if message is None:
        return 0
    try:
        message.send()
    except Exception:  # a mail server down is recorded, not raised
        logger.exception("The survey %s could not be emailed", survey.pk)
        summary = gettext_noop("The survey email to %(contact)s could not be sent")
        kind, sent = "care.survey_email_failed", 0
    else:
        summary = gettext_noop("Survey emailed to %(contact)s")
        kind, sent = "care.survey_emailed", 1
    event_record(
        kind=kind,
        summary=summary,
        params={"contact": survey.contact.full_name},
        by=None,
        client=survey.client,
        subject=survey,
        data={"survey": survey.pk},
    )
    return sent


def _main_contacts(client_id: int) -> list[Contact]:
    """The client's decision makers; without one, the contacts who speak for it in the portal."""
    reachable = (
        Contact.objects.filter(client_id=client_id).exclude(email="", user__isnull=True).order_by("id")
    )
    return list(reachable.filter(role=Contact.Role.DECISION_MAKER)) or list(
        reachable.filter(portal_access=True).exclude(role=Contact.Role.USER)
    )


# --- the triggers ---------------------------------------------------------------------------------


def _sending(trigger: str) -> dict[str, Any] | None:
    """What the trigger's tasks send (the questionnaire, the link's days), or None when it is off."""
    config = survey_settings_get()
    kind = config.triggers().get(trigger)
    return None if kind is None else {"kind": kind, "expiry_days": config.expiry_days}


def _sent(trigger: str, kind: str | None, expiry_days: int | None) -> tuple[str | None, int]:
    """The task's questionnaire and days: as its pass found them, or read now for an older task."""
    if kind is not None and expiry_days is not None:
        return kind, expiry_days
    config = survey_settings_get()
    return config.triggers().get(trigger), config.expiry_days


def act_accepted_due(now: dt.datetime) -> DueItems:
    sending = _sending("act_accepted")
    if sending is None:
        return
    rows = DocumentDecision.objects.filter(
        decision=DocumentDecision.Decision.ACCEPTED,
        at__gte=now - dt.timedelta(days=RECENT_DAYS),
        document__kind__behaviour=Behaviour.ACT,
        document__status=Document.Status.ACCEPTED,
        document__surveys__isnull=True,
    ).values_list("document_id", flat=True)
    for document_id in rows.order_by("document_id").distinct().iterator():
        yield f"{document_id}", {"document_id": document_id, **sending}


def claim_closed_due(now: dt.datetime) -> DueItems:
    sending = _sending("claim_closed")
    if sending is None:
        return
    rows = Claim.objects.filter(
        status=Claim.Status.CLOSED,
        closed_at__gte=now - dt.timedelta(days=RECENT_DAYS),
        surveys__isnull=True,
    ).values_list("pk", flat=True)
    for pk in rows.order_by("pk").iterator():
        yield f"{pk}", {"claim_id": pk, **sending}


def quarter_of(now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarterly_due(now: dt.datetime) -> DueItems:
    sending = _sending("quarterly")
    if sending is None:
        return
    quarter = quarter_of(now)
    rows = (
        Contact.objects.filter(client__status=Client.Status.ACTIVE, role=Contact.Role.DECISION_MAKER)
        .exclude(email="", user__isnull=True)
        .values_list("pk", flat=True)
    )
    for pk in rows.order_by("pk").iterator():
        yield f"{quarter}:{pk}", {"contact_id": pk, "quarter": quarter, **sending}


@task
def survey_after_act_task(
    *, document_id: int, kind: str | None = None, expiry_days: int | None = None
) -> int:
    kind, expiry_days = _sent("act_accepted", kind, expiry_days)
    document = Document.objects.select_related("client").filter(pk=document_id).first()
    if kind is None or document is None or Survey.objects.filter(document=document).exists():
        return 0
    decision = (
        DocumentDecision.objects.filter(document=document, decision=DocumentDecision.Decision.ACCEPTED)
        .select_related("by__contact")
        .order_by("-at", "-id")
        .first()
    )
    contact = getattr(decision.by, "contact", None) if decision is not None and decision.by else None
    contacts = [contact] if contact is not None else _main_contacts(document.client_id)[:1]
    for each in contacts:
        survey_send(
            client=document.client,
            contact=each,
            kind=kind,
            trigger=Survey.Trigger.ACT_ACCEPTED,
            document=document,
            expiry_days=expiry_days,
        )
    return len(contacts)


@task
def survey_after_claim_task(*, claim_id: int, kind: str | None = None, expiry_days: int | None = None) -> int:
    kind, expiry_days = _sent("claim_closed", kind, expiry_days)
    claim = Claim.objects.select_related("client", "contact").filter(pk=claim_id).first()
    if kind is None or claim is None or Survey.objects.filter(claim=claim).exists():
        return 0
    contacts = [claim.contact] if claim.contact is not None else _main_contacts(claim.client_id)[:1]
    for each in contacts:
        survey_send(
            client=claim.client,
            contact=each,
            kind=kind,
            trigger=Survey.Trigger.CLAIM_CLOSED,
            claim=claim,
            expiry_days=expiry_days,
        )
    return len(contacts)


@task
def survey_quarterly_task(
    *, contact_id: int, quarter: str, kind: str | None = None, expiry_days: int | None = None
) -> int:
    kind, expiry_days = _sent("quarterly", kind, expiry_days)
    contact = Contact.objects.select_related("client").filter(pk=contact_id).first()
    if kind is None or contact is None or contact.client.status != Client.Status.ACTIVE:
        return 0
    survey_send(
        client=contact.client,
        contact=contact,
        kind=kind,
        trigger=Survey.Trigger.QUARTERLY,
        expiry_days=expiry_days,
    )
    return 1


def register_survey_jobs() -> None:
    register_periodic_job(ACT_JOB, due=act_accepted_due, task=survey_after_act_task)
    register_periodic_job(CLAIM_JOB, due=claim_closed_due, task=survey_after_claim_task)
    register_periodic_job(QUARTER_JOB, due=quarterly_due, task=survey_quarterly_task)
