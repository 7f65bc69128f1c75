"""The head's agency page: country, bank account, working calendar and holidays, checked before stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse

from khata.core.agency import (
    account_number_check,
    agency_get,
    agency_update,
    bank_code_check,
    holiday_add,
    holiday_remove,
)
from khata.core.models import Event, Holiday
from khata.core.tests.test_pdf import form_data
from khata.people.models import User

pytestmark = pytest.mark.django_db

CALENDAR = (
    "country",
    "bank_name",
    "bank_account_name",
    "bank_account_number",
    "bank_code",
    "time_zone",
    "working_days",
    "work_starts",
    "work_ends",
    "name",
)


def stored() -> tuple[Any, ...]:
    agency = agency_get()
    return tuple(getattr(agency, name) for name in CALENDAR)


def test_head_saves_country_bank_account_and_calendar(http_as: Any, admin: User) -> None:
    response = http_as("admin").post(
        reverse("settings:agency"),
        form_data(
            country="de",
            bank_name="Commerzbank",
            bank_account_name="Khata Europe GmbH",
            bank_account_number="de89 3704 0044 0532 0130 00",
            bank_code="deutdeff500",
            time_zone="Europe/Berlin",
            working_days=["0", "1", "2", "3", "4", "5"],
            work_starts="08:00",
            work_ends="16:30",
        ),
    )

    assert response.status_code == 302
    agency = agency_get()
    assert agency.country == "DE"
    assert (agency.bank_name, agency.bank_account_name) == ("Commerzbank", "Khata Europe GmbH")
    assert agency.bank_account_number == "DE89370400440532013000"  # checked, kept without spaces
    assert agency.bank_code == "DEUTDEFF500"
    assert agency.time_zone == "Europe/Berlin"
    assert agency.working_days == "0,1,2,3,4,5"
    assert (agency.work_starts, agency.work_ends) == (dt.time(8, 0), dt.time(16, 30))
    event = Event.objects.get(kind="agency.updated")
    assert event.actor == admin
    assert "bank_account_number" in event.summary and "time_zone" in event.summary


def test_the_page_shows_the_stored_calendar(http_as: Any, admin: User) -> None:
    agency_update(by=admin, working_days="1,2,3", time_zone="Asia/Dubai", bank_code="HDFC0000123")

    page = http_as("admin").get(reverse("settings:agency")).content.decode()

    assert 'value="Asia/Dubai" selected' in page
    assert 'value="HDFC0000123"' in page
    assert page.count('name="working_days"') == 7
    assert page.count("checked>") == 3
    assert "India (IN)" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"country": "XX"}, "country", "two-letter ISO code"),
        ({"country": "India"}, "country", "two-letter ISO code"),
        ({"country": "EU"}, "country", "two-letter ISO code"),
        ({"bank_account_number": "DE89 3704 0044 0532 0130 01"}, "bank_account_number", "check digits"),
        ({"bank_account_number": "50100-ABC-678"}, "bank_account_number", "6 to 34 digits"),
        ({"bank_code": "HDFC1000123"}, "bank_code", "IFSC"),
        ({"bank_code": "HDFC"}, "bank_code", "IFSC"),
        (
            {"bank_account_number": "DE89370400440532013000", "bank_code": "HDFC0000123"},
            "bank_code",
            "BIC",
        ),
        ({"time_zone": "Mars/Olympus"}, "time_zone", "time zone from the list"),
        ({"working_days": []}, "working_days", "at least one working day"),
        ({"working_days": ["0", "9"]}, "working_days", "Select a valid choice"),
        ({"work_starts": "18:00", "work_ends": "09:00"}, "work_ends", "ends after it starts"),
        ({"work_starts": "10:00", "work_ends": "10:00"}, "work_ends", "ends after it starts"),
        ({"work_ends": "25:00"}, "work_ends", "Enter a valid time"),
    ],
)
def test_bad_details_are_refused_beside_the_field_and_nothing_changes(
    http_as: Any, changes: dict[str, Any], field: str, message: str
) -> None:
    http = http_as("admin")
    before = stored()

    response = http.post(reverse("settings:agency"), form_data(name="Renamed", **changes))

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert message in response.content.decode()
    assert stored() == before
    assert not Event.objects.filter(kind="agency.updated").exists()


def test_the_service_refuses_the_same_as_the_page(admin: User) -> None:
    before = stored()
    with pytest.raises(Exception) as refused:
        agency_update(
            by=admin, country="ZZ", time_zone="Nowhere", work_starts=dt.time(19), work_ends=dt.time(9)
        )
    assert set(refused.value.message_dict) == {"country", "time_zone", "work_ends"}  # type: ignore[attr-defined]
    assert stored() == before


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("5020 0012 3456 78", "50200012345678"),
        ("", ""),
    ],
)
def test_account_numbers_are_kept_compact(value: str, expected: str) -> None:
    assert account_number_check(value) == expected


@pytest.mark.parametrize(
    ("value", "account", "expected"),
    [
        ("sbin0001234", "", "SBIN0001234"),
        ("DEUTDEFF", "DE89370400440532013000", "DEUTDEFF"),
        ("HDFCINBB123", "50200012345678", "HDFCINBB123"),
    ],
)
def test_bank_codes_are_an_ifsc_or_a_bic(value: str, account: str, expected: str) -> None:
    assert bank_code_check(value, account=account) == expected


# --- holidays -----------------------------------------------------------------------------------


def test_head_adds_and_removes_a_holiday(http_as: Any, admin: User) -> None:
    http = http_as("admin")
    day = dt.date(2026, 11, 8)

    added = http.post(reverse("settings:agency_holiday_add"), {"date": day.isoformat(), "name": "Diwali"})

    assert added.status_code == 302 and added["Location"].endswith("#holidays")
    holiday = Holiday.objects.get()
    assert (holiday.date, holiday.name) == (day, "Diwali")
    assert Event.objects.get(kind="agency.holiday_added").actor == admin
    assert "Diwali" in http.get(reverse("settings:agency")).content.decode()

    removed = http.post(reverse("settings:agency_holiday_remove", args=[holiday.pk]))

    assert removed.status_code == 302
    assert not Holiday.objects.exists()
    assert Event.objects.filter(kind="agency.holiday_removed").count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"date": "2026-08-15", "name": "Independence Day again"}, "date", "already a holiday"),
        ({"date": "2026-08-16", "name": "   "}, "name", "Name the holiday"),
        ({"date": "15/08/2026x", "name": "Bad"}, "date", "Enter a valid date"),
    ],
)
def test_a_bad_holiday_is_refused_and_nothing_changes(
    http_as: Any, admin: User, data: dict[str, str], field: str, message: str
) -> None:
    holiday_add(by=admin, date=dt.date(2026, 8, 15), name="Independence Day")
    events = Event.objects.count()

    response = http_as("admin").post(reverse("settings:agency_holiday_add"), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["holiday_form"].errors[field])
    assert list(Holiday.objects.values_list("name", flat=True)) == ["Independence Day"]
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("contact_a", 403),
        ("am", 403),
        ("specialist", 403),
        ("finance", 403),
        ("admin", 302),
    ],
)
def test_only_the_head_changes_the_holidays(http_as: Any, admin: User, persona: str, status: int) -> None:
    kept = holiday_add(by=admin, date=dt.date(2026, 10, 2), name="Gandhi Jayanti")
    http = http_as(persona)

    add = http.post(reverse("settings:agency_holiday_add"), {"date": "2026-12-25", "name": "Christmas"})
    remove = http.post(reverse("settings:agency_holiday_remove", args=[kept.pk]))

    assert (add.status_code, remove.status_code) == (status, status)
    names = set(Holiday.objects.values_list("name", flat=True))
    if persona == "admin":
        assert names == {"Christmas"}
    else:
        assert names == {"Gandhi Jayanti"}
        assert Event.objects.filter(kind__startswith="agency.holiday_").count() == 1


def test_removing_a_missing_holiday_is_not_found(http_as: Any, admin: User) -> None:
    holiday = holiday_add(by=admin, date=dt.date(2027, 1, 26), name="Republic Day")
    gone = holiday.pk
    holiday_remove(by=admin, holiday=holiday)
    assert http_as("admin").post(reverse("settings:agency_holiday_remove", args=[gone])).status_code == 404
    assert http_as("admin").get(reverse("settings:agency_holiday_add")).status_code == 405
