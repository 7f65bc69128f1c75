"""The staff client pages: who may open and change what, forms with field errors, the list's
search, filters, sorting and pages, and a fixed number of queries per page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.clients.services import (
    client_create,
    client_update,
    contact_create,
    interaction_log,
    tags_from_names,
)
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@dataclass
class World:
    client_a: Client
    client_b: Client
    contact: Contact
    interaction: Interaction


@pytest.fixture
def world(personas: dict[str, User | None], client_a: Client, client_b: Client) -> World:
    am = client_a.owner
    contact = contact_create(
        client=client_a, by=am, full_name="Ravi Kumar", email="ravi@acme.test", role="decision_maker"
    )
    interaction = interaction_log(
        client=client_a,
        by=am,
        contacts=[contact],
        kind="meeting",
        summary="Kick-off of the SEO audit",
        next_step="Send the audit plan",
        next_step_due=timezone.localdate(),
    )
    return World(client_a=client_a, client_b=client_b, contact=contact, interaction=interaction)


def urls_of(world: World) -> dict[str, str]:
    a = world.client_a.pk
    return {
        "list": reverse("clients:list"),
        "export": reverse("clients:export"),
        "import": reverse("clients:import"),
        "create": reverse("clients:create"),
        "detail": reverse("clients:detail", args=[a]),
        "update": reverse("clients:update", args=[a]),
        "timeline": reverse("clients:timeline", args=[a]),
        "contact_create": reverse("clients:contact_create", args=[a]),
        "contact_update": reverse("clients:contact_update", args=[world.contact.pk]),
        "interaction_log": reverse("clients:interaction_log", args=[a]),
        "interaction_update": reverse("clients:interaction_update", args=[world.interaction.pk]),
    }


# What each persona gets on GET; every page is about client A where it is about one client.
EVERYTHING_OK = dict.fromkeys(
    [
        "list",
        "export",
        "import",
        "create",
        "detail",
        "update",
        "timeline",
        "contact_create",
        "contact_update",
        "interaction_log",
        "interaction_update",
    ],
    200,
)
OUTSIDER = EVERYTHING_OK | {
    name: 404
    for name in [
        "detail",
        "update",
        "timeline",
        "contact_create",
        "contact_update",
        "interaction_log",
        "interaction_update",
    ]
}
GET_MATRIX: dict[str, dict[str, int]] = {
    "anonymous": dict.fromkeys(EVERYTHING_OK, 302),
    "am": EVERYTHING_OK,
    "admin": EVERYTHING_OK,
    "other_am": OUTSIDER,
    "finance": EVERYTHING_OK
    | {
        name: 403
        for name in [
            "import",
            "create",
            "update",
            "contact_create",
            "contact_update",
            "interaction_log",
            "interaction_update",
        ]
    },
    "specialist": OUTSIDER | {"import": 403, "create": 403},
    "contact_a": dict.fromkeys(EVERYTHING_OK, 403),
    "contact_b": dict.fromkeys(EVERYTHING_OK, 403),
}


@pytest.mark.parametrize("persona", list(GET_MATRIX))
def test_every_page_answers_each_persona_as_the_policy_says(persona: str, world: World, http_as: Any) -> None:
    http = http_as(persona)
    urls = urls_of(world)
    got = {name: http.get(url).status_code for name, url in urls.items()}
    assert got == GET_MATRIX[persona]
    if persona == "anonymous":
        response = http.get(urls["detail"])
        assert response["Location"].startswith(reverse("account_login"))


def snapshot(world: World) -> dict[str, Any]:
    """Everything a write on client A could change."""
    world.client_a.refresh_from_db()
    world.interaction.refresh_from_db()
    world.contact.refresh_from_db()
    return {
        "clients": Client.objects.count(),
        "contacts": Contact.objects.count(),
        "interactions": Interaction.objects.count(),
        "events": Event.objects.count(),
        "tags": Tag.objects.count(),
        "client_a": (world.client_a.display_name, world.client_a.status, world.client_a.owner_id),
        "contact": (world.contact.full_name, world.contact.portal_access),
        "interaction": (world.interaction.summary, world.interaction.next_step_done_at),
    }


def valid_posts(world: World) -> dict[str, tuple[str, dict[str, Any]]]:
    a = world.client_a
    client_form = {
        "display_name": "Acme Renamed",
        "legal_name": a.legal_name,
        "tax_id": "",
        "country": "IN",
        "currency": "INR",
        "status": "paused",
        "segment": "mid",
        "owner": a.owner_id,
        "backup": "",
        "payment_terms_days": "30",
        "tags": "retail, priority",
        "billing_address": "",
    }
    contact_form = {
        "full_name": "Ravi K.",
        "email": "ravi@acme.test",
        "role": "champion",
        "influence": "high",
        "sentiment": "positive",
        "language": "en",
    }
    interaction_form = {
        "kind": "call",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "summary": "Follow-up call",
        "sentiment": "positive",
        "contacts": [world.contact.pk],
    }
    urls = urls_of(world)
    return {
        "create": (
            urls["create"],
            client_form | {"display_name": "Brand New", "legal_name": "Brand New Ltd", "owner": a.owner_id},
        ),
        "update": (urls["update"], client_form),
        "contact_create": (urls["contact_create"], contact_form | {"email": "new@acme.test"}),
        "contact_update": (urls["contact_update"], contact_form),
        "interaction_log": (urls["interaction_log"], interaction_form),
        "interaction_update": (
            urls["interaction_update"],
            interaction_form | {"summary": "Edited", "next_step": "Send the audit plan"},
        ),
        "next_step_done": (reverse("clients:next_step_done", args=[world.interaction.pk]), {}),
    }


POST_DENIED: dict[str, dict[str, int]] = {
    "anonymous": dict.fromkeys(
        [
            "create",
            "update",
            "contact_create",
            "contact_update",
            "interaction_log",
            "interaction_update",
            "next_step_done",
        ],
        302,
    ),
    "contact_a": {},
    "contact_b": {},
    "finance": {},
    "specialist": {},
    "other_am": {},
}
for _persona in ("contact_a", "contact_b", "finance"):
    POST_DENIED[_persona] = dict.fromkeys(POST_DENIED["anonymous"], 403)
POST_DENIED["specialist"] = dict.fromkeys(POST_DENIED["anonymous"], 404) | {"create": 403}
POST_DENIED["other_am"] = dict.fromkeys(POST_DENIED["anonymous"], 404)
del POST_DENIED["other_am"]["create"]  # another AM may create clients of their own


@pytest.mark.parametrize("persona", list(POST_DENIED))
def test_a_denied_write_answers_as_the_policy_says_and_changes_nothing(
    persona: str, world: World, http_as: Any
) -> None:
    http = http_as(persona)
    posts = valid_posts(world)
    for name, expected in POST_DENIED[persona].items():
        before = snapshot(world)
        url, data = posts[name]
        response = http.post(url, data)
        assert response.status_code == expected, name
        assert snapshot(world) == before, name


@pytest.mark.parametrize("persona", ["am", "admin"])
def test_the_owner_and_the_head_can_make_every_change(persona: str, world: World, http_as: Any) -> None:
    http = http_as(persona)
    for name, (url, data) in valid_posts(world).items():
        response = http.post(url, data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])
    world.client_a.refresh_from_db()
    assert world.client_a.display_name == "Acme Renamed"
    assert world.client_a.status == Client.Status.PAUSED
    assert sorted(tag.name for tag in world.client_a.tags.all()) == ["priority", "retail"]
    assert Client.objects.filter(display_name="Brand New").exists()
    assert Contact.objects.filter(client=world.client_a, email="new@acme.test").exists()
    world.interaction.refresh_from_db()
    assert world.interaction.summary == "Edited"
    assert world.interaction.next_step_done_at is not None


def test_a_backup_am_edits_the_client_they_back_up(world: World, other_am: User, http_as: Any) -> None:
    client_update(client=world.client_a, by=world.client_a.owner, backup=other_am)
    url, data = valid_posts(world)["update"]
    data["backup"] = other_am.pk
    assert http_as("other_am").get(urls_of(world)["detail"]).status_code == 200
    assert http_as("other_am").post(url, data).status_code == 302


def test_another_am_sees_an_empty_list_without_client_a(world: World, http_as: Any) -> None:
    body = http_as("other_am").get(reverse("clients:list")).content.decode()
    assert "Borealis Foods" in body
    assert "Acme Retail" not in body


def test_a_specialist_sees_no_clients(world: World, http_as: Any) -> None:
    response = http_as("specialist").get(reverse("clients:list"))
    assert response.status_code == 200
    assert list(response.context["clients"]) == []
    assert "New client" not in response.content.decode()


def test_finance_reads_every_client_without_edit_buttons(world: World, http_as: Any) -> None:
    http = http_as("finance")
    listing = http.get(reverse("clients:list")).content.decode()
    assert "Acme Retail" in listing and "Borealis Foods" in listing
    assert "New client" not in listing and reverse("clients:import") not in listing
    page = http.get(urls_of(world)["detail"]).content.decode()
    assert "Kick-off of the SEO audit" in page
    assert reverse("clients:update", args=[world.client_a.pk]) not in page
    assert reverse("clients:next_step_done", args=[world.interaction.pk]) not in page


# ---------- forms: bad input shows field errors and changes nothing ----------


def test_a_client_form_with_bad_input_answers_400_with_field_errors(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["create"]
    response = http_as("am").post(url, data | {"display_name": "", "payment_terms_days": "900"})
    assert response.status_code == 400
    form = response.context["form"]
    assert "display_name" in form.errors and "payment_terms_days" in form.errors
    assert 'class="field__errors"' in response.content.decode()
    assert snapshot(world) == before


def test_a_service_error_is_shown_next_to_its_field(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["create"]
    response = http_as("am").post(url, data | {"legal_name": world.client_b.legal_name.upper()})
    assert response.status_code == 400
    assert response.context["form"].errors["legal_name"] == ["Another client already has this legal name."]
    assert snapshot(world) == before


def test_a_bad_tax_id_is_a_field_error_and_creates_no_tag(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["update"]
    response = http_as("am").post(url, data | {"tax_id": "27AAPFU0939F1ZX", "tags": "brand-new-tag"})
    assert response.status_code == 400
    assert "tax_id" in response.context["form"].errors
    assert snapshot(world) == before
    assert not Tag.objects.filter(name="brand-new-tag").exists()


def test_only_the_head_moves_a_client_to_another_am(world: World, other_am: User, http_as: Any) -> None:
    url, data = valid_posts(world)["update"]
    am_form = http_as("am").get(url).context["form"]
    assert "owner" not in am_form.fields
    http_as("am").post(url, data | {"owner": other_am.pk})
    world.client_a.refresh_from_db()
    assert world.client_a.owner_id != other_am.pk
    assert http_as("admin").post(url, data | {"owner": other_am.pk}).status_code == 302
    world.client_a.refresh_from_db()
    assert world.client_a.owner_id == other_am.pk


def test_an_am_creating_a_client_owns_it(world: World, am: User, http_as: Any) -> None:
    url, data = valid_posts(world)["create"]
    data.pop("owner")
    response = http_as("am").post(url, data)
    created = Client.objects.get(display_name="Brand New")
    assert response["Location"] == reverse("clients:detail", args=[created.pk])
    assert created.owner == am


def test_a_contact_with_a_bad_phone_is_rejected_at_the_phone_field(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["contact_create"]
    response = http_as("am").post(url, data | {"phone": "12"})
    assert response.status_code == 400
    assert "phone" in response.context["form"].errors
    assert snapshot(world) == before


def test_portal_access_needs_an_email(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["contact_create"]
    response = http_as("am").post(url, data | {"email": "", "portal_access": "on"})
    assert response.status_code == 400
    assert "portal_access" in response.context["form"].errors
    assert snapshot(world) == before


def test_the_contact_form_opens_the_portal(world: World, http_as: Any) -> None:
    url, data = valid_posts(world)["contact_update"]
    assert http_as("am").post(url, data | {"portal_access": "on"}).status_code == 302
    world.contact.refresh_from_db()
    assert world.contact.portal_access and world.contact.user is not None


def test_an_interaction_cannot_name_another_clients_contact(
    world: World, contact_b: User, http_as: Any
) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["interaction_log"]
    other = Contact.objects.get(user=contact_b)
    response = http_as("am").post(url, data | {"contacts": [other.pk]})
    assert response.status_code == 400
    assert "contacts" in response.context["form"].errors
    assert snapshot(world) == before


def test_a_due_date_without_a_next_step_is_a_field_error(world: World, http_as: Any) -> None:
    before = snapshot(world)
    url, data = valid_posts(world)["interaction_log"]
    due = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = http_as("am").post(url, data | {"next_step_due": due, "next_step": ""})
    assert response.status_code == 400
    assert "next_step" in response.context["form"].errors
    assert snapshot(world) == before


def test_the_interaction_form_offers_only_this_clients_contacts(
    world: World, contact_b: User, http_as: Any
) -> None:
    form = http_as("am").get(urls_of(world)["interaction_log"]).context["form"]
    offered = set(form.fields["contacts"].queryset.values_list("client_id", flat=True))
    assert offered == {world.client_a.pk}


def test_an_interaction_logged_from_the_form_appears_on_the_client_page(world: World, http_as: Any) -> None:
    http = http_as("am")
    url, data = valid_posts(world)["interaction_log"]
    due = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    http.post(
        url, data | {"summary": "Agreed the Q3 plan", "next_step": "Send the invoice", "next_step_due": due}
    )
    page = http.get(urls_of(world)["detail"]).content.decode()
    assert "Agreed the Q3 plan" in page
    assert "Send the invoice" in page


def test_marking_a_step_done_twice_is_refused(world: World, http_as: Any) -> None:
    http = http_as("am")
    url = reverse("clients:next_step_done", args=[world.interaction.pk])
    first = http.post(url, **HTMX)
    assert first.status_code == 200
    assert "<html" not in first.content.decode()
    events = Event.objects.count()
    assert http.post(url, **HTMX).status_code == 400
    assert Event.objects.count() == events


def test_the_done_button_returns_to_a_safe_next_page_only(world: World, http_as: Any) -> None:
    url = reverse("clients:next_step_done", args=[world.interaction.pk])
    response = http_as("am").post(url, {"next": "https://evil.test/"})
    assert response["Location"] == reverse("clients:detail", args=[world.client_a.pk])


def test_the_done_endpoint_takes_no_get(world: World, http_as: Any) -> None:
    url = reverse("clients:next_step_done", args=[world.interaction.pk])
    assert http_as("am").get(url).status_code == 405


# ---------- the list: search, filters, sorting, pages ----------


@pytest.fixture
def portfolio(am: User, other_am: User) -> dict[str, Client]:
    """A few clients of ``am`` with distinct names, statuses, segments, tags and touches."""
    now = timezone.now()
    made = {}
    for index, (name, status, segment, tags) in enumerate(
        [
            ("Delta Logistics", "active", "enterprise", "logistics, priority"),
            ("alpha Media", "prospect", "small", "media"),
            ("Charlie Foods", "paused", "mid", ""),
            ("Bravo Health", "churned", "mid", "priority"),
        ]
    ):
        made[name] = client_create(
            by=am,
            display_name=name,
            legal_name=f"{name} Ltd",
            country="IN",
            currency="INR",
            owner=am,
            backup=other_am if name == "Charlie Foods" else None,
            status=status,
            segment=segment,
            tags=tags_from_names(tags),
        )
        if index % 2 == 0:
            interaction_log(
                client=made[name], by=am, summary="Call", occurred_at=now - dt.timedelta(days=index + 1)
            )
    contact_create(client=made["Bravo Health"], by=am, full_name="Zoya Ansari", email="zoya@bravo.test")
    return made


def names_of(response: Any) -> list[str]:
    return [client.display_name for client in response.context["clients"]]


def test_search_matches_names_tax_ids_and_contacts(portfolio: dict[str, Client], http_as: Any) -> None:
    http = http_as("am")
    assert names_of(http.get(reverse("clients:list"), {"q": "FOODS"})) == ["Charlie Foods"]
    assert names_of(http.get(reverse("clients:list"), {"q": "zoya@bravo"})) == ["Bravo Health"]
    assert names_of(http.get(reverse("clients:list"), {"q": "Ansari"})) == ["Bravo Health"]
    assert names_of(http.get(reverse("clients:list"), {"q": "Health Ltd"})) == ["Bravo Health"]
    empty = http.get(reverse("clients:list"), {"q": "nothing like it"})
    assert names_of(empty) == []
    assert "No clients match these filters" in empty.content.decode()


def test_filters_narrow_the_list(portfolio: dict[str, Client], other_am: User, http_as: Any) -> None:
    http = http_as("am")
    url = reverse("clients:list")
    assert names_of(http.get(url, {"status": "paused"})) == ["Charlie Foods"]
    assert names_of(http.get(url, {"segment": "mid"})) == ["Bravo Health", "Charlie Foods"]
    assert names_of(http.get(url, {"tag": "priority"})) == ["Bravo Health", "Delta Logistics"]
    # The AM filter matches the owner or the backup.
    assert names_of(http.get(url, {"owner": other_am.pk})) == ["Charlie Foods"]
    # Filters that are not one of the choices are ignored; names sort regardless of case.
    assert names_of(http.get(url, {"status": "bogus", "owner": "x"})) == [
        "Acme Retail",
        "alpha Media",
        "Bravo Health",
        "Charlie Foods",
        "Delta Logistics",
    ]


def test_sorting_by_each_column_both_ways(portfolio: dict[str, Client], http_as: Any) -> None:
    http = http_as("am")
    url = reverse("clients:list")
    by_name = names_of(http.get(url, {"sort": "name"}))
    assert by_name == sorted([*portfolio, "Acme Retail"], key=str.lower)
    assert names_of(http.get(url, {"sort": "-name"})) == list(reversed(by_name))
    statuses = [
        Client.objects.get(display_name=name).status for name in names_of(http.get(url, {"sort": "status"}))
    ]
    assert statuses == sorted(statuses)
    # Most recently touched first; never-touched clients last.
    recent = names_of(http.get(url, {"sort": "-last_touch"}))
    assert recent[:2] == ["Delta Logistics", "Charlie Foods"]
    assert set(recent[2:]) == {"Acme Retail", "alpha Media", "Bravo Health"}
    assert names_of(http.get(url, {"sort": "last_touch"}))[-2:] == ["Charlie Foods", "Delta Logistics"]
    created = names_of(http.get(url, {"sort": "-created"}))
    assert created.index("Bravo Health") < created.index("alpha Media") < created.index("Delta Logistics")


def test_a_sort_header_link_keeps_the_filters(portfolio: dict[str, Client], http_as: Any) -> None:
    response = http_as("am").get(reverse("clients:list"), {"status": "active", "sort": "name"})
    link = response.context["sort_links"]["name"]
    assert link["state"] == "asc"
    assert "status=active" in link["url"] and "sort=-name" in link["url"]


def test_keyset_pages_walk_forward_and_back_without_counting(am: User, http_as: Any) -> None:
    Client.objects.bulk_create(
        Client(display_name=f"Client {index:03d}", legal_name=f"Client {index:03d} Ltd", owner=am)
        for index in range(120)
    )
    http = http_as("am")
    url = reverse("clients:list")
    first = http.get(url, {"q": "client "})
    assert len(names_of(first)) == 50
    assert "50 shown" in first.content.decode()
    assert first.context["prev_query"] == ""
    second = http.get(url + first.context["next_query"])
    assert names_of(second)[0] == "Client 050"
    third = http.get(url + second.context["next_query"])
    assert names_of(third) == [f"Client {index:03d}" for index in range(100, 120)]
    assert third.context["next_query"] == ""
    back = http.get(url + third.context["prev_query"])
    assert names_of(back) == names_of(second)
    back_again = http.get(url + back.context["prev_query"])
    assert names_of(back_again) == names_of(first)
    assert back_again.context["prev_query"] == ""


def test_keyset_pages_follow_a_descending_sort_on_a_column_with_ties(am: User, http_as: Any) -> None:
    Client.objects.bulk_create(
        Client(
            display_name=f"Client {index:03d}",
            legal_name=f"Client {index:03d} Ltd",
            owner=am,
            status=["active", "paused"][index % 2],
        )
        for index in range(70)
    )
    http = http_as("am")
    url = reverse("clients:list")
    seen: list[str] = []
    response = http.get(url, {"sort": "-status", "q": "client "})
    seen += names_of(response)
    while response.context["next_query"]:
        response = http.get(url + response.context["next_query"])
        seen += names_of(response)
    assert len(seen) == len(set(seen)) == 70
    assert seen[:35] == [f"Client {index:03d}" for index in range(69, 0, -2)]


def test_a_broken_cursor_gives_the_first_page(portfolio: dict[str, Client], http_as: Any) -> None:
    response = http_as("am").get(reverse("clients:list"), {"cursor": "not-a-cursor!!"})
    assert response.status_code == 200
    assert len(names_of(response)) == 5


def test_htmx_gets_only_the_results(portfolio: dict[str, Client], http_as: Any) -> None:
    response = http_as("am").get(
        reverse("clients:list"), {"status": "active"}, HTTP_HX_TARGET="client-results", **HTMX
    )
    body = response.content.decode()
    assert "<html" not in body
    assert body.lstrip().startswith('<div id="client-results"')
    assert "Delta Logistics" in body and "Charlie Foods" not in body
    assert "HX-Request" in response["Vary"]


def test_export_keeps_the_filters(portfolio: dict[str, Client], http_as: Any) -> None:
    response = http_as("am").get(reverse("clients:export"), {"tag": "priority"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert "Bravo Health" in body and "Delta Logistics" in body
    assert "Charlie Foods" not in body


def test_export_holds_only_visible_clients(world: World, http_as: Any) -> None:
    body = http_as("other_am").get(reverse("clients:export")).content.decode()
    assert "Borealis Foods" in body and "Acme Retail" not in body


# ---------- the client page and its timeline ----------


def test_the_client_page_shows_overview_contacts_steps_and_timeline(world: World, http_as: Any) -> None:
    response = http_as("am").get(urls_of(world)["detail"])
    body = response.content.decode()
    for text in ("Acme Retail Private Limited", "Ravi Kumar", "Decision maker", "Send the audit plan"):
        assert text in body
    assert reverse("clients:next_step_done", args=[world.interaction.pk]) in body
    kinds = [event.kind for event in response.context["timeline"].items]
    assert kinds[0] == "clients.interaction_logged"
    assert "clients.client_created" in kinds


def test_the_timeline_filters_by_kind_and_pages_to_older_events(world: World, am: User, http_as: Any) -> None:
    for index in range(30):
        client_update(client=world.client_a, by=am, payment_terms_days=index + 31)
    http = http_as("am")
    url = urls_of(world)["timeline"]
    first = http.get(url, {"kind": "clients.client_updated"})
    items = first.context["timeline"].items
    assert len(items) == 25
    assert {event.kind for event in items} == {"clients.client_updated"}
    older = http.get(f"{url}?{first.context['older_query']}")
    rest = older.context["timeline"].items
    assert len(rest) == 5
    assert rest[0].at <= items[-1].at
    assert {event.pk for event in rest}.isdisjoint(event.pk for event in items)
    by_domain = http.get(url, {"domain": "clients"})
    assert len(by_domain.context["timeline"].items) == 25
    partial = http.get(url, HTTP_HX_TARGET="timeline", **HTMX).content.decode()
    assert "<html" not in partial and 'id="timeline"' in partial


# ---------- import ----------


def csv_upload(text: str, name: str = "clients.csv") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


GOOD_CSV = (
    "display_name,legal_name,country,currency,status,owner_email,contact_name,contact_email\n"
    "Kappa Tea,Kappa Tea Pvt Ltd,IN,INR,active,am@agency.test,Kiran,kiran@kappa.test\n"
)
BAD_CSV = GOOD_CSV + "Lambda,,IN,XXX,active,am@agency.test,,\n"


def test_an_import_check_reports_rows_and_changes_nothing(am: User, http_as: Any) -> None:
    before = (Client.objects.count(), Event.objects.count())
    response = http_as("am").post(reverse("clients:import"), {"file": csv_upload(BAD_CSV), "action": "check"})
    assert response.status_code == 200
    report = response.context["report"]
    assert report.dry_run and not report.ok
    assert any(row.action == "error" and row.line == 3 for row in report.rows)
    assert (Client.objects.count(), Event.objects.count()) == before
    assert "Has errors" in response.content.decode()


def test_an_import_with_a_bad_row_changes_nothing(am: User, http_as: Any) -> None:
    before = Client.objects.count()
    response = http_as("am").post(
        reverse("clients:import"), {"file": csv_upload(BAD_CSV), "action": "import"}
    )
    assert response.status_code == 400
    assert Client.objects.count() == before


def test_a_checked_file_imports_with_one_click_and_twice_creates_nothing_new(am: User, http_as: Any) -> None:
    http = http_as("am")
    checked = http.post(reverse("clients:import"), {"file": csv_upload(GOOD_CSV), "action": "check"})
    token = checked.context["token"]
    assert not Client.objects.filter(display_name="Kappa Tea").exists()
    done = http.post(reverse("clients:import"), {"token": token, "action": "import"})
    assert done.status_code == 200
    assert done.context["report"].created == 1
    assert Client.objects.filter(display_name="Kappa Tea").count() == 1
    # The stashed file is gone after the import: the token cannot run it again.
    again = http.post(reverse("clients:import"), {"token": token, "action": "import"})
    assert again.status_code == 400
    second = http.post(reverse("clients:import"), {"file": csv_upload(GOOD_CSV), "action": "import"})
    assert second.context["report"].created == 0
    assert Client.objects.filter(display_name="Kappa Tea").count() == 1


def test_an_import_token_of_another_person_is_refused(am: User, admin: User, http_as: Any) -> None:
    checked = http_as("am").post(reverse("clients:import"), {"file": csv_upload(GOOD_CSV), "action": "check"})
    response = http_as("admin").post(
        reverse("clients:import"), {"token": checked.context["token"], "action": "import"}
    )
    assert response.status_code == 400
    assert not Client.objects.filter(display_name="Kappa Tea").exists()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (lambda: csv_upload(GOOD_CSV, name="clients.xlsx"), "Choose a .csv file."),
        (lambda: csv_upload("a" * (5 * 1024 * 1024 + 1)), "The file is larger than 5 MB."),
        (lambda: None, "Choose a CSV file to import."),
    ],
)
def test_an_upload_that_is_not_a_small_csv_is_refused(
    upload: Any, message: str, am: User, http_as: Any
) -> None:
    data = {"action": "check"}
    file = upload()
    if file is not None:
        data["file"] = file
    response = http_as("am").post(reverse("clients:import"), data)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [message]


def test_a_file_that_is_not_utf8_gets_a_clear_report(am: User, http_as: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("clients.csv", "display_name\nÄ\n".encode("utf-16"), content_type="text/csv")
    response = http_as("am").post(reverse("clients:import"), {"file": upload, "action": "check"})
    report = response.context["report"]
    assert not report.ok and report.rows[0].line == 0 and report.rows[0].errors


# ---------- the pages cost the same number of queries at any size ----------


def grow(client: Client, by: User, size: int) -> None:
    contacts = [
        contact_create(client=client, by=by, full_name=f"Person {index}", email=f"p{index}@x.test")
        for index in range(size)
    ]
    for index in range(size):
        interaction_log(
            client=client,
            by=by,
            contacts=contacts[index : index + 2],
            summary=f"Touch {index}",
            next_step=f"Step {index}",
            next_step_due=timezone.localdate() + dt.timedelta(days=index),
        )


@pytest.mark.parametrize("size", [3, 30])
def test_the_client_list_costs_a_fixed_number_of_queries(
    size: int, am: User, other_am: User, http_as: Any, django_assert_num_queries: Any
) -> None:
    for index in range(size):
        client_create(
            by=am,
            display_name=f"Client {index}",
            legal_name=f"Client {index} Ltd",
            country="IN",
            currency="INR",
            owner=am,
            backup=other_am,
            tags=tags_from_names(f"tag{index}, common"),
        )
    http = http_as("am")
    # session, user, clients, their tags, the AM choices, the tag choices
    with django_assert_num_queries(6):
        response = http.get(reverse("clients:list"), {"sort": "-last_touch", "q": "Client"})
    assert len(response.context["clients"]) == size


@pytest.mark.parametrize("size", [3, 30])
def test_the_client_page_costs_a_fixed_number_of_queries(
    size: int, client_a: Client, am: User, http_as: Any, django_assert_num_queries: Any
) -> None:
    client_update(client=client_a, by=am, tags=tags_from_names("a, b"))
    grow(client_a, am, size)
    http = http_as("am")
    # session, user, client, its tags, contacts, interactions, their contacts, open steps,
    # event kinds, events; the panels of the work domains (documents, invoices, claims); the health
    # panel: the weights, the client, one aggregate per delivery signal (7), 30 days of snapshots
    with django_assert_num_queries(26):
        response = http.get(reverse("clients:detail", args=[client_a.pk]))
    assert len(response.context["contacts"]) == size + 1  # and the portal contact of client A


def test_a_client_page_renders_in_hindi(world: World, am: User) -> None:
    http = HttpClient(HTTP_ACCEPT_LANGUAGE="hi")
    http.force_login(am, backend="django.contrib.auth.backends.ModelBackend")
    response = http.get(reverse("clients:detail", args=[world.client_a.pk]))
    assert response.status_code == 200
    assert '<html lang="hi"' in response.content.decode()


def test_checked_files_nobody_imported_are_forgotten_after_a_day(am: User, http_as: Any) -> None:
    import os

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    old = default_storage.save("imports/forgotten.csv", ContentFile(b"x"))
    day_ago = (timezone.now() - dt.timedelta(days=2)).timestamp()
    os.utime(default_storage.path(old), (day_ago, day_ago))
    http_as("am").post(reverse("clients:import"), {"file": csv_upload(GOOD_CSV), "action": "check"})
    assert not default_storage.exists(old)
    assert len(default_storage.listdir("imports")[1]) == 1
