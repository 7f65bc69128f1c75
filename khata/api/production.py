"""The REST endpoints of production under ``/api/v1/``: tasks, their time and comments, and briefs.

Reads go through ``khata.production.selectors`` (a task or brief the caller may not see answers 404),
writes through ``khata.production.services`` (a refused move answers 400 with field errors and
changes nothing). Who may do what follows ``khata.production.policies``, as the boards do:

- the head and the project's AM assign tasks, show them to the client and move them; a specialist
  sees only the tasks assigned to them, moves them and logs time on them; finance reads and never
  moves, assigns or logs (403); anyone on the agency side who sees a task may comment on it;
- a client contact reads only the tasks the AM made visible, of its own company, with none of the
  agency's internals (assignee, estimate, the reason of a block), and never their comments (403);
- the AM sends a brief to a contact of the project's client; only that contact answers it and
  submits it. Time logs are the agency's (a contact gets 403, or 404 by id); brief templates are
  read by those who send briefs, heads and AMs (other staff 403), as in the workspace.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import production_serializers as ps
from khata.api.filters import IdFilter
from khata.api.plans import PlanViewSet
from khata.api.views import (
    FORBIDDEN,
    NOT_FOUND,
    NOT_SIGNED_IN,
    ApiViewSet,
    _bad_input,
    _detail_responses,
    _list_responses,
)
from khata.people.policies import can_manage_accounts, is_staff_user
from khata.production.brief_selectors import with_completeness
from khata.production.models import Brief, BriefTemplate, Task, TimeLog
from khata.production.policies import (
    brief_contact,
    can_attach_task,
    can_download_task_file,
    can_log_time,
    can_manage_task,
    can_move_task,
    can_view_brief_templates,
)
from khata.production.selectors import (
    brief_list_for,
    task_get_for,
    task_list_for,
    time_log_list_for,
)
from khata.production.services import (
    ProductionError,
    brief_answers_save,
    brief_send,
    brief_submit,
    task_assign,
    task_attach,
    task_comment_add,
    task_move,
    task_set_visibility,
    time_log,
)


def _action_responses(read: Any, errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    return {
        status: read,
        400: _bad_input(errors),
        401: NOT_SIGNED_IN,
        403: FORBIDDEN,
        404: NOT_FOUND,
    }


class TaskFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("Project id"))
    assignee = IdFilter(field_name="assignee_id", label=_("Assignee (user id)"))
    status = django_filters.ChoiceFilter(choices=Task.Status.choices)
    due_after = django_filters.DateFilter(
        field_name="due_date", lookup_expr="gte", label=_("Due on or after")
    )
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )
    late = django_filters.BooleanFilter(method="filter_late", label=_("Open and past its due date"))

    class Meta:
        model = Task
        fields = ["project", "assignee", "status", "due_after", "due_before", "late"]

    def filter_late(self, queryset: QuerySet[Task], name: str, value: bool | None) -> QuerySet[Task]:
        if value is None:
            return queryset
        late = Q(due_date__lt=timezone.localdate()) & ~Q(status=Task.Status.DONE)
        return queryset.filter(late) if value else queryset.exclude(late)


class PortalTaskFilter(django_filters.FilterSet):
    """What a contact may narrow its own tasks by: nothing internal."""

    project = IdFilter(field_name="project_id", label=_("Project id"))
    status = django_filters.ChoiceFilter(choices=Task.Status.choices)

    class Meta:
        model = Task
        fields = ["project", "status"]


class BriefFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("Project id"))
    status = django_filters.ChoiceFilter(choices=Brief.Status.choices)

    class Meta:
        model = Brief
        fields = ["project", "status"]


class BriefTemplateFilter(django_filters.FilterSet):
    service = django_filters.CharFilter(max_length=40)
    active = django_filters.BooleanFilter()

    class Meta:
        model = BriefTemplate
        fields = ["service", "active"]


class TimeLogFilter(django_filters.FilterSet):
    task = IdFilter(field_name="task_id", label=_("Task id"))
    user = IdFilter(field_name="user_id", label=_("Who logged it (user id)"))
    project = IdFilter(field_name="task__project_id", label=_("Project id"))
    on_after = django_filters.DateFilter(field_name="on", lookup_expr="gte", label=_("Worked on or after"))
    on_before = django_filters.DateFilter(field_name="on", lookup_expr="lte", label=_("Worked on or before"))

    class Meta:
        model = TimeLog
        fields = ["task", "user", "project", "on_after", "on_before"]


_TASK_OUT = ps.TaskSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("List tasks"),
        description=_(
            "The tasks on the caller's boards; a specialist sees their own, a client contact only the "
            "tasks shown to its company, with fewer fields."
        ),
        responses=_list_responses(ps.TaskSerializer, TaskFilter, "TaskListError"),
    ),
    retrieve=extend_schema(summary=_("One task"), responses=_detail_responses(ps.TaskSerializer)),
    move=extend_schema(
        summary=_("Move a task to another status"),
        description=_("Blocking says on whom (the client or the team) and why."),
        request=ps.TaskMoveSerializer,
        responses=_action_responses(_TASK_OUT, ps.TaskMoveValidationErrorSerializer),
    ),
    assign=extend_schema(
        summary=_("Assign a task to a specialist"),
        request=ps.TaskAssignSerializer,
        responses=_action_responses(_TASK_OUT, ps.TaskAssignValidationErrorSerializer),
    ),
    visibility=extend_schema(
        summary=_("Show a task to the client or hide it"),
        request=ps.TaskVisibilitySerializer,
        responses=_action_responses(_TASK_OUT, ps.TaskVisibilityValidationErrorSerializer),
    ),
    time=extend_schema(
        summary=_("Log time on a task"),
        request=ps.TimeLogWriteSerializer,
        responses=_action_responses(ps.TimeLogSerializer, ps.TimeLogValidationErrorSerializer, status=201),
    ),
)
class TaskViewSet(mixins.ListModelMixin, PlanViewSet):
    portal_readable = True
    filterset_class = TaskFilter
    portal_filterset_class = PortalTaskFilter
    # The cursor keys on the first field, which must never be null: no due date here.
    ordering_fields = ("created_at", "id")
    portal_ordering_fields = ("id",)
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[Task]:
        return task_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.for_portal():
            return ps.PortalTaskSerializer
        return ps.TaskSerializer

    def get_object(self) -> Task:
        return task_get_for(self.request.user, self.kwargs["pk"])

    def _render(self, task: Task) -> dict[str, Any]:
        return _TASK_OUT(task_get_for(self.person, task.pk)).data

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        if not can_move_task(self.person, task):
            raise PermissionDenied(_("Only the task's assignee or the project's account manager moves it."))
        values = self.parsed(ps.TaskMoveSerializer)
        task = task_move(task=task, by=self.person, **values)
        return Response(self._render(task))

    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        self.may_manage(task)
        values = self.parsed(ps.TaskAssignSerializer)
        task = task_assign(task=task, by=self.person, specialist=values["assignee"])
        return Response(self._render(task))

    @action(detail=True, methods=["post"])
    def visibility(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        self.may_manage(task)
        values = self.parsed(ps.TaskVisibilitySerializer)
        task = task_set_visibility(task=task, by=self.person, visible=values["visible"])
        return Response(self._render(task))

    @action(detail=True, methods=["post"])
    def time(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        if not can_log_time(self.person, task):
            raise PermissionDenied(_("Only the task's assignee can log time on it."))
        values = self.parsed(ps.TimeLogWriteSerializer)
        on = values.pop("on", None) or timezone.localdate()
        log = time_log(task=task, by=self.person, on=on, **values)
        return Response(ps.TimeLogSerializer(log).data, status=201)

    @extend_schema(
        methods=["GET"],
        summary=_("A task's comments"),
        request=None,
        responses={**_detail_responses(ps.TaskCommentSerializer), 200: ps.TaskCommentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Comment on a task"),
        request=ps.TaskCommentWriteSerializer,
        responses=_action_responses(
            ps.TaskCommentSerializer, ps.TaskCommentValidationErrorSerializer, status=201
        ),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def comments(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        if self.for_portal():
            raise PermissionDenied(_("Comments on tasks are the agency's own notes."))
        if request.method == "POST":
            values = self.parsed(ps.TaskCommentWriteSerializer)
            comment = task_comment_add(task=task, by=self.person, **values)
            return Response(ps.TaskCommentSerializer(comment).data, status=201)
        comments = task.comments.select_related("author").order_by("created_at", "id")
        return Response(ps.TaskCommentSerializer(comments, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary=_("A task's files"),
        request=None,
        responses={
            **_detail_responses(ps.TaskAttachmentSerializer),
            200: ps.TaskAttachmentSerializer(many=True),
        },
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Attach a file to a task"),
        description=_("A form with the file; it is judged by its content, not by its name."),
        request={"multipart/form-data": ps.TaskAttachSerializer},
        responses=_action_responses(
            ps.TaskAttachmentSerializer, ps.TaskAttachValidationErrorSerializer, status=201
        ),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def attachments(self, request: Request, pk: int) -> Response:
        task = self.get_object()
        if request.method == "POST":
            if not can_attach_task(self.person, task):
                raise PermissionDenied(_("You cannot attach files to this task."))
            values = self.parsed(ps.TaskAttachSerializer)
            attachment = task_attach(task=task, by=self.person, file=values["file"])
            return Response(ps.TaskAttachmentSerializer(attachment).data, status=201)
        if not can_download_task_file(self.person, task):
            raise PermissionDenied(_("Files of tasks are the agency's own."))
        files = task.attachments.select_related("uploaded_by").order_by("-created_at", "-id")
        return Response(ps.TaskAttachmentSerializer(files, many=True).data)

    def may_manage(self, task: Task) -> None:
        """403 unless the caller assigns this task and shows it to the client."""
        if not can_manage_task(self.person, task):
            raise PermissionDenied(_("Only the project's account manager or the head changes this task."))


_BRIEF_OUT = ps.BriefDetailSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("List briefs"),
        description=_(
            "Briefs of the projects the caller may see, with how far each is answered; a client "
            "contact sees the briefs sent to it."
        ),
        responses=_list_responses(ps.BriefSerializer, BriefFilter, "BriefListError"),
    ),
    retrieve=extend_schema(
        summary=_("One brief with its questions and answers"), responses=_detail_responses(_BRIEF_OUT)
    ),
    create=extend_schema(
        summary=_("Send a brief to a client contact"),
        request=ps.BriefSendSerializer,
        responses={
            201: _BRIEF_OUT,
            400: _bad_input(ps.BriefSendValidationErrorSerializer),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
        },
    ),
    answers=extend_schema(
        summary=_("Save answers to a brief"),
        description=_(
            "One or several answers as JSON, or one answer with its file as a form. All are saved, or "
            "none when one is refused; the brief can be saved in parts and submitted later."
        ),
        request={
            "application/json": ps.BriefAnswersSerializer,
            "multipart/form-data": ps.BriefFileAnswerSerializer,
        },
        responses=_action_responses(_BRIEF_OUT, ps.BriefAnswersErrorSerializer),
    ),
    submit=extend_schema(
        summary=_("Submit a brief"),
        description=_("Refused while a required question is unanswered."),
        request=None,
        responses=_action_responses(_BRIEF_OUT, ps.BriefSubmitValidationErrorSerializer),
    ),
)
class BriefViewSet(mixins.ListModelMixin, PlanViewSet):
    portal_readable = True
    filterset_class = BriefFilter
    portal_filterset_class = BriefFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)

    def get_queryset(self) -> QuerySet[Brief]:
        return with_completeness(brief_list_for(self.request.user))

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return ps.BriefSerializer
        if self.action == "create":
            return ps.BriefSendSerializer
        return _BRIEF_OUT

    def _find(self, pk: Any) -> Brief:
        try:
            return self.get_queryset().prefetch_related("template__questions", "answers").get(pk=pk)
        except (Brief.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such brief.") from error

    def get_object(self) -> Brief:
        return self._find(self.kwargs["pk"])

    def _render(self, brief: Brief) -> dict[str, Any]:
        return _BRIEF_OUT(self._find(brief.pk)).data

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(_BRIEF_OUT(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not can_manage_accounts(self.person):
            raise PermissionDenied(_("Only account managers and the head send briefs."))
        values = self.parsed(ps.BriefSendSerializer)
        project = values["project"]
        self.may_edit(project)
        brief = brief_send(
            project=project, template=values["template"], contact=values["contact"], by=self.person
        )
        return Response(self._render(brief), status=201)

    def may_reply(self, brief: Brief) -> None:
        """403 unless the caller is the contact the brief was sent to."""
        if brief_contact(self.person, brief) is None:
            raise PermissionDenied(_("Only the contact this brief was sent to can answer it."))

    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser])
    def answers(self, request: Request, pk: int) -> Response:
        brief = self.get_object()
        self.may_reply(brief)
        if request.content_type.startswith("multipart/"):
            one = self.parsed(ps.BriefFileAnswerSerializer)
            answers = [one]
        else:
            answers = self.parsed(ps.BriefAnswersSerializer)["answers"]
        self._save_answers(brief, answers)
        return Response(self._render(brief))

    def _save_answers(self, brief: Brief, answers: list[dict[str, Any]]) -> None:
        """All the answers through the service, or none; each refusal names its question's id."""
        known = {question.pk for question in brief.template.questions.all()}
        unknown = sorted({answer["question"] for answer in answers} - known)
        if unknown:
            message = str(_("This question belongs to another brief."))
            raise ApiValidationError({"answers": {str(pk): [message] for pk in unknown}})
        values = {answer["question"]: answer.get("value", "") for answer in answers}
        files = {answer["question"]: answer["file"] for answer in answers if answer.get("file") is not None}
        try:
            brief_answers_save(brief=brief, by=self.person, values=values, files=files)
        except ProductionError as error:
            per_question = {
                key[1:]: messages for key, messages in error.message_dict.items() if key.startswith("q")
            }
            if not per_question:
                raise
            raise ApiValidationError({"answers": per_question}) from error

    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: int) -> Response:
        brief = self.get_object()
        self.may_reply(brief)
        brief = brief_submit(brief=brief, by=self.person)
        return Response(self._render(brief))


@extend_schema_view(
    list=extend_schema(
        summary=_("List brief templates"),
        description=_("The questions asked for each service (account managers and the head)."),
        responses=_list_responses(ps.BriefTemplateSerializer, BriefTemplateFilter, "BriefTemplateListError"),
    ),
    retrieve=extend_schema(
        summary=_("One brief template with its questions"),
        responses=_detail_responses(ps.BriefTemplateSerializer),
    ),
)
class BriefTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ps.BriefTemplateSerializer
    filterset_class = BriefTemplateFilter
    ordering_fields = ("id",)
    ordering = ("id",)

    def get_queryset(self) -> QuerySet[BriefTemplate]:
        return BriefTemplate.objects.prefetch_related("questions").order_by("id")

    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        # As in the workspace: those who send briefs read the templates, heads and AMs.
        if is_staff_user(request.user) and not can_view_brief_templates(request.user):
            self.permission_denied(
                request, message=str(_("Brief templates are read by account managers and the head."))
            )


@extend_schema_view(
    list=extend_schema(
        summary=_("List time logs"),
        description=_("Time logged on the tasks the caller may see (agency staff only), newest first."),
        responses=_list_responses(ps.TimeLogSerializer, TimeLogFilter, "TimeLogListError"),
    ),
    retrieve=extend_schema(summary=_("One time log"), responses=_detail_responses(ps.TimeLogSerializer)),
)
class TimeLogViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    serializer_class = ps.TimeLogSerializer
    filterset_class = TimeLogFilter
    ordering_fields = ("on", "id")
    ordering = ("-on", "-id")

    def get_queryset(self) -> QuerySet[TimeLog]:
        return time_log_list_for(self.request.user)
