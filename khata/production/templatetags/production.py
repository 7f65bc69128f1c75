"""Time on tasks is kept in integer minutes and shown in hours."""

from __future__ import annotations

from decimal import Decimal

from django import template

from khata.core.money import number_format

register = template.Library()


def _hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.01")).normalize() + Decimal(0)


@register.filter
def hours(minutes: int | None) -> str:
    """``{{ log.minutes|hours }}`` → 1.5 (hours, in the UI language's conventions)."""
    if minutes is None:
        return ""
    return number_format(_hours(minutes))


@register.filter
def signed_hours(minutes: int | None) -> str:
    """A difference in hours with its sign: +2.5, −1, 0."""
    if not minutes:
        return "0"
    sign = "+" if minutes > 0 else "−"
    return sign + number_format(_hours(abs(minutes)))
