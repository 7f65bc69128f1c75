"""Care personas beside the shared cast: a frozen clock, the agency's calendar, claims at each stage,
and (from the documents tests) a project with done tasks and an act to dispute."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from khata.care.models import Claim, ReasonCode, RootCause
from khata.care.services import (
    claim_acknowledge,
    claim_confirm,
    claim_file,
    claim_resolve,
    claim_start,
    corrective_action_add,
)
from khata.clients.models import Client
from khata.documents.models import Document
from khata.documents.services import act_lines_from_project, document_dispute, document_send
from khata.documents.tests.conftest import act, done_tasks, kinds
from khata.people.models import User
from khata.plans.tests.conftest import approver_a, approver_b
from khata.production.models import Task
from khata.production.tests.conftest import agreed, copy, project, seo

__all__ = ["act", "agreed", "approver_a", "approver_b", "copy", "done_tasks", "kinds", "project", "seo"]

KOLKATA = ZoneInfo("Asia/Kolkata")
# A Wednesday morning in the agency's default calendar (Mon–Fri, 9:30–18:30 Asia/Kolkata).
WEDNESDAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=KOLKATA)


class Clock:
    """``timezone.now`` frozen at a moment the test moves by hand."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, moment: dt.datetime) -> None:
        self.now = moment.astimezone(dt.UTC)

    def forward(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock(WEDNESDAY)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def reason(code: str = "quality") -> ReasonCode:
    return ReasonCode.objects.get(code=code)


def root_cause(code: str = "process") -> RootCause:
    return RootCause.objects.get(code=code)


@pytest.fixture
def claim(clock: Clock, am: User, client_a: Client) -> Claim:
    """A new claim of client A recorded by its AM."""
    return claim_file(
        by=am, client=client_a, reason=reason(), title="The landing page copy has typos", severity="normal"
    )


ClaimAt = Callable[[str], Claim]


@pytest.fixture
def claim_at(clock: Clock, am: User, client_a: Client, contact_a: User) -> ClaimAt:
    """A new claim of client A brought to a status through the services, as the AM and the client would."""

    def bring(status: str) -> Claim:
        claim = claim_file(
            by=am, client=client_a, reason=reason(), title=f"Typos ({status})", severity="normal"
        )
        if status == "new":
            return claim
        current = claim_acknowledge(claim=claim, by=am)
        if status == "acknowledged":
            return current
        current = claim_start(claim=current, by=am)
        if status == "in_progress":
            return current
        corrective_action_add(claim=current, by=am, description="Proofread every page again")
        current = claim_resolve(claim=current, by=am, resolution="Typos fixed", root_cause=root_cause())
        if status == "resolved":
            return current
        current = claim_confirm(claim=current, by=contact_a)
        assert status == "closed"
        return current

    return bring


@pytest.fixture
def disputed(act: Document, am: User, approver_a: User, done_tasks: list[Task]) -> Document:
    act_lines_from_project(document=act, by=am, task_ids=[t.pk for t in done_tasks])
    document_send(document=act, by=am)
    document_dispute(document=act, by=approver_a, reason="The audit covered 9 pages, not 12.", name="Anita")
    return Document.objects.get(pk=act.pk)
