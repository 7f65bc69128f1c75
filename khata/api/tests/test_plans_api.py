"""Projects and work plans through the API: the permission matrix, a whole negotiation, bad input.

Client A belongs to ``am``. Its project has version 1 proposed to the client (two items) and
version 2 drafted from it. ``approver_a`` is client A's approver; ``contact_a`` a plain contact of A;
``contact_b`` and ``other_am`` belong elsewhere (404); ``finance`` reads and never writes (403);
``specialist`` sees nothing. A refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from khata.api.tests.helpers import call, results
from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User
from khata.plans.models import (
    Approval,
    ClientRequest,
    ItemDecision,
    PlanItem,
    PlanVersion,
    Project,
)
from khata.plans.services import plan_item_add, plan_propose, plan_version_create, project_create
from khata.plans.tests.conftest import _approver

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous",
    "admin",
    "am",
    "other_am",
    "specialist",
    "finance",
    "contact_a",
    "contact_b",
    "approver_a",
]
Expect = int | str


@dataclass
class Plan:
    project: Project
    proposed: PlanVersion
    draft: PlanVersion
    proposed_item: PlanItem
    draft_item: PlanItem


@pytest.fixture
def approver(client_a: Client) -> User:
    return _approver(client_a, "anita@acme.test", "Anita Approver")


@pytest.fixture
def cast(personas: dict[str, User | None], approver: User) -> dict[str, User | None]:
    return {**personas, "approver_a": approver}


@pytest.fixture
def plan(client_a: Client, am: User) -> Plan:
    project = project_create(client=client_a, by=am, name="Spring relaunch", services="SEO")
    v1 = plan_version_create(project=project, by=am)
    first = plan_item_add(version=v1, by=am, deliverable="Keyword research", price_minor=50_000)
    plan_item_add(version=v1, by=am, deliverable="Landing page copy", price_minor=30_000)
    plan_propose(version=v1, by=am)
    v2 = plan_version_create(project=project, by=am, based_on=v1)
    return Plan(project, v1, v2, first, v2.items.order_by("id").first() or first)


def _http(cast: dict[str, User | None], name: str) -> HttpClient:
    http = HttpClient()
    user = cast[name]
    if user is not None:
        http.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return http


def _state() -> list[Any]:
    models = (Project, PlanVersion, PlanItem, ItemDecision, ClientRequest, Approval)
    rows = [list(model.objects.order_by("pk").values()) for model in models]
    return [*rows, Event.objects.count()]


def row(**expect: Expect) -> dict[str, Expect]:
    assert set(expect) == set(PERSONAS), set(PERSONAS) ^ set(expect)
    return expect


LIST = row(
    anonymous=401,
    admin="sees",
    am="sees",
    other_am="blind",
    specialist="empty",
    finance="sees",
    contact_a="sees",
    contact_b="blind",
    approver_a="sees",
)
READ = row(
    anonymous=401,
    admin=200,
    am=200,
    other_am=404,
    specialist=404,
    finance=200,
    contact_a=200,
    contact_b=404,
    approver_a=200,
)
READ_DRAFT = {**READ, "contact_a": 404, "approver_a": 404}
WRITE = row(
    anonymous=401,
    admin=200,
    am=200,
    other_am=404,
    specialist=404,
    finance=403,
    contact_a=403,
    contact_b=404,
    approver_a=403,
)
WRITE_DRAFT = {**WRITE, "contact_a": 404, "approver_a": 404}
CREATE = row(
    anonymous=401,
    admin=201,
    am=201,
    other_am=400,  # the body names an object it cannot see: a field error, no hint it exists
    specialist=403,
    finance=403,
    contact_a=403,
    contact_b=403,
    approver_a=403,
)
ANSWER = {**WRITE, "admin": 403, "am": 403, "approver_a": 201}

Body = Callable[[Plan], Any]
CASES: list[tuple[str, str, Callable[[Plan], str], Body, dict[str, Expect], int]] = [
    # (name, method, url, body, expectations, id a list must show)
    ("projects-list", "get", lambda p: "/api/v1/projects/", lambda p: None, LIST, 0),
    ("project-read", "get", lambda p: f"/api/v1/projects/{p.project.pk}/", lambda p: None, READ, 0),
    (
        "project-create",
        "post",
        lambda p: "/api/v1/projects/",
        lambda p: {"client": p.project.client_id, "name": "Autumn audit"},
        CREATE,
        0,
    ),
    (
        "project-patch",
        "patch",
        lambda p: f"/api/v1/projects/{p.project.pk}/",
        lambda p: {"services": "SEO, copywriting"},
        WRITE,
        0,
    ),
    (
        "project-put",
        "put",
        lambda p: f"/api/v1/projects/{p.project.pk}/",
        lambda p: {"name": "Spring relaunch 2"},
        WRITE,
        0,
    ),
    (
        "project-stage",
        "post",
        lambda p: f"/api/v1/projects/{p.project.pk}/stage/",
        lambda p: {"stage": "planning", "reason": "Brief answered"},
        WRITE,
        0,
    ),
    ("versions-list", "get", lambda p: "/api/v1/plan-versions/", lambda p: None, LIST, 1),
    ("version-read", "get", lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/", lambda p: None, READ, 0),
    ("draft-read", "get", lambda p: f"/api/v1/plan-versions/{p.draft.pk}/", lambda p: None, READ_DRAFT, 0),
    (
        "version-diff",
        "get",
        lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/diff/?against={p.proposed.pk}",
        lambda p: None,
        READ,
        0,
    ),
    (
        "version-create",
        "post",
        lambda p: "/api/v1/plan-versions/",
        lambda p: {"project": p.project.pk, "note": "Second try"},
        # The project already has a draft: those allowed to draft hear why not.
        {**CREATE, "admin": 400, "am": 400},
        0,
    ),
    (
        "version-propose",
        "post",
        lambda p: f"/api/v1/plan-versions/{p.draft.pk}/propose/",
        lambda p: None,
        WRITE_DRAFT,
        0,
    ),
    (
        "approve-company",
        "post",
        lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/approve/",
        lambda p: {"side": "company"},
        WRITE,
        0,
    ),
    (
        "approve-client",
        "post",
        lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/approve/",
        lambda p: {"side": "client"},
        {**WRITE, "admin": 403, "am": 403, "approver_a": 200},
        0,
    ),
    (
        "change-request",
        "post",
        lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/change-request/",
        lambda p: {"note": "More pages"},
        # Nothing is agreed yet: a clear refusal for those who may ask.
        {**WRITE, "admin": 400, "am": 400},
        0,
    ),
    (
        "client-request",
        "post",
        lambda p: f"/api/v1/plan-versions/{p.proposed.pk}/requests/",
        lambda p: {"deliverable": "A blog post", "comment": "For the launch"},
        ANSWER,
        0,
    ),
    (
        "item-create",
        "post",
        lambda p: "/api/v1/plan-items/",
        lambda p: {"version": p.draft.pk, "deliverable": "Analytics set-up", "estimate_minutes": 240},
        {**CREATE, "other_am": 400},
        0,
    ),
    ("item-read", "get", lambda p: f"/api/v1/plan-items/{p.proposed_item.pk}/", lambda p: None, READ, 0),
    (
        "item-patch",
        "patch",
        lambda p: f"/api/v1/plan-items/{p.draft_item.pk}/",
        lambda p: {"price_minor": 45_000},
        WRITE_DRAFT,
        0,
    ),
    (
        "item-delete",
        "delete",
        lambda p: f"/api/v1/plan-items/{p.draft_item.pk}/",
        lambda p: None,
        {**WRITE_DRAFT, "admin": 204, "am": 204},
        0,
    ),
    (
        "item-decide",
        "post",
        lambda p: f"/api/v1/plan-items/{p.proposed_item.pk}/decide/",
        lambda p: {"decision": "counter", "comment": "Too dear", "proposed_price_minor": 40_000},
        ANSWER,
        0,
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expect", "shown"), CASES, ids=[c[0] for c in CASES]
)
def test_plans_api_permission_matrix(
    cast: dict[str, User | None],
    plan: Plan,
    persona: str,
    name: str,
    method: str,
    url: Callable[[Plan], str],
    body: Body,
    expect: dict[str, Expect],
    shown: int,
) -> None:
    before = _state()
    response = call(_http(cast, persona), method, url(plan), body(plan))
    wanted = expect[persona]
    if isinstance(wanted, int):
        assert response.status_code == wanted, (persona, name, response.content[:300])
    else:
        assert response.status_code == 200, (persona, name, response.content[:300])
        ids = {item["id"] for item in results(response)}
        target = plan.proposed.pk if shown else plan.project.pk
        if wanted == "sees":
            assert target in ids
        elif wanted == "blind":
            assert target not in ids
        else:
            assert ids == set()
    if response.status_code >= 400:
        assert _state() == before, f"{persona} {name} changed something"


def test_a_contact_never_lists_drafts(cast: dict[str, User | None], plan: Plan) -> None:
    seen = {row["id"] for row in results(call(_http(cast, "approver_a"), "get", "/api/v1/plan-versions/"))}
    assert seen == {plan.proposed.pk}
    staff = {row["id"] for row in results(call(_http(cast, "am"), "get", "/api/v1/plan-versions/"))}
    assert staff == {plan.proposed.pk, plan.draft.pk}


def test_project_list_filters(cast: dict[str, User | None], plan: Plan, client_a: Client, am: User) -> None:
    project_create(client=client_a, by=am, name="Winter audit", stage=Project.Stage.PLANNING)
    http = _http(cast, "am")
    planning = results(call(http, "get", "/api/v1/projects/?stage=planning"))
    assert [row["name"] for row in planning] == ["Winter audit"]
    by_client = results(call(http, "get", f"/api/v1/projects/?client={client_a.pk}&owner={am.pk}"))
    assert len(by_client) == 2
    assert call(http, "get", "/api/v1/projects/?stage=nowhere").status_code == 400
    assert call(http, "get", "/api/v1/projects/?client=1.5").status_code == 400


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("post", "/api/v1/projects/", {"name": ""}, "client"),
        ("post", "/api/v1/projects/{project}/stage/", {"stage": "brief"}, "stage"),
        ("post", "/api/v1/projects/{project}/stage/", {"stage": "elsewhere"}, "stage"),
        (
            "patch",
            "/api/v1/projects/{project}/",
            {"start_date": "2026-05-01", "target_date": "2026-04-01"},
            "target_date",
        ),
        ("patch", "/api/v1/projects/{project}/", {"budget_minor": -5}, "budget_minor"),
        ("post", "/api/v1/plan-versions/{proposed}/propose/", None, "version"),
        ("post", "/api/v1/plan-versions/{proposed}/approve/", {"side": "both"}, "side"),
        ("patch", "/api/v1/plan-items/{item}/", {"price_minor": 10}, "version"),
        ("patch", "/api/v1/plan-items/{draft_item}/", {"deliverable": "   "}, "deliverable"),
        ("get", "/api/v1/plan-versions/{proposed}/diff/", None, "against"),
        ("get", "/api/v1/plan-versions/{proposed}/diff/?against=999999", None, "against"),
        ("get", "/api/v1/plan-versions/{proposed}/diff/?against=abc", None, "against"),
        ("post", "/api/v1/plan-versions/", {"project": "{project}", "based_on": 999999}, "based_on"),
    ],
)
def test_bad_input_is_a_field_error_and_changes_nothing(
    cast: dict[str, User | None], plan: Plan, method: str, url: str, body: Any, field: str
) -> None:
    ids = {
        "project": plan.project.pk,
        "proposed": plan.proposed.pk,
        "item": plan.proposed_item.pk,
        "draft_item": plan.draft_item.pk,
    }
    if isinstance(body, dict):
        body = {
            key: int(value.format(**ids)) if isinstance(value, str) and "{" in value else value
            for key, value in body.items()
        }
    before = _state()
    response = call(_http(cast, "am"), method, url.format(**ids), body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert _state() == before


def test_approver_cannot_decide_a_frozen_version(cast: dict[str, User | None], plan: Plan) -> None:
    am, approver = _http(cast, "am"), _http(cast, "approver_a")
    assert call(am, "post", f"/api/v1/plan-versions/{plan.draft.pk}/propose/").status_code == 200
    before = _state()
    response = call(
        approver, "post", f"/api/v1/plan-items/{plan.proposed_item.pk}/decide/", {"decision": "accept"}
    )
    assert response.status_code == 400
    assert "version" in response.json()
    response = call(
        approver, "post", f"/api/v1/plan-versions/{plan.proposed.pk}/approve/", {"side": "client"}
    )
    assert response.status_code == 400
    assert _state() == before


def test_a_whole_negotiation_through_the_api(cast: dict[str, User | None], client_a: Client) -> None:
    am, approver = _http(cast, "am"), _http(cast, "approver_a")
    project = call(am, "post", "/api/v1/projects/", {"client": client_a.pk, "name": "Relaunch"}).json()
    v1 = call(am, "post", "/api/v1/plan-versions/", {"project": project["id"]}).json()
    assert v1["status"] == "draft" and v1["items"] == []
    for deliverable, price in (("Keyword research", 50_000), ("Landing page copy", 30_000)):
        body = {
            "version": v1["id"],
            "deliverable": deliverable,
            "price_minor": price,
            "estimate_minutes": 600,
        }
        assert call(am, "post", "/api/v1/plan-items/", body).status_code == 201
    assert call(am, "post", f"/api/v1/plan-versions/{v1['id']}/propose/").json()["status"] == "proposed"

    seen = call(approver, "get", f"/api/v1/plan-versions/{v1['id']}/").json()
    research, copy = seen["items"]
    counter = {"decision": "counter", "comment": "Too dear", "proposed_price_minor": 40_000}
    assert call(approver, "post", f"/api/v1/plan-items/{research['id']}/decide/", counter).status_code == 201
    assert (
        call(approver, "post", f"/api/v1/plan-items/{copy['id']}/decide/", {"decision": "accept"}).status_code
        == 201
    )
    asked = call(
        approver, "post", f"/api/v1/plan-versions/{v1['id']}/requests/", {"deliverable": "Blog post"}
    )
    assert asked.status_code == 201

    v2 = call(am, "post", "/api/v1/plan-versions/", {"project": project["id"], "based_on": v1["id"]}).json()
    assert v2["number"] == 2 and len(v2["items"]) == 2
    changed = next(item for item in v2["items"] if item["key"] == research["key"])
    assert (
        call(am, "patch", f"/api/v1/plan-items/{changed['id']}/", {"price_minor": 40_000}).status_code == 200
    )
    assert call(am, "post", f"/api/v1/plan-versions/{v2['id']}/propose/").status_code == 200
    diff = call(approver, "get", f"/api/v1/plan-versions/{v2['id']}/diff/?against={v1['id']}").json()
    assert diff == [
        {
            "change": "changed",
            "key": research["key"],
            "deliverable": "Keyword research",
            "field": "price_minor",
            "old": 50_000,
            "new": 40_000,
        }
    ]
    # The old version can no longer be approved.
    assert (
        call(approver, "post", f"/api/v1/plan-versions/{v1['id']}/approve/", {"side": "client"}).status_code
        == 400
    )

    assert (
        call(am, "post", f"/api/v1/plan-versions/{v2['id']}/approve/", {"side": "company"}).status_code == 200
    )
    agreed = call(approver, "post", f"/api/v1/plan-versions/{v2['id']}/approve/", {"side": "client"}).json()
    assert agreed["status"] == "agreed"
    assert {approval["side"] for approval in agreed["approvals"]} == {"company", "client"}
    # The baseline is frozen: a change request opens a new draft to be approved again.
    frozen = call(am, "patch", f"/api/v1/plan-items/{changed['id']}/", {"price_minor": 1})
    assert frozen.status_code == 400
    v3 = call(am, "post", f"/api/v1/plan-versions/{v2['id']}/change-request/", {"note": "One more page"})
    assert v3.status_code == 201 and v3.json()["based_on"] == v2["id"]
    kinds = set(Event.objects.filter(client=client_a).values_list("kind", flat=True))
    assert {"plans.version_agreed", "plans.item_decided", "plans.change_requested"} <= kinds


def _many(client: Client, am: User, count: int) -> None:
    for n in range(count):
        project = project_create(client=client, by=am, name=f"Project {n:03}")
        version = plan_version_create(project=project, by=am)
        plan_item_add(version=version, by=am, deliverable="Audit")
        plan_propose(version=version, by=am)


@pytest.mark.parametrize("url", ["/api/v1/projects/", "/api/v1/plan-versions/"])
@pytest.mark.parametrize("persona", ["am", "approver_a"])
def test_list_queries_do_not_grow_with_rows(
    cast: dict[str, User | None], client_a: Client, am: User, url: str, persona: str
) -> None:
    http = _http(cast, persona)
    counts: list[int] = []
    for total in (3, 30):
        _many(client_a, am, total - ((counts and 3) or 0))
        with CaptureQueriesContext(connection) as queries:
            response = call(http, "get", url + "?page_size=50")
        assert response.status_code == 200
        assert len(results(response)) == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
