"""The client portal: only one's own company, the AM's details, waiting sections, profile, preview."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from khata.clients.models import Client, Contact
from khata.clients.services import contact_create, contact_update
from khata.core.boards import Card, portal_home
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 302),
        ("am", 302),
        ("other_am", 302),
        ("specialist", 302),
        ("finance", 302),
        ("contact_a", 200),
        ("contact_b", 200),
    ],
)
def test_portal_home_permission_matrix(http_as: Any, persona: str, expected: int) -> None:
    response = http_as(persona).get("/portal/")
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    elif expected == 302:
        assert response["Location"] == "/"  # staff land on their Today board


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 302),
        ("am", 302),
        ("other_am", 302),
        ("specialist", 302),
        ("finance", 302),
        ("contact_a", 200),
        ("contact_b", 200),
    ],
)
def test_portal_profile_permission_matrix(http_as: Any, persona: str, expected: int) -> None:
    assert http_as(persona).get("/portal/profile/").status_code == expected


def test_the_home_shows_the_company_its_am_and_the_backup(
    http_as: Any, am: User, other_am: User, client_a: Client, contact_a: User
) -> None:
    am.phone = "+91 98765 43210"
    am.save()
    client_a.backup = other_am
    client_a.save()
    html = http_as("contact_a").get("/portal/").content.decode()
    assert "Acme Retail" in html
    assert "Arjun Manager" in html and am.email in html and "+91 98765 43210" in html
    assert "Olga Manager" in html and "Backup account manager" in html


def test_a_contact_never_sees_another_clients_name(http_as: Any, client_a: Client, contact_b: User) -> None:
    for path in ["/portal/", "/portal/profile/"]:
        html = http_as("contact_b").get(path).content.decode()
        assert "Borealis" in html
        assert "Acme" not in html
        assert "Arjun" not in html


def test_what_waits_shows_every_section_with_a_friendly_empty_state(http_as: Any) -> None:
    response = http_as("contact_a").get("/portal/")
    sections = response.context["home"].sections
    assert [section.key for section in sections] == [
        "plans",
        "briefs",
        "acts",
        "invoices",
        "surveys",
        "claims",
    ]
    html = response.content.decode()
    for title in [
        "Plans to agree",
        "Briefs to answer",
        "Documents waiting for you",
        "Invoices to pay",
        "Surveys",
        "Your claims",
    ]:
        assert title in html
    assert "No invoice waits for payment." in html


def test_a_domain_fills_a_section_by_registering_the_same_key(http_as: Any) -> None:
    original = dict(portal_home._providers)

    class Item:
        title = "Invoice INV/2026/000001"
        detail = "Due in 5 days"
        url = "/portal/invoices/1/"
        action = "Pay"

    def invoices(contact: Contact, *, limit: int) -> Card:
        return Card(
            key="invoices",
            title="Invoices to pay",
            template="portal/sections/list.html",
            items=[Item()],
            total=1,
        )

    def invoices_placeholder(contact: Contact, *, limit: int) -> Card:
        return Card(
            key="invoices", title="Placeholder", template="portal/sections/list.html", items=[], total=0
        )

    portal_home.register("invoices", invoices, order=40)
    portal_home.register_default("invoices", invoices_placeholder, order=40)  # a late placeholder loses
    try:
        html = http_as("contact_a").get("/portal/").content.decode()
    finally:
        portal_home._providers.clear()
        portal_home._providers.update(original)
    assert "Invoice INV/2026/000001" in html and "Pay" in html


def test_a_contact_whose_access_was_closed_is_signed_out_of_the_portal(
    http_as: Any, contact_a_row: Contact, am: User
) -> None:
    http = http_as("contact_a")
    contact_update(contact=contact_a_row, by=am, portal_access=False)
    response = http.get("/portal/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_contact_changes_their_name_and_language(
    http_as: Any, contact_a: User, contact_a_row: Contact
) -> None:
    http = http_as("contact_a")
    response = http.post("/portal/profile/", {"full_name": "Priya Sharma", "language": "hi"})
    assert response.status_code == 302
    contact_a.refresh_from_db()
    contact_a_row.refresh_from_db()
    assert contact_a.full_name == contact_a_row.full_name == "Priya Sharma"
    assert contact_a.language == contact_a_row.language == "hi"
    assert Event.objects.filter(
        kind="clients.contact_updated", client=contact_a_row.client, actor=contact_a
    ).exists()
    assert http.get("/portal/").headers["Content-Language"] == "hi"


def test_a_bad_profile_shows_errors_and_changes_nothing(http_as: Any, contact_a: User) -> None:
    response = http_as("contact_a").post("/portal/profile/", {"full_name": "", "language": "xx"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "language"}
    contact_a.refresh_from_db()
    assert contact_a.full_name == "Priya Contact"


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 200),
        ("am", 200),
        ("other_am", 404),
        ("specialist", 404),
        ("finance", 404),
        ("contact_a", 404),
        ("contact_b", 404),
    ],
)
def test_preview_permission_matrix(http_as: Any, contact_a_row: Contact, persona: str, expected: int) -> None:
    events = Event.objects.count()
    response = http_as(persona).get(f"/portal/preview/{contact_a_row.pk}/")
    assert response.status_code == expected
    assert Event.objects.count() == events  # a preview is a read: nothing recorded


def test_preview_of_a_missing_contact_is_404(http_as: Any) -> None:
    assert http_as("admin").get("/portal/preview/999999/").status_code == 404


def test_preview_shows_the_contacts_home_read_only(
    http_as: Any, contact_a: User, contact_a_row: Contact
) -> None:
    as_contact = http_as("contact_a").get("/portal/")
    preview = http_as("am").get(f"/portal/preview/{contact_a_row.pk}/")
    html = preview.content.decode()
    assert "Previewing as" in html and "Priya Contact" in html
    assert preview.context["preview"] is True
    assert "/portal/profile/" not in html
    assert [s.key for s in preview.context["home"].sections] == [
        s.key for s in as_contact.context["home"].sections
    ]
    assert preview.context["home"].client == as_contact.context["home"].client


def test_preview_works_for_a_contact_without_portal_access(http_as: Any, am: User, client_a: Client) -> None:
    contact = contact_create(client=client_a, by=am, full_name="Ravi Offline", email="ravi@acme.test")
    html = http_as("am").get(f"/portal/preview/{contact.pk}/").content.decode()
    assert "They have no portal access yet." in html


def test_portal_home_costs_a_fixed_number_of_queries(http_as: Any, am: User, client_a: Client) -> None:
    http = http_as("contact_a")
    with CaptureQueriesContext(connection) as few:
        http.get("/portal/")
    for index in range(30):
        contact_create(client=client_a, by=am, full_name=f"Colleague {index}", email=f"c{index}@acme.test")
    with CaptureQueriesContext(connection) as many:
        http.get("/portal/")
    assert len(few) == len(many)


@pytest.mark.parametrize("persona", ["anonymous", "admin", "am", "other_am", "specialist", "finance"])
def test_a_profile_post_by_anyone_but_a_contact_changes_nothing(
    http_as: Any, contact_a: User, contact_a_row: Contact, persona: str
) -> None:
    events = Event.objects.count()
    response = http_as(persona).post("/portal/profile/", {"full_name": "Hijacked", "language": "ru"})
    assert response.status_code == 302
    contact_a_row.refresh_from_db()
    assert contact_a_row.full_name == "Priya Contact"
    assert Event.objects.count() == events
