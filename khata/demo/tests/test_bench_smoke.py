"""``make bench`` still runs: a tiny data set in a temporary folder (or a throw-away PostgreSQL database
when the suite runs on PostgreSQL), every page measured.

Timings belong to ``bench/`` and are never asserted here; only that the benchmark works end to end.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


@contextmanager
def bench_rows(engine: str, tmp_path: Path, database: str) -> Iterator[Any]:
    """A DB-API connection to the data set the benchmark built."""
    if engine == "sqlite":
        with closing(sqlite3.connect(tmp_path / "khata-bench.sqlite3")) as sqlite:
            yield sqlite
        return
    import psycopg

    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}") as postgres:
        yield postgres


def test_bench_builds_a_tiny_data_set_and_measures_every_page(tmp_path: Path) -> None:
    engine = "postgres" if connection.vendor == "postgresql" else "sqlite"
    database = f"khata_bench_smoke_{uuid.uuid4().hex[:8]}"
    out = tmp_path / "latest.md"
    command = [sys.executable, str(settings.BASE_DIR / "bench" / "run.py"), "--engine", engine]
    command += ["--scale", "0.001", "--requests", "3", "--data-dir", str(tmp_path), "--out", str(out)]
    environment = os.environ | {"KHATA_BENCH_DATABASE": database}
    try:
        finished = subprocess.run(
            command, capture_output=True, text=True, timeout=600, check=False, env=environment
        )
        assert finished.returncode == 0, finished.stderr[-3000:]
        report = out.read_text()
        assert "Bulk load:" in report
        assert "200 documents" in report  # ten per client, with their lines and answers
        assert "PDF of a 20-line act" in report or "PDF: not measured" in report
        assert "250 invoices" in report and "PDF of a 12-line invoice" in report
        rows = [line for line in report.splitlines() if line.startswith(f"| {engine} |")]
        # Five client pages, three project and task pages, eight document pages (the registry five
        # ways, the unsigned acts, the contracts coming up, an act) and eleven billing pages and reports
        # (the invoice list and the API's, each first and deep, the aging three ways, the receivables
        # page and the API's aging, DSO, the on-time rate), as an AM and as the head; my tasks as a
        # specialist; a payment recorded by finance through the service and the API; the claims list,
        # a claim, the claims analysis and a portfolio's health as an AM and as the head; the health
        # of every client.
        assert len(rows) == 66
        assert all(line.endswith(("| yes |", "| **no** |")) for line in rows), report  # each answered 200
        assert "Checks of the pages" not in report, report  # each page showed its floor's rows
        # Registered documents and issued invoices carry gapless numbers per series and year, and the
        # counters stand at the last one, so a document registered or an invoice issued later in the
        # bench database continues its series.
        with bench_rows(engine, tmp_path, database) as data:
            counters = data.execute("SELECT series, year, last FROM core_counter").fetchall()
            numbers = [
                row[0]
                for table in ("documents_document", "billing_invoice")
                for row in data.execute(f"SELECT number FROM {table} WHERE number <> ''")  # noqa: S608
            ]
        assert counters
        assert len(numbers) == len(set(numbers)) == sum(last for _, _, last in counters)
        for series, year, last in counters:
            taken = sorted(int(n.rsplit("/", 1)[1]) for n in numbers if n.startswith(f"{series}/{year}/"))
            assert taken == list(range(1, last + 1)), (series, year)
    finally:
        if engine == "postgres":
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
