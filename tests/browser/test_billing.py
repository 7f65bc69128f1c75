"""An invoice from end to end in a real Chromium: finance drafts it from the act the client accepted,
issues it and records part of the payment; the client's contact sees the balance in the portal and
downloads the PDF; the scheduler's reminder shows on the invoice's history and the client's timeline;
and the portal reads in Hindi, its PDF too.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core import mail
from django.utils import timezone, translation
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from conftest import PASSWORD
from khata.billing.models import Invoice, ReminderLevel, ReminderSent
from khata.billing.reminders import REMINDER_JOB
from khata.billing.services import invoice_from_acts, invoice_issue, payment_record
from khata.billing.tests.conftest import (
    accepted_act,
    act,
    agreed,
    approver_a,
    copy,
    done_tasks,
    kinds,
    project,
    seo,
)
from khata.clients.models import Client, Contact
from khata.core.money import money_format
from khata.core.scheduling import periodic_jobs, scheduler_pass
from khata.documents.models import Document
from khata.people.models import User
from tests.browser.steps import screenshot, sign_in, sign_out

pytestmark = pytest.mark.browser
SHOTS = Path("/tmp/shots/billing")
__all__ = ["accepted_act", "act", "agreed", "approver_a", "copy", "done_tasks", "kinds", "project", "seo"]

# The accepted act bills ₹80,000 + ₹30,000; with 18% tax the invoice is ₹1,29,800.
TOTAL_MINOR = 1_29_800_00
PAID_MINOR = 50_000_00
BALANCE_MINOR = TOTAL_MINOR - PAID_MINOR


DEVANAGARI = re.compile(r"[\u0900-\u097f]")
# What the contact reads on the portal's invoice pages, each of which must read in Hindi.
PORTAL_LABELS = [
    "Your invoices",
    "Due",
    "Paid and credited",
    "Partly paid",
    "To pay",
    "Payments received",
    "Lines",
    "Download PDF",
]


def hindi(text: str) -> str:
    """The Hindi of an interface string, as Khata's catalogue has it."""
    with translation.override("hi"):
        return translation.gettext(text)


def shot(page: Page, name: str) -> None:
    """A full-page screenshot from the top, so the sticky top bar stays at the top of the picture."""
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, name, folder=SHOTS)


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


@pytest.fixture
def reminder_levels(db: None) -> None:
    """The agency's default reminder levels from their migration (a transactional test flushes them)."""
    migration = importlib.import_module("khata.billing.migrations.0003_default_reminder_levels")
    migration.add_levels(apps, None)


@pytest.fixture
def payer(client_a: Client) -> Contact:
    """The client's accounts payable, who receives the payment reminders."""
    return Contact.objects.create(
        client=client_a,
        full_name="Pankaj Payer",
        email="pankaj@acme.test",
        role=Contact.Role.PAYER,
        language="en",
    )


def remind_on(day: dt.date) -> int:
    """One pass of the scheduler's payment reminders at 10:00 in Kolkata on ``day``; the task runs at once."""
    moment = dt.datetime(day.year, day.month, day.day, 4, 30, tzinfo=dt.UTC)
    jobs = [job for job in periodic_jobs() if job.name == REMINDER_JOB]
    return scheduler_pass(now=moment, jobs=jobs).total


def test_finance_bills_an_accepted_act_and_the_client_sees_the_balance_and_a_reminder(
    page: Page,
    finance: User,
    contact_a: User,
    accepted_act: Document,
    payer: Contact,
    reminder_levels: None,
) -> None:
    page.set_default_navigation_timeout(30_000)
    page.on("dialog", lambda dialog: dialog.accept())  # "Issue this invoice?" is answered yes
    client = accepted_act.client
    today = timezone.localdate()

    # Finance finds the accepted act waiting on Today, then opens the client.
    sign_in(page, email=finance.email, password=PASSWORD)
    page.goto("/")
    acts_card = page.locator("#card-billingacts_to_invoice")
    expect(acts_card.get_by_role("link", name="Invoice it")).to_be_visible()
    expect(acts_card.get_by_text(f"{accepted_act.number} · {accepted_act.title}")).to_be_visible()
    shot(page, "01-today-acts-to-invoice")
    page.goto(f"/clients/{client.pk}/")
    expect(page.get_by_role("heading", name="Acme Retail", level=1)).to_be_visible()
    shot(page, "02-client-before")

    # From the invoice list: invoice accepted acts, for this client.
    page.goto("/billing/")
    page.get_by_role("link", name="Invoice accepted acts").click()
    page.get_by_label("Client").select_option(str(client.pk))
    page.get_by_role("button", name="Show the client's accepted acts").click()
    page.get_by_role("checkbox", name=accepted_act.number).check()
    expect(page.get_by_label("Tax rate, %")).to_have_value("18")
    shot(page, "03-from-acts")
    page.get_by_role("button", name="Draft the invoice").click()
    expect(page.get_by_role("heading", name="DRAFT", level=1)).to_be_visible()
    lines = page.locator("#lines")
    expect(lines.get_by_role("cell", name="SEO audit")).to_be_visible()
    expect(lines.get_by_role("link", name=accepted_act.number).first).to_be_visible()
    shot(page, "04-draft")

    # Issue: the invoice gets its number.
    page.get_by_role("button", name="Issue", exact=True).click()
    # The page first, then the database: the live server shares its one SQLite connection with this thread.
    expect(page.get_by_text(re.compile(r"^Invoice INV/\d{4}/\d{6} is issued\.$"))).to_be_visible()
    invoice = Invoice.objects.get(client=client, kind=Invoice.Kind.INVOICE)
    assert invoice.number and invoice.number.startswith(f"INV/{today.year}/")
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}", level=1)).to_be_visible()
    assert invoice.total_minor == TOTAL_MINOR
    shot(page, "05-issued")

    # A partial payment: the invoice is partly paid, with the rest still owed.
    payments = page.locator("#payments")
    payments.locator("summary", has_text="Record a payment").click()
    payments.get_by_label("Amount").fill("50000")
    payments.get_by_label("Method").select_option("bank")
    payments.get_by_label("Reference").fill("NEFT-123456")
    payments.get_by_role("button", name="Record the payment").click()
    expect(page.get_by_text("The payment is recorded.")).to_be_visible()
    header = page.locator(".page-header__meta")
    expect(header.get_by_text("Partly paid")).to_be_visible()
    expect(header).to_contain_text(money_format(BALANCE_MINOR, "INR", "en"))
    expect(page.locator("#payments").get_by_role("cell", name="NEFT-123456")).to_be_visible()
    invoice.refresh_from_db()
    assert invoice.amount_paid_minor == PAID_MINOR and invoice.balance_minor == BALANCE_MINOR
    assert invoice.state(today) == "partly_paid"
    shot(page, "06-partly-paid")
    sign_out(page)

    # The contact sees the invoice among what is due, with the balance, and downloads its PDF.
    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/")
    to_pay = page.locator("#section-invoices")
    expect(to_pay.get_by_text(f"{invoice.number} · ")).to_be_visible()
    shot(page, "07-portal-home")
    page.goto("/portal/invoices/")
    due = page.locator("#invoices-due")
    expect(due.get_by_role("link", name=invoice.number)).to_be_visible()
    expect(due).to_contain_text(money_format(BALANCE_MINOR, "INR", "en"))
    shot(page, "08-portal-invoices")
    due.get_by_role("link", name=invoice.number).click()
    expect(page.get_by_role("heading", name=f"Invoice {invoice.number}", level=1)).to_be_visible()
    balance = page.locator("#balance")
    expect(balance.locator(".stat__value")).to_contain_text(money_format(BALANCE_MINOR, "INR", "en"))
    expect(page.locator(".page-header__meta").get_by_text("Partly paid")).to_be_visible()
    expect(page.locator("#payments")).to_contain_text("NEFT-123456")
    shot(page, "09-portal-invoice")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    body = Path(download.path()).read_bytes()
    (SHOTS / "invoice-en.pdf").write_bytes(body)
    assert body.startswith(b"%PDF")
    assert invoice.number in pdf_text(body)
    assert download.suggested_filename.endswith(".pdf")
    sign_out(page)

    # A week after the due date the scheduler sends the 7-day reminder to the client's payer.
    week_late = ReminderLevel.objects.get(days=7)
    assert remind_on(invoice.due_date + dt.timedelta(days=7)) == 1
    assert ReminderSent.objects.filter(invoice=invoice, level=week_late).exists()
    reminded = [message for message in mail.outbox if message.to == [payer.email]]
    assert len(reminded) == 1 and invoice.number in reminded[0].subject
    with translation.override("en"):
        summary = (
            f"Payment reminder ({week_late.label}) for invoice {invoice.number} emailed to {payer.full_name}"
        )

    # Finance reloads the invoice: the reminder is on its reminders and its history.
    sign_in(page, email=finance.email, password=PASSWORD)
    # Today no longer asks for the act to be invoiced.
    expect(page.locator("#card-billingacts_to_invoice")).to_contain_text("Every accepted act is invoiced.")
    page.goto(f"/billing/{invoice.pk}/")
    reminders = page.locator("#reminders")
    row = reminders.get_by_role("row").filter(has_text=str(week_late.label))
    expect(row.locator(".badge")).to_have_text(re.compile(r"^Sent "))
    expect(page.get_by_text(summary)).to_be_visible()
    shot(page, "10-invoice-reminded")

    # And on the client's timeline.
    page.goto(f"/clients/{client.pk}/")
    expect(page.get_by_text(summary).first).to_be_visible()
    shot(page, "11-client-timeline")


def test_the_contact_reads_the_invoice_in_hindi(
    page: Page,
    finance: User,
    contact_a: User,
    accepted_act: Document,
) -> None:
    page.set_default_navigation_timeout(30_000)
    today = timezone.localdate()
    invoice = invoice_from_acts(by=finance, client=accepted_act.client, acts=[accepted_act], issue_date=today)
    invoice = invoice_issue(invoice=invoice, by=finance)
    payment_record(
        invoice=invoice, by=finance, amount_minor=PAID_MINOR, received_on=today, reference="NEFT-123456"
    )

    sign_in(page, email=contact_a.email, password=PASSWORD)
    page.goto("/portal/invoices/")
    page.get_by_label("Language", exact=True).select_option("hi")
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    expect(page.get_by_role("heading", name=hindi("Your invoices"), level=1)).to_be_visible()
    due = page.locator("#invoices-due")
    expect(due.locator("#due-title")).to_contain_text(hindi("Due"))
    expect(due.get_by_role("link", name=invoice.number)).to_be_visible()
    expect(page.locator("#settled-title")).to_have_text(hindi("Paid and credited"))
    shot(page, "12-portal-invoices-hi")

    due.get_by_role("link", name=invoice.number).click()
    expect(page.locator("html")).to_have_attribute("lang", "hi")
    heading = hindi("Invoice %(number)s") % {"number": invoice.number}
    expect(page.get_by_role("heading", name=heading, level=1)).to_be_visible()
    expect(page.locator(".page-header__meta").get_by_text(hindi("Partly paid"))).to_be_visible()
    expect(page.locator("#balance-title")).to_have_text(hindi("To pay"))
    expect(page.locator("#balance")).to_contain_text(money_format(BALANCE_MINOR, "INR", "hi"))
    expect(page.locator("#payments-title")).to_have_text(hindi("Payments received"))
    expect(page.locator("#lines-title")).to_have_text(hindi("Lines"))
    download_link = page.get_by_role("link", name=hindi("Download PDF"))
    expect(download_link).to_be_visible()
    shot(page, "13-portal-invoice-hi")

    # The PDF comes in the reader's language: Hindi, with the invoice's number.
    with page.expect_download() as download_info:
        download_link.click()
    body = Path(download_info.value.path()).read_bytes()
    (SHOTS / "invoice-hi.pdf").write_bytes(body)
    assert body.startswith(b"%PDF")
    text = pdf_text(body)
    assert invoice.number in text
    assert DEVANAGARI.search(text), "the PDF should read in Hindi"

    # Every label checked above is Hindi indeed, not the English the catalogue falls back to.
    labels = [*PORTAL_LABELS, "Invoice %(number)s"]
    untranslated = [label for label in labels if not DEVANAGARI.search(hindi(label))]
    assert untranslated == [], f"The portal's invoice labels lack Hindi: {untranslated}"
