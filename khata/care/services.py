"""Every write of care. Each is atomic, locks the claim it changes and leaves a timeline event on the
claim's client (kind ``care.*``); a refused change raises ``ClaimError`` and changes nothing.

A claim is filed by the client in the portal or recorded by the AM (``claim_file``), or opened by a
disputed act (``claim_from_disputed_act``, once per dispute). Its SLA due times are computed then, in
working hours of the agency's calendar, from the severity's ``SlaPolicy``; reopening does not restart
the resolution clock (the client has been waiting all along).

The state machine::

    new ──acknowledge──▶ acknowledged ──start──▶ in_progress ──resolve──▶ resolved ──confirm──▶ closed
                                                      ▲                       │  └─close_unconfirmed─▶ closed
                                                      └────────reopen─────────┘     (after N days, automatic)

Resolving needs a root cause, a word on what was done and at least one corrective action: a claim
closed without knowing why it happened teaches the agency nothing. The actions need not be done yet
(a preventive fix may take weeks); they are completed on their own (``corrective_action_complete``).
Goodwill is an append-only ledger (``goodwill_record``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, override

from khata.billing.models import Invoice
from khata.care.models import (
    Claim,
    ClaimAttachment,
    CorrectiveAction,
    Goodwill,
    ReasonCode,
    RootCause,
    Severity,
    SlaPolicy,
)
from khata.care.policies import can_answer_claim, can_complete_action, can_file_claim, can_handle_claim
from khata.clients.models import Client
from khata.clients.services import client_touch
from khata.core.calendar import WorkingCalendar, add_working_hours, working_calendar, working_minutes_between
from khata.core.money import from_minor
from khata.core.services import event_record
from khata.core.uploads import UploadInfo, filename_safe, upload_check
from khata.documents.models import Behaviour, Document, DocumentDecision
from khata.people.models import User
from khata.plans.models import Project
from khata.production.models import Task

# A resolved claim the client does not answer closes itself after this many days.
AUTO_CLOSE_DAYS_DEFAULT = 7
TITLE_MAX = 200
TEXT_MAX = 10_000
ATTACHMENTS_MAX = 10
# The SLA clock turns "near" when this share of its working time is left.
NEAR_SHARE = 0.25


class ClaimError(ValidationError):
    """A refused change of a claim; carries field errors like a form."""


def _refuse(field: str, message: str) -> ClaimError:
    return ClaimError({field: [message]})


def auto_close_days() -> int:
    return int(getattr(settings, "KHATA_CLAIM_AUTO_CLOSE_DAYS", AUTO_CLOSE_DAYS_DEFAULT))


def _event(claim: Claim, *, kind: str, summary: str, by: User | None, **params: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"claim": claim.title, **params},
        by=by,
        client=claim.client,
        subject=claim,
        data={"claim": claim.pk, "status": claim.status},
    )


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("client").get(pk=claim.pk)


def _handled(claim: Claim, by: User) -> Claim:
    claim = _locked(claim)
    if not can_handle_claim(by, claim):
        raise _refuse("claim", _("You cannot handle this claim."))
    return claim


def _in_state(claim: Claim, allowed: Sequence[str], message: str) -> None:
    if claim.status not in allowed:
        status = claim.get_status_display().lower()
        raise ClaimError({"status": [message + " " + _("The claim is %(status)s.") % {"status": status}]})


def _text(errors: dict[str, list[str]], field: str, value: str, *, required: str | None, limit: int) -> str:
    value = (value or "").strip()
    if required is not None and not value:
        errors.setdefault(field, []).append(required)
    elif len(value) > limit:
        errors.setdefault(field, []).append(
            _("Keep it under %(limit)s characters.") % {"limit": f"{limit:,}"}
        )
    return value


# --- SLA ------------------------------------------------------------------------------------------


def sla_due(
    *, severity: str, received_at: dt.datetime, calendar: WorkingCalendar
) -> tuple[dt.datetime, dt.datetime]:
    """The first response and resolution due times of a claim of this severity received then."""
    policy = SlaPolicy.objects.filter(severity=severity).first()
    if policy is None:
        raise _refuse("severity", _("No SLA policy is set for this severity."))
    return (
        add_working_hours(received_at, hours=policy.first_response_hours, calendar=calendar),
        add_working_hours(received_at, hours=policy.resolution_hours, calendar=calendar),
    )


@dataclass(frozen=True)
class SlaClock:
    """One SLA clock: when it is due, the working minutes left (negative once late), and its state.

    ``state`` is ``ok``, ``near`` (a quarter of the time or less left), ``breached`` (late, still
    running or stopped late), or ``met`` (stopped in time). A stopped clock keeps the minutes left at
    the moment it stopped.
    """

    due: dt.datetime
    stopped_at: dt.datetime | None
    remaining_minutes: int
    total_minutes: int
    state: str

    @property
    def running(self) -> bool:
        return self.stopped_at is None


@dataclass(frozen=True)
class ClaimSla:
    first_response: SlaClock
    resolution: SlaClock


def _clock(
    *,
    start: dt.datetime,
    due: dt.datetime,
    stopped_at: dt.datetime | None,
    now: dt.datetime,
    calendar: WorkingCalendar,
) -> SlaClock:
    at = stopped_at or now
    total = max(working_minutes_between(start, due, calendar), 0)
    remaining = working_minutes_between(at, due, calendar)
    if at > due:
        state = "breached"
    elif stopped_at is not None:
        state = "met"
    elif remaining <= total * NEAR_SHARE:
        state = "near"
    else:
        state = "ok"
    return SlaClock(
        due=due, stopped_at=stopped_at, remaining_minutes=remaining, total_minutes=total, state=state
    )


def claim_sla(
    claim: Claim, now: dt.datetime | None = None, calendar: WorkingCalendar | None = None
) -> ClaimSla:
    """Both SLA clocks of a claim at ``now``; pass the calendar when reading many claims (no query)."""
    now = now or timezone.now()
    calendar = calendar or working_calendar()
    resolution_stop = claim.resolved_at if claim.status in ("resolved", "closed") else None
    return ClaimSla(
        first_response=_clock(
            start=claim.received_at,
            due=claim.first_response_due,
            stopped_at=claim.acknowledged_at,
            now=now,
            calendar=calendar,
        ),
        resolution=_clock(
            start=claim.received_at,
            due=claim.resolution_due,
            stopped_at=resolution_stop,
            now=now,
            calendar=calendar,
        ),
    )


# --- filing ---------------------------------------------------------------------------------------


def _check_uploads(files: Sequence[UploadedFile]) -> list[UploadInfo]:
    if len(files) > ATTACHMENTS_MAX:
        raise _refuse("attachments", _("Attach at most %(count)s files.") % {"count": ATTACHMENTS_MAX})
    infos: list[UploadInfo] = []
    for file in files:
        try:
            infos.append(upload_check(file))
        except ValidationError as error:
            raise ClaimError(
                {"attachments": [f"{file.name}: {message}" for message in error.messages]}
            ) from None
    return infos


def _store_attachment(claim: Claim, file: UploadedFile, info: UploadInfo, by: User) -> ClaimAttachment:
    name = filename_safe(file.name or "", default=f"attachment.{info.extension}")
    stored = ClaimAttachment(
        claim=claim,
        name=name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    file.seek(0)
    stored.file.save(f"{info.sha256[:16]}.{info.extension}", file, save=False)
    stored.save()
    return stored


def _check_subjects(
    errors: dict[str, list[str]],
    *,
    client: Client,
    by: User,
    project: Project | None,
    task: Task | None,
    document: Document | None,
    invoice: Invoice | None,
) -> None:
    """What the claim is about must be the client's own (and, for a contact, something it can see)."""
    contact = by.role == User.Role.CONTACT
    if project is not None and project.client_id != client.pk:
        errors.setdefault("project", []).append(_("This project is not the client's."))
    if task is not None:
        task_project = Project.objects.only("client_id").get(pk=task.project_id)
        if task_project.client_id != client.pk or (contact and not task.visible_to_client):
            errors.setdefault("task", []).append(_("This task is not the client's."))
        elif project is not None and task.project_id != project.pk:
            errors.setdefault("task", []).append(_("This task belongs to another project."))
    if document is not None and (
        document.client_id != client.pk or (contact and document.status == Document.Status.DRAFT)
    ):
        errors.setdefault("document", []).append(_("This document is not the client's."))
    if invoice is not None and (
        invoice.client_id != client.pk or (contact and invoice.status == Invoice.Status.DRAFT)
    ):
        errors.setdefault("invoice", []).append(_("This invoice is not the client's."))


@transaction.atomic
def claim_file(
    *,
    by: User,
    client: Client,
    reason: ReasonCode | None,
    title: str,
    description: str = "",
    severity: str = Severity.NORMAL,
    project: Project | None = None,
    task: Task | None = None,
    document: Document | None = None,
    invoice: Invoice | None = None,
    attachments: Sequence[UploadedFile] = (),
    received_at: dt.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> Claim:
    """A new claim: filed by a contact in the portal, or recorded by the AM after a call or a meeting.

    ``received_at`` (staff only) backdates a claim that came by phone or email earlier; the SLA
    counts from then.
    """
    if not can_file_claim(by, client):
        raise _refuse("client", _("You cannot file a claim for this client."))
    is_contact = by.role == User.Role.CONTACT
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, required=_("Give the claim a short title."), limit=TITLE_MAX)
    description = _text(errors, "description", description, required=None, limit=TEXT_MAX)
    if is_contact and not description:
        errors.setdefault("description", []).append(
            _("Describe what went wrong, so that the agency can put it right.")
        )
    if reason is None or not reason.active:
        errors.setdefault("reason", []).append(_("Choose the reason of the claim."))
    if severity not in Severity.values:
        errors.setdefault("severity", []).append(_("Choose a severity."))
    now = timezone.now()
    if received_at is None or is_contact:
        received_at = now
    elif received_at > now:
        errors.setdefault("received_at", []).append(_("A claim cannot be received in the future."))
    _check_subjects(
        errors, client=client, by=by, project=project, task=task, document=document, invoice=invoice
    )
    if errors:
        raise ClaimError(errors)
    assert reason is not None
    infos = _check_uploads(attachments)
    first_response_due, resolution_due = sla_due(
        severity=severity, received_at=received_at, calendar=calendar or working_calendar()
    )
    claim = Claim.objects.create(
        client=client,
        project=project if project is not None else (task.project if task is not None else None),
        task=task,
        document=document,
        invoice=invoice,
        source=Claim.Source.PORTAL if is_contact else Claim.Source.AM,
        reason=reason,
        severity=severity,
        title=title[:TITLE_MAX],
        description=description,
        contact=getattr(by, "contact", None) if is_contact else None,
        filed_by=by,
        owner_id=client.owner_id,
        received_at=received_at,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
    )
    for file, info in zip(attachments, infos, strict=True):
        _store_attachment(claim, file, info, by)
    _event(
        claim,
        kind="care.filed",
        summary=gettext_noop("Claim filed: %(claim)s (%(reason)s, %(severity)s)"),
        by=by,
        reason=gettext_lazy(reason.name),
        severity=Severity(severity).label,
    )
    client_touch(client=client, by=by)
    return claim


def _dispute_reason() -> ReasonCode:
    reason = ReasonCode.objects.filter(code="quality", active=True).first()
    return (
        reason
        or ReasonCode.objects.filter(active=True).order_by("position", "id").first()
        or ReasonCode.objects.get(code="quality")
    )


def claim_from_disputed_act(*, document: Document, by: User | None = None) -> Claim:
    """The claim a disputed act opens: exactly one per dispute, however often this is called.

    The act's latest dispute (the client's answer) is the key; a unique constraint on it keeps two
    calls racing each other to one claim. An act disputed again after a correction opens a new one.
    """
    try:
        with transaction.atomic():
            return _claim_from_disputed_act(document=document, by=by)
    except IntegrityError:
        # A concurrent call created it first: that one is the claim.
        decision = _latest_dispute(document)
        if decision is None:
            raise
        return Claim.objects.get(dispute=decision)


def _latest_dispute(document: Document) -> DocumentDecision | None:
    return (
        DocumentDecision.objects.filter(document=document, decision=DocumentDecision.Decision.DISPUTED)
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )


def _claim_from_disputed_act(*, document: Document, by: User | None) -> Claim:
    document = (
        Document.objects.select_for_update(of=("self",))
        .select_related("kind", "client", "project")
        .get(pk=document.pk)
    )
    if document.kind.behaviour != Behaviour.ACT:
        raise _refuse("document", _("Only a disputed act opens a claim."))
    decision = _latest_dispute(document)
    if decision is None:
        raise _refuse("document", _("This act has not been disputed."))
    existing = Claim.objects.filter(dispute=decision).first()
    if existing is not None:
        return existing
    if document.status != Document.Status.DISPUTED:
        raise _refuse("document", _("This act is no longer disputed."))
    calendar = working_calendar()
    first_response_due, resolution_due = sla_due(
        severity=Severity.NORMAL, received_at=decision.at, calendar=calendar
    )
    contact = getattr(decision.by, "contact", None) if decision.by is not None else None
    with override(settings.LANGUAGE_CODE):  # a stored title, in the agency's language
        title = _("Act %(document)s disputed") % {"document": document.number or document.title}
    claim = Claim.objects.create(
        client=document.client,
        project=document.project,
        document=document,
        dispute=decision,
        source=Claim.Source.DISPUTED_ACT,
        reason=_dispute_reason(),
        severity=Severity.NORMAL,
        title=title[:TITLE_MAX],
        description=decision.reason,
        contact=contact,
        filed_by=decision.by,
        owner_id=document.client.owner_id,
        received_at=decision.at,
        first_response_due=first_response_due,
        resolution_due=resolution_due,
    )
    _event(
        claim,
        kind="care.filed",
        summary=gettext_noop("Claim opened by the disputed act %(document)s: %(claim)s"),
        by=by,
        document=document.number or document.title,
    )
    return claim


# --- the life cycle -------------------------------------------------------------------------------


@transaction.atomic
def claim_acknowledge(*, claim: Claim, by: User, note: str = "") -> Claim:
    """The first response: the agency has seen the claim and is on it (stops the first-response clock)."""
    claim = _handled(claim, by)
    _in_state(claim, [Claim.Status.NEW], _("Only a new claim can be acknowledged."))
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, required=None, limit=TEXT_MAX)
    if errors:
        raise ClaimError(errors)
    claim.status = Claim.Status.ACKNOWLEDGED
    claim.acknowledged_at = timezone.now()
    claim.save(update_fields=["status", "acknowledged_at"])
    _event(
        claim,
        kind="care.acknowledged",
        summary=gettext_noop("Claim acknowledged: %(claim)s"),
        by=by,
        note=note,
    )
    return claim


@transaction.atomic
def claim_start(*, claim: Claim, by: User) -> Claim:
    """Work on the fix begins."""
    claim = _handled(claim, by)
    _in_state(claim, [Claim.Status.ACKNOWLEDGED], _("Only an acknowledged claim can be started."))
    claim.status = Claim.Status.IN_PROGRESS
    claim.started_at = timezone.now()
    claim.save(update_fields=["status", "started_at"])
    _event(claim, kind="care.started", summary=gettext_noop("Work started on the claim %(claim)s"), by=by)
    return claim


def _check_analysis(
    errors: dict[str, list[str]],
    *,
    root_cause: RootCause | None,
    responsible: User | None,
) -> None:
    if root_cause is not None and not root_cause.active:
        errors.setdefault("root_cause", []).append(_("This root cause is no longer in use."))
    if responsible is not None and (not responsible.is_active or not responsible.is_agency_staff):
        errors.setdefault("responsible", []).append(_("Choose a member of the agency's staff."))


@transaction.atomic
def claim_analyse(
    *,
    claim: Claim,
    by: User,
    root_cause: RootCause | None = None,
    responsible: User | None = None,
    responsible_team: str | None = None,
    preventive_action: str | None = None,
) -> Claim:
    """Record the analysis of an open claim: root cause, who or which team, the preventive action."""
    claim = _handled(claim, by)
    _in_state(
        claim,
        [Claim.Status.NEW, Claim.Status.ACKNOWLEDGED, Claim.Status.IN_PROGRESS, Claim.Status.RESOLVED],
        _("A closed claim is not analysed any more."),
    )
    changed = _apply_analysis(
        claim,
        root_cause=root_cause,
        responsible=responsible,
        responsible_team=responsible_team,
        preventive_action=preventive_action,
    )
    if changed:
        claim.save(update_fields=changed)
        _event(
            claim,
            kind="care.analysed",
            summary=gettext_noop("Claim %(claim)s analysed: %(fields)s"),
            by=by,
            fields=[ANALYSIS_LABELS[name] for name in changed],
        )
    return claim


# What the history says was analysed, in the reader's language (the labels of the analysis form).
ANALYSIS_LABELS = {
    "root_cause": gettext_lazy("Root cause"),
    "responsible": gettext_lazy("Responsible person"),
    "responsible_team": gettext_lazy("Responsible team"),
    "preventive_action": gettext_lazy("Preventive action"),
}


def _apply_analysis(
    claim: Claim,
    *,
    root_cause: RootCause | None,
    responsible: User | None,
    responsible_team: str | None,
    preventive_action: str | None,
    extra_errors: dict[str, list[str]] | None = None,
) -> list[str]:
    errors: dict[str, list[str]] = dict(extra_errors or {})
    _check_analysis(errors, root_cause=root_cause, responsible=responsible)
    team = (
        None
        if responsible_team is None
        else _text(errors, "responsible_team", responsible_team, required=None, limit=120)
    )
    preventive = (
        None
        if preventive_action is None
        else _text(errors, "preventive_action", preventive_action, required=None, limit=TEXT_MAX)
    )
    if errors:
        raise ClaimError(errors)
    changed: list[str] = []
    if root_cause is not None and claim.root_cause_id != root_cause.pk:
        claim.root_cause = root_cause
        changed.append("root_cause")
    if responsible is not None and claim.responsible_id != responsible.pk:
        claim.responsible = responsible
        changed.append("responsible")
    if team is not None and claim.responsible_team != team:
        claim.responsible_team = team
        changed.append("responsible_team")
    if preventive is not None and claim.preventive_action != preventive:
        claim.preventive_action = preventive
        changed.append("preventive_action")
    return changed


@transaction.atomic
def claim_resolve(
    *,
    claim: Claim,
    by: User,
    resolution: str,
    root_cause: RootCause | None = None,
    responsible: User | None = None,
    responsible_team: str | None = None,
    preventive_action: str | None = None,
) -> Claim:
    """The fix is done: the claim waits for the client to confirm it (stops the resolution clock).

    Needs a root cause (given now or earlier), what was done, and at least one corrective action.
    """
    claim = _handled(claim, by)
    _in_state(claim, [Claim.Status.IN_PROGRESS], _("Only a claim in progress can be resolved."))
    errors: dict[str, list[str]] = {}
    resolution = _text(
        errors, "resolution", resolution, required=_("Say what was done to put it right."), limit=TEXT_MAX
    )
    if root_cause is None and claim.root_cause_id is None:
        errors.setdefault("root_cause", []).append(_("Find the root cause before resolving the claim."))
    if not claim.actions.exists():
        errors.setdefault("actions", []).append(
            _("Add at least one corrective action before resolving the claim.")
        )
    changed = _apply_analysis(
        claim,
        root_cause=root_cause,
        responsible=responsible,
        responsible_team=responsible_team,
        preventive_action=preventive_action,
        extra_errors=errors,
    )
    claim.status = Claim.Status.RESOLVED
    claim.resolution = resolution
    claim.resolved_at = timezone.now()
    claim.save(update_fields=["status", "resolution", "resolved_at", *changed])
    _event(
        claim,
        kind="care.resolved",
        summary=gettext_noop("Claim resolved, waiting for the client: %(claim)s"),
        by=by,
        resolution=resolution[:200],
    )
    return claim


def _answered(claim: Claim, by: User) -> Claim:
    claim = _locked(claim)
    if not can_answer_claim(by, claim):
        raise _refuse("claim", _("You cannot answer for the client on this claim."))
    return claim


@transaction.atomic
def claim_confirm(*, claim: Claim, by: User, note: str = "") -> Claim:
    """The client confirms the fix worked: the claim is closed."""
    claim = _answered(claim, by)
    _in_state(claim, [Claim.Status.RESOLVED], _("Only a resolved claim can be confirmed."))
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, required=None, limit=TEXT_MAX)
    if errors:
        raise ClaimError(errors)
    claim.status = Claim.Status.CLOSED
    claim.closed_at = timezone.now()
    claim.save(update_fields=["status", "closed_at"])
    _event(
        claim,
        kind="care.confirmed",
        summary=gettext_noop("The client confirmed the fix; claim closed: %(claim)s"),
        by=by,
        note=note[:200],
    )
    client_touch(client=claim.client, by=by)
    return claim


@transaction.atomic
def claim_reopen(*, claim: Claim, by: User, reason: str) -> Claim:
    """The client says the fix did not work: the claim goes back to work (its resolution clock runs on)."""
    claim = _answered(claim, by)
    _in_state(claim, [Claim.Status.RESOLVED], _("Only a resolved claim can be reopened."))
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, required=_("Say what still does not work."), limit=TEXT_MAX)
    if errors:
        raise ClaimError(errors)
    claim.status = Claim.Status.IN_PROGRESS
    claim.resolved_at = None
    claim.reopened_count += 1
    claim.save(update_fields=["status", "resolved_at", "reopened_count"])
    _event(
        claim,
        kind="care.reopened",
        summary=gettext_noop("Claim reopened, the fix did not work: %(claim)s: %(reason)s"),
        by=by,
        reason=reason[:200],
    )
    client_touch(client=claim.client, by=by)
    return claim


@transaction.atomic
def claim_close_unconfirmed(
    *, claim: Claim, by: User | None = None, now: dt.datetime | None = None, after_days: int | None = None
) -> Claim:
    """Close a resolved claim the client has not answered for ``after_days`` days; recorded as automatic.

    ``by`` is None when the scheduler does it; staff may do it for a claim they handle.
    """
    claim = _locked(claim)
    if by is not None and not can_handle_claim(by, claim):
        raise _refuse("claim", _("You cannot handle this claim."))
    _in_state(
        claim, [Claim.Status.RESOLVED], _("Only a resolved claim can close without the client's answer.")
    )
    now = now or timezone.now()
    days = auto_close_days() if after_days is None else after_days
    assert claim.resolved_at is not None
    if now < claim.resolved_at + dt.timedelta(days=days):
        raise _refuse(
            "status",
            _("The client has %(days)s days to confirm the fix; the claim cannot close before then.")
            % {"days": days},
        )
    claim.status = Claim.Status.CLOSED
    claim.closed_at = now
    claim.closed_automatically = True
    claim.save(update_fields=["status", "closed_at", "closed_automatically"])
    _event(
        claim,
        kind="care.closed_automatically",
        summary=gettext_noop("Claim closed without the client's answer after %(days)s days: %(claim)s"),
        by=by,
        days=days,
    )
    return claim


# --- attachments, corrective actions, goodwill ----------------------------------------------------


@transaction.atomic
def claim_attachment_add(*, claim: Claim, by: User, file: UploadedFile) -> ClaimAttachment:
    """A file added to an open claim, judged by its content."""
    claim = _locked(claim)
    if not (can_handle_claim(by, claim) or (by.role == User.Role.CONTACT and can_answer_claim(by, claim))):
        raise _refuse("claim", _("You cannot add files to this claim."))
    _in_state(claim, sorted(Claim.OPEN), _("A closed claim takes no more files."))
    (info,) = _check_uploads([file])
    stored = _store_attachment(claim, file, info, by)
    _event(
        claim,
        kind="care.file_added",
        summary=gettext_noop("File %(name)s added to the claim %(claim)s"),
        by=by,
        name=stored.name,
    )
    return stored


@transaction.atomic
def corrective_action_add(
    *, claim: Claim, by: User, description: str, owner: User | None = None, due_date: dt.date | None = None
) -> CorrectiveAction:
    """One thing to do to fix the claim, with its owner and due date."""
    claim = _handled(claim, by)
    _in_state(
        claim,
        [Claim.Status.NEW, Claim.Status.ACKNOWLEDGED, Claim.Status.IN_PROGRESS],
        _("Corrective actions are added while the claim is being worked on."),
    )
    errors: dict[str, list[str]] = {}
    description = _text(
        errors, "description", description, required=_("Say what is to be done."), limit=TEXT_MAX
    )
    if owner is not None and (not owner.is_active or not owner.is_agency_staff):
        errors.setdefault("owner", []).append(_("Choose a member of the agency's staff."))
    if due_date is not None and due_date < timezone.localdate(claim.received_at):
        errors.setdefault("due_date", []).append(_("The due date cannot be before the claim was received."))
    if errors:
        raise ClaimError(errors)
    action = CorrectiveAction.objects.create(
        claim=claim, description=description, owner=owner, due_date=due_date, created_by=by
    )
    _event(
        claim,
        kind="care.action_added",
        summary=gettext_noop("Corrective action added to the claim %(claim)s: %(action)s"),
        by=by,
        action=description[:200],
    )
    return action


@transaction.atomic
def corrective_action_complete(*, action: CorrectiveAction, by: User) -> CorrectiveAction:
    """The action is done (its owner or whoever handles the claim says so)."""
    action = (
        CorrectiveAction.objects.select_for_update(of=("self",))
        .select_related("claim__client")
        .get(pk=action.pk)
    )
    if not can_complete_action(by, action):
        raise _refuse("action", _("You cannot complete this action."))
    if action.done_at is not None:
        raise _refuse("action", _("This action is already done."))
    action.done_at = timezone.now()
    action.save(update_fields=["done_at"])
    _event(
        action.claim,
        kind="care.action_done",
        summary=gettext_noop("Corrective action done on the claim %(claim)s: %(action)s"),
        by=by,
        action=action.description[:200],
    )
    return action


@transaction.atomic
def goodwill_record(
    *,
    claim: Claim,
    by: User,
    kind: str,
    value_minor: int | None = None,
    minutes: int | None = None,
    note: str = "",
) -> Goodwill:
    """What the agency gives to make up for the claim: a credit or a discount in the client's currency,
    or free hours (as minutes)."""
    claim = _handled(claim, by)
    errors: dict[str, list[str]] = {}
    note = _text(errors, "note", note, required=None, limit=300)
    if kind not in Goodwill.Kind.values:
        errors.setdefault("kind", []).append(_("Choose what the agency gives."))
    elif kind == Goodwill.Kind.FREE_HOURS:
        if not isinstance(minutes, int) or isinstance(minutes, bool) or minutes <= 0:
            errors.setdefault("minutes", []).append(_("Give the free time as a positive number of minutes."))
        value_minor = None
    else:
        if not isinstance(value_minor, int) or isinstance(value_minor, bool) or value_minor <= 0:
            errors.setdefault("value_minor", []).append(_("Give a positive amount."))
        minutes = None
    if errors:
        raise ClaimError(errors)
    entry = Goodwill.objects.create(
        claim=claim,
        kind=kind,
        value_minor=value_minor,
        currency="" if kind == Goodwill.Kind.FREE_HOURS else claim.client.currency,
        minutes=minutes,
        note=note,
        recorded_by=by,
    )
    _event(
        claim,
        kind="care.goodwill",
        summary=gettext_noop("Goodwill recorded on the claim %(claim)s: %(what)s, %(value)s"),
        by=by,
        what=Goodwill.Kind(kind).label,
        value=(
            f"{from_minor(value_minor, entry.currency)} {entry.currency}"
            if value_minor is not None
            else f"{minutes} min"
        ),
    )
    return entry
