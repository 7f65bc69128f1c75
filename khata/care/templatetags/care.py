"""Template filters of the claim pages."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django import template

from khata.core.money import number_format

register = template.Library()


@register.filter
def sla_hours(minutes: int | None) -> str:
    """Working minutes as hours, without the sign: ``{{ clock.remaining_minutes|sla_hours }}`` → 2.5."""
    if minutes is None:
        return ""
    hours = (Decimal(abs(minutes)) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return number_format(hours.normalize() if hours == hours.to_integral() else hours)
