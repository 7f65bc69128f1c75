"""Writes of the API's own records: the tokens people call it with. Each leaves a timeline event."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_noop
from rest_framework.authtoken.models import Token

from khata.core.services import event_record
from khata.people.models import User


@transaction.atomic
def api_token_issue(*, user: User, by: User | None) -> tuple[Token, bool]:
    """The person's API token, created if they have none yet; ``True`` when it is new."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        event_record(
            kind="people.api_token_created",
            summary=gettext_noop("API token created for %(name)s"),
            params={"name": user.get_full_name()},
            by=by,
            subject=user,
        )
    return token, created


@transaction.atomic
def api_token_revoke(*, user: User, by: User | None) -> bool:
    """Delete the person's API token; calls made with it answer 401 from now on."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        event_record(
            kind="people.api_token_revoked",
            summary=gettext_noop("API token revoked for %(name)s"),
            params={"name": user.get_full_name()},
            by=by,
            subject=user,
        )
    return bool(deleted)
