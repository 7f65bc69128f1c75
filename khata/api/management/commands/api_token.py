"""``khata token create EMAIL`` prints a person's API token; ``khata token revoke EMAIL`` deletes it."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

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
            raise CommandError(f"No one signs in with {email}.")
        if options["action"] == "create":
            if not user.is_active:
                raise CommandError(f"{email} is deactivated; reactivate the account first.")
            token, created = api_token_issue(user=user, by=None)
            self.stdout.write(token.key)
            if created:
                self.stderr.write(
                    f"New token for {email}; send it as the header 'Authorization: Token <token>'."
                )
            return
        if api_token_revoke(user=user, by=None):
            self.stdout.write(f"Token of {email} revoked.")
        else:
            self.stdout.write(f"{email} had no token.")
