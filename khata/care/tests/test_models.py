"""The care tables start with their defaults and the database refuses impossible rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from khata.care.models import (
    DEFAULT_REASONS,
    DEFAULT_ROOT_CAUSES,
    Claim,
    Goodwill,
    ReasonCode,
    RootCause,
    SlaPolicy,
    Survey,
    SurveyAnswer,
)
from khata.clients.models import Client, Contact

pytestmark = pytest.mark.django_db


def test_defaults_exist_after_migration() -> None:
    assert set(ReasonCode.objects.values_list("code", flat=True)) == {code for code, _ in DEFAULT_REASONS}
    assert set(RootCause.objects.values_list("code", flat=True)) == {code for code, _ in DEFAULT_ROOT_CAUSES}
    assert set(SlaPolicy.objects.values_list("severity", flat=True)) == {"low", "normal", "high", "critical"}


# --- the database refuses impossible rows ----------------------------------------------------------


def _claim(client: Client, **values: Any) -> Claim:
    now = timezone.now()
    fields: dict[str, Any] = {
        "client": client,
        "source": "am",
        "reason": ReasonCode.objects.get(code="quality"),
        "title": "Typos",
        "received_at": now,
        "first_response_due": now + dt.timedelta(hours=8),
        "resolution_due": now + dt.timedelta(hours=40),
        **values,
    }
    return Claim.objects.create(**fields)


def _refused(make: Callable[[], object]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_claim_rows_must_make_sense(client_a: Client) -> None:
    now = timezone.now()
    _refused(lambda: _claim(client_a, status="lost"))
    _refused(lambda: _claim(client_a, source="fax"))
    _refused(lambda: _claim(client_a, severity="urgent"))
    _refused(lambda: _claim(client_a, title=""))
    _refused(lambda: _claim(client_a, first_response_due=now - dt.timedelta(hours=1)))
    _refused(lambda: _claim(client_a, resolution_due=now + dt.timedelta(hours=1)))
    _refused(lambda: _claim(client_a, status="acknowledged"))  # nobody acknowledged it
    _refused(lambda: _claim(client_a, status="resolved", acknowledged_at=now))  # never resolved
    _refused(lambda: _claim(client_a, status="closed", acknowledged_at=now, resolved_at=now))  # no closing
    _refused(lambda: _claim(client_a, closed_at=now))
    _refused(lambda: _claim(client_a, closed_automatically=True))
    _refused(lambda: _claim(client_a, source="disputed_act"))
    _refused(lambda: _claim(client_a, source="survey"))
    assert _claim(client_a, status="closed", acknowledged_at=now, resolved_at=now, closed_at=now).pk


def test_goodwill_values_are_positive_and_of_the_right_kind(client_a: Client, am: Any) -> None:
    claim = _claim(client_a)
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="credit", value_minor=0, currency="INR"))
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="credit", value_minor=-100, currency="INR"))
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="discount", value_minor=100, currency=""))
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="free_hours", minutes=0))
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="free_hours", minutes=60, value_minor=5))
    _refused(lambda: Goodwill.objects.create(claim=claim, kind="voucher", value_minor=5, currency="INR"))
    Goodwill.objects.create(claim=claim, kind="free_hours", minutes=60)
    Goodwill.objects.create(claim=claim, kind="credit", value_minor=100, currency="INR")
    assert claim.goodwill.count() == 2


@pytest.mark.parametrize(
    ("kind", "score", "ok"),
    [("nps", 0, True), ("nps", 10, True), ("nps", 11, False), ("csat", 1, True), ("csat", 5, True),
     ("csat", 0, False), ("csat", 6, False)],
)  # fmt: skip
def test_survey_scores_stay_in_their_range(client_a: Client, kind: str, score: int, ok: bool) -> None:
    contact = Contact.objects.create(client=client_a, full_name="Priya", email="p@acme.test")
    now = timezone.now()
    survey = Survey.objects.create(
        kind=kind,
        trigger="manual",
        client=client_a,
        contact=contact,
        sent_at=now,
        expires_at=now + dt.timedelta(days=14),
    )
    if ok:
        assert SurveyAnswer.objects.create(survey=survey, kind=kind, score=score).is_detractor is (
            score <= (6 if kind == "nps" else 2)
        )
    else:
        _refused(lambda: SurveyAnswer.objects.create(survey=survey, kind=kind, score=score))


def test_a_survey_expires_after_it_is_sent_and_its_token_is_unique(client_a: Client) -> None:
    contact = Contact.objects.create(client=client_a, full_name="Priya", email="p@acme.test")
    now = timezone.now()
    _refused(
        lambda: Survey.objects.create(
            kind="nps", trigger="manual", client=client_a, contact=contact, sent_at=now, expires_at=now
        )
    )
    values: dict[str, Any] = {"kind": "nps", "trigger": "quarterly", "client": client_a, "contact": contact}
    later = now + dt.timedelta(days=14)
    Survey.objects.create(**values, token_hash="a" * 64, expires_at=later)
    Survey.objects.create(**values, expires_at=later)
    Survey.objects.create(**values, expires_at=later)  # several without a link are fine
    _refused(lambda: Survey.objects.create(**values, token_hash="a" * 64, expires_at=later))
