"""Staff pages of payment reminders: the agency's reminder levels, a client's billing settings, and
promises to pay recorded from the invoice page.

Each view parses input, calls one service or selector and renders. A client contact gets 404 on
every page here (the portal is theirs); a specialist, or an AM on a page only the head and finance
change, gets 403; a client or invoice the person may not see answers 404; a refused change shows the
service's reason beside the field with status 400 and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from khata.billing import services
from khata.billing.forms import apply_billing_errors
from khata.billing.models import BillingProfile, PaymentPromise, ReminderLevel
from khata.billing.policies import can_bill_client
from khata.billing.reminder_forms import BillingProfileForm, PromiseForm, ReminderLevelForm
from khata.billing.reminders import client_reminder_overview
from khata.billing.selectors import invoice_get_for
from khata.billing.services import may_set_reminders
from khata.clients.models import Contact
from khata.clients.selectors import client_visible_to
from khata.core.money import to_minor
from khata.people.decorators import signed_in_user
from khata.people.models import User
from khata.people.policies import is_staff_user

View = Callable[..., HttpResponse]
READERS = {User.Role.HEAD, User.Role.AM, User.Role.FINANCE}


def staff_page(view: View) -> View:
    """Anonymous → sign-in page; a client contact → 404; a specialist → 403."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_staff_user(request.user):
            raise Http404
        if signed_in_user(request).role not in READERS:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(guarded)


# ---------- reminder levels ----------


def _levels_page(request: HttpRequest, user: User, form: ReminderLevelForm, *, status: int) -> HttpResponse:
    context = {
        "levels": list(ReminderLevel.objects.order_by("days", "id")),
        "form": form,
        "can_edit": may_set_reminders(user),
    }
    return render(request, "billing/reminder_levels.html", context, status=status)


@staff_page
@require_http_methods(["GET", "POST"])
def reminder_levels(request: HttpRequest) -> HttpResponse:
    """The agency's reminder levels; the head and finance add one here."""
    user = signed_in_user(request)
    if request.method != "POST":
        return _levels_page(request, user, ReminderLevelForm(), status=200)
    if not may_set_reminders(user):
        raise PermissionDenied
    form = ReminderLevelForm(request.POST)
    if form.is_valid():
        try:
            level = services.reminder_level_create(by=user, **form.cleaned_data)
        except services.BillingError as error:
            apply_billing_errors(form, error)
        else:
            messages.success(request, _("The reminder %(name)s is added.") % {"name": level.label})
            return redirect("billing:reminder_levels")
    return _levels_page(request, user, form, status=400)


@staff_page
@require_http_methods(["GET", "POST"])
def reminder_level_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """One reminder level: its day, its name, and whether it is sent."""
    user = signed_in_user(request)
    if not may_set_reminders(user):
        raise PermissionDenied
    level = ReminderLevel.objects.filter(pk=pk).first()
    if level is None:
        raise Http404
    status = 200
    if request.method == "POST":
        form = ReminderLevelForm(request.POST)
        if form.is_valid():
            try:
                services.reminder_level_update(level=level, by=user, **form.cleaned_data)
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(request, _("The reminder %(name)s is saved.") % {"name": level.label})
                return redirect("billing:reminder_levels")
        status = 400
    else:
        form = ReminderLevelForm(initial=ReminderLevelForm.initial_for(level))
    return render(request, "billing/reminder_levels.html", {"form": form, "level": level}, status=status)


# ---------- a client's billing settings ----------


@staff_page
@require_http_methods(["GET", "POST"])
def client_settings(request: HttpRequest, client_pk: int) -> HttpResponse:
    """Whether the client's invoices need an accepted act, and whether its reminders are paused."""
    user = signed_in_user(request)
    client = client_visible_to(user).select_related("owner").filter(pk=client_pk).first()
    if client is None:
        raise Http404
    if not can_bill_client(user, client):
        raise PermissionDenied
    profile = BillingProfile.objects.filter(client=client).first() or BillingProfile(client=client)
    status = 200
    if request.method == "POST":
        form = BillingProfileForm(request.POST)
        if form.is_valid():
            try:
                services.billing_profile_update(client=client, by=user, **form.cleaned_data)
            except services.BillingError as error:
                apply_billing_errors(form, error)
            else:
                messages.success(request, _("The billing settings are saved."))
                return redirect("billing:client_settings", client_pk=client.pk)
        status = 400
    else:
        form = BillingProfileForm(
            initial={
                "requires_accepted_act": profile.requires_accepted_act,
                "reminders_paused": profile.reminders_paused,
            }
        )
    context = {
        "client": client,
        "form": form,
        "profile": profile,
        "overview": client_reminder_overview(client, today=timezone.localdate()),
    }
    return render(request, "billing/client_settings.html", context, status=status)


# ---------- promises to pay ----------


@staff_page
@require_POST
def promise_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a promise to pay from the invoice page; a refused one is shown again with its errors."""
    user = signed_in_user(request)
    invoice = invoice_get_for(user, pk)
    if not can_bill_client(user, invoice.client):
        raise PermissionDenied
    contacts = Contact.objects.filter(client_id=invoice.client_id).order_by("full_name", "id")
    form = PromiseForm(request.POST, contacts=contacts)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.promise_record(
                invoice=invoice,
                by=user,
                promised_on=data["promised_on"],
                amount_minor=to_minor(data["amount"], invoice.currency),
                contact=data["contact"],
                note=data["note"],
            )
        except services.BillingError as error:
            apply_billing_errors(form, error)
        else:
            messages.success(request, _("The promise to pay is recorded."))
            return redirect("billing:detail", pk=invoice.pk)
    return render(request, "billing/promises/form.html", {"invoice": invoice, "form": form}, status=400)


@staff_page
@require_POST
def promise_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a promise recorded by mistake or replaced by a new one."""
    user = signed_in_user(request)
    promise = PaymentPromise.objects.filter(pk=pk).first()
    if promise is None:
        raise Http404
    invoice = invoice_get_for(user, promise.invoice_id)
    if not can_bill_client(user, invoice.client):
        raise PermissionDenied
    try:
        services.promise_cancel(promise=promise, by=user)
    except services.BillingError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The promise to pay is cancelled."))
    return redirect("billing:detail", pk=invoice.pk)
