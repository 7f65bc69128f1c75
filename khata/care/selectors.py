"""Every read of claims that depends on who asks.

``claim_visible_to`` scopes by the asking user the same way ``policies.can_view_claim`` decides for
one claim; a missing claim and one the user may not see both answer 404.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from khata.care.models import Claim, CorrectiveAction
from khata.clients.models import Client
from khata.clients.selectors import client_scope
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


def claim_open_for(user: AnyUser) -> QuerySet[Claim]:
    """The open claims this user may see, the one whose resolution is due first on top."""
    return claim_list_for(user).filter(status__in=sorted(Claim.OPEN)).order_by("resolution_due", "id")
