from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from khata.people.policies import can_manage_accounts, is_contact_user, is_staff_user


def khata(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "agency_name": settings.KHATA_AGENCY_NAME,
        "is_staff_user": user is not None and is_staff_user(user),
        "is_contact_user": user is not None and is_contact_user(user),
        "can_manage_accounts": user is not None and can_manage_accounts(user),
    }
