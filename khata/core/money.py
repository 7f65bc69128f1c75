"""Money at the edges: integer minor units inside, ``Decimal`` in Python, Babel for people."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.numbers import NumberPattern, format_decimal, get_currency_precision
from django.conf import settings
from django.utils import translation


def number_locale(language: str | None = None) -> str:
    """The Babel locale for numbers in a UI language (en → en_IN: ₹1,23,45,678.50)."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    locales: dict[str, str] = settings.KHATA_NUMBER_LOCALES
    return locales.get(language, "en_IN")


def to_minor(amount: Decimal, currency: str) -> int:
    """Decimal amount → integer minor units (paise, cents), rounding half up."""
    exponent = get_currency_precision(currency)
    quantum = Decimal(1).scaleb(-exponent)
    return int(amount.quantize(quantum, rounding=ROUND_HALF_UP).scaleb(exponent))


def from_minor(minor: int, currency: str) -> Decimal:
    """Integer minor units → Decimal amount."""
    return Decimal(minor).scaleb(-get_currency_precision(currency))


@cache
def _currency_pattern(locale_name: str) -> tuple[Locale, NumberPattern]:
    """Babel's locale and standard currency pattern, parsed once per locale rather than once per sum (a
    report page formats thousands of sums; the lookup was half their cost)."""
    locale = Locale.parse(locale_name)
    return locale, locale.currency_formats["standard"]


def money_format(minor: int, currency: str, language: str | None = None) -> str:
    """A sum for people, in the UI language's conventions: ₹1,23,45,678.50 (Babel's ``format_currency``)."""
    locale, pattern = _currency_pattern(number_locale(language))
    return str(pattern.apply(from_minor(minor, currency), locale, currency=currency))


def number_format(value: int | Decimal, language: str | None = None) -> str:
    """A plain number in the UI language's conventions: 1,23,456."""
    return format_decimal(value, locale=number_locale(language))
