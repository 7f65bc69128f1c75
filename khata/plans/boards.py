"""What the plans domain adds to the boards: the portal's "Plans to agree" section, and on the
staff Today board the plans waiting for the client and those waiting for the AM. Each card costs
two queries (a capped count and one page of rows) whatever the size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.core.boards import Card, Counter, capped_count, register_portal_section, register_today_card
from khata.people.models import User
from khata.people.policies import AnyUser
from khata.plans.selectors import (
    plans_to_agree_for,
    plans_waiting_for_client_for,
    plans_waiting_for_company_for,
)


def portal_plans_to_agree(contact: Any, *, limit: int = 10) -> Card:
    """Proposed plan versions of the contact's company that wait for the client side's approval."""
    versions, total, capped = plans_to_agree_for(contact.client_id, limit=limit)
    items = [
        {
            "title": version.project.name,
            "detail": _("Work plan, version %(number)s") % {"number": version.number},
            "url": reverse("portal:plan", args=[version.pk]),
            "action": _("Review the plan"),
        }
        for version in versions
    ]
    return Card(
        key="plans",
        title=gettext_lazy("Plans to agree"),
        template="portal/sections/list.html",
        items=items,
        total=total,
        capped=capped,
        empty=gettext_lazy("No work plan waits for your approval."),
    )


def _runs_plans(user: AnyUser) -> bool:
    return isinstance(user, User) and user.is_active and user.role in {User.Role.AM, User.Role.HEAD}


def _waiting_days(version: Any, today: dt.date) -> int:
    since = version.proposed_at or version.created_at
    return max((today - timezone.localdate(since)).days, 0)


def _plans_card(
    versions: Any, *, key: str, title: Any, empty: Any, label: Any, tone: str, today: dt.date, limit: int
) -> Card:
    """A Today card of plan versions, each with the days it has waited, the longest first."""
    total, capped = capped_count(versions)
    rows = list(versions[:limit])
    for version in rows:
        version.days_waiting = _waiting_days(version, today)
    return Card(
        key=key,
        title=title,
        template="plans/cards/plans.html",
        items=rows,
        total=total,
        capped=capped,
        empty=empty,
        counters=[Counter(label=label, value=total, capped=capped, tone=tone if total else "")],
        more_url=reverse("plans:list"),
    )


def today_plans_waiting_for_client(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Proposed plans of the AM's projects the client has not answered yet, the longest waiting first."""
    if not _runs_plans(user):
        return None
    return _plans_card(
        plans_waiting_for_client_for(user),
        key="plans.waiting_for_client",
        title=gettext_lazy("Plans waiting for the client"),
        empty=gettext_lazy("No proposed plan waits for a client."),
        label=gettext_lazy("plans with clients"),
        tone="",
        today=today,
        limit=limit,
    )


def today_plans_waiting_for_you(user: AnyUser, *, today: dt.date, limit: int) -> Card | None:
    """Proposed plans the client has answered or approved and the company side has not approved."""
    if not _runs_plans(user):
        return None
    return _plans_card(
        plans_waiting_for_company_for(user),
        key="plans.waiting_for_you",
        title=gettext_lazy("Plans waiting for you"),
        empty=gettext_lazy("No client's answer waits for you."),
        label=gettext_lazy("answered by clients"),
        tone="warn",
        today=today,
        limit=limit,
    )


def register_boards() -> None:
    register_portal_section("plans", portal_plans_to_agree, order=10)
    register_today_card("plans.waiting_for_you", today_plans_waiting_for_you, order=10)
    register_today_card("plans.waiting_for_client", today_plans_waiting_for_client, order=20)
