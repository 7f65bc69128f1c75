"""Every read of claims that depends on who asks.

``claim_visible_to`` scopes by the asking user the same way ``policies.can_view_claim`` decides for
one claim; a missing claim and one the user may not see both answer 404.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.http import Http404

from khata.care.models import Claim, ClaimAttachment, CorrectiveAction, Goodwill, Survey, SurveyAnswer
from khata.care.services import ClaimSla, SlaClock, claim_sla
from khata.clients.models import Client
from khata.clients.selectors import client_scope
from khata.core.calendar import WorkingCalendar, working_calendar
from khata.core.models import Event
from khata.people.models import User
from khata.people.policies import AnyUser


def claim_visible_to(user: AnyUser) -> QuerySet[Claim]:
    if not isinstance(user, User) or not user.is_active:
        return Claim.objects.none()
    if user.role == User.Role.AM:
        return Claim.objects.filter(Q(client__owner=user) | Q(client__backup=user) | Q(owner=user))
    if user.role == User.Role.SPECIALIST:
        acting = CorrectiveAction.objects.filter(owner=user).values("claim_id")
        return Claim.objects.filter(Q(responsible=user) | Q(pk__in=acting))
    scope = client_scope(user)
    if scope is None:
        return Claim.objects.none()
    if not scope:
        return Claim.objects.all()
    return Claim.objects.filter(client__in=Client.objects.filter(scope))


def claim_list_for(user: AnyUser) -> QuerySet[Claim]:
    """The claims this user may see, newest first, ready for a list page (no N+1)."""
    return claim_visible_to(user).select_related("client", "reason", "owner", "root_cause", "project")


def claim_get_for(user: AnyUser, pk: int | str) -> Claim:
    """One claim this user may see, or 404 (the same for missing and not yours)."""
    try:
        return (
            claim_list_for(user)
            .select_related("task", "document", "invoice", "responsible", "contact")
            .get(pk=pk)
        )
    except (Claim.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such claim.") from error


def claim_attachment_get_for(user: AnyUser, pk: int | str) -> ClaimAttachment:
    """A file of a claim the user may see (staff by their scope, a contact its own company's), or 404."""
    try:
        return ClaimAttachment.objects.get(pk=pk, claim__in=claim_visible_to(user))
    except (ClaimAttachment.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such file.") from error


def claim_open_for(user: AnyUser) -> QuerySet[Claim]:
    """The open claims this user may see, the one whose resolution is due first on top."""
    return claim_list_for(user).filter(status__in=sorted(Claim.OPEN)).order_by("resolution_due", "id")


@dataclass
class ClaimPage:
    """A claim with everything its page shows, read in a fixed number of queries."""

    claim: Claim
    sla: ClaimSla
    actions: list[CorrectiveAction]
    goodwill: list[Goodwill]
    attachments: list[ClaimAttachment]
    events: list[Event]


CLAIM_PAGE_EVENTS = 100


def claim_page_for(user: AnyUser, pk: int | str, *, now: dt.datetime | None = None) -> ClaimPage:
    """One claim the user may see, with its SLA clocks, actions, goodwill, files and history."""
    claim = claim_get_for(user, pk)
    events = list(
        Event.objects.filter(
            client_id=claim.client_id,
            subject_type=ContentType.objects.get_for_model(Claim),
            subject_id=claim.pk,
        )
        .select_related("actor")
        .order_by("-at", "-id")[:CLAIM_PAGE_EVENTS]
    )
    actions = list(claim.actions.select_related("owner").order_by("created_at", "id"))
    for action in actions:
        action.claim = claim  # the policies read the claim's client: no query per action
    return ClaimPage(
        claim=claim,
        sla=claim_sla(claim, now=now, calendar=working_calendar()),
        actions=actions,
        goodwill=list(claim.goodwill.select_related("recorded_by").order_by("at", "id")),
        attachments=list(claim.attachments.select_related("uploaded_by").order_by("created_at", "id")),
        events=events,
    )


@dataclass
class ClaimRow:
    """A claim in a list with the clock that matters now: the first response until it is given,
    then the resolution."""

    claim: Claim
    clock: SlaClock


def claim_rows(
    claims: Sequence[Claim], *, calendar: WorkingCalendar, now: dt.datetime | None = None
) -> list[ClaimRow]:
    """The list's rows with their SLA clocks, from one calendar read (no query per row)."""
    rows = []
    for claim in claims:
        sla = claim_sla(claim, now=now, calendar=calendar)
        rows.append(
            ClaimRow(claim=claim, clock=sla.first_response if sla.first_response.running else sla.resolution)
        )
    return rows


def corrective_action_list_for(user: AnyUser) -> QuerySet[CorrectiveAction]:
    """The corrective actions of the claims this user may see, with their claim (no N+1)."""
    return CorrectiveAction.objects.filter(claim__in=claim_visible_to(user)).select_related(
        "claim__client", "owner"
    )


def corrective_action_get_for(user: AnyUser, pk: int | str) -> CorrectiveAction:
    """One corrective action of a claim this user may see, or 404."""
    try:
        return corrective_action_list_for(user).get(pk=pk)
    except (CorrectiveAction.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such corrective action.") from error


def goodwill_list_for(user: AnyUser) -> QuerySet[Goodwill]:
    """The goodwill given on the claims this user may see (the agency's ledger: staff only)."""
    if not isinstance(user, User) or not user.is_agency_staff:
        return Goodwill.objects.none()
    return Goodwill.objects.filter(claim__in=claim_visible_to(user)).select_related(
        "claim__client", "recorded_by"
    )


def survey_list_for(user: AnyUser) -> QuerySet[Survey]:
    """The surveys this user may see: staff by their clients, a contact only the ones sent to it."""
    if not isinstance(user, User) or not user.is_active:
        return Survey.objects.none()
    if user.role == User.Role.CONTACT:
        surveys = Survey.objects.filter(contact__user=user, contact__portal_access=True)
    else:
        scope = client_scope(user)
        if scope is None:
            return Survey.objects.none()
        surveys = (
            Survey.objects.filter(client__in=Client.objects.filter(scope)) if scope else Survey.objects.all()
        )
    return surveys.select_related(
        "client", "contact", "answer", "answer__follow_up_task", "follow_up", "claim", "document"
    )


def survey_answer_list_for(user: AnyUser) -> QuerySet[SurveyAnswer]:
    """The answers of the surveys this user may see."""
    return SurveyAnswer.objects.filter(survey__in=survey_list_for(user).values("pk")).select_related(
        "survey__client", "survey__contact"
    )
