"""The account manager hears of a claim the client filed in the portal.

The portal's filing page enqueues ``claim_filed_email_task`` once the claim is stored; the worker
emails the claim's owner (the client's AM) in the AM's language and records a ``care.owner_told``
timeline event, so the client's history says the agency was told. A claim recorded by the AM
itself, or one whose owner has no email address, sends nothing.
"""

from __future__ import annotations

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
from khata.core.services import event_record
from khata.people.models import User

logger = logging.getLogger(__name__)


def _language(person: User) -> str:
    codes = [code for code, _name in settings.LANGUAGES]
    chosen = (person.language or "").split("-")[0]
    return chosen if chosen in codes else settings.LANGUAGE_CODE


def claim_filed_message(claim: Claim, person: User) -> EmailMessage:
    """The email telling the AM a client filed a claim, in the AM's language."""
    with translation.override(_language(person)):
        context = {
            "person": person,
            "claim": claim,
            "contact": claim.contact.full_name if claim.contact is not None else "",
            "due": formats.date_format(timezone.localtime(claim.first_response_due), "DATETIME_FORMAT"),
            "url": settings.KHATA_SITE_URL.rstrip("/") + reverse("care:detail", args=[claim.pk]),
            "agency": settings.KHATA_AGENCY_NAME,
        }
        subject = _("New claim from %(client)s: %(claim)s") % {
            "client": claim.client.display_name,
            "claim": claim.title,
        }
        body = render_to_string("care/email/claim_filed.txt", context)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[person.email])


def claim_filed_notify(*, claim: Claim) -> int:
    """Email the claim's AM about a claim filed in the portal; how many emails were sent (0 or 1)."""
    owner = claim.owner
    if claim.source != Claim.Source.PORTAL or owner is None or not owner.is_active or not owner.email:
        return 0
    try:
        claim_filed_message(claim, owner).send()
    except Exception:  # a mail server failure is logged; the claim is on the AM's board anyway
        logger.exception("Claim %s: the email to its account manager failed", claim.pk)
        return 0
    event_record(
        kind="care.owner_told",
        summary=gettext_noop("%(owner)s was emailed about the new claim %(claim)s"),
        params={"claim": claim.title, "owner": owner.full_name},
        by=None,
        client=claim.client,
        subject=claim,
        data={"claim": claim.pk, "owner": owner.pk},
    )
    return 1


@task
def claim_filed_email_task(*, claim_id: int) -> int:
    """Tell the AM of a claim filed in the portal (enqueued once, when the claim is stored)."""
    claim = Claim.objects.select_related("client", "owner", "contact").filter(pk=claim_id).first()
    if claim is None:
        return 0
    return claim_filed_notify(claim=claim)
