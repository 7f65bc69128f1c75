"""The client's documents in the portal: the list, one document's page, and the contact's answer.

A contact sees its own company's documents once they are sent (never a draft); another company's
document, or a file of one, answers 404 to every method. A contact whose role speaks for the company
(``policies.answering_contact``) accepts a sent act or report, signs a sent contract, or disputes it
with a reason; the answer keeps the typed name, the time and the address it came from. The portal
home's "Documents waiting for you" and the project page's documents panel are registered here too.
"""

from __future__ import annotations

import ipaddress

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from khata.clients.models import Contact
from khata.core.boards import Card, capped_count, register_portal_project_panel, register_portal_section
from khata.core.forms import apply_service_errors
from khata.core.keyset import keyset_paginate
from khata.core.uploads import file_download
from khata.documents.models import Document
from khata.documents.policies import answering_contact
from khata.documents.selectors import (
    document_get_for,
    document_list_for,
    document_page_for,
    portal_waiting_for,
)
from khata.documents.services import document_accept, document_dispute
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import AnyUser, is_contact_user, is_staff_user
from khata.plans.models import Project
from khata.portal.forms import DocumentAcceptForm, DocumentDisputeForm
from khata.portal.selectors import portal_contact_get_for, portal_document_file_get_for

PAGE_SIZE = 30
WAITING_LIMIT = 20


def client_ip(request: HttpRequest) -> str | None:
    """The address the request came from (REMOTE_ADDR: Khata trusts no forwarding header)."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _why_not(user: User, document: Document) -> str:
    """Why this contact cannot answer a document that waits for the company, or ""."""
    if document.status != Document.Status.SENT or not document.kind.needs_client_answer:
        return ""
    if answering_contact(user, document) is not None:
        return ""
    if document.kind.is_contract:
        return _(
            "Only a colleague who speaks for your company can sign this document. "
            "Your account manager can tell you who."
        )
    return _(
        "Only a colleague who speaks for your company can accept this document. "
        "Your account manager can tell you who."
    )


def _page(
    request: HttpRequest,
    document_pk: int,
    *,
    accept_form: DocumentAcceptForm | None = None,
    dispute_form: DocumentDisputeForm | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    page = document_page_for(user, document_pk)
    document = page.document
    signs = document.kind.is_contract
    can_answer = (
        document.status == Document.Status.SENT
        and document.kind.needs_client_answer
        and answering_contact(user, document) is not None
    )
    company = contact.client.legal_name or contact.client.display_name
    refused = accept_form is not None or dispute_form is not None
    # A refusal of a document that no longer waits for this contact: its forms are not drawn, so
    # the reason is said on top of the page.
    errors: list[str] = []
    if refused and not can_answer:
        for form in (accept_form, dispute_form):
            if form is not None:
                errors += [str(message) for messages_ in form.errors.values() for message in messages_]
    return render(
        request,
        "portal/documents/detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "page": page,
            "document": document,
            "project": document.project,
            "signs": signs,
            "can_answer": can_answer,
            "why_not": _why_not(user, document),
            "errors": errors,
            "accept_form": accept_form
            or DocumentAcceptForm(initial={"name": contact.full_name}, signs=signs, company=company),
            "dispute_form": dispute_form or DocumentDisputeForm(),
        },
        status=400 if refused else 200,
    )


@require_GET
@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The company's documents, newest first, with what waits for the contact's answer on top."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    page = keyset_paginate(
        document_list_for(user),
        keys=["date", "id"],
        descending=True,
        cursor=request.GET.get("cursor") or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "portal/documents/list.html",
        {
            "contact": contact,
            "client": contact.client,
            "waiting": portal_waiting_for(user, limit=WAITING_LIMIT),
            "may_answer": contact.role != Contact.Role.USER,
            "page": page,
            "documents": page.items,
            "next_query": f"?cursor={page.next_cursor}" if page.next_cursor else "",
            "prev_query": f"?cursor={page.prev_cursor}" if page.prev_cursor else "",
        },
    )


@require_GET
@login_required
def document(request: HttpRequest, document_pk: int) -> HttpResponse:
    """One document as the client reads it, with the way to answer it when it waits for them."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    return _page(request, document_pk)


@require_POST
@login_required
def document_accept_view(request: HttpRequest, document_pk: int) -> HttpResponse:
    """The contact accepts the document (signs a contract) with their typed name."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = document_get_for(user, document_pk)
    form = DocumentAcceptForm(
        request.POST,
        signs=found.kind.is_contract,
        company=contact.client.legal_name or contact.client.display_name,
    )
    if form.is_valid():
        try:
            document_accept(
                document=found,
                by=user,
                name=form.cleaned_data["name"],
                ip_address=client_ip(request),
                in_portal=True,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            if found.kind.is_contract:
                messages.success(request, _("Thank you: you signed the document for your company."))
            else:
                messages.success(request, _("Thank you: you accepted the document for your company."))
            return redirect("portal:document", document_pk=found.pk)
    return _page(request, found.pk, accept_form=form)


@require_POST
@login_required
def document_dispute_view(request: HttpRequest, document_pk: int) -> HttpResponse:
    """The contact disputes the document, saying what is wrong."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    contact = portal_contact_get_for(user)
    found = document_get_for(user, document_pk)
    form = DocumentDisputeForm(request.POST)
    if form.is_valid():
        try:
            document_dispute(
                document=found,
                by=user,
                reason=form.cleaned_data["reason"],
                name=contact.full_name,
                ip_address=client_ip(request),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Your account manager is told what is wrong and will come back to you.")
            )
            return redirect("portal:document", document_pk=found.pk)
    return _page(request, found.pk, dispute_form=form)


@require_GET
@login_required
def document_file(request: HttpRequest, documentfile_pk: int) -> HttpResponseBase:
    """One version of a document's file, downloaded by a contact who may see the document."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user = signed_in_user(request)
    portal_contact_get_for(user)
    found = portal_document_file_get_for(user, documentfile_pk)
    return file_download(found.file, found.name, found.content_type)


# --- the portal home's section and the project page's panel ------------------------------------------


def portal_documents_waiting(contact: Contact, *, limit: int = 10) -> Card:
    """Acts, contracts and other documents sent to the company that wait for its answer."""
    user = contact.user
    # A contact who does not speak for the company (an end user) has nothing to answer.
    may_answer = user is not None and contact.role != Contact.Role.USER
    rows = portal_waiting_for(user, limit=WAITING_LIMIT * 2) if user is not None and may_answer else []
    items = []
    for found in rows[:limit]:
        action = _("Read and sign") if found.kind.is_contract else _("Read and accept")
        detail = [found.kind.label]
        if found.project is not None:
            detail.append(found.project.name)
        if found.sent_at is not None:
            detail.append(
                _("sent %(date)s") % {"date": date_format(timezone.localtime(found.sent_at), "j M Y")}
            )
        items.append(
            {
                "title": f"{found.number} · {found.title}",
                "detail": " · ".join(part for part in detail if part),
                "url": reverse("portal:document", args=[found.pk]),
                "action": action,
            }
        )
    return Card(
        key="acts",
        title=gettext_lazy("Documents waiting for you"),
        template="portal/sections/list.html",
        items=items,
        total=len(rows),
        capped=len(rows) >= WAITING_LIMIT * 2,
        empty=gettext_lazy("No act or contract waits for your answer."),
        more_url=reverse("portal:documents"),
    )


def portal_project_documents_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The documents of this project the contact's company has received; nothing when none."""
    if not is_contact_user(user):
        return None
    rows = document_list_for(user).filter(project=project).order_by("-date", "-id")
    items = list(rows[:limit])
    if not items:
        return None
    total, capped = (len(items), False) if len(items) < limit else capped_count(rows)
    return Card(
        key="documents",
        title=gettext_lazy("Documents"),
        template="portal/documents/_panel.html",
        items=items,
        total=total,
        capped=capped,
        more_url=reverse("portal:documents") if total > len(items) else "",
    )


def register_document_boards() -> None:
    """Called once from ``PortalConfig.ready()``: replaces the placeholder "Acts to accept"."""
    register_portal_section("acts", portal_documents_waiting, order=30)
    register_portal_project_panel("documents", portal_project_documents_panel, order=50)
