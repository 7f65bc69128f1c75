"""Care through the API: the permission matrix, a claim's life with its SLA clocks, refusals, lists.

Client A belongs to ``am``: it has a new claim, a resolved one waiting for the client (with a
corrective action and goodwill) and a survey answered by ``contact_a``. ``other_am`` and
``contact_b`` belong elsewhere (404, empty lists); ``finance`` reads every claim and writes nothing
(403); a ``specialist`` sees no claim it is not named on (404); ``contact_a`` reads its company's
claims, files claims and answers a fix, and gets 403 for the agency's moves. A refused request says
why and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from khata.api.tests.helpers import call, results
from khata.care.models import Claim, CorrectiveAction, Goodwill, Survey, SurveyAnswer
from khata.care.services import claim_file, goodwill_record
from khata.care.tests.conftest import ClaimAt, Clock, claim_at, clock, reason, root_cause
from khata.clients.models import Client, Contact
from khata.core.models import Event
from khata.people.models import User

__all__ = ["claim_at", "clock"]

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "admin", "am", "other_am", "specialist", "finance", "contact_a", "contact_b"]
Expect = int | str


@dataclass
class Care:
    new: Claim
    resolved: Claim
    action: CorrectiveAction
    goodwill: Goodwill
    survey: Survey
    answer: SurveyAnswer


@pytest.fixture
def care(
    personas: dict[str, User | None], claim_at: ClaimAt, am: User, contact_a: User, clock: Clock
) -> Care:
    new = claim_at("new")
    resolved = claim_at("resolved")
    action = CorrectiveAction.objects.get(claim=resolved)
    goodwill = goodwill_record(claim=resolved, by=am, kind="free_hours", minutes=120, note="Two hours")
    contact = Contact.objects.get(user=contact_a)
    survey = Survey.objects.create(
        kind="nps",
        trigger="manual",
        client=new.client,
        contact=contact,
        expires_at=clock.now + dt.timedelta(days=14),
        answered_at=clock.now,
    )
    answer = SurveyAnswer.objects.create(survey=survey, kind="nps", score=9, why="Quick and kind")
    return Care(new=new, resolved=resolved, action=action, goodwill=goodwill, survey=survey, answer=answer)


def _http(personas: dict[str, User | None], name: str) -> HttpClient:
    http = HttpClient()
    user = personas[name]
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _state() -> list[Any]:
    models = (Claim, CorrectiveAction, Goodwill, Survey, SurveyAnswer)
    return [*[list(model.objects.order_by("pk").values()) for model in models], Event.objects.count()]


def row(**expect: Expect) -> dict[str, Expect]:
    assert set(expect) == set(PERSONAS), set(PERSONAS) ^ set(expect)
    return expect


LIST = row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="blind",
    specialist="blind",
    finance="sees",
    contact_a="sees",
    contact_b="blind",
)
READ = row(
    anonymous=401, admin=200, am=200, other_am=404, specialist=404, finance=200, contact_a=200, contact_b=404
)
HANDLE = {**READ, "finance": 403, "contact_a": 403}
ANSWER = {**HANDLE, "contact_a": 200}
CREATE = row(
    anonymous=401, admin=201, am=201, other_am=400, specialist=403, finance=403, contact_a=201, contact_b=400
)
CREATE_ON_CLAIM = {**CREATE, "contact_a": 403}
GOODWILL_LIST = row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="blind",
    specialist="blind",
    finance="sees",
    contact_a=403,
    contact_b=403,
)
GOODWILL_CREATE = {**CREATE_ON_CLAIM, "contact_b": 403}
SURVEYS = {**LIST}
NO_PUT: dict[str, Expect] = {**{persona: 405 for persona in PERSONAS}, "anonymous": 401}

Url = Callable[[Care], str]
Body = Callable[[Care], Any]
NOTHING: Body = lambda c: None  # noqa: E731

CASES: list[tuple[str, str, Url, Body, dict[str, Expect], Callable[[Care], int]]] = [
    ("list", "get", lambda c: "/api/v1/claims/", NOTHING, LIST, lambda c: c.new.pk),
    ("read", "get", lambda c: f"/api/v1/claims/{c.new.pk}/", NOTHING, READ, lambda c: 0),
    (
        "file",
        "post",
        lambda c: "/api/v1/claims/",
        lambda c: {
            "client": c.new.client_id,
            "reason": reason().pk,
            "title": "The banner is blurred",
            "description": "On every phone",
            "severity": "high",
        },
        CREATE,
        lambda c: 0,
    ),
    (
        "acknowledge",
        "post",
        lambda c: f"/api/v1/claims/{c.new.pk}/acknowledge/",
        lambda c: {"note": "On it"},
        HANDLE,
        lambda c: 0,
    ),
    (
        "analyse",
        "post",
        lambda c: f"/api/v1/claims/{c.new.pk}/analyse/",
        lambda c: {"root_cause": root_cause().pk, "responsible_team": "Design"},
        HANDLE,
        lambda c: 0,
    ),
    (
        "confirm",
        "post",
        lambda c: f"/api/v1/claims/{c.resolved.pk}/confirm/",
        lambda c: {"note": "Fine now"},
        ANSWER,
        lambda c: 0,
    ),
    (
        "reopen",
        "post",
        lambda c: f"/api/v1/claims/{c.resolved.pk}/reopen/",
        lambda c: {"reason": "Still blurred"},
        ANSWER,
        lambda c: 0,
    ),
    ("put", "put", lambda c: f"/api/v1/claims/{c.new.pk}/", lambda c: {"title": "x"}, NO_PUT, lambda c: 0),
    ("actions", "get", lambda c: "/api/v1/corrective-actions/", NOTHING, LIST, lambda c: c.action.pk),
    ("action", "get", lambda c: f"/api/v1/corrective-actions/{c.action.pk}/", NOTHING, READ, lambda c: 0),
    (
        "add-action",
        "post",
        lambda c: "/api/v1/corrective-actions/",
        lambda c: {"claim": c.new.pk, "description": "Export the banner at twice the size"},
        CREATE_ON_CLAIM,
        lambda c: 0,
    ),
    (
        "complete-action",
        "post",
        lambda c: f"/api/v1/corrective-actions/{c.action.pk}/complete/",
        NOTHING,
        HANDLE,
        lambda c: 0,
    ),
    ("goodwill", "get", lambda c: "/api/v1/goodwill/", NOTHING, GOODWILL_LIST, lambda c: c.goodwill.pk),
    (
        "give-goodwill",
        "post",
        lambda c: "/api/v1/goodwill/",
        lambda c: {"claim": c.new.pk, "kind": "credit", "value_minor": 5_000_00, "note": "Sorry"},
        GOODWILL_CREATE,
        lambda c: 0,
    ),
    ("surveys", "get", lambda c: "/api/v1/surveys/", NOTHING, SURVEYS, lambda c: c.survey.pk),
    ("answers", "get", lambda c: "/api/v1/survey-answers/", NOTHING, SURVEYS, lambda c: c.answer.pk),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expect", "listed"), CASES, ids=[case[0] for case in CASES]
)
def test_the_permission_matrix(
    persona: str,
    name: str,
    method: str,
    url: Url,
    body: Body,
    expect: dict[str, Expect],
    listed: Callable[[Care], int],
    care: Care,
    personas: dict[str, User | None],
) -> None:
    http = _http(personas, persona)
    before = _state()
    response = call(http, method, url(care), body(care))
    wanted = expect[persona]
    if wanted in ("sees", "blind"):
        assert response.status_code == 200, response.content
        ids = [item["id"] for item in results(response)]
        assert (listed(care) in ids) == (wanted == "sees"), ids
        return
    assert response.status_code == wanted, response.content
    if response.status_code >= 400:
        assert _state() == before
        if response.status_code in (400, 403):
            assert response.json(), "a refusal says why"


def test_a_claim_reads_with_both_sla_clocks(care: Care, http_as: Any, clock: Clock) -> None:
    clock.set(care.new.first_response_due + dt.timedelta(minutes=5))
    body = http_as("am").get(f"/api/v1/claims/{care.new.pk}/").json()
    assert body["sla"]["first_response"]["state"] == "breached"
    assert body["sla"]["first_response"]["running"] is True
    assert body["sla"]["first_response"]["remaining_minutes"] < 0
    assert body["sla"]["resolution"]["state"] in {"ok", "near"}
    assert body["goodwill"] == [] and "root_cause" in body
    resolved = http_as("am").get(f"/api/v1/claims/{care.resolved.pk}/").json()
    assert (
        resolved["sla"]["resolution"]["state"] == "met" and resolved["sla"]["resolution"]["running"] is False
    )
    assert [g["minutes"] for g in resolved["goodwill"]] == [120]
    assert [a["id"] for a in resolved["actions"]] == [care.action.pk]


def test_a_contact_reads_its_claim_without_the_agencys_analysis(care: Care, http_as: Any) -> None:
    body = http_as("contact_a").get(f"/api/v1/claims/{care.resolved.pk}/").json()
    assert body["status"] == "resolved" and body["actions"]
    assert not {"root_cause", "responsible", "responsible_team", "preventive_action", "goodwill"} & set(body)


def test_staff_record_a_claim_and_a_contact_files_one(care: Care, http_as: Any, clock: Clock) -> None:
    earlier = clock.now - dt.timedelta(hours=3)
    staff = call(
        http_as("am"),
        "post",
        "/api/v1/claims/",
        {
            "client": care.new.client_id,
            "reason": reason().pk,
            "title": "Called about the report",
            "received_at": earlier.isoformat(),
        },
    )
    assert staff.status_code == 201, staff.content
    assert staff.json()["source"] == "am"
    assert Claim.objects.get(pk=staff.json()["id"]).received_at == earlier
    portal = call(
        http_as("contact_a"),
        "post",
        "/api/v1/claims/",
        {
            "client": care.new.client_id,
            "reason": reason().pk,
            "title": "Report late",
            "description": "It came a week late",
            "received_at": earlier.isoformat(),
        },
    )
    assert portal.status_code == 201, portal.content
    filed = Claim.objects.get(pk=portal.json()["id"])
    assert filed.source == "portal" and filed.received_at == clock.now and filed.contact is not None


def test_a_contact_must_say_what_went_wrong(care: Care, http_as: Any) -> None:
    before = _state()
    response = call(
        http_as("contact_a"),
        "post",
        "/api/v1/claims/",
        {"client": care.new.client_id, "reason": reason().pk, "title": "Bad"},
    )
    assert response.status_code == 400
    assert response.json()["description"] == [
        "Describe what went wrong, so that the agency can put it right."
    ]
    assert _state() == before


def test_a_claim_is_worked_to_its_close_through_the_api(care: Care, http_as: Any) -> None:
    am, contact = http_as("am"), http_as("contact_a")
    base = f"/api/v1/claims/{care.new.pk}"
    assert call(am, "post", f"{base}/acknowledge/", {}).json()["status"] == "acknowledged"
    again = call(am, "post", f"{base}/acknowledge/", {})
    assert again.status_code == 400
    assert again.json()["status"][0].startswith("Only a new claim can be acknowledged.")
    assert call(am, "post", f"{base}/start/").json()["status"] == "in_progress"
    early = call(am, "post", f"{base}/resolve/", {"resolution": "Fixed"})
    assert early.status_code == 400
    assert early.json()["actions"] == ["Add at least one corrective action before resolving the claim."]
    assert early.json()["root_cause"] == ["Find the root cause before resolving the claim."]
    added = call(am, "post", "/api/v1/corrective-actions/", {"claim": care.new.pk, "description": "Fix it"})
    assert added.status_code == 201
    resolved = call(am, "post", f"{base}/resolve/", {"resolution": "Fixed", "root_cause": root_cause().pk})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    reopened = call(contact, "post", f"{base}/reopen/", {"reason": ""})
    assert reopened.status_code == 400 and reopened.json()["reason"] == ["Say what still does not work."]
    assert call(contact, "post", f"{base}/confirm/", {}).json()["status"] == "closed"
    done = call(am, "post", f"/api/v1/corrective-actions/{added.json()['id']}/complete/")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    twice = call(am, "post", f"/api/v1/corrective-actions/{added.json()['id']}/complete/")
    assert twice.status_code == 400 and twice.json()["action"] == ["This action is already done."]
    closing = call(am, "post", f"/api/v1/claims/{care.resolved.pk}/close/")
    assert closing.status_code == 400  # the client still has days to answer


def test_goodwill_refuses_a_missing_amount(care: Care, http_as: Any) -> None:
    before = _state()
    response = call(http_as("am"), "post", "/api/v1/goodwill/", {"claim": care.new.pk, "kind": "credit"})
    assert response.status_code == 400 and response.json()["value_minor"] == ["Give a positive amount."]
    assert _state() == before


def test_claims_filter_by_status_client_severity_and_reason(care: Care, http_as: Any) -> None:
    am = http_as("am")
    assert [c["id"] for c in results(am.get("/api/v1/claims/?status=resolved"))] == [care.resolved.pk]
    assert len(results(am.get(f"/api/v1/claims/?client={care.new.client_id}&severity=normal"))) == 2
    assert results(am.get("/api/v1/claims/?severity=critical")) == []
    assert len(results(am.get(f"/api/v1/claims/?reason={reason().pk}"))) == 2
    assert am.get("/api/v1/claims/?status=lost").status_code == 400


def test_a_contact_sees_only_the_surveys_sent_to_it(
    care: Care, http_as: Any, client_a: Client, am: User
) -> None:
    from khata.clients.services import contact_create

    colleague = contact_create(client=client_a, by=am, full_name="Other Person", email="other@acme.test")
    Survey.objects.create(
        kind="csat",
        trigger="manual",
        client=client_a,
        contact=colleague,
        sent_at=care.survey.sent_at,
        expires_at=care.survey.expires_at,
    )
    mine = [s["id"] for s in results(http_as("contact_a").get("/api/v1/surveys/"))]
    assert mine == [care.survey.pk]
    assert len(results(http_as("am").get("/api/v1/surveys/"))) == 2
    assert [a["score"] for a in results(http_as("contact_a").get("/api/v1/survey-answers/"))] == [9]


@pytest.mark.parametrize("size", [3, 30])
def test_the_claim_list_costs_the_same_with_3_or_30_claims(
    size: int, clock: Clock, am: User, client_a: Client, http_as: Any
) -> None:
    for index in range(size):
        claim_file(by=am, client=client_a, reason=reason(), title=f"Claim {index}")
    http = http_as("am")
    http.get("/api/v1/claims/")  # the session and the content types are warm
    with CaptureQueriesContext(connection) as queries:
        response = http.get("/api/v1/claims/")
    assert response.status_code == 200 and len(results(response)) == size
    assert len(queries) == QUERIES_PER_LIST


QUERIES_PER_LIST = 3  # the session, the user, the claims with their client and reason
