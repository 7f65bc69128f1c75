"""Every write of people. Each is atomic and leaves a timeline event."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.core.services import event_record
from khata.people.models import User


class PeopleError(ValidationError):
    """A write about a person that breaks a rule; carries field errors like a form."""


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


@transaction.atomic
def user_language_set(*, user: User, language: str) -> User:
    """Remember the language a person picked; an empty one means "follow the browser"."""
    if language and language not in language_codes():
        raise PeopleError({"language": [_("Unknown language: %(code)s.") % {"code": language}]})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.language == language:
        return user
    previous = user.language
    user.language = language
    user.save(update_fields=["language"])
    event_record(
        kind="people.language_changed",
        summary=gettext_noop("%(name)s chose the language %(code)s"),
        params={"name": user.get_full_name(), "code": language or "auto"},
        by=user,
        subject=user,
        data={"from": previous, "to": language},
    )
    return user
