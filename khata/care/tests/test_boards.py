"""The Today board shows the AM's open claims by the clock that runs out first, and how many are late."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from khata.care.boards import claims_card
from khata.care.services import claim_file
from khata.care.tests.conftest import ClaimAt, Clock, reason
from khata.clients.models import Client
from khata.people.models import User

pytestmark = pytest.mark.django_db


def test_the_card_puts_the_late_claim_first_and_counts_it(
    claim_at: ClaimAt, clock: Clock, am: User, other_am: User, specialist: User, finance: User, admin: User
) -> None:
    working = claim_at("in_progress")
    claim_at("resolved")  # waits for the client: not the agency's clock
    clock.forward(days=1)
    fresh = claim_at("new")
    clock.forward(days=6)  # the working claim's 40 working hours are gone; the new one's 8 too
    card = claims_card(am, today=clock.now.date(), limit=10)
    assert card is not None
    assert [row.claim.pk for row in card.items] == [fresh.pk, working.pk]
    assert [row.clock.state for row in card.items] == ["breached", "breached"]
    assert [(c.value, c.tone) for c in card.counters] == [(2, ""), (2, "danger")]
    other = claims_card(other_am, today=clock.now.date(), limit=10)
    assert other is not None and other.total == 0 and other.items == []
    assert claims_card(specialist, today=clock.now.date(), limit=10) is None
    assert claims_card(finance, today=clock.now.date(), limit=10) is None
    head = claims_card(admin, today=clock.now.date(), limit=10)
    assert head is not None and head.total == 2


@pytest.mark.parametrize("size", [3, 30])
def test_the_card_costs_the_same_with_3_or_30_claims(
    size: int, clock: Clock, am: User, client_a: Client, django_assert_num_queries: Any
) -> None:
    for index in range(size):
        claim_file(by=am, client=client_a, reason=reason(), title=f"Claim {index}")
    # the two counts, the claims, the agency and its holidays
    with django_assert_num_queries(5):
        card = claims_card(am, today=dt.date(2026, 11, 25), limit=10)
    assert card is not None and len(card.items) == min(size, 10) and card.total == size


def test_the_today_page_shows_the_card(http_as: Any, claim_at: ClaimAt) -> None:
    claim = claim_at("new")
    body = http_as("am").get("/").content.decode()
    assert claim.title in body and "past their SLA" in body
