"""Payment reminders: each level goes once per invoice to the client's payers, with the invoice's PDF,
however many days and schedulers pass; never for a paid invoice or a paused client."""

from __future__ import annotations

import datetime as dt
import io
import threading
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from khata.billing.models import BillingProfile, Invoice, ReminderLevel, ReminderSent
from khata.billing.reminders import (
    REMINDER_JOB,
    due_reminders,
    payment_reminder_send,
    reminder_recipients,
    reminder_schedule,
)
from khata.billing.services import (
    billing_profile_update,
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    payment_record,
)
from khata.clients.models import Client, Contact
from khata.core.models import Event, ScheduledRun
from khata.core.scheduling import PeriodicJob, periodic_jobs, scheduler_pass
from khata.people.models import User

ISSUED = dt.date(2026, 11, 1)
DUE = dt.date(2026, 12, 1)


def moment(day: dt.date, hour: int = 4) -> dt.datetime:
    """A UTC moment on ``day`` (04:30 UTC is 10:00 in Kolkata, the agency's day)."""
    return dt.datetime(day.year, day.month, day.day, hour, 30, tzinfo=dt.UTC)


def reminder_jobs() -> list[PeriodicJob]:
    return [job for job in periodic_jobs() if job.name == REMINDER_JOB]


def remind(day: dt.date, hour: int = 4) -> int:
    return scheduler_pass(now=moment(day, hour), jobs=reminder_jobs()).total


def make_invoice(by: User, client: Client, *, amount: int = 100_000_00, due: dt.date = DUE) -> Invoice:
    invoice = invoice_create(by=by, client=client, issue_date=ISSUED, due_date=due)
    invoice_line_add(invoice=invoice, by=by, description="SEO retainer, November", unit_price_minor=amount)
    return invoice_issue(invoice=invoice, by=by)


@pytest.fixture
def payer(client_a: Client) -> Contact:
    return Contact.objects.create(
        client=client_a,
        full_name="Pankaj Payer",
        email="pankaj@acme.test",
        role=Contact.Role.PAYER,
        language="hi",
    )


@pytest.fixture
def invoice(finance: User, client_a: Client, payer: Contact) -> Invoice:
    return make_invoice(finance, client_a)


def sent_levels(invoice: Invoice) -> list[int]:
    return list(
        ReminderSent.objects.filter(invoice=invoice)
        .order_by("level__days")
        .values_list("level__days", flat=True)
    )


@pytest.mark.django_db
def test_the_default_levels_are_three_days_before_on_the_day_and_a_week_two_and_a_month_late() -> None:
    assert list(ReminderLevel.objects.values_list("days", "active")) == [
        (-3, True),
        (0, True),
        (7, True),
        (14, True),
        (30, True),
    ]


@pytest.mark.django_db
def test_walking_day_by_day_each_level_is_sent_exactly_once(invoice: Invoice) -> None:
    day = dt.date(2026, 11, 20)
    sent_on: list[dt.date] = []
    while day <= dt.date(2027, 1, 31):
        for hour in (4, 9):  # the scheduler passes several times a day
            if remind(day, hour):
                sent_on.append(day)
        day += dt.timedelta(days=1)

    assert sent_on == [
        dt.date(2026, 11, 28),
        dt.date(2026, 12, 1),
        dt.date(2026, 12, 8),
        dt.date(2026, 12, 15),
        dt.date(2026, 12, 31),
    ]
    assert sent_levels(invoice) == [-3, 0, 7, 14, 30]
    assert len(mail.outbox) == 5
    assert all(message.to == ["pankaj@acme.test"] for message in mail.outbox)
    assert Event.objects.filter(kind="billing.reminder_sent", client=invoice.client).count() == 5


@pytest.mark.django_db
def test_a_scheduler_down_for_two_days_still_sends_the_level_once(invoice: Invoice) -> None:
    assert remind(dt.date(2026, 12, 10)) == 1  # the 7-day level fell on 8 Dec
    assert remind(dt.date(2026, 12, 11)) == 0
    assert sent_levels(invoice) == [7]


@pytest.mark.django_db
def test_after_a_long_outage_only_the_latest_level_goes_and_older_ones_are_skipped(invoice: Invoice) -> None:
    # On 1 Dec both "3 days before" (28 Nov) and "on the day" are in the window: the client gets one email.
    assert remind(dt.date(2026, 12, 1)) == 1
    assert sent_levels(invoice) == [0]
    assert remind(dt.date(2026, 12, 2)) == 0
    schedule = reminder_schedule(invoice, today=dt.date(2026, 12, 2))
    assert [(row.level.days, row.state) for row in schedule.rows] == [
        (-3, "skipped"),
        (0, "sent"),
        (7, "planned"),
        (14, "planned"),
        (30, "planned"),
    ]
    assert schedule.next is not None and schedule.next.on == dt.date(2026, 12, 8)


@pytest.mark.django_db
def test_a_paid_invoice_gets_no_reminder(invoice: Invoice, finance: User) -> None:
    payment_record(
        invoice=invoice, by=finance, amount_minor=invoice.total_minor, received_on=dt.date(2026, 11, 20)
    )

    for offset in range(0, 45):
        remind(dt.date(2026, 11, 25) + dt.timedelta(days=offset))

    assert ReminderSent.objects.count() == 0 and mail.outbox == []


@pytest.mark.django_db
def test_a_credit_note_is_never_reminded(invoice: Invoice, finance: User) -> None:
    credit_note_issue(invoice=invoice, by=finance, reason="Two days not worked", amount_minor=10_000_00)
    items = due_reminders(today=dt.date(2026, 12, 1))
    assert [item.invoice_id for item in items] == [invoice.pk]  # the credit note is not listed


@pytest.mark.django_db
def test_a_paused_client_gets_nothing_and_resuming_sends_the_level_still_due(
    invoice: Invoice, finance: User, am: User
) -> None:
    billing_profile_update(client=invoice.client, by=am, reminders_paused=True)

    assert remind(dt.date(2026, 12, 1)) == 0
    assert mail.outbox == [] and ReminderSent.objects.count() == 0
    # The Today card still lists it, marked paused.
    (paused,) = due_reminders(today=dt.date(2026, 12, 1), include_paused=True)
    assert paused.paused and paused.level.days == 0

    billing_profile_update(client=invoice.client, by=am, reminders_paused=False)
    assert remind(dt.date(2026, 12, 2)) == 1  # still within the catch-up window
    assert sent_levels(invoice) == [0]
    assert Event.objects.filter(kind="billing.reminders_paused").count() == 1
    assert Event.objects.filter(kind="billing.reminders_resumed").count() == 1


@pytest.mark.django_db
def test_a_task_that_finds_the_client_paused_sends_nothing_and_the_level_stays_due(
    invoice: Invoice, am: User, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert remind(DUE) == 1  # enqueued, not yet run
    (queued,) = DBTaskResult.objects.filter(task_path="khata.billing.tasks.payment_reminder_task")
    billing_profile_update(client=invoice.client, by=am, reminders_paused=True)

    # The worker runs the queued task after the pause.
    outcome = payment_reminder_send(
        **{k: queued.args_kwargs["kwargs"][k] for k in ("invoice_id", "level_id")}
    )

    assert outcome.skipped == "paused"
    assert mail.outbox == [] and ReminderSent.objects.count() == 0
    assert not ScheduledRun.objects.filter(job=REMINDER_JOB).exists()

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    billing_profile_update(client=invoice.client, by=am, reminders_paused=False)
    assert remind(DUE + dt.timedelta(days=1)) == 1
    assert sent_levels(invoice) == [0] and len(mail.outbox) == 1


@pytest.mark.django_db
def test_the_same_level_sent_twice_emails_once(invoice: Invoice) -> None:
    level = ReminderLevel.objects.get(days=0)
    first = payment_reminder_send(invoice_id=invoice.pk, level_id=level.pk, today=DUE)
    second = payment_reminder_send(invoice_id=invoice.pk, level_id=level.pk, today=DUE)

    assert (first.sent, second.sent, second.skipped) == (1, 0, "already_sent")
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_disabled_level_is_not_sent(invoice: Invoice) -> None:
    ReminderLevel.objects.filter(days=0).update(active=False)
    assert remind(dt.date(2026, 11, 28)) == 1
    assert remind(DUE) == 0
    assert remind(dt.date(2026, 12, 3)) == 0
    assert sent_levels(invoice) == [-3]


@pytest.mark.django_db
def test_the_email_is_in_the_payers_language_with_the_invoice_pdf_attached(invoice: Invoice) -> None:
    assert remind(dt.date(2026, 12, 8)) == 1

    (message,) = mail.outbox
    assert message.to == ["pankaj@acme.test"]
    assert invoice.number in message.subject
    assert "अनुस्मारक" in message.subject  # Hindi: "reminder"
    (attachment,) = message.attachments
    filename, content, mimetype = attachment
    assert mimetype == "application/pdf" and filename.endswith(".pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert invoice.number in text


@pytest.mark.django_db
def test_an_english_payer_reads_how_late_and_how_much(finance: User, client_a: Client) -> None:
    Contact.objects.create(
        client=client_a, full_name="Edith Payer", email="edith@acme.test", role=Contact.Role.PAYER
    )
    invoice = make_invoice(finance, client_a)
    payment_record(invoice=invoice, by=finance, amount_minor=40_000_00, received_on=dt.date(2026, 11, 20))

    assert remind(dt.date(2026, 12, 8)) == 1

    (message,) = mail.outbox
    assert message.subject == f"Reminder: invoice {invoice.number} was due on 1 Dec 2026"
    assert "Dear Edith Payer," in message.body
    assert "was due on 1 Dec 2026, 7 days ago." in message.body
    assert "Amount still to pay: ₹78,000.00" in message.body


@pytest.mark.django_db
def test_the_reminder_is_on_the_clients_timeline_with_the_invoice(invoice: Invoice) -> None:
    remind(DUE)

    (event,) = Event.objects.filter(kind="billing.reminder_sent")
    assert event.client_id == invoice.client_id
    assert event.subject_id == invoice.pk
    assert event.summary == (
        f"Payment reminder (On the due date) for invoice {invoice.number} emailed to Pankaj Payer"
    )


@pytest.mark.django_db
def test_payers_come_first_then_decision_makers(client_a: Client, payer: Contact) -> None:
    boss = Contact.objects.create(
        client=client_a, full_name="Dev Decider", email="dev@acme.test", role=Contact.Role.DECISION_MAKER
    )
    assert reminder_recipients(client_a) == [payer]
    payer.delete()
    assert reminder_recipients(client_a) == [boss]


@pytest.mark.django_db
def test_a_client_without_billing_contacts_leaves_a_failed_event(finance: User, client_a: Client) -> None:
    invoice = make_invoice(finance, client_a)

    assert remind(DUE) == 1

    assert mail.outbox == []
    assert sent_levels(invoice) == [0]
    assert Event.objects.filter(kind="billing.reminder_failed", subject_id=invoice.pk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_send_each_level_once(
    finance: User, client_a: Client, payer: Contact, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    for days in (
        -3,
        0,
        7,
        14,
        30,
    ):  # a committing test may follow another that flushed the migration's levels
        ReminderLevel.objects.get_or_create(days=days)
    invoice = make_invoice(finance, client_a)
    start = threading.Barrier(2, timeout=30)

    def racing(job: PeriodicJob) -> PeriodicJob:
        def due(now: dt.datetime) -> list[tuple[str, dict[str, Any]]]:
            items = list(job.due(now))
            start.wait()
            return items

        return PeriodicJob(name=job.name, due=due, task=job.task)

    jobs = [racing(job) for job in reminder_jobs()]
    errors: list[BaseException] = []

    def scheduler(now: dt.datetime) -> None:
        try:
            scheduler_pass(now=now, jobs=jobs)
        except BaseException as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connection.close()

    for day in (dt.date(2026, 11, 28), DUE):
        threads = [threading.Thread(target=scheduler, args=(moment(day),)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    assert errors == []
    assert ScheduledRun.objects.filter(job=REMINDER_JOB).count() == 2
    tasks = DBTaskResult.objects.filter(task_path="khata.billing.tasks.payment_reminder_task")
    assert tasks.count() == 2 and mail.outbox == []

    call_command("worker", "--batch", "--no-startup-delay", verbosity=0)

    assert len(mail.outbox) == 2
    assert sent_levels(invoice) == [-3, 0]
    assert Event.objects.filter(kind="billing.reminder_sent").count() == 2


# --- the pages ----------------------------------------------------------------------------------

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
LEVEL_READERS = {"admin": 200, "am": 200, "other_am": 200, "finance": 200, "specialist": 403}
LEVEL_EDITORS = {"admin": 200, "finance": 200, "am": 403, "other_am": 403, "specialist": 403}
CLIENT_EDITORS = {"admin": 200, "am": 200, "finance": 200, "specialist": 403}


def expect_denied_or(response: Any, persona: str, allowed: dict[str, int]) -> int:
    """Anonymous → sign in; a contact or someone who does not see it → 404; else the allowed code."""
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return 302
    expected = allowed.get(persona, 404)
    assert response.status_code == expected, (persona, response.status_code)
    return expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["levels", "level_edit", "client_settings"])
def test_pages_answer_each_persona(http_as: Any, client_a: Client, persona: str, page: str) -> None:
    level = ReminderLevel.objects.get(days=7)
    url, allowed = {
        "levels": (reverse("billing:reminder_levels"), LEVEL_READERS),
        "level_edit": (reverse("billing:reminder_level_edit", args=[level.pk]), LEVEL_EDITORS),
        "client_settings": (reverse("billing:client_settings", args=[client_a.pk]), CLIENT_EDITORS),
    }[page]
    expect_denied_or(http_as(persona).get(url), persona, allowed)


def _levels() -> list[tuple[int, str, bool]]:
    return list(ReminderLevel.objects.order_by("days").values_list("days", "name", "active"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_head_and_finance_add_a_level_and_a_denied_one_changes_nothing(
    http_as: Any, client_a: Client, persona: str
) -> None:
    before = _levels()
    response = http_as(persona).post(
        reverse("billing:reminder_levels"), {"days": "60", "name": "", "active": "on"}
    )
    allowed = {"admin": 302, "finance": 302, "am": 403, "other_am": 403, "specialist": 403}
    expected = expect_denied_or(response, persona, allowed)
    assert (_levels() != before) == (expected == 302 and persona != "anonymous")


@pytest.mark.parametrize("persona", PERSONAS)
def test_pausing_follows_who_bills_the_client_and_a_denied_one_changes_nothing(
    http_as: Any, client_a: Client, persona: str
) -> None:
    response = http_as(persona).post(
        reverse("billing:client_settings", args=[client_a.pk]), {"reminders_paused": "on"}
    )
    allowed = {"admin": 302, "am": 302, "finance": 302, "specialist": 403}
    expected = expect_denied_or(response, persona, allowed)
    paused = BillingProfile.objects.filter(client=client_a, reminders_paused=True).exists()
    assert paused == (expected == 302 and persona != "anonymous")


def test_finance_adds_renames_and_disables_a_level(http_as: Any, finance: User) -> None:
    http = http_as("finance")
    response = http.post(
        reverse("billing:reminder_levels"), {"days": "60", "name": "Final notice", "active": "on"}
    )
    assert response.status_code == 302
    level = ReminderLevel.objects.get(days=60)
    assert level.label == "Final notice" and level.active

    response = http.post(reverse("billing:reminder_level_edit", args=[level.pk]), {"days": "45", "name": ""})
    assert response.status_code == 302
    level.refresh_from_db()
    assert (level.days, level.name, level.active) == (45, "", False)
    assert level.label == "45 days after the due date"
    kinds = list(
        Event.objects.filter(kind__startswith="billing.reminder_level").values_list("kind", flat=True)
    )
    assert sorted(kinds) == ["billing.reminder_level_added", "billing.reminder_level_changed"]

    page = http.get(reverse("billing:reminder_levels")).content.decode()
    assert "3 days before the due date" in page and "On the due date" in page and "Disabled" in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"days": "7"}, "days", "Another reminder level is already sent on this day."),
        ({"days": "abc"}, "days", "Enter a whole number."),
        ({"days": "999"}, "days", "Ensure this value is less than or equal to 365."),
        ({"days": "-61"}, "days", "Ensure this value is greater than or equal to -60."),
        (
            {"days": "50", "name": "x" * 81},
            "name",
            "Ensure this value has at most 80 characters (it has 81).",
        ),
    ],
)
def test_a_bad_level_shows_the_error_beside_the_field_and_changes_nothing(
    http_as: Any, finance: User, data: dict[str, str], field: str, message: str
) -> None:
    before = _levels()
    response = http_as("finance").post(reverse("billing:reminder_levels"), data)
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    assert _levels() == before


def test_moving_a_level_onto_another_ones_day_is_refused(http_as: Any, finance: User) -> None:
    level = ReminderLevel.objects.get(days=14)
    response = http_as("finance").post(
        reverse("billing:reminder_level_edit", args=[level.pk]), {"days": "7", "active": "on"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["days"] == ["Another reminder level is already sent on this day."]
    level.refresh_from_db()
    assert level.days == 14


def test_the_client_settings_show_the_open_invoices_and_their_next_reminder(
    http_as: Any, invoice: Invoice, am: User
) -> None:
    remind(dt.date(2026, 11, 28))
    page = http_as("am").get(reverse("billing:client_settings", args=[invoice.client_id])).content.decode()
    assert invoice.number in page
    assert "3 days before the due date" in page  # the last one sent
    assert "On the due date" in page  # the next one

    response = http_as("am").post(
        reverse("billing:client_settings", args=[invoice.client_id]),
        {"requires_accepted_act": "on", "reminders_paused": "on"},
    )
    assert response.status_code == 302
    profile = BillingProfile.objects.get(client_id=invoice.client_id)
    assert profile.requires_accepted_act and profile.reminders_paused
    page = http_as("am").get(reverse("billing:client_settings", args=[invoice.client_id])).content.decode()
    assert "Reminders paused" in page


def test_the_invoice_page_shows_which_reminders_went_and_which_come_next(
    http_as: Any, invoice: Invoice
) -> None:
    remind(dt.date(2026, 11, 28))
    page = http_as("finance").get(reverse("billing:detail", args=[invoice.pk])).content.decode()
    assert "Payment reminders" in page
    assert "Sent " in page and "Next" in page
    assert reverse("billing:client_settings", args=[invoice.client_id]) in page
