"""Invoice numbers under concurrent issue: 8 processes issue 1,000 drafts, some rolled back."""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import subprocess
import sys
from typing import Any

import pytest
from django.db import connection

from khata.billing.models import Invoice, InvoiceLine
from khata.clients.models import Client
from khata.documents.tests.test_services import _database_url
from khata.people.models import User

WORKERS = 8
PER_WORKER = 125
NUMBER = re.compile(r"^[A-Z0-9/-]{1,16}$")


def _drafts(client: Client, finance: User, count: int) -> list[int]:
    """``count`` drafts of one line each, written in bulk: the processes only issue them."""
    on = dt.date(2026, 11, 2)
    Invoice.objects.bulk_create(
        Invoice(client=client, currency=client.currency, issue_date=on, due_date=on, created_by=finance)
        for _ in range(count)
    )
    ids = list(
        Invoice.objects.filter(client=client, status="draft").order_by("pk").values_list("pk", flat=True)
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice_id=pk, description="Retainer", unit_price_minor=1_000_00, net_minor=1_000_00)
        for pk in ids
    )
    return ids


def _numbers_in(tmp_path: Any) -> list[str]:
    if connection.vendor == "postgresql":
        return sorted(Invoice.objects.exclude(number="").values_list("number", flat=True))
    with sqlite3.connect(tmp_path / "registry.sqlite3") as db:
        return sorted(row[0] for row in db.execute("SELECT number FROM billing_invoice WHERE number != ''"))


@pytest.mark.django_db(transaction=True)
def test_eight_workers_issue_a_thousand_invoices_with_consecutive_unique_numbers(
    finance: User, client_a: Client, tmp_path: Any
) -> None:
    ids = _drafts(client_a, finance, WORKERS * PER_WORKER)
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(tmp_path),
        "KHATA_DATA_DIR": str(tmp_path),
        # SQLite's lock is not fair: with eight writers on two busy cores one may wait past 20 s.
        "KHATA_SQLITE_TIMEOUT": "300",
    }
    fail_every = [5, 7, 9, 11, 13, 17, 19, 23]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "khata.billing.tests.issuer",
                str(ids[worker * PER_WORKER]),
                str(ids[(worker + 1) * PER_WORKER - 1]),
                str(finance.pk),
                str(fail_every[worker]),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in range(WORKERS)
    ]
    outputs = [process.communicate(timeout=600) for process in processes]
    assert [p.returncode for p in processes] == [0] * WORKERS, [err[-2000:] for _out, err in outputs]
    kept = sorted(line for out, _err in outputs for line in out.split())
    rolled_back = sum(len(range(0, PER_WORKER, every)) for every in fail_every)
    assert len(kept) == WORKERS * PER_WORKER - rolled_back
    # Consecutive from 1, no gap where a transaction was rolled back, no twin, at most 16 characters.
    assert kept == [f"INV/2026/{n:06d}" for n in range(1, len(kept) + 1)]
    assert all(NUMBER.match(number) for number in kept)
    assert _numbers_in(tmp_path) == kept
