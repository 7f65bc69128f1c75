"""The staff pages of care: the list of claims with their SLA clocks, and a claim's page with every
step of its life cycle, its analysis, corrective actions, goodwill, files and history.

Each view parses input, calls one service or selector and renders. A claim the user may not see
answers 404 (a client contact gets 404 on every page here: the portal is theirs); a write the user's
role may not make answers 403; a refused change shows the service's reason with status 400 and
changes nothing. Every action is a plain POST that redirects back to the claim with a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import wraps
from typing import Any, cast
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.care import selectors, services
from khata.care.display import claim_list_rows
from khata.care.forms import (
    ActionForm,
    AnalysisForm,
    ClaimFilterForm,
    ClaimForm,
    FileForm,
    GoodwillForm,
    NoteForm,
    ResolveForm,
    apply_claim_errors,
)
from khata.care.models import Claim, CorrectiveAction
from khata.care.policies import can_complete_action, can_handle_claim
from khata.clients.selectors import client_visible_to
from khata.core.calendar import working_calendar
from khata.core.keyset import keyset_paginate
from khata.core.money import to_minor
from khata.core.uploads import file_download
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import can_manage_accounts, is_staff_user

View = Callable[..., HttpResponse]
PAGE_SIZE = 50


def staff_page(view: View) -> View:
    """Agency staff only: anonymous → sign-in page; a client contact → 404, as for what is not theirs."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(guarded)


# ---------- the list ----------


@staff_page
@require_GET
def claim_list(request: HttpRequest) -> HttpResponse:
    """The claims the user sees, newest first: open ones unless the filter says otherwise."""
    user = signed_in_user(request)
    form = ClaimFilterForm(request.GET)
    context: dict[str, Any] = {
        "form": form,
        "rows": [],
        "page": None,
        "can_record": can_manage_accounts(user),
    }
    if form.is_valid():
        claims = selectors.claim_list_for(user)
        status = form.cleaned_data["status"]
        if not status:
            claims = claims.filter(status__in=sorted(Claim.OPEN))
        elif status != "all":
            claims = claims.filter(status=status)
        page = keyset_paginate(
            claims,
            keys=["received_at", "id"],
            descending=True,
            cursor=request.GET.get("cursor") or None,
            size=PAGE_SIZE,
        )
        params = form.params()
        context |= {
            "page": page,
            "rows": claim_list_rows(selectors.claim_rows(page.items, calendar=working_calendar())),
            "next_query": "?" + urlencode({**params, "cursor": page.next_cursor}) if page.next_cursor else "",
            "prev_query": "?" + urlencode({**params, "cursor": page.prev_cursor}) if page.prev_cursor else "",
        }
    return render(request, "care/list.html", context)


# ---------- a new claim ----------


@staff_page
@require_http_methods(["GET", "POST"])
def claim_new(request: HttpRequest) -> HttpResponse:
    """The AM records a claim the client raised by phone, email or in a meeting."""
    user = signed_in_user(request)
    if not can_manage_accounts(user):
        raise PermissionDenied
    clients = client_visible_to(user)
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES, clients=clients)
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = services.claim_file(
                    by=user,
                    client=data["client"],
                    reason=data["reason"],
                    severity=data["severity"],
                    title=data["title"],
                    description=data["description"],
                    received_at=data["received_at"],
                    attachments=[data["file"]] if data["file"] else [],
                )
            except services.ClaimError as error:
                apply_claim_errors(form, error)
            else:
                messages.success(request, _("Claim recorded; its SLA clocks are running."))
                return redirect("care:detail", pk=claim.pk)
        return render(request, "care/form.html", {"form": form}, status=400)
    initial = {"client": request.GET["client"]} if request.GET.get("client", "").isdigit() else {}
    return render(request, "care/form.html", {"form": ClaimForm(initial=initial, clients=clients)})


# ---------- a claim's page ----------


@dataclass(frozen=True)
class Actions:
    """What the asking user may do next on the claim."""

    acknowledge: bool = False
    start: bool = False
    analyse: bool = False
    resolve: bool = False
    add_action: bool = False
    goodwill: bool = False
    files: bool = False
    close: bool = False

    @property
    def any(self) -> bool:
        return self.acknowledge or self.start or self.resolve or self.close


def _actions(claim: Claim, *, can_handle: bool) -> Actions:
    if not can_handle:
        return Actions()
    status = claim.status
    working = status in ("new", "acknowledged", "in_progress")
    return Actions(
        acknowledge=status == "new",
        start=status == "acknowledged",
        analyse=status != "closed",
        resolve=status == "in_progress",
        add_action=working,
        goodwill=True,
        files=status != "closed",
        close=status == "resolved"
        and claim.resolved_at is not None
        and timezone.now() >= claim.resolved_at + dt.timedelta(days=services.auto_close_days()),
    )


def _claim_page(
    request: HttpRequest,
    pk: int | str,
    *,
    errors: list[str] | None = None,
    forms: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = signed_in_user(request)
    page = selectors.claim_page_for(user, pk)
    claim = page.claim
    can_handle = can_handle_claim(user, claim)
    chosen = forms or {}
    analysis_initial = {
        "root_cause": claim.root_cause_id,
        "responsible": claim.responsible_id,
        "responsible_team": claim.responsible_team,
        "preventive_action": claim.preventive_action,
    }
    context = {
        "page": page,
        "claim": claim,
        "sla": page.sla,
        "actions": _actions(claim, can_handle=can_handle),
        "completable": {
            action.pk
            for action in page.actions
            if action.done_at is None and can_complete_action(user, action)
        },
        "auto_close_on": (
            claim.resolved_at + dt.timedelta(days=services.auto_close_days()) if claim.resolved_at else None
        ),
        "errors": errors or [],
        "acknowledge_form": chosen.get("acknowledge") or NoteForm(prefix="ack"),
        "analysis_form": chosen.get("analysis") or AnalysisForm(initial=analysis_initial),
        "resolve_form": chosen.get("resolve") or ResolveForm(prefix="resolve"),
        "action_form": chosen.get("action") or ActionForm(prefix="action"),
        "goodwill_form": chosen.get("goodwill") or GoodwillForm(prefix="goodwill"),
        "file_form": chosen.get("file") or FileForm(),
    }
    return render(request, "care/detail.html", context, status=status)


@staff_page
@require_GET
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One claim: its SLA clocks, facts, analysis, corrective actions, goodwill, files and history."""
    return _claim_page(request, pk)


# ---------- actions ----------


def _handler_of(request: HttpRequest, pk: int | str) -> tuple[User, Claim]:
    """The asking user and a claim they may handle; 404 when unseen, 403 when read-only."""
    user = signed_in_user(request)
    claim = selectors.claim_get_for(user, pk)
    if not can_handle_claim(user, claim):
        raise PermissionDenied
    return user, claim


def _form_errors(form: Form) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, found in form.errors.items()
        for message in found
    ]


def _action(
    request: HttpRequest,
    pk: int,
    *,
    form: Form | None,
    key: str,
    do: Callable[[User, Claim, dict[str, Any]], Any],
    done: str,
    anchor: str = "",
) -> HttpResponse:
    """Parse the action's form, call its service, and go back to the claim with a message."""
    user, claim = _handler_of(request, pk)
    if form is not None and not form.is_valid():
        return _claim_page(request, claim.pk, errors=_form_errors(form), forms={key: form}, status=400)
    try:
        do(user, claim, form.cleaned_data if form is not None else {})
    except services.ClaimError as error:
        if form is not None:
            apply_claim_errors(form, error)
        return _claim_page(
            request,
            claim.pk,
            errors=[str(message) for message in error.messages],
            forms={key: form} if form is not None else None,
            status=400,
        )
    messages.success(request, done)
    return redirect(reverse("care:detail", args=[claim.pk]) + anchor)


@staff_page
@require_POST
def claim_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=NoteForm(request.POST, prefix="ack"),
        key="acknowledge",
        do=lambda user, claim, data: services.claim_acknowledge(claim=claim, by=user, note=data["note"]),
        done=_("Claim acknowledged: the first-response clock has stopped."),
    )


@staff_page
@require_POST
def claim_start(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=None,
        key="start",
        do=lambda user, claim, data: services.claim_start(claim=claim, by=user),
        done=_("Work on the claim has started."),
    )


@staff_page
@require_POST
def claim_analyse(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=AnalysisForm(request.POST),
        key="analysis",
        do=lambda user, claim, data: services.claim_analyse(claim=claim, by=user, **data),
        done=_("The analysis is saved."),
        anchor="#analysis",
    )


@staff_page
@require_POST
def claim_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=ResolveForm(request.POST, prefix="resolve"),
        key="resolve",
        do=lambda user, claim, data: services.claim_resolve(
            claim=claim, by=user, resolution=data["resolution"], root_cause=data["root_cause"]
        ),
        done=_("Claim resolved: it waits for the client to confirm the fix."),
    )


@staff_page
@require_POST
def claim_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=None,
        key="close",
        do=lambda user, claim, data: services.claim_close_unconfirmed(claim=claim, by=user),
        done=_("Claim closed without the client's answer."),
    )


@staff_page
@require_POST
def action_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=ActionForm(request.POST, prefix="action"),
        key="action",
        do=lambda user, claim, data: services.corrective_action_add(claim=claim, by=user, **data),
        done=_("Corrective action added."),
        anchor="#actions-list",
    )


def _hours_to_minutes(hours: Decimal | None) -> int | None:
    if hours is None:
        return None
    return int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@staff_page
@require_POST
def goodwill_add(request: HttpRequest, pk: int) -> HttpResponse:
    def record(user: User, claim: Claim, data: dict[str, Any]) -> Any:
        amount = data["amount"]
        return services.goodwill_record(
            claim=claim,
            by=user,
            kind=data["kind"],
            value_minor=to_minor(amount, claim.client.currency) if amount is not None else None,
            minutes=_hours_to_minutes(data["hours"]),
            note=data["note"],
        )

    return _action(
        request,
        pk,
        form=GoodwillForm(request.POST, prefix="goodwill"),
        key="goodwill",
        do=record,
        done=_("Goodwill recorded."),
        anchor="#goodwill",
    )


@staff_page
@require_POST
def file_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        form=FileForm(request.POST, request.FILES),
        key="file",
        do=lambda user, claim, data: services.claim_attachment_add(claim=claim, by=user, file=data["file"]),
        done=_("File added."),
        anchor="#files",
    )


@staff_page
@require_POST
def action_complete(request: HttpRequest, pk: int) -> HttpResponse:
    """A corrective action is done: its owner or whoever handles the claim says so."""
    user = signed_in_user(request)
    action = CorrectiveAction.objects.filter(pk=pk).first()
    if action is None:
        raise Http404
    claim = selectors.claim_get_for(user, action.claim_id)  # 404 unless the user sees the claim
    action.claim = claim
    if not can_complete_action(user, action):
        raise PermissionDenied
    try:
        services.corrective_action_complete(action=action, by=user)
    except services.ClaimError as error:
        return _claim_page(request, claim.pk, errors=[str(m) for m in error.messages], status=400)
    messages.success(request, _("Corrective action done."))
    return redirect(reverse("care:detail", args=[claim.pk]) + "#actions-list")


@staff_page
@require_GET
def file_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim's file, to staff who see the claim, as an attachment the browser will not run."""
    user = signed_in_user(request)
    stored = selectors.claim_attachment_get_for(user, pk)
    return cast(HttpResponse, file_download(stored.file, stored.name, stored.content_type))
