"""The registers of documents: the registry with its filters, the unsigned acts, the contracts coming up."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import Document
from khata.documents.services import document_accept, document_activate, document_create, document_send
from khata.documents.tests.conftest import kind
from khata.people.models import User
from khata.plans.models import Project
from khata.plans.services import project_create

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def planted(
    client: Client,
    *,
    code: str = "act",
    status: str = Document.Status.SENT,
    project: Project | None = None,
    date: dt.date = dt.date(2026, 10, 1),
    sent_days_ago: int | None = 10,
    amount_minor: int = 1_000_00,
    title: str = "",
) -> Document:
    """A registered document put straight in the table (the services' rules are tested elsewhere)."""
    serial = next(_numbers)
    sent_at = timezone.now() - dt.timedelta(days=sent_days_ago) if sent_days_ago is not None else None
    return Document.objects.create(
        kind=kind(code),
        client=client,
        project=project,
        title=title or f"{code.title()} {serial}",
        number=f"T{code[:3].upper()}/{serial:05}",
        registered_at=timezone.now(),
        status=status,
        date=date,
        currency=client.currency,
        amount_minor=amount_minor,
        sent_at=sent_at,
    )


@pytest.fixture
def project_b(other_am: User, client_b: Client) -> Project:
    return project_create(client=client_b, by=other_am, name="Borealis relaunch")


@pytest.fixture
def letters(
    kinds: None, am: User, other_am: User, client_a: Client, client_b: Client, project: Project
) -> dict[str, Document]:
    """A small registry: two documents of client A (one on the project, one draft), one of client B."""
    nda = document_create(
        by=am,
        kind=kind("nda"),
        client=client_a,
        title="Mutual NDA",
        date=dt.date(2026, 3, 5),
        start_date=dt.date(2026, 3, 5),
    )
    nda = document_send(document=nda, by=am)
    draft = document_create(
        by=am,
        kind=kind("other"),
        client=client_a,
        title="Kick-off letter",
        project=project,
        date=dt.date(2026, 6, 1),
    )
    foreign = document_create(
        by=other_am, kind=kind("other"), client=client_b, title="Borealis letter", date=dt.date(2026, 4, 2)
    )
    foreign = document_send(document=foreign, by=other_am)
    return {"nda": nda, "draft": draft, "foreign": foreign}


def _titles(response: Any) -> set[str]:
    return {document.title for document in response.context["documents"]}


# --- who sees what ---------------------------------------------------------------------------------

PAGES = ["documents:registry", "documents:unsigned_acts", "documents:contracts"]
READS = {
    "anonymous": 302,
    "admin": 200,
    "am": 200,
    "other_am": 200,
    "specialist": 200,
    "finance": 200,
    "contact_a": 403,
    "contact_b": 403,
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("persona", "expected"), READS.items())
def test_the_registers_answer_by_persona(
    http_as: Any, letters: dict[str, Document], page: str, persona: str, expected: int
) -> None:
    response = http_as(persona).get(reverse(page))
    assert response.status_code == expected
    if expected == 302:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "seen"),
    {
        "admin": {"Mutual NDA", "Kick-off letter", "Borealis letter"},
        "am": {"Mutual NDA", "Kick-off letter"},
        "other_am": {"Borealis letter"},
        "finance": {"Mutual NDA", "Kick-off letter", "Borealis letter"},
        "specialist": set(),
    }.items(),
)
def test_the_registry_lists_what_each_person_may_see(
    http_as: Any, letters: dict[str, Document], persona: str, seen: set[str]
) -> None:
    response = http_as(persona).get(reverse("documents:registry"))
    assert _titles(response) == seen
    body = response.content.decode()
    assert ("New document" in body) == (persona in {"admin", "am", "other_am"})


def test_the_registry_is_newest_first_with_links_numbers_and_amounts(
    http_as: Any, letters: dict[str, Document], client_a: Client
) -> None:
    planted(
        client_a,
        code="contract",
        status=Document.Status.ACTIVE,
        date=dt.date(2026, 2, 1),
        amount_minor=12_00_000_00,
        title="MSA",
    )
    response = http_as("admin").get(reverse("documents:registry"))
    titles = [document.title for document in response.context["documents"]]
    assert titles == ["Kick-off letter", "Borealis letter", "Mutual NDA", "MSA"]
    body = response.content.decode()
    nda = letters["nda"]
    assert nda.number in body and reverse("documents:detail", args=[nda.pk]) in body
    assert "₹12,00,000.00" in body
    assert "no number yet" in body  # the draft


# --- filters ---------------------------------------------------------------------------------------


def test_each_filter_narrows_the_registry(
    http_as: Any, letters: dict[str, Document], client_a: Client, client_b: Client, project: Project
) -> None:
    http = http_as("admin")
    url = reverse("documents:registry")
    nda, foreign = letters["nda"], letters["foreign"]
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"kind": kind("nda").pk}, {"Mutual NDA"}),
        ({"status": "draft"}, {"Kick-off letter"}),
        ({"status": "active"}, {"Borealis letter"}),
        ({"status": "sent"}, {"Mutual NDA"}),
        ({"client": client_b.pk}, {"Borealis letter"}),
        ({"client": client_a.pk}, {"Mutual NDA", "Kick-off letter"}),
        ({"client": client_a.pk, "project": project.pk}, {"Kick-off letter"}),
        ({"project": project.pk}, {"Kick-off letter"}),
        ({"date_from": "2026-04-01"}, {"Borealis letter", "Kick-off letter"}),
        ({"date_to": "2026-04-30"}, {"Mutual NDA", "Borealis letter"}),
        ({"date_from": "2026-04-01", "date_to": "2026-04-30"}, {"Borealis letter"}),
        ({"number": nda.number.lower()}, {"Mutual NDA"}),
        ({"number": "NDA/"}, {"Mutual NDA"}),
        ({"number": foreign.number}, {"Borealis letter"}),
        ({"behaviour": "contract"}, {"Mutual NDA"}),
        ({"kind": kind("act").pk}, set()),
        ({"kind": "nda"}, {"Mutual NDA"}),
    ]
    for params, expected in cases:
        response = http.get(url, params)
        assert response.status_code == 200
        assert not response.context["form"].errors, params
        assert _titles(response) == expected, params


def test_filters_survive_in_the_form_and_can_be_cleared(
    http_as: Any, letters: dict[str, Document], client_a: Client
) -> None:
    body = (
        http_as("admin")
        .get(reverse("documents:registry"), {"client": client_a.pk, "status": "sent"})
        .content.decode()
    )
    assert f'<option value="{client_a.pk}" selected>' in body
    assert '<option value="sent" selected>' in body
    assert "Clear filters" in body


def test_an_am_cannot_filter_by_a_client_they_do_not_see(
    http_as: Any, letters: dict[str, Document], client_b: Client
) -> None:
    response = http_as("am").get(reverse("documents:registry"), {"client": client_b.pk})
    assert response.status_code == 200
    assert response.context["documents"] == []
    assert "Choose one of your clients from the list." in response.content.decode()
    assert "Borealis" not in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "abc"}, "Give the date as YYYY-MM-DD"),
        ({"date_to": "2026-13-45"}, "Give the date as YYYY-MM-DD"),
        ({"status": "lost"}, "Choose a status from the list."),
        ({"kind": "999999"}, "Choose a kind of document from the list."),
        ({"kind": "letter"}, "Choose a kind of document from the list."),
        ({"client": "x"}, "Choose one of your clients from the list."),
        ({"project": "999999"}, "Choose a project of the chosen client."),
        ({"number": "ACT%2026"}, "A number holds only letters, digits, / and -."),
        ({"number": "A" * 17}, "A number has at most 16 characters."),
        ({"date_from": "2026-05-01", "date_to": "2026-04-01"}, "The period ends before it starts."),
        ({"behaviour": "letter"}, "Choose a kind of document from the list."),
    ],
)
def test_a_bad_filter_value_says_what_is_wrong_and_lists_nothing(
    http_as: Any, letters: dict[str, Document], params: dict[str, str], message: str
) -> None:
    response = http_as("admin").get(reverse("documents:registry"), params)
    assert response.status_code == 200
    assert response.context["documents"] == []
    body = response.content.decode()
    assert message in body
    assert "These filters cannot be applied" in body


def test_a_cursor_that_is_not_ours_gives_the_first_page(http_as: Any, letters: dict[str, Document]) -> None:
    response = http_as("admin").get(reverse("documents:registry"), {"cursor": "not-a-cursor"})
    assert response.status_code == 200
    assert len(response.context["documents"]) == 3


def test_the_registry_pages_by_keyset_and_keeps_the_filters(
    http_as: Any, kinds: None, client_a: Client, client_b: Client
) -> None:
    start = dt.date(2026, 1, 1)
    for day in range(60):
        planted(
            client_a, code="other", status=Document.Status.ACTIVE, date=start + dt.timedelta(days=day % 30)
        )
    planted(client_b, code="other", status=Document.Status.ACTIVE)
    http = http_as("admin")
    first = http.get(reverse("documents:registry"), {"client": client_a.pk})
    page = first.context["page"]
    assert len(page.items) == 50 and page.prev_cursor is None and page.next_cursor
    next_query = first.context["next_query"]
    assert f"client={client_a.pk}" in next_query
    second = http.get(reverse("documents:registry") + next_query)
    rest = second.context["documents"]
    assert len(rest) == 10 and second.context["page"].next_cursor is None
    seen = [d.pk for d in page.items] + [d.pk for d in rest]
    assert len(set(seen)) == 60
    keys = [(d.date, d.pk) for d in page.items + rest]
    assert keys == sorted(keys, reverse=True)
    back = http.get(reverse("documents:registry") + second.context["prev_query"])
    assert [d.pk for d in back.context["documents"]] == [d.pk for d in page.items]


@pytest.mark.parametrize("size", [3, 30])
def test_the_registry_costs_the_same_with_3_or_30_rows(
    size: int,
    http_as: Any,
    kinds: None,
    am: User,
    client_a: Client,
    project: Project,
    django_assert_num_queries: Any,
) -> None:
    for index in range(size):
        planted(client_a, code="act" if index % 2 else "contract", project=project if index % 3 else None)
    http = http_as("am")
    # session, user, kinds, the AM's clients, the chosen client's projects, the page of documents
    with django_assert_num_queries(6):
        response = http.get(reverse("documents:registry"), {"client": client_a.pk, "number": "T"})
    assert len(response.context["documents"]) == size


def test_the_empty_registry_offers_a_new_document(http_as: Any, kinds: None) -> None:
    body = http_as("am").get(reverse("documents:registry")).content.decode()
    assert "No documents yet" in body
    assert body.count(reverse("documents:new")) == 2  # the header button and the empty state's


def test_a_filtered_registry_that_finds_nothing_says_so(http_as: Any, letters: dict[str, Document]) -> None:
    body = http_as("am").get(reverse("documents:registry"), {"number": "ZZZ"}).content.decode()
    assert "No documents match these filters" in body


# --- the unsigned acts -----------------------------------------------------------------------------


def test_the_unsigned_acts_are_the_oldest_first_with_their_age(
    http_as: Any, kinds: None, client_a: Client, project: Project
) -> None:
    young = planted(client_a, project=project, sent_days_ago=3)
    old = planted(client_a, project=project, sent_days_ago=40, status=Document.Status.DISPUTED)
    planted(client_a, project=project, status=Document.Status.ACCEPTED)
    planted(client_a, code="contract", status=Document.Status.SENT)  # not an act
    response = http_as("am").get(reverse("documents:unsigned_acts"))
    acts = response.context["acts"]
    assert [a.pk for a in acts] == [old.pk, young.pk]
    assert [a.age for a in acts] == [40, 3]
    body = response.content.decode()
    assert "40 days" in body and "3 days" in body
    assert body.index(old.number) < body.index(young.number)
    assert 'badge--danger">Disputed' in body


def test_the_unsigned_acts_total_each_currency_apart(
    http_as: Any, kinds: None, client_a: Client, client_b: Client, project: Project, project_b: Project
) -> None:
    planted(client_a, project=project, amount_minor=1_50_000_00)
    planted(client_a, project=project, amount_minor=50_000_00, status=Document.Status.DISPUTED)
    planted(client_b, project=project_b, amount_minor=2_500_00)
    planted(client_b, project=project_b, amount_minor=999_00, status=Document.Status.ACCEPTED)
    response = http_as("admin").get(reverse("documents:unsigned_acts"))
    totals = {t.currency: (t.amount_minor, t.count, t.disputed) for t in response.context["totals"]}
    assert totals == {"INR": (2_00_000_00, 2, 1), "USD": (2_500_00, 1, 0)}
    body = response.content.decode()
    assert "₹2,00,000.00" in body and "$2,500.00" in body
    assert "2 acts in INR" in body and "1 act in USD" in body
    # The AM of client A sees only their rupees.
    mine = http_as("am").get(reverse("documents:unsigned_acts")).context["totals"]
    assert [(t.currency, t.amount_minor) for t in mine] == [("INR", 2_00_000_00)]


def test_the_unsigned_acts_page_by_keyset(http_as: Any, kinds: None, client_a: Client) -> None:
    for day in range(55):
        planted(client_a, sent_days_ago=day + 1)
    http = http_as("am")
    first = http.get(reverse("documents:unsigned_acts"))
    assert len(first.context["acts"]) == 50
    second = http.get(reverse("documents:unsigned_acts") + first.context["next_query"])
    ages = [a.age for a in first.context["acts"]] + [a.age for a in second.context["acts"]]
    assert ages == list(range(55, 0, -1))


@pytest.mark.parametrize("size", [3, 30])
def test_the_unsigned_acts_cost_the_same_with_3_or_30_rows(
    size: int, http_as: Any, kinds: None, client_a: Client, project: Project, django_assert_num_queries: Any
) -> None:
    for index in range(size):
        planted(client_a, project=project, sent_days_ago=index + 1)
    http = http_as("am")
    # session, user, the client choices, the page of acts, the totals per currency
    with django_assert_num_queries(5):
        response = http.get(reverse("documents:unsigned_acts"))
    assert len(response.context["acts"]) == size


def test_the_unsigned_acts_narrow_to_disputed_ones_or_one_client(
    http_as: Any, kinds: None, client_a: Client, client_b: Client, project: Project, project_b: Project
) -> None:
    sent = planted(client_a, project=project, amount_minor=1_000_00)
    disputed = planted(client_a, project=project, amount_minor=500_00, status=Document.Status.DISPUTED)
    foreign = planted(client_b, project=project_b, amount_minor=70_00)
    http = http_as("admin")
    url = reverse("documents:unsigned_acts")
    cases = [
        ({"status": "disputed"}, [disputed], {"INR": 500_00}),
        ({"status": "sent"}, [sent, foreign], {"INR": 1_000_00, "USD": 70_00}),
        ({"client": client_b.pk}, [foreign], {"USD": 70_00}),
        ({"client": client_a.pk, "status": "sent"}, [sent], {"INR": 1_000_00}),
    ]
    for params, acts, totals in cases:
        response = http.get(url, params)
        assert {a.pk for a in response.context["acts"]} == {a.pk for a in acts}, params
        assert {t.currency: t.amount_minor for t in response.context["totals"]} == totals, params
    assert (
        "No act matches these filters"
        in http.get(url, {"client": client_b.pk, "status": "disputed"}).content.decode()
    )


@pytest.mark.parametrize(
    ("persona", "params", "message"),
    [
        ("admin", {"status": "accepted"}, "Choose a status from the list."),
        ("admin", {"client": "abc"}, "Choose one of your clients from the list."),
        ("am", {"client": "CLIENT_B"}, "Choose one of your clients from the list."),
    ],
)
def test_a_bad_unsigned_filter_says_what_is_wrong_and_lists_nothing(
    http_as: Any, kinds: None, client_b: Client, persona: str, params: dict[str, str], message: str
) -> None:
    planted(client_b)
    params = {k: str(client_b.pk) if v == "CLIENT_B" else v for k, v in params.items()}
    response = http_as(persona).get(reverse("documents:unsigned_acts"), params)
    assert response.status_code == 200
    assert response.context["acts"] == [] and response.context["totals"] == []
    body = response.content.decode()
    assert message in body and "These filters cannot be applied" in body


def test_no_unsigned_act_says_so(http_as: Any, kinds: None) -> None:
    assert "Every act is accepted" in http_as("am").get(reverse("documents:unsigned_acts")).content.decode()


# --- contracts coming up ---------------------------------------------------------------------------


@pytest.fixture
def signed(contract: Document, am: User) -> Document:
    """The master services agreement (ends 31 Dec 2026, 30 days' notice), signed and in force."""
    document_send(document=contract, by=am)
    document_accept(document=contract, by=am, name="Rahul Mehta", in_portal=False)
    return document_activate(document=contract, by=am)


def test_contracts_coming_up_show_the_notice_date_and_the_end_with_days_left(
    http_as: Any, signed: Document, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: dt.date(2026, 11, 20))
    response = http_as("am").get(reverse("documents:contracts"), {"days": "60"})
    rows = [(r.what, r.on, r.days_left) for r in response.context["rows"]]
    assert rows == [("notice", dt.date(2026, 12, 1), 11), ("end", dt.date(2026, 12, 31), 41)]
    body = response.content.decode()
    assert "Last day to give notice" in body and "11 days" in body and signed.number in body
    # Within 7 days: nothing yet.
    assert http_as("am").get(reverse("documents:contracts"), {"days": "7"}).context["rows"] == []
    # The other AM does not see it.
    assert http_as("other_am").get(reverse("documents:contracts"), {"days": "90"}).context["rows"] == []


@pytest.mark.parametrize("days", ["5", "abc", "-30", "365", ""])
def test_a_horizon_not_offered_falls_back_to_30_days_with_a_message(
    http_as: Any, kinds: None, days: str
) -> None:
    response = http_as("am").get(reverse("documents:contracts"), {"days": days})
    assert response.status_code == 200
    assert response.context["days"] == 30
    assert ("Choose 7, 30, 60 or 90 days" in response.content.decode()) == bool(days)


@pytest.mark.parametrize("size", [3, 30])
def test_the_contracts_page_costs_the_same_with_3_or_30_rows(
    size: int, http_as: Any, kinds: None, client_a: Client, django_assert_num_queries: Any
) -> None:
    today = timezone.localdate()
    for index in range(size):
        contract = planted(client_a, code="contract", status=Document.Status.ACTIVE)
        Document.objects.filter(pk=contract.pk).update(end_date=today + dt.timedelta(days=index % 25 + 1))
    http = http_as("am")
    # session, user, the longest notice period in use, the contracts
    with django_assert_num_queries(4):
        response = http.get(reverse("documents:contracts"))
    assert len(response.context["rows"]) == size


def test_reading_the_registers_changes_nothing(http_as: Any, letters: dict[str, Document]) -> None:
    before = (list(Document.objects.values()), Event.objects.count())
    for page in PAGES:
        http_as("am").get(reverse(page), {"status": "lost", "days": "abc"})
    assert (list(Document.objects.values()), Event.objects.count()) == before


def test_with_many_clients_the_client_filter_searches_by_name(
    http_as: Any, letters: dict[str, Document], client_a: Client, client_b: Client, monkeypatch: Any
) -> None:
    """An agency with thousands of clients gets a search box, not a list of every name."""
    from khata.clients import forms

    monkeypatch.setattr(forms, "CLIENTS_LISTED", 1)
    http = http_as("admin")
    for url in (reverse("documents:registry"), reverse("documents:unsigned_acts")):
        page = http.get(url)
        assert page.context["form"].many_clients
        html = page.content.decode()
        assert 'name="client_name"' in html and f">{client_b.display_name}</option>" not in html
    url = reverse("documents:registry")
    assert _titles(http.get(url, {"client_name": "borealis"})) == {"Borealis letter"}
    linked = http.get(url, {"client": client_a.pk})
    assert _titles(linked) == {"Mutual NDA", "Kick-off letter"}
    assert f'value="{client_a.display_name}"' in linked.content.decode()
    # Typing another name over the linked client's searches by that name.
    assert _titles(http.get(url, {"client": client_a.pk, "client_name": "Borealis"})) == {"Borealis letter"}
