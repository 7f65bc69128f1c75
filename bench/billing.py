"""Invoices and payments of the benchmark agency, and the billing pages and reports over them.

At scale 1: 250,000 invoices and credit notes over the 20,000 clients from the last three years (more
of them lately), each in its client's currency (most in rupees at 18% GST, the clients abroad in
euros, dollars, pounds and dirhams, zero-rated as exports), with one to four lines (about 550,000
lines), and 300,000 payments. How each invoice stands follows how long ago it fell due: most old
ones are paid (a fifth of them in two or three instalments), some in part, a few never; the newest
are drafts; 2% of the issued invoices were credited, half of those in full. The heavy client
(``HEAVY_CLIENT_ID``) has 1% of the invoices, and its latest issued invoice has 12 lines (its PDF is
measured). Numbers are gapless per series (INV, CRN) and year in date order, and the core counters
are set to the last number of each, so an invoice issued later in the bench database continues them.

Measured, each against its SQL floor (the same answer from one hand-written query):
the invoice list (the staff page ``/billing/`` first and deep page, and the API's), the aging report
(``aging_for`` by client, account manager and currency, the receivables page and the API's), DSO and
the on-time rate, recording a payment (``payment_record`` and the API; floor: the same rows written
by hand in one transaction), and the invoice PDF (20 renders). Targets: aging p95 < 1 s, a payment
p95 < 50 ms, lists within 3 × floor + 20 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from dataset import HEAVY_CLIENT_ID, Writer, bulk_load_mode, columns
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import F, Model
from django.test.utils import CaptureQueriesContext
from measure import Floors, Query, Session, next_html, next_json, percentile, timed
from production import DELIVERABLES
from spec import LIST_PAGE, MIN_REQUESTS, Row, Spec

from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.selectors import aging_for, dso_for, invoice_list_for, on_time_rate_for, receivables_for
from khata.billing.services import line_net_minor, payment_record
from khata.clients.models import Client
from khata.core.keyset import keyset_paginate
from khata.core.models import Counter
from khata.people.models import User
from khata.plans.models import Project

INVOICE_CHUNK = 10_000
YEARS = 3
DRAFT_SHARE = 0.02
CREDIT_SHARE = 0.02
BIG_INVOICE_LINES = 12
PDF_RENDERS = 20
PAY_POOL = 400  # open invoices a payment is recorded on, in turn
PAY_AMOUNT = 100  # one rupee (or cent) each time, so the pool never runs dry
OPEN_AT_LEAST = 10_000_00
AGING_LIMIT_MS = 1000.0
PAYMENT_LIMIT_MS = 50.0
DAYS = 90  # the period of DSO and the on-time rate
ON_TIME_DAYS = (0, 1, 2, 3, 5, 7, 10)
LATE_DAYS = (1, 3, 5, 8, 12, 20, 30, 45)
PRICES = {"INR": (5_000_00, 2_00_000_00), "EUR": (200_00, 6_000_00), "USD": (200_00, 6_000_00),
          "GBP": (150_00, 5_000_00), "AED": (800_00, 20_000_00)}  # fmt: skip
QUANTITIES = (1000, 1000, 1000, 2000, 3000, 1500, 8000, 12_500, 40_000)


@dataclass
class PlannedInvoice:
    """One invoice before it is written: what the generator decided first, in date order."""

    date: dt.date
    client: int
    draft: bool
    lines: list[tuple[str, int, int, str, int, int]] = field(default_factory=list)  # desc, qty, price…
    credit: int = 0  # what a credit note takes off it
    credit_on: dt.date | None = None
    payments: list[tuple[dt.date, int]] = field(default_factory=list)


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _totals(lines: list[tuple[str, int, int, str, int, int]]) -> tuple[int, int]:
    """Net and tax as ``services.totals_of`` computes them: tax once per category and rate."""
    nets: dict[tuple[str, int], int] = defaultdict(int)
    for _description, _quantity, _price, category, rate, net in lines:
        nets[(category, rate)] += net
    tax = sum(_round(Decimal(net) * rate / Decimal(10000)) for (_, rate), net in nets.items())
    return sum(nets.values()), tax


def build_billing(
    spec: Spec,
    *,
    writer: Writer,
    rng: random.Random,
    owners: dict[int, int],
    now: dt.datetime,
    progress: Callable[[str], None],
) -> None:
    """Invoices, their lines, credit notes and payments for clients ``1..spec.clients``; the counters."""
    started = time.perf_counter()
    today = now.date()
    finance = User.objects.get(email="bench.finance@bench.example").pk
    terms = {pk: (currency, days) for pk, currency, days in Client.objects.values_list(
        "id", "currency", "payment_terms_days")}  # fmt: skip
    projects_of: dict[int, list[int]] = defaultdict(list)
    for pid, client in Project.objects.values_list("id", "client_id").order_by("id"):
        projects_of[client].append(pid)

    # What each invoice is, in date order; a credit note is written after the invoice it credits.
    credits = round(spec.invoices * CREDIT_SHARE * (1 - DRAFT_SHARE) / (1 + CREDIT_SHARE))
    planned: list[PlannedInvoice] = []
    for _ in range(spec.invoices - credits):
        client = HEAVY_CLIENT_ID if rng.random() < 0.01 else rng.randint(1, spec.clients)
        draft = rng.random() < DRAFT_SHARE
        age = rng.randint(0, 20) if draft else int(YEARS * 365 * rng.random() ** 1.4)
        invoice = PlannedInvoice(date=today - dt.timedelta(days=age), client=client, draft=draft)
        currency = terms[client][0]
        low, high = PRICES.get(currency, PRICES["USD"])
        category, rate = ("S", 1800) if currency == "INR" else ("Z", 0)
        for _line in range(rng.choice((1, 1, 2, 2, 2, 3, 3, 4))):
            quantity, price = rng.choice(QUANTITIES), rng.randint(low // 100, high // 100) * 100
            net = line_net_minor(quantity_milli=quantity, unit_price_minor=price, discount_minor=0)
            invoice.lines.append((rng.choice(DELIVERABLES)[0], quantity, price, category, rate, net))
        planned.append(invoice)
    planned.sort(key=lambda invoice: invoice.date)
    # The invoice whose PDF is measured: the heavy client's latest issued one gets 12 lines.
    big = max(
        (n for n, invoice in enumerate(planned) if not invoice.draft),
        key=lambda n: (planned[n].client == HEAVY_CLIENT_ID, n),
    )
    first_line = planned[big].lines[0]
    planned[big].lines = [first_line] * BIG_INVOICE_LINES

    # Credits, then payments by how long ago each invoice fell due.
    issued = [n for n, invoice in enumerate(planned) if not invoice.draft]
    for n in rng.sample(issued, min(credits, len(issued))):
        invoice = planned[n]
        net, tax = _totals(invoice.lines)
        invoice.credit = (
            net + tax if rng.random() < 0.5 else _round(Decimal(net + tax) * rng.randint(5, 30) / 100)
        )
        invoice.credit_on = min(today, invoice.date + dt.timedelta(days=rng.randint(3, 40)))
    paid_in_full: list[int] = []
    for n in issued:
        invoice = planned[n]
        net, tax = _totals(invoice.lines)
        owed = net + tax - invoice.credit
        if owed <= 0:
            continue
        due = invoice.date + dt.timedelta(days=terms[invoice.client][1])
        late = (today - due).days
        shares = (93, 3) if late > 60 else (65, 10) if late > 0 else (35, 10)
        roll = rng.randint(1, 100)
        on = _paid_on(rng, invoice.date, due, today)
        if roll <= shares[0]:
            invoice.payments.append((on, owed))
            paid_in_full.append(n)
        elif roll <= shares[0] + shares[1]:
            invoice.payments.append((on, _round(Decimal(owed) * rng.randint(20, 80) / 100)))
    # The rest of the payments: instalments of invoices paid in full, in two or three parts.
    extra = spec.payments - sum(len(invoice.payments) for invoice in planned)
    for n in rng.sample(paid_in_full, min(max(extra, 0), len(paid_in_full))):
        invoice = planned[n]
        on, owed = invoice.payments[0]
        first = _round(Decimal(owed) * rng.randint(30, 70) / 100)
        earlier = max(invoice.date, on - dt.timedelta(days=rng.randint(1, 20)))
        invoice.payments = [(earlier, first), (on, owed - first)]

    invoice_table, invoice_cols = columns(
        Invoice,
        "id", "kind", "client", "contract", "project", "credits", "number", "status", "currency",
        "issue_date", "due_date", "buyer_reference", "note", "reason", "net_minor", "tax_minor",
        "total_minor", "amount_paid_minor", "credited_minor", "created_by", "created_at", "issued_at",
    )  # fmt: skip
    line_table, line_cols = columns(
        InvoiceLine,
        "id", "invoice", "position", "description", "service", "quantity_milli", "unit_code",
        "unit_price_minor", "discount_minor", "tax_category", "tax_rate_bp", "net_minor", "act", "plan_item",
    )  # fmt: skip
    payment_table, payment_cols = columns(
        Payment,
        "id", "invoice", "amount_minor", "received_on", "method", "reference", "recorded_by", "created_at",
        "idempotency_key", "request_hash",
    )  # fmt: skip
    counters: dict[tuple[str, int], int] = defaultdict(int)
    # Credit notes get the ids after the invoices, in the order they were issued.
    notes = sorted(
        (n for n, invoice in enumerate(planned) if invoice.credit),
        key=lambda n: (planned[n].credit_on or today, n),
    )
    note_ids = {n: len(planned) + index + 1 for index, n in enumerate(notes)}
    numbers: dict[int, str] = {}
    events = sorted(
        [(invoice.date, 0, n) for n, invoice in enumerate(planned) if not invoice.draft]
        + [(planned[n].credit_on or today, 1, n) for n in notes]
    )
    for day, is_note, n in events:
        series = "CRN" if is_note else "INV"
        counters[(series, day.year)] += 1
        numbers[note_ids[n] if is_note else n + 1] = f"{series}/{day.year}/{counters[(series, day.year)]:06d}"

    def stamp(day: dt.date, hours: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(4), dt.UTC) + dt.timedelta(minutes=rng.randint(0, 480))
        return min(now - dt.timedelta(hours=1), moment + dt.timedelta(hours=hours))

    line_id = payment_id = 0
    counts = {"invoices": 0, "credit notes": 0, "lines": 0, "payments": 0}
    methods = ("bank", "bank", "bank", "upi", "upi", "card", "cheque")
    with bulk_load_mode([invoice_table, line_table, payment_table], progress):
        for first in range(0, len(planned), INVOICE_CHUNK):
            invoices: list[tuple[Any, ...]] = []
            lines: list[tuple[Any, ...]] = []
            payments: list[tuple[Any, ...]] = []
            for n in range(first, min(first + INVOICE_CHUNK, len(planned))):
                invoice, iid = planned[n], n + 1
                currency, days = terms[invoice.client]
                owner = owners[invoice.client]
                net, tax = _totals(invoice.lines)
                paid = sum(amount for _, amount in invoice.payments)
                project = rng.choice(projects_of[invoice.client]) if projects_of[invoice.client] else None
                created = stamp(invoice.date)
                invoices.append(
                    (iid, "invoice", invoice.client, None, project if rng.random() < 0.6 else None, None,
                     numbers.get(iid, ""), "draft" if invoice.draft else "issued", currency,
                     writer.day(invoice.date), writer.day(invoice.date + dt.timedelta(days=days)),
                     f"PO-{rng.randint(1000, 99999)}" if rng.random() < 0.3 else "", "", "", net, tax,
                     net + tax, paid, invoice.credit, owner, writer.when(created),
                     None if invoice.draft else writer.when(created + dt.timedelta(hours=1)))
                )  # fmt: skip
                for position, (description, quantity, price, category, rate, line_net) in enumerate(
                    invoice.lines, start=1
                ):
                    line_id += 1
                    unit = "HUR" if quantity > 3000 else "C62"
                    lines.append(
                        (line_id, iid, position, description, "", quantity, unit, price, 0, category, rate,
                         line_net, None, None)
                    )  # fmt: skip
                for on, amount in invoice.payments:
                    payment_id += 1
                    payments.append(
                        (payment_id, iid, amount, writer.day(on), rng.choice(methods),
                         f"UTR{rng.randint(10**11, 10**12 - 1)}", finance, writer.when(stamp(on, 2)), "", "")
                    )  # fmt: skip
                if invoice.credit:
                    nid, on = note_ids[n], invoice.credit_on or today
                    category, rate = invoice.lines[0][3], invoice.lines[0][4]
                    note_net = _round(Decimal(invoice.credit) * 10000 / (10000 + rate))
                    invoices.append(
                        (nid, "credit", invoice.client, None, None, iid, numbers[nid], "issued", currency,
                         writer.day(on), writer.day(on), "", "", "Discount agreed on the delivery", note_net,
                         invoice.credit - note_net, invoice.credit, 0, 0, owner, writer.when(stamp(on)),
                         writer.when(stamp(on, 1)))
                    )  # fmt: skip
                    line_id += 1
                    lines.append(
                        (line_id, nid, 1, f"Credit on invoice {numbers[iid]}", "", 1000, "C62", note_net, 0,
                         category, rate, note_net, None, None)
                    )  # fmt: skip
                    counts["credit notes"] += 1
            with transaction.atomic():
                # A credit note points at an invoice of an earlier or the same chunk: invoices first.
                writer.write(
                    invoice_table, invoice_cols, sorted(invoices, key=lambda row: row[1] != "invoice")
                )
                writer.write(line_table, line_cols, lines)
                writer.write(payment_table, payment_cols, payments)
            counts["invoices"] += len(invoices)
            counts["lines"] += len(lines)
            counts["payments"] += len(payments)
            if counts["invoices"] % (INVOICE_CHUNK * 5) < INVOICE_CHUNK or first + INVOICE_CHUNK >= len(
                planned
            ):
                progress(f"  {counts['invoices']:,} invoices ({time.perf_counter() - started:.0f} s)")
    for (series, year), last in counters.items():
        Counter.objects.update_or_create(series=series, year=year, defaults={"last": last})
    seconds = time.perf_counter() - started
    rows = counts["invoices"] + counts["lines"] + counts["payments"]
    progress(
        f"  billing: {counts['invoices']:,} invoices ({counts['credit notes']:,} credit notes), "
        f"{counts['lines']:,} lines, {counts['payments']:,} payments in {seconds:.1f} s "
        f"= {rows / seconds:,.0f} rows/s"
    )


def _paid_on(rng: random.Random, issued: dt.date, due: dt.date, today: dt.date) -> dt.date:
    """When the client paid: seven in ten on time, the rest some days late; never in the future."""
    if rng.random() < 0.7:
        on = due - dt.timedelta(days=rng.choice(ON_TIME_DAYS))
    else:
        on = due + dt.timedelta(days=rng.choice(LATE_DAYS))
    return min(today, max(issued, on))


BILLING_MODELS: list[type[Model]] = [Invoice, InvoiceLine, Payment]


# Floors: the hand-written SQL answering each page.

LIST_COLUMNS = (
    "i.id, i.kind, i.number, i.status, i.issue_date, i.due_date, i.currency, i.total_minor, "
    "i.amount_paid_minor, i.credited_minor, c.display_name, p.name, cr.number "
    "FROM billing_invoice i JOIN clients_client c ON c.id = i.client_id "
    "LEFT JOIN plans_project p ON p.id = i.project_id LEFT JOIN billing_invoice cr ON cr.id = i.credits_id"
)


def _visible(user: User) -> tuple[str, list[Any]]:
    """The invoices a user may see, as a condition on ``i`` and its client ``c``.

    An EXISTS on the client, not a join condition: given ``c.owner_id = … OR c.backup_id = …`` SQLite
    starts from the AM's clients, reads every invoice of theirs and sorts them (0.3–1.8 s for a third
    of 250,000 invoices), where walking the invoices in date order and probing each one's client
    finds a page in milliseconds."""
    if user.role == User.Role.AM:
        return (
            "EXISTS (SELECT 1 FROM clients_client v WHERE v.id = i.client_id "
            "AND (v.owner_id = %s OR v.backup_id = %s))",
            [user.pk, user.pk],
        )
    return "1 = 1", []


def list_floor(user: User, after: tuple[Any, int] | None = None) -> Query:
    """A page of invoices, newest first, keyset after ``after`` (issue date, id)."""
    visible, params = _visible(user)
    keyset = ""
    if after is not None:
        keyset = " AND i.issue_date <= %s AND (i.issue_date < %s OR (i.issue_date = %s AND i.id < %s))"
        params = [*params, after[0], after[0], after[0], after[1]]
    return Floors.query(
        f"SELECT {LIST_COLUMNS} WHERE {visible}{keyset} ORDER BY i.issue_date DESC, i.id DESC "
        f"LIMIT {LIST_PAGE + 1}",
        params,
    )


def _list_position(user: User, pages: int) -> tuple[Any, int] | None:
    position = None
    for _ in range(pages):
        rows = list_floor(user, position)()[:LIST_PAGE]
        if not rows:
            break
        position = (rows[-1][4], rows[-1][0])
    return position


BALANCE = "(i.total_minor - i.amount_paid_minor - i.credited_minor)"
GROUPS = {
    "client": ("i.client_id", "c.display_name"),
    "owner": ("c.owner_id", "o.full_name"),
    "currency": ("i.currency", "i.currency"),
}


def aging_floor(user: User, today: dt.date, by: str) -> Query:
    """Open balances per group and currency in the five buckets of days past due."""
    key, label = GROUPS[by]
    visible, params = _visible(user)
    edges = [today - dt.timedelta(days=days) for days in (30, 60, 90)]
    buckets = ", ".join(
        f"SUM(CASE WHEN {condition} THEN {BALANCE} ELSE 0 END)"
        for condition in (
            "i.due_date >= %s",
            "i.due_date < %s AND i.due_date >= %s",
            "i.due_date < %s AND i.due_date >= %s",
            "i.due_date < %s AND i.due_date >= %s",
            "i.due_date < %s",
        )
    )
    bucket_params = [today, today, edges[0], edges[0], edges[1], edges[1], edges[2], edges[2]]
    owner_join = "LEFT JOIN people_user o ON o.id = c.owner_id " if by == "owner" else ""
    return Floors.query(
        f"SELECT {key}, {label}, i.currency, {buckets} FROM billing_invoice i "
        f"JOIN clients_client c ON c.id = i.client_id {owner_join}"
        f"WHERE i.status = 'issued' AND i.kind = 'invoice' AND {BALANCE} > 0 AND {visible} "
        f"GROUP BY {key}, {label}, i.currency ORDER BY {label}, {key}, i.currency",
        [*bucket_params, *params],
    )


def dso_floor(user: User, today: dt.date) -> Query:
    visible, params = _visible(user)
    since = today - dt.timedelta(days=DAYS - 1)
    return Floors.query(
        "SELECT i.client_id, c.display_name, i.currency, "
        f"SUM(CASE WHEN {BALANCE} > 0 THEN {BALANCE} ELSE 0 END), "
        "SUM(CASE WHEN i.issue_date >= %s AND i.issue_date <= %s THEN i.total_minor - i.credited_minor "
        "ELSE 0 END) FROM billing_invoice i JOIN clients_client c ON c.id = i.client_id "
        f"WHERE i.status = 'issued' AND i.kind = 'invoice' AND i.issue_date <= %s AND {visible} "
        "GROUP BY i.client_id, c.display_name, i.currency ORDER BY c.display_name, i.client_id, i.currency",
        [since, today, today, *params],
    )


def on_time_floor(user: User, today: dt.date) -> Query:
    visible, params = _visible(user)
    return Floors.query(
        "SELECT i.client_id, c.display_name, COUNT(*), SUM(CASE WHEN i.amount_paid_minor >= "
        "i.total_minor - i.credited_minor AND (SELECT MAX(p.received_on) FROM billing_payment p "
        "WHERE p.invoice_id = i.id) <= i.due_date THEN 1 ELSE 0 END) FROM billing_invoice i "
        "JOIN clients_client c ON c.id = i.client_id WHERE i.status = 'issued' AND i.kind = 'invoice' "
        f"AND i.due_date < %s AND i.due_date >= %s AND i.credited_minor < i.total_minor AND {visible} "
        "GROUP BY i.client_id, c.display_name ORDER BY c.display_name, i.client_id",
        [today, today - dt.timedelta(days=DAYS), *params],
    )


class PaymentFloor:
    """A payment written by hand: lock the invoice, add the row, raise the paid amount, log the event."""

    def __init__(self, pool: list[int], user: User) -> None:
        self.pool, self.user, self.turn = pool, user, 0
        self.subject_type = ContentType.objects.get_for_model(Invoice).pk
        self.client_of = dict(Invoice.objects.filter(pk__in=pool).values_list("id", "client_id"))
        self.lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""

    def __call__(self) -> None:
        invoice = self.pool[self.turn % len(self.pool)]
        self.turn += 1
        today = dt.date.today()
        now = dt.datetime.now(dt.UTC)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT total_minor - amount_paid_minor - credited_minor FROM billing_invoice "
                f"WHERE id = %s{self.lock}",
                [invoice],
            )
            cursor.execute(
                "INSERT INTO billing_payment (invoice_id, amount_minor, received_on, method, reference, "
                "recorded_by_id, created_at, idempotency_key, request_hash) "
                "VALUES (%s, %s, %s, 'bank', '', %s, %s, %s, '')",
                [invoice, PAY_AMOUNT, today, self.user.pk, now, f"floor-{uuid.uuid4()}"],
            )
            cursor.execute(
                "UPDATE billing_invoice SET amount_paid_minor = amount_paid_minor + %s WHERE id = %s",
                [PAY_AMOUNT, invoice],
            )
            cursor.execute(
                "INSERT INTO core_event (at, actor_id, client_id, kind, summary, subject_type_id, "
                "subject_id, data) VALUES (%s, %s, %s, 'billing.payment_recorded', 'Payment recorded', "
                "%s, %s, %s)",
                [now, self.user.pk, self.client_of[invoice], self.subject_type, invoice, json.dumps({})],
            )


def payment_pool(size: int = PAY_POOL) -> list[int]:
    """Open invoices with room for many one-rupee payments, the most recent first."""
    found = (
        receivables_for(User.objects.get(email="bench.head@bench.example"))
        .filter(total_minor__gte=F("amount_paid_minor") + F("credited_minor") + OPEN_AT_LEAST)
        .order_by("-issue_date", "-id")
        .values_list("pk", flat=True)[:size]
    )
    return list(found)


class PaymentCall:
    """``payment_record`` on the pool's invoices in turn, each with a fresh idempotency key."""

    def __init__(self, pool: list[int], user: User) -> None:
        self.invoices = list(Invoice.objects.filter(pk__in=pool).select_related("client"))
        self.user, self.turn = user, 0

    def __call__(self) -> None:
        invoice = self.invoices[self.turn % len(self.invoices)]
        self.turn += 1
        payment_record(
            invoice=invoice,
            by=self.user,
            amount_minor=PAY_AMOUNT,
            received_on=dt.date.today(),
            reference="bench",
            idempotency_key=str(uuid.uuid4()),
        )


# The pages, and the selectors under them while a page is not served yet.


def measure_call(
    *,
    engine: str,
    persona: str,
    page: str,
    call: Callable[[], object],
    floor: Callable[[], object],
    requests: int,
) -> Row:
    """A function (a selector, a service, an API call) timed like a page, against its floor."""
    row = Row(engine=engine, page=page, persona=persona)
    try:
        call()
    except Exception as error:  # one failing call must not stop the others
        row.status = f"error: {type(error).__name__}: {str(error)[:80]}"
        return row
    with CaptureQueriesContext(connection) as captured:
        call()
    row.queries = len(captured.captured_queries)
    row.p50, row.p95, row.cpu, timed_requests = timed(call, requests)
    row.floor_p50, row.floor_p95, _, _ = timed(floor, requests)
    if timed_requests < requests:
        row.note = f"{timed_requests} requests timed (time budget)"
    return row


def _served(session: Session, url: str) -> bool:
    try:
        return session.browser.get(url).status_code == 200
    except Exception:
        return False


def _invoice_page(user: User, cursor: str | None = None) -> list[Invoice]:
    rows = invoice_list_for(user)
    return keyset_paginate(
        rows, keys=["issue_date", "id"], descending=True, cursor=cursor, size=LIST_PAGE
    ).items


def _numbers_shown(body: str, rows: list[tuple[Any, ...]]) -> str:
    wanted = {str(row[2]) for row in rows[:LIST_PAGE] if row[2]}
    missing = [number for number in wanted if number not in body]
    return f"{len(missing)} of the floor's {len(wanted)} numbers are not on the page" if missing else ""


def _ids_equal(body: str, rows: list[tuple[Any, ...]]) -> str:
    shown = [item.get("id") for item in json.loads(body).get("results", [])]
    expected = [row[0] for row in rows[: len(shown)]]
    return "" if shown == expected else "the API page's invoices differ from the floor's"


def _printed(row: Row, rows: list[Row]) -> None:
    print(
        f"  {row.persona:10} {row.page:52} {row.status:6} p50 {row.p50:7.1f}  p95 {row.p95:7.1f}  "
        f"cpu {row.cpu:6.1f}  queries {row.queries:3}  floor p95 {row.floor_p95:7.2f}",
        flush=True,
    )
    rows.append(row)


def measure_billing(*, engine: str, users: dict[str, User], requests: int, today: dt.date) -> list[Row]:
    """The invoice lists, the aging report, DSO, the on-time rate and recording a payment."""
    rows: list[Row] = []
    for persona, user in users.items():
        session = Session(engine=engine, persona=persona, user=user, requests=requests)

        def select(page: str, call: Callable[[], object], floor: Query, persona: str = persona) -> Row:
            return measure_call(
                engine=engine, persona=persona, page=f"{page} [selector]", call=call, floor=floor,
                requests=requests,
            )  # fmt: skip

        # The staff list page (or its selector while the page is not served), first and deep page.
        if _served(session, "/billing/"):
            first = session.measure("invoice list, first page", "/billing/", list_floor(user), _numbers_shown)
            _printed(first, rows)
            url, depth = session.follow("/billing/", next_html)
            floor = list_floor(user, _list_position(user, depth))
            _printed(session.measure(f"invoice list, page {depth + 1}", url, floor, _numbers_shown), rows)
        else:
            _printed(select("invoice list, first page", partial(_invoice_page, user), list_floor(user)), rows)
        api = "/api/v1/invoices/"
        _printed(session.measure("API invoice list, first page", api, list_floor(user), _ids_equal), rows)
        url, depth = session.follow(api, next_json)
        floor = list_floor(user, _list_position(user, depth))
        _printed(session.measure(f"API invoice list, page {depth + 1}", url, floor, _ids_equal), rows)
        # Aging: the selector by each grouping, the receivables page and the API.
        reports: list[Row] = []
        for by in ("client", "owner", "currency"):
            aging = partial(aging_for, user, today=today, group_by=by)
            reports.append(select(f"aging by {by}", aging, aging_floor(user, today, by)))
        for name, url in (
            ("receivables page, by client", "/billing/receivables/?by=client"),
            ("API aging by client", "/api/v1/aging/?by=client"),
        ):
            if _served(session, url):
                reports.append(session.measure(name, url, aging_floor(user, today, "client")))
        dso = partial(dso_for, user, today=today, days=DAYS)
        reports.append(select(f"DSO ({DAYS} days)", dso, dso_floor(user, today)))
        on_time = partial(on_time_rate_for, user, today=today, days=DAYS)
        reports.append(select(f"on-time rate ({DAYS} days)", on_time, on_time_floor(user, today)))
        for row in reports:
            row.limit_ms = AGING_LIMIT_MS
            _printed(row, rows)
    # Recording a payment: as finance, on open invoices in turn.
    finance = User.objects.get(email="bench.finance@bench.example")
    pool = payment_pool()
    if pool:
        row = measure_call(
            engine=engine,
            persona="finance",
            page="record a payment [payment_record]",
            call=PaymentCall(pool, finance),
            floor=PaymentFloor(pool, finance),
            requests=requests,
        )
        row.limit_ms = PAYMENT_LIMIT_MS
        _printed(row, rows)
        row = _measure_api_payment(engine, finance, pool, requests)
        row.limit_ms = PAYMENT_LIMIT_MS
        _printed(row, rows)
    return rows


def _measure_api_payment(engine: str, finance: User, pool: list[int], requests: int) -> Row:
    """``POST /api/v1/invoices/<id>/payments/`` with a fresh Idempotency-Key each time."""
    session = Session(engine=engine, persona="finance", user=finance, requests=requests)
    turn = iter(range(10**9))
    body = json.dumps({"amount_minor": PAY_AMOUNT, "received_on": dt.date.today().isoformat()})

    def post() -> object:
        invoice = pool[next(turn) % len(pool)]
        response = session.browser.post(
            f"/api/v1/invoices/{invoice}/payments/",
            data=body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
        if response.status_code != 201:
            raise RuntimeError(f"HTTP {response.status_code}: {response.content[:200]!r}")
        return response

    return measure_call(engine=engine, persona="finance", page="record a payment (API)", call=post,
                        floor=PaymentFloor(pool, finance), requests=requests)  # fmt: skip


# The PDF of an invoice, and the plans the databases choose.


def big_invoice() -> Invoice | None:
    """The heavy client's latest issued invoice: the one with 12 lines."""
    return (
        Invoice.objects.filter(client_id=HEAVY_CLIENT_ID, status="issued", kind="invoice")
        .select_related("client")
        .order_by("-issue_date", "-id")
        .first()
    )


def measure_invoice_pdf(*, requests: int) -> str:
    """p50 and p95 of ``invoice_pdf`` over 20 renders of the 12-line invoice (fewer in a short run)."""
    from khata.billing.documents import invoice_pdf

    invoice = big_invoice()
    if invoice is None:
        return "Invoice PDF: not measured (no issued invoice)."
    renders = max(1, min(PDF_RENDERS, requests, MIN_REQUESTS))
    try:
        invoice_pdf(invoice, language="en")  # fonts and templates loaded once
        samples, size = [], 0
        cpu_started = time.process_time()
        for _ in range(renders):
            started = time.perf_counter()
            size = len(invoice_pdf(invoice, language="en"))
            samples.append((time.perf_counter() - started) * 1000)
        cpu = (time.process_time() - cpu_started) * 1000 / renders
    except Exception as error:  # the PDF is built beside the benchmark
        return f"Invoice PDF: not measured ({type(error).__name__}: {error})"
    return (
        f"PDF of a {invoice.lines.count()}-line invoice (invoice_pdf, English): "
        f"p50 {statistics.median(samples):.0f} ms, p95 {percentile(samples, 0.95):.0f} ms, "
        f"CPU {cpu:.0f} ms per render, over {renders} renders, {size / 1024:.0f} KiB."
    )


def explain_billing(users: dict[str, User], today: dt.date) -> str:
    """The plans of the invoice list's and the aging report's queries."""
    out: list[str] = []
    for persona, user in users.items():
        page = invoice_list_for(user).order_by("-issue_date", "-id")[: LIST_PAGE + 1]
        out.append(f"--- {persona}: invoice list, first page\n{page.explain()}")
        for by in ("client", "owner", "currency"):
            out.append(f"--- {persona}: aging by {by}\n{_aging_explain(user, today, by)}")
    return "\n".join(out)


def _aging_explain(user: User, today: dt.date, by: str) -> str:
    """EXPLAIN of the one query ``aging_for`` runs (caught as it runs)."""
    with CaptureQueriesContext(connection) as captured:
        aging_for(user, today=today, group_by=by)  # type: ignore[arg-type]
    sql = captured.captured_queries[-1]["sql"]
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join(" ".join(str(cell) for cell in row) for row in cursor.fetchall())
