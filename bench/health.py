"""The health of every client of the benchmark agency, computed in bulk.

At scale 1 the data set has 20,000 clients. ``health_for`` reads each delivery signal for all of them
in one aggregate query per factor (tasks, plan items, proposed plans, acts, invoices, claims, survey
answers) plus the clients themselves: a fixed number of queries whatever the number of clients. The
daily job does exactly this before it writes the snapshots.

Run alone against a data set already built by ``make bench`` (it only reads; the agency's weights are
the defaults, held in memory)::

    .venv/bin/python bench/health.py --engine sqlite --requests 5
    .venv/bin/python bench/health.py --engine postgres --requests 5
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spec import Row

HEALTH_LIMIT_MS = 10_000  # the daily job's read of 20,000 clients: well within a night
HEALTH_RUNS = 10  # each run reads every client: a few runs give the spread


def measure_health(*, engine: str, requests: int) -> list[Row]:
    """Time the bulk health of every followed client; count its queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone
    from measure import timed

    from khata.insights.health import health_clients, health_for
    from khata.insights.models import HealthWeights

    weights = HealthWeights()  # the defaults, without touching the database
    today = timezone.localdate()
    clients = health_clients()

    def compute() -> object:
        return health_for(clients, today=today, weights=weights)

    with CaptureQueriesContext(connection) as queries:
        healths = health_for(clients, today=today, weights=weights)
    p50, p95, cpu, _count = timed(compute, min(requests, HEALTH_RUNS))
    bands: dict[str, int] = {}
    for health in healths.values():
        bands[health.band] = bands.get(health.band, 0) + 1
    note = f"{len(healths):,} clients: " + ", ".join(
        f"{bands.get(b, 0):,} {b}" for b in ("green", "amber", "red")
    )
    return [
        Row(
            engine=engine,
            # The bands go in the page's name: a row's note reports a page that missed its floor's rows.
            page=f"health of every client (bulk; {note})",
            persona="daily job",
            p50=p50,
            p95=p95,
            cpu=cpu,
            queries=len(queries),
            limit_ms=HEALTH_LIMIT_MS,
        )
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--requests", type=int, default=5)
    parser.add_argument("--data-dir", default="var/bench")
    args = parser.parse_args()
    from run import database_url

    data_dir = Path(args.data_dir)
    os.environ["DATABASE_URL"] = database_url(args.engine, data_dir)
    os.environ["KHATA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SECRET_KEY", "khata-bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "khata.settings")
    import django

    django.setup()
    for row in measure_health(engine=args.engine, requests=args.requests):
        print(
            f"{row.engine:8} {row.page}: p50 {row.p50:,.0f} ms, p95 {row.p95:,.0f} ms, "
            f"CPU {row.cpu:,.0f} ms, {row.queries} queries; {row.note}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
