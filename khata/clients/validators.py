"""Checks of identifiers that have a published rule: tax ids (stdnum) and phone numbers."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import get_cc_module
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError as StdnumError

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)


def tax_id_clean(tax_id: str, country: str) -> str:
    """The tax id in its compact form, checked by the country's rule where stdnum knows one.

    India: GSTIN (15 characters with a check digit). EU: the VAT number with its country prefix.
    Elsewhere the country's VAT module when there is one; otherwise the value is kept as typed.
    """
    tax_id = tax_id.strip()
    if not tax_id:
        return ""
    country = country.upper()
    module = None
    if country == "IN":
        module = get_cc_module("in", "gstin")
    elif country in EU_COUNTRIES:
        module = eu_vat
        if not tax_id[:2].isalpha():
            tax_id = ("EL" if country == "GR" else country) + tax_id
    else:
        module = get_cc_module(country.lower(), "vat")
    if module is None:
        return tax_id.upper()
    try:
        return str(module.validate(tax_id))
    except StdnumError as error:
        raise ValidationError(
            _("%(value)s is not a valid tax id for %(country)s: %(reason)s"),
            code="invalid_tax_id",
            params={"value": tax_id, "country": country, "reason": str(error)},
        ) from error


def phone_clean(phone: str, country: str = "IN") -> str:
    """The phone number in E.164 form (+919812345678), or a clear error."""
    phone = phone.strip()
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, country.upper() or None)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(
            _("%(value)s is not a phone number."), code="invalid_phone", params={"value": phone}
        ) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(
            _("%(value)s is not a valid phone number."), code="invalid_phone", params={"value": phone}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
