"""Every write of briefs and tasks. Each is atomic, locks the row it changes and leaves a timeline
event on the project's client; a refused move raises ``ProductionError`` and changes nothing.

Briefs: the head keeps the templates (``brief_template_create``, ``brief_question_add``); the AM
sends one to a contact of the project's client (``brief_send``); the contact saves answers as often
as they like (``brief_answer_save``) and submits the brief when every required question is answered
(``brief_submit``). A project leaves the brief stage only with its briefs complete or with the AM's
recorded reason (``project_leave_brief_stage``).

Tasks: an agreed plan's items become tasks (``tasks_from_plan``, once per item); the AM assigns
each to a specialist of its specialty (``task_assign``, helped by ``assignee_suggest``); the
assignee or the AM moves it along the allowed transitions (``task_move``); the assignee logs time
(``time_log``); anyone who sees the task may comment (``task_comment_add``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Contact
from khata.clients.services import client_touch
from khata.core.services import event_record
from khata.core.uploads import filename_safe, upload_check
from khata.people.models import User
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.plans.policies import can_edit_project
from khata.plans.services import PlanError, project_set_stage
from khata.production.models import (
    Brief,
    BriefAnswer,
    BriefQuestion,
    BriefTemplate,
    Task,
    TaskAttachment,
    TaskComment,
    TimeLog,
)
from khata.production.policies import (
    brief_contact,
    can_attach_task,
    can_comment_task,
    can_edit_brief_templates,
    can_log_time,
    can_manage_task,
    can_move_task,
)
from khata.production.selectors import week_start


class ProductionError(ValidationError):
    """A refused move on a brief or a task; carries field errors like a form."""


def _refuse(field: str, message: str) -> ProductionError:
    return ProductionError({field: [message]})


# --- brief templates ------------------------------------------------------------------------------


@transaction.atomic
def brief_template_create(*, by: User, service: str, name: str, active: bool = True) -> BriefTemplate:
    """A new brief template for a service (head only)."""
    if not can_edit_brief_templates(by):
        raise _refuse("by", _("Only the head of accounts can edit brief templates."))
    errors: dict[str, list[str]] = {}
    service, name = service.strip(), name.strip()
    if not service:
        errors.setdefault("service", []).append(_("This field is required."))
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    if errors:
        raise ProductionError(errors)
    template = BriefTemplate.objects.create(service=service, name=name, active=active)
    event_record(
        kind="production.brief_template_created",
        summary=gettext_noop("Brief template %(name)s created"),
        params={"name": template.name},
        by=by,
        subject=template,
        data={"service": service},
    )
    return template


def _check_question(
    text: str, kind: str, choices: list[str] | None
) -> tuple[str, list[str], dict[str, list[str]]]:
    """A question's cleaned wording and choices, and what is wrong with them, field by field."""
    errors: dict[str, list[str]] = {}
    text = text.strip()
    options = [str(option).strip() for option in (choices or []) if str(option).strip()]
    if not text:
        errors.setdefault("text", []).append(_("This field is required."))
    if kind not in BriefQuestion.Kind.values:
        errors.setdefault("kind", []).append(_("Unknown kind of question."))
    if kind == BriefQuestion.Kind.CHOICE and len(set(options)) < 2:
        errors.setdefault("choices", []).append(_("A choice question needs at least two choices."))
    if kind != BriefQuestion.Kind.CHOICE and options:
        errors.setdefault("choices", []).append(_("Only a choice question has choices."))
    return text, options, errors


@transaction.atomic
def brief_question_add(
    *,
    template: BriefTemplate,
    by: User,
    text: str,
    kind: str = BriefQuestion.Kind.TEXT,
    choices: list[str] | None = None,
    required: bool = False,
    order: int | None = None,
) -> BriefQuestion:
    """Add a question to a template (head only); a choice question needs at least two choices."""
    if not can_edit_brief_templates(by):
        raise _refuse("by", _("Only the head of accounts can edit brief templates."))
    template = BriefTemplate.objects.select_for_update().get(pk=template.pk)
    text, options, errors = _check_question(text, kind, choices)
    if errors:
        raise ProductionError(errors)
    if order is None:
        order = (template.questions.aggregate(last=Max("order"))["last"] or 0) + 1
    question = BriefQuestion.objects.create(
        template=template, order=order, text=text, kind=kind, choices=options, required=required
    )
    event_record(
        kind="production.brief_question_added",
        summary=gettext_noop("Question added to brief template %(name)s"),
        params={"name": template.name},
        by=by,
        subject=template,
        data={"question": question.pk, "kind": kind},
    )
    return question


def _template_locked(template: BriefTemplate, by: User) -> BriefTemplate:
    if not can_edit_brief_templates(by):
        raise _refuse("by", _("Only the head of accounts can edit brief templates."))
    return BriefTemplate.objects.select_for_update().get(pk=template.pk)


def _template_event(template: BriefTemplate, *, kind: str, summary: str, by: User, **data: Any) -> None:
    event_record(
        kind=kind, summary=summary, params={"name": template.name}, by=by, subject=template, data=data
    )


@transaction.atomic
def brief_template_update(
    *, template: BriefTemplate, by: User, name: str, service: str, active: bool
) -> BriefTemplate:
    """Rename a template, move it to another service, or take it out of use (head only).

    A template out of use can no longer be sent; briefs already sent keep it and stay answerable.
    """
    template = _template_locked(template, by)
    errors: dict[str, list[str]] = {}
    name, service = name.strip(), service.strip()
    if not name:
        errors.setdefault("name", []).append(_("This field is required."))
    if not service:
        errors.setdefault("service", []).append(_("This field is required."))
    if errors:
        raise ProductionError(errors)
    before = {"name": template.name, "service": template.service, "active": template.active}
    template.name, template.service, template.active = name, service, active
    template.save(update_fields=["name", "service", "active"])
    after = {"name": name, "service": service, "active": active}
    changed = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changed:
        _template_event(
            template,
            kind="production.brief_template_changed",
            summary=gettext_noop("Brief template %(name)s changed"),
            by=by,
            changed=changed,
        )
    return template


def _answered_values(question: BriefQuestion) -> set[str]:
    """The values sent briefs hold for this question (files count as the empty string)."""
    rows = BriefAnswer.objects.filter(question=question).exclude(value="", file="")
    return {value for value, file in rows.values_list("value", "file") if value or file}


@transaction.atomic
def brief_question_update(
    *,
    question: BriefQuestion,
    by: User,
    text: str,
    kind: str,
    choices: list[str] | None = None,
    required: bool = False,
) -> BriefQuestion:
    """Reword a question, change its kind, choices or whether it is required (head only).

    Once sent briefs hold answers to it, its kind stays and a choice someone picked stays, so an
    answer never stops fitting its question; the wording and the required flag may still change.
    """
    _template_locked(question.template, by)
    question = BriefQuestion.objects.select_for_update().get(pk=question.pk)
    text, options, errors = _check_question(text, kind, choices)
    answered = _answered_values(question)
    if answered and kind != question.kind:
        errors.setdefault("kind", []).append(
            _("Sent briefs hold answers to this question: its kind cannot change.")
        )
    elif answered and kind == BriefQuestion.Kind.CHOICE:
        dropped = sorted(answered - set(options))
        if dropped:
            errors.setdefault("choices", []).append(
                _("Sent briefs hold these answers, keep them as choices: %(choices)s")
                % {"choices": ", ".join(dropped)}
            )
    if errors:
        raise ProductionError(errors)
    question.text, question.kind, question.choices, question.required = text, kind, options, required
    question.save(update_fields=["text", "kind", "choices", "required"])
    _template_event(
        question.template,
        kind="production.brief_question_changed",
        summary=gettext_noop("Question changed in brief template %(name)s"),
        by=by,
        question=question.pk,
    )
    return question


@transaction.atomic
def brief_question_remove(*, question: BriefQuestion, by: User) -> None:
    """Take a question out of a template (head only); refused once sent briefs hold answers to it."""
    template = _template_locked(question.template, by)
    question = BriefQuestion.objects.select_for_update().get(pk=question.pk)
    if _answered_values(question):
        raise _refuse(
            "question",
            _(
                "Sent briefs hold answers to this question, so it stays. Reword it, make it optional,"
                " or take the template out of use and make a new one."
            ),
        )
    BriefAnswer.objects.filter(question=question).delete()  # only empty answers are left
    pk = question.pk
    question.delete()
    _template_event(
        template,
        kind="production.brief_question_removed",
        summary=gettext_noop("Question removed from brief template %(name)s"),
        by=by,
        question=pk,
    )


@transaction.atomic
def brief_question_move(*, question: BriefQuestion, by: User, up: bool) -> BriefQuestion:
    """Move a question one place up or down in its template (head only)."""
    template = _template_locked(question.template, by)
    questions = list(BriefQuestion.objects.filter(template=template).order_by("order", "id"))
    index = next(n for n, q in enumerate(questions) if q.pk == question.pk)
    other = index - 1 if up else index + 1
    if 0 <= other < len(questions):
        questions[index], questions[other] = questions[other], questions[index]
    for order, row in enumerate(questions, start=1):
        row.order = order
    BriefQuestion.objects.bulk_update(questions, ["order"])
    _template_event(
        template,
        kind="production.brief_question_moved",
        summary=gettext_noop("Questions reordered in brief template %(name)s"),
        by=by,
        question=question.pk,
    )
    return questions[index if not (0 <= other < len(questions)) else other]


# --- briefs ---------------------------------------------------------------------------------------


def _brief_event(brief: Brief, *, kind: str, summary: str, by: User, **data: Any) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"template": brief.template.name, "project": brief.project.name},
        by=by,
        client=brief.project.client,
        subject=brief,
        data={"project": brief.project_id, **data},
    )


def _locked_brief(brief: Brief) -> Brief:
    return (
        Brief.objects.select_for_update()
        .select_related("project__client", "template", "sent_to")
        .get(pk=brief.pk)
    )


@transaction.atomic
def brief_send(*, project: Project, template: BriefTemplate, contact: Contact, by: User) -> Brief:
    """The AM sends a brief to a contact of the project's client who signs in to the portal."""
    project = Project.objects.select_for_update().select_related("client").get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot send briefs for this project."))
    if not template.active:
        raise _refuse("template", _("This brief template is no longer in use."))
    if contact.client_id != project.client_id:
        raise _refuse("contact", _("A brief goes to a contact of the project's client."))
    if not contact.portal_access or contact.user_id is None:
        raise _refuse("contact", _("This contact cannot sign in to the portal to answer a brief."))
    brief = Brief.objects.create(
        project=project,
        template=template,
        sent_to=contact,
        sent_by=by,
        status=Brief.Status.SENT,
        sent_at=timezone.now(),
    )
    _brief_event(
        brief,
        kind="production.brief_sent",
        summary=gettext_noop("Brief %(template)s of %(project)s sent to the client"),
        by=by,
        contact=contact.pk,
    )
    return brief


# A file answer: at most this size, and judged by its content (``khata.core.uploads``).
BRIEF_FILE_MAX_BYTES = 10 * 1024 * 1024


def _check_file(file: UploadedFile) -> None:
    """Refuse a file that is too big, of a kind we do not take, or not what its name says."""
    try:
        upload_check(file, max_bytes=BRIEF_FILE_MAX_BYTES)
    except ValidationError as error:
        raise _refuse("file", " ".join(error.messages)) from None


def _check_answer(question: BriefQuestion, value: str, file: UploadedFile | None) -> str:
    """The value to store, or the reason it does not fit the question's kind."""
    value = value.strip()
    kind = question.kind
    if kind == BriefQuestion.Kind.FILE:
        if value:
            raise _refuse("value", _("Attach a file to answer this question."))
        if file is not None:
            _check_file(file)
        return ""
    if file is not None:
        raise _refuse("file", _("This question is not answered with a file."))
    if not value:
        return ""
    if kind == BriefQuestion.Kind.NUMBER:
        try:
            number = Decimal(value.replace(",", ""))
        except InvalidOperation:
            raise _refuse("value", _("Enter a number.")) from None
        if not number.is_finite():
            raise _refuse("value", _("Enter a number."))
    elif kind == BriefQuestion.Kind.URL:
        try:
            URLValidator(schemes=["http", "https"])(value)
        except ValidationError:
            raise _refuse("value", _("Enter a web address starting with http:// or https://.")) from None
    elif kind == BriefQuestion.Kind.CHOICE and value not in question.choices:
        raise _refuse("value", _("Pick one of the offered choices."))
    return value


@transaction.atomic
def brief_answer_save(
    *, brief: Brief, by: User, question: BriefQuestion, value: str = "", file: UploadedFile | None = None
) -> BriefAnswer:
    """The contact saves one answer; the brief can be saved in parts and finished later."""
    brief = _locked_brief(brief)
    if brief_contact(by, brief) is None:
        raise _refuse("by", _("Only the contact this brief was sent to can answer it."))
    if brief.status != Brief.Status.SENT:
        raise _refuse("brief", _("This brief is not open for answers."))
    if question.template_id != brief.template_id:
        raise _refuse("question", _("This question belongs to another brief."))
    value = _check_answer(question, value, file)
    answer, _created = BriefAnswer.objects.get_or_create(brief=brief, question=question)
    answer.value = value
    if file is not None:
        answer.file = file
    answer.updated_at = timezone.now()
    answer.save()
    _brief_event(
        brief,
        kind="production.brief_answered",
        summary=gettext_noop("Answer saved in brief %(template)s of %(project)s"),
        by=by,
        question=question.pk,
    )
    client_touch(client=brief.project.client, by=by)
    return answer


@transaction.atomic
def brief_answers_save(
    *,
    brief: Brief,
    by: User,
    values: dict[int, str],
    files: dict[int, UploadedFile] | None = None,
) -> list[BriefAnswer]:
    """The contact saves the whole page of answers at once: all of them, or none if one is wrong.

    ``values`` and ``files`` are keyed by question id; a question left out keeps its answer, and an
    empty value clears a text answer (a saved file stays until another replaces it). A refusal names
    each wrong answer under ``q<question id>``.
    """
    brief = _locked_brief(brief)
    if brief_contact(by, brief) is None:
        raise _refuse("by", _("Only the contact this brief was sent to can answer it."))
    if brief.status != Brief.Status.SENT:
        raise _refuse("brief", _("This brief is not open for answers."))
    files = files or {}
    questions = {q.pk: q for q in BriefQuestion.objects.filter(template_id=brief.template_id)}
    if any(pk not in questions for pk in [*values, *files]):
        raise _refuse("question", _("This question belongs to another brief."))
    checked: dict[int, str] = {}
    errors: dict[str, list[str]] = {}
    for pk in sorted({*values, *files}):
        try:
            checked[pk] = _check_answer(questions[pk], values.get(pk, ""), files.get(pk))
        except ValidationError as error:
            errors[f"q{pk}"] = list(error.messages)
    if errors:
        raise ProductionError(errors)
    existing = {answer.question_id: answer for answer in BriefAnswer.objects.filter(brief=brief)}
    now = timezone.now()
    saved: list[BriefAnswer] = []
    for pk, value in checked.items():
        answer = existing.get(pk)
        file = files.get(pk)
        if answer is None:
            if not value and file is None:
                continue
            answer = BriefAnswer(brief=brief, question_id=pk)
        elif answer.value == value and file is None:
            continue
        answer.value = value
        if file is not None:
            answer.file = file
        answer.updated_at = now
        answer.save()
        saved.append(answer)
    if saved:
        _brief_event(
            brief,
            kind="production.brief_answered",
            summary=gettext_noop("Answers saved in brief %(template)s of %(project)s"),
            by=by,
            questions=[answer.question_id for answer in saved],
        )
        client_touch(client=brief.project.client, by=by)
    return saved


def brief_completeness(brief: Brief) -> tuple[int, int]:
    """How many required questions are answered, and how many there are (one query).

    The same count as the lists' ``with_completeness``, so a page and its panel never disagree.
    """
    from khata.production.brief_selectors import with_completeness

    annotated: Any = with_completeness(Brief.objects.filter(pk=brief.pk))  # the counts are annotations
    answered, required = annotated.values_list("answered_count", "required_count").get()
    return int(answered), int(required)


@transaction.atomic
def brief_submit(*, brief: Brief, by: User) -> Brief:
    """The contact hands in the brief once every required question is answered."""
    brief = _locked_brief(brief)
    if brief_contact(by, brief) is None:
        raise _refuse("by", _("Only the contact this brief was sent to can answer it."))
    if brief.status != Brief.Status.SENT:
        raise _refuse("brief", _("This brief is not open for answers."))
    answered, required = brief_completeness(brief)
    if answered < required:
        raise _refuse("brief", _("Answer every required question before submitting the brief."))
    brief.status = Brief.Status.ANSWERED
    brief.answered_at = timezone.now()
    brief.save(update_fields=["status", "answered_at"])
    _brief_event(
        brief,
        kind="production.brief_submitted",
        summary=gettext_noop("Brief %(template)s of %(project)s answered by the client"),
        by=by,
    )
    client_touch(client=brief.project.client, by=by)
    return brief


@transaction.atomic
def project_leave_brief_stage(
    *, project: Project, by: User, reason: str = "", stage: str = Project.Stage.PLANNING
) -> Project:
    """Move a project on from the brief stage: its briefs complete, or the AM's reason recorded."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project."))
    if project.stage != Project.Stage.BRIEF:
        raise _refuse("stage", _("The project is not at the brief stage."))
    # The brief gate (``status_signals.brief_gate``) asks for the reason when the brief is incomplete.
    try:
        return project_set_stage(project=project, by=by, stage=stage, reason=reason)
    except PlanError as error:
        raise ProductionError(error.message_dict) from None


# --- tasks ----------------------------------------------------------------------------------------


def _task_event(
    task: Task, *, kind: str, summary: str, by: User, params: dict[str, Any] | None = None, **data: Any
) -> None:
    event_record(
        kind=kind,
        summary=summary,
        params={"title": task.title, "project": task.project.name, **(params or {})},
        by=by,
        client=task.project.client,
        subject=task,
        data={"project": task.project_id, **data},
    )


def _locked_task(task: Task) -> Task:
    return Task.objects.select_for_update().select_related("project__client").get(pk=task.pk)


@transaction.atomic
def tasks_from_plan(*, version: PlanVersion, by: User) -> list[Task]:
    """Each item of the agreed version becomes a task; an item already turned into one is skipped.

    An item copied into a later version keeps its key: its task is the one made from the first copy.
    """
    project = Project.objects.select_for_update().select_related("client").get(pk=version.project_id)
    version = PlanVersion.objects.get(pk=version.pk)
    if not can_edit_project(by, project):
        raise _refuse("project", _("You cannot change this project."))
    if version.status != PlanVersion.Status.AGREED:
        raise _refuse("version", _("Only an agreed plan becomes tasks."))
    done_keys = set(
        Task.objects.filter(project=project, plan_item__isnull=False).values_list("plan_item__key", flat=True)
    )
    items: list[PlanItem] = [item for item in version.items.order_by("id") if item.key not in done_keys]
    tasks = Task.objects.bulk_create(
        Task(
            project=project,
            plan_item=item,
            title=item.deliverable,
            specialty_id=item.specialty_id,
            due_date=item.due_date,
            estimate_minutes=item.estimate_minutes,
        )
        for item in items
    )
    if tasks:
        event_record(
            kind="production.tasks_created",
            summary=gettext_noop("Tasks created from plan version %(number)s of %(project)s: %(count)s"),
            params={"count": len(tasks), "number": version.number, "project": project.name},
            by=by,
            client=project.client,
            subject=version,
            data={"project": project.pk, "items": [str(item.key) for item in items]},
        )
    return tasks


def _fits(specialist: User, specialty_id: int | None) -> bool:
    if not specialist.is_active or specialist.role != User.Role.SPECIALIST:
        return False
    return specialty_id is None or specialist.specialties.filter(pk=specialty_id).exists()


@transaction.atomic
def task_assign(*, task: Task, specialist: User, by: User) -> Task:
    """The AM gives the task to an active specialist of its specialty."""
    task = _locked_task(task)
    if not can_manage_task(by, task):
        raise _refuse("task", _("You cannot assign this task."))
    if not _fits(specialist, task.specialty_id):
        raise _refuse("assignee", _("Assign the task to an active specialist of its specialty."))
    if task.assignee_id == specialist.pk:
        return task
    previous = task.assignee_id
    task.assignee = specialist
    task.save(update_fields=["assignee"])
    _task_event(
        task,
        kind="production.task_assigned",
        summary=gettext_noop("Task %(title)s of %(project)s assigned"),
        by=by,
        assignee=specialist.pk,
        previous=previous,
    )
    return task


def assignee_suggest(task: Task) -> User | None:
    """The active specialist of the task's specialty with the fewest open estimated minutes due in
    the task's week (without a due date: all their open work)."""
    open_work = Q(tasks__status__in=[s for s in Task.Status.values if s != Task.Status.DONE])
    if task.due_date is not None:
        monday = week_start(task.due_date)
        open_work &= Q(tasks__due_date__gte=monday, tasks__due_date__lt=monday + dt.timedelta(days=7))
    candidates = User.objects.filter(is_active=True, role=User.Role.SPECIALIST)
    if task.specialty_id is not None:
        candidates = candidates.filter(specialties=task.specialty_id)
    return (
        candidates.annotate(
            load=Coalesce(
                Sum("tasks__estimate_minutes", filter=open_work), Value(0), output_field=IntegerField()
            )
        )
        .order_by("load", "full_name", "id")
        .first()
    )


# The board's moves; "done" may be reopened, "blocked" returns to work once unblocked.
TRANSITIONS: dict[str, frozenset[str]] = {
    Task.Status.TO_DO: frozenset({Task.Status.IN_PROGRESS, Task.Status.BLOCKED}),
    Task.Status.IN_PROGRESS: frozenset(
        {Task.Status.TO_DO, Task.Status.IN_REVIEW, Task.Status.DONE, Task.Status.BLOCKED}
    ),
    Task.Status.IN_REVIEW: frozenset({Task.Status.IN_PROGRESS, Task.Status.DONE, Task.Status.BLOCKED}),
    Task.Status.BLOCKED: frozenset({Task.Status.TO_DO, Task.Status.IN_PROGRESS}),
    Task.Status.DONE: frozenset({Task.Status.IN_PROGRESS}),
}


@transaction.atomic
def task_move(*, task: Task, status: str, by: User, blocked_on: str = "", reason: str = "") -> Task:
    """The assignee or the AM moves a task; blocking says on whom and why, done is timestamped."""
    task = _locked_task(task)
    if not can_move_task(by, task):
        raise _refuse("task", _("You cannot move this task."))
    if status not in Task.Status.values:
        raise _refuse("status", _("Unknown status."))
    if status not in TRANSITIONS[task.status]:
        raise _refuse("status", _("A task cannot move from this status to that one."))
    reason = reason.strip()
    if status == Task.Status.BLOCKED:
        errors: dict[str, list[str]] = {}
        if blocked_on not in Task.BlockedOn.values:
            errors.setdefault("blocked_on", []).append(
                _("Say whether the task waits on the client or the team.")
            )
        if not reason:
            errors.setdefault("reason", []).append(_("Say why the task is blocked."))
        if errors:
            raise ProductionError(errors)
    old = task.status
    task.status = status
    task.blocked_on = blocked_on if status == Task.Status.BLOCKED else ""
    task.blocked_reason = reason if status == Task.Status.BLOCKED else ""
    task.done_at = timezone.now() if status == Task.Status.DONE else None
    task.save(update_fields=["status", "blocked_on", "blocked_reason", "done_at"])
    _task_event(
        task,
        kind="production.task_moved",
        summary=gettext_noop("Task %(title)s of %(project)s moved from %(old)s to %(new)s"),
        by=by,
        params={"old": Task.Status(old).label, "new": Task.Status(status).label},
        **{"from": old, "to": status, "blocked_on": task.blocked_on, "reason": task.blocked_reason},
    )
    return task


@transaction.atomic
def task_set_visibility(*, task: Task, by: User, visible: bool) -> Task:
    """The AM decides whether the client sees this task in the portal."""
    task = _locked_task(task)
    if not can_manage_task(by, task):
        raise _refuse("task", _("You cannot change this task."))
    if task.visible_to_client == visible:
        return task
    task.visible_to_client = visible
    task.save(update_fields=["visible_to_client"])
    _task_event(
        task,
        kind="production.task_visibility",
        summary=(
            gettext_noop("Task %(title)s of %(project)s shown to the client")
            if visible
            else gettext_noop("Task %(title)s of %(project)s hidden from the client")
        ),
        by=by,
        visible=visible,
    )
    return task


@transaction.atomic
def time_log(*, task: Task, by: User, minutes: int, on: dt.date, note: str = "") -> TimeLog:
    """The assignee records time spent on the task."""
    task = _locked_task(task)
    if not can_log_time(by, task):
        raise _refuse("by", _("Only the task's assignee can log time on it."))
    if minutes <= 0:
        raise _refuse("minutes", _("Log a positive number of minutes."))
    if on > timezone.localdate():
        raise _refuse("on", _("Time cannot be logged for a future day."))
    log = TimeLog.objects.create(task=task, user=by, minutes=minutes, on=on, note=note.strip())
    _task_event(
        task,
        kind="production.time_logged",
        summary=gettext_noop("%(minutes)s minutes logged on task %(title)s of %(project)s"),
        by=by,
        params={"minutes": minutes},
        minutes=minutes,
        on=on.isoformat(),
    )
    return log


@transaction.atomic
def task_comment_add(*, task: Task, by: User, text: str) -> TaskComment:
    """Anyone who sees the task remarks on it."""
    task = _locked_task(task)
    if not can_comment_task(by, task):
        raise _refuse("task", _("You cannot comment on this task."))
    text = text.strip()
    if not text:
        raise _refuse("text", _("This field is required."))
    comment = TaskComment.objects.create(task=task, author=by, text=text)
    _task_event(
        task,
        kind="production.task_commented",
        summary=gettext_noop("Comment on task %(title)s of %(project)s"),
        by=by,
        comment=comment.pk,
    )
    return comment


@transaction.atomic
def task_attach(*, task: Task, by: User, file: UploadedFile) -> TaskAttachment:
    """Staff on the task attach a file: judged by its content, stored under a random name with its
    size and checksum; the original name is kept for the download."""
    task = _locked_task(task)
    if not can_attach_task(by, task):
        raise _refuse("task", _("You cannot attach files to this task."))
    try:
        info = upload_check(file)
    except ValidationError as error:
        raise ProductionError({"file": list(error.messages)}) from None
    name = filename_safe(file.name or "", default=f"attachment.{info.extension}")
    attachment = TaskAttachment(
        task=task,
        name=name,
        content_type=info.content_type,
        size=info.size,
        sha256=info.sha256,
        uploaded_by=by,
    )
    attachment.file.save(f"{uuid.uuid4().hex}.{info.extension}", file, save=False)
    stored = attachment.file.name or ""
    try:
        attachment.save()
        _task_event(
            task,
            kind="production.task_file_attached",
            summary=gettext_noop("File %(name)s attached to task %(title)s of %(project)s"),
            by=by,
            params={"name": name},
            attachment=attachment.pk,
            sha256=info.sha256,
            size=info.size,
        )
    except Exception:
        attachment.file.storage.delete(stored)  # nothing stays behind when the row is not written
        raise
    return attachment
