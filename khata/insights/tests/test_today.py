"""The Today board: who sees what, the cards' content, the one-click Done, and its query cost."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from khata.clients.models import Client, Interaction
from khata.clients.services import client_create, interaction_log, next_step_complete
from khata.core.boards import Card, today_board
from khata.core.models import Event
from khata.insights.selectors import today_board_for
from khata.people.models import User

pytestmark = pytest.mark.django_db


def step(client: Client, by: User, text: str, due: dt.date, *, days_ago: int = 1) -> Interaction:
    return interaction_log(
        client=client,
        by=by,
        summary=f"Talked about {text}",
        next_step=text,
        next_step_due=due,
        occurred_at=timezone.now() - dt.timedelta(days=days_ago),
    )


def quiet_client(owner: User, name: str) -> Client:
    client = client_create(
        by=owner,
        display_name=name,
        legal_name=f"{name} Pvt Ltd",
        country="IN",
        currency="INR",
        owner=owner,
        status=Client.Status.ACTIVE,
    )
    return client


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 200),
        ("am", 200),
        ("other_am", 200),
        ("specialist", 200),
        ("finance", 200),
        ("contact_a", 302),
        ("contact_b", 302),
    ],
)
def test_today_permission_matrix(http_as: Any, persona: str, expected: int) -> None:
    response = http_as(persona).get("/")
    assert response.status_code == expected
    if persona == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    if persona.startswith("contact"):
        assert response["Location"] == "/portal/"


def test_a_due_next_step_shows_and_a_done_one_does_not(http_as: Any, am: User, client_a: Client) -> None:
    today = timezone.localdate()
    step(client_a, am, "Send the revised quote", today + dt.timedelta(days=2))
    done = step(client_a, am, "Book the kickoff", today)
    next_step_complete(interaction=done, by=am)
    step(client_a, am, "Plan the next quarter", today + dt.timedelta(days=20))
    html = http_as("am").get("/").content.decode()
    assert "Send the revised quote" in html
    assert "Book the kickoff" not in html
    assert "Plan the next quarter" not in html  # beyond the week


def test_overdue_steps_come_first_and_are_marked(am: User, client_a: Client) -> None:
    today = timezone.localdate()
    step(client_a, am, "Later this week", today + dt.timedelta(days=3))
    step(client_a, am, "Long overdue", today - dt.timedelta(days=4))
    board = today_board_for(am, today=today)
    card = next(card for card in board.cards if card.key == "clients.next_steps")
    assert [item.interaction.next_step for item in card.items] == ["Long overdue", "Later this week"]
    assert card.items[0].overdue and card.items[0].days_late == 4
    assert not card.items[1].overdue
    overdue = next(counter for counter in card.counters if counter.tone == "danger")
    assert overdue.value == 1


def test_an_untouched_client_shows_with_a_link_to_log_an_interaction(
    http_as: Any, am: User, client_a: Client
) -> None:
    response = http_as("am").get("/")
    html = response.content.decode()
    assert "Acme Retail" in html
    assert f"/clients/{client_a.pk}/interactions/new/" in html


def test_a_recently_touched_client_is_not_untouched(http_as: Any, am: User, client_a: Client) -> None:
    interaction_log(client=client_a, by=am, summary="Weekly call")
    board = today_board_for(am, today=timezone.localdate())
    card = next(card for card in board.cards if card.key == "clients.untouched")
    assert card.items == []


def test_an_am_sees_only_their_clients(http_as: Any, am: User, client_a: Client, client_b: Client) -> None:
    step(client_b, client_b.owner, "Borealis follow-up", timezone.localdate())
    html = http_as("am").get("/").content.decode()
    assert "Borealis" not in html


def test_the_head_sees_every_am_with_their_name(
    http_as: Any, am: User, other_am: User, client_a: Client, client_b: Client
) -> None:
    step(client_a, am, "Acme follow-up", timezone.localdate())
    step(client_b, other_am, "Borealis follow-up", timezone.localdate())
    html = http_as("admin").get("/").content.decode()
    assert "Acme follow-up" in html and "Borealis follow-up" in html
    assert "Arjun Manager" in html and "Olga Manager" in html


def test_finance_sees_a_read_only_board(http_as: Any, am: User, client_a: Client) -> None:
    interaction = step(client_a, am, "Chase the PO", timezone.localdate())
    response = http_as("finance").get("/")
    html = response.content.decode()
    assert response.context["board"].read_only
    assert "Chase the PO" in html
    assert f"/today/next-steps/{interaction.pk}/done/" not in html
    assert "/interactions/new/" not in html


def test_a_specialist_sees_only_their_own_tasks_card(http_as: Any, client_a: Client) -> None:
    response = http_as("specialist").get("/")
    board = response.context["board"]
    assert [card.key for card in board.cards] == ["production.mine"]
    assert board.cards[0].items == []
    assert "Acme" not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("anonymous", 302),
        ("admin", 200),
        ("am", 200),
        ("other_am", 404),
        ("specialist", 404),
        ("finance", 403),
        ("contact_a", 403),
        ("contact_b", 403),
    ],
)
def test_done_permission_matrix(
    http_as: Any, am: User, client_a: Client, persona: str, expected: int
) -> None:
    interaction = step(client_a, am, "Call back", timezone.localdate())
    events = Event.objects.count()
    response = http_as(persona).post(
        f"/today/next-steps/{interaction.pk}/done/", headers={"HX-Request": "true"}
    )
    assert response.status_code == expected
    interaction.refresh_from_db()
    if expected == 200:
        assert interaction.next_step_done_at is not None
        assert Event.objects.filter(kind="clients.next_step_done").count() == 1
    else:
        assert interaction.next_step_done_at is None  # a denied request changes nothing
        assert Event.objects.count() == events


def test_done_without_htmx_goes_back_to_the_board(http_as: Any, am: User, client_a: Client) -> None:
    interaction = step(client_a, am, "Call back", timezone.localdate())
    response = http_as("am").post(f"/today/next-steps/{interaction.pk}/done/")
    assert response.status_code == 302
    assert response["Location"] == "/"
    again = http_as("am").post(f"/today/next-steps/{interaction.pk}/done/")
    assert again.status_code == 302  # a second click is harmless
    assert Event.objects.filter(kind="clients.next_step_done").count() == 1


def test_done_answers_htmx_with_the_row(http_as: Any, am: User, client_a: Client) -> None:
    interaction = step(client_a, am, "Call back", timezone.localdate())
    response = http_as("am").post(f"/today/next-steps/{interaction.pk}/done/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert f'id="step-{interaction.pk}"' in html
    assert "<html" not in html


def test_done_takes_only_posts(http_as: Any, am: User, client_a: Client) -> None:
    interaction = step(client_a, am, "Call back", timezone.localdate())
    assert http_as("am").get(f"/today/next-steps/{interaction.pk}/done/").status_code == 405


def test_long_lists_are_bounded_with_a_count_of_the_rest(am: User) -> None:
    today = timezone.localdate()
    for index in range(25):
        client = quiet_client(am, f"Client {index:02}")
        step(client, am, f"Step {index:02}", today, days_ago=40)
    board = today_board_for(am, today=today)
    cards = {card.key: card for card in board.cards}
    steps, untouched = cards["clients.next_steps"], cards["clients.untouched"]
    assert len(steps.items) == 20 and steps.total == 25 and steps.more == 5
    assert len(untouched.items) == 20 and untouched.total == 25 and untouched.more == 5


def _fill(am: User, count: int) -> None:
    today = timezone.localdate()
    for index in range(count):
        client = quiet_client(am, f"Filler {count}-{index:02}")
        step(client, am, f"Step {count}-{index}", today - dt.timedelta(days=index % 3), days_ago=45)


@pytest.mark.parametrize("persona", ["am", "admin"])
def test_the_board_costs_the_same_queries_for_3_and_30_items(
    http_as: Any, am: User, admin: User, persona: str
) -> None:
    http = http_as(persona)
    _fill(am, 3)
    with CaptureQueriesContext(connection) as few:
        assert http.get("/").status_code == 200
    _fill(am, 27)
    with CaptureQueriesContext(connection) as many:
        response = http.get("/")
    assert response.context["board"].cards[0].total == 30
    assert len(few) == len(many)
    # The session and the user, then at most two queries per card (its items and a capped count).
    cards = response.context["board"].cards
    assert len(many) <= 3 + 2 * len(cards), [query["sql"] for query in many.captured_queries]


def test_a_domain_adds_a_card_by_registering_it(http_as: Any, am: User) -> None:
    def hello_card(user: Any, *, today: dt.date, limit: int) -> Card | None:
        return Card(
            key="test.hello",
            title="Hello card",
            template="insights/cards/untouched.html",
            items=[],
            total=0,
            empty="Nothing to greet",
        )

    today_board.register("test.hello", hello_card, order=5)
    try:
        html = http_as("am").get("/").content.decode()
    finally:
        today_board.unregister("test.hello")
    assert "Hello card" in html and "Nothing to greet" in html
    assert html.index("Hello card") < html.index("Next steps due")
