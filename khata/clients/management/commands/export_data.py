"""``khata export clients``: the client list with its contacts as CSV, ready to import again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Client
from khata.clients.selectors import client_list_for
from khata.clients.transfer import clients_export
from khata.people.models import User


class Command(BaseCommand):
    help = gettext_noop(
        "Write clients with their contacts as CSV (the columns `khata import clients` reads), "
        "one row per contact, to standard output or a file."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.description = _(self.help)
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["clients"], help=_("what to export: clients"))
        parser.add_argument(
            "--status",
            choices=Client.Status.values,
            action="append",
            help=_("only clients with this status (repeat for several)"),
        )
        parser.add_argument("--owner", metavar="EMAIL", help=_("only clients owned by this account manager"))
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help=_("only the clients this person may see (default: every client)"),
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            help=_("write to this file (UTF-8 with a byte-order mark, for spreadsheets)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clients: QuerySet[Client] = Client.objects.all()
        if options["as_email"]:
            clients = client_list_for(self.person(options["as_email"]))
        if options["status"]:
            clients = clients.filter(status__in=options["status"])
        if options["owner"]:
            clients = clients.filter(owner=self.person(options["owner"]))
        if not options["output"]:
            clients_export(clients=clients, out=self.stdout)
            return
        try:
            # The byte-order mark makes spreadsheet programs read the file as UTF-8.
            with open(options["output"], "w", encoding="utf-8-sig", newline="") as file:
                written = clients_export(clients=clients, out=file)
        except OSError as error:
            raise CommandError(
                _("Cannot write %(name)s: %(reason)s") % {"name": options["output"], "reason": error.strerror}
            ) from error
        self.stderr.write(
            _("%(rows)s rows written to %(name)s.") % {"rows": written, "name": options["output"]},
            style_func=lambda text: text,
        )

    def person(self, email: str) -> User:
        user = User.objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(_("No one signs in with %(email)s.") % {"email": email})
        return user
