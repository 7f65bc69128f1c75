"""The agency's own details: read by every document it prints, edited by the head.

One row (``Agency``, id 1). ``agency_get`` creates it from the settings the first time it is asked,
so a fresh installation prints a letterhead with at least the agency's name. ``agency_update`` is the
only write: it checks the accent colour, the logo (a PNG or JPEG judged by its content), the country
(ISO 3166 alpha-2), the bank account (an IBAN by its check digits, an IFSC or a BIC by their format),
the time zone and the working calendar before it changes anything, and leaves a timeline event.
``holiday_add`` and ``holiday_remove`` keep the agency's days off.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop
from stdnum import bic, iban
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

from khata.core.models import Agency, Holiday
from khata.core.services import event_record
from khata.core.uploads import upload_check

if TYPE_CHECKING:
    from khata.people.models import User

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
LOGO_KINDS = frozenset({"png", "jpeg"})
LOGO_MAX_BYTES = 2 * 1024 * 1024
IFSC = re.compile(r"^[A-Z]{4}0[A-Z0-9]{6}$")
ACCOUNT_NUMBER = re.compile(r"^[0-9][0-9 -]{4,32}[0-9]$")
# Codes Babel names that are not countries: the EU, the euro area, the UN, "unknown", test codes.
NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "ZZ", "QO", "XA", "XB"})
# The fields the head edits as text; the logo and its removal come separately.
TEXT_FIELDS = (
    "name",
    "legal_name",
    "address",
    "tax_id",
    "registration_number",
    "bank_details",
    "country",
    "bank_name",
    "bank_account_name",
    "bank_account_number",
    "bank_code",
    "time_zone",
    "working_days",
    "work_starts",
    "work_ends",
    "email",
    "phone",
    "website",
    "accent_colour",
    "document_footer",
    "terms",
)


def agency_get(request: HttpRequest | None = None) -> Agency:
    """The agency's details (kept on the request once read); made from the settings if missing."""
    cached = getattr(request, "_khata_agency", None) if request is not None else None
    if isinstance(cached, Agency):
        return cached
    agency, _created = Agency.objects.get_or_create(
        id=Agency.SINGLETON, defaults={"name": settings.KHATA_AGENCY_NAME}
    )
    if request is not None:
        request._khata_agency = agency  # type: ignore[attr-defined]
    return agency


def colour_check(value: str) -> str:
    """An accent colour as ``#RRGGBB`` (upper case), or a ValidationError saying what is expected."""
    value = (value or "").strip()
    if not COLOUR.match(value):
        raise ValidationError(
            gettext("Give the colour as # and six hexadecimal digits, for example #1F4E79."), code="colour"
        )
    return value.upper()


@functools.cache
def country_codes() -> frozenset[str]:
    """The ISO 3166-1 alpha-2 codes of countries and territories (Babel's list, without groupings)."""
    from babel import Locale

    return frozenset(
        str(code)
        for code in Locale("en").territories
        if len(str(code)) == 2 and str(code).isalpha() and str(code) not in NOT_COUNTRIES
    )


def country_check(value: str) -> str:
    """A country as its two-letter ISO code (upper case), or a ValidationError."""
    code = (value or "").strip().upper()
    if code not in country_codes():
        raise ValidationError(
            gettext("Give the country as its two-letter ISO code, such as IN or DE."), code="country"
        )
    return code


def account_number_check(value: str) -> str:
    """An IBAN (checked, stored without spaces) or a plain account number of digits."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    compact = re.sub(r"[\s-]", "", value)
    if compact[:2].isalpha():
        try:
            return str(iban.validate(compact))
        except InvalidChecksum:
            reason = gettext("its check digits are wrong")
        except InvalidLength:
            reason = gettext("it has the wrong length for its country")
        except StdnumError:
            reason = gettext("it is not an IBAN of a known country")
        raise ValidationError(
            gettext("This IBAN is not valid: %(reason)s.") % {"reason": reason}, code="iban"
        )
    if not ACCOUNT_NUMBER.match(value):
        raise ValidationError(
            gettext(
                "Give the account number as 6 to 34 digits, or an IBAN such as DE89 3704 0044 0532 0130 00."
            ),
            code="account",
        )
    return compact


def bank_code_check(value: str, *, account: str = "") -> str:
    """An IFSC (Indian bank branch) or a BIC (SWIFT code); with an IBAN only a BIC fits."""
    code = re.sub(r"\s", "", value or "").upper()
    if not code:
        return ""
    is_iban = bool(account) and account[:2].isalpha()
    if IFSC.match(code) and not is_iban:
        return code
    if bic.is_valid(code):
        return str(bic.compact(code))
    if is_iban:
        message = gettext("Give the bank's BIC: 8 or 11 letters and digits, such as DEUTDEFF500.")
    else:
        message = gettext(
            "Give an IFSC (four letters, a zero and six letters or digits, such as HDFC0000123) "
            "or a BIC (8 or 11 characters, such as DEUTDEFF500)."
        )
    raise ValidationError(message, code="bank_code")


def time_zone_check(value: str) -> str:
    """A time zone name of the IANA database (Asia/Kolkata, Europe/Berlin), or a ValidationError."""
    name = (value or "").strip()
    if name in zoneinfo.available_timezones():
        return name
    raise ValidationError(
        gettext("Choose a time zone from the list, such as Asia/Kolkata."), code="time_zone"
    )


def working_days_check(value: Any) -> str:
    """Working days as stored ("0,1,2,3,4", Monday is 0) from a list or that text."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    try:
        days = sorted({int(str(item).strip()) for item in items if str(item).strip()})
    except ValueError:
        days = [-1]
    if not days or days[0] < 0 or days[-1] > 6:
        raise ValidationError(gettext("Choose at least one working day."), code="working_days")
    return ",".join(str(day) for day in days)


def working_days_of(agency: Agency) -> list[int]:
    """The agency's working days as numbers, Monday 0 to Sunday 6."""
    return [int(day) for day in agency.working_days.split(",") if day.strip().isdigit()]


def _calendar_errors(fields: dict[str, Any], agency: Agency, errors: dict[str, list[str]]) -> None:
    """Check and normalise the country, bank and calendar fields in place; collect what is wrong."""
    checks = {
        "country": country_check,
        "time_zone": time_zone_check,
        "working_days": working_days_check,
        "bank_account_number": account_number_check,
    }
    for name, check in checks.items():
        if name in fields:
            try:
                fields[name] = check(fields[name])
            except ValidationError as error:
                errors[name] = error.messages
    if "bank_code" in fields:
        # A refused account number says so itself: the code is then checked on its own.
        account = (
            ""
            if "bank_account_number" in errors
            else fields.get("bank_account_number", agency.bank_account_number)
        )
        try:
            fields["bank_code"] = bank_code_check(fields["bank_code"], account=str(account or ""))
        except ValidationError as error:
            errors["bank_code"] = error.messages
    for name in ("bank_name", "bank_account_name"):
        if name in fields:
            fields[name] = str(fields[name] or "").strip()
    starts = fields.get("work_starts", agency.work_starts)
    ends = fields.get("work_ends", agency.work_ends)
    for name, value in (("work_starts", starts), ("work_ends", ends)):
        if not isinstance(value, dt.time):
            errors[name] = [gettext("Give the time as hours and minutes, such as 09:30.")]
    if isinstance(starts, dt.time) and isinstance(ends, dt.time) and ends <= starts:
        errors["work_ends"] = [gettext("The working day ends after it starts.")]


@transaction.atomic
def agency_update(*, by: User, logo: Any = None, logo_remove: bool = False, **fields: Any) -> Agency:
    """Change the agency's details; a bad colour, logo, country, bank account or calendar changes nothing."""
    unknown = set(fields) - set(TEXT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown agency fields: {sorted(unknown)}")
    errors: dict[str, list[str]] = {}
    if "accent_colour" in fields:
        try:
            fields["accent_colour"] = colour_check(fields["accent_colour"])
        except ValidationError as error:
            errors["accent_colour"] = error.messages
    if "name" in fields and not str(fields["name"] or "").strip():
        errors["name"] = [gettext("The agency needs a name.")]
    _calendar_errors(fields, agency_get(), errors)
    info = None
    if logo is not None:
        try:
            info = upload_check(logo, max_bytes=LOGO_MAX_BYTES, allowed=LOGO_KINDS)
        except ValidationError as error:
            errors["logo"] = error.messages
    if errors:
        raise ValidationError(errors)

    agency = Agency.objects.select_for_update().get(pk=agency_get().pk)
    changed = [name for name, value in fields.items() if getattr(agency, name) != value]
    for name in changed:
        setattr(agency, name, fields[name])
    if info is not None:
        logo.seek(0)
        agency.logo.save(f"logo-{info.sha256[:16]}.{info.extension}", logo, save=False)
        agency.logo_content_type = info.content_type
        changed.append("logo")
    elif logo_remove and agency.logo:
        agency.logo = ""
        agency.logo_content_type = ""
        changed.append("logo")
    if not changed:
        return agency
    agency.save()
    event_record(
        kind="agency.updated",
        summary=gettext_noop("The agency's details changed: %(fields)s"),
        params={"fields": ", ".join(changed)},
        by=by,
        subject=agency,
    )
    return agency


@transaction.atomic
def holiday_add(*, by: User, date: dt.date, name: str) -> Holiday:
    """A day the agency does not work; a day that is already a holiday is refused."""
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not isinstance(date, dt.date):
        errors["date"] = [gettext("Give the holiday's date.")]
    elif Holiday.objects.filter(date=date).exists():
        errors["date"] = [gettext("This day is already a holiday.")]
    if not name:
        errors["name"] = [gettext("Name the holiday.")]
    elif len(name) > 120:
        errors["name"] = [gettext("Keep the name under 120 characters.")]
    if errors:
        raise ValidationError(errors)
    holiday = Holiday.objects.create(date=date, name=name)
    event_record(
        kind="agency.holiday_added",
        summary=gettext_noop("Holiday added: %(name)s on %(date)s"),
        params={"name": name, "date": date.isoformat()},
        by=by,
        subject=holiday,
    )
    return holiday


@transaction.atomic
def holiday_remove(*, by: User, holiday: Holiday) -> None:
    """The day becomes a working day again (when it falls on one)."""
    name, date = holiday.name, holiday.date
    event_record(
        kind="agency.holiday_removed",
        summary=gettext_noop("Holiday removed: %(name)s on %(date)s"),
        params={"name": name, "date": date.isoformat()},
        by=by,
        subject=agency_get(),
    )
    holiday.delete()
