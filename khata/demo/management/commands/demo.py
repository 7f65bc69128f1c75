"""``khata demo``: load the demo agency into an empty database and print its sign-ins."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from khata.demo.agency import DEMO_PASSWORD, DemoLogin, demo_agency_create, demo_has_data, demo_logins


class Command(BaseCommand):
    help = "Load the demo agency (people, ~40 clients, 18 months of history) into an empty database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (but print the demo sign-ins) when the database already has clients.",
        )
        parser.add_argument("--seed", type=int, default=2026, help="Seed of the story (default 2026).")

    def handle(self, *args: Any, **options: Any) -> None:
        if demo_has_data():
            if options["if_empty"]:
                self.stdout.write("The database already has data; the demo agency was not loaded.")
                self._print_logins(demo_logins())
                return
            raise CommandError(
                "The database already has clients or demo users. The demo agency loads only into an "
                "empty database: point KHATA_DATA_DIR or DATABASE_URL at a new one."
            )
        started = time.perf_counter()
        agency = demo_agency_create(seed=options["seed"])
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo agency loaded in {time.perf_counter() - started:.1f} s: {agency.clients} clients, "
                f"{agency.contacts} contacts, {agency.interactions} interactions, "
                f"{agency.projects} projects, {agency.tasks} tasks, {agency.reports} status reports, "
                f"{agency.documents} documents, {agency.invoices} invoices, {agency.claims} claims."
            )
        )
        self._print_logins(agency.logins)

    def _print_logins(self, logins: list[DemoLogin]) -> None:
        if not logins:
            return
        width_role = max(len(login.role) for login in logins)
        width_name = max(len(login.name) for login in logins)
        self.stdout.write(f"\nDemo sign-ins (password for all: {DEMO_PASSWORD})")
        for login in logins:
            self.stdout.write(f"  {login.role:<{width_role}}  {login.name:<{width_name}}  {login.email}")
        self.stdout.write("")
