"""The scheduler closes unanswered resolved claims after the days given and opens the claim of each
disputed act, each once however many passes run."""

from __future__ import annotations

import datetime as dt

import pytest

from khata.care.models import Claim
from khata.care.scheduling import AUTO_CLOSE_JOB, DISPUTED_ACTS_JOB
from khata.care.services import claim_reopen, claim_resolve
from khata.care.tests.conftest import ClaimAt, Clock
from khata.core.models import Event
from khata.core.scheduling import PeriodicJob, periodic_jobs, scheduler_pass
from khata.documents.models import Document
from khata.people.models import User

pytestmark = pytest.mark.django_db


def _jobs(name: str) -> list[PeriodicJob]:
    return [job for job in periodic_jobs() if job.name == name]


def test_an_unanswered_resolved_claim_closes_itself_once(claim_at: ClaimAt, clock: Clock) -> None:
    claim = claim_at("resolved")
    open_claim = claim_at("in_progress")
    assert claim.resolved_at is not None
    early = scheduler_pass(now=claim.resolved_at + dt.timedelta(days=6), jobs=_jobs(AUTO_CLOSE_JOB))
    assert early.total == 0
    clock.set(claim.resolved_at + dt.timedelta(days=7, minutes=1))
    first = scheduler_pass(now=clock.now, jobs=_jobs(AUTO_CLOSE_JOB))
    second = scheduler_pass(now=clock.now + dt.timedelta(minutes=5), jobs=_jobs(AUTO_CLOSE_JOB))
    assert first.total == 1 and second.total == 0
    claim.refresh_from_db()
    assert claim.status == "closed" and claim.closed_automatically
    assert Event.objects.filter(kind="care.closed_automatically").count() == 1
    assert Claim.objects.get(pk=open_claim.pk).status == "in_progress"


def test_a_claim_reopened_and_resolved_again_gets_its_own_days(
    claim_at: ClaimAt, clock: Clock, am: User, contact_a: User
) -> None:
    claim = claim_at("resolved")
    claim = claim_reopen(claim=claim, by=contact_a, reason="Still wrong")
    clock.forward(days=3)
    claim = claim_resolve(claim=claim, by=am, resolution="Fixed again")
    assert claim.resolved_at is not None
    assert scheduler_pass(now=claim.resolved_at + dt.timedelta(days=5), jobs=_jobs(AUTO_CLOSE_JOB)).total == 0
    clock.set(claim.resolved_at + dt.timedelta(days=8))
    assert scheduler_pass(now=clock.now, jobs=_jobs(AUTO_CLOSE_JOB)).total == 1
    assert Claim.objects.get(pk=claim.pk).closed_automatically


def test_each_disputed_act_gets_its_claim_from_the_scheduler(disputed: Document, clock: Clock) -> None:
    first = scheduler_pass(now=clock.now, jobs=_jobs(DISPUTED_ACTS_JOB))
    second = scheduler_pass(now=clock.now, jobs=_jobs(DISPUTED_ACTS_JOB))
    assert first.total == 1 and second.total == 0
    claim = Claim.objects.get(document=disputed)
    assert claim.source == "disputed_act"
