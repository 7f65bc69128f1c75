"""The staff task boards: "My tasks" for a specialist, a project's board and the AM's portfolio.

Each view parses input, asks one selector or service, and renders. A task or project the user may
not see answers 404; a write the user's role may not make answers 403; a refused move shows its
error on the board with status 400 and changes nothing. The forms post without JavaScript and
htmx swaps the board in place.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from khata.core.boards import capped_count
from khata.core.forms import apply_service_errors
from khata.core.uploads import file_download
from khata.people.decorators import signed_in_user, staff_required
from khata.people.models import User
from khata.plans.models import PlanItem, PlanVersion, Project
from khata.plans.policies import can_edit_project
from khata.plans.selectors import project_get_for
from khata.production import selectors, services
from khata.production.forms import AssignForm, AttachForm, CommentForm, MoveForm, TimeForm, VisibilityForm
from khata.production.models import Task
from khata.production.policies import (
    can_attach_task,
    can_comment_task,
    can_download_task_file,
    can_log_time,
    can_manage_task,
    can_move_task,
)

# The columns of a board, left to right.
COLUMNS = [
    Task.Status.TO_DO,
    Task.Status.IN_PROGRESS,
    Task.Status.IN_REVIEW,
    Task.Status.BLOCKED,
    Task.Status.DONE,
]
WORKLOAD_WEEKS = 4
WORKLOAD_PEOPLE = 50


@dataclass
class TaskCard:
    """A task on a board with what the viewer may do to it, and its links built once per board."""

    task: Task
    late: bool
    urls: dict[str, str] = field(default_factory=dict)
    moves: list[tuple[str, str]] = field(default_factory=list)
    can_block: bool = False
    can_log: bool = False
    can_manage: bool = False
    choices: list[User] = field(default_factory=list)
    suggested: User | None = None
    # The assign menu's <option>s, made once per board for each set of choices.
    options: str = ""


@dataclass
class Column:
    status: str
    label: str
    cards: list[TaskCard]
    total: int = 0
    # Whether this column is opened past its first cards ("show all").
    opened: bool = False

    @property
    def more(self) -> int:
        return max(self.total - len(self.cards), 0)


# The links of a card, by URL name; each is reversed once per board with a placeholder id.
CARD_URLS = {
    "task": "production:task",
    "move": "production:move",
    "time": "production:time",
    "assign": "production:assign",
    "assign_menu": "production:assign_menu",
    "block_form": "production:block_form",
    "time_form": "production:time_form",
    "visibility": "production:visibility",
    "project": "production:project",
}
_PLACEHOLDER = 999999999


class CardLinks:
    """``reverse`` for every card of a board at the cost of one per URL name."""

    def __init__(self) -> None:
        self.patterns = {key: reverse(name, args=[_PLACEHOLDER]) for key, name in CARD_URLS.items()}

    def of(self, task: Task) -> dict[str, str]:
        marker = str(_PLACEHOLDER)
        urls = {key: pattern.replace(marker, str(task.pk)) for key, pattern in self.patterns.items()}
        urls["project"] = self.patterns["project"].replace(marker, str(task.project_id))
        return urls


def _card(
    task: Task,
    *,
    today: dt.date,
    can_move: bool,
    can_log: bool,
    can_manage: bool,
    links: CardLinks | None = None,
) -> TaskCard:
    allowed = services.TRANSITIONS[Task.Status(task.status)] if can_move else frozenset()
    return TaskCard(
        task=task,
        late=task.is_open and task.due_date is not None and task.due_date < today,
        urls=(links or CardLinks()).of(task),
        moves=[(s.value, str(s.label)) for s in COLUMNS if s in allowed and s != Task.Status.BLOCKED],
        can_block=Task.Status.BLOCKED in allowed,
        can_log=can_log,
        can_manage=can_manage,
    )


def _assign_options(cards: list[TaskCard]) -> None:
    """Fill each card's assign menu: the fitting specialists, the task's assignee (or else the
    suggested one) selected, the suggested one starred. Cards with the same choices share the HTML."""
    made: dict[tuple[tuple[int, ...], int | None, int | None], str] = {}
    suggested_label = _("suggested")
    for card in cards:
        suggested = card.suggested.pk if card.suggested is not None else None
        key = (tuple(person.pk for person in card.choices), suggested, card.task.assignee_id)
        if key not in made:
            chosen = card.task.assignee_id or suggested
            made[key] = (
                format_html_join(
                    "",
                    '<option value="{}"{}{}>{}{}</option>',
                    (
                        (
                            person.pk,
                            mark_safe(" selected") if person.pk == chosen else "",
                            format_html(' title="{}"', suggested_label) if person.pk == suggested else "",
                            "★ " if person.pk == suggested else "",
                            person.get_full_name(),
                        )
                        for person in card.choices
                    ),
                )
                if card.choices
                else format_html('<option value="">{}</option>', _("No specialist of this specialty"))
            )
        card.options = made[key]


def _columns(board: selectors.BoardColumns, cards: dict[int, TaskCard], open_column: str) -> list[Column]:
    return [
        Column(
            status=s.value,
            label=str(s.label),
            cards=[cards[task.pk] for task in board.tasks.get(s.value, [])],
            total=board.counts.get(s.value, 0),
            opened=s.value == open_column,
        )
        for s in COLUMNS
    ]


def _open_column(request: HttpRequest) -> str:
    wanted = request.GET.get("column", "")
    return wanted if wanted in {s.value for s in COLUMNS} else ""


def _mine_context(user: User, today: dt.date, open_column: str) -> dict[str, Any]:
    board = selectors.my_board_for(user, today=today, statuses=COLUMNS, open_column=open_column)
    links = CardLinks()
    cards = {
        task.pk: _card(task, today=today, can_move=True, can_log=True, can_manage=False, links=links)
        for tasks in board.tasks.values()
        for task in tasks
    }
    return {
        "columns": _columns(board, cards, open_column),
        "board": "mine",
        "today": today,
        "count": board.total,
    }


def _project_context(user: User, project: Project, today: dt.date, open_column: str) -> dict[str, Any]:
    board = selectors.project_board_for(user, project, statuses=COLUMNS, open_column=open_column)
    manage = can_edit_project(user, project)
    links = CardLinks()
    cards = {
        task.pk: _card(
            task,
            today=today,
            can_move=manage or task.assignee_id == user.pk,
            can_log=task.assignee_id == user.pk,
            can_manage=manage,
            links=links,
        )
        for tasks in board.tasks.values()
        for task in tasks
    }
    if manage:
        # Unassigned work offers its menu with the suggestion at once; an assigned task's menu is
        # read when the AM asks to reassign it (``task_assign_menu``).
        open_cards = [card for card in cards.values() if card.task.is_open and card.task.assignee_id is None]
        choices, suggested = selectors.assignee_choices([card.task for card in open_cards])
        for card in open_cards:
            card.choices = choices[card.task.pk]
            card.suggested = suggested[card.task.pk]
        _assign_options(open_cards)
    agreed = (
        PlanVersion.objects.filter(project=project, status=PlanVersion.Status.AGREED)
        .only("pk", "number")
        .first()
        if manage
        else None
    )
    if agreed is not None:
        made = Task.objects.filter(project=project, plan_item__isnull=False).values("plan_item__key")
        if not PlanItem.objects.filter(version=agreed).exclude(key__in=made).exists():
            agreed = None  # every item of the agreed plan is a task already
    return {
        "project": project,
        "columns": _columns(board, cards, open_column),
        "board": "project",
        "today": today,
        "count": board.total,
        "can_manage": manage,
        "agreed": agreed,
        "plan_actual": selectors.plan_actual_for(project),
    }


def _board(
    request: HttpRequest,
    kind: str,
    project: Project | None,
    *,
    errors: list[str],
    status: int,
    failed: Task | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    today = timezone.localdate()
    open_column = _open_column(request)
    if kind == "project" and project is not None:
        context = _project_context(user, project, today, open_column)
        template = "production/project_board.html"
    else:
        context = _mine_context(user, today, open_column)
        template = "production/mine.html"
    # A refused write shows its errors on that task's card, with what the person chose kept; a task
    # the board does not show keeps them above the columns.
    refused: dict[str, Any] = {}
    if failed is not None and any(card.task.pk == failed.pk for c in context["columns"] for card in c.cards):
        refused = {"failed": failed.pk, "posted": request.POST}
    return render(request, template, context | {"errors": errors} | refused, status=status)


def _done(request: HttpRequest, task: Task, message: str) -> HttpResponse:
    """After a write: back to the board the form came from (htmx follows and swaps the board)."""
    if not request.headers.get("HX-Request"):
        messages.success(request, message)
    if request.POST.get("board") == "task":
        return redirect("production:task", task.pk)
    if request.POST.get("board") == "project":
        return redirect("production:project", task.project_id)
    return redirect("production:mine")


def _refused(request: HttpRequest, task: Task, errors: list[str]) -> HttpResponse:
    if request.POST.get("board") == "task":
        return _task_page(request, task.pk, errors=errors, status=400)
    kind = "project" if request.POST.get("board") == "project" else "mine"
    project = task.project if kind == "project" else None
    return _board(request, kind, project, errors=errors, status=400, failed=task)


def _messages_of(error: services.ProductionError) -> list[str]:
    return [str(message) for message in error.messages]


def _form_errors(form: Any) -> list[str]:
    return [
        f"{form.fields[name].label}: {message}" if name in form.fields else str(message)
        for name, found in form.errors.items()
        for message in found
    ]


# ---------- pages ----------


@require_GET
@staff_required
def mine(request: HttpRequest) -> HttpResponse:
    """The specialist's own tasks, by status."""
    return _board(request, "mine", None, errors=[], status=200)


@require_GET
@staff_required
def project_board(request: HttpRequest, project_pk: int) -> HttpResponse:
    """One project's tasks by status, with assignment for its AM."""
    project = project_get_for(signed_in_user(request), project_pk)
    return _board(request, "project", project, errors=[], status=200)


@require_GET
@staff_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """The AM's whole portfolio: late, at-risk and blocked tasks, and the specialists' load."""
    user = signed_in_user(request)
    if user.role == User.Role.SPECIALIST:
        return redirect("production:mine")
    today = timezone.localdate()
    lists = []
    for key, title, queryset in [
        ("late", _("Late tasks"), selectors.late_tasks_for(user, today)),
        ("at-risk", _("At risk: due within 3 days, not started"), selectors.at_risk_tasks_for(user, today)),
        ("blocked", _("Blocked tasks"), selectors.blocked_tasks_for(user)),
    ]:
        total, capped = capped_count(queryset)
        lists.append(
            {
                "key": key,
                "title": title,
                "items": list(queryset[: selectors.PORTFOLIO_LIMIT]),
                "total": total,
                "capped": capped,
            }
        )
    monday = selectors.week_start(today)
    weeks = [monday + dt.timedelta(weeks=n) for n in range(WORKLOAD_WEEKS)]
    specialists = list(
        User.objects.filter(is_active=True, role=User.Role.SPECIALIST).order_by("full_name", "id")[
            :WORKLOAD_PEOPLE
        ]
    )
    load = selectors.workload_by_week(specialists, weeks)
    workload = [
        {"person": person, "hours": [round(load[person.pk][week] / 60, 1) for week in weeks]}
        for person in specialists
    ]
    return render(
        request,
        "production/portfolio.html",
        {"lists": lists, "weeks": weeks, "workload": workload, "today": today},
    )


def _task_page(
    request: HttpRequest,
    pk: int,
    *,
    errors: list[str] | None = None,
    status: int = 200,
    comment_form: CommentForm | None = None,
    attach_form: AttachForm | None = None,
) -> HttpResponse:
    user = signed_in_user(request)
    page = selectors.task_page_for(user, pk)
    task = page.task
    today = timezone.localdate()
    manage = can_manage_task(user, task)
    card = _card(
        task,
        today=today,
        can_move=can_move_task(user, task),
        can_log=can_log_time(user, task),
        can_manage=manage,
    )
    if manage and task.is_open:
        choices, suggested = selectors.assignee_choices([task])
        card.choices, card.suggested = choices[task.pk], suggested[task.pk]
        _assign_options([card])
    return render(
        request,
        "production/task.html",
        {
            "page": page,
            "task": task,
            "card": card,
            "board": "task",
            "today": today,
            "errors": errors or [],
            "can_comment": can_comment_task(user, task),
            "can_attach": can_attach_task(user, task),
            "comment_form": comment_form or CommentForm(),
            "attach_form": attach_form or AttachForm(),
        },
        status=status,
    )


@require_GET
@staff_required
def task_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One task: its status and moves, time against the estimate, comments, files and history."""
    return _task_page(request, pk)


@require_GET
@staff_required
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A task's file, to those who see the task, as an attachment the browser will not run."""
    user = signed_in_user(request)
    attachment = selectors.attachment_get_for(user, pk)
    if not can_download_task_file(user, attachment.task):
        raise PermissionDenied
    # A streamed response; the guards only pass it through.
    return cast(HttpResponse, file_download(attachment.file, attachment.name, attachment.content_type))


# ---------- writes ----------


@require_POST
@staff_required
def task_comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Someone on the task remarks on it."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_comment_task(user, task):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.task_comment_add(task=task, by=user, text=form.cleaned_data["text"])
        except services.ProductionError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Comment added."))
            return redirect(reverse("production:task", args=[task.pk]) + "#comments")
    return _task_page(request, task.pk, comment_form=form, status=400)


@require_POST
@staff_required
def task_attach(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff on the task attach a file, checked by its content."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_attach_task(user, task):
        raise PermissionDenied
    form = AttachForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.task_attach(task=task, by=user, file=form.cleaned_data["file"])
        except services.ProductionError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("%(name)s attached.") % {"name": attachment.name})
            return redirect(reverse("production:task", args=[task.pk]) + "#files")
    return _task_page(request, task.pk, attach_form=form, status=400)


@require_POST
@staff_required
def task_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a task to another column; blocking says on whom and why."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_move_task(user, task):
        raise PermissionDenied
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, _form_errors(form))
    try:
        task = services.task_move(
            task=task,
            status=form.cleaned_data["status"],
            by=user,
            blocked_on=form.cleaned_data["blocked_on"],
            reason=form.cleaned_data["reason"],
        )
    except services.ProductionError as error:
        return _refused(request, task, _messages_of(error))
    return _done(
        request, task, _("%(title)s: %(status)s") % {"title": task.title, "status": task.get_status_display()}
    )


@require_POST
@staff_required
def task_time(request: HttpRequest, pk: int) -> HttpResponse:
    """The assignee logs time spent on a task."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_log_time(user, task):
        raise PermissionDenied
    form = TimeForm(request.POST)
    if not form.is_valid():
        return _refused(request, task, _form_errors(form))
    try:
        services.time_log(
            task=task,
            by=user,
            minutes=form.minutes,
            on=form.cleaned_data["on"],
            note=form.cleaned_data["note"],
        )
    except services.ProductionError as error:
        return _refused(request, task, _messages_of(error))
    return _done(request, task, _("Time logged on %(title)s.") % {"title": task.title})


@require_GET
@staff_required
def task_assign_menu(request: HttpRequest, pk: int) -> HttpResponse:
    """The assign menu of one open task, the suggested specialist starred, for a board's card."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_manage_task(user, task) or not task.is_open:
        raise PermissionDenied
    card = _card(task, today=timezone.localdate(), can_move=False, can_log=False, can_manage=True)
    choices, suggested = selectors.assignee_choices([task])
    card.choices, card.suggested = choices[task.pk], suggested[task.pk]
    _assign_options([card])
    board = "project" if request.GET.get("board") == "project" else "mine"
    return render(request, "production/_task_actions.html#assign-form", {"card": card, "board": board})


def _card_form(request: HttpRequest, task: Task, partial: str) -> HttpResponse:
    today = timezone.localdate()
    card = _card(task, today=today, can_move=False, can_log=False, can_manage=False)
    board = "project" if request.GET.get("board") == "project" else "mine"
    context = {"card": card, "task": task, "board": board, "today": today}
    return render(request, f"production/_task_actions.html#{partial}", context)


@require_GET
@staff_required
def task_block_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The form that blocks a task, read when a board's card opens it."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if (
        not can_move_task(user, task)
        or Task.Status.BLOCKED not in services.TRANSITIONS[Task.Status(task.status)]
    ):
        raise PermissionDenied
    return _card_form(request, task, "block-form")


@require_GET
@staff_required
def task_time_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The form that logs time on a task, read when a board's card opens it."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_log_time(user, task):
        raise PermissionDenied
    return _card_form(request, task, "time-form")


@require_POST
@staff_required
def task_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """The AM gives a task to a specialist."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_manage_task(user, task):
        raise PermissionDenied
    form = AssignForm(request.POST)
    person = User.objects.filter(pk=form.cleaned_data["assignee"]).first() if form.is_valid() else None
    if person is None:
        return _refused(request, task, [_("Choose a specialist.")])
    try:
        task = services.task_assign(task=task, specialist=person, by=user)
    except services.ProductionError as error:
        return _refused(request, task, _messages_of(error))
    return _done(
        request,
        task,
        _("%(title)s assigned to %(name)s.") % {"title": task.title, "name": person.get_full_name()},
    )


@require_POST
@staff_required
def task_visibility(request: HttpRequest, pk: int) -> HttpResponse:
    """The AM shows a task to the client in the portal, or hides it."""
    user = signed_in_user(request)
    task = selectors.task_get_for(user, pk)
    if not can_manage_task(user, task):
        raise PermissionDenied
    form = VisibilityForm(request.POST)
    form.is_valid()
    try:
        task = services.task_set_visibility(
            task=task, by=user, visible=bool(form.cleaned_data.get("visible"))
        )
    except services.ProductionError as error:
        return _refused(request, task, _messages_of(error))
    message = (
        _("The client sees %(title)s.")
        if task.visible_to_client
        else _("The client no longer sees %(title)s.")
    )
    return _done(request, task, message % {"title": task.title})


@require_POST
@staff_required
def tasks_from_plan(request: HttpRequest, project_pk: int) -> HttpResponse:
    """The agreed plan's items become tasks of the project."""
    user = signed_in_user(request)
    project = project_get_for(user, project_pk)
    if not can_edit_project(user, project):
        raise PermissionDenied
    version = PlanVersion.objects.filter(project=project, status=PlanVersion.Status.AGREED).first()
    if version is None:
        return _board(
            request, "project", project, errors=[_("Only an agreed plan becomes tasks.")], status=400
        )
    try:
        tasks = services.tasks_from_plan(version=version, by=user)
    except services.ProductionError as error:
        return _board(request, "project", project, errors=_messages_of(error), status=400)
    messages.success(request, _("Tasks created: %(count)s") % {"count": len(tasks)})
    return redirect(reverse("production:project", args=[project.pk]))
