"""``khata token create EMAIL`` prints a person's API token; ``khata token revoke EMAIL`` deletes it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from khata.api.services import api_token_issue, api_token_revoke
from khata.people.models import User


class Command(BaseCommand):
    help = "Create (or show) or revoke the API token of a person, by email."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("action", choices=["create", "revoke"])
        parser.add_argument("email")

    def handle(self, *args: Any, **options: Any) -> None:
        email = str(options["email"]).strip()
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(_("No one signs in with %(email)s.") % {"email": email})
        if options["action"] == "create":
            if not user.is_active:
                raise CommandError(
                    _("%(email)s is deactivated; reactivate the account first.") % {"email": email}
                )
            token, created = api_token_issue(user=user, by=None)
            self.stdout.write(token.key)
            if created:
                self.stderr.write(
                    _("New token for %(email)s; send it as the header 'Authorization: Token <token>'.")
                    % {"email": email}
                )
            return
        if api_token_revoke(user=user, by=None):
            self.stdout.write(_("Token of %(email)s revoked.") % {"email": email})
        else:
            self.stdout.write(_("%(email)s had no token.") % {"email": email})
