"""The shapes of briefs, tasks and time in the API.

Read serializers render what the production selectors found; write serializers only parse shapes
(types, lengths, choices, that a referenced id is one the caller may see). The rules of production
(who may move a task and where to, which specialist fits, when a brief is complete) are the
services' and come back as field errors from ``ProductionError``.
"""

from __future__ import annotations

import os
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from khata.api.plan_serializers import VisibleProjectField
from khata.api.serializers import validation_error_serializer
from khata.clients.models import Contact
from khata.clients.selectors import contact_list_for
from khata.people.models import User
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

INT_MAX = 2**31 - 1


def _late(task: Task) -> bool:
    return task.due_date is not None and task.is_open and task.due_date < timezone.localdate()


# --- tasks ------------------------------------------------------------------------------------------


class TaskSerializer(serializers.ModelSerializer[Task]):
    """A task as agency staff see it."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    client = serializers.IntegerField(source="project.client_id", read_only=True)
    client_name = serializers.CharField(source="project.client.display_name", read_only=True)
    assignee_name = serializers.CharField(source="assignee.full_name", read_only=True, allow_null=True)
    specialty_name = serializers.CharField(source="specialty.name", read_only=True, allow_null=True)
    late = serializers.SerializerMethodField(help_text=_("Open and past its due date"))

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "project_name",
            "client",
            "client_name",
            "plan_item",
            "title",
            "assignee",
            "assignee_name",
            "specialty",
            "specialty_name",
            "status",
            "blocked_on",
            "blocked_reason",
            "due_date",
            "estimate_minutes",
            "visible_to_client",
            "late",
            "created_at",
            "done_at",
        ]
        read_only_fields = fields

    def get_late(self, task: Task) -> bool:
        return _late(task)


class PortalTaskSerializer(serializers.ModelSerializer[Task]):
    """A task as the client's contact sees it: progress only, none of the agency's internals."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    late = serializers.SerializerMethodField(help_text=_("Open and past its due date"))

    class Meta:
        model = Task
        fields = [
            "id",
            "project",
            "project_name",
            "title",
            "status",
            "blocked_on",
            "due_date",
            "late",
            "done_at",
        ]
        read_only_fields = fields

    def get_late(self, task: Task) -> bool:
        return _late(task)


class TaskMoveSerializer(serializers.Serializer[Task]):
    status = serializers.ChoiceField(choices=Task.Status.choices)
    blocked_on = serializers.ChoiceField(choices=Task.BlockedOn.choices, required=False, allow_blank=True)
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class TaskAssignSerializer(serializers.Serializer[Task]):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        help_text=_("A specialist of the task's specialty (user id)."),
    )


class TaskVisibilitySerializer(serializers.Serializer[Task]):
    visible = serializers.BooleanField(help_text=_("Whether the client sees the task in the portal."))


class TimeLogSerializer(serializers.ModelSerializer[TimeLog]):
    task_title = serializers.CharField(source="task.title", read_only=True)
    project = serializers.IntegerField(source="task.project_id", read_only=True)
    user_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = TimeLog
        fields = [
            "id",
            "task",
            "task_title",
            "project",
            "user",
            "user_name",
            "minutes",
            "on",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class TimeLogWriteSerializer(serializers.Serializer[TimeLog]):
    minutes = serializers.IntegerField(min_value=1, max_value=24 * 60)
    on = serializers.DateField(required=False, help_text=_("The day worked; today when left out."))
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TaskCommentSerializer(serializers.ModelSerializer[TaskComment]):
    author_name = serializers.CharField(source="author.full_name", read_only=True)

    class Meta:
        model = TaskComment
        fields = ["id", "task", "author", "author_name", "text", "created_at"]
        read_only_fields = fields


class TaskCommentWriteSerializer(serializers.Serializer[TaskComment]):
    text = serializers.CharField(max_length=4000)


class TaskAttachmentSerializer(serializers.ModelSerializer[TaskAttachment]):
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name", read_only=True)
    download_url = serializers.SerializerMethodField(
        help_text=_("Where the file is downloaded, signed in to the workspace.")
    )

    class Meta:
        model = TaskAttachment
        fields = [
            "id",
            "task",
            "name",
            "content_type",
            "size",
            "sha256",
            "uploaded_by",
            "uploaded_by_name",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, attachment: TaskAttachment) -> str:
        return reverse("production:attachment", args=[attachment.pk])


class TaskAttachSerializer(serializers.Serializer[TaskAttachment]):
    file = serializers.FileField(allow_empty_file=False)


# --- briefs -----------------------------------------------------------------------------------------


class BriefQuestionSerializer(serializers.ModelSerializer[BriefQuestion]):
    choices = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = BriefQuestion
        fields = ["id", "order", "text", "kind", "choices", "required"]
        read_only_fields = fields


class BriefTemplateSerializer(serializers.ModelSerializer[BriefTemplate]):
    questions = BriefQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = BriefTemplate
        fields = ["id", "service", "name", "active", "questions"]
        read_only_fields = fields


class BriefAnswerSerializer(serializers.ModelSerializer[BriefAnswer]):
    file_name = serializers.SerializerMethodField(help_text=_("The attached file's name, if any."))

    class Meta:
        model = BriefAnswer
        fields = ["id", "question", "value", "file_name", "updated_at"]
        read_only_fields = fields

    def get_file_name(self, answer: BriefAnswer) -> str | None:
        return os.path.basename(answer.file.name or "") if answer.file else None


class BriefSerializer(serializers.ModelSerializer[Brief]):
    """A brief and how far it is answered (required questions answered of all required)."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)
    sent_to_name = serializers.CharField(source="sent_to.full_name", read_only=True)
    questions_answered = serializers.IntegerField(
        source="answered_count", read_only=True, help_text=_("Required questions answered")
    )
    questions_required = serializers.IntegerField(
        source="required_count", read_only=True, help_text=_("Required questions")
    )

    class Meta:
        model = Brief
        fields = [
            "id",
            "project",
            "project_name",
            "template",
            "template_name",
            "sent_to",
            "sent_to_name",
            "status",
            "sent_at",
            "answered_at",
            "questions_answered",
            "questions_required",
        ]
        read_only_fields = fields


class BriefDetailSerializer(BriefSerializer):
    questions = BriefQuestionSerializer(source="template.questions", many=True, read_only=True)
    answers = BriefAnswerSerializer(many=True, read_only=True)

    class Meta(BriefSerializer.Meta):
        fields = [*BriefSerializer.Meta.fields, "questions", "answers"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleContactField(serializers.PrimaryKeyRelatedField[Contact]):
    """A contact id the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[Contact]:
        request = self.context.get("request")
        return contact_list_for(request.user) if request is not None else Contact.objects.none()


class BriefSendSerializer(serializers.Serializer[Brief]):
    project = VisibleProjectField(help_text=_("Project id"))
    template = serializers.PrimaryKeyRelatedField(
        queryset=BriefTemplate.objects.all(), help_text=_("Brief template id")
    )
    contact = VisibleContactField(help_text=_("The client's contact who answers (contact id)."))


class BriefAnswerWriteSerializer(serializers.Serializer[BriefAnswer]):
    question = serializers.IntegerField(min_value=1, max_value=INT_MAX, help_text=_("Question id"))
    value = serializers.CharField(max_length=10_000, required=False, allow_blank=True, trim_whitespace=False)


class BriefAnswersSerializer(serializers.Serializer[BriefAnswer]):
    """One or several answers saved together: all of them, or none when one is refused."""

    answers = BriefAnswerWriteSerializer(many=True, allow_empty=False, max_length=500)  # type: ignore[call-arg]


class BriefFileAnswerSerializer(BriefAnswerWriteSerializer):
    """One answer sent as a form (``multipart/form-data``), with the file a file question asks for."""

    file = serializers.FileField(required=False, allow_empty_file=False)


class BriefAnswersErrorSerializer(serializers.Serializer[Any]):
    """Field errors: nothing was saved. ``answers`` gives each refused question's id and its messages."""

    answers = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Messages per question id"),
    )
    question = serializers.ListField(child=serializers.CharField(), required=False)
    value = serializers.ListField(child=serializers.CharField(), required=False)
    file = serializers.ListField(child=serializers.CharField(), required=False)
    brief = serializers.ListField(child=serializers.CharField(), required=False)
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


TaskMoveValidationErrorSerializer = validation_error_serializer(TaskMoveSerializer, "TaskMoveValidationError")
TaskAssignValidationErrorSerializer = validation_error_serializer(
    TaskAssignSerializer, "TaskAssignValidationError"
)
TaskVisibilityValidationErrorSerializer = validation_error_serializer(
    TaskVisibilitySerializer, "TaskVisibilityValidationError"
)
TimeLogValidationErrorSerializer = validation_error_serializer(
    TimeLogWriteSerializer, "TimeLogValidationError"
)
TaskCommentValidationErrorSerializer = validation_error_serializer(
    TaskCommentWriteSerializer, "TaskCommentValidationError"
)
TaskAttachValidationErrorSerializer = validation_error_serializer(
    TaskAttachSerializer, "TaskAttachValidationError"
)
BriefSendValidationErrorSerializer = validation_error_serializer(
    BriefSendSerializer, "BriefSendValidationError"
)
BriefSubmitValidationErrorSerializer = type(
    "BriefSubmitValidationError",
    (serializers.Serializer,),
    {
        "brief": serializers.ListField(child=serializers.CharField(), required=False),
        "non_field_errors": serializers.ListField(child=serializers.CharField(), required=False),
        "__doc__": "Field errors: what to fix.",
    },
)
