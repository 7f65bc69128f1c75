from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from babel import Locale
from django.db import transaction
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from khata.core.models import Event
from khata.core.money import from_minor, money_format, number_format, number_locale, to_minor
from khata.core.services import event_record, number_next
from khata.people.models import User

pytestmark = pytest.mark.django_db


def test_an_event_cannot_be_changed_or_deleted() -> None:
    event = event_record(kind="clients.note", summary="Called the client", by=None)
    event.summary = "Rewritten history"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        Event.objects.filter(pk=event.pk).update(summary="x")
    with pytest.raises(TypeError):
        Event.objects.all().delete()
    assert Event.objects.get(pk=event.pk).summary == "Called the client"


def test_numbers_are_gapless_per_series_and_year() -> None:
    with transaction.atomic():
        first = number_next(series="INV", on=dt.date(2026, 3, 1))
        second = number_next(series="INV", on=dt.date(2026, 4, 1))
        other_year = number_next(series="INV", on=dt.date(2027, 1, 2))
        other_series = number_next(series="ACT", on=dt.date(2026, 1, 2))
    assert (first, second, other_year, other_series) == (
        "INV/2026/000001",
        "INV/2026/000002",
        "INV/2027/000001",
        "ACT/2026/000001",
    )


def test_a_rolled_back_issue_gives_its_number_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        number_next(series="INV", on=dt.date(2026, 3, 1))
        raise RuntimeError("issue failed")
    with transaction.atomic():
        assert number_next(series="INV", on=dt.date(2026, 3, 1)) == "INV/2026/000001"


@pytest.mark.django_db(transaction=True)
def test_a_number_is_only_taken_inside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        number_next(series="INV", on=dt.date(2026, 3, 1))


def test_money_round_trips_through_minor_units() -> None:
    assert to_minor(Decimal("1234.565"), "INR") == 123457
    assert from_minor(123457, "INR") == Decimal("1234.57")
    assert to_minor(Decimal("15"), "JPY") == 15


def test_money_uses_indian_grouping_in_english_and_hindi() -> None:
    assert money_format(12345678_50, "INR", "en") == "₹1,23,45,678.50"
    with translation.override("hi"):
        assert money_format(12345678_50, "INR") == "₹1,23,45,678.50"
        assert number_format(123456) == "1,23,456"
    assert money_format(12345678_50, "RUB", "ru").replace("\xa0", " ").replace("\u202f", " ") == (
        "12 345 678,50 ₽"
    )


@given(
    minor=st.integers(min_value=-(10**15), max_value=10**15),
    currency=st.sampled_from(["INR", "USD", "EUR", "RUB", "JPY", "KWD", "GBP", "AED", "CHF"]),
    language=st.sampled_from(["en", "hi", "ru"]),
)
@settings(max_examples=600, deadline=None)
def test_a_sum_is_written_as_babel_writes_it(minor: int, currency: str, language: str) -> None:
    """The fast path of ``money_format`` (no decimals for yen, three for dinars, lakh grouping in
    English and Hindi, a non-breaking space and the sign after the sum in Russian) is Babel's text."""
    locale = Locale.parse(number_locale(language))
    babel = str(
        locale.currency_formats["standard"].apply(from_minor(minor, currency), locale, currency=currency)
    )
    assert money_format(minor, currency, language) == babel


def test_an_event_is_shown_in_the_readers_language(am: User) -> None:
    from khata.clients.models import Client
    from khata.clients.services import client_create, client_update

    client = client_create(
        by=am, display_name="Chai", legal_name="Chai Ltd", country="IN", currency="INR", owner=am
    )
    client_update(client=client, by=am, status=Client.Status.ACTIVE, segment="mid")
    changed = Event.objects.get(kind="clients.client_status_changed")
    details = Event.objects.get(kind="clients.client_updated")
    assert changed.summary == "Status changed from Prospect to Active"
    assert changed.display_summary == "Status changed from Prospect to Active"
    assert details.display_summary == "Client details changed: segment"
    with translation.override("hi"):
        hindi = changed.display_summary
    with translation.override("ru"):
        russian = changed.display_summary
        russian_details = details.display_summary
    assert hindi != changed.summary and "Chai" not in hindi
    assert "Prospect" not in russian and "Active" not in russian
    assert "segment" not in russian_details


def test_a_stored_text_survives_a_translation_that_lost_its_placeholder() -> None:
    from khata.core.texts import text_render

    assert text_render("Unknown %(thing)s here", {"thing": "x"}) == "Unknown x here"
    assert text_render("Unknown %(thing)s here", {}) == "Unknown %(thing)s here"
