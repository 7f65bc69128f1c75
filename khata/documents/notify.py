"""The emails of the document flow: a sent document tells the client's contacts it waits for them.

``document_send`` enqueues ``document_sent_email_task`` once its transaction is committed (a mail
server that fails never un-sends a document). The task writes to each contact who may answer for the
company (``policies.answering_contact``: portal access, a role that speaks for it), in the contact's
language, with a link to the document's page in the portal. Each email, sent or failed, is one
timeline event on the client.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Contact
from khata.core.money import money_format
from khata.core.services import event_record
from khata.documents.models import Document
from khata.documents.pdf import pdf_language
from khata.documents.policies import answering_contact
from khata.people.models import User

logger = logging.getLogger(__name__)


def document_recipients(document: Document) -> list[Contact]:
    """The client's contacts who may answer the document in the portal and have an email address."""
    contacts = (
        Contact.objects.filter(client_id=document.client_id, portal_access=True, user__is_active=True)
        .exclude(role=Contact.Role.USER)
        .select_related("user")
        .order_by("full_name", "id")
    )
    return [
        contact
        for contact in contacts
        if contact.user is not None and contact.user.email and answering_contact(contact.user, document)
    ]


def document_sent_message(document: Document, contact: Contact, *, site_url: str) -> EmailMultiAlternatives:
    """The email telling one contact a document waits for the company's answer, in the contact's language."""
    assert contact.user is not None
    language = pdf_language(contact.user.language, contact.language)
    with translation.override(language):
        context = {
            "document": document,
            "kind": document.kind.label,
            "contact": contact,
            "amount": money_format(document.amount_minor, document.currency, language)
            if document.amount_minor
            else "",
            "url": (site_url or settings.KHATA_SITE_URL).rstrip("/")
            + reverse("portal:document", args=[document.pk]),
            "agency": settings.KHATA_AGENCY_NAME,
        }
        if document.kind.is_contract:
            subject = _("%(kind)s %(number)s is ready for your signature") % {
                "kind": document.kind.label,
                "number": document.number,
            }
        else:
            subject = _("%(kind)s %(number)s is ready for your acceptance") % {
                "kind": document.kind.label,
                "number": document.number,
            }
        text = render_to_string("documents/email/sent.txt", context)
        html = render_to_string("documents/email/sent.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[contact.user.email]
    )
    message.attach_alternative(html, "text/html")
    return message


def document_email_contacts(*, document: Document, by: User | None, site_url: str = "") -> int:
    """Email a sent document to each contact who may answer it; how many were sent."""
    if document.status != Document.Status.SENT or not document.kind.needs_client_answer:
        return 0
    sent = 0
    for contact in document_recipients(document):
        kind = "documents.emailed"
        summary = gettext_noop("%(kind)s %(document)s emailed to %(name)s")
        try:
            document_sent_message(document, contact, site_url=site_url).send()
        except Exception:  # a mail server's failure must not hide the others
            logger.exception("Document %s: the email to contact %s failed", document.pk, contact.pk)
            kind = "documents.email_failed"
            summary = gettext_noop("%(kind)s %(document)s could not be emailed to %(name)s")
        else:
            sent += 1
        event_record(
            kind=kind,
            summary=summary,
            params={"kind": document.kind.name, "document": document.number, "name": contact.full_name},
            by=by,
            client=document.client,
            subject=document,
            data={"contact": contact.pk},
        )
    return sent


@task
def document_sent_email_task(*, document_id: int, by_id: int | None, site_url: str = "") -> int:
    """Email a document just sent to the client's contacts who answer it; how many were sent."""
    document = Document.objects.select_related("kind", "client").get(pk=document_id)
    by = User.objects.filter(pk=by_id).first() if by_id is not None else None
    return document_email_contacts(document=document, by=by, site_url=site_url)
