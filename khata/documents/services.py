"""Every write of the document flow. Each is atomic, locks the row it changes and leaves a timeline
event on the document's client; a refused change raises ``DocumentError`` and changes nothing.

The head keeps the kinds and their numbering (``document_kind_create``, ``document_kind_update``).
The AM drafts a document (``document_create``), edits it while it is a draft (``document_update``,
the act's lines), and sends it (``document_send``), which registers it: the number comes from the
kind's series, gapless per year, taken under the counter's lock in the same transaction. The client
answers in the portal (``document_accept``, ``document_dispute``); the AM may record a signature
given on paper (``document_accept`` with ``in_portal=False``), reopen a sent or disputed document to
correct it (``document_reopen``, keeping its number), record a refusal (``document_reject``), put a
signed contract in force (``document_activate``), end it (``contract_terminate``) and archive what is
done with (``document_archive``). A frozen document is corrected by a new version
(``document_revise``) or an addendum. Files are added as versions (``document_file_add``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Client
from khata.clients.services import client_touch
from khata.core.services import event_record, number_format_check, number_next
from khata.core.uploads import filename_safe, upload_check
from khata.documents.models import (
    ActLine,
    Behaviour,
    Document,
    DocumentDecision,
    DocumentFile,
    DocumentKind,
)
from khata.documents.notify import document_sent_email_task
from khata.documents.policies import (
    answering_contact,
    can_create_documents,
    can_edit_document,
    can_edit_document_kinds,
)
from khata.people.models import User
from khata.plans.models import PlanItem, Project
from khata.plans.policies import can_edit_project
from khata.production.models import StatusReport, Task


class DocumentError(ValidationError):
    """A refused change of a document; carries field errors like a form."""


def _refuse(field: str, message: str) -> DocumentError:
    return DocumentError({field: [message]})


# --- kinds ------------------------------------------------------------------------------------------

NUMBER_FORMAT_ERRORS = {
    "unknown": gettext_noop(
        "Only {year}, {yy} and {seq} (with an optional width such as {seq:04}) may be used."
    ),
    "seq": gettext_noop("The format needs {seq} exactly once."),
    "year": gettext_noop("The format needs {year} or {yy} exactly once: numbers restart every year."),
    "characters": gettext_noop(
        "Only capital letters A-Z, digits, / and - may be used around the placeholders."
    ),
    "length": gettext_noop("The longest number this format gives is over 16 characters."),
}


def _check_kind(values: dict[str, Any], *, instance: DocumentKind | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    for field in ("code", "name", "series", "number_format"):
        if field in cleaned:
            cleaned[field] = str(cleaned[field] or "").strip()
            if not cleaned[field]:
                errors.setdefault(field, []).append(_("This field is required."))
    if cleaned.get("series"):
        series = cleaned["series"] = cleaned["series"].upper()
        if not series.replace("-", "").isalnum() or not series.isascii() or len(series) > 8:
            errors.setdefault("series", []).append(_("Use up to 8 capital letters and digits."))
        elif (
            DocumentKind.objects.filter(series=series)
            .exclude(pk=instance.pk if instance is not None else 0)
            .exists()
        ):
            errors.setdefault("series", []).append(_("Another kind already uses this series."))
    if cleaned.get("code") and (
        DocumentKind.objects.filter(code=cleaned["code"])
        .exclude(pk=instance.pk if instance is not None else 0)
        .exists()
    ):
        errors.setdefault("code", []).append(_("Another kind already uses this code."))
    if cleaned.get("number_format"):
        problem = number_format_check(cleaned["number_format"])
        if problem is not None:
            errors.setdefault("number_format", []).append(_(NUMBER_FORMAT_ERRORS[problem]))
    if "behaviour" in cleaned and cleaned["behaviour"] not in Behaviour.values:
        errors.setdefault("behaviour", []).append(_("Choose how documents of this kind behave."))
    series_changed = instance is not None and "series" in cleaned and cleaned["series"] != instance.series
    if series_changed and instance is not None and instance.documents.exclude(number="").exists():
        errors.setdefault("series", []).append(
            _("Documents of this kind are registered in this series: it cannot change.")
        )
    behaviour_changed = (
        instance is not None and "behaviour" in cleaned and cleaned["behaviour"] != instance.behaviour
    )
    if behaviour_changed and instance is not None and instance.documents.exists():
        errors.setdefault("behaviour", []).append(_("This kind has documents: how it behaves cannot change."))
    if errors:
        raise DocumentError(errors)
    return cleaned


@transaction.atomic
def document_kind_create(*, by: User, **values: Any) -> DocumentKind:
    """A new kind of document with its own series (head only)."""
    if not can_edit_document_kinds(by):
        raise _refuse("by", _("Only the head of accounts can change the kinds of documents."))
    for field in ("code", "name", "series", "number_format", "behaviour"):
        values.setdefault(field, "")
    cleaned = _check_kind(values, instance=None)
    kind = DocumentKind.objects.create(**cleaned)
    event_record(
        kind="documents.kind_created",
        summary=gettext_noop("Document kind %(name)s added"),
        params={"name": kind.name},
        by=by,
        subject=kind,
    )
    return kind


@transaction.atomic
def document_kind_update(*, kind: DocumentKind, by: User, **values: Any) -> DocumentKind:
    """Rename a kind, change its number format or take it out of use (head only)."""
    if not can_edit_document_kinds(by):
        raise _refuse("by", _("Only the head of accounts can change the kinds of documents."))
    kind = DocumentKind.objects.select_for_update().get(pk=kind.pk)
    cleaned = _check_kind(values, instance=kind)
    for field, value in cleaned.items():
        setattr(kind, field, value)
    kind.save()
    event_record(
        kind="documents.kind_changed",
        summary=gettext_noop("Document kind %(name)s changed"),
        params={"name": kind.name},
        by=by,
        subject=kind,
    )
    return kind


# --- drafts -----------------------------------------------------------------------------------------

EDITABLE_FIELDS = (
    "title",
    "date",
    "project",
    "contract",
    "note",
    "parties",
    "start_date",
    "end_date",
    "auto_renew",
    "renewal_months",
    "notice_days",
    "period_start",
    "period_end",
    "milestone",
    "amount_minor",
)
CONTRACT_FIELDS = ("parties", "start_date", "end_date", "auto_renew", "renewal_months", "notice_days")
ACT_FIELDS = ("period_start", "period_end", "milestone")
# The ends of a period, checked one against the other.
PAIRED_FIELDS = (("start_date", "end_date"), ("period_start", "period_end"))


def _check_fields(values: dict[str, Any], *, kind: DocumentKind, client: Client) -> dict[str, Any]:
    """The fields of a draft, checked against its kind and client; raise with every problem at once."""
    errors: dict[str, list[str]] = {}

    def refuse(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise DocumentError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    cleaned = dict(values)
    if "title" in cleaned:
        cleaned["title"] = str(cleaned["title"] or "").strip()
        if not cleaned["title"]:
            refuse("title", _("This field is required."))
        elif len(cleaned["title"]) > 200:
            refuse("title", _("Keep the title under 200 characters."))
    if "date" in cleaned and cleaned["date"] is None:
        refuse("date", _("This field is required."))
    project = cleaned.get("project")
    if project is not None and project.client_id != client.pk:
        refuse("project", _("This project belongs to another client."))
    contract = cleaned.get("contract")
    if contract is not None:
        if contract.client_id != client.pk:
            refuse("contract", _("This contract belongs to another client."))
        elif contract.kind.behaviour != Behaviour.CONTRACT:
            refuse("contract", _("Choose a contract, an addendum or an agreement."))
    if not kind.is_contract:
        for field in CONTRACT_FIELDS:
            if cleaned.get(field) not in (None, "", False):
                refuse(field, _("Only contracts and agreements have this."))
    if not kind.is_act:
        for field in ACT_FIELDS:
            if cleaned.get(field) is not None:
                refuse(field, _("Only acts of completed work have this."))
    start, end = cleaned.get("start_date"), cleaned.get("end_date")
    if start is not None and end is not None and end < start:
        refuse("end_date", _("The end date comes before the start date."))
    if cleaned.get("renewal_months") is not None and not cleaned.get("auto_renew"):
        refuse("renewal_months", _("Set a renewal period only for a contract that renews automatically."))
    notice = cleaned.get("notice_days")
    if notice is not None and (notice < 0 or notice > 730):
        refuse("notice_days", _("Give a notice period between 0 and 730 days."))
    period_start, period_end = cleaned.get("period_start"), cleaned.get("period_end")
    if period_start is not None and period_end is not None and period_end < period_start:
        refuse("period_end", _("The period ends before it starts."))
    milestone = cleaned.get("milestone")
    if milestone is not None and (project is None or milestone.version.project_id != project.pk):
        refuse("milestone", _("Choose a milestone of this document's project."))
    amount = cleaned.get("amount_minor")
    if amount is not None:
        if kind.is_act:
            refuse("amount_minor", _("An act's amount is the sum of its lines."))
        elif amount < 0:
            refuse("amount_minor", _("The amount cannot be negative."))
    if errors:
        raise DocumentError(errors)
    return cleaned


def _event(document: Document, *, kind: str, summary: str, by: User | None, **params: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"document": document.number or document.title, "kind": document.kind.name, **params},
        by=by,
        client=document.client,
        subject=document,
    )


@transaction.atomic
def document_create(*, by: User, kind: DocumentKind, client: Client, title: str, **values: Any) -> Document:
    """A new draft document of a client (no number until it is registered)."""
    if not can_create_documents(by):
        raise _refuse("by", _("You cannot create documents."))
    if not kind.active:
        raise _refuse("kind", _("This kind of document is no longer in use."))
    document = Document(kind=kind, client=client, title=title, currency=client.currency, created_by=by)
    if not can_edit_document(by, document):
        raise _refuse("client", _("You cannot create documents for this client."))
    cleaned = _check_fields({"title": title, **values}, kind=kind, client=client)
    for field, value in cleaned.items():
        setattr(document, field, value)
    document.save()
    _event(document, kind="documents.created", summary=gettext_noop("%(kind)s %(document)s drafted"), by=by)
    return document


def _locked(document: Document) -> Document:
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("kind", "client", "project")
        .get(pk=document.pk)
    )


def _editable(document: Document, by: User) -> Document:
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if not document.is_draft:
        if document.is_frozen:
            raise _refuse(
                "document",
                _("A %(status)s document is frozen: correct it with a new version or an addendum.")
                % {"status": document.get_status_display().lower()},
            )
        raise _refuse("document", _("Only a draft can be changed: reopen the document to correct it."))
    return document


@transaction.atomic
def document_update(*, document: Document, by: User, **values: Any) -> Document:
    """Change a draft's fields."""
    document = _editable(document, by)
    merged = {field: getattr(document, field) for field in ("project", "contract") if field not in values}
    # One end of a period is checked against the other as stored (a PATCH may send only one).
    for pair in PAIRED_FIELDS:
        if any(field in values for field in pair):
            merged |= {field: getattr(document, field) for field in pair if field not in values}
    cleaned = _check_fields({**merged, **values}, kind=document.kind, client=document.client)
    changed = []
    for field, value in cleaned.items():
        if getattr(document, field) != value:
            setattr(document, field, value)
            changed.append(field)
    if changed:
        document.save(update_fields=changed)
        _event(
            document, kind="documents.changed", summary=gettext_noop("%(kind)s %(document)s changed"), by=by
        )
    return document


@transaction.atomic
def document_discard(*, document: Document, by: User) -> None:
    """Delete a draft that was never registered."""
    document = _editable(document, by)
    if document.number:
        raise _refuse("document", _("A registered document is kept: archive it instead."))
    _event(
        document, kind="documents.discarded", summary=gettext_noop("%(kind)s %(document)s discarded"), by=by
    )
    document.delete()


# --- act lines --------------------------------------------------------------------------------------


def _act(document: Document, by: User) -> Document:
    document = _editable(document, by)
    if not document.kind.is_act:
        raise _refuse("document", _("Only an act of completed work has lines."))
    return document


def _recount(document: Document) -> None:
    total = document.lines.aggregate(total=Sum("amount_minor"))["total"] or 0
    Document.objects.filter(pk=document.pk).update(amount_minor=total)
    document.amount_minor = total


def _check_line(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    if "deliverable" in cleaned:
        cleaned["deliverable"] = str(cleaned["deliverable"] or "").strip()
        if not cleaned["deliverable"]:
            errors["deliverable"] = [_("This field is required.")]
        elif len(cleaned["deliverable"]) > 200:
            errors["deliverable"] = [_("Keep the deliverable under 200 characters.")]
    minutes = cleaned.get("minutes")
    if minutes is not None and not (0 <= int(minutes) <= 100_000 * 60):
        errors["minutes"] = [_("Give the time as a number of hours between 0 and 100,000.")]
    amount = cleaned.get("amount_minor")
    if amount is not None and not (0 <= int(amount) <= 10**15):
        errors["amount_minor"] = [_("The amount cannot be negative.")]
    if errors:
        raise DocumentError(errors)
    return cleaned


@transaction.atomic
def act_line_add(
    *, document: Document, by: User, deliverable: str, minutes: int = 0, amount_minor: int = 0
) -> ActLine:
    """A line typed by hand on a draft act."""
    document = _act(document, by)
    cleaned = _check_line({"deliverable": deliverable, "minutes": minutes, "amount_minor": amount_minor})
    position = (document.lines.aggregate(last=Max("position"))["last"] or 0) + 1
    line = ActLine.objects.create(document=document, position=position, **cleaned)
    _recount(document)
    _event(
        document,
        kind="documents.line_added",
        summary=gettext_noop("Line %(line)s added to %(kind)s %(document)s"),
        by=by,
        line=line.deliverable,
    )
    return line


@transaction.atomic
def act_line_update(*, line: ActLine, by: User, **values: Any) -> ActLine:
    """Change a line of a draft act: its wording, time or amount."""
    document = _act(line.document, by)
    line = ActLine.objects.select_for_update().get(pk=line.pk, document=document)
    unknown = set(values) - {"deliverable", "minutes", "amount_minor", "position"}
    if unknown:
        raise DocumentError({name: [_("This field cannot be set here.")] for name in sorted(unknown)})
    cleaned = _check_line(values)
    for field, value in cleaned.items():
        setattr(line, field, value)
    line.save()
    _recount(document)
    _event(
        document,
        kind="documents.line_changed",
        summary=gettext_noop("Line %(line)s of %(kind)s %(document)s changed"),
        by=by,
        line=line.deliverable,
    )
    return line


@transaction.atomic
def act_line_remove(*, line: ActLine, by: User) -> None:
    """Take a line off a draft act."""
    document = _act(line.document, by)
    ActLine.objects.filter(pk=line.pk, document=document).delete()
    _recount(document)
    _event(
        document,
        kind="documents.line_removed",
        summary=gettext_noop("Line %(line)s taken off %(kind)s %(document)s"),
        by=by,
        line=line.deliverable,
    )


def tasks_on_other_acts(project: Project, *, exclude: Document | None = None) -> set[int]:
    """Tasks of the project already on an act that still stands (not rejected, not replaced)."""
    lines = ActLine.objects.filter(document__project=project, task__isnull=False).exclude(
        document__status=Document.Status.REJECTED
    )
    if exclude is not None:
        lines = lines.exclude(document=exclude)
    return set(lines.values_list("task_id", flat=True))


def items_on_other_acts(project: Project, *, exclude: Document | None = None) -> set[int]:
    lines = ActLine.objects.filter(document__project=project, plan_item__isnull=False).exclude(
        document__status=Document.Status.REJECTED
    )
    if exclude is not None:
        lines = lines.exclude(document=exclude)
    return set(lines.values_list("plan_item_id", flat=True))


@transaction.atomic
def act_lines_from_project(
    *,
    document: Document,
    by: User,
    task_ids: Sequence[int] = (),
    plan_item_ids: Sequence[int] = (),
) -> list[ActLine]:
    """Lines for the chosen done tasks and agreed plan items of the act's project.

    A task's line takes the time logged on it and the price of its plan item; a plan item's line
    its estimate and price. Nothing is added twice, and nothing already on another act that stands.
    """
    document = _act(document, by)
    project = document.project
    if project is None:
        raise _refuse("project", _("Choose the act's project first."))
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project."))
    wanted_tasks, wanted_items = list(dict.fromkeys(task_ids)), list(dict.fromkeys(plan_item_ids))
    if not wanted_tasks and not wanted_items:
        raise _refuse("tasks", _("Choose at least one done task or plan item."))
    tasks = list(
        Task.objects.filter(pk__in=wanted_tasks, project=project)
        .select_related("plan_item")
        .annotate(logged=Sum("time_logs__minutes"))
        .order_by("done_at", "id")
    )
    items = list(PlanItem.objects.filter(pk__in=wanted_items, version__project=project).order_by("id"))
    errors: dict[str, list[str]] = {}
    if len(tasks) != len(wanted_tasks):
        errors["tasks"] = [_("Some of the chosen tasks are not tasks of this project.")]
    elif any(task.status != Task.Status.DONE for task in tasks):
        errors["tasks"] = [
            _("Only done tasks go on an act: %(titles)s is not done.")
            % {"titles": ", ".join(t.title for t in tasks if t.status != Task.Status.DONE)}
        ]
    if len(items) != len(wanted_items):
        errors["plan_items"] = [_("Some of the chosen plan items are not items of this project's plan.")]
    taken_tasks = tasks_on_other_acts(project, exclude=document) | set(
        document.lines.filter(task__isnull=False).values_list("task_id", flat=True)
    )
    taken_items = items_on_other_acts(project, exclude=document) | set(
        document.lines.filter(plan_item__isnull=False).values_list("plan_item_id", flat=True)
    )
    if not errors.get("tasks") and any(task.pk in taken_tasks for task in tasks):
        errors["tasks"] = [
            _("Already on an act: %(titles)s.")
            % {"titles": ", ".join(t.title for t in tasks if t.pk in taken_tasks)}
        ]
    if not errors.get("plan_items") and any(item.pk in taken_items for item in items):
        errors["plan_items"] = [
            _("Already on an act: %(titles)s.")
            % {"titles": ", ".join(i.deliverable for i in items if i.pk in taken_items)}
        ]
    if errors:
        raise DocumentError(errors)
    position = document.lines.aggregate(last=Max("position"))["last"] or 0
    lines = []
    for task in tasks:
        position += 1
        lines.append(
            ActLine(
                document=document,
                position=position,
                deliverable=task.title[:200],
                minutes=int(task.logged or 0),
                amount_minor=task.plan_item.price_minor if task.plan_item is not None else 0,
                task=task,
                plan_item=task.plan_item,
            )
        )
    for item in items:
        position += 1
        lines.append(
            ActLine(
                document=document,
                position=position,
                deliverable=item.deliverable[:200],
                minutes=item.estimate_minutes,
                amount_minor=item.price_minor,
                plan_item=item,
            )
        )
    ActLine.objects.bulk_create(lines)
    _recount(document)
    _event(
        document,
        kind="documents.lines_added",
        summary=gettext_noop("Lines added to %(kind)s %(document)s from done work: %(count)s"),
        by=by,
        count=len(lines),
    )
    return lines


# --- registration and sending -----------------------------------------------------------------------


def _register(document: Document) -> None:
    """Give the document its number; inside the caller's transaction, under the counter's lock."""
    if document.number:
        return
    kind = document.kind
    document.number = number_next(series=kind.series, on=document.date, fmt=kind.number_format)
    document.registered_at = timezone.now()


def _check_ready(document: Document) -> None:
    errors: dict[str, list[str]] = {}
    if document.kind.is_act:
        if document.project_id is None:
            errors["project"] = [_("An act needs its project.")]
        if not document.lines.exists():
            errors["lines"] = [_("An act needs at least one line.")]
        if document.period_start is None and document.milestone_id is None:
            errors["period_start"] = [_("Give the act's period or its milestone.")]
    if document.kind.is_contract and document.start_date is None:
        errors["start_date"] = [_("A contract needs its start date.")]
    if errors:
        raise DocumentError(errors)


@transaction.atomic
def document_send(*, document: Document, by: User, note: str = "", site_url: str = "") -> Document:
    """Register the document (if it has no number yet) and send it to the client.

    A disputed document may be sent again as it is, with the AM's answer in ``note``. Once the
    transaction is committed, the contacts who answer for the client are emailed in the background
    (``notify.document_sent_email_task``); ``site_url`` makes the portal link absolute.
    """
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in (Document.Status.DRAFT, Document.Status.DISPUTED):
        raise _refuse("document", _("Only a draft or a disputed document can be sent."))
    _check_ready(document)
    _register(document)
    # A kind the client does not answer (a report, a letter) is in force once it is sent.
    document.status = Document.Status.SENT if document.kind.needs_client_answer else Document.Status.ACTIVE
    document.sent_at = timezone.now()
    document.save(update_fields=["number", "registered_at", "status", "sent_at"])
    note = note.strip()
    _event(
        document,
        kind="documents.sent",
        summary=gettext_noop("%(kind)s %(document)s sent to the client"),
        by=by,
        note=note,
    )
    if document.status == Document.Status.SENT:
        sent_id, by_id = document.pk, by.pk
        transaction.on_commit(
            lambda: document_sent_email_task.enqueue(document_id=sent_id, by_id=by_id, site_url=site_url)
        )
    return document


@transaction.atomic
def document_reopen(*, document: Document, by: User, reason: str = "") -> Document:
    """Take a sent or disputed document back to draft to correct it; it keeps its number."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in Document.WAITING:
        raise _refuse("document", _("Only a sent or disputed document can be reopened."))
    document.status = Document.Status.DRAFT
    document.save(update_fields=["status"])
    _event(
        document,
        kind="documents.reopened",
        summary=gettext_noop("%(kind)s %(document)s reopened for correction"),
        by=by,
        reason=reason.strip(),
    )
    return document


# --- the client's answer ----------------------------------------------------------------------------


def _answer_check(document: Document, by: User, *, in_portal: bool) -> None:
    if in_portal:
        if answering_contact(by, document) is None:
            raise _refuse("document", _("You cannot answer this document for your company."))
    elif not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in Document.WAITING:
        raise _refuse("document", _("This document is not waiting for the client's answer."))


def _archive_replaced(document: Document, by: User) -> None:
    old = document.replaces
    if old is None:
        return
    old = _locked(old)
    if old.status in (Document.Status.ARCHIVED, Document.Status.TERMINATED):
        return
    old.status = Document.Status.ARCHIVED
    old.save(update_fields=["status"])
    _event(
        old,
        kind="documents.archived",
        summary=gettext_noop("%(kind)s %(document)s archived: replaced by %(new)s"),
        by=by,
        new=document.number,
    )


@transaction.atomic
def document_accept(
    *, document: Document, by: User, name: str, ip_address: str | None = None, in_portal: bool = True
) -> DocumentDecision:
    """The client accepts a sent document (a contract-like one is signed): who, when, from where.

    In the portal the contact types its name; without the portal the AM records a signature given
    on paper, with the signatory's name.
    """
    document = _locked(document)
    _answer_check(document, by, in_portal=in_portal)
    name = (name or "").strip()
    if not name:
        raise _refuse("name", _("Type the name of the person who accepts."))
    if len(name) > 150:
        raise _refuse("name", _("Keep the name under 150 characters."))
    signed = document.kind.is_contract
    decision = DocumentDecision.objects.create(
        document=document,
        decision=DocumentDecision.Decision.SIGNED if signed else DocumentDecision.Decision.ACCEPTED,
        by=by,
        name=name,
        ip_address=ip_address or None,
        in_portal=in_portal,
    )
    document.status = Document.Status.SIGNED if signed else Document.Status.ACCEPTED
    document.decided_at = decision.at
    document.save(update_fields=["status", "decided_at"])
    _event(
        document,
        kind="documents.signed" if signed else "documents.accepted",
        summary=gettext_noop("%(kind)s %(document)s signed by %(name)s")
        if signed
        else gettext_noop("%(kind)s %(document)s accepted by %(name)s"),
        by=by,
        name=name,
    )
    _archive_replaced(document, by)
    if in_portal:
        client_touch(client=document.client, by=by)
    return decision


@transaction.atomic
def document_dispute(
    *, document: Document, by: User, reason: str, name: str = "", ip_address: str | None = None
) -> DocumentDecision:
    """The client disputes a sent document, saying why; it waits for the AM until resolved."""
    document = _locked(document)
    _answer_check(document, by, in_portal=True)
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say what is wrong, so that the agency can put it right."))
    if len(reason) > 4000:
        raise _refuse("reason", _("Keep the reason under 4,000 characters."))
    if document.status == Document.Status.DISPUTED:
        raise _refuse("document", _("This document is already disputed; the agency is looking into it."))
    decision = DocumentDecision.objects.create(
        document=document,
        decision=DocumentDecision.Decision.DISPUTED,
        by=by,
        name=(name or by.full_name).strip()[:150],
        ip_address=ip_address or None,
        reason=reason,
        in_portal=True,
    )
    document.status = Document.Status.DISPUTED
    document.decided_at = decision.at
    document.save(update_fields=["status", "decided_at"])
    _event(
        document,
        kind="documents.disputed",
        summary=gettext_noop("%(kind)s %(document)s disputed by %(name)s: %(reason)s"),
        by=by,
        name=decision.name,
        reason=reason[:200],
    )
    client_touch(client=document.client, by=by)
    return decision


@transaction.atomic
def document_reject(*, document: Document, by: User, reason: str) -> Document:
    """Record that the client refused the document for good."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in Document.WAITING:
        raise _refuse("document", _("Only a sent or disputed document can be marked rejected."))
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the client refused it."))
    DocumentDecision.objects.create(
        document=document,
        decision=DocumentDecision.Decision.REJECTED,
        by=by,
        name=by.full_name,
        reason=reason,
    )
    document.status = Document.Status.REJECTED
    document.decided_at = timezone.now()
    document.save(update_fields=["status", "decided_at"])
    _event(
        document,
        kind="documents.rejected",
        summary=gettext_noop("%(kind)s %(document)s rejected: %(reason)s"),
        by=by,
        reason=reason[:200],
    )
    return document


# --- after signing ----------------------------------------------------------------------------------


@transaction.atomic
def document_activate(*, document: Document, by: User) -> Document:
    """Put a signed contract in force."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status != Document.Status.SIGNED:
        raise _refuse("document", _("Only a signed contract can be put in force."))
    document.status = Document.Status.ACTIVE
    document.save(update_fields=["status"])
    _event(
        document, kind="documents.activated", summary=gettext_noop("%(kind)s %(document)s in force"), by=by
    )
    return document


@transaction.atomic
def contract_terminate(*, document: Document, by: User, on: dt.date, reason: str) -> Document:
    """End a signed or active contract before (or at) its end date."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if not document.kind.is_contract or document.status not in (
        Document.Status.SIGNED,
        Document.Status.ACTIVE,
    ):
        raise _refuse("document", _("Only a signed or active contract can be terminated."))
    reason = (reason or "").strip()
    if not reason:
        raise _refuse("reason", _("Say why the contract ends."))
    if document.start_date is not None and on < document.start_date:
        raise _refuse("on", _("A contract cannot end before it starts."))
    document.status = Document.Status.TERMINATED
    document.terminated_on = on
    document.save(update_fields=["status", "terminated_on"])
    _event(
        document,
        kind="documents.terminated",
        summary=gettext_noop("%(kind)s %(document)s terminated on %(on)s: %(reason)s"),
        by=by,
        on=on.isoformat(),
        reason=reason[:200],
    )
    return document


@transaction.atomic
def document_archive(*, document: Document, by: User) -> Document:
    """Put away a document that is done with."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in (Document.Status.ACCEPTED, Document.Status.SIGNED, Document.Status.ACTIVE):
        raise _refuse("document", _("Only an accepted, signed or active document can be archived."))
    document.status = Document.Status.ARCHIVED
    document.save(update_fields=["status"])
    _event(document, kind="documents.archived", summary=gettext_noop("%(kind)s %(document)s archived"), by=by)
    return document


@transaction.atomic
def document_revise(*, document: Document, by: User) -> Document:
    """A new draft that corrects a frozen document; the old one is archived once this is answered."""
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status not in (Document.Status.SIGNED, Document.Status.ACCEPTED, Document.Status.ACTIVE):
        raise _refuse(
            "document", _("Only a signed, accepted or active document is corrected by a new version.")
        )
    if document.replaced_by.exclude(status=Document.Status.REJECTED).exists():
        raise _refuse("document", _("A new version of this document already exists."))
    fields = {field: getattr(document, field) for field in EDITABLE_FIELDS}
    copy = Document.objects.create(
        kind=document.kind,
        client=document.client,
        currency=document.currency,
        created_by=by,
        replaces=document,
        **{**fields, "date": timezone.localdate()},
    )
    ActLine.objects.bulk_create(
        ActLine(
            document=copy,
            position=line.position,
            deliverable=line.deliverable,
            minutes=line.minutes,
            amount_minor=line.amount_minor,
            task_id=line.task_id,
            plan_item_id=line.plan_item_id,
        )
        for line in document.lines.all()
    )
    _event(
        copy,
        kind="documents.revised",
        summary=gettext_noop("New version of %(kind)s %(old)s drafted"),
        by=by,
        old=document.number,
    )
    return copy


# --- files ------------------------------------------------------------------------------------------


@transaction.atomic
def document_file_add(*, document: Document, by: User, file: UploadedFile, note: str = "") -> DocumentFile:
    """A new version of the document's file, judged by its content; earlier versions are kept.

    A signed scan may be added to a frozen document: files are versions, nothing is overwritten.
    """
    document = _locked(document)
    if not can_edit_document(by, document):
        raise _refuse("document", _("You cannot change this document."))
    if document.status in (Document.Status.ARCHIVED, Document.Status.TERMINATED, Document.Status.REJECTED):
        raise _refuse("file", _("This document is closed: no files can be added."))
    note = (note or "").strip()
    if len(note) > 200:
        raise _refuse("note", _("Keep the note under 200 characters."))
    try:
        info = upload_check(file)
    except ValidationError as error:
        raise DocumentError({"file": list(error.messages)}) from None
    name = filename_safe(file.name or "", default=f"document.{info.extension}")
    version = (document.files.aggregate(last=Max("version"))["last"] or 0) + 1
    stored = DocumentFile(
        document=document,
        version=version,
        name=name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        note=note,
        uploaded_by=by,
    )
    stored.file.save(f"{info.sha256[:16]}.{info.extension}", file, save=False)
    stored.save()
    _event(
        document,
        kind="documents.file_added",
        summary=gettext_noop("File %(name)s (version %(version)s) added to %(kind)s %(document)s"),
        by=by,
        name=name,
        version=version,
    )
    return stored


# --- reports ----------------------------------------------------------------------------------------


@transaction.atomic
def report_from_status_report(
    *, status_report: StatusReport, by: User, kind: DocumentKind | None = None
) -> Document:
    """A report document for a published status report of a project (once per status report).

    Without ``kind`` it takes the first kind of report in use. The document is a draft: sending it
    registers it and shares it with the client.
    """
    if kind is None:
        kind = (
            DocumentKind.objects.filter(behaviour=Behaviour.REPORT, active=True)
            .order_by("position", "pk")
            .first()
        )
        if kind is None:
            raise _refuse("kind", _("No kind of report is in use: ask the head of accounts to add one."))
    if kind.behaviour != Behaviour.REPORT:
        raise _refuse("kind", _("Choose a kind of report."))
    if status_report.status != StatusReport.Status.PUBLISHED:
        raise _refuse("status_report", _("Only a published status report becomes a document."))
    if Document.objects.filter(status_report=status_report).exists():
        raise _refuse("status_report", _("This status report is already in the register."))
    project = status_report.project
    document = document_create(
        by=by,
        kind=kind,
        client=project.client,
        title=_("Status report %(number)s: %(project)s")
        % {"number": status_report.number, "project": project.name},
        project=project,
        date=status_report.period_end,
    )
    document.status_report = status_report
    document.save(update_fields=["status_report"])
    return document
