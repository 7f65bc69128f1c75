from __future__ import annotations

import contextlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from khata.clients.policies import can_edit_client
from khata.clients.selectors import interaction_get_for
from khata.clients.services import ClientError, next_step_complete
from khata.core.forms import apply_service_errors
from khata.insights.forms import HealthWeightsForm
from khata.insights.health import health_weights_get
from khata.insights.selectors import today_board_for
from khata.insights.services import health_weights_update
from khata.people.decorators import signed_in_user, staff_required
from khata.people.policies import is_contact_user, is_staff_user


@require_GET
@login_required
def today(request: HttpRequest) -> HttpResponse:
    """The Today board; a client contact lands on the portal instead."""
    if is_contact_user(request.user):
        return redirect("portal:home")
    if not is_staff_user(request.user):
        raise Http404
    board = today_board_for(request.user, today=timezone.localdate())
    return render(request, "insights/today.html", {"board": board, "today": timezone.localdate()})


@require_POST
@staff_required
def next_step_done(request: HttpRequest, pk: int) -> HttpResponse:
    """One click from the board: the next step is done and leaves the board."""
    user = signed_in_user(request)
    interaction = interaction_get_for(user, pk)
    if not can_edit_client(user, interaction.client):
        raise PermissionDenied
    # Done already (a second click, another tab): the board shows it done either way.
    with contextlib.suppress(ClientError):
        interaction = next_step_complete(interaction=interaction, by=user)
    if request.headers.get("HX-Request"):
        return render(request, "insights/cards/step_done.html", {"interaction": interaction})
    messages.success(request, _("Next step done: %(step)s") % {"step": interaction.next_step})
    return redirect("insights:today")


@staff_required
@require_http_methods(["GET", "POST"])
def health_settings(request: HttpRequest) -> HttpResponse:
    """The head sets how much each factor may take off a client's health and where the bands turn."""
    user = signed_in_user(request)
    if not user.is_head:
        raise PermissionDenied
    weights = health_weights_get()
    if request.method == "GET":
        return _health_page(request, HealthWeightsForm(weights=weights))
    form = HealthWeightsForm(request.POST, weights=weights)
    if form.is_valid():
        try:
            health_weights_update(by=user, **form.values())
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("Health settings saved. Scores follow them from the next daily snapshot on.")
            )
            return redirect("insights:health_settings")
    return _health_page(request, form, status=400)


def _health_page(request: HttpRequest, form: HealthWeightsForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "insights/health/settings.html",
        {"form": form},
        status=status,
    )
