"""The back office: signed in through Khata's door, writes through the services, events read-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client as HttpClient

from khata.clients.models import Client, Contact, Interaction
from khata.core.models import Event
from khata.people.models import Specialty, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def back_office(db: Any) -> HttpClient:
    superuser = User.objects.create_superuser(
        email="root@agency.test", password="x-long-password-1", full_name="Root"
    )
    http = HttpClient()
    http.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    return http


def test_the_admin_sign_in_is_khatas_sign_in() -> None:
    response = HttpClient().get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_people_without_back_office_rights_are_refused(http_as: Any) -> None:
    assert http_as("am").get("/admin/login/").status_code == 403
    assert http_as("am").get("/admin/").status_code == 302  # to the admin's (Khata's) sign-in


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/people/user/",
        "/admin/people/user/add/",
        "/admin/people/specialty/",
        "/admin/clients/client/",
        "/admin/clients/client/add/",
        "/admin/clients/contact/",
        "/admin/clients/interaction/",
        "/admin/clients/tag/",
        "/admin/core/event/",
    ],
)
def test_back_office_pages_render(back_office: HttpClient, client_a: Client, path: str) -> None:
    assert back_office.get(path).status_code == 200


def test_events_are_read_only_in_the_back_office(back_office: HttpClient, client_a: Client) -> None:
    event = Event.objects.filter(client=client_a).first()
    assert event is not None
    assert back_office.get("/admin/core/event/add/").status_code == 403
    page = back_office.get(f"/admin/core/event/{event.pk}/change/")
    assert page.status_code == 200  # view only
    assert b'name="_save"' not in page.content
    assert back_office.post(f"/admin/core/event/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


def client_form(owner: User, **changes: Any) -> dict[str, Any]:
    data = {
        "display_name": "Nimbus Travel",
        "legal_name": "Nimbus Travel Private Limited",
        "tax_id": "",
        "country": "IN",
        "currency": "INR",
        "billing_address": "",
        "segment": "small",
        "status": "active",
        "partnership_since": "",
        "owner": owner.pk,
        "backup": "",
        "payment_terms_days": 30,
    }
    data.update(changes)
    return data


def test_a_client_made_in_the_back_office_follows_the_rules_and_leaves_an_event(
    back_office: HttpClient, am: User
) -> None:
    response = back_office.post("/admin/clients/client/add/", client_form(am))
    assert response.status_code == 302, response.context["adminform"].form.errors
    client = Client.objects.get(legal_name="Nimbus Travel Private Limited")
    assert client.owner == am
    assert Event.objects.filter(kind="clients.client_created", client=client).count() == 1


def test_a_broken_rule_in_the_back_office_is_a_field_error_and_changes_nothing(
    back_office: HttpClient, specialist: User
) -> None:
    events = Event.objects.count()
    response = back_office.post("/admin/clients/client/add/", client_form(specialist))
    assert response.status_code == 200
    assert "owner" in response.context["adminform"].form.errors
    assert not Client.objects.filter(legal_name="Nimbus Travel Private Limited").exists()
    assert Event.objects.count() == events


def test_a_client_changed_in_the_back_office_leaves_an_event(
    back_office: HttpClient, am: User, client_a: Client
) -> None:
    data = client_form(am, display_name="Acme Stores", legal_name=client_a.legal_name, country="IN")
    response = back_office.post(f"/admin/clients/client/{client_a.pk}/change/", data)
    assert response.status_code == 302
    client_a.refresh_from_db()
    assert client_a.display_name == "Acme Stores"
    assert Event.objects.filter(kind="clients.client_updated", client=client_a).exists()


def test_contacts_and_interactions_are_saved_through_the_services(
    back_office: HttpClient, am: User, client_a: Client
) -> None:
    contact = back_office.post(
        "/admin/clients/contact/add/",
        {
            "client": client_a.pk,
            "full_name": "Kiran Buyer",
            "position": "Buyer",
            "email": "kiran@acme.test",
            "phone": "",
            "language": "en",
            "role": "payer",
            "influence": "medium",
            "sentiment": "neutral",
        },
    )
    assert contact.status_code == 302
    assert Event.objects.filter(kind="clients.contact_added", client=client_a).exists()
    logged = back_office.post(
        "/admin/clients/interaction/add/",
        {
            "client": client_a.pk,
            "kind": "call",
            "occurred_at_0": "2026-01-05",
            "occurred_at_1": "10:00:00",
            "summary": "Budget call",
            "sentiment": "positive",
            "next_step": "",
            "next_step_due": "",
            "contacts": [Contact.objects.get(email="kiran@acme.test").pk],
        },
    )
    assert logged.status_code == 302
    interaction = Interaction.objects.get(summary="Budget call")
    assert interaction.by is not None and interaction.by.email == "root@agency.test"
    assert Event.objects.filter(kind="clients.interaction_logged", client=client_a).exists()


def test_nothing_is_deleted_from_the_relationship_in_the_back_office(
    back_office: HttpClient, client_a: Client
) -> None:
    assert (
        back_office.post(f"/admin/clients/client/{client_a.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Client.objects.filter(pk=client_a.pk).exists()


def test_a_user_changed_in_the_back_office_leaves_an_event(back_office: HttpClient, am: User) -> None:
    seo = Specialty.objects.create(code="seo", name="SEO")
    response = back_office.post(
        f"/admin/people/user/{am.pk}/change/",
        {
            "email": am.email,
            "full_name": "Arjun M.",
            "phone": "",
            "language": "",
            "role": "specialist",
            "specialties": [seo.pk],
            "is_active": "on",
            "last_login_0": "",
            "last_login_1": "",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    am.refresh_from_db()
    assert am.role == User.Role.SPECIALIST and list(am.specialties.all()) == [seo]
    assert Event.objects.filter(kind="people.user_changed").exists()
