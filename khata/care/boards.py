"""Care on the staff Today board: the open claims whose SLA clock runs out first, with how many are
already late, so the AM acts before a breach and the head sees every breach.

The AM's card lists the open claims by their running clock (a near breach shows there); the head's
card lists only the claims past their SLA, the ones escalated to the head (``care.escalation``)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, F, Q, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.care.selectors import claim_list_for, claim_rows
from khata.core.boards import Card, Counter, capped_count, register_today_card
from khata.core.calendar import working_calendar
from khata.people.models import User
from khata.people.policies import AnyUser

# The agency is working on these: the clock that matters is running.
WORKING = ("new", "acknowledged", "in_progress")


def claims_card(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Open claims by the due time of their running clock (first response, then resolution)."""
    if not (isinstance(user, User) and user.is_active and user.role in {User.Role.HEAD, User.Role.AM}):
        return None
    now = timezone.now()
    working = claim_list_for(user).filter(status__in=WORKING)
    late = working.filter(
        Q(status="new", first_response_due__lt=now)
        | Q(status__in=["acknowledged", "in_progress"], resolution_due__lt=now)
    )
    total, capped = capped_count(working)
    late_total, late_capped = capped_count(late)
    head = user.role == User.Role.HEAD
    listed = late if head else working
    rows = list(
        listed.annotate(
            clock_due=Case(When(status="new", then=F("first_response_due")), default=F("resolution_due"))
        ).order_by("clock_due", "id")[:limit]
    )
    return Card(
        key="care.claims",
        title=_("Claims past their SLA") if head else _("Claims"),
        template="care/cards/claims.html",
        items=claim_rows(rows, calendar=working_calendar(), now=now) if rows else [],
        total=late_total if head else total,
        capped=late_capped if head else capped,
        empty=_("No claim is past its SLA.") if head else _("No open claims."),
        counters=[
            Counter(label=_("open claims"), value=total, capped=capped),
            Counter(
                label=_("past their SLA"),
                value=late_total,
                capped=late_capped,
                tone="danger" if late_total else "",
            ),
        ],
        more_url=reverse("care:list"),
    )


def register_boards() -> None:
    """Called once from ``CareConfig.ready()``."""
    register_today_card("care.claims", claims_card, order=20)
