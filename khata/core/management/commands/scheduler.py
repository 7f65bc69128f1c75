"""``khata scheduler``: enqueue the periodic jobs' due items for the worker, once each."""

from __future__ import annotations

import signal
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from khata.core.scheduling import PassResult, periodic_jobs, scheduler_pass


class Command(BaseCommand):
    help = (
        "Enqueue what the periodic jobs find due (each item once, however many schedulers run), "
        "every --every seconds, or once with --once. `khata worker` runs the tasks."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Make one pass and exit (for cron and tests)."
        )
        parser.add_argument(
            "--every", type=float, default=60.0, help="Seconds between two passes (default 60)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every: float = options["every"]
        if every <= 0:
            raise CommandError("--every needs a number of seconds above zero.")
        if options["once"]:
            self._report(scheduler_pass(), options["verbosity"])
            return
        self.running = True
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        names = ", ".join(job.name for job in periodic_jobs()) or "none"
        if options["verbosity"]:
            self.stdout.write(f"Scheduler: a pass every {every:g} s over the periodic jobs ({names}).")
        while self.running:
            close_old_connections()
            self._report(scheduler_pass(), options["verbosity"])
            close_old_connections()
            deadline = time.monotonic() + every
            while self.running and time.monotonic() < deadline:
                time.sleep(min(1.0, deadline - time.monotonic()))

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.running = False

    def _report(self, result: PassResult, verbosity: int) -> None:
        if verbosity == 0:
            return
        for name, count in result.enqueued.items():
            if count or verbosity > 1:
                self.stdout.write(f"{name}: {count} enqueued, {result.skipped[name]} already run")
