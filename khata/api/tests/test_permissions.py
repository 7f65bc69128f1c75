"""Every endpoint and method of the API over the cast of personas.

Client A belongs to ``am``. ``other_am`` is an outsider (404), ``finance`` reads everything and
writes nothing (403), ``specialist`` sees nothing yet (empty lists, 404), ``contact_a`` reads its own
client and colleagues and nothing internal, ``contact_b`` belongs to another client (404).
A denied request changes nothing: no row and no timeline event appears, the object stays as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.forms.models import model_to_dict

from khata.api.tests.conftest import World
from khata.api.tests.helpers import call
from khata.clients.models import Client, Contact, Interaction
from khata.core.models import Event

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]

# What a persona gets. An int is a status code; for lists: "sees" = 200 with A's object in it,
# "blind" = 200 without it, "empty" = 200 and nothing at all.
Expect = int | str


def _row(**expect: Expect) -> dict[str, Expect]:
    assert set(expect) == set(PERSONAS), set(PERSONAS) ^ set(expect)
    return expect


STAFF_LIST = _row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="blind",
    specialist="empty",
    finance="sees",
    contact_a="sees",
    contact_b="blind",
)
INTERNAL_LIST = {**STAFF_LIST, "contact_a": 403, "contact_b": 403}
READ_ONE = _row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=200, contact_b=404
)
READ_INTERNAL = {**READ_ONE, "contact_a": 404}
WRITE_ONE = _row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=403, contact_a=403, contact_b=404
)
WRITE_INTERNAL = {**WRITE_ONE, "contact_a": 404}
CREATE_CLIENT = _row(
    anonymous=401, admin=201, am=201, other_am=201, specialist=403, finance=403, contact_a=403, contact_b=403
)
# The outsider names a client it cannot see in the body: a field error, not a hint that it exists.
CREATE_ON_A = {**CREATE_CLIENT, "other_am": 400}
NO_WRITES = _row(
    anonymous=401, admin=405, am=405, other_am=405, specialist=405, finance=405, contact_a=403, contact_b=403
)
NO_DELETE: dict[str, Expect] = {persona: 405 for persona in PERSONAS}
NO_DELETE["anonymous"] = 401
ME = _row(
    anonymous=401, admin=200, am=200, other_am=200, specialist=200, finance=200, contact_a=200, contact_b=200
)


def _client_body(w: World) -> dict[str, Any]:
    return {
        "display_name": "Acme Retail",
        "legal_name": "Acme Retail Private Limited",
        "country": "IN",
        "currency": "INR",
        "billing_address": "12 MG Road, Pune",
    }


def _contact_body(w: World) -> dict[str, Any]:
    return {"full_name": "Kiran Shah", "position": "CFO", "email": "kiran@acme.test"}


def _interaction_body(w: World) -> dict[str, Any]:
    return {"kind": "meeting", "summary": "Reviewed the plan together", "contacts": [w.contact.pk]}


Body = Callable[[World], dict[str, Any] | None]
Target = Callable[[World], Any]

# (method, url, body, expected per persona, the object a write would change)
MATRIX: list[tuple[str, str, Body, dict[str, Expect], Target | None]] = [
    ("GET", "/api/v1/clients/", lambda w: None, STAFF_LIST, None),
    (
        "POST",
        "/api/v1/clients/",
        lambda w: {"display_name": "Nova", "legal_name": "Nova Labs LLP", "country": "IN", "currency": "INR"},
        CREATE_CLIENT,
        None,
    ),
    ("GET", "/api/v1/clients/{client}/", lambda w: None, READ_ONE, None),
    ("PUT", "/api/v1/clients/{client}/", _client_body, WRITE_ONE, lambda w: w.client),
    ("PATCH", "/api/v1/clients/{client}/", lambda w: {"segment": "mid"}, WRITE_ONE, lambda w: w.client),
    # Nothing is deleted through the API; the answer is the same whoever asks about whatever id.
    ("DELETE", "/api/v1/clients/{client}/", lambda w: None, NO_DELETE, lambda w: w.client),
    (
        "DELETE",
        "/api/v1/interactions/{interaction}/",
        lambda w: None,
        NO_DELETE | {"contact_a": 404, "contact_b": 404},
        lambda w: w.interaction,
    ),
    ("GET", "/api/v1/contacts/", lambda w: None, STAFF_LIST, None),
    (
        "POST",
        "/api/v1/contacts/",
        lambda w: {"client": w.client.pk, "full_name": "Dev Patel", "email": "dev@acme.test"},
        CREATE_ON_A,
        None,
    ),
    ("GET", "/api/v1/contacts/{contact}/", lambda w: None, READ_ONE, None),
    ("PUT", "/api/v1/contacts/{contact}/", _contact_body, WRITE_ONE, lambda w: w.contact),
    (
        "PATCH",
        "/api/v1/contacts/{contact}/",
        lambda w: {"sentiment": "positive"},
        WRITE_ONE,
        lambda w: w.contact,
    ),
    ("GET", "/api/v1/interactions/", lambda w: None, INTERNAL_LIST, None),
    (
        "POST",
        "/api/v1/interactions/",
        lambda w: {"client": w.client.pk, "summary": "Site visit", "kind": "visit"},
        CREATE_ON_A,
        None,
    ),
    ("GET", "/api/v1/interactions/{interaction}/", lambda w: None, READ_INTERNAL, None),
    (
        "PUT",
        "/api/v1/interactions/{interaction}/",
        _interaction_body,
        WRITE_INTERNAL,
        lambda w: w.interaction,
    ),
    (
        "PATCH",
        "/api/v1/interactions/{interaction}/",
        lambda w: {"sentiment": "negative"},
        WRITE_INTERNAL,
        lambda w: w.interaction,
    ),
    (
        "POST",
        "/api/v1/interactions/{interaction}/complete-next-step/",
        lambda w: None,
        WRITE_INTERNAL,
        lambda w: w.interaction,
    ),
    ("GET", "/api/v1/events/", lambda w: None, INTERNAL_LIST, None),
    ("POST", "/api/v1/events/", lambda w: {"kind": "x", "summary": "forged"}, NO_WRITES, None),
    ("GET", "/api/v1/events/{event}/", lambda w: None, READ_INTERNAL, None),
    ("GET", "/api/v1/me/", lambda w: None, ME, None),
]

CASES = [
    pytest.param(method, url, body, persona, expect[persona], target, id=f"{method} {url} {persona}")
    for method, url, body, expect, target in MATRIX
    for persona in PERSONAS
]


def _state(target: Any) -> tuple[Any, ...]:
    counts = tuple(model.objects.count() for model in (Client, Contact, Interaction, Event))
    if target is None:
        return counts
    target.refresh_from_db()
    return (*counts, model_to_dict(target, exclude=["tags", "contacts"]))


def _object_id(url: str, w: World) -> int | None:
    for name in ("client", "contact", "interaction", "event"):
        if url.startswith(f"/api/v1/{name}s/"):
            return {"client": w.client, "contact": w.contact, "interaction": w.interaction, "event": w.event}[
                name
            ].pk
    return None


@pytest.mark.parametrize(("method", "url", "body", "persona", "expected", "target"), CASES)
def test_api_permission_matrix(
    world: World,
    http_as: Any,
    method: str,
    url: str,
    body: Body,
    persona: str,
    expected: Expect,
    target: Target | None,
) -> None:
    path = url.format(
        client=world.client.pk,
        contact=world.contact.pk,
        interaction=world.interaction.pk,
        event=world.event.pk,
    )
    obj = target(world) if target is not None else None
    before = _state(obj)

    response = call(http_as(persona), method, path, body(world))

    if isinstance(expected, int):
        assert response.status_code == expected, response.content
    else:
        assert response.status_code == 200, response.content
        ids = [row["id"] for row in response.json()["results"]]
        if expected == "sees":
            assert _object_id(url, world) in ids
        elif expected == "blind":
            assert _object_id(url, world) not in ids
        else:
            assert ids == []
    if method != "GET" and response.status_code >= 400:
        assert _state(obj) == before, "a denied request changed something"
    if method != "GET" and response.status_code < 300:
        assert Event.objects.count() > before[3], "a write left no timeline event"


def test_anonymous_answer_asks_for_a_token(client: Any) -> None:
    response = client.get("/api/v1/clients/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_authentication_signs_the_caller_in(world: World, am: Any, client: Any) -> None:
    from khata.api.services import api_token_issue

    token, _ = api_token_issue(user=am, by=am)
    response = client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [world.client.pk]

    assert client.get("/api/v1/clients/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_a_deactivated_persons_token_stops_working(world: World, am: Any, client: Any) -> None:
    from khata.api.services import api_token_issue

    token, _ = api_token_issue(user=am, by=am)
    am.is_active = False
    am.save(update_fields=["is_active"])
    assert client.get("/api/v1/clients/", HTTP_AUTHORIZATION=f"Token {token.key}").status_code == 401


def test_a_contact_whose_portal_was_closed_sees_nothing(world: World, contact_a: Any, http_as: Any) -> None:
    from khata.clients.services import contact_set_portal_access

    http = http_as("contact_a")
    contact_set_portal_access(contact=contact_a.contact, enabled=False, by=None)
    assert http.get(f"/api/v1/clients/{world.client.pk}/").status_code in {401, 403}


def test_a_contact_reads_its_client_without_the_agencys_notes(world: World, http_as: Any) -> None:
    http = http_as("contact_a")
    client = http.get(f"/api/v1/clients/{world.client.pk}/").json()
    assert client["display_name"] == "Acme Retail"
    assert client["account_manager"] == "Arjun Manager"
    assert not {"tags", "segment", "last_touch_at", "owner", "backup"} & set(client)

    contacts = http.get("/api/v1/contacts/").json()["results"]
    assert {row["full_name"] for row in contacts} == {"Priya Contact", "Kiran Shah"}
    assert all(not {"sentiment", "influence", "role", "portal_access"} & set(row) for row in contacts)


def test_a_contact_cannot_filter_or_sort_by_the_agencys_assessment(world: World, http_as: Any) -> None:
    """``?sentiment=negative`` would tell a contact which colleagues the agency rates badly."""
    from khata.clients.services import contact_update

    contact_update(contact=world.contact, by=None, sentiment="negative")
    http = http_as("contact_a")
    everyone = [row["id"] for row in http.get("/api/v1/contacts/").json()["results"]]
    for query in ("sentiment=negative", "sentiment=positive", "role=payer", "portal_access=true"):
        assert [row["id"] for row in http.get(f"/api/v1/contacts/?{query}").json()["results"]] == everyone
    by_sentiment = http.get("/api/v1/contacts/?ordering=sentiment").json()["results"]
    assert [row["id"] for row in by_sentiment] == everyone
    for query in ("status=churned", "tag=vip", "segment=enterprise", "q=zzz"):
        assert len(http.get(f"/api/v1/clients/?{query}").json()["results"]) == 1


def test_an_am_cannot_give_a_client_to_another_am(world: World, http_as: Any, other_am: Any) -> None:
    http = http_as("am")
    response = call(http, "PATCH", f"/api/v1/clients/{world.client.pk}/", {"owner": other_am.pk})
    assert response.status_code == 403
    world.client.refresh_from_db()
    assert world.client.owner_id != other_am.pk

    body = {"display_name": "Zed", "legal_name": "Zed Ltd", "country": "IN", "currency": "INR"}
    response = call(http, "POST", "/api/v1/clients/", {**body, "owner": other_am.pk})
    assert response.status_code == 403
    assert not Client.objects.filter(legal_name="Zed Ltd").exists()


def test_the_head_reassigns_a_client(world: World, http_as: Any, other_am: Any) -> None:
    response = call(http_as("admin"), "PATCH", f"/api/v1/clients/{world.client.pk}/", {"owner": other_am.pk})
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == other_am.pk
    assert call(http_as("am"), "GET", f"/api/v1/clients/{world.client.pk}/").status_code == 404


def test_an_am_may_pick_a_backup_who_then_sees_the_client(world: World, http_as: Any, other_am: Any) -> None:
    response = call(http_as("am"), "PATCH", f"/api/v1/clients/{world.client.pk}/", {"backup": other_am.pk})
    assert response.status_code == 200, response.content
    assert call(http_as("other_am"), "GET", f"/api/v1/clients/{world.client.pk}/").status_code == 200
