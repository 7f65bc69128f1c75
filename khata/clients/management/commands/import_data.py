"""``khata import clients FILE.csv``: import clients with their contacts, all or nothing."""

from __future__ import annotations

import sys
from argparse import RawDescriptionHelpFormatter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, DjangoHelpFormatter
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from khata.clients.transfer import (
    ACTION_LABELS,
    CSV_COLUMNS,
    MAX_BYTES,
    MAX_ROWS,
    REQUIRED_COLUMNS,
    clients_import,
)
from khata.people.models import User

EPILOG = gettext_lazy("""\
The file: UTF-8 CSV, comma-separated, a header row, one row per contact. The client columns
repeat on each of its contact rows; a client without contacts is one row with the contact
columns empty. At most %(megabytes)s MB and %(rows)s rows.

Columns (any order; required: %(required)s):
%(columns)s

  segment            small, mid, enterprise, public, nonprofit (or the label: Mid-market…)
  status             prospect, active, paused, churned
  owner_email        an account manager or the head of accounts who signs in to Khata
  tags               separated by ";"
  partnership_since  YYYY-MM-DD
  contact_language   en, hi, ru     contact_role  decision_maker, champion, payer,
  contact_influence  low, medium, high            approver, day_to_day, user
  contact_sentiment  positive, neutral, negative

A client is matched on its tax id, else its legal name (ignoring case); a contact within its
client on its email, else its name. An empty cell keeps the current value. Importing the same
file again changes nothing. A bad row stops the whole import: nothing is saved, and every bad
row is listed with its line number. An example file: docs/import-clients.csv.

Exit status: 0 when every row is good, 1 otherwise.
""")


class HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the column list kept as written."""


class Command(BaseCommand):
    help = gettext_noop("Import clients with their contacts from a CSV file: all rows or none.")

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        columns = (CSV_COLUMNS[:7], CSV_COLUMNS[7:13], CSV_COLUMNS[13:17], CSV_COLUMNS[17:])
        parser.epilog = str(EPILOG) % {
            "megabytes": MAX_BYTES // (1024 * 1024),
            "rows": f"{MAX_ROWS:,}",
            "required": ", ".join(REQUIRED_COLUMNS),
            "columns": ",\n".join("  " + ", ".join(part) for part in columns),
        }
        parser.description = _(self.help)
        parser.formatter_class = HelpFormatter
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["clients"], help=_("what the file holds: clients"))
        parser.add_argument("file", help=_('the CSV file ("-" reads standard input)'))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("check every row and report, but save nothing"),
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            metavar="EMAIL",
            help=_("record the changes as this account manager or head (default: the system)"),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        by = None
        if options["as_email"]:
            by = User.objects.filter(email__iexact=options["as_email"].strip()).first()
            if by is None:
                raise CommandError(_("No one signs in with %(email)s.") % {"email": options["as_email"]})
        data = self.read(options["file"])
        report = clients_import(data=data, by=by, dry_run=options["dry_run"])
        verbose = options["verbosity"] >= 1
        for row in report.rows:
            if row.errors:
                for error in row.errors:
                    self.stdout.write(self.style.ERROR(f"line {row.line}: {error}"))
            elif verbose:
                self.stdout.write(f"line {row.line}: {ACTION_LABELS[row.action]} · {row.client}")
        totals = _(
            "%(created)s new, %(updated)s updated, %(unchanged)s unchanged, %(failed)s with errors"
        ) % {
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "failed": report.failed,
        }
        self.stdout.write(_("Rows: %(totals)s.") % {"totals": totals})
        if not report.ok:
            raise CommandError(_("Nothing was imported: correct the rows above and run again."), returncode=1)
        if report.dry_run:
            self.stdout.write(self.style.SUCCESS(_("Dry run: every row is valid; nothing was saved.")))
        else:
            self.stdout.write(self.style.SUCCESS(_("Imported.")))

    def read(self, name: str) -> bytes:
        if name == "-":
            return sys.stdin.buffer.read()
        path = Path(name)
        if not path.is_file():
            raise CommandError(_("No such file: %(name)s") % {"name": name})
        if path.stat().st_size > MAX_BYTES:
            # The import says so too, but there is no need to read a huge file to find out.
            with path.open("rb") as file:
                return file.read(MAX_BYTES + 1)
        return path.read_bytes()
