"""Every write of projects and work plans. Each is atomic, locks the row it changes and leaves a
timeline event; a refused move raises ``PlanError`` and changes nothing.

The plan's life: the AM drafts a version (``plan_version_create``, ``plan_item_*``) and proposes
it (``plan_propose``); the client's approver answers each item (``item_decide``) and may ask for
more (``client_item_request``); the AM answers with a new draft based on the proposed one. Both
sides approve (``plan_approve``) the latest proposed version; when both have, it is agreed — the
frozen baseline — and the previous baseline is superseded. A later change starts with
``plan_change_request``: a new draft based on the baseline, which needs both approvals again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Client
from khata.clients.policies import can_edit_client
from khata.clients.services import client_touch, field_label
from khata.core.services import event_record
from khata.people.models import Specialty, User
from khata.plans.models import (
    Approval,
    ClientRequest,
    ItemDecision,
    Origin,
    PlanItem,
    PlanVersion,
    Project,
)
from khata.plans.policies import (
    approver_contact,
    can_approve_plan,
    can_edit_project,
)
from khata.plans.status import stage_objections

PROJECT_FIELDS = ("name", "services", "start_date", "target_date", "budget_minor", "budget_hours", "owner")
ITEM_FIELDS = ("deliverable", "specialty", "estimate_minutes", "due_date", "price_minor", "origin")


class PlanError(ValidationError):
    """A refused move on a project or its plan; carries field errors like a form."""


def _refuse(field: str, message: str) -> PlanError:
    return PlanError({field: [message]})


def _plain(value: Any) -> Any:
    if isinstance(value, User | Specialty):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- projects -------------------------------------------------------------------------------------


def _check_project(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values["name"] = str(values.get("name") or "").strip()
    values["services"] = str(values.get("services") or "").strip()
    if not values["name"]:
        errors.setdefault("name", []).append(_("This field is required."))
    start, target = values.get("start_date"), values.get("target_date")
    if start is not None and target is not None and target < start:
        errors.setdefault("target_date", []).append(_("The target date cannot be before the start date."))
    for name in ("budget_minor", "budget_hours"):
        budget = values.get(name)
        if budget is not None and budget < 0:
            errors.setdefault(name, []).append(_("A budget cannot be negative."))
    owner = values.get("owner")
    if owner is None or not owner.is_active or owner.role not in {User.Role.AM, User.Role.HEAD}:
        errors.setdefault("owner", []).append(_("Only an active account manager or head can run a project."))
    if errors:
        raise PlanError(errors)
    return values


@transaction.atomic
def project_create(*, client: Client, by: User, owner: User | None = None, **values: Any) -> Project:
    """A new project of a client, at the brief stage unless told; run by the client's AM unless told."""
    if not can_edit_client(by, client):
        raise _refuse("client", _("You cannot start projects for this client."))
    values["owner"] = owner or client.owner
    values = _check_project(values)
    stage = values.pop("stage", Project.Stage.BRIEF)
    if stage not in Project.Stage.values:
        raise _refuse("stage", _("Unknown stage."))
    project = Project.objects.create(
        client=client, stage=stage, **{name: values[name] for name in PROJECT_FIELDS if name in values}
    )
    event_record(
        kind="plans.project_created",
        summary=gettext_noop("Project %(name)s created"),
        params={"name": project.name},
        by=by,
        client=client,
        subject=project,
        data={"stage": project.stage, "owner": project.owner_id},
    )
    return project


@transaction.atomic
def project_update(*, project: Project, by: User, **values: Any) -> Project:
    """Change a project's details (not its stage: ``project_set_stage``)."""
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project."))
    unknown = set(values) - set(PROJECT_FIELDS)
    if unknown:
        raise _refuse(sorted(unknown)[0], _("This field cannot be changed here."))
    merged = _check_project({name: getattr(project, name) for name in PROJECT_FIELDS} | values)
    changed: dict[str, list[Any]] = {}
    for name in PROJECT_FIELDS:
        old, new = getattr(project, name), merged[name]
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(project, name, new)
    if changed:
        project.save()
        event_record(
            kind="plans.project_updated",
            summary=gettext_noop("Project %(name)s changed: %(fields)s"),
            params={"name": project.name, "fields": [field_label(Project, name) for name in sorted(changed)]},
            by=by,
            client=project.client,
            subject=project,
            data={"changed": changed},
        )
    return project


@transaction.atomic
def project_set_stage(*, project: Project, by: User, stage: str, reason: str = "") -> Project:
    """Move a project to another stage; the reason, if any, is kept on the event.

    A gate another domain registers (``khata.plans.status.register_stage_gate``) may object to the
    move — the brief is not complete — and then the move needs the AM's recorded reason.
    """
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project."))
    if stage not in Project.Stage.values:
        raise _refuse("stage", _("Unknown stage."))
    if stage == project.stage:
        raise _refuse("stage", _("The project is already at this stage."))
    reason = reason.strip()
    objections = stage_objections(project, stage)
    if objections and not reason:
        raise PlanError({"reason": objections})
    old = project.stage
    project.stage = stage
    project.save(update_fields=["stage"])
    event_record(
        kind="plans.project_stage_changed",
        summary=gettext_noop("Project %(name)s moved from %(old)s to %(new)s"),
        params={"name": project.name, "old": Project.Stage(old).label, "new": Project.Stage(stage).label},
        by=by,
        client=project.client,
        subject=project,
        data={"from": old, "to": stage, "reason": reason, "objections": objections},
    )
    return project


# --- plan versions and items ----------------------------------------------------------------------


def _version_event(version: PlanVersion, *, kind: str, summary: str, by: User, **data: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"project": version.project.name, "number": version.number},
        by=by,
        client=version.project.client,
        subject=version,
        data={"project": version.project_id, "version": version.number, **data},
    )


def _locked_version(version: PlanVersion) -> PlanVersion:
    return PlanVersion.objects.select_for_update().select_related("project__client").get(pk=version.pk)


def _new_version(*, project: Project, by: User, based_on: PlanVersion | None, note: str) -> PlanVersion:
    """A draft numbered after the project's last version, with a copy of ``based_on``'s items."""
    if PlanVersion.objects.filter(project=project, status=PlanVersion.Status.DRAFT).exists():
        raise _refuse("version", _("This project already has a draft plan: finish or propose it first."))
    if based_on is not None and based_on.project_id != project.pk:
        raise _refuse("based_on", _("A plan can only be based on a version of the same project."))
    last = PlanVersion.objects.filter(project=project).aggregate(last=Max("number"))["last"] or 0
    version = PlanVersion.objects.create(
        project=project, number=last + 1, created_by=by, based_on=based_on, note=note.strip()
    )
    if based_on is not None:
        PlanItem.objects.bulk_create(
            PlanItem(version=version, key=item.key, **{name: getattr(item, name) for name in ITEM_FIELDS})
            for item in based_on.items.order_by("id")
        )
    return version


@transaction.atomic
def plan_version_create(
    *, project: Project, by: User, based_on: PlanVersion | None = None, note: str = ""
) -> PlanVersion:
    """A new draft version, optionally a copy of ``based_on``'s items (their keys kept)."""
    # The project row is the lock that keeps version numbers unique under concurrent drafting.
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project's plan."))
    version = _new_version(project=project, by=by, based_on=based_on, note=note)
    _version_event(
        version,
        kind="plans.version_created",
        summary=gettext_noop("Plan version %(number)s of %(project)s drafted"),
        by=by,
        based_on=based_on.number if based_on is not None else None,
    )
    return version


def _editable(version: PlanVersion, by: User) -> PlanVersion:
    version = _locked_version(version)
    if not can_edit_project(by, version.project):
        raise _refuse("version", _("You cannot change this project's plan."))
    if version.status != PlanVersion.Status.DRAFT:
        raise _refuse("version", _("Only a draft can be edited: this version is frozen."))
    return version


def _check_item(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values["deliverable"] = str(values.get("deliverable") or "").strip()
    if not values["deliverable"]:
        errors.setdefault("deliverable", []).append(_("This field is required."))
    if (values.get("price_minor") or 0) < 0:
        errors.setdefault("price_minor", []).append(_("A price cannot be negative."))
    if (values.get("estimate_minutes") or 0) < 0:
        errors.setdefault("estimate_minutes", []).append(_("An estimate cannot be negative."))
    if values.get("origin", Origin.COMPANY) not in Origin.values:
        errors.setdefault("origin", []).append(_("Unknown origin."))
    if errors:
        raise PlanError(errors)
    return values


@transaction.atomic
def plan_item_add(
    *, version: PlanVersion, by: User, answers: ClientRequest | None = None, **values: Any
) -> PlanItem:
    """Add an item to a draft; answering a client's request makes it an item of origin "client"."""
    version = _editable(version, by)
    if answers is not None:
        answers = ClientRequest.objects.select_for_update().select_related("version").get(pk=answers.pk)
        if answers.version.project_id != version.project_id:
            raise _refuse("answers", _("This request belongs to another project."))
        if answers.is_answered:
            raise _refuse("answers", _("This request has already been answered."))
        values["origin"] = Origin.CLIENT
        values.setdefault("deliverable", answers.deliverable)
    values = _check_item(values)
    item = PlanItem.objects.create(
        version=version, **{name: values[name] for name in ITEM_FIELDS if name in values}
    )
    if answers is not None:
        ClientRequest.objects.filter(pk=answers.pk).update(
            answered_by=item,
            answer=ClientRequest.Answer.ADDED,
            item_key=item.key,
            answered_at=timezone.now(),
        )
    _version_event(
        version,
        kind="plans.item_added",
        summary=gettext_noop("Item added to plan version %(number)s of %(project)s"),
        by=by,
        item=str(item.key),
        deliverable=item.deliverable,
    )
    return item


@transaction.atomic
def plan_item_update(*, item: PlanItem, by: User, **values: Any) -> PlanItem:
    """Change an item of a draft."""
    version = _editable(item.version, by)
    item = PlanItem.objects.get(pk=item.pk)
    unknown = set(values) - set(ITEM_FIELDS)
    if unknown:
        raise _refuse(sorted(unknown)[0], _("This field cannot be changed here."))
    merged = _check_item({name: getattr(item, name) for name in ITEM_FIELDS} | values)
    changed = {
        name: [_plain(getattr(item, name)), _plain(merged[name])]
        for name in ITEM_FIELDS
        if getattr(item, name) != merged[name]
    }
    if changed:
        for name in ITEM_FIELDS:
            setattr(item, name, merged[name])
        item.save()
        _version_event(
            version,
            kind="plans.item_updated",
            summary=gettext_noop("Item changed in plan version %(number)s of %(project)s"),
            by=by,
            item=str(item.key),
            changed=changed,
        )
    return item


@transaction.atomic
def plan_item_remove(*, item: PlanItem, by: User) -> None:
    """Take an item out of a draft."""
    version = _editable(item.version, by)
    key, deliverable = str(item.key), item.deliverable
    PlanItem.objects.filter(pk=item.pk).delete()
    _version_event(
        version,
        kind="plans.item_removed",
        summary=gettext_noop("Item removed from plan version %(number)s of %(project)s"),
        by=by,
        item=key,
        deliverable=deliverable,
    )


@transaction.atomic
def plan_propose(*, version: PlanVersion, by: User) -> PlanVersion:
    """Put a draft before the client; a version proposed earlier and not agreed is superseded."""
    Project.objects.select_for_update().get(pk=version.project_id)
    version = _editable(version, by)
    if not version.items.exists():
        raise _refuse("version", _("A plan needs at least one item before it is proposed."))
    PlanVersion.objects.filter(project=version.project, status=PlanVersion.Status.PROPOSED).update(
        status=PlanVersion.Status.SUPERSEDED
    )
    version.status = PlanVersion.Status.PROPOSED
    version.proposed_at = timezone.now()
    version.save(update_fields=["status", "proposed_at"])
    _version_event(
        version,
        kind="plans.version_proposed",
        summary=gettext_noop("Plan version %(number)s of %(project)s proposed to the client"),
        by=by,
    )
    return version


# --- answering the client's requests --------------------------------------------------------------


def _open_request(request: ClientRequest, by: User) -> ClientRequest:
    request = (
        ClientRequest.objects.select_for_update()
        .select_related("version__project__client")
        .get(pk=request.pk)
    )
    if not can_edit_project(by, request.version.project):
        raise _refuse("request", _("You cannot answer this client's requests."))
    if request.is_answered:
        raise _refuse("request", _("This request has already been answered."))
    return request


@transaction.atomic
def client_request_add(*, request: ClientRequest, by: User, **values: Any) -> PlanItem:
    """Answer a client's request with an item of origin "client" in the project's draft.

    Without a draft one is started from the latest version, as the AM would by hand.
    """
    project = Project.objects.select_for_update().get(pk=request.version.project_id)
    request = _open_request(request, by)
    draft = PlanVersion.objects.filter(project=project, status=PlanVersion.Status.DRAFT).first()
    if draft is None:
        _check_item(dict(values))  # refuse bad input before starting a draft
        latest = PlanVersion.objects.filter(project=project).order_by("-number").first()
        draft = _new_version(project=project, by=by, based_on=latest, note="")
        _version_event(
            draft,
            kind="plans.version_created",
            summary=gettext_noop("Plan version %(number)s of %(project)s drafted"),
            by=by,
            based_on=latest.number if latest is not None else None,
        )
    item = plan_item_add(version=draft, by=by, answers=request, **values)
    event_record(
        kind="plans.request_added",
        summary=gettext_noop("The client's request %(deliverable)s added to plan version %(number)s"),
        params={"deliverable": request.deliverable, "number": draft.number},
        by=by,
        client=project.client,
        subject=draft,
        data={"request": request.pk, "item": str(item.key)},
    )
    return item


@transaction.atomic
def client_request_decline(*, request: ClientRequest, by: User, comment: str) -> ClientRequest:
    """Decline a client's request with a comment the client reads in the portal."""
    request = _open_request(request, by)
    comment = comment.strip()
    if not comment:
        raise _refuse("comment", _("Tell the client why the request is declined."))
    request.answer = ClientRequest.Answer.DECLINED
    request.answer_comment = comment
    request.answered_at = timezone.now()
    request.save(update_fields=["answer", "answer_comment", "answered_at"])
    event_record(
        kind="plans.request_declined",
        summary=gettext_noop("The client's request %(deliverable)s declined"),
        params={"deliverable": request.deliverable},
        by=by,
        client=request.version.project.client,
        subject=request.version,
        data={"request": request.pk, "comment": comment},
    )
    return request


# --- the client's answers -------------------------------------------------------------------------


def _for_client(version: PlanVersion, by: User) -> PlanVersion:
    version = _locked_version(version)
    if approver_contact(by, version.project) is None:
        raise _refuse("by", _("Only an approver of this client can answer its plan."))
    if version.status != PlanVersion.Status.PROPOSED:
        raise _refuse("version", _("Only a proposed plan can be answered."))
    return version


@transaction.atomic
def item_decide(
    *,
    item: PlanItem,
    by: User,
    decision: str,
    comment: str = "",
    proposed_price_minor: int | None = None,
    proposed_due_date: dt.date | None = None,
) -> ItemDecision:
    """The client's approver accepts, counters or rejects an item of the proposed version.

    A counter needs a comment; a counter on the price or the date carries the proposed value.
    The latest answer on an item is the one that counts.
    """
    version = _for_client(item.version, by)
    errors: dict[str, list[str]] = {}
    comment = comment.strip()
    if decision not in ItemDecision.Decision.values:
        errors.setdefault("decision", []).append(_("Unknown decision."))
    if decision == ItemDecision.Decision.COUNTER and not comment:
        errors.setdefault("comment", []).append(_("A counter needs a comment."))
    if decision != ItemDecision.Decision.COUNTER and (
        proposed_price_minor is not None or proposed_due_date is not None
    ):
        errors.setdefault("decision", []).append(_("Only a counter proposes a price or a date."))
    if proposed_price_minor is not None and proposed_price_minor < 0:
        errors.setdefault("proposed_price_minor", []).append(_("A price cannot be negative."))
    if errors:
        raise PlanError(errors)
    answer = ItemDecision.objects.create(
        item=item,
        by=by,
        decision=decision,
        comment=comment,
        proposed_price_minor=proposed_price_minor,
        proposed_due_date=proposed_due_date,
    )
    label = ItemDecision.Decision(decision).label
    event_record(
        kind="plans.item_decided",
        summary=gettext_noop(
            "The client's answer to %(deliverable)s in plan version %(number)s of %(project)s: %(decision)s"
        ),
        params={
            "decision": label,
            "deliverable": item.deliverable,
            "number": version.number,
            "project": version.project.name,
        },
        by=by,
        client=version.project.client,
        subject=version,
        data={
            "item": str(item.key),
            "decision": decision,
            "price": proposed_price_minor,
            "due": proposed_due_date.isoformat() if proposed_due_date else None,
        },
    )
    client_touch(client=version.project.client, by=by)
    return answer


@transaction.atomic
def client_item_request(
    *,
    version: PlanVersion,
    by: User,
    deliverable: str,
    comment: str = "",
    proposed_price_minor: int | None = None,
    proposed_due_date: dt.date | None = None,
) -> ClientRequest:
    """The client's approver asks for an item the proposed version lacks.

    It stays a request: the AM answers it with an item of origin "client" in the next version
    (``plan_item_add(answers=request)``).
    """
    version = _for_client(version, by)
    deliverable = deliverable.strip()
    errors: dict[str, list[str]] = {}
    if not deliverable:
        errors.setdefault("deliverable", []).append(_("This field is required."))
    if proposed_price_minor is not None and proposed_price_minor < 0:
        errors.setdefault("proposed_price_minor", []).append(_("A price cannot be negative."))
    if errors:
        raise PlanError(errors)
    request = ClientRequest.objects.create(
        version=version,
        by=by,
        deliverable=deliverable,
        comment=comment.strip(),
        proposed_price_minor=proposed_price_minor,
        proposed_due_date=proposed_due_date,
    )
    event_record(
        kind="plans.item_requested",
        summary=gettext_noop(
            "The client asked for %(deliverable)s in plan version %(number)s of %(project)s"
        ),
        params={"deliverable": deliverable, "number": version.number, "project": version.project.name},
        by=by,
        client=version.project.client,
        subject=version,
        data={"request": request.pk},
    )
    client_touch(client=version.project.client, by=by)
    return request


# --- approval, the baseline and change requests ---------------------------------------------------


def disputed_items(version: PlanVersion) -> list[str]:
    """The deliverables of ``version`` whose latest answer from the client is a counter or a rejection."""
    latest: dict[int, tuple[str, str]] = {}
    answers = (
        ItemDecision.objects.filter(item__version=version)
        .order_by("item_id", "-created_at", "-id")
        .values_list("item_id", "decision", "item__deliverable")
    )
    for item_id, decision, deliverable in answers:
        latest.setdefault(item_id, (decision, deliverable))
    accept = ItemDecision.Decision.ACCEPT
    return [deliverable for decision, deliverable in latest.values() if decision != accept]


@transaction.atomic
def plan_approve(*, version: PlanVersion, by: User, side: str) -> Approval:
    """One side approves the latest proposed version; with both sides it is agreed and frozen.

    The previous agreed version, if any, is superseded: there is one baseline at a time.
    """
    Project.objects.select_for_update().get(pk=version.project_id)
    version = _locked_version(version)
    if side not in Approval.Side.values:
        raise _refuse("side", _("Unknown side."))
    if version.status != PlanVersion.Status.PROPOSED:
        raise _refuse("version", _("Only the latest proposed version can be approved."))
    newer_proposed = PlanVersion.objects.filter(
        project=version.project, number__gt=version.number, status=PlanVersion.Status.PROPOSED
    ).exists()
    if newer_proposed:
        raise _refuse("version", _("Only the latest proposed version can be approved."))
    if not can_approve_plan(by, version, side):
        if side == Approval.Side.CLIENT:
            raise _refuse("by", _("Only an approver of this client can approve for the client."))
        raise _refuse("by", _("Only the project's account manager or the head can approve for the company."))
    if Approval.objects.filter(version=version, side=side).exists():
        raise _refuse("side", _("This side has already approved this version."))
    disputed = disputed_items(version) if side == Approval.Side.CLIENT else []
    if disputed:
        raise _refuse(
            "version",
            _(
                "You countered or rejected %(items)s. Accept those items, or wait for the next version "
                "from your account manager, before you approve the plan."
            )
            % {"items": ", ".join(disputed)},
        )
    approval = Approval.objects.create(version=version, side=side, by=by)
    if side == Approval.Side.CLIENT:
        client_touch(client=version.project.client, by=by)
    _version_event(
        version,
        kind="plans.version_approved",
        summary=(
            gettext_noop("Plan version %(number)s of %(project)s approved by the client")
            if side == Approval.Side.CLIENT
            else gettext_noop("Plan version %(number)s of %(project)s approved by the company")
        ),
        by=by,
        side=side,
    )
    if Approval.objects.filter(version=version).count() == len(Approval.Side.values):
        previous = PlanVersion.objects.filter(project=version.project, status=PlanVersion.Status.AGREED)
        previous.update(status=PlanVersion.Status.SUPERSEDED)
        version.status = PlanVersion.Status.AGREED
        version.save(update_fields=["status"])
        _version_event(
            version,
            kind="plans.version_agreed",
            summary=gettext_noop("Plan version %(number)s of %(project)s agreed by both sides"),
            by=by,
        )
    return approval


@transaction.atomic
def plan_change_request(*, project: Project, by: User, note: str = "") -> PlanVersion:
    """Start changing an agreed plan: a new draft based on the baseline, to be approved again."""
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project's plan."))
    baseline = PlanVersion.objects.filter(project=project, status=PlanVersion.Status.AGREED).first()
    if baseline is None:
        raise _refuse("project", _("There is no agreed plan to change yet."))
    version = _new_version(project=project, by=by, based_on=baseline, note=note)
    _version_event(
        version,
        kind="plans.change_requested",
        summary=gettext_noop(
            "Change requested to the agreed plan of %(project)s: version %(number)s drafted"
        ),
        by=by,
        based_on=baseline.number,
    )
    return version


# --- differences between versions -----------------------------------------------------------------


@dataclass(frozen=True)
class ItemChange:
    """One difference between two versions: an item added or removed, or one field of it changed."""

    change: str  # "added", "removed" or "changed"
    key: uuid.UUID
    deliverable: str
    field: str = ""
    old: Any = None
    new: Any = None


def plan_diff(old: PlanVersion | None, new: PlanVersion) -> list[ItemChange]:
    """What changed from ``old`` to ``new``, matched by item key (no ``old``: every item is added)."""
    before = {item.key: item for item in old.items.order_by("id")} if old is not None else {}
    after = {item.key: item for item in new.items.order_by("id")}
    compared = ("deliverable", "specialty_id", "estimate_minutes", "due_date", "price_minor", "origin")
    changes: list[ItemChange] = []
    for key, item in after.items():
        previous = before.get(key)
        if previous is None:
            changes.append(ItemChange("added", key, item.deliverable))
            continue
        for name in compared:
            was, now = getattr(previous, name), getattr(item, name)
            if was != now:
                changes.append(
                    ItemChange("changed", key, item.deliverable, name.removesuffix("_id"), was, now)
                )
    changes += [
        ItemChange("removed", key, item.deliverable) for key, item in before.items() if key not in after
    ]
    return changes
