"""The analysis of dissatisfaction: the numbers on a small hand-made set, the same query count with 3
or 30 claims, who may read it, bad filters, and each table read back from its CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from khata.care.analysis import AnalysisFilter, analysis_for, nps, pareto, percentile
from khata.care.models import Claim, Survey, SurveyAnswer
from khata.care.services import claim_file
from khata.care.tests.conftest import Clock, reason, root_cause
from khata.clients.models import Client
from khata.people.models import Specialty, User
from khata.plans.models import Project
from khata.production.models import Task

pytestmark = pytest.mark.django_db
URL = "/care/analysis/"


def answer(client: Client, contact_user: User, kind: str, score: int) -> SurveyAnswer:
    now = timezone.now()
    survey = Survey.objects.create(
        kind=kind,
        trigger=Survey.Trigger.MANUAL,
        client=client,
        contact=contact_user.contact,
        sent_at=now - dt.timedelta(days=1),
        expires_at=now + dt.timedelta(days=13),
        answered_at=now,
    )
    return SurveyAnswer.objects.create(survey=survey, kind=kind, score=score, at=now)


def file(by: User, client: Client, code: str, **fields: Any) -> Claim:
    claim = claim_file(by=by, client=client, reason=reason(code), title=f"About {code}")
    if fields:
        Claim.objects.filter(pk=claim.pk).update(**fields)
    return claim


@pytest.fixture
def data(
    clock: Clock,
    am: User,
    other_am: User,
    specialist: User,
    client_a: Client,
    client_b: Client,
    contact_a: User,
    contact_b: User,
) -> dict[str, Any]:
    """Client A (the AM's): quality ×3, deadline ×2, communication ×1; three acknowledged after 1, 2
    and 3 hours; NPS 10, 9, 9, 7, 3 and CSAT 5, 2. Client B (the other AM's): one billing claim, an
    NPS of 0."""
    now = timezone.now()
    hour = dt.timedelta(hours=1)
    file(am, client_a, "quality", acknowledged_at=now + hour, root_cause=root_cause("process"))
    file(am, client_a, "quality", acknowledged_at=now + 2 * hour, root_cause=root_cause("process"))
    file(
        am,
        client_a,
        "quality",
        acknowledged_at=now + 3 * hour,
        resolved_at=now + 10 * hour,
        root_cause=root_cause("performer"),
        responsible=specialist,
    )
    file(am, client_a, "deadline")
    file(am, client_a, "deadline")
    file(am, client_a, "communication")
    file(other_am, client_b, "billing")
    for score in (10, 9, 9, 7, 3):
        answer(client_a, contact_a, "nps", score)
    for score in (5, 2):
        answer(client_a, contact_a, "csat", score)
    answer(client_b, contact_b, "nps", 0)
    return {}


def rows(user: User, key: str, **filters: Any) -> list[list[Any]]:
    return analysis_for(user, AnalysisFilter(**filters)).tables[key].rows


def test_pareto_orders_by_count_with_cumulative_share(data: dict[str, Any], am: User) -> None:
    assert rows(am, "reasons") == [
        ["Quality", 3, Decimal("50.0"), Decimal("50.0")],
        ["Deadline", 2, Decimal("33.3"), Decimal("83.3")],
        ["Communication", 1, Decimal("16.7"), Decimal("100.0")],
    ]
    assert rows(am, "root_causes") == [
        ["(not set)", 3, Decimal("50.0"), Decimal("50.0")],
        ["Process", 2, Decimal("33.3"), Decimal("83.3")],
        ["Performer", 1, Decimal("16.7"), Decimal("100.0")],
    ]
    assert rows(am, "specialists")[1][:2] == ["Sunil Specialist", 1]


def test_head_sees_every_client_and_the_am_only_their_own(
    data: dict[str, Any], admin: User, am: User
) -> None:
    assert sum(r[1] for r in rows(admin, "reasons")) == 7
    assert [r[0] for r in rows(am, "clients")] == ["Acme Retail"]
    assert {r[0] for r in rows(admin, "clients")} == {
        "Acme Retail",
        Client.objects.exclude(display_name="Acme Retail").get().display_name,
    }
    assert rows(admin, "reasons", client_id=Client.objects.get(display_name="Acme Retail").pk) == rows(
        am, "reasons"
    )


def test_nps_is_promoters_share_minus_detractors_share(data: dict[str, Any], am: User, admin: User) -> None:
    # 10, 9, 9 promote; 7 is passive; 3 detracts: (3 − 1) / 5 = 40.
    month = rows(am, "scores_months")
    assert month == [["2026-11", 5, Decimal("40.0"), 2, Decimal("3.5")]]
    assert rows(am, "clients") == [["Acme Retail", 6, 6, 2]]
    by_am = {r[0]: r for r in rows(admin, "scores_ams")}
    assert by_am["Arjun Manager"][2] == Decimal("40.0")
    assert by_am["Olga Manager"][1:3] == [1, Decimal("-100.0")]
    assert nps(0, 0, 0) is None


def test_median_and_p90_of_the_first_response(data: dict[str, Any], am: User) -> None:
    first, fix = rows(am, "times")
    assert first == ["First response", 3, Decimal("2.0"), Decimal("2.8")]
    assert fix == ["Resolution", 1, Decimal("10.0"), Decimal("10.0")]
    assert rows(am, "months") == [["2026-11", 6, 2]]


def test_answer_times_match_a_hand_computed_case(am: User, client_a: Client) -> None:
    received = dt.datetime(2026, 11, 2, 10, 0, tzinfo=dt.UTC)
    minute = dt.timedelta(minutes=1)
    spans = [  # (to the first response, to the resolution)
        (30 * minute, 600 * minute),
        (60 * minute, 1200 * minute),
        (90 * minute, None),
        (-10 * minute, None),  # recorded before the claim came in: counts as no time
        (None, None),
    ]
    for first, fix in spans:
        file(
            am,
            client_a,
            "quality",
            received_at=received,
            acknowledged_at=None if first is None else received + first,
            resolved_at=None if fix is None else received + fix,
        )
    first_row, fix_row = rows(am, "times")
    # First response, hours: 0, 0.5, 1, 1.5. Median: halfway between 0.5 and 1 = 0.75 → 0.8;
    # 90th percentile: rank 0.9 × 3 = 2.7, so 1 + 0.7 × (1.5 − 1) = 1.35 → 1.4.
    assert first_row == ["First response", 4, Decimal("0.8"), Decimal("1.4")]
    # Resolution, hours: 10 and 20. Median 15; 90th percentile 10 + 0.9 × 10 = 19.
    assert fix_row == ["Resolution", 2, Decimal("15.0"), Decimal("19.0")]


def test_period_and_service_narrow_the_claims(data: dict[str, Any], am: User, client_a: Client) -> None:
    later = dt.date(2026, 12, 1)
    assert rows(am, "reasons", start=later) == []
    assert rows(am, "reasons", end=dt.date(2026, 11, 25))[0][1] == 3
    seo = Specialty.objects.get(code="seo")
    project = Project.objects.create(client=client_a, name="SEO", owner=am)
    task = Task.objects.create(project=project, title="Audit", specialty=seo)
    Claim.objects.filter(pk=Claim.objects.filter(client=client_a).order_by("id").first().pk).update(task=task)  # type: ignore[union-attr]
    assert rows(am, "services")[0][:2] == ["(not set)", 5]
    assert ["SEO", 1] in [r[:2] for r in rows(am, "services")]
    assert rows(am, "reasons", service_id=seo.pk) == [["Quality", 1, Decimal("100.0"), Decimal("100.0")]]


def test_helpers() -> None:
    assert pareto([("b", 1), ("a", 1), ("c", 2)])[0][0] == "c"
    assert [r[0] for r in pareto([("b", 1), ("a", 1)])] == ["a", "b"]
    assert percentile([], 50) is None
    assert percentile([4.0], 90) == 4.0


PERSONAS = ["anonymous", "contact_a", "admin", "am", "other_am", "finance", "specialist"]
ALLOWED = {
    "anonymous": 302,
    "contact_a": 404,
    "admin": 200,
    "am": 200,
    "other_am": 200,
    "finance": 403,
    "specialist": 403,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_page_answers_each_persona(data: dict[str, Any], http_as: Any, persona: str) -> None:
    before = (Claim.objects.count(), SurveyAnswer.objects.count())
    response = http_as(persona).get(URL)
    assert response.status_code == ALLOWED[persona]
    if persona == "anonymous":
        assert "/accounts/login/" in response["Location"]
    if persona == "am":
        assert b'data-table="reasons"' in response.content
        assert b"care-analysis-data" in response.content
    if persona == "other_am":
        assert b"Acme Retail" not in response.content.split(b"</form>", 1)[1]
    assert (Claim.objects.count(), SurveyAnswer.objects.count()) == before


def test_claims_list_links_to_the_analysis(data: dict[str, Any], http_as: Any) -> None:
    assert reverse("care:analysis").encode() in http_as("am").get("/care/").content
    assert reverse("care:analysis").encode() not in http_as("finance").get("/care/").content


@pytest.mark.parametrize(
    "query",
    ["start=not-a-date", "start=2026-12-01&end=2026-11-01", "client=999999", "service=x"],
)
def test_bad_filter_says_why_and_shows_no_rows(data: dict[str, Any], http_as: Any, query: str) -> None:
    response = http_as("am").get(f"{URL}?{query}")
    assert response.status_code == 400
    assert b"These filters cannot be applied" in response.content
    assert b"data-table=" not in response.content
    assert http_as("am").get(f"{URL}?{query}&format=csv&table=reasons").status_code == 404


def test_am_cannot_filter_on_another_ams_client(data: dict[str, Any], http_as: Any, client_b: Client) -> None:
    response = http_as("am").get(f"{URL}?client={client_b.pk}")
    assert response.status_code == 400


def test_csv_parses_back_to_the_table(data: dict[str, Any], http_as: Any, am: User) -> None:
    response = http_as("am").get(f"{URL}?format=csv&table=reasons")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(response.content.decode())))
    assert parsed[0] == ["Reason", "Claims", "Share, %", "Cumulative, %"]
    assert parsed[1:] == [
        ["Quality", "3", "50.0", "50.0"],
        ["Deadline", "2", "33.3", "83.3"],
        ["Communication", "1", "16.7", "100.0"],
    ]
    times = list(csv.reader(io.StringIO(http_as("am").get(f"{URL}?format=csv&table=times").content.decode())))
    assert times[1] == ["First response", "3", "2.0", "2.8"]
    assert http_as("am").get(f"{URL}?format=csv&table=nope").status_code == 404


def _queries(client: Any) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(URL).status_code == 200
    return len(captured)


def test_page_costs_the_same_queries_with_3_or_30_claims(
    clock: Clock, http_as: Any, am: User, client_a: Client, contact_a: User, specialist: User
) -> None:
    web = http_as("am")
    for i in range(3):
        file(am, client_a, ("quality", "deadline", "billing")[i % 3], responsible=specialist)
        answer(client_a, contact_a, "nps", i)
    small = _queries(web)
    for i in range(27):
        file(am, client_a, ("quality", "deadline", "billing")[i % 3], root_cause=root_cause())
        answer(client_a, contact_a, "csat", 1 + i % 5)
    assert _queries(web) == small


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York"])
def test_months_follow_the_agency_time_zone_across_a_month_boundary(
    settings: Any, zone: str, am: User, client_a: Client, contact_a: User
) -> None:
    settings.TIME_ZONE = zone
    local = ZoneInfo(zone)
    # Kolkata's 1 April 00:30 is still March in UTC; New York's 31 March 23:30 is already April.
    last_of_march = dt.datetime(2026, 3, 31, 23, 30, tzinfo=local)
    first_of_april = dt.datetime(2026, 4, 1, 0, 30, tzinfo=local)
    file(am, client_a, "quality", received_at=last_of_march)
    file(am, client_a, "quality", received_at=first_of_april)
    file(am, client_a, "deadline", received_at=first_of_april)
    for at, score in ((last_of_march, 3), (first_of_april, 10), (first_of_april, 2)):
        SurveyAnswer.objects.filter(pk=answer(client_a, contact_a, "nps", score).pk).update(at=at)
    assert rows(am, "months") == [["2026-03", 1, 1], ["2026-04", 2, 1]]
    assert [r[:3] for r in rows(am, "scores_months")] == [
        ["2026-03", 1, Decimal("-100.0")],
        ["2026-04", 2, Decimal("0.0")],
    ]
    assert rows(am, "months", start=dt.date(2026, 4, 1)) == [["2026-04", 2, 1]]
    assert rows(am, "months", start=dt.date(2026, 5, 1)) == []
    assert rows(am, "scores_months", start=dt.date(2026, 5, 1)) == []


def test_months_of_an_empty_analysis_are_none(am: User) -> None:
    assert rows(am, "months") == []
    assert rows(am, "scores_months") == []
