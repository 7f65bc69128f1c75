"""What the plans domain adds to the boards: the portal's "Plans to agree" section."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from khata.core.boards import Card, register_portal_section
from khata.plans.selectors import plans_to_agree_for


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


def register_boards() -> None:
    register_portal_section("plans", portal_plans_to_agree, order=10)
