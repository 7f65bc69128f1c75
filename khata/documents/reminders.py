"""Contract reminders: the client's account manager hears of a contract's end and of the last day to
give notice on it, in time to renew or to give notice.

Two periodic jobs (``khata scheduler``, registered in ``documents.scheduling``) find the signed or
active contract-like documents whose end date, or last day to give notice (``end_date -
notice_days``), falls within ``KHATA_CONTRACT_REMINDER_DAYS``. The key of each item holds the
document and the date, so each reminder goes once, and again only if the date moves. The task
(``documents.tasks.contract_reminder_task``) emails the client's AM and the backup AM, each in their
language; each email, sent or failed, is a timeline event on the client.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any, Literal

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.core.services import event_record
from khata.documents.models import Behaviour, Document
from khata.documents.pdf import pdf_language
from khata.people.models import User

logger = logging.getLogger(__name__)

Reminder = Literal["end", "notice"]
REMINDERS: tuple[Reminder, ...] = ("end", "notice")
IN_FORCE = (Document.Status.SIGNED, Document.Status.ACTIVE)
# The services accept a notice period of at most 730 days: it bounds the end dates to read.
MAX_NOTICE_DAYS = 730

SENT_SUMMARY = {
    "end": gettext_noop("Reminder to %(name)s: %(document)s with %(client)s ends on %(date)s"),
    "notice": gettext_noop(
        "Reminder to %(name)s: the last day to give notice on %(document)s with %(client)s is %(date)s"
    ),
}
FAILED_SUMMARY = gettext_noop("The reminder to %(name)s about %(document)s could not be emailed")


def reminder_date(document: Document, reminder: Reminder) -> dt.date | None:
    return document.end_date if reminder == "end" else document.notice_date


def _window(now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = timezone.localdate(now)
    return today, today + dt.timedelta(days=settings.KHATA_CONTRACT_REMINDER_DAYS)


def contract_dates_in_force(
    *, first_end: dt.date, last_end: dt.date
) -> Iterator[tuple[int, dt.date | None, int | None]]:
    """(pk, end date, notice days) of the signed or active contract-like documents ending between the
    two dates, of every client."""
    return (
        Document.objects.filter(
            kind__behaviour=Behaviour.CONTRACT,
            status__in=IN_FORCE,
            end_date__gte=first_end,
            end_date__lte=last_end,
        )
        .order_by("end_date", "id")
        .values_list("pk", "end_date", "notice_days")
        .iterator(chunk_size=2000)
    )


def _due(reminder: Reminder, now: dt.datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    today, horizon = _window(now)
    last_end = horizon if reminder == "end" else horizon + dt.timedelta(days=MAX_NOTICE_DAYS)
    for pk, end_date, notice_days in contract_dates_in_force(first_end=today, last_end=last_end):
        if reminder == "end":
            on = end_date
        else:
            on = (
                None if notice_days is None or end_date is None else end_date - dt.timedelta(days=notice_days)
            )
        if on is not None and today <= on <= horizon:
            kwargs = {"document_id": pk, "reminder": reminder, "on": on.isoformat()}
            yield f"{pk}:{on.isoformat()}", kwargs


def contract_end_due(now: dt.datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """Contracts in force whose end date is within the reminder window."""
    return _due("end", now)


def contract_notice_due(now: dt.datetime) -> Iterator[tuple[str, dict[str, Any]]]:
    """Contracts in force whose last day to give notice is within the reminder window."""
    return _due("notice", now)


def reminder_recipients(document: Document) -> list[User]:
    """The client's account manager and backup, when they can still sign in and have an email."""
    people = [document.client.owner, document.client.backup]
    found: list[User] = []
    for person in people:
        if person is not None and person.is_active and person.email and person not in found:
            found.append(person)
    return found


def _day(value: dt.date | None) -> str:
    return date_format(value, "j M Y") if value else ""


def contract_reminder_message(document: Document, reminder: Reminder, person: User) -> EmailMessage:
    """The reminder to one account manager, in that person's language."""
    on = reminder_date(document, reminder)
    with translation.override(pdf_language(person.language, None)):
        params = {
            "kind": document.kind.label,
            "number": document.number,
            "client": document.client.display_name,
            "date": _day(on),
        }
        if reminder == "end":
            subject = _("%(kind)s %(number)s with %(client)s ends on %(date)s") % params
        else:
            subject = (
                _("%(kind)s %(number)s with %(client)s: the last day to give notice is %(date)s") % params
            )
        context = {
            "person": person,
            "document": document,
            "headline": subject,
            "start": _day(document.start_date),
            "end": _day(document.end_date),
            "notice": _day(document.notice_date),
            "url": settings.KHATA_SITE_URL.rstrip("/") + reverse("documents:detail", args=[document.pk]),
            "agency": settings.KHATA_AGENCY_NAME,
        }
        body = render_to_string("documents/email/contract_reminder.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[person.email])


def contract_reminder_send(*, document: Document, reminder: Reminder, on: dt.date) -> int:
    """Email the reminder to the client's AM and backup AM; how many were sent.

    Nothing is sent when the contract is no longer in force or its date moved since the reminder
    was due (the moved date is due again under its own key).
    """
    if (
        document.status not in IN_FORCE
        or not document.kind.is_contract
        or reminder_date(document, reminder) != on
    ):
        return 0
    sent = 0
    for person in reminder_recipients(document):
        kind, summary = "documents.reminder_sent", SENT_SUMMARY[reminder]
        try:
            contract_reminder_message(document, reminder, person).send()
        except Exception:  # a mail server's failure must not hide the others
            logger.exception(
                "Contract %s: the %s reminder to user %s failed", document.pk, reminder, person.pk
            )
            kind, summary = "documents.reminder_failed", FAILED_SUMMARY
        else:
            sent += 1
        event_record(
            kind=kind,
            summary=summary,
            params={
                "name": person.full_name,
                "document": document.number or document.title,
                "client": document.client.display_name,
                "date": on.isoformat(),
            },
            by=None,
            client=document.client,
            subject=document,
            data={"reminder": reminder, "on": on.isoformat(), "user": person.pk},
        )
    return sent
