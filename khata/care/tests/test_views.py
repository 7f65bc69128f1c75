"""The staff pages of claims: who opens what, every action through its page, refusals that change
nothing, and a list that costs the same with 3 or 30 claims."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from khata.care.models import Claim, ClaimAttachment, CorrectiveAction, Goodwill
from khata.care.services import claim_attachment_add, corrective_action_add
from khata.care.tests.conftest import ClaimAt, Clock, reason, root_cause
from khata.care.tests.test_services import PNG
from khata.clients.models import Client
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "contact_a", "contact_b", "admin", "am", "other_am", "finance", "specialist"]
VIEWERS = {"admin": 200, "am": 200, "finance": 200}
LIST_READERS = {"admin": 200, "am": 200, "other_am": 200, "finance": 200, "specialist": 200}
HANDLERS = {"admin": 302, "am": 302, "finance": 403}
KOLKATA = ZoneInfo("Asia/Kolkata")


def expect_denied_or(response: Any, persona: str, allowed: dict[str, int]) -> int:
    """Anonymous → sign in; a contact or someone who does not see it → 404; else the allowed code."""
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return 302
    expected = allowed.get(persona, 404)
    assert response.status_code == expected, (persona, response.status_code)
    return expected


def snapshot(claim: Claim) -> tuple[Any, ...]:
    claim.refresh_from_db()
    return (
        claim.status,
        claim.root_cause_id,
        claim.responsible_team,
        claim.resolved_at,
        claim.closed_at,
        CorrectiveAction.objects.filter(claim=claim, done_at__isnull=False).count(),
        CorrectiveAction.objects.filter(claim=claim).count(),
        Goodwill.objects.filter(claim=claim).count(),
        ClaimAttachment.objects.filter(claim=claim).count(),
        Event.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", ["list", "detail", "file"])
def test_pages_answer_each_persona(
    http_as: Any, claim_at: ClaimAt, am: User, persona: str, page: str, clock: Clock
) -> None:
    claim = claim_at("in_progress")
    stored = claim_attachment_add(claim=claim, by=am, file=SimpleUploadedFile("shot.png", PNG))
    url, allowed = {
        "list": (reverse("care:list"), LIST_READERS),
        "detail": (reverse("care:detail", args=[claim.pk]), VIEWERS),
        "file": (reverse("care:file", args=[stored.pk]), VIEWERS),
    }[page]
    response = http_as(persona).get(url)
    expect_denied_or(response, persona, allowed)
    if page == "list" and response.status_code == 200:
        shown = [row.claim.pk for row in response.context["rows"]]
        assert shown == ([claim.pk] if persona in VIEWERS else [])
    if page == "file" and response.status_code == 200:
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == PNG


def _write(name: str, claim_at: ClaimAt, am: User, specialist: User) -> tuple[Claim, str, dict[str, Any]]:
    if name == "acknowledge":
        claim = claim_at("new")
        return claim, reverse("care:acknowledge", args=[claim.pk]), {"ack-note": "Calling you today"}
    if name == "start":
        claim = claim_at("acknowledged")
        return claim, reverse("care:start", args=[claim.pk]), {}
    if name == "analyse":
        claim = claim_at("in_progress")
        data = {"root_cause": root_cause("performer").pk, "responsible_team": "Copy desk"}
        return claim, reverse("care:analyse", args=[claim.pk]), data
    if name == "resolve":
        claim = claim_at("in_progress")
        corrective_action_add(claim=claim, by=am, description="Proofread")
        data = {"resolve-resolution": "Fixed", "resolve-root_cause": root_cause().pk}
        return claim, reverse("care:resolve", args=[claim.pk]), data
    if name == "action_add":
        claim = claim_at("in_progress")
        data = {
            "action-description": "Rewrite",
            "action-owner": specialist.pk,
            "action-due_date": "2026-11-30",
        }
        return claim, reverse("care:action_add", args=[claim.pk]), data
    if name == "action_complete":
        claim = claim_at("in_progress")
        action = corrective_action_add(claim=claim, by=am, description="Rewrite")
        return claim, reverse("care:action_complete", args=[action.pk]), {}
    if name == "goodwill":
        claim = claim_at("resolved")
        data = {"goodwill-kind": "credit", "goodwill-amount": "1500.50", "goodwill-note": "Sorry"}
        return claim, reverse("care:goodwill_add", args=[claim.pk]), data
    if name == "file":
        claim = claim_at("acknowledged")
        return claim, reverse("care:file_add", args=[claim.pk]), {"file": SimpleUploadedFile("s.png", PNG)}
    raise AssertionError(name)


WRITES = ["acknowledge", "start", "analyse", "resolve", "action_add", "action_complete", "goodwill", "file"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("write", WRITES)
def test_writes_follow_roles_and_a_denied_one_changes_nothing(
    http_as: Any, claim_at: ClaimAt, am: User, specialist: User, write: str, persona: str
) -> None:
    claim, url, data = _write(write, claim_at, am, specialist)
    before = snapshot(claim)
    response = http_as(persona).post(url, data)
    expected = expect_denied_or(response, persona, HANDLERS)
    changed = snapshot(claim) != before
    assert changed == (expected == 302 and persona != "anonymous")
    if expected == 302 and persona != "anonymous":
        assert response["Location"].startswith(reverse("care:detail", args=[claim.pk]))


def test_the_owner_of_an_action_marks_it_done_from_the_page(
    http_as: Any, claim_at: ClaimAt, am: User, specialist: User
) -> None:
    claim = claim_at("in_progress")
    action = corrective_action_add(claim=claim, by=am, description="Rewrite", owner=specialist)
    page = http_as("specialist").get(reverse("care:detail", args=[claim.pk]))
    assert page.status_code == 200
    assert reverse("care:action_complete", args=[action.pk]) in page.content.decode()
    response = http_as("specialist").post(reverse("care:action_complete", args=[action.pk]))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.done_at is not None


def test_goodwill_typed_as_money_and_hours_is_stored_as_minor_units_and_minutes(
    http_as: Any, claim_at: ClaimAt
) -> None:
    claim = claim_at("closed")
    http = http_as("am")
    url = reverse("care:goodwill_add", args=[claim.pk])
    http.post(url, {"goodwill-kind": "credit", "goodwill-amount": "1500.50"})
    http.post(url, {"goodwill-kind": "free_hours", "goodwill-hours": "1.5"})
    entries = list(claim.goodwill.order_by("id").values_list("kind", "value_minor", "currency", "minutes"))
    assert entries == [("credit", 150050, "INR", None), ("free_hours", None, "", 90)]
    body = http.get(reverse("care:detail", args=[claim.pk])).content.decode()
    assert "1,500.50" in body


def test_a_refused_step_explains_itself_beside_the_field_and_changes_nothing(
    http_as: Any, claim_at: ClaimAt
) -> None:
    claim = claim_at("in_progress")
    before = snapshot(claim)
    response = http_as("am").post(reverse("care:resolve", args=[claim.pk]), {"resolve-resolution": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was changed." in body
    assert "Say what was done to put it right." in body
    assert "Add at least one corrective action before resolving the claim." in body
    assert snapshot(claim) == before
    bad_file = {"file": SimpleUploadedFile("a.pdf", b"MZ" + b"\x00" * 64)}
    response = http_as("am").post(reverse("care:file_add", args=[claim.pk]), bad_file)
    assert response.status_code == 400 and snapshot(claim) == before


def test_a_step_from_the_wrong_status_is_refused_with_the_reason(http_as: Any, claim_at: ClaimAt) -> None:
    claim = claim_at("closed")
    before = snapshot(claim)
    response = http_as("am").post(reverse("care:start", args=[claim.pk]))
    assert response.status_code == 400
    assert "Only an acknowledged claim can be started." in response.content.decode()
    assert snapshot(claim) == before


def test_writes_need_a_post(http_as: Any, claim_at: ClaimAt) -> None:
    claim = claim_at("new")
    assert http_as("am").get(reverse("care:acknowledge", args=[claim.pk])).status_code == 405


def test_the_list_shows_open_claims_unless_asked_and_refuses_a_bad_filter(
    http_as: Any, claim_at: ClaimAt
) -> None:
    open_claim, closed = claim_at("acknowledged"), claim_at("closed")
    http = http_as("am")
    assert [r.claim.pk for r in http.get(reverse("care:list")).context["rows"]] == [open_claim.pk]
    every = http.get(reverse("care:list") + "?status=all").context["rows"]
    assert {r.claim.pk for r in every} == {open_claim.pk, closed.pk}
    only = http.get(reverse("care:list") + "?status=closed").context["rows"]
    assert [r.claim.pk for r in only] == [closed.pk]
    bad = http.get(reverse("care:list") + "?status=lost")
    assert bad.status_code == 200 and bad.context["rows"] == []
    assert "These filters cannot be applied" in bad.content.decode()


def _plant(client: Client, count: int, am: User) -> None:
    from khata.care.services import claim_file

    for index in range(count):
        claim_file(by=am, client=client, reason=reason(), title=f"Claim {index}", severity="high")


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_costs_the_same_with_3_or_30_claims(
    size: int, http_as: Any, clock: Clock, am: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    _plant(client_a, size, am)
    http = http_as("am")
    # session, user, the page of claims, the agency and its holidays (the calendar, read once)
    with django_assert_num_queries(5):
        response = http.get(reverse("care:list"))
    assert len(response.context["rows"]) == size


def test_the_list_pages_by_keyset(http_as: Any, clock: Clock, am: User, client_a: Client) -> None:
    for _ in range(55):
        clock.forward(minutes=1)
        _plant(client_a, 1, am)
    http = http_as("am")
    first = http.get(reverse("care:list"))
    assert len(first.context["rows"]) == 50
    second = http.get(reverse("care:list") + first.context["next_query"])
    shown = [r.claim.pk for r in first.context["rows"]] + [r.claim.pk for r in second.context["rows"]]
    assert shown == sorted(Claim.objects.values_list("pk", flat=True), reverse=True)


@pytest.mark.parametrize("size", [1, 10])
def test_the_claim_page_costs_the_same_with_1_or_10_actions(
    size: int, http_as: Any, claim_at: ClaimAt, am: User, specialist: User, django_assert_num_queries: Any
) -> None:
    claim = claim_at("in_progress")
    for index in range(size):
        corrective_action_add(claim=claim, by=am, description=f"Step {index}", owner=specialist)
    claim_attachment_add(claim=claim, by=am, file=SimpleUploadedFile("shot.png", PNG))
    http = http_as("am")
    # session, user, the claim, its events, actions, goodwill and files, the calendar (agency and
    # holidays), and the choices of the forms (root causes, staff)
    with django_assert_num_queries(14):
        response = http.get(reverse("care:detail", args=[claim.pk]))
    assert response.status_code == 200 and len(response.context["page"].actions) == size


def test_the_close_button_shows_once_the_client_had_its_days(
    http_as: Any, claim_at: ClaimAt, clock: Clock
) -> None:
    claim = claim_at("resolved")
    url = reverse("care:detail", args=[claim.pk])
    close = reverse("care:close", args=[claim.pk])
    assert close not in http_as("am").get(url).content.decode()
    clock.forward(days=7, minutes=1)
    assert close in http_as("am").get(url).content.decode()
    assert http_as("am").post(close).status_code == 302
    claim.refresh_from_db()
    assert claim.status == "closed" and claim.closed_automatically


RECORDERS = {"admin": 200, "am": 200, "other_am": 200, "finance": 403, "specialist": 403}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_new_claim_page_answers_each_persona(http_as: Any, client_a: Client, persona: str) -> None:
    expect_denied_or(http_as(persona).get(reverse("care:new")), persona, RECORDERS)


def test_the_am_records_a_claim_from_a_call(http_as: Any, clock: Clock, client_a: Client, am: User) -> None:
    data = {
        "client": client_a.pk,
        "reason": reason("communication").pk,
        "severity": "high",
        "title": "Nobody answered the phone for a week",
        "description": "The client called twice.",
        "received_at": "2026-11-25T09:45",
        "file": SimpleUploadedFile("call.png", PNG),
    }
    response = http_as("am").post(reverse("care:new"), data)
    claim = Claim.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("care:detail", args=[claim.pk])
    assert claim.source == "am" and claim.filed_by_id == am.pk and claim.severity == "high"
    assert claim.attachments.count() == 1
    assert claim.received_at.astimezone(KOLKATA).strftime("%d %H:%M") == "25 09:45"


def test_a_bad_new_claim_is_explained_and_nothing_is_recorded(
    http_as: Any, clock: Clock, client_a: Client, client_b: Client
) -> None:
    http = http_as("am")
    response = http.post(reverse("care:new"), {"client": client_b.pk, "reason": reason().pk, "title": "x"})
    assert response.status_code == 400 and "client" in response.context["form"].errors
    response = http.post(
        reverse("care:new"),
        {"client": client_a.pk, "reason": reason().pk, "severity": "normal", "title": "Later",
         "received_at": "2026-12-25T10:00"},
    )  # fmt: skip
    assert response.status_code == 400
    assert "A claim cannot be received in the future." in response.content.decode()
    assert not Claim.objects.exists()
