"""The client's claims in the portal: filing one, the company's list, one claim's page and the answer.

Any portal contact of a company files a claim for it (``care.services.claim_file``, source portal):
a reason, how serious it is (normal unless the client says otherwise), what it is about among the
company's own projects, documents and invoices, a title, a description and files judged by their
content. Every read goes through ``care.selectors``, scoped by the asking user: another company's
claim, or a file of one, answers 404 to every method, the same as one that does not exist.

What the client reads is the agency's public word, not its internal work: the status, when the agency
answers or means to fix it (a date, never the clock's internal states), the steps of the claim's life
(filed, acknowledged, work started, resolved, confirmed, reopened, closed), the note on what was done,
and the files. The root cause, who was responsible, corrective and preventive actions, goodwill and
internal notes stay with the agency: they can name a specialist and are the agency's own lessons.

While the claim is open the contact adds files to it (``claim_attachment_add``: judged like the files
of a new claim, and recorded on the claim's history). When the claim is resolved, the contact
confirms the fix (``claim_confirm``) or says it did not work, with a reason (``claim_reopen``);
``care.policies`` decides who may. The portal home's "Your claims" and the project page's claims
panel are registered here too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.billing.models import Invoice
from khata.billing.selectors import invoice_list_for
from khata.care.forms import FileForm, ReasonField, apply_claim_errors
from khata.care.models import Claim, ReasonCode, Severity
from khata.care.notify import claim_filed_email_task
from khata.care.policies import can_answer_claim
from khata.care.selectors import ClaimPage, claim_attachment_get_for, claim_list_for, claim_page_for
from khata.care.services import ClaimError, claim_attachment_add, claim_confirm, claim_file, claim_reopen
from khata.clients.models import Contact
from khata.core.boards import Card, capped_count, register_portal_project_panel, register_portal_section
from khata.core.keyset import keyset_paginate
from khata.core.uploads import file_download
from khata.documents.models import Document
from khata.documents.selectors import document_list_for
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import AnyUser, is_contact_user, is_staff_user
from khata.plans.models import Project
from khata.plans.selectors import project_visible_to
from khata.portal.selectors import portal_contact_get_for

PAGE_SIZE = 30
# A company rarely has more open claims than this; beyond it the list says there are more.
OPEN_LIMIT = 100
SECTION_SCAN = 40
# Choices of what a claim is about: the newest documents and invoices of the company.
SUBJECT_CHOICES = 200

# The steps of a claim the client reads, in the client's words; other events stay internal.
PUBLIC_STEPS: dict[str, str | Promise] = {
    "care.filed": gettext_lazy("Claim received"),
    "care.acknowledged": gettext_lazy("Your account manager took up the claim"),
    "care.started": gettext_lazy("Work on the fix started"),
    "care.resolved": gettext_lazy("The agency fixed it and asks you to confirm"),
    "care.confirmed": gettext_lazy("The fix was confirmed; the claim is closed"),
    "care.reopened": gettext_lazy("The fix did not work; the claim is back in work"),
    "care.closed_automatically": gettext_lazy("Closed: nobody answered after the fix"),
    "care.file_added": gettext_lazy("A file was added"),
}


# --- the forms ----------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service judges each by its content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [file for file in (single(item, initial) for item in data) if file]
        file = single(data, initial)
        return [file] if file else []


class ProjectField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Project) -> str:
        return obj.name


class DocumentField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Document) -> str:
        return f"{obj.number} · {obj.title}" if obj.number else obj.title


class InvoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Invoice) -> str:
        return obj.number or str(obj.pk)


class PortalClaimForm(forms.Form):
    """A claim the client files: what went wrong, how serious it is, and what it is about."""

    title = forms.CharField(label=gettext_lazy("In a few words"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("What went wrong"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("What happened, when, and what you expected instead."),
    )
    reason = ReasonField(
        label=gettext_lazy("Kind of problem"), queryset=ReasonCode.objects.none(), empty_label="—"
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("How serious is it"),
        choices=Severity.choices,
        initial=Severity.NORMAL,
        help_text=gettext_lazy("The more serious, the sooner we answer."),
    )
    project = ProjectField(
        label=gettext_lazy("Project"), required=False, queryset=Project.objects.none(), empty_label="—"
    )
    document = DocumentField(
        label=gettext_lazy("Document"), required=False, queryset=Document.objects.none(), empty_label="—"
    )
    invoice = InvoiceField(
        label=gettext_lazy("Invoice"), required=False, queryset=Invoice.objects.none(), empty_label="—"
    )
    attachments = MultipleFileField(
        label=gettext_lazy("Files"),
        required=False,
        help_text=gettext_lazy("Screenshots, letters or documents: PDF, images, office files or text."),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: dict[str, Any] = self.fields
        fields["reason"].queryset = ReasonCode.objects.filter(active=True).order_by("position", "name")
        fields["project"].queryset = project_visible_to(user).order_by("name", "id")
        fields["document"].queryset = document_list_for(user).order_by("-date", "-id")[:SUBJECT_CHOICES]
        fields["invoice"].queryset = invoice_list_for(user).order_by("-issue_date", "-id")[:SUBJECT_CHOICES]


class ClaimFileForm(FileForm):
    """A file the client adds to its open claim; the service judges it like the files of a new claim."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = PortalClaimForm.base_fields["attachments"].help_text


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("What still does not work"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("A word for the agency (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- what the client reads ----------------------------------------------------------------------


@dataclass
class PortalClaim:
    """A claim as the client reads it: its status and the agency's promise in plain words."""

    claim: Claim
    promise: str
    late: bool

    @property
    def waits_for_client(self) -> bool:
        return self.claim.status == Claim.Status.RESOLVED


def _when(moment: dt.datetime) -> str:
    return date_format(timezone.localtime(moment), "j M Y, H:i")


def portal_claim(claim: Claim, now: dt.datetime) -> PortalClaim:
    """The promise of the stage the claim is in: the answer, then the fix, then the client's word."""
    status = claim.status
    if status == Claim.Status.NEW:
        due = claim.first_response_due
        if now > due:
            return PortalClaim(claim, _("Our answer is late; your account manager is on it"), True)
        return PortalClaim(claim, _("We answer by %(when)s") % {"when": _when(due)}, False)
    if status in (Claim.Status.ACKNOWLEDGED, Claim.Status.IN_PROGRESS):
        due = claim.resolution_due
        if now > due:
            return PortalClaim(claim, _("The fix is late; your account manager is on it"), True)
        return PortalClaim(claim, _("We aim to fix it by %(when)s") % {"when": _when(due)}, False)
    if status == Claim.Status.RESOLVED:
        return PortalClaim(claim, _("Fixed: please tell us whether it works"), False)
    assert claim.closed_at is not None
    return PortalClaim(claim, _("Closed on %(when)s") % {"when": _when(claim.closed_at)}, False)


@dataclass
class Step:
    at: dt.datetime
    label: str | Promise
    by_client: bool


def _steps(page: ClaimPage) -> list[Step]:
    steps = []
    for event in reversed(page.events):
        label = PUBLIC_STEPS.get(event.kind)
        if label is None:
            continue
        name = ((event.data or {}).get("text") or {}).get("params", {}).get("name")
        if event.kind == "care.file_added" and isinstance(name, str):
            label = _("A file was added: %(name)s") % {"name": name}
        steps.append(
            Step(
                at=event.at,
                label=label,
                by_client=event.actor is not None and event.actor.role == User.Role.CONTACT,
            )
        )
    return steps


def _contact(request: HttpRequest) -> tuple[User, Contact]:
    user = signed_in_user(request)
    return user, portal_contact_get_for(user)


def _open_claims(user: AnyUser) -> QuerySet[Claim]:
    """The company's open claims: those waiting for the client first, then the newest."""
    return (
        claim_list_for(user)
        .filter(status__in=sorted(Claim.OPEN))
        .order_by(F("resolved_at").desc(nulls_last=True), "-received_at", "-id")
    )


# --- the pages ----------------------------------------------------------------------------------


@require_GET
@login_required
def claim_list(request: HttpRequest) -> HttpResponse:
    """The company's claims: the open ones on top with what the agency promised, then closed ones."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, contact = _contact(request)
    now = timezone.now()
    found = list(_open_claims(user)[: OPEN_LIMIT + 1])
    page = keyset_paginate(
        claim_list_for(user).filter(status=Claim.Status.CLOSED),
        keys=["received_at", "id"],
        descending=True,
        cursor=request.GET.get("cursor") or None,
        size=PAGE_SIZE,
    )
    return render(
        request,
        "portal/claims/list.html",
        {
            "contact": contact,
            "client": contact.client,
            "open": [portal_claim(claim, now) for claim in found[:OPEN_LIMIT]],
            "more_open": len(found) > OPEN_LIMIT,
            "page": page,
            "closed": [portal_claim(claim, now) for claim in page.items],
            "next_query": f"?cursor={page.next_cursor}" if page.next_cursor else "",
            "prev_query": f"?cursor={page.prev_cursor}" if page.prev_cursor else "",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def claim_new(request: HttpRequest) -> HttpResponse:
    """The client files a claim for its company."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, contact = _contact(request)
    if request.method == "POST":
        form = PortalClaimForm(request.POST, request.FILES, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = claim_file(
                    by=user,
                    client=contact.client,
                    reason=data["reason"],
                    severity=data["severity"],
                    title=data["title"],
                    description=data["description"],
                    project=data["project"],
                    document=data["document"],
                    invoice=data["invoice"],
                    attachments=data["attachments"],
                )
            except ClaimError as error:
                apply_claim_errors(form, error)
            else:
                # The AM hears of it by email from the worker; the claim is stored whatever the mail does.
                claim_filed_email_task.enqueue(claim_id=claim.pk)
                messages.success(
                    request,
                    _("Thank you: your claim is received and your account manager is told."),
                )
                return redirect("portal:claim", claim_pk=claim.pk)
        status = 400
    else:
        initial: dict[str, Any] = {}
        for name in ("project", "document", "invoice"):
            if request.GET.get(name, "").isdigit():
                initial[name] = request.GET[name]
        form = PortalClaimForm(initial=initial, user=user)
        status = 200
    return render(
        request,
        "portal/claims/new.html",
        {"contact": contact, "client": contact.client, "form": form},
        status=status,
    )


def _page(
    request: HttpRequest,
    claim_pk: int | str,
    *,
    confirm_form: ConfirmForm | None = None,
    reopen_form: ReopenForm | None = None,
    file_form: ClaimFileForm | None = None,
) -> HttpResponse:
    user, contact = _contact(request)
    page = claim_page_for(user, claim_pk)
    claim = page.claim
    refused = confirm_form is not None or reopen_form is not None or file_form is not None
    can_answer = claim.status == Claim.Status.RESOLVED and can_answer_claim(user, claim)
    can_add_files = claim.status in Claim.OPEN
    errors: list[str] = []
    # A refusal whose form the page no longer shows (the claim moved on meanwhile) is said on top.
    for form in (confirm_form, reopen_form):
        if form is not None and not can_answer:
            errors += [str(message) for found in form.errors.values() for message in found]
    file_errors: list[str] = []
    if file_form is not None and not can_add_files:
        file_errors = [str(message) for found in file_form.errors.values() for message in found]
    return render(
        request,
        "portal/claims/detail.html",
        {
            "contact": contact,
            "client": contact.client,
            "claim": claim,
            "row": portal_claim(claim, timezone.now()),
            "show_resolution": bool(claim.resolution)
            and claim.status in (Claim.Status.RESOLVED, Claim.Status.CLOSED),
            # What the claim is about, linked only when the company can open it (never a draft).
            "document": claim.document
            if claim.document is not None and claim.document.status != Document.Status.DRAFT
            else None,
            "invoice": claim.invoice
            if claim.invoice is not None and claim.invoice.status != Invoice.Status.DRAFT
            else None,
            "steps": _steps(page),
            "attachments": page.attachments,
            "can_add_files": can_add_files,
            "file_errors": file_errors,
            "file_form": file_form or ClaimFileForm(),
            "can_answer": can_answer,
            "errors": errors,
            "confirm_form": confirm_form or ConfirmForm(),
            "reopen_form": reopen_form or ReopenForm(),
        },
        status=400 if refused else 200,
    )


@require_GET
@login_required
def claim(request: HttpRequest, claim_pk: int) -> HttpResponse:
    """One claim as the client reads it, with the way to confirm the fix when it is resolved."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    return _page(request, claim_pk)


def _claim_action(
    request: HttpRequest,
    claim_pk: int,
    form: ConfirmForm | ReopenForm | ClaimFileForm,
    act: Callable[[Claim, User, dict[str, Any]], object],
    done: str,
    *,
    form_name: str,
    anchor: str = "",
) -> HttpResponse:
    """A client's step on its claim: the form checked, the service called, its refusal shown beside the
    form on the claim page (the page's ``form_name`` form, 400), or the page again with a message."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, _contact_row = _contact(request)
    found = claim_page_for(user, claim_pk).claim
    if form.is_valid():
        try:
            act(found, user, form.cleaned_data)
        except ClaimError as error:
            apply_claim_errors(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("portal:claim", args=[found.pk]) + anchor)
    shown: dict[str, Any] = {form_name: form}
    return _page(request, found.pk, **shown)


@require_POST
@login_required
def claim_confirm_view(request: HttpRequest, claim_pk: int) -> HttpResponse:
    """The client confirms the fix works: the claim closes."""
    return _claim_action(
        request,
        claim_pk,
        ConfirmForm(request.POST),
        lambda claim, user, data: claim_confirm(claim=claim, by=user, note=data["note"]),
        _("Thank you for confirming: the claim is closed."),
        form_name="confirm_form",
    )


@require_POST
@login_required
def claim_reopen_view(request: HttpRequest, claim_pk: int) -> HttpResponse:
    """The client says the fix did not work, and why: the claim goes back to work."""
    return _claim_action(
        request,
        claim_pk,
        ReopenForm(request.POST),
        lambda claim, user, data: claim_reopen(claim=claim, by=user, reason=data["reason"]),
        _("Your account manager is told that it is not fixed yet."),
        form_name="reopen_form",
    )


@require_POST
@login_required
def claim_file_add_view(request: HttpRequest, claim_pk: int) -> HttpResponse:
    """The client adds a file to its open claim: a screenshot or a letter that came later."""
    return _claim_action(
        request,
        claim_pk,
        ClaimFileForm(request.POST, request.FILES),
        lambda claim, user, data: claim_attachment_add(claim=claim, by=user, file=data["file"]),
        _("File added: your account manager sees it on the claim."),
        form_name="file_form",
        anchor="#files",
    )


@require_GET
@login_required
def claim_attachment(request: HttpRequest, claimattachment_pk: int) -> HttpResponseBase:
    """A file of one of the company's claims, as an attachment the browser will not run."""
    if is_staff_user(request.user):
        return redirect("insights:today")
    user, _contact_row = _contact(request)
    found = claim_attachment_get_for(user, claimattachment_pk)
    return file_download(found.file, found.name, found.content_type)


# --- the portal home's section and the project page's panel ------------------------------------------


def portal_claims_section(contact: Contact, *, limit: int = 10) -> Card:
    """The company's open claims: a fix to confirm first, then what the agency is working on."""
    user = contact.user
    found = list(_open_claims(user)[:SECTION_SCAN]) if user is not None else []
    now = timezone.now()
    items = []
    for row in (portal_claim(claim, now) for claim in found[:limit]):
        items.append(
            {
                "title": row.claim.title,
                "detail": " · ".join([row.claim.get_status_display(), row.promise]),
                "url": reverse("portal:claim", args=[row.claim.pk]),
                "action": _("Confirm the fix") if row.waits_for_client else _("See the claim"),
            }
        )
    return Card(
        key="claims",
        title=gettext_lazy("Your claims"),
        template="portal/sections/list.html",
        items=items,
        total=len(found),
        capped=len(found) >= SECTION_SCAN,
        empty=gettext_lazy("No open claim. Something wrong? File a claim from your claims page."),
        more_url=reverse("portal:claims"),
    )


def portal_project_claims_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The company's claims about this project, with the way to file one."""
    if not is_contact_user(user):
        return None
    rows = claim_list_for(user).filter(project=project).order_by("-received_at", "-id")
    now = timezone.now()
    items = [portal_claim(claim, now) for claim in rows[:limit]]
    # Shown even when empty: the project page is where a client often notices a problem.
    total, capped = (len(items), False) if len(items) < limit else capped_count(rows)
    return Card(
        key="claims",
        title=gettext_lazy("Claims"),
        template="portal/claims/_panel.html",
        items=items,
        total=total,
        capped=capped,
        empty=gettext_lazy("No claim about this project."),
        more_url=reverse("portal:claims") if total > len(items) else "",
        action_url=reverse("portal:claim_new") + f"?project={project.pk}",
        action_label=gettext_lazy("File a claim"),
    )


def register_claim_boards() -> None:
    """Called once from ``PortalConfig.ready()``."""
    register_portal_section("claims", portal_claims_section, order=60)
    register_portal_project_panel("claims", portal_project_claims_panel, order=70)
