"""The agency's own details: read by every document it prints, edited by the head.

One row (``Agency``, id 1). ``agency_get`` creates it from the settings the first time it is asked,
so a fresh installation prints a letterhead with at least the agency's name. ``agency_update`` is the
only write: it checks the accent colour and the logo (a PNG or JPEG judged by its content) before it
changes anything, and leaves a timeline event.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from khata.core.models import Agency
from khata.core.services import event_record
from khata.core.uploads import upload_check

if TYPE_CHECKING:
    from khata.people.models import User

COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
LOGO_KINDS = frozenset({"png", "jpeg"})
LOGO_MAX_BYTES = 2 * 1024 * 1024
# The fields the head edits as text; the logo and its removal come separately.
TEXT_FIELDS = (
    "name",
    "legal_name",
    "address",
    "tax_id",
    "registration_number",
    "bank_details",
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


@transaction.atomic
def agency_update(*, by: User, logo: Any = None, logo_remove: bool = False, **fields: Any) -> Agency:
    """Change the agency's details; a bad colour or logo changes nothing."""
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
