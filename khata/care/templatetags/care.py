"""Template filters and tags of the claim pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.contrib.auth.models import AnonymousUser

from khata.care.analysis import can_view_analysis
from khata.care.configuration import can_configure_care
from khata.clients.selectors import client_scope
from khata.core.money import number_format
from khata.people.policies import AnyUser, is_staff_user

register = template.Library()


@register.filter
def sla_hours(minutes: int | None) -> str:
    """Working minutes as hours, without the sign: ``{{ clock.remaining_minutes|sla_hours }}`` → 2.5."""
    if minutes is None:
        return ""
    hours = (Decimal(abs(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(hours.normalize() if hours == hours.to_integral() else hours)


@register.inclusion_tag("care/_section_tabs.html", takes_context=True)
def care_tabs(context: template.Context, section: str) -> dict[str, object]:
    """The care pages one click apart, each shown only to who may open it: ``{% care_tabs "claims" %}``."""
    user: AnyUser = context.get("user") or AnonymousUser()
    return {
        "section": section,
        "surveys": client_scope(user) is not None and is_staff_user(user),
        "analysis": can_view_analysis(user),
        "settings": can_configure_care(user),
    }
