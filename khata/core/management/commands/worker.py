"""``khata worker``: run the tasks waiting in the database (django-tasks-db's worker, every queue)."""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background tasks waiting in the database: emails and the periodic jobs that "
        "`khata scheduler` enqueues. --batch runs what is waiting and exits."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        # Every queue by default: one worker serves a whole installation.
        parser.set_defaults(queue_name="*")
