from __future__ import annotations

from decimal import Decimal

from django import template

from khata.core.money import money_format, number_format

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """``{{ invoice.total_minor|money:invoice.currency }}`` → ₹1,23,45,678.50."""
    if minor is None:
        return ""
    return money_format(minor, currency)


@register.filter
def number(value: int | Decimal | None) -> str:
    """``{{ count|number }}`` → 1,23,456 in the UI language's conventions."""
    if value is None:
        return ""
    return number_format(value)
