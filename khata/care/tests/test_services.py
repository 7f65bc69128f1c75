"""The claim's life cycle: every transition from the right state, every other one refused with
nothing changed, and one claim per disputed act."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import translation

from khata.care.models import Claim, ClaimAttachment, CorrectiveAction, Goodwill
from khata.care.services import (
    ClaimError,
    claim_acknowledge,
    claim_analyse,
    claim_attachment_add,
    claim_close_unconfirmed,
    claim_confirm,
    claim_file,
    claim_from_disputed_act,
    claim_reopen,
    claim_resolve,
    claim_start,
    corrective_action_add,
    corrective_action_complete,
    goodwill_record,
)
from khata.care.tests.conftest import ClaimAt, Clock, reason, root_cause
from khata.clients.models import Client
from khata.core.models import Event
from khata.documents.models import Document
from khata.documents.services import document_dispute, document_reopen, document_send
from khata.people.models import User

pytestmark = pytest.mark.django_db

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
STATUSES = ["new", "acknowledged", "in_progress", "resolved", "closed"]


def _snapshot(claim: Claim) -> tuple[Any, ...]:
    claim.refresh_from_db()
    return (
        claim.status,
        claim.acknowledged_at,
        claim.started_at,
        claim.resolved_at,
        claim.closed_at,
        claim.closed_automatically,
        claim.reopened_count,
        claim.root_cause_id,
        claim.resolution,
        Event.objects.count(),
    )


def _do(name: str, claim: Claim, people: dict[str, User], clock: Clock) -> Claim:
    am, contact = people["am"], people["contact_a"]
    if name == "acknowledge":
        return claim_acknowledge(claim=claim, by=am)
    if name == "start":
        return claim_start(claim=claim, by=am)
    if name == "resolve":
        return claim_resolve(claim=claim, by=am, resolution="Fixed", root_cause=root_cause())
    if name == "confirm":
        return claim_confirm(claim=claim, by=contact)
    if name == "reopen":
        return claim_reopen(claim=claim, by=contact, reason="Still broken")
    if name == "close_unconfirmed":
        return claim_close_unconfirmed(claim=claim, now=clock.now + dt.timedelta(days=30))
    raise AssertionError(name)


TRANSITIONS: dict[str, tuple[str, str]] = {
    # name: (the only status it starts from, the status it leads to)
    "acknowledge": ("new", "acknowledged"),
    "start": ("acknowledged", "in_progress"),
    "resolve": ("in_progress", "resolved"),
    "confirm": ("resolved", "closed"),
    "reopen": ("resolved", "in_progress"),
    "close_unconfirmed": ("resolved", "closed"),
}


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("name", list(TRANSITIONS))
def test_each_transition_runs_only_from_its_status(
    name: str, status: str, claim_at: ClaimAt, clock: Clock, am: User, contact_a: User
) -> None:
    claim = claim_at(status)
    if status == "in_progress":
        corrective_action_add(claim=claim, by=am, description="Check the other pages too")
    start, end = TRANSITIONS[name]
    people = {"am": am, "contact_a": contact_a}
    if status == start:
        last = Event.objects.order_by("-id").values_list("id", flat=True).first()
        result = _do(name, claim, people, clock)
        result.refresh_from_db()
        assert result.status == end
        kinds = list(Event.objects.filter(id__gt=last, subject_id=claim.pk).values_list("kind", flat=True))
        assert len(kinds) == 1 and kinds[0].startswith("care.")
    else:
        before = _snapshot(claim)
        with pytest.raises(ClaimError) as refused:
            _do(name, claim, people, clock)
        assert "status" in refused.value.message_dict
        assert "The claim is" in refused.value.message_dict["status"][0]
        assert _snapshot(claim) == before


def test_the_full_life_cycle_leaves_a_timeline(claim_at: ClaimAt, clock: Clock) -> None:
    claim = claim_at("closed")
    kinds = list(
        Event.objects.filter(subject_id=claim.pk, kind__startswith="care.").values_list("kind", flat=True)
    )
    assert sorted(kinds) == sorted(
        [
            "care.filed",
            "care.acknowledged",
            "care.started",
            "care.action_added",
            "care.resolved",
            "care.confirmed",
        ]
    )
    assert claim.closed_at is not None and not claim.closed_automatically


def test_resolving_needs_a_root_cause_what_was_done_and_an_action(claim_at: ClaimAt, am: User) -> None:
    claim = claim_at("in_progress")
    before = _snapshot(claim)
    with pytest.raises(ClaimError) as refused:
        claim_resolve(claim=claim, by=am, resolution="  ")
    assert set(refused.value.message_dict) == {"resolution", "root_cause", "actions"}
    assert _snapshot(claim) == before
    corrective_action_add(claim=claim, by=am, description="Proofread")
    claim_analyse(claim=claim, by=am, root_cause=root_cause("performer"), responsible_team="Copy desk")
    resolved = claim_resolve(claim=claim, by=am, resolution="Proofread and fixed")
    assert resolved.status == "resolved" and resolved.root_cause is not None
    assert resolved.root_cause.code == "performer" and resolved.responsible_team == "Copy desk"
    # The history names what was analysed in words, in the reader's language.
    analysed = Event.objects.get(kind="care.analysed", subject_id=claim.pk)
    assert analysed.display_summary.endswith("analysed: Root cause, Responsible team")
    with translation.override("hi"):
        assert "root_cause" not in analysed.display_summary


def test_reopening_counts_and_the_claim_can_be_resolved_again(
    claim_at: ClaimAt, am: User, contact_a: User
) -> None:
    claim = claim_at("resolved")
    with pytest.raises(ClaimError) as refused:
        claim_reopen(claim=claim, by=contact_a, reason="")
    assert "reason" in refused.value.message_dict
    claim = claim_reopen(claim=claim, by=contact_a, reason="Two typos are still there")
    assert claim.status == "in_progress" and claim.reopened_count == 1 and claim.resolved_at is None
    claim = claim_resolve(claim=claim, by=am, resolution="Fixed the last two")
    claim = claim_reopen(claim=claim, by=contact_a, reason="One more")
    assert claim.reopened_count == 2


def test_a_resolved_claim_closes_itself_only_after_the_days_given(claim_at: ClaimAt, clock: Clock) -> None:
    claim = claim_at("resolved")
    assert claim.resolved_at is not None
    before = _snapshot(claim)
    with pytest.raises(ClaimError):
        claim_close_unconfirmed(claim=claim, now=claim.resolved_at + dt.timedelta(days=6, hours=23))
    assert _snapshot(claim) == before
    closed = claim_close_unconfirmed(claim=claim, now=claim.resolved_at + dt.timedelta(days=7))
    assert closed.status == "closed" and closed.closed_automatically
    event = Event.objects.get(subject_id=claim.pk, kind="care.closed_automatically")
    assert event.actor is None


def test_people_who_may_not_handle_a_claim_change_nothing(
    claim_at: ClaimAt, other_am: User, specialist: User, finance: User, contact_b: User, contact_a: User
) -> None:
    claim = claim_at("new")
    before = _snapshot(claim)
    for person in (other_am, specialist, finance, contact_b, contact_a):
        with pytest.raises(ClaimError):
            claim_acknowledge(claim=claim, by=person)
    assert _snapshot(claim) == before
    resolved = claim_at("resolved")
    before = _snapshot(resolved)
    for person in (other_am, specialist, finance, contact_b):
        with pytest.raises(ClaimError):
            claim_confirm(claim=resolved, by=person)
    assert _snapshot(resolved) == before


# --- filing ----------------------------------------------------------------------------------------


def test_a_contact_files_a_claim_in_the_portal(
    clock: Clock, contact_a: User, client_a: Client, am: User
) -> None:
    claim = claim_file(
        by=contact_a,
        client=client_a,
        reason=reason("deadline"),
        title="The audit is late",
        description="We were promised it last Friday.",
        severity="high",
        attachments=[SimpleUploadedFile("screen.png", PNG, content_type="image/png")],
    )
    assert claim.source == "portal" and claim.status == "new"
    assert claim.contact is not None and claim.contact.user_id == contact_a.pk
    assert claim.owner_id == am.pk and claim.received_at == clock.now
    assert claim.attachments.get().content_type == "image/png"
    event = Event.objects.get(subject_id=claim.pk, kind="care.filed")
    assert event.client_id == client_a.pk and "Deadline" in event.display_summary


def test_a_contact_cannot_file_for_another_company(clock: Clock, contact_b: User, client_a: Client) -> None:
    with pytest.raises(ClaimError):
        claim_file(by=contact_b, client=client_a, reason=reason(), title="x", description="y")
    assert not Claim.objects.exists()


def test_filing_explains_every_bad_field_and_creates_nothing(
    clock: Clock, contact_a: User, client_a: Client, client_b: Client, am: User
) -> None:
    with pytest.raises(ClaimError) as refused:
        claim_file(by=contact_a, client=client_a, reason=None, title=" ", description="", severity="urgent")
    assert set(refused.value.message_dict) == {"title", "description", "reason", "severity"}
    with pytest.raises(ClaimError) as refused:
        claim_file(
            by=am,
            client=client_a,
            reason=reason(),
            title="Backdated",
            received_at=clock.now + dt.timedelta(hours=1),
        )
    assert "received_at" in refused.value.message_dict
    with pytest.raises(ClaimError) as refused:
        claim_file(
            by=contact_a,
            client=client_a,
            reason=reason(),
            title="With a program",
            description="see the file",
            attachments=[SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00" * 100)],
        )
    assert "attachments" in refused.value.message_dict
    assert not Claim.objects.exists() and not ClaimAttachment.objects.exists()


def test_a_claim_is_about_the_clients_own_things(
    clock: Clock, am: User, contact_a: User, client_a: Client, act: Document, project: Any
) -> None:
    with pytest.raises(ClaimError) as refused:
        claim_file(
            by=contact_a, client=client_a, reason=reason(), title="Draft", description="x", document=act
        )
    assert "document" in refused.value.message_dict  # a draft the client never saw
    claim = claim_file(
        by=am, client=client_a, reason=reason(), title="About the act", document=act, project=project
    )
    assert claim.document_id == act.pk and claim.project_id == project.pk


def test_the_am_backdates_a_claim_received_by_phone(clock: Clock, am: User, client_a: Client) -> None:
    earlier = clock.now - dt.timedelta(hours=2)
    claim = claim_file(
        by=am, client=client_a, reason=reason(), title="Called about the copy", received_at=earlier
    )
    assert claim.received_at == earlier and claim.source == "am"


# --- disputed acts ---------------------------------------------------------------------------------


def test_a_disputed_act_opens_exactly_one_claim(disputed: Document, am: User, approver_a: User) -> None:
    first = claim_from_disputed_act(document=disputed)
    second = claim_from_disputed_act(document=disputed)
    assert first.pk == second.pk
    assert Claim.objects.filter(document=disputed).count() == 1
    assert Event.objects.filter(kind="care.filed", subject_id=first.pk).count() == 1
    assert first.source == "disputed_act" and first.description == "The audit covered 9 pages, not 12."
    assert first.contact is not None and first.contact.user_id == approver_a.pk
    assert first.owner_id == am.pk and first.project_id == disputed.project_id
    assert disputed.number in first.title


def test_the_database_keeps_one_claim_per_dispute(disputed: Document) -> None:
    claim = claim_from_disputed_act(document=disputed)
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.create(
            client=claim.client,
            document=disputed,
            dispute=claim.dispute,
            source="disputed_act",
            reason=claim.reason,
            title="Twin",
            received_at=claim.received_at,
            first_response_due=claim.first_response_due,
            resolution_due=claim.resolution_due,
        )


def test_an_act_disputed_again_after_a_correction_opens_a_new_claim(
    disputed: Document, am: User, approver_a: User
) -> None:
    first = claim_from_disputed_act(document=disputed)
    document_reopen(document=disputed, by=am, reason="Recount the pages")
    document_send(document=disputed, by=am)
    document_dispute(document=disputed, by=approver_a, reason="Still 9 pages.", name="Anita")
    second = claim_from_disputed_act(document=disputed)
    assert second.pk != first.pk and second.description == "Still 9 pages."
    assert claim_from_disputed_act(document=disputed).pk == second.pk


def test_an_act_never_disputed_opens_no_claim(act: Document, am: User) -> None:
    with pytest.raises(ClaimError):
        claim_from_disputed_act(document=act)
    assert not Claim.objects.exists()


# --- attachments, corrective actions, goodwill -----------------------------------------------------


def test_files_are_added_while_the_claim_is_open(claim_at: ClaimAt, contact_a: User, contact_b: User) -> None:
    claim = claim_at("acknowledged")
    stored = claim_attachment_add(claim=claim, by=contact_a, file=SimpleUploadedFile("a.png", PNG))
    assert stored.claim_id == claim.pk and stored.size == len(PNG)
    with pytest.raises(ClaimError):
        claim_attachment_add(claim=claim, by=contact_b, file=SimpleUploadedFile("a.png", PNG))
    closed = claim_at("closed")
    with pytest.raises(ClaimError):
        claim_attachment_add(claim=closed, by=contact_a, file=SimpleUploadedFile("b.png", PNG))
    assert ClaimAttachment.objects.count() == 1


def test_the_owner_of_an_action_completes_it_once(
    claim_at: ClaimAt, am: User, specialist: User, other_am: User, contact_a: User
) -> None:
    claim = claim_at("in_progress")
    with pytest.raises(ClaimError) as refused:
        corrective_action_add(claim=claim, by=am, description="Fix", owner=contact_a)
    assert "owner" in refused.value.message_dict
    action = corrective_action_add(
        claim=claim,
        by=am,
        description="Rewrite the section",
        owner=specialist,
        due_date=dt.date(2026, 11, 30),
    )
    for person in (other_am, contact_a):
        with pytest.raises(ClaimError):
            corrective_action_complete(action=action, by=person)
    done = corrective_action_complete(action=action, by=specialist)
    assert done.done_at is not None
    with pytest.raises(ClaimError):
        corrective_action_complete(action=action, by=specialist)
    assert Event.objects.filter(kind="care.action_done").count() == 1


def test_actions_are_not_added_to_a_resolved_claim(claim_at: ClaimAt, am: User) -> None:
    claim = claim_at("resolved")
    count = CorrectiveAction.objects.count()
    with pytest.raises(ClaimError):
        corrective_action_add(claim=claim, by=am, description="Late idea")
    assert CorrectiveAction.objects.count() == count


def test_goodwill_is_recorded_in_the_clients_currency_or_in_minutes(claim_at: ClaimAt, am: User) -> None:
    claim = claim_at("closed")
    credit = goodwill_record(
        claim=claim, by=am, kind="credit", value_minor=5_000_00, note="Sorry for the delay"
    )
    assert credit.currency == "INR" and credit.value_minor == 5_000_00 and credit.minutes is None
    hours = goodwill_record(claim=claim, by=am, kind="free_hours", minutes=120, value_minor=999)
    assert hours.minutes == 120 and hours.value_minor is None and hours.currency == ""
    for kind, value, minutes in [
        ("credit", 0, None),
        ("discount", -5, None),
        ("free_hours", None, 0),
        ("voucher", 100, None),
    ]:
        with pytest.raises(ClaimError):
            goodwill_record(claim=claim, by=am, kind=kind, value_minor=value, minutes=minutes)
    assert Goodwill.objects.count() == 2
    summaries = [event.summary for event in Event.objects.filter(kind="care.goodwill").order_by("id")]
    assert "Credit, 5000.00 INR" in summaries[0] and "Free hours, 120 min" in summaries[1]


def test_goodwill_needs_someone_who_handles_the_claim(
    claim_at: ClaimAt, contact_a: User, finance: User
) -> None:
    claim = claim_at("new")
    for person in (contact_a, finance):
        with pytest.raises(ValidationError):
            goodwill_record(claim=claim, by=person, kind="credit", value_minor=100)
    assert not Goodwill.objects.exists()
