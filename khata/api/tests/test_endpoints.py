"""What the API does for an account manager: lists, filters, pages, writes, and bad input."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.api.tests.conftest import World
from khata.api.tests.helpers import call, results
from khata.clients.models import Client, Contact, Interaction
from khata.clients.services import client_create, contact_create, interaction_log, tags_from_names
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db


def _ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in results(response)]


def _client(owner: User, name: str, **values: Any) -> Client:
    values.setdefault("country", "IN")
    values.setdefault("currency", "INR")
    return client_create(
        by=owner, display_name=name, legal_name=f"{name} Private Limited", owner=owner, **values
    )


# --- clients ---------------------------------------------------------------------------------


def test_am_creates_a_client_they_own_with_tags(am: User, http_as: Any) -> None:
    body = {
        "display_name": "Nimbus",
        "legal_name": "Nimbus Cloud Private Limited",
        "tax_id": "27AAPFU0939F1ZV",
        "country": "in",
        "currency": "inr",
        "segment": "mid",
        "status": "active",
        "tags": ["retail", " vip "],
        "payment_terms_days": 45,
    }
    response = call(http_as("am"), "POST", "/api/v1/clients/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["owner"] == am.pk and data["owner_name"] == "Arjun Manager"
    assert (data["country"], data["currency"], data["tax_id"]) == ("IN", "INR", "27AAPFU0939F1ZV")
    assert sorted(data["tags"]) == ["retail", "vip"]
    assert data["partnership_since"] == timezone.localdate().isoformat()
    assert Event.objects.filter(kind="clients.client_created", client_id=data["id"], actor=am).exists()


def test_put_replaces_and_patch_changes_only_what_is_sent(world: World, http_as: Any) -> None:
    http = http_as("am")
    url = f"/api/v1/clients/{world.client.pk}/"
    response = call(http, "PATCH", url, {"billing_address": "1 Park Street, Kolkata"})
    assert response.status_code == 200, response.content
    assert response.json()["billing_address"] == "1 Park Street, Kolkata"
    assert response.json()["display_name"] == "Acme Retail"

    response = call(http, "PUT", url, {"display_name": "Acme"})
    assert response.status_code == 400
    assert set(response.json()) == {"legal_name", "country", "currency"}

    body = {
        "display_name": "Acme",
        "legal_name": "Acme Retail Private Limited",
        "country": "IN",
        "currency": "INR",
    }
    response = call(http, "PUT", url, {**body, "status": "paused", "tags": ["key account"]})
    assert response.status_code == 200, response.content
    assert (response.json()["display_name"], response.json()["status"]) == ("Acme", "paused")
    assert response.json()["tags"] == ["key account"]
    kinds = set(Event.objects.filter(client=world.client).values_list("kind", flat=True))
    assert {"clients.client_updated", "clients.client_status_changed"} <= kinds


def test_client_filters(am: User, other_am: User, client_a: Client, client_b: Client, http_as: Any) -> None:
    acme = _client(am, "Acme", status="active", segment="enterprise", tax_id="27AAPFU0939F1ZV")
    bolt = _client(am, "Bolt", status="paused", country="DE", currency="EUR", backup=other_am)
    cosy = _client(other_am, "Cosy", status="active", country="US", currency="USD")
    acme.tags.set(tags_from_names(["vip", "retail"]))
    http = http_as("admin")

    # Sorted by display name: Acme, Acme Retail (A), Bolt, Borealis Foods (B), Cosy.
    assert _ids(http.get("/api/v1/clients/?status=active")) == [acme.pk, client_a.pk, client_b.pk, cosy.pk]
    assert _ids(http.get(f"/api/v1/clients/?owner={am.pk}")) == [acme.pk, client_a.pk, bolt.pk]
    assert _ids(http.get(f"/api/v1/clients/?backup={other_am.pk}")) == [bolt.pk]
    assert _ids(http.get("/api/v1/clients/?segment=enterprise")) == [acme.pk]
    assert _ids(http.get("/api/v1/clients/?tag=VIP")) == [acme.pk]
    assert _ids(http.get("/api/v1/clients/?country=de")) == [bolt.pk]
    assert _ids(http.get("/api/v1/clients/?currency=USD")) == [client_b.pk, cosy.pk]
    assert _ids(http.get("/api/v1/clients/?q=cos")) == [cosy.pk]
    assert _ids(http.get("/api/v1/clients/?q=aapfu0939")) == [acme.pk]
    assert _ids(http.get("/api/v1/clients/?status=active&country=US&ordering=-display_name")) == [
        cosy.pk,
        client_b.pk,
    ]
    assert _ids(http.get(f"/api/v1/clients/?owner={am.pk}&ordering=-created_at")) == [
        bolt.pk,
        acme.pk,
        client_a.pk,
    ]
    # The outsider's view of the same list: only what they hold (Bolt as backup, B and Cosy).
    assert _ids(http_as("other_am").get("/api/v1/clients/")) == [bolt.pk, client_b.pk, cosy.pk]


def test_cursor_pages_walk_every_client_once(am: User, http_as: Any) -> None:
    made = [_client(am, f"Paged {n:02d}").pk for n in range(7)]
    http = http_as("am")
    seen: list[int] = []
    url: str | None = "/api/v1/clients/?q=paged&page_size=3"
    pages = 0
    while url:
        response = http.get(url)
        seen += _ids(response)
        url = response.json()["next"]
        pages += 1
    assert seen == made and pages == 3
    # And back again from the last page.
    previous = response.json()["previous"]
    assert _ids(http.get(previous)) == made[3:6]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "%%%",
        base64.b64encode(b"p=not-a-date").decode(),  # a position that fits no ordering field
        base64.b64encode(b"o=-5&r=x").decode(),
        base64.b64encode(b"p=a\x00b").decode(),
        base64.b64encode("p=é".encode()).decode(),
        base64.b64encode(b"p=" + b"9" * 400).decode(),
    ],
)
def test_a_bad_cursor_is_a_400_not_a_500(world: World, http_as: Any, cursor: str) -> None:
    for url in ("/api/v1/clients/?ordering=created_at&", "/api/v1/interactions/?", "/api/v1/events/?"):
        response = http_as("am").get(f"{url}cursor={cursor}")
        assert response.status_code in {200, 400}, (url, response.content)
        if response.status_code == 400:
            assert "cursor" in response.json()


# --- contacts --------------------------------------------------------------------------------


def test_am_adds_a_contact_with_portal_access(world: World, http_as: Any) -> None:
    body = {
        "client": world.client.pk,
        "full_name": "Meena Iyer",
        "email": "Meena@Acme.test",
        "phone": "098123 45678",
        "role": "decision_maker",
        "portal_access": True,
    }
    response = call(http_as("am"), "POST", "/api/v1/contacts/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["email"], data["phone"], data["portal_access"], data["has_login"]) == (
        "meena@acme.test",
        "+919812345678",
        True,
        True,
    )
    assert User.objects.get(email="meena@acme.test").role == User.Role.CONTACT


def test_contact_filters(world: World, am: User, http_as: Any) -> None:
    other = _client(am, "Other")
    theirs = contact_create(client=other, by=am, full_name="Zoya Khan", sentiment="negative", role="champion")
    http = http_as("am")
    mine = {world.contact.pk, world.client.contacts.get(user__isnull=False).pk}
    assert set(_ids(http.get(f"/api/v1/contacts/?client={world.client.pk}"))) == mine
    assert _ids(http.get("/api/v1/contacts/?sentiment=negative")) == [theirs.pk]
    assert _ids(http.get("/api/v1/contacts/?role=payer")) == [world.contact.pk]
    assert _ids(http.get("/api/v1/contacts/?portal_access=true")) == [
        world.client.contacts.get(portal_access=True).pk
    ]
    assert _ids(http.get("/api/v1/contacts/?q=zoya")) == [theirs.pk]


# --- interactions ----------------------------------------------------------------------------


def test_am_logs_an_interaction_and_completes_its_next_step(world: World, am: User, http_as: Any) -> None:
    http = http_as("am")
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    body = {
        "client": world.client.pk,
        "kind": "meeting",
        "contacts": [world.contact.pk],
        "summary": "Agreed the Q3 plan",
        "sentiment": "positive",
        "next_step": "Send the contract",
        "next_step_due": due,
    }
    response = call(http, "POST", "/api/v1/interactions/", body)
    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["contacts"], data["has_open_step"], data["by"]) == ([world.contact.pk], True, am.pk)

    response = call(http, "POST", f"/api/v1/interactions/{data['id']}/complete-next-step/")
    assert response.status_code == 200, response.content
    assert response.json()["has_open_step"] is False
    assert response.json()["next_step_done_at"] is not None

    again = call(http, "POST", f"/api/v1/interactions/{data['id']}/complete-next-step/")
    assert again.status_code == 400
    assert "next_step" in again.json()


def test_interaction_filters(world: World, am: User, http_as: Any) -> None:
    old = interaction_log(
        client=world.client,
        by=am,
        kind="email",
        summary="Sent the brief",
        occurred_at=timezone.now() - dt.timedelta(days=40),
    )
    http = http_as("am")
    assert _ids(http.get("/api/v1/interactions/?open_step=true")) == [world.interaction.pk]
    assert _ids(http.get("/api/v1/interactions/?open_step=false")) == [old.pk]
    assert _ids(http.get("/api/v1/interactions/?kind=email")) == [old.pk]
    since = (timezone.now() - dt.timedelta(days=10)).isoformat()
    response = http.get("/api/v1/interactions/", {"occurred_after": since})
    assert _ids(response) == [world.interaction.pk]
    response = http.get("/api/v1/interactions/", {"occurred_before": since})
    assert _ids(response) == [old.pk]
    due_by = (timezone.localdate() + dt.timedelta(days=7)).isoformat()
    assert _ids(http.get(f"/api/v1/interactions/?due_by={due_by}")) == [world.interaction.pk]
    assert _ids(http.get(f"/api/v1/interactions/?client={world.client.pk}&ordering=occurred_at")) == [
        old.pk,
        world.interaction.pk,
    ]


def test_event_filters(world: World, am: User, http_as: Any) -> None:
    http = http_as("am")
    events = _ids(http.get(f"/api/v1/events/?client={world.client.pk}"))
    assert events == list(
        Event.objects.filter(client=world.client).order_by("-at", "-id").values_list("id", flat=True)
    )
    assert len(_ids(http.get("/api/v1/events/?kind=clients.interaction_logged"))) == 1
    assert len(_ids(http.get("/api/v1/events/?domain=clients"))) == len(events)
    assert _ids(http.get("/api/v1/events/?domain=billing")) == []
    assert _ids(http.get("/api/v1/events/?domain=client")) == []  # a prefix is a whole domain
    tomorrow = (timezone.now() + dt.timedelta(days=1)).isoformat()
    assert _ids(http.get("/api/v1/events/", {"since": tomorrow})) == []
    assert len(_ids(http.get("/api/v1/events/", {"until": tomorrow}))) == len(events)
    one = http.get(f"/api/v1/events/{world.event.pk}/").json()
    assert one["subject_type"] == "clients.interaction" and one["domain"] == "clients"
    assert one["actor_name"] == "Arjun Manager"


def test_me_says_who_is_calling(world: World, contact_a: User, http_as: Any) -> None:
    me = http_as("finance").get("/api/v1/me/").json()
    assert (me["role"], me["client"], me["contact"]) == ("finance", None, None)
    me = http_as("contact_a").get("/api/v1/me/").json()
    assert (me["role"], me["client"], me["email"]) == ("contact", world.client.pk, "priya@acme.test")


# --- bad input: a clear 400, nothing changed, never a 500 --------------------------------------

HUGE = "x" * 100_000


def _bad_inputs(w: World, other_contact: Contact, specialist: User) -> list[tuple[str, str, Any, str]]:
    c, i = f"/api/v1/clients/{w.client.pk}/", f"/api/v1/interactions/{w.interaction.pk}/"
    new = {"display_name": "Nova", "legal_name": "Nova Labs", "country": "IN", "currency": "INR"}
    contact_url = f"/api/v1/contacts/{w.contact.pk}/"
    return [
        ("POST", "/api/v1/clients/", '{"display_name": "Nova",', "detail"),
        ("POST", "/api/v1/clients/", "[1, 2]", "non_field_errors"),
        ("POST", "/api/v1/clients/", "null", "non_field_errors"),
        ("POST", "/api/v1/clients/", {}, "display_name"),
        ("POST", "/api/v1/clients/", {**new, "display_name": {"en": "Nova"}}, "display_name"),
        ("POST", "/api/v1/clients/", {**new, "display_name": ["a"]}, "display_name"),
        ("POST", "/api/v1/clients/", {**new, "display_name": HUGE}, "display_name"),
        ("POST", "/api/v1/clients/", {**new, "display_name": "bad\x00name"}, "display_name"),
        ("POST", "/api/v1/clients/", {**new, "country": "XX"}, "country"),
        ("POST", "/api/v1/clients/", {**new, "country": "INDIA"}, "country"),
        ("POST", "/api/v1/clients/", {**new, "currency": "ABC"}, "currency"),
        ("POST", "/api/v1/clients/", {**new, "tax_id": "27AAPFU0939F1ZX"}, "tax_id"),
        ("POST", "/api/v1/clients/", {**new, "tax_id": "DE123"}, "tax_id"),
        ("POST", "/api/v1/clients/", {**new, "status": "bankrupt"}, "status"),
        ("POST", "/api/v1/clients/", {**new, "segment": None}, "segment"),
        ("POST", "/api/v1/clients/", {**new, "payment_terms_days": 1000}, "payment_terms_days"),
        ("POST", "/api/v1/clients/", {**new, "payment_terms_days": "soon"}, "payment_terms_days"),
        ("POST", "/api/v1/clients/", {**new, "partnership_since": "yesterday"}, "partnership_since"),
        ("POST", "/api/v1/clients/", {**new, "tags": "vip"}, "tags"),
        ("POST", "/api/v1/clients/", {**new, "tags": [HUGE]}, "tags"),
        ("POST", "/api/v1/clients/", {**new, "backup": 10**30}, "backup"),
        ("POST", "/api/v1/clients/", {**new, "backup": "me"}, "backup"),
        ("POST", "/api/v1/clients/", {**new, "backup": specialist.pk}, "backup"),
        ("POST", "/api/v1/clients/", {**new, "legal_name": "acme retail private limited"}, "legal_name"),
        ("PATCH", c, {"display_name": ""}, "display_name"),
        ("PATCH", c, {"currency": "rupees"}, "currency"),
        ("POST", "/api/v1/contacts/", {"client": w.client.pk, "full_name": "X", "phone": "12"}, "phone"),
        ("POST", "/api/v1/contacts/", {"client": w.client.pk, "full_name": "X", "email": "no-at"}, "email"),
        (
            "POST",
            "/api/v1/contacts/",
            {"client": w.client.pk, "full_name": "X", "email": "KIRAN@acme.test"},
            "email",
        ),
        ("POST", "/api/v1/contacts/", {"client": w.client.pk, "full_name": "X", "role": "boss"}, "role"),
        (
            "POST",
            "/api/v1/contacts/",
            {"client": w.client.pk, "full_name": "X", "language": "fr"},
            "language",
        ),
        (
            "POST",
            "/api/v1/contacts/",
            {"client": w.client.pk, "full_name": "X", "portal_access": True},
            "portal_access",
        ),
        ("POST", "/api/v1/contacts/", {"client": 10**30, "full_name": "X"}, "client"),
        ("POST", "/api/v1/contacts/", {"client": "1; DROP TABLE", "full_name": "X"}, "client"),
        ("POST", "/api/v1/contacts/", {"client": w.client.pk}, "full_name"),
        ("PATCH", contact_url, {"sentiment": "ecstatic"}, "sentiment"),
        ("PATCH", contact_url, {"portal_access": "perhaps"}, "portal_access"),
        ("POST", "/api/v1/interactions/", {"client": w.client.pk, "summary": ""}, "summary"),
        ("POST", "/api/v1/interactions/", {"client": w.client.pk, "summary": HUGE}, "summary"),
        ("POST", "/api/v1/interactions/", {"client": w.client.pk, "summary": "x", "kind": "fax"}, "kind"),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "contacts": [other_contact.pk]},
            "contacts",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "contacts": [10**30]},
            "contacts",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "contacts": "1,2"},
            "contacts",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "contacts": list(range(1, 200))},
            "contacts",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "next_step_due": "2026-02-30"},
            "next_step_due",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "next_step_due": "2030-01-01"},
            "next_step",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "occurred_at": "2999-01-01T00:00:00Z"},
            "occurred_at",
        ),
        (
            "POST",
            "/api/v1/interactions/",
            {"client": w.client.pk, "summary": "x", "occurred_at": "0001-01-01T00:00"},
            "occurred_at",
        ),
        ("POST", "/api/v1/interactions/", {"client": w.client.pk, "summary": "\ud800"}, "summary"),
        ("PATCH", i, {"contacts": [other_contact.pk]}, "contacts"),
        ("PATCH", i, {"next_step": "", "next_step_due": "2030-01-01"}, "next_step"),
    ]


@pytest.fixture
def other_contact(am: User) -> Contact:
    """A contact of another client the same AM holds: visible, but not client A's."""
    other = _client(am, "Sidecar")
    return contact_create(client=other, by=am, full_name="Sid Car")


def test_bad_input_gets_field_errors_and_changes_nothing(
    world: World, other_contact: Contact, specialist: User, http_as: Any
) -> None:
    http = http_as("am")
    for method, url, body, field in _bad_inputs(world, other_contact, specialist):
        before = [model.objects.count() for model in (Client, Contact, Interaction, Event, User)]
        snapshot = [list(model.objects.order_by("pk").values()) for model in (Client, Contact, Interaction)]
        response = call(http, method, url, body)
        assert response.status_code == 400, (method, url, str(body)[:80], response.content[:300])
        assert field in response.json(), (str(body)[:80], response.json())
        assert [model.objects.count() for model in (Client, Contact, Interaction, Event, User)] == before
        assert [
            list(model.objects.order_by("pk").values()) for model in (Client, Contact, Interaction)
        ] == snapshot


def test_a_client_moving_country_keeps_a_valid_tax_id_or_says_why(world: World, http_as: Any) -> None:
    http = http_as("am")
    url = f"/api/v1/clients/{world.client.pk}/"
    assert call(http, "PATCH", url, {"tax_id": "27AAPFU0939F1ZV"}).status_code == 200
    response = call(http, "PATCH", url, {"country": "DE"})
    assert response.status_code == 400 and "tax_id" in response.json()
    assert call(http, "PATCH", url, {"country": "DE", "tax_id": "DE136695976"}).status_code == 200


def test_bad_query_parameters_are_400(world: World, http_as: Any) -> None:
    http = http_as("am")
    for url in (
        "/api/v1/clients/?status=bankrupt",
        "/api/v1/clients/?owner=abc",
        "/api/v1/clients/?owner=1.5",
        "/api/v1/clients/?q=a%00b",
        "/api/v1/clients/?country=INDIA",
        "/api/v1/contacts/?sentiment=ecstatic",
        "/api/v1/interactions/?occurred_after=yesterday",
        "/api/v1/interactions/?due_by=2026-13-01",
        "/api/v1/events/?since=soon",
        f"/api/v1/events/?client={'9' * 40}",
    ):
        response = http.get(url)
        assert response.status_code == 400, (url, response.content)
    for url in (
        "/api/v1/interactions/?occurred_after=0001-01-01T00:00:00",
        "/api/v1/interactions/?occurred_before=9999-12-31T23:59:59-05:00",
        "/api/v1/events/?since=0001-01-01T00:00:00%2B14:00",
        "/api/v1/interactions/?due_by=0001-01-01",
        "/api/v1/clients/?q=" + "x" * 5000,
        "/api/v1/clients/?tag=%F0%9F%92%A9",
        "/api/v1/events/?kind=%00",
    ):
        assert http.get(url).status_code in {200, 400}, url
    # Unknown orderings and page sizes fall back to the defaults; huge ids find nothing.
    assert http.get("/api/v1/clients/?ordering=password").status_code == 200
    assert http.get("/api/v1/clients/?page_size=-4").status_code == 200
    assert http.get(f"/api/v1/clients/?owner={2**62}").json()["results"] == []
    assert http.get(f"/api/v1/clients/{10**25}/").status_code == 404
    assert http.get("/api/v1/clients/abc/").status_code == 404


def test_only_json_is_spoken(world: World, http_as: Any) -> None:
    http = http_as("am")
    response = http.post("/api/v1/clients/", {"display_name": "Form"})  # multipart form
    assert response.status_code == 415
    response = http.get("/api/v1/clients/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406 or response["Content-Type"].startswith("application/json")


# --- fixed query counts ---------------------------------------------------------------------


def _grow(world: World, am: User, rows: int) -> None:
    """``rows`` clients, contacts, interactions (with contacts and tags) for the AM."""
    tags = tags_from_names(["vip", "retail"])
    have = Client.objects.filter(owner=am).count()
    for n in range(have, rows):
        client = _client(am, f"Grown {n:03d}", backup=None)
        client.tags.set(tags)
        contact = contact_create(client=client, by=am, full_name=f"Person {n}")
        interaction_log(client=client, by=am, contacts=[contact], summary=f"Call {n}", next_step="Follow up")


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("am", "/api/v1/clients/"),
        ("am", "/api/v1/contacts/"),
        ("am", "/api/v1/interactions/"),
        ("am", "/api/v1/events/"),
        ("finance", "/api/v1/clients/?tag=vip"),
        ("admin", "/api/v1/interactions/?open_step=true"),
    ],
)
def test_list_query_count_does_not_grow_with_rows(
    world: World, am: User, http_as: Any, django_assert_num_queries: Any, persona: str, url: str
) -> None:
    http = http_as(persona)
    _grow(world, am, 3)
    with CaptureQueriesContext(connection) as small:
        assert len(_ids(http.get(url))) >= 2
    _grow(world, am, 30)
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(_ids(http.get(url))) >= 29
    # Session, user, (scope,) the page, and one query per prefetched relation at most.
    assert len(small.captured_queries) <= 5


def test_a_contacts_list_query_count_does_not_grow_with_rows(
    world: World, am: User, http_as: Any, django_assert_num_queries: Any
) -> None:
    http = http_as("contact_a")
    for n in range(3):
        contact_create(client=world.client, by=am, full_name=f"Colleague {n}")
    with CaptureQueriesContext(connection) as small:
        assert len(_ids(http.get("/api/v1/contacts/"))) == 5
    for n in range(3, 30):
        contact_create(client=world.client, by=am, full_name=f"Colleague {n}")
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(_ids(http.get("/api/v1/contacts/"))) == 32


def test_events_carry_their_summary_in_the_callers_language(client_a: Any, am: Any) -> None:
    from rest_framework.test import APIClient

    from khata.clients.services import client_update

    client_update(client=client_a, by=am, status="paused")
    api = APIClient()
    api.force_authenticate(am)
    response = api.get(
        "/api/v1/events/", {"kind": "clients.client_status_changed"}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    event = response.json()["results"][0]
    assert event["summary"] == "Status changed from Active to Paused"
    assert event["summary_display"] != event["summary"]
    assert "Active" not in event["summary_display"]
