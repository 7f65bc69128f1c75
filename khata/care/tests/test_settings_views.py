"""The head's care settings: SLA hours per severity, reasons and root causes. Who may open them,
clear errors beside the field that change nothing, and rows that are switched off, never deleted."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from khata.care.models import Claim, ReasonCode, RootCause, SlaPolicy
from khata.care.tests.conftest import ClaimAt
from khata.core.models import Event
from khata.people.models import User

pytestmark = pytest.mark.django_db

# Anonymous → sign in; a client contact → 404 (staff pages do not exist for them); staff but the
# head → 403; the head → 200 (or a redirect after a saved change).
EXPECTED = {
    "contact_a": 404,
    "contact_b": 404,
    "am": 403,
    "other_am": 403,
    "finance": 403,
    "specialist": 403,
}
PERSONAS = ["anonymous", "admin", *EXPECTED]


def sla() -> list[tuple[str, int, int]]:
    return sorted(SlaPolicy.objects.values_list("severity", "first_response_hours", "resolution_hours"))


def state() -> tuple[Any, ...]:
    return (
        sla(),
        sorted(ReasonCode.objects.values_list("id", "name", "active")),
        sorted(RootCause.objects.values_list("id", "name", "active")),
        Event.objects.count(),
    )


def sla_post(**changes: int | str) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for severity, first, last in sla():
        data[f"{severity}_first_response_hours"] = first
        data[f"{severity}_resolution_hours"] = last
    return data | changes


URLS = [
    ("care:settings_sla", {}),
    ("care:settings_labels", {"kind": "reasons"}),
    ("care:settings_labels", {"kind": "root-causes"}),
]


def check(response: Any, persona: str, allowed: int) -> None:
    if persona == "anonymous":
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        return
    assert response.status_code == EXPECTED.get(persona, allowed), (persona, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("name", "kwargs"), URLS)
def test_settings_pages_answer_each_persona(
    http_as: Any, persona: str, name: str, kwargs: dict[str, str]
) -> None:
    response = http_as(persona).get(reverse(name, kwargs=kwargs))
    check(response, persona, 200)


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_head_changes_the_sla(http_as: Any, persona: str) -> None:
    before = state()
    response = http_as(persona).post(reverse("care:settings_sla"), sla_post(high_first_response_hours=2))
    check(response, persona, 302)
    if persona == "admin":
        assert ("high", 2, 16) in sla()
        assert Event.objects.filter(kind="care.sla_changed").count() == 1
    else:
        assert state() == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_head_adds_and_switches_reasons(http_as: Any, persona: str) -> None:
    before = state()
    http = http_as(persona)
    added = http.post(reverse("care:settings_labels", kwargs={"kind": "reasons"}), {"name": "Tone of voice"})
    check(added, persona, 302)
    reason = ReasonCode.objects.get(code="deadline")
    url = reverse("care:settings_label_edit", kwargs={"kind": "reasons", "pk": reason.pk})
    edited = http.post(url, {f"row{reason.pk}-name": "Missed deadline"})
    check(edited, persona, 302)
    if persona == "admin":
        assert ReasonCode.objects.filter(name="Tone of voice", active=True).exists()
        reason.refresh_from_db()
        assert (reason.name, reason.active) == ("Missed deadline", False)
    else:
        assert state() == before


def test_the_head_sees_each_severity_and_the_link_from_the_agency_page(http_as: Any) -> None:
    http = http_as("admin")
    body = http.get(reverse("care:settings_sla")).content.decode()
    for label in ("Low", "Normal", "High", "Critical"):
        assert label in body
    assert 'name="critical_resolution_hours"' in body
    assert reverse("care:settings_sla") in http.get("/settings/agency/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"high_first_response_hours": 0}, "high_first_response_hours", "at least one working hour"),
        ({"low_resolution_hours": -3}, "low_resolution_hours", "at least one working hour"),
        ({"normal_first_response_hours": "soon"}, "normal_first_response_hours", "whole number"),
        ({"normal_resolution_hours": ""}, "normal_resolution_hours", "required"),
        ({"critical_first_response_hours": 10, "critical_resolution_hours": 8}, "critical_resolution_hours",
         "before the first response"),
        ({"low_first_response_hours": 5000}, "low_first_response_hours", "at most"),
    ],
)  # fmt: skip
def test_bad_sla_hours_are_refused_beside_the_field_and_nothing_changes(
    http_as: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    before = state()
    # A valid change of another severity in the same form is not saved either: all or nothing.
    post = sla_post(**({"high_first_response_hours": 3} | changes))
    response = http_as("admin").post(reverse("care:settings_sla"), post)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert state() == before


def test_a_used_reason_is_switched_off_not_deleted_and_its_claims_keep_it(
    http_as: Any, claim_at: ClaimAt
) -> None:
    claim = claim_at("new")
    reason = claim.reason
    http = http_as("admin")
    url = reverse("care:settings_label_edit", kwargs={"kind": "reasons", "pk": reason.pk})
    response = http.post(url, {f"row{reason.pk}-name": reason.name})
    assert response.status_code == 302
    reason.refresh_from_db()
    assert reason.active is False
    assert Claim.objects.get(pk=claim.pk).reason_id == reason.pk
    body = http.get(reverse("care:settings_labels", kwargs={"kind": "reasons"})).content.decode()
    assert f'id="row-{reason.pk}"' in body
    assert Event.objects.filter(kind="care.reason_changed").count() == 1


def test_the_last_reason_in_use_cannot_be_switched_off(http_as: Any) -> None:
    last = ReasonCode.objects.order_by("id").last()
    assert last is not None
    ReasonCode.objects.exclude(pk=last.pk).update(active=False)
    before = state()
    url = reverse("care:settings_label_edit", kwargs={"kind": "reasons", "pk": last.pk})
    response = http_as("admin").post(url, {f"row{last.pk}-name": last.name})
    assert response.status_code == 400
    assert "at least one reason in use" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "required"),
        ("   ", "required"),
        ("quality", "already one with this name"),
        ("x" * 150, "under 100"),
    ],
)
def test_a_bad_new_root_cause_is_refused_and_nothing_changes(http_as: Any, name: str, message: str) -> None:
    RootCause.objects.filter(code="quality").update(name="Quality")
    before = state()
    response = http_as("admin").post(
        reverse("care:settings_labels", kwargs={"kind": "root-causes"}), {"name": name}
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["add_form"].errors["name"])
    assert state() == before


def test_a_root_cause_is_renamed_and_keeps_its_code(http_as: Any) -> None:
    cause = RootCause.objects.get(code="process")
    url = reverse("care:settings_label_edit", kwargs={"kind": "root-causes", "pk": cause.pk})
    response = http_as("admin").post(
        url, {f"row{cause.pk}-name": "Handover process", f"row{cause.pk}-active": "on"}
    )
    assert response.status_code == 302
    cause.refresh_from_db()
    assert (cause.code, cause.name, cause.active) == ("process", "Handover process", True)


def test_a_renamed_row_keeps_the_name_of_another_row_unique(http_as: Any) -> None:
    cause = RootCause.objects.get(code="process")
    before = state()
    url = reverse("care:settings_label_edit", kwargs={"kind": "root-causes", "pk": cause.pk})
    response = http_as("admin").post(url, {f"row{cause.pk}-name": "Billing", f"row{cause.pk}-active": "on"})
    assert response.status_code == 400
    assert "already one with this name" in response.content.decode()
    assert state() == before


def test_an_unknown_table_is_not_found(http_as: Any, admin: User) -> None:
    assert http_as("admin").get("/care/settings/colours/").status_code == 404
