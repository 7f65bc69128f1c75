"""Every read of the client portal, scoped by the person asking.

A client contact reaches only their own company; a staff member reaches a contact only to preview
the portal as that contact would see it. Anything else answers 404.

The "what waits for you" sections come from ``khata.core.boards.portal_home``. Until the domains
that fill them exist (plans, production, documents, billing, care), this module registers an empty
placeholder for each, so a client already sees what the portal will hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from khata.clients.models import Client, Contact
from khata.clients.policies import can_view_client
from khata.clients.selectors import contact_list_for
from khata.core.boards import Card, portal_home
from khata.documents.models import DocumentFile
from khata.documents.selectors import document_visible_to
from khata.people.models import User
from khata.people.policies import AnyUser, can_preview_portal, is_contact_user

SECTION_LIMIT = 10


@dataclass
class PortalHome:
    """What a client contact sees on the portal home."""

    contact: Contact
    client: Client
    account_manager: User
    backup: User | None
    sections: list[Card]

    @property
    def waiting(self) -> int:
        return sum(section.total for section in self.sections)


def portal_contact_get_for(user: AnyUser) -> Contact:
    """The contact record a signed-in client contact acts as, or 404."""
    if not isinstance(user, User) or not is_contact_user(user):
        raise Http404("Not a portal user.")
    try:
        return Contact.objects.select_related("client__owner", "client__backup", "user").get(
            user=user, portal_access=True
        )
    except Contact.DoesNotExist as error:
        raise Http404("No portal access.") from error


def portal_preview_contact_get_for(user: AnyUser, pk: int | str) -> Contact:
    """A contact a staff member may preview the portal as: one of a client they manage, or 404."""
    if not can_preview_portal(user):
        raise Http404("No preview.")
    try:
        contact = contact_list_for(user).select_related("client__owner", "client__backup").get(pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such contact.") from error
    if not can_view_client(user, contact.client):
        raise Http404("No such contact.")
    return contact


def portal_home_for(contact: Contact, *, limit: int = SECTION_LIMIT) -> PortalHome:
    """The portal home of one contact: their company, their AMs and every waiting section."""
    client = contact.client
    return PortalHome(
        contact=contact,
        client=client,
        account_manager=client.owner,
        backup=client.backup,
        sections=[provider(contact, limit=limit) for _key, provider in portal_home.providers()],
    )


def empty_section(key: str, title: str | Promise, empty: str | Promise) -> Callable[..., Card]:
    """A placeholder section with nothing in it yet."""

    def section(contact: Contact, *, limit: int = SECTION_LIMIT) -> Card:
        return Card(
            key=key, title=title, template="portal/sections/list.html", items=[], total=0, empty=empty
        )

    section.__name__ = f"{key}_placeholder"
    return section


PLACEHOLDERS: list[tuple[str, str | Promise, str | Promise]] = [
    ("plans", _("Plans to agree"), _("No work plan waits for your approval.")),
    ("briefs", _("Briefs to answer"), _("No brief waits for your answers.")),
    ("acts", _("Acts to accept"), _("No act of completed work waits for your acceptance.")),
    ("invoices", _("Invoices to pay"), _("No invoice waits for payment.")),
    ("surveys", _("Surveys"), _("No survey waits for you.")),
]


def register_sections() -> None:
    """Placeholders for every section; a domain that fills one registers the same key."""
    for order, (key, title, empty) in enumerate(PLACEHOLDERS, start=1):
        portal_home.register_default(key, empty_section(key, title, empty), order=order * 10)


def portal_document_file_get_for(user: AnyUser, pk: int | str) -> DocumentFile:
    """A file of a document the contact may see (its own company's, sent), or 404."""
    try:
        return DocumentFile.objects.select_related("document").get(
            pk=pk, document__in=document_visible_to(user)
        )
    except (DocumentFile.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such file.") from error
