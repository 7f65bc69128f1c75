"""SLA clocks in working hours of the agency's calendar, with a frozen clock: across a weekend, a
holiday and a daylight-saving change; near when a quarter is left, breached when late."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from khata.care.models import Claim, SlaPolicy
from khata.care.services import (
    ClaimError,
    claim_acknowledge,
    claim_file,
    claim_resolve,
    claim_sla,
    claim_start,
    corrective_action_add,
)
from khata.care.tests.conftest import Clock, reason, root_cause
from khata.clients.models import Client
from khata.core.agency import agency_get
from khata.core.calendar import working_calendar
from khata.core.models import Holiday
from khata.people.models import User

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.UTC


def _file(am: User, client: Client, severity: str = "normal") -> Claim:
    return claim_file(by=am, client=client, reason=reason(), title="Late audit", severity=severity)


def test_a_claim_filed_on_friday_afternoon_is_due_next_week(clock: Clock, am: User, client_a: Client) -> None:
    clock.set(dt.datetime(2026, 11, 27, 16, 30, tzinfo=KOLKATA))  # Friday, two working hours left
    claim = _file(am, client_a)  # normal: 8 working hours to respond, 40 to resolve
    assert claim.first_response_due == dt.datetime(2026, 11, 30, 15, 30, tzinfo=KOLKATA)  # Monday
    assert claim.resolution_due == dt.datetime(2026, 12, 4, 11, 30, tzinfo=KOLKATA)  # next Friday


def test_a_holiday_moves_the_due_times_by_a_day(clock: Clock, am: User, client_a: Client) -> None:
    Holiday.objects.create(date=dt.date(2026, 11, 30), name="Guru Nanak Jayanti")
    clock.set(dt.datetime(2026, 11, 27, 16, 30, tzinfo=KOLKATA))
    claim = _file(am, client_a)
    assert claim.first_response_due == dt.datetime(2026, 12, 1, 15, 30, tzinfo=KOLKATA)  # Tuesday
    assert claim.resolution_due == dt.datetime(2026, 12, 7, 11, 30, tzinfo=KOLKATA)  # the Monday after


def test_berlin_due_times_follow_the_clock_change(clock: Clock, am: User, client_a: Client) -> None:
    agency = agency_get()
    agency.time_zone, agency.work_starts, agency.work_ends = "Europe/Berlin", dt.time(9), dt.time(17)
    agency.save()
    clock.set(dt.datetime(2026, 10, 23, 15, 0, tzinfo=BERLIN))  # Friday 13:00 UTC, summer time
    claim = _file(am, client_a, "high")  # 4 working hours to respond, 16 to resolve
    # Two hours on Friday, two on Monday after summer time ended on Sunday: 11:00 CET is 10:00 UTC.
    assert claim.first_response_due == dt.datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert claim.resolution_due == dt.datetime(2026, 10, 27, 14, 0, tzinfo=UTC)  # Tuesday 15:00 CET

    clock.set(dt.datetime(2026, 10, 26, 10, 45, tzinfo=BERLIN))
    sla = claim_sla(claim)
    assert sla.first_response.remaining_minutes == 15 and sla.first_response.state == "near"
    assert sla.resolution.state == "ok"
    clock.set(dt.datetime(2026, 10, 26, 11, 1, tzinfo=BERLIN))
    sla = claim_sla(claim)
    assert sla.first_response.remaining_minutes == -1 and sla.first_response.state == "breached"


def test_new_york_due_times_follow_the_clock_change(clock: Clock, am: User, client_a: Client) -> None:
    agency = agency_get()
    agency.time_zone, agency.work_starts, agency.work_ends = "America/New_York", dt.time(9), dt.time(17)
    agency.save()
    clock.set(dt.datetime(2026, 10, 30, 16, 0, tzinfo=NEW_YORK))  # Friday, daylight time
    claim = _file(am, client_a, "critical")  # 1 working hour to respond, 8 to resolve
    assert claim.first_response_due == dt.datetime(2026, 10, 30, 21, 0, tzinfo=UTC)  # Friday 17:00 EDT
    assert claim.resolution_due == dt.datetime(2026, 11, 2, 21, 0, tzinfo=UTC)  # Monday 16:00 EST


def test_the_clock_states_from_ok_to_breached(clock: Clock, am: User, client_a: Client) -> None:
    clock.set(dt.datetime(2026, 11, 25, 10, 0, tzinfo=KOLKATA))  # Wednesday
    claim = _file(am, client_a)  # 8 working hours to respond: by 18:00 the same day
    assert claim.first_response_due == dt.datetime(2026, 11, 25, 18, 0, tzinfo=KOLKATA)
    sla = claim_sla(claim)
    assert sla.first_response.total_minutes == 480 and sla.first_response.remaining_minutes == 480
    assert sla.first_response.state == "ok" and sla.first_response.running
    clock.set(dt.datetime(2026, 11, 25, 16, 0, tzinfo=KOLKATA))  # 120 of 480 left: a quarter
    assert claim_sla(claim).first_response.state == "near"
    clock.set(dt.datetime(2026, 11, 25, 15, 59, tzinfo=KOLKATA))
    assert claim_sla(claim).first_response.state == "ok"
    clock.set(dt.datetime(2026, 11, 28, 12, 0, tzinfo=KOLKATA))  # Saturday, long past
    sla = claim_sla(claim)
    assert sla.first_response.state == "breached" and sla.first_response.remaining_minutes == -(
        30 + 2 * 9 * 60
    )


def test_acknowledging_in_time_stops_the_first_clock_as_met(clock: Clock, am: User, client_a: Client) -> None:
    claim = _file(am, client_a)
    clock.forward(hours=1)
    claim = claim_acknowledge(claim=claim, by=am)
    clock.forward(days=30)
    sla = claim_sla(claim)
    assert sla.first_response.state == "met" and not sla.first_response.running
    assert sla.first_response.remaining_minutes == 420
    assert sla.resolution.state == "breached" and sla.resolution.running


def test_a_late_resolution_stays_breached_once_stopped(clock: Clock, am: User, client_a: Client) -> None:
    claim = _file(am, client_a, "critical")
    claim = claim_start(claim=claim_acknowledge(claim=claim, by=am), by=am)
    corrective_action_add(claim=claim, by=am, description="Redo")
    clock.forward(days=7)
    claim = claim_resolve(claim=claim, by=am, resolution="Redone", root_cause=root_cause())
    clock.forward(days=7)
    sla = claim_sla(claim, calendar=working_calendar())
    assert sla.resolution.state == "breached" and sla.resolution.stopped_at == claim.resolved_at


def test_sla_policies_can_change_and_apply_to_new_claims(clock: Clock, am: User, client_a: Client) -> None:
    SlaPolicy.objects.filter(severity="low").update(first_response_hours=2, resolution_hours=3)
    claim = _file(am, client_a, "low")
    assert claim.first_response_due == dt.datetime(2026, 11, 25, 12, 0, tzinfo=KOLKATA)
    assert claim.resolution_due == dt.datetime(2026, 11, 25, 13, 0, tzinfo=KOLKATA)
    SlaPolicy.objects.filter(severity="low").delete()
    with pytest.raises(ClaimError) as refused:
        _file(am, client_a, "low")
    assert "severity" in refused.value.message_dict


def test_many_claims_share_one_calendar_read(
    clock: Clock, am: User, client_a: Client, django_assert_num_queries: object
) -> None:
    claims = [_file(am, client_a) for _ in range(5)]
    calendar = working_calendar()
    with django_assert_num_queries(0):  # type: ignore[operator]
        states = [claim_sla(claim, calendar=calendar).resolution.state for claim in claims]
    assert states == ["ok"] * 5
