"""The demo agency's billing: invoices from accepted acts and monthly retainers, paid on time, late,
in part or not at all, a credit note, a voided invoice, a draft, promises to pay and reminders.

Built on the clients, contracts and acts the demo already has, through the billing services, so the
numbers are gapless, the ledgers add up and the timeline is the real thing. As in ``documents.py``
every step is planned with the moment it happened and replayed in time order under the story's clock
(``agency._clock``): invoice numbers follow their issue dates, payments and reminders fall after the
invoices they settle or chase, and a promise is recorded before its date.

The story, relative to today:
- retainers of a few active clients for the last four months, most paid on time, some late (the
  latest of those as promised after the reminders: a kept promise), by bank transfer or UPI; one
  client billed in US dollars;
- invoices billed from accepted acts: one paid on time, one paid in two parts (late once it is due),
  one in euros for the German client, partly paid; a fresh act's invoice still a draft being
  prepared, and the other accepted acts left to invoice (the Today board's card);
- overdue invoices 5, 20, 45, 70 and 100 days past their due date, so the aging report has every
  bucket; a promise due today on one and a broken promise on another;
- a partial credit note (late deliverables) and a voided invoice (billed to the wrong entity and
  issued again);
- the reminders each overdue invoice got on the agency's reminder levels, on the timeline.

The agency's own billing details (country, bank account, working calendar, holidays) are filled in
first, so the invoices print where to pay.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from khata.billing import reminders
from khata.billing.models import Invoice, Payment, ReminderLevel
from khata.billing.services import (
    credit_note_issue,
    invoice_create,
    invoice_from_acts,
    invoice_issue,
    invoice_line_add,
    invoice_line_update,
    invoice_void,
    payment_record,
    promise_record,
)
from khata.clients.models import Client, Contact
from khata.core.agency import agency_update, holiday_add
from khata.demo.agency import _clock
from khata.demo.documents import MONTHLY_FEE, SMALL_FEE
from khata.demo.projects import StoryTime, price_in
from khata.documents.models import Document
from khata.people.models import User

AGENCY_BILLING: dict[str, Any] = {
    "country": "IN",
    "bank_name": "HDFC Bank, Bandra Kurla Complex branch",
    "bank_account_name": "Khata Agency Private Limited",
    "bank_account_number": "50200012345678",
    "bank_code": "HDFC0000123",
    # Contracts and acts still print the typed details; invoices print the fields and the UPI line.
    "bank_details": "HDFC Bank, Bandra Kurla Complex branch\nA/c 50200012345678 · IFSC HDFC0000123\n"
    "UPI: khataagency@hdfcbank",
    "time_zone": "Asia/Kolkata",
    "working_days": "0,1,2,3,4",
    "work_starts": dt.time(9, 30),
    "work_ends": dt.time(18, 30),
}
# Gazetted holidays of the Government of India that the agency keeps.
HOLIDAYS = [
    (dt.date(2026, 1, 26), "Republic Day"),
    (dt.date(2026, 3, 4), "Holi"),
    (dt.date(2026, 4, 3), "Good Friday"),
    (dt.date(2026, 8, 15), "Independence Day"),
    (dt.date(2026, 10, 2), "Gandhi Jayanti"),
    (dt.date(2026, 10, 20), "Dussehra"),
    (dt.date(2026, 11, 9), "Diwali"),
    (dt.date(2026, 11, 24), "Guru Nanak Jayanti"),
    (dt.date(2026, 12, 25), "Christmas"),
    (dt.date(2027, 1, 26), "Republic Day"),
    (dt.date(2027, 3, 22), "Holi"),
    (dt.date(2027, 8, 15), "Independence Day"),
    (dt.date(2027, 10, 2), "Gandhi Jayanti"),
    (dt.date(2027, 10, 29), "Diwali"),
]

# Monthly retainers: (client, months paid, how each was paid: days after the due date, negative early).
RETAINERS: list[tuple[str, list[int]]] = [
    ("Saffron Spice Co.", [-6, -3, -1]),
    ("Tiffin Express", [-2, 4, -1]),
    ("Vidya Learning", [-10, -4, 9]),
    ("Zaika Restaurants", [-1, -1, -2]),
    ("Indus Logistics", [3, 12, -2]),
    ("Brightwater Analytics", [-5, -1, 2]),
]
# Invoices past due and unpaid: (client, days overdue, paid in part).
OVERDUE: list[tuple[str, int, bool]] = [
    ("Bharat Steelworks", 5, False),
    ("Ganga Fintech", 20, True),
    ("Rangoli Textiles", 45, False),
    ("Shakti Solar", 70, False),
    ("Urban Kirana", 100, False),
]
ACT_PAID_ON_TIME = "Saffron Spice Co."
ACT_PAID_LATE = "Coastal Cashews"
ACT_FOREIGN = "Nordlicht Reisen"
ACT_DRAFT = "Kaveri Health"
CREDITED = "Indus Logistics"  # its latest retainer gets a partial credit note
VOIDED = "Monsoon Travels"  # billed to the wrong entity, voided and issued again
PROMISE_TODAY = "Bharat Steelworks"
PROMISE_BROKEN = "Ganga Fintech"


@dataclass
class DemoBilling:
    """What ``demo_billing_create`` built."""

    invoices: int = 0
    credit_notes: int = 0
    payments: int = 0


@dataclass
class _Bill:
    """An invoice of the plan; set once the step that drafts it has run."""

    invoice: Invoice | None = None

    @property
    def inv(self) -> Invoice:
        assert self.invoice is not None, "drafted by an earlier step"
        return self.invoice


@dataclass(order=True)
class _Step:
    when: dt.datetime
    order: int
    run: Callable[[], Any] = field(compare=False)


class _Quiet:
    """A reminder message that is never sent: the demo emails nobody."""

    def send(self) -> int:
        return 1


@contextmanager
def _no_email() -> Iterator[None]:
    """Reminders are recorded as sent to the contacts, but no message is built (no PDF, no email)."""
    with mock.patch.object(reminders, "reminder_message", new=lambda *args, **kwargs: _Quiet()):
        yield


class Cashier(StoryTime):
    """Plans the invoices, payments, promises and reminders of the demo, then replays them in time order."""

    def __init__(self, *, seed: int, now: dt.datetime) -> None:
        super().__init__(rng=random.Random(seed * 7717 + 41), now=now)
        self.finance = User.objects.filter(role=User.Role.FINANCE, email__endswith=".example").order_by("id")[
            0
        ]
        self.clients = {c.display_name: c for c in Client.objects.select_related("owner")}
        self.steps: list[_Step] = []
        self.bills: list[_Bill] = []
        self.levels = list(ReminderLevel.objects.filter(active=True).order_by("days"))
        self.result = DemoBilling()

    # The plan

    def plan(self, when: dt.datetime, run: Callable[[], Any]) -> dt.datetime:
        when = min(when, self.now - dt.timedelta(minutes=1))
        self.steps.append(_Step(when, len(self.steps), run))
        return when

    def replay(self) -> None:
        with _no_email():
            for step in sorted(self.steps):
                with _clock(step.when):
                    step.run()

    # Pieces

    def fee(self, client: Client) -> int:
        return price_in(MONTHLY_FEE.get(client.segment, SMALL_FEE), client.currency)

    def reference(self, method: str) -> str:
        digits = "".join(self.rng.choice("0123456789") for _ in range(12))
        return f"HDFCN{digits}" if method == Payment.Method.BANK else digits

    def payer(self, client: Client) -> Contact | None:
        contacts = list(client.contacts.order_by("id"))
        return next((c for c in contacts if c.role == Contact.Role.PAYER), contacts[0] if contacts else None)

    def draft(
        self,
        bill: _Bill,
        *,
        client: Client,
        issued_on: dt.date,
        lines: list[dict[str, Any]],
        due: dt.date | None = None,
        note: str = "",
    ) -> dt.datetime:
        """An invoice by hand, drafted and issued on ``issued_on``; due by the client's terms unless given."""
        when = self.moment(issued_on, hour=(10, 12))
        due = due or issued_on + dt.timedelta(days=client.payment_terms_days)
        contract = client.documents.filter(kind__code="contract", status="active").order_by("id").first()

        def run() -> None:
            bill.invoice = invoice_create(
                by=self.finance,
                client=client,
                issue_date=issued_on,
                due_date=due,
                contract=contract,
                note=note,
            )
            for values in lines:
                invoice_line_add(invoice=bill.inv, by=self.finance, **values)
            bill.invoice = invoice_issue(invoice=bill.inv, by=self.finance)

        self.bills.append(bill)
        return self.plan(when, run)

    def from_act(self, bill: _Bill, act: Document, *, issued_on: dt.date, issue: bool = True) -> dt.datetime:
        """An invoice billing an accepted act (zero-rated export for a client abroad)."""
        client = act.client
        when = self.moment(issued_on, hour=(11, 13))
        abroad = client.country != "IN"

        def run() -> None:
            by = self.finance if issue else client.owner or self.finance
            bill.invoice = invoice_from_acts(
                by=by, client=client, acts=[act], tax_rate_bp=0 if abroad else 1800, issue_date=issued_on
            )
            if abroad:
                for line in bill.inv.lines.all():
                    invoice_line_update(line=line, by=by, tax_category="Z", tax_rate_bp=0)
            if issue:
                bill.invoice = invoice_issue(invoice=bill.inv, by=self.finance)

        self.bills.append(bill)
        return self.plan(when, run)

    def pay(self, bill: _Bill, on: dt.date, *, part: float = 1.0, method: str | None = None) -> None:
        """A payment of the balance (or a part of the total) received on ``on`` (a weekend: the Friday)."""
        while on.weekday() >= 5:
            on -= dt.timedelta(days=1)
        if on > self.today:
            return
        method = method or self.rng.choice([Payment.Method.BANK, Payment.Method.BANK, Payment.Method.UPI])
        reference = self.reference(method)

        def run() -> None:
            invoice = Invoice.objects.get(pk=bill.inv.pk)
            amount = invoice.balance_minor if part >= 1 else int(invoice.total_minor * part) // 100 * 100
            if amount > 0:
                payment_record(
                    invoice=invoice,
                    by=self.finance,
                    amount_minor=amount,
                    received_on=on,
                    method=method,
                    reference=reference,
                )

        self.plan(self.moment(on, hour=(14, 17)), run)

    def promise(
        self, bill: _Bill, *, recorded: dt.date, promised: dt.date, note: str, part: float = 1.0
    ) -> None:
        def run() -> None:
            invoice = Invoice.objects.select_related("client").get(pk=bill.inv.pk)
            owner = invoice.client.owner or self.finance
            promise_record(
                invoice=invoice,
                by=owner,
                promised_on=promised,
                amount_minor=max(100, int(invoice.balance_minor * part) // 100 * 100),
                contact=self.payer(invoice.client),
                note=note,
            )

        self.plan(self.moment(recorded, hour=(11, 16)), run)

    def remind(self, bill: _Bill, due: dt.date, issued: dt.date) -> None:
        """Each reminder level on its date, as the scheduler sends it; a paid invoice is skipped then."""
        for level in self.levels:
            day = due + dt.timedelta(days=level.days)
            if day < issued or day > self.today:
                continue

            def run(level: ReminderLevel = level, day: dt.date = day) -> None:
                if bill.invoice is not None and not bill.invoice.is_draft:
                    reminders.payment_reminder_send(invoice_id=bill.inv.pk, level_id=level.pk, today=day)

            at = dt.datetime.combine(day, dt.time(9, 5), self.zone).astimezone(dt.UTC)
            self.plan(at, run)

    # The story

    def retainers(self) -> None:
        for name, delays in RETAINERS:
            client = self.clients.get(name)
            if client is None:
                continue
            fee = self.fee(client)
            count = len(delays) + 1
            for index in range(count):
                # Issued on the first working day of each of the last four months (the last one unpaid
                # and not yet due).
                back = count - 1 - index
                year, month0 = divmod(self.today.year * 12 + self.today.month - 1 - back, 12)
                issued = self.working_day(dt.date(year, month0 + 1, 1))
                if issued > self.today:
                    continue
                month = issued.strftime("%B %Y")
                bill = _Bill()
                lines = [
                    {
                        "description": f"Monthly retainer, {month}: search, content and reporting",
                        "unit_price_minor": fee,
                        "tax_rate_bp": 1800 if client.country == "IN" else 0,
                        **({} if client.country == "IN" else {"tax_category": "Z"}),
                    }
                ]
                if client.country == "IN" and self.rng.random() < 0.5:
                    hours = self.rng.choice([4, 6, 8])
                    lines.append(
                        {
                            "description": f"Additional design hours, {month}",
                            "quantity_milli": hours * 1000,
                            "unit_code": "HUR",
                            "unit_price_minor": price_in(2_000, client.currency),
                            "tax_rate_bp": 1800,
                        }
                    )
                self.draft(bill, client=client, issued_on=issued, lines=lines)
                due = issued + dt.timedelta(days=client.payment_terms_days)
                if index < len(delays):
                    delay = delays[index]
                    paid = max(issued + dt.timedelta(days=1), due + dt.timedelta(days=delay))
                    if delay >= 8:
                        # Paid late, but as promised after the first reminders.
                        self.promise(
                            bill,
                            recorded=due + dt.timedelta(days=3),
                            promised=paid + dt.timedelta(days=1),
                            note="Their finance team was closing the quarter; payment in the next run.",
                        )
                    self.pay(bill, paid)
                elif due < self.today:
                    self.pay(bill, due - dt.timedelta(days=1))  # this month's, on short terms: paid on time
                if name == CREDITED and index == len(delays) - 1:
                    self.credit(bill, issued)
                if due <= self.today + dt.timedelta(days=3):
                    self.remind(bill, due, issued)

    def working_day(self, day: dt.date) -> dt.date:
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        return day

    def credit(self, bill: _Bill, issued: dt.date) -> None:
        when = self.moment(self.working_day(issued + dt.timedelta(days=9)), hour=(15, 17))

        def run() -> None:
            invoice = Invoice.objects.get(pk=bill.inv.pk)
            credit_note_issue(
                invoice=invoice,
                by=self.finance,
                reason="Two of the month's reports were delivered a week late: 10% of the retainer credited, "
                "as agreed with the client.",
                amount_minor=invoice.total_minor // 10 // 100 * 100,
            )

        self.plan(when, run)

    def acts(self) -> None:
        accepted = {
            act.client.display_name: act
            for act in Document.objects.filter(kind__code="act", status=Document.Status.ACCEPTED)
            .select_related("client", "client__owner")
            .order_by("decided_at")
        }
        for name in (ACT_PAID_ON_TIME, ACT_PAID_LATE, ACT_FOREIGN, ACT_DRAFT):
            act = accepted.get(name)
            if act is None or act.decided_at is None:
                continue
            client = act.client
            issued = min(self.working_day(self.day_of(act.decided_at) + dt.timedelta(days=1)), self.today)
            due = issued + dt.timedelta(days=client.payment_terms_days)
            bill = _Bill()
            if name == ACT_DRAFT:
                self.from_act(bill, act, issued_on=self.today, issue=False)
                continue
            self.from_act(bill, act, issued_on=issued)
            if name == ACT_PAID_ON_TIME:
                self.pay(bill, due - dt.timedelta(days=2), method=Payment.Method.BANK)
            elif name == ACT_PAID_LATE:
                # A few days late, in two parts: by UPI the week it was due, the rest a week later.
                self.pay(bill, due + dt.timedelta(days=3), part=0.5, method=Payment.Method.UPI)
                self.pay(bill, due + dt.timedelta(days=9), method=Payment.Method.BANK)
            else:
                # Abroad, in euros: half paid by SEPA transfer, the rest not yet due or overdue a little.
                self.pay(
                    bill,
                    min(issued + dt.timedelta(days=12), self.today),
                    part=0.5,
                    method=Payment.Method.BANK,
                )
            self.remind(bill, due, issued)

    def overdue(self) -> None:
        for name, days, partly in OVERDUE:
            client = self.clients.get(name)
            if client is None:
                continue
            due = self.today - dt.timedelta(days=days)
            issued = due - dt.timedelta(days=client.payment_terms_days)
            while issued.weekday() >= 5:  # issued on a working day: the terms grew by a day or two
                issued -= dt.timedelta(days=1)
            month = (issued - dt.timedelta(days=3)).strftime("%B %Y")
            bill = _Bill()
            self.draft(
                bill,
                client=client,
                issued_on=issued,
                lines=[
                    {
                        "description": f"Monthly retainer, {month}: search, content and reporting",
                        "unit_price_minor": self.fee(client),
                        "tax_rate_bp": 1800,
                    }
                ],
                due=due,
            )
            if partly:
                self.pay(bill, due + dt.timedelta(days=4), part=0.4, method=Payment.Method.BANK)
            if name == PROMISE_TODAY:
                self.promise(
                    bill,
                    recorded=self.today - dt.timedelta(days=2),
                    promised=self.today,
                    note="Promised on the call: the cheque clears today.",
                )
            if name == PROMISE_BROKEN:
                self.promise(
                    bill,
                    recorded=due + dt.timedelta(days=7),
                    promised=due + dt.timedelta(days=13),
                    note="The rest after their board approves the quarter's vendor payments.",
                )
            self.remind(bill, due, issued)

    def voided(self) -> None:
        client = self.clients.get(VOIDED)
        if client is None:
            return
        issued = self.working_day(self.today - dt.timedelta(days=16))
        wrong = _Bill()
        lines = [
            {
                "description": "Search ads management, holiday season campaign",
                "unit_price_minor": self.fee(client),
                "tax_rate_bp": 1800,
            }
        ]
        self.draft(wrong, client=client, issued_on=issued, lines=lines, note="Billed to the Kochi office.")
        when = self.moment(issued + dt.timedelta(days=1), hour=(15, 16))
        self.plan(
            when,
            lambda: invoice_void(
                invoice=wrong.inv,
                by=self.finance,
                reason="Billed to the branch office instead of the head office; issued again.",
            ),
        )
        right = _Bill()
        self.draft(right, client=client, issued_on=issued + dt.timedelta(days=1), lines=lines)


def demo_billing_create(*, seed: int, now: dt.datetime) -> DemoBilling:
    """Build the billing of the demo (the caller built the clients, projects and documents first)."""
    head = User.objects.filter(role=User.Role.HEAD, email__endswith=".example").order_by("id")[0]
    agency_update(by=head, **AGENCY_BILLING)
    for day, name in HOLIDAYS:
        holiday_add(by=head, date=day, name=name)
    cashier = Cashier(seed=seed, now=now)
    cashier.retainers()
    cashier.acts()
    cashier.overdue()
    cashier.voided()
    cashier.replay()
    cashier.result.invoices = Invoice.objects.filter(kind=Invoice.Kind.INVOICE).count()
    cashier.result.credit_notes = Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).count()
    cashier.result.payments = Payment.objects.count()
    return cashier.result
