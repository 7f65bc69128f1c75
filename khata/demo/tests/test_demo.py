"""The demo agency tells a complete story: every status, a Today board with work, portal sign-ins."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone
from stdnum.eu import vat as eu_vat
from stdnum.in_ import gstin
from stdnum.us import ein

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.clients.selectors import clients_untouched_for, next_steps_due_for
from khata.clients.validators import EU_COUNTRIES, tax_id_clean
from khata.core.agency import agency_get
from khata.core.models import Event
from khata.demo.agency import DEMO_PASSWORD
from khata.demo.projects import demo_projects_create
from khata.documents.models import Document, DocumentDecision, DocumentFile
from khata.documents.selectors import (
    contracts_coming_up_for,
    document_get_for,
    portal_waiting_for,
    unsigned_acts_for,
)
from khata.people.models import Specialty, User
from khata.plans.models import Approval, ClientRequest, ItemDecision, Origin, PlanVersion, Project
from khata.plans.services import plan_diff
from khata.production.models import Brief, BriefAnswer, StatusReport, Task, TimeLog


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the demo's uploaded files go (never the installation's own media folder)."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(scope="module")
def demo_output(django_db_setup: Any, django_db_blocker: Any, demo_media: Path) -> Iterator[str]:
    """Load the demo once for this module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic(), override_settings(MEDIA_ROOT=demo_media):
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output: str, db: Any) -> str:
    return demo_output


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Client, Contact, Interaction, Event, User, Tag, Specialty)
    }


def test_demo_has_clients_at_every_status_in_several_countries_and_currencies(demo: str) -> None:
    assert set(Client.objects.values_list("status", flat=True)) == set(Client.Status.values)
    assert 35 <= Client.objects.count() <= 45
    assert {"IN", "DE", "US", "GB"} <= set(Client.objects.values_list("country", flat=True))
    assert {"INR", "EUR", "USD", "GBP"} <= set(Client.objects.values_list("currency", flat=True))
    assert len(set(Client.objects.values_list("segment", flat=True))) >= 4
    assert not Client.objects.filter(status=Client.Status.ACTIVE, partnership_since__isnull=True).exists()
    assert not Client.objects.filter(status=Client.Status.CHURNED, churned_on__isnull=True).exists()


def test_demo_staff_covers_every_role_and_specialty(demo: str) -> None:
    roles = {role: User.objects.filter(role=role).count() for role in User.Role.values}
    assert roles["head"] == 1
    assert roles["am"] == 3
    assert 8 <= roles["specialist"] <= 12
    assert roles["finance"] >= 1
    specialties = Specialty.objects.filter(user__role=User.Role.SPECIALIST).distinct().count()
    assert specialties == Specialty.objects.count() >= 7


def test_the_letterhead_carries_the_agency_details(demo: str) -> None:
    agency = agency_get()
    assert agency.legal_name and agency.address and agency.bank_details and agency.terms
    assert gstin.is_valid(agency.tax_id)


def test_every_tax_id_and_phone_is_valid(demo: str) -> None:
    for client in Client.objects.all():
        assert client.tax_id, client
        assert tax_id_clean(client.tax_id, client.country) == client.tax_id
        if client.country == "IN":
            assert gstin.is_valid(client.tax_id)
        elif client.country in EU_COUNTRIES:
            assert eu_vat.is_valid(client.tax_id)
        elif client.country == "US":
            assert ein.is_valid(client.tax_id)
    for contact in Contact.objects.select_related("client"):
        assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone, None)), contact.phone


def test_contacts_have_stakeholder_roles_and_languages(demo: str) -> None:
    per_client = {c.pk: c.contacts.count() for c in Client.objects.all()}
    assert min(per_client.values()) >= 2
    assert max(per_client.values()) <= 6
    assert set(Contact.objects.values_list("role", flat=True)) == set(Contact.Role.values)
    assert {"en", "hi", "ru"} <= set(Contact.objects.values_list("language", flat=True))


def test_history_spans_eighteen_months_and_the_timeline_follows_it(demo: str) -> None:
    now = timezone.now()
    oldest = Interaction.objects.order_by("occurred_at").first()
    assert oldest is not None
    assert oldest.occurred_at < now - dt.timedelta(days=365)
    assert not Interaction.objects.filter(occurred_at__gt=now).exists()
    assert set(Interaction.objects.values_list("kind", flat=True)) == set(Interaction.Kind.values)
    # Each interaction's event is stamped when it happened, not when the demo was loaded.
    logged = Event.objects.filter(kind="clients.interaction_logged").order_by("at").first()
    assert logged is not None
    assert logged.at < now - dt.timedelta(days=365)
    assert Event.objects.filter(kind="clients.interaction_logged").count() == Interaction.objects.count()
    assert Event.objects.filter(kind="clients.next_step_done").exists()


def test_every_account_manager_has_a_today_board_with_work(demo: str) -> None:
    today = timezone.localdate()
    for am in User.objects.filter(role=User.Role.AM):
        steps = list(next_steps_due_for(am, today=today))
        assert any(step.next_step_due < today for step in steps), am  # type: ignore[operator]
        assert any(today <= step.next_step_due <= today + dt.timedelta(days=7) for step in steps), am  # type: ignore[operator]
    untouched = clients_untouched_for(User.objects.get(role=User.Role.HEAD))
    assert untouched.filter(status=Client.Status.ACTIVE).count() >= 3
    assert Interaction.objects.filter(next_step_done_at__isnull=False).exists()


def test_portal_contact_signs_in_with_the_demo_password(demo: str) -> None:
    contact = Contact.objects.filter(portal_access=True, user__isnull=False).order_by("id").first()
    assert contact is not None
    assert Contact.objects.filter(portal_access=True).count() >= 3
    browser = HttpClient()
    response = browser.post("/accounts/login/", {"login": contact.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(contact.user_id)


def test_command_prints_the_sign_ins(demo: str) -> None:
    assert DEMO_PASSWORD in demo
    for role in (User.Role.HEAD, User.Role.AM, User.Role.SPECIALIST, User.Role.FINANCE):
        user = User.objects.filter(role=role).order_by("id").first()
        assert user is not None
        assert user.get_role_display() in demo
    head = User.objects.get(role=User.Role.HEAD)
    assert head.email in demo
    contact = Contact.objects.filter(portal_access=True).order_by("id").first()
    assert contact is not None
    assert contact.email in demo


def test_second_run_with_if_empty_adds_nothing(demo: str) -> None:
    before = counts()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == before
    assert "not loaded" in out.getvalue()


def test_second_run_without_if_empty_refuses_and_adds_nothing(demo: str) -> None:
    before = counts()
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo", stdout=io.StringIO())
    assert counts() == before


# Projects, plans and tasks (``khata/demo/projects.py``)


def test_demo_has_projects_at_every_stage(demo: str) -> None:
    stages = dict(Project.objects.values_list("stage").annotate(n=Count("id")).values_list("stage", "n"))
    assert set(stages) == set(Project.Stage.values)
    assert 25 <= sum(stages.values()) <= 35
    assert stages[Project.Stage.PRODUCTION] >= 5
    assert Project.objects.values("client").distinct().count() >= 15
    assert Project.objects.values("owner").distinct().count() == 3
    assert Event.objects.filter(kind="plans.project_created").count() == Project.objects.count()
    # Built through the services, stamped when it happened: the oldest project is months old.
    oldest = Event.objects.filter(kind="plans.project_created").order_by("at").first()
    assert oldest is not None and oldest.at < timezone.now() - dt.timedelta(days=200)


def test_a_plan_is_under_negotiation_with_answers_and_a_request(demo: str) -> None:
    countered = ItemDecision.objects.filter(decision=ItemDecision.Decision.COUNTER)
    assert countered.filter(proposed_price_minor__isnull=False).exists()
    assert ItemDecision.objects.filter(decision=ItemDecision.Decision.REJECT).exists()
    request = ClientRequest.objects.filter(answered_by__isnull=False).select_related("answered_by").first()
    assert request is not None
    assert request.answered_by is not None and request.answered_by.origin == Origin.CLIENT
    # One negotiation waits on the client (a second proposal), another on the AM (a draft).
    revised = PlanVersion.objects.filter(based_on__items__decisions__decision="counter").distinct()
    assert {v.status for v in revised} >= {PlanVersion.Status.PROPOSED, PlanVersion.Status.DRAFT}
    for version in revised:
        assert any(change.change == "removed" for change in plan_diff(version.based_on, version))
        assert any(change.field == "price_minor" for change in plan_diff(version.based_on, version))


def test_a_frozen_plan_has_an_open_change_request(demo: str) -> None:
    change = PlanVersion.objects.filter(
        based_on__status=PlanVersion.Status.AGREED, status=PlanVersion.Status.PROPOSED
    ).first()
    assert change is not None
    assert change.project.stage == Project.Stage.PRODUCTION
    assert [c.change for c in plan_diff(change.based_on, change)] == ["added"]
    assert Event.objects.filter(kind="plans.change_requested", subject_id=change.pk).exists()
    # Every project past planning works from an agreed plan, its items made tasks.
    for project in Project.objects.filter(stage__in=["production", "acceptance", "done"]):
        agreed = project.plan_versions.get(status=PlanVersion.Status.AGREED)
        assert agreed.approvals.count() == 2
        assert Task.objects.filter(plan_item__version=agreed).count() == agreed.items.count()


def test_tasks_run_late_get_blocked_and_carry_time(demo: str) -> None:
    today = timezone.localdate()
    tasks = Task.objects.filter(project__stage=Project.Stage.PRODUCTION)
    assert tasks.filter(due_date__lt=today).exclude(status=Task.Status.DONE).count() >= 5
    assert tasks.filter(status=Task.Status.BLOCKED, blocked_on=Task.BlockedOn.CLIENT).exists()
    assert tasks.filter(status=Task.Status.BLOCKED, blocked_on=Task.BlockedOn.TEAM).exists()
    assert set(Task.objects.values_list("status", flat=True)) == set(Task.Status.values)
    assert not Task.objects.filter(assignee__isnull=True).exists()
    for code in ("usability", "copywriting", "analytics", "seo", "contextual-advertising"):
        assert Task.objects.filter(specialty__code=code, assignee__specialties__code=code).exists(), code
    assert TimeLog.objects.count() >= 100
    assert not TimeLog.objects.filter(on__gt=today).exists()
    assert Event.objects.filter(kind="production.time_logged").exists()
    assert Event.objects.filter(kind="production.task_commented").exists()
    assert Task.objects.filter(visible_to_client=True, status=Task.Status.DONE).exists()
    done = Task.objects.filter(status=Task.Status.DONE)
    assert not done.filter(done_at__gt=timezone.now()).exists()


def test_briefs_wait_in_the_portal(demo: str) -> None:
    assert Brief.objects.filter(status=Brief.Status.SENT).count() >= 2
    assert Brief.objects.filter(status=Brief.Status.ANSWERED).exists()
    assert BriefAnswer.objects.exists()


def test_arvind_has_a_plan_to_approve_and_progress_to_follow(demo: str) -> None:
    arvind = Contact.objects.get(email="arvind.pillai@saffronspiceco.example")
    assert arvind.role == Contact.Role.APPROVER and arvind.portal_access
    waiting = PlanVersion.objects.get(project__client=arvind.client, status=PlanVersion.Status.PROPOSED)
    assert list(waiting.approvals.values_list("side", flat=True)) == [Approval.Side.COMPANY]
    shown = Task.objects.filter(project__client=arvind.client, visible_to_client=True)
    assert shown.filter(status=Task.Status.DONE).exists()
    assert shown.exclude(status=Task.Status.DONE).exists()
    browser = HttpClient()
    assert browser.login(email=arvind.email, password=DEMO_PASSWORD) or browser.post(
        "/accounts/login/", {"login": arvind.email, "password": DEMO_PASSWORD}
    )
    home = browser.get("/portal/")
    assert home.status_code == 200
    assert waiting.project.name in home.content.decode()
    project = browser.get(f"/portal/projects/{shown.first().project_id}/")  # type: ignore[union-attr]
    assert project.status_code == 200


def test_status_reports_are_published_and_one_is_drafted(demo: str) -> None:
    published = StatusReport.objects.filter(status=StatusReport.Status.PUBLISHED)
    assert published.count() >= 2
    assert StatusReport.objects.filter(status=StatusReport.Status.DRAFT).count() == 1
    assert all(report.summary for report in StatusReport.objects.all())
    arvind = Contact.objects.get(email="arvind.pillai@saffronspiceco.example")
    report = published.get(project__client=arvind.client)
    browser = HttpClient()
    browser.post("/accounts/login/", {"login": arvind.email, "password": DEMO_PASSWORD})
    page = browser.get(f"/portal/reports/{report.pk}/")
    assert page.status_code == 200
    assert report.summary[:40] in page.content.decode()


def test_demo_projects_are_deterministic(demo: str) -> None:
    def story() -> list[tuple[Any, ...]]:
        return [
            (t.project.name, t.title, t.status, t.due_date, t.assignee.email if t.assignee else "")
            for t in Task.objects.select_related("project", "assignee").order_by("project__name", "title")
        ] + list(
            PlanVersion.objects.order_by("project__name", "number").values_list(
                "project__name", "number", "status"
            )
        )

    now = timezone.now()
    runs = []
    for _ in range(2):
        with transaction.atomic():
            PlanVersion.objects.update(based_on=None)  # a version protects the one it is based on
            # Invoices protect the documents and projects they bill: they let go (payments stay).
            from khata.billing.models import Invoice, InvoiceLine

            Invoice.objects.update(contract=None, project=None)
            InvoiceLine.objects.update(act=None, plan_item=None)
            Invoice.acts.through.objects.all().delete()
            # Claims point at the acts they dispute: they go first (with their goodwill and answers).
            from khata.care.models import Claim, Goodwill, Survey, SurveyAnswer

            SurveyAnswer.objects.all().delete()
            Goodwill.objects.all().delete()
            Survey.objects.update(claim=None, document=None)
            Claim.objects.all().delete()
            Document.objects.update(contract=None, replaces=None)  # so does a document
            Document.objects.all().delete()  # documents protect their projects
            Project.objects.all().delete()
            demo_projects_create(seed=2026, now=now, password="x")
            runs.append(story())
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert len(runs[0]) > 80


# Documents (``khata/demo/documents.py``)


def by_status(code: str) -> dict[str, int]:
    rows = Document.objects.filter(kind__code=code).values_list("status").annotate(n=Count("id"))
    return dict(rows.values_list("status", "n"))


def test_every_active_client_has_a_master_contract_in_force(demo: str) -> None:
    for client in Client.objects.filter(status=Client.Status.ACTIVE):
        assert client.documents.filter(
            kind__code="contract", status__in=[Document.Status.SIGNED, Document.Status.ACTIVE]
        ).exists(), client
    contracts = by_status("contract")
    assert contracts["active"] >= 20
    assert contracts["sent"] == 2  # a renewal and a new client's first contract wait for the signature
    terminated = Document.objects.filter(kind__code="contract", status=Document.Status.TERMINATED)
    assert terminated.count() == Client.objects.filter(status=Client.Status.CHURNED).count() >= 1
    for contract in terminated.select_related("client"):
        assert contract.terminated_on == contract.client.churned_on
    assert by_status("nda") == {"signed": 2}
    addendum = Document.objects.get(kind__code="addendum")
    assert addendum.status == Document.Status.ACTIVE
    assert addendum.contract is not None and addendum.contract.kind.code == "contract"
    assert addendum.decisions.get().in_portal
    # Paper signatures are recorded by the AM with the signatory's name, without an address.
    paper = DocumentDecision.objects.filter(document__kind__code="contract", in_portal=False)
    assert paper.count() >= 20
    assert not paper.filter(ip_address__isnull=False).exists()
    assert not paper.filter(name="").exists()


def test_today_has_contracts_ending_and_a_notice_date_coming_up(demo: str) -> None:
    head = User.objects.get(role=User.Role.HEAD)
    coming = contracts_coming_up_for(head)
    assert [item.what for item in coming] == ["notice", "end"]
    notice, end = coming
    assert 0 < notice.days_left <= 14
    assert notice.document.auto_renew
    assert 0 < end.days_left <= 30
    assert not end.document.auto_renew
    # The contract that ends has its renewal waiting for the client's signature, starting the next day.
    renewal = Document.objects.get(client=end.document.client, status=Document.Status.SENT)
    assert renewal.start_date == end.on + dt.timedelta(days=1)
    # Each shows on the board of the AM who owns it.
    for item in coming:
        owner = item.document.client.owner
        assert owner is not None
        assert item.document in [i.document for i in contracts_coming_up_for(owner)]


def test_acts_are_accepted_waiting_disputed_drafted_and_corrected(demo: str) -> None:
    acts = by_status("act")
    assert acts["accepted"] >= 5
    assert acts["sent"] == 3  # two first versions and a corrected one
    assert acts["disputed"] == 1
    assert acts["draft"] == 1
    # Every act is made of done tasks of its project, with the time logged on them.
    for act in Document.objects.filter(kind__code="act").prefetch_related("lines__task"):
        lines = list(act.lines.all())
        assert lines, act
        assert act.amount_minor == sum(line.amount_minor for line in lines)
        for line in lines:
            assert line.task is not None and line.task.project_id == act.project_id
            assert line.task.status == Task.Status.DONE
            assert line.task.done_at is not None
            assert act.sent_at is None or line.task.done_at < act.sent_at
    # Accepted in the portal: the contact's name, the moment and an address.
    accepted = DocumentDecision.objects.filter(document__kind__code="act", decision="accepted")
    assert accepted.count() >= 5
    assert not accepted.filter(in_portal=False).exists()
    assert not accepted.filter(ip_address__isnull=True).exists()
    assert not accepted.filter(at__gt=timezone.now()).exists()
    assert accepted.filter(at__lt=timezone.now() - dt.timedelta(days=30)).exists()


def test_the_open_dispute_and_an_act_unsigned_for_over_a_week(demo: str) -> None:
    disputed = Document.objects.get(kind__code="act", status=Document.Status.DISPUTED)
    answer = disputed.decisions.get()
    assert answer.reason == "The landing-page copy was delivered after the agreed date"
    assert answer.in_portal and answer.ip_address
    assert Event.objects.filter(kind="documents.disputed", subject_id=disputed.pk).exists()
    head = User.objects.get(role=User.Role.HEAD)
    unsigned = list(unsigned_acts_for(head))
    assert disputed in unsigned
    ages = [act.age_days() or 0 for act in unsigned]
    assert max(ages) >= 12
    assert min(ages) <= 3
    # The client of the disputed act sees it; another client's contact does not.
    contact = Contact.objects.get(client=disputed.client, user=answer.by)
    assert answer.by is not None and document_get_for(answer.by, disputed.pk) == disputed
    other = (
        Contact.objects.filter(portal_access=True, user__isnull=False).exclude(client=contact.client).first()
    )
    assert other is not None and other.user is not None
    assert disputed not in Document.objects.filter(pk__in=[d.pk for d in portal_waiting_for(other.user)])


def test_a_corrected_act_replaces_an_accepted_one(demo: str) -> None:
    corrected = Document.objects.get(replaces__isnull=False)
    assert corrected.status == Document.Status.SENT
    assert corrected.replaces is not None and corrected.replaces.status == Document.Status.ACCEPTED
    assert corrected.number != corrected.replaces.number
    assert corrected.lines.count() == corrected.replaces.lines.count()
    minutes = sorted(corrected.lines.values_list("minutes", flat=True))
    assert minutes != sorted(corrected.replaces.lines.values_list("minutes", flat=True))
    assert Event.objects.filter(kind="documents.revised", subject_id=corrected.pk).exists()


def test_reports_come_from_the_published_status_reports(demo: str) -> None:
    published = StatusReport.objects.filter(status=StatusReport.Status.PUBLISHED)
    reports = Document.objects.filter(kind__code="report")
    assert reports.count() == published.count()
    assert set(reports.values_list("status_report", flat=True)) == set(published.values_list("pk", flat=True))
    assert set(reports.values_list("status", flat=True)) == {Document.Status.ACTIVE}  # no answer needed


def test_numbers_are_gapless_and_given_in_the_order_documents_were_registered(demo: str) -> None:
    registered = Document.objects.exclude(number="").select_related("kind").order_by("registered_at", "id")
    assert not Document.objects.filter(number="").exclude(status=Document.Status.DRAFT).exists()
    series: dict[tuple[str, int], list[int]] = {}
    for document in registered:
        assert document.registered_at is not None and document.registered_at < timezone.now()
        prefix, year, seq = document.number.split("/")
        assert prefix == document.kind.series and int(year) == document.date.year
        series.setdefault((prefix, int(year)), []).append(int(seq))
    assert {prefix for prefix, _year in series} == {"CTR", "NDA", "ADD", "ACT", "RPT"}
    for numbers in series.values():
        assert numbers == list(range(1, len(numbers) + 1))
    # The timeline tells the flow as it happened, months back.
    signed = Event.objects.filter(kind="documents.signed").order_by("at").first()
    assert signed is not None and signed.at < timezone.now() - dt.timedelta(days=300)


def test_documents_have_pdf_files_and_the_clients_see_what_waits_for_them(
    demo: str, demo_media: Path, settings: Any
) -> None:
    settings.MEDIA_ROOT = demo_media
    files = list(DocumentFile.objects.select_related("document"))
    assert len(files) == 2
    for stored in files:
        with stored.file.open("rb") as handle:
            content = handle.read()
        assert content.startswith(b"%PDF-")
        assert stored.size == len(content) and stored.content_type == "application/pdf"
        assert stored.document.number.replace("/", "-") in stored.name
    waiting = Document.objects.filter(status=Document.Status.SENT, kind__needs_client_answer=True)
    answered = 0
    for document in waiting.select_related("client"):
        contact = Contact.objects.filter(
            client=document.client, portal_access=True, user__isnull=False
        ).first()
        if contact is not None and contact.user is not None:
            assert document in portal_waiting_for(contact.user)
            answered += 1
    assert answered >= 2


# Billing (``khata/demo/billing.py``)


def test_the_agency_has_a_bank_account_and_a_working_calendar(demo: str) -> None:
    from khata.core.agency import bank_code_check
    from khata.core.models import Holiday

    agency = agency_get()
    assert agency.country == "IN" and agency.time_zone == "Asia/Kolkata"
    assert agency.bank_name and agency.bank_account_name and agency.bank_account_number.isdigit()
    assert bank_code_check(agency.bank_code) == agency.bank_code  # a valid IFSC
    assert agency.working_days == "0,1,2,3,4" and agency.work_starts < agency.work_ends
    years = {day.year for day in Holiday.objects.values_list("date", flat=True)}
    assert years == {2026, 2027} and Holiday.objects.count() >= 10


def test_invoices_tell_every_payment_story_and_aging_has_every_bucket(demo: str) -> None:
    from khata.billing.models import Invoice, Payment
    from khata.billing.selectors import aging_for

    today = timezone.localdate()
    invoices = list(Invoice.objects.filter(kind=Invoice.Kind.INVOICE).select_related("client"))
    states = {invoice.state(today) for invoice in invoices}
    assert {"draft", "issued", "partly_paid", "paid", "overdue", "credited"} <= states
    late = {(today - invoice.due_date).days for invoice in invoices if invoice.state(today) == "overdue"}
    assert {5, 20, 45, 70, 100} <= late
    paid_late = [
        invoice
        for invoice in invoices
        if invoice.state(today) == "paid"
        and max(p.received_on for p in invoice.payments.all()) > invoice.due_date
    ]
    assert paid_late
    assert len({invoice.currency for invoice in invoices}) >= 3  # rupees, euros and dollars
    assert Invoice.objects.filter(kind=Invoice.Kind.INVOICE, acts__isnull=False).count() >= 3
    assert {Payment.Method.BANK, Payment.Method.UPI} <= set(Payment.objects.values_list("method", flat=True))
    notes = Invoice.objects.filter(kind=Invoice.Kind.CREDIT_NOTE).select_related("credits")
    assert any(0 < note.total_minor < note.credits.total_minor for note in notes if note.credits)  # partial
    assert any(note.credits and note.credits.state(today) == "credited" for note in notes)  # a void
    totals = [row for row in aging_for(User.objects.get(role=User.Role.HEAD), today=today) if row.is_total]
    inr = next(row for row in totals if row.currency == "INR")
    assert all(inr.buckets()), inr
    # Numbers are gapless per series, in the order of the issue dates.
    for series in ("INV", "CRN"):
        issued = Invoice.objects.filter(number__startswith=f"{series}/").order_by("number")
        dates = [invoice.issue_date for invoice in issued]
        assert dates == sorted(dates)
        assert [int(invoice.number.rsplit("/", 1)[1]) for invoice in issued] == list(range(1, len(dates) + 1))
    # The files of an invoice are offered: the Factur-X of a foreign client's passes every check.
    from khata.billing.documents import invoice_ubl
    from khata.billing.einvoice import einvoice_check

    foreign = next(i for i in invoices if i.currency == "EUR" and not i.is_draft)
    assert einvoice_check(invoice_ubl(foreign), syntax="ubl") == []


def test_promises_are_kept_due_today_and_broken_and_reminders_reach_the_timeline(demo: str) -> None:
    from khata.billing.models import PaymentPromise
    from khata.billing.reminders import promise_state, promises_annotated

    today = timezone.localdate()
    states = {promise_state(p, today=today) for p in promises_annotated(PaymentPromise.objects.all())}
    assert {"kept", "due", "broken"} <= states
    sent = Event.objects.filter(kind="billing.reminder_sent")
    assert sent.count() >= 10
    assert Event.objects.filter(kind="billing.payment_recorded").count() >= 15
    assert sent.order_by("at").first().at.date() < today - dt.timedelta(days=60)  # type: ignore[union-attr]
    assert "invoices" in demo


def test_claims_are_at_every_stage_and_one_breaks_its_sla(demo: str) -> None:
    from khata.care.models import Claim, Goodwill
    from khata.care.services import claim_sla

    claims = list(Claim.objects.select_related("client"))
    assert set(Claim.Status.values) <= {claim.status for claim in claims}
    assert any(c.status == "closed" and c.closed_automatically for c in claims)
    assert any(c.status == "closed" and not c.closed_automatically for c in claims)
    assert any(c.reopened_count == 1 for c in claims)
    today = timezone.localdate()
    assert any(c.source == "portal" and timezone.localdate(c.received_at) == today for c in claims)
    open_late = [c for c in claims if c.is_open and claim_sla(c).resolution.state == "breached"]
    # The care story has one claim past its resolution SLA (other demo stories may add their own).
    assert "Bharat Steelworks" in {c.client.display_name for c in open_late}
    assert not any(c.client.display_name in {"Ganga Fintech", "Nordlicht Reisen"} for c in open_late)
    disputed = next(c for c in claims if c.source == "disputed_act")
    assert disputed.client.display_name == "Monsoon Travels" and disputed.document is not None
    assert any(c.actions.filter(done_at__isnull=False).exists() and c.status == "in_progress" for c in claims)
    assert Goodwill.objects.filter(kind="credit", value_minor__gt=0).exists()
    # Every claim's steps are on its client's timeline.
    assert Event.objects.filter(kind="care.reopened").count() == 1
    assert Event.objects.filter(kind="care.closed_automatically").count() == 1


def test_surveys_give_six_months_of_nps_and_csat_with_a_few_detractors(demo: str) -> None:
    from khata.care.models import Survey, SurveyAnswer

    answers = list(SurveyAnswer.objects.select_related("survey"))
    assert {"nps", "csat"} == {answer.kind for answer in answers}
    months = {(a.at.year, a.at.month) for a in answers}
    assert len(months) >= 6
    detractors = [a for a in answers if a.is_detractor]
    assert 1 <= len(detractors) <= len(answers) // 4
    assert all(a.survey.answered_at == a.at and a.survey.kind == a.kind for a in answers)
    assert Survey.objects.filter(answered_at__isnull=True, contact__portal_access=True).exists()
