"""Client health: the score and its explanation, the bulk computation, the daily snapshot and the
places that show it (client page, client list, Today board, settings page, API)."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from khata.billing.models import Invoice
from khata.care.models import Claim, ReasonCode, Survey, SurveyAnswer
from khata.clients.models import Client, Contact
from khata.core.scheduling import periodic_jobs, scheduler_pass
from khata.documents.models import Behaviour, Document, DocumentKind
from khata.insights.health import (
    Signals,
    health_for,
    health_score,
    health_snapshot_take,
    health_weights_get,
)
from khata.insights.models import DEFAULT_WEIGHTS, FACTORS, HealthSnapshot, HealthWeights
from khata.insights.scheduling import HEALTH_JOB
from khata.people.models import User
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.production.models import Task

_counter = itertools.count(1)


def today() -> dt.date:
    return timezone.localdate()


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def touched(client: Client) -> Client:
    Client.objects.filter(pk=client.pk).update(last_touch_at=ago(1))
    client.refresh_from_db()
    return client


def new_client(owner: User, name: str = "") -> Client:
    n = next(_counter)
    return Client.objects.create(
        display_name=name or f"Client {n}",
        legal_name=f"{name or 'Client'} {n} Ltd",
        owner=owner,
        status=Client.Status.ACTIVE,
        last_touch_at=ago(1),
    )


def project_of(client: Client) -> Project:
    return Project.objects.create(client=client, name=f"Project {next(_counter)}", owner=client.owner)


def add_late_task(client: Client) -> None:
    Task.objects.create(project=project_of(client), title="Late", due_date=today() - dt.timedelta(days=3))


def add_slipping_item(client: Client) -> None:
    version = PlanVersion.objects.create(
        project=project_of(client), number=1, status=PlanVersion.Status.AGREED
    )
    PlanItem.objects.create(version=version, deliverable="Audit", due_date=today() - dt.timedelta(days=5))


def add_waiting_plan(client: Client) -> None:
    PlanVersion.objects.create(
        project=project_of(client), number=1, status=PlanVersion.Status.PROPOSED, proposed_at=ago(20)
    )


def act_kind() -> DocumentKind:
    kind, _created = DocumentKind.objects.get_or_create(
        code="health-act", defaults={"name": "Act", "behaviour": Behaviour.ACT}
    )
    return kind


def add_unsigned_act(client: Client) -> None:
    n = next(_counter)
    Document.objects.create(
        kind=act_kind(),
        client=client,
        title="Act",
        number=f"HA/{n}",
        status=Document.Status.SENT,
        currency="INR",
        registered_at=ago(40),
        sent_at=ago(30),
    )


def add_overdue_invoice(client: Client) -> None:
    n = next(_counter)
    Invoice.objects.create(
        client=client,
        number=f"HI/{n}",
        status=Invoice.Status.ISSUED,
        currency="INR",
        issue_date=today() - dt.timedelta(days=60),
        due_date=today() - dt.timedelta(days=30),
        total_minor=100_00,
        net_minor=100_00,
        issued_at=ago(60),
    )


def add_open_claim(client: Client, *, severity: str = "high", breached: bool = False) -> Claim:
    reason, _created = ReasonCode.objects.get_or_create(code="quality", defaults={"name": "Quality"})
    received = ago(10)
    due = ago(1) if breached else timezone.now() + dt.timedelta(days=3)
    return Claim.objects.create(
        client=client,
        source=Claim.Source.AM,
        reason=reason,
        severity=severity,
        title="Broken",
        received_at=received,
        first_response_due=min(received + dt.timedelta(hours=4), due),
        resolution_due=due,
    )


def add_answer(client: Client, *, kind: str = "nps", score: int = 2) -> None:
    contact = Contact.objects.create(client=client, full_name=f"Contact {next(_counter)}")
    survey = Survey.objects.create(
        kind=kind,
        trigger=Survey.Trigger.MANUAL,
        client=client,
        contact=contact,
        expires_at=timezone.now() + dt.timedelta(days=10),
        answered_at=ago(2),
    )
    SurveyAnswer.objects.create(survey=survey, kind=kind, score=score, at=ago(2))


def make_silent(client: Client) -> None:
    Client.objects.filter(pk=client.pk).update(last_touch_at=ago(90))


SIGNAL_MAKERS: dict[str, Callable[[Client], object]] = {
    "late_tasks": add_late_task,
    "slipping_milestones": add_slipping_item,
    "plan_lag": add_waiting_plan,
    "unsigned_acts": add_unsigned_act,
    "payment_delays": add_overdue_invoice,
    "open_claims": add_open_claim,
    "satisfaction": add_answer,
    "silence": make_silent,
}


def one(client: Client) -> Any:
    return health_for(Client.objects.filter(pk=client.pk))[client.pk]


# ---------- the score ----------


signals_strategy = st.builds(
    Signals,
    late_tasks=st.integers(0, 50),
    slipping_milestones=st.integers(0, 20),
    plan_days=st.integers(0, 100),
    unsigned_acts=st.integers(0, 10),
    act_days=st.integers(0, 100),
    overdue_invoices=st.integers(0, 10),
    payment_days=st.integers(0, 400),
    open_claims=st.integers(0, 10),
    breached_claims=st.integers(0, 10),
    claim_points=st.integers(0, 40),
    nps=st.none() | st.floats(0, 10),
    csat=st.none() | st.floats(1, 5),
    silent_days=st.none() | st.integers(0, 400),
)


@settings(max_examples=300, deadline=None)
@given(signals=signals_strategy, weights=st.lists(st.integers(0, 100), min_size=8, max_size=8))
def test_the_factors_points_add_up_to_what_the_score_lost(signals: Signals, weights: list[int]) -> None:
    settings_row = HealthWeights(**dict(zip(FACTORS, weights, strict=True)), green_from=70, amber_from=40)
    health = health_score(client_id=1, signals=signals, weights=settings_row)
    assert 0 <= health.score <= 100
    assert sum(f.points for f in health.factors) == 100 - health.score
    for factor in health.factors:
        assert 0 <= factor.points <= factor.weight
        assert 0 <= factor.severity <= 1


def test_a_quiet_touched_client_is_fully_healthy(am: User) -> None:
    health = one(new_client(am))
    assert health.score == 100
    assert health.band == "green"
    assert health.pulling_down == []


@pytest.mark.parametrize("factor", FACTORS)
def test_each_factor_moves_the_score(factor: str, am: User) -> None:
    client = new_client(am)
    SIGNAL_MAKERS[factor](client)
    health = one(client)
    assert health.score < 100
    assert [f.code for f in health.pulling_down] == [factor]
    assert health.pulling_down[0].points == 100 - health.score


def test_the_whole_agency_reading_gives_each_client_the_same_signals(am: User, monkeypatch: Any) -> None:
    """Above ``BULK_CLIENTS`` clients the acts, claims and answers are read for the whole agency and other
    clients' rows dropped: the signals must be those of the per-client reading."""
    import khata.insights.health as health_module

    measured, other = new_client(am), new_client(am)
    for make in SIGNAL_MAKERS.values():
        make(measured)
        make(other)
    clients = Client.objects.filter(pk=measured.pk)
    today = timezone.localdate()
    per_client = health_module.signals_for(clients, today=today)
    read = per_client[measured.pk]
    assert read.unsigned_acts and read.open_claims and (read.nps is not None or read.csat is not None)
    monkeypatch.setattr(health_module, "BULK_CLIENTS", 0)
    whole_agency = health_module.signals_for(clients, today=today)
    assert whole_agency == per_client
    assert list(whole_agency) == [measured.pk]


def test_a_breached_claim_weighs_more_than_one_in_time(am: User) -> None:
    in_time, breached = new_client(am), new_client(am)
    add_open_claim(in_time, severity="normal")
    add_open_claim(breached, severity="normal", breached=True)
    assert one(breached).score < one(in_time).score


def test_a_done_task_or_a_closed_claim_costs_nothing(am: User) -> None:
    client = new_client(am)
    Task.objects.create(
        project=project_of(client),
        title="Done late",
        due_date=today() - dt.timedelta(days=3),
        status=Task.Status.DONE,
        done_at=ago(1),
    )
    claim = add_open_claim(client)
    Claim.objects.filter(pk=claim.pk).update(
        status=Claim.Status.CLOSED, acknowledged_at=ago(9), resolved_at=ago(2), closed_at=ago(1)
    )
    assert one(client).score == 100


def test_the_agency_weights_change_the_score(am: User, admin: User) -> None:
    client = new_client(am)
    add_late_task(client)
    add_overdue_invoice(client)
    before = one(client)
    HealthWeights.objects.filter(pk=health_weights_get().pk).update(late_tasks=0, payment_delays=50)
    after = one(client)
    assert {f.code for f in after.pulling_down} == {"payment_delays"}
    assert after.score != before.score
    assert sum(f.points for f in after.factors) == 100 - after.score


def test_the_bands_follow_the_thresholds(am: User) -> None:
    client = new_client(am)
    for _n in range(5):
        add_late_task(client)
    add_overdue_invoice(client)
    score = one(client).score
    HealthWeights.objects.filter(pk=health_weights_get().pk).update(
        green_from=score + 2, amber_from=score + 1
    )
    assert one(client).band == "red"
    HealthWeights.objects.filter(pk=health_weights_get().pk).update(green_from=score + 1, amber_from=score)
    assert one(client).band == "amber"


def _grow(owner: User, size: int) -> QuerySet[Client]:
    for _n in range(size):
        client = new_client(owner)
        for maker in SIGNAL_MAKERS.values():
            maker(client)
    return Client.objects.all()


@pytest.mark.parametrize("size", [3, 30])
def test_health_of_many_clients_costs_a_fixed_number_of_queries(
    size: int, am: User, django_assert_num_queries: Any
) -> None:
    clients = _grow(am, size)
    health_weights_get()
    # the weights, the clients, then one aggregate per signal: tasks, plan items, proposed plans,
    # acts, invoices, claims, survey answers
    with django_assert_num_queries(9):
        healths = health_for(clients)
    assert len(healths) == size
    assert all(h.score < 60 for h in healths.values())


# ---------- the daily snapshot ----------


def test_the_snapshot_is_taken_once_a_day(am: User) -> None:
    client = new_client(am)
    add_late_task(client)
    first = health_snapshot_take()
    second = health_snapshot_take()
    assert first.written == 1 and second.written == 0
    assert second.clients_updated == 0
    snapshot = HealthSnapshot.objects.get(client=client)
    client.refresh_from_db()
    assert client.health_score == snapshot.score < 100
    assert client.health_band == snapshot.band
    assert snapshot.factors["late_tasks"]["points"] == 100 - snapshot.score


def test_the_scheduler_enqueues_the_health_job_once_a_day(am: User) -> None:
    new_client(am)
    jobs = [job for job in periodic_jobs() if job.name == HEALTH_JOB]
    now = timezone.now()
    assert scheduler_pass(now=now, jobs=jobs).enqueued[HEALTH_JOB] == 1
    assert scheduler_pass(now=now, jobs=jobs).enqueued[HEALTH_JOB] == 0
    assert scheduler_pass(now=now + dt.timedelta(days=1), jobs=jobs).enqueued[HEALTH_JOB] == 1
    # The immediate backend of the tests ran the task: today's snapshot is there.
    assert HealthSnapshot.objects.filter(on=timezone.localdate(now)).count() == 1


# ---------- the client list ----------


def _scored(owner: User, scores: list[int]) -> list[Client]:
    clients = []
    for score in scores:
        client = new_client(owner)
        band = "green" if score >= 70 else "amber" if score >= 40 else "red"
        Client.objects.filter(pk=client.pk).update(health_score=score, health_band=band)
        clients.append(client)
    return clients


def test_the_client_list_sorts_by_health(am: User, http_as: Any) -> None:
    low, high, mid = _scored(am, [20, 90, 55])
    unscored = new_client(am)
    http = http_as("am")
    rows = http.get(reverse("clients:list"), {"sort": "health"}).context["clients"]
    pks = [c.pk for c in rows]
    # Clients not scored yet (this one and the shared client A) come after the healthiest.
    assert pks[:3] == [low.pk, mid.pk, high.pk]
    assert unscored.pk in pks[3:]
    rows = http.get(reverse("clients:list"), {"sort": "-health"}).context["clients"]
    assert [c.pk for c in rows][-3:] == [high.pk, mid.pk, low.pk]
    page = http.get(reverse("clients:list"), {"sort": "health"}).content.decode()
    assert ">20</span>" in page


@pytest.mark.parametrize("size", [3, 30])
def test_the_client_list_sorted_by_health_costs_a_fixed_number_of_queries(
    size: int, am: User, http_as: Any, django_assert_num_queries: Any
) -> None:
    _scored(am, [n * 3 for n in range(size)])
    http = http_as("am")
    # session, user, clients, their tags, the AM choices, the tag choices
    with django_assert_num_queries(6):
        response = http.get(reverse("clients:list"), {"sort": "-health"})
    assert len(response.context["clients"]) == size + 1  # and client A


# ---------- the client page ----------


def test_the_client_page_explains_the_health(client_a: Client, http_as: Any) -> None:
    touched(client_a)
    add_overdue_invoice(client_a)
    HealthSnapshot.objects.create(client=client_a, on=today() - dt.timedelta(days=8), score=100, band="green")
    page = http_as("am").get(reverse("clients:detail", args=[client_a.pk])).content.decode()
    assert 'id="panel-insightshealth"' in page
    assert "Payment delays" in page
    assert "overdue invoices: 1 · the oldest days late: 30" in page
    assert reverse("billing:list") + f"?client={client_a.pk}" in page
    assert "▼" in page  # it fell since a week ago
    assert "<polyline" in page


def test_the_client_page_shows_todays_snapshot_in_one_query(
    client_a: Client, am: User, django_assert_num_queries: Any
) -> None:
    from khata.insights.boards import client_health_panel

    touched(client_a)
    add_overdue_invoice(client_a)
    HealthSnapshot.objects.create(client=client_a, on=today() - dt.timedelta(days=8), score=100, band="green")
    health_snapshot_take()
    kept = HealthSnapshot.objects.get(client=client_a, on=today())
    add_late_task(client_a)  # after the snapshot: the page shows the day's kept score
    with django_assert_num_queries(1):
        card = client_health_panel(client_a, am, limit=5)
    assert card is not None
    panel = card.items[0]
    assert panel.health.score == kept.score < 100
    assert [f.factor.code for f in panel.pulling] == ["payment_delays"]
    assert panel.pulling[0].factor.points == 100 - kept.score
    assert panel.pulling[0].factor.detail == {"count": 1, "days": 30}
    assert panel.pulling[0].factor.weight == DEFAULT_WEIGHTS["payment_delays"]
    assert panel.week_change == kept.score - 100


def test_the_client_page_computes_the_health_live_before_the_snapshot(
    client_a: Client, am: User, django_assert_num_queries: Any
) -> None:
    from khata.insights.boards import client_health_panel

    touched(client_a)
    add_overdue_invoice(client_a)
    HealthSnapshot.objects.create(client=client_a, on=today() - dt.timedelta(days=1), score=100, band="green")
    health_weights_get()
    # the snapshots, the weights, the client, one aggregate per delivery signal (7)
    with django_assert_num_queries(10):
        card = client_health_panel(client_a, am, limit=5)
    assert card is not None
    live = health_for(Client.objects.filter(pk=client_a.pk))[client_a.pk]
    assert card.items[0].health == live
    assert card.items[0].spark  # yesterday's snapshot and today's live score


def test_the_specialist_sees_no_health_panel(client_a: Client, specialist: User) -> None:
    from khata.insights.boards import client_health_panel

    assert client_health_panel(client_a, specialist, limit=5) is None


# ---------- the Today board ----------


def _turned_red(client: Client) -> None:
    HealthSnapshot.objects.create(client=client, on=today() - dt.timedelta(days=7), score=80, band="green")
    Client.objects.filter(pk=client.pk).update(health_score=20, health_band="red")


@pytest.mark.parametrize(
    ("persona", "sees_a", "sees_b"),
    [("am", True, False), ("other_am", False, True), ("admin", True, True), ("finance", True, True)],
)
def test_the_today_card_shows_the_clients_turning_red_to_who_holds_them(
    persona: str, sees_a: bool, sees_b: bool, client_a: Client, client_b: Client, am: User, http_as: Any
) -> None:
    _turned_red(client_a)
    _turned_red(client_b)
    always_red = new_client(am, "Always red")
    HealthSnapshot.objects.create(client=always_red, on=today() - dt.timedelta(days=7), score=10, band="red")
    Client.objects.filter(pk=always_red.pk).update(health_score=10, health_band="red")
    page = http_as(persona).get(reverse("insights:today")).content.decode()
    assert "Clients turning red" in page
    assert (client_a.display_name in page) is sees_a
    assert (client_b.display_name in page) is sees_b
    assert "Always red" not in page


def test_the_specialist_board_has_no_health_card(http_as: Any) -> None:
    page = http_as("specialist").get(reverse("insights:today")).content.decode()
    assert "Clients turning red" not in page


# ---------- the settings page ----------


SETTINGS_URL = "/settings/health/"


def _form(**changes: Any) -> dict[str, Any]:
    return {**DEFAULT_WEIGHTS, "green_from": 70, "amber_from": 40, **changes}


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("contact_a", 403),
        ("specialist", 403),
        ("am", 403),
        ("finance", 403),
        ("admin", 200),
    ],
)
def test_the_health_settings_page_is_for_the_head(persona: str, status: int, http_as: Any) -> None:
    assert reverse("insights:health_settings") == SETTINGS_URL
    http = http_as(persona)
    assert http.get(SETTINGS_URL).status_code == status
    response = http.post(SETTINGS_URL, _form(late_tasks=3))
    assert response.status_code == (302 if persona in {"anonymous", "admin"} else status)
    assert health_weights_get().late_tasks == (3 if persona == "admin" else DEFAULT_WEIGHTS["late_tasks"])


def test_the_head_saves_new_weights(admin: User, http_as: Any) -> None:
    response = http_as("admin").post(SETTINGS_URL, _form(open_claims=40, green_from=80, amber_from=50))
    assert response.status_code == 302
    weights = health_weights_get()
    assert (weights.open_claims, weights.green_from, weights.amber_from) == (40, 80, 50)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"late_tasks": 101}, "late_tasks", "Enter a whole number from 0 to 100."),
        ({"silence": -1}, "silence", "Enter a whole number from 0 to 100."),
        ({"plan_lag": "many"}, "plan_lag", "Enter a whole number from 0 to 100."),
        ({"amber_from": 70}, "amber_from", "The at-risk band starts below the healthy one."),
        ({"green_from": 0, "amber_from": 0}, "green_from", "A healthy score starts at 1 or more."),
    ],
)
def test_bad_health_settings_are_refused_beside_the_field(
    changes: dict[str, Any], field: str, message: str, admin: User, http_as: Any
) -> None:
    response = http_as("admin").post(SETTINGS_URL, _form(open_claims=1, **changes))
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    weights = health_weights_get()
    assert weights.open_claims == DEFAULT_WEIGHTS["open_claims"]
    assert (weights.green_from, weights.amber_from) == (70, 40)


# ---------- the API ----------


@pytest.mark.parametrize(
    ("persona", "list_status", "ids", "detail_a"),
    [
        ("anonymous", 401, None, 401),
        ("contact_a", 404, None, 404),
        ("contact_b", 404, None, 404),
        ("specialist", 200, set(), 404),
        ("other_am", 200, {"b"}, 404),
        ("am", 200, {"a"}, 200),
        ("finance", 200, {"a", "b"}, 200),
        ("admin", 200, {"a", "b"}, 200),
    ],
)
def test_the_health_api_answers_each_persona(
    persona: str,
    list_status: int,
    ids: set[str] | None,
    detail_a: int,
    client_a: Client,
    client_b: Client,
    http_as: Any,
) -> None:
    touched(client_a)
    add_late_task(client_a)
    health_snapshot_take(on=today() - dt.timedelta(days=7))
    health_snapshot_take()
    http = http_as(persona)
    response = http.get("/api/v1/health/")
    assert response.status_code in {list_status, 403 if list_status == 401 else list_status}
    if ids is not None:
        names = {row["client"]: row for row in response.json()["results"]}
        assert set(names) == {{"a": client_a.pk, "b": client_b.pk}[key] for key in ids}
    detail = http.get(f"/api/v1/health/{client_a.pk}/")
    assert detail.status_code in {detail_a, 403 if detail_a == 401 else detail_a}
    if detail_a == 200:
        body = detail.json()
        assert body["score"] < 100
        assert sum(f["points"] for f in body["factors"]) == 100 - body["score"]
        assert body["week_change"] == body["score"] - 100  # the task was not late a week ago
        assert body["history"][0]["on"] == (today() - dt.timedelta(days=7)).isoformat()


@pytest.mark.parametrize("size", [3, 30])
def test_the_health_api_list_costs_a_fixed_number_of_queries(
    size: int, am: User, http_as: Any, django_assert_num_queries: Any
) -> None:
    _scored(am, [50] * size)
    http = http_as("am")
    # session, user, the clients, their snapshots
    with django_assert_num_queries(4):
        response = http.get("/api/v1/health/")
    assert len(response.json()["results"]) == size + 1  # and client A
