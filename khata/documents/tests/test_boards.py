"""Documents on the boards: the Today cards of disputed and waiting acts and of contract dates, and the
documents panels of the project page and the client page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client
from khata.core.boards import Card
from khata.documents.boards import (
    client_documents_panel,
    contracts_card,
    disputed_acts_card,
    project_documents_panel,
    waiting_acts_card,
)
from khata.documents.models import Document
from khata.documents.services import (
    act_lines_from_project,
    document_accept,
    document_activate,
    document_dispute,
    document_reject,
    document_reopen,
    document_send,
)
from khata.documents.tests.test_registry import planted
from khata.insights.selectors import today_board_for
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 20)


def _keys(user: User, today: dt.date = TODAY) -> list[str]:
    return [card.key for card in today_board_for(user, today=today).cards]


@pytest.fixture
def disputed(act: Document, am: User, approver_a: User, done_tasks: list[Task]) -> Document:
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_send(document=act, by=am)
    document_dispute(document=act, by=approver_a, reason="The audit covered 9 pages, not 12.", name="Anita")
    return Document.objects.get(pk=act.pk)


# --- disputed acts ---------------------------------------------------------------------------------


def test_a_disputed_act_is_on_the_board_with_the_clients_reason(
    disputed: Document, am: User, admin: User, other_am: User, specialist: User
) -> None:
    card = disputed_acts_card(am, today=TODAY, limit=20)
    assert card is not None and card.total == 1
    item = card.items[0]
    assert item.document.pk == disputed.pk
    assert item.reason == "The audit covered 9 pages, not 12."
    assert item.by == "Anita"
    assert card.counters[0].tone == "danger"
    assert card.more_url == reverse("documents:unsigned_acts") + "?status=disputed"
    assert "documents.disputed_acts" in _keys(admin)
    other = disputed_acts_card(other_am, today=TODAY, limit=20)
    assert other is not None and other.total == 0
    assert disputed_acts_card(specialist, today=TODAY, limit=20) is None


@pytest.mark.parametrize("resolve", ["reopen", "send_again", "reject"])
def test_a_disputed_act_leaves_the_board_once_resolved(disputed: Document, am: User, resolve: str) -> None:
    if resolve == "reopen":
        document_reopen(document=disputed, by=am, reason="Recount the pages")
    elif resolve == "send_again":
        document_send(document=disputed, by=am, note="12 pages: see the list attached")
    else:
        document_reject(document=disputed, by=am, reason="The client refuses to pay for it")
    card = disputed_acts_card(am, today=TODAY, limit=20)
    assert card is not None and card.total == 0 and card.items == []


def test_the_today_page_shows_the_disputed_act_with_a_way_to_resolve_it(
    disputed: Document, http_as: Any
) -> None:
    body = http_as("am").get("/").content.decode()
    assert 'id="card-documentsdisputed_acts"' in body
    assert "Disputed acts" in body
    assert f"{reverse('documents:detail', args=[disputed.pk])}#actions" in body
    assert "Resolve" in body
    assert "The audit covered 9 pages, not 12." in body
    # Finance follows it read-only.
    finance = http_as("finance").get("/").content.decode()
    assert "Disputed acts" in finance and "Resolve" not in finance


# --- acts waiting for the client -------------------------------------------------------------------


def test_acts_sent_more_than_a_week_ago_wait_on_the_board_the_oldest_first(
    kinds: None, am: User, client_a: Client, project: Project
) -> None:
    today = timezone.localdate()
    recent = planted(client_a, project=project, sent_days_ago=3)
    old = planted(client_a, project=project, sent_days_ago=30)
    older = planted(client_a, project=project, sent_days_ago=45)
    planted(client_a, project=project, sent_days_ago=20, status=Document.Status.DISPUTED)
    planted(client_a, project=project, sent_days_ago=20, status=Document.Status.ACCEPTED)
    card = waiting_acts_card(am, today=today, limit=20)
    assert card is not None
    assert [item.document.pk for item in card.items] == [older.pk, old.pk]
    assert [item.days for item in card.items] == [45, 30]
    assert recent.pk not in {item.document.pk for item in card.items}
    assert card.total == 2 and card.counters[0].value == 2
    # Accepted in the portal: it leaves the board.
    Document.objects.filter(pk=older.pk).update(status=Document.Status.ACCEPTED)
    card = waiting_acts_card(am, today=today, limit=20)
    assert card is not None and [item.document.pk for item in card.items] == [old.pk]


def test_the_waiting_card_is_scoped_to_the_ams_clients(
    kinds: None, am: User, other_am: User, admin: User, client_a: Client, client_b: Client
) -> None:
    planted(client_a, sent_days_ago=10)
    planted(client_b, sent_days_ago=10)
    today = timezone.localdate()
    totals = {
        user.email: card.total
        for user in (am, other_am, admin)
        if (card := waiting_acts_card(user, today=today, limit=20)) is not None
    }
    assert totals == {am.email: 1, other_am.email: 1, admin.email: 2}


# --- contracts -------------------------------------------------------------------------------------


@pytest.fixture
def in_force(contract: Document, am: User) -> Document:
    """The master services agreement: ends 31 Dec 2026 with 30 days' notice (the last day: 1 Dec)."""
    document_send(document=contract, by=am)
    document_accept(document=contract, by=am, name="Rahul Mehta", in_portal=False)
    return document_activate(document=contract, by=am)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (dt.date(2026, 10, 15), []),
        (dt.date(2026, 11, 20), [("notice", dt.date(2026, 12, 1), 11)]),
        (dt.date(2026, 12, 1), [("notice", dt.date(2026, 12, 1), 0), ("end", dt.date(2026, 12, 31), 30)]),
        (dt.date(2026, 12, 10), [("end", dt.date(2026, 12, 31), 21)]),
        (dt.date(2027, 1, 1), []),
    ],
)
def test_the_contract_card_follows_the_notice_date_and_the_end(
    in_force: Document, am: User, today: dt.date, expected: list[tuple[str, dt.date, int]]
) -> None:
    card = contracts_card(am, today=today, limit=20)
    assert card is not None
    assert [(item.what, item.on, item.days_left) for item in card.items] == expected
    assert ("documents.contracts" in _keys(am, today)) is True


def test_a_terminated_contract_leaves_the_card(in_force: Document, am: User, other_am: User) -> None:
    from khata.documents.services import contract_terminate

    today = dt.date(2026, 11, 20)
    other = contracts_card(other_am, today=today, limit=20)
    assert other is not None and other.items == []
    contract_terminate(document=in_force, by=am, on=dt.date(2026, 11, 25), reason="Merged into a new MSA")
    card = contracts_card(am, today=today, limit=20)
    assert card is not None and card.items == []


def test_the_today_page_shows_the_contract_date(
    in_force: Document, http_as: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2026, 11, 20))
    body = http_as("am").get("/").content.decode()
    assert "Contracts ending or at their notice date" in body
    assert "Last day to give notice: 1 Dec" in body and "in 11 days" in body
    assert reverse("documents:detail", args=[in_force.pk]) in body


# --- fixed cost ------------------------------------------------------------------------------------


def _cost(provider: Any, user: User, today: dt.date) -> tuple[int, Card | None]:
    with CaptureQueriesContext(connection) as captured:
        card = provider(user, today=today, limit=20)
    return len(captured), card


@pytest.mark.parametrize("provider", [disputed_acts_card, waiting_acts_card, contracts_card])
def test_each_card_costs_the_same_with_3_or_30_rows(
    provider: Any, kinds: None, am: User, client_a: Client, project: Project
) -> None:
    today = timezone.localdate()
    counts = []
    for size in (3, 30):
        Document.objects.all().delete()
        for index in range(size):
            planted(client_a, project=project, sent_days_ago=10 + index, status=Document.Status.DISPUTED)
            planted(client_a, project=project, sent_days_ago=10 + index)
            contract = planted(client_a, code="contract", status=Document.Status.ACTIVE)
            Document.objects.filter(pk=contract.pk).update(end_date=today + dt.timedelta(days=index % 25 + 1))
        queries, card = _cost(provider, am, today)
        assert card is not None and len(card.items) == min(size, 20)
        counts.append(queries)
    assert counts[0] == counts[1]


# --- panels ----------------------------------------------------------------------------------------


def test_the_project_page_lists_the_projects_documents_and_offers_a_new_act(
    kinds: None, http_as: Any, client_a: Client, project: Project
) -> None:
    for index in range(12):
        planted(client_a, project=project, date=dt.date(2026, 10, 1) + dt.timedelta(days=index))
    planted(client_a, code="other", title="Not on the project", date=dt.date(2026, 12, 1))
    body = http_as("am").get(reverse("plans:detail", args=[project.pk])).content.decode()
    panel = body.split('id="panel-documentsproject"')[1].split("</section>")[0]
    assert "Not on the project" not in panel
    assert panel.count("list__item") == 10
    assert f"{reverse('documents:new')}?project={project.pk}&amp;kind=act" in panel
    assert f"{reverse('documents:registry')}?client={client_a.pk}&amp;project={project.pk}" in panel
    assert "10+" in panel
    finance = http_as("finance").get(reverse("plans:detail", args=[project.pk])).content.decode()
    finance_panel = finance.split('id="panel-documentsproject"')[1].split("</section>")[0]
    assert "New act" not in finance_panel and finance_panel.count("list__item") == 10


def test_the_project_panel_is_for_staff_who_follow_documents(
    kinds: None, am: User, specialist: User, contact_a: User, project: Project
) -> None:
    assert project_documents_panel(project, specialist, limit=8) is None
    assert project_documents_panel(project, contact_a, limit=8) is None
    card = project_documents_panel(project, am, limit=8)
    assert card is not None and card.items == [] and card.action_label == "New act"


def test_the_client_page_lists_the_clients_latest_documents(
    kinds: None, http_as: Any, client_a: Client, client_b: Client, project: Project
) -> None:
    planted(client_a, code="contract", status=Document.Status.ACTIVE, title="MSA 2026")
    planted(client_a, project=project, title="October act")
    planted(client_b, title="Borealis act")
    body = http_as("am").get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    panel = body.split('id="panel-documentsclient"')[1].split("</section>")[0]
    assert "MSA 2026" in panel and "October act" in panel and "Borealis act" not in panel
    assert f"{reverse('documents:registry')}?client={client_a.pk}" in panel
    assert f"{reverse('documents:new')}?client={client_a.pk}" in panel


def test_the_client_panel_costs_one_query_whatever_the_size(
    kinds: None, am: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    for index in range(15):
        planted(client_a, title=f"Act {index}")
    with django_assert_num_queries(1):
        card = client_documents_panel(client_a, am, limit=10)
    assert card is not None and len(card.items) == 10 and card.capped
