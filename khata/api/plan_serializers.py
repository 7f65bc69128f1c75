"""The shapes of projects and work plans in the API.

Read serializers render what the plans selectors found; write serializers only parse shapes (types,
lengths, choices, that a referenced id is one the caller may see). The rules of the plan (who may
approve, what a draft is, which version is the latest) are the services' and come back as field
errors from ``PlanError``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from khata.api.serializers import BIGINT_MAX, VisibleClientField, validation_error_serializer
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
from khata.plans.selectors import plan_version_list_for, project_visible_to


class ProjectSerializer(serializers.ModelSerializer[Project]):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "client",
            "client_name",
            "name",
            "services",
            "stage",
            "start_date",
            "target_date",
            "budget_minor",
            "budget_hours",
            "owner",
            "owner_name",
            "created_at",
        ]
        read_only_fields = fields


class ProjectWriteSerializer(serializers.Serializer[Project]):
    name = serializers.CharField(max_length=200)
    services = serializers.CharField(max_length=200, required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    budget_minor = serializers.IntegerField(
        min_value=0, max_value=BIGINT_MAX, required=False, allow_null=True, help_text=_("Minor units")
    )
    budget_hours = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, help_text=_("The account manager (user id).")
    )


class ProjectCreateSerializer(ProjectWriteSerializer):
    client = VisibleClientField()
    stage = serializers.ChoiceField(choices=Project.Stage.choices, required=False)


class ProjectStageSerializer(serializers.Serializer[Project]):
    stage = serializers.ChoiceField(choices=Project.Stage.choices)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class ItemDecisionSerializer(serializers.ModelSerializer[ItemDecision]):
    class Meta:
        model = ItemDecision
        fields = [
            "id",
            "decision",
            "comment",
            "proposed_price_minor",
            "proposed_due_date",
            "by",
            "created_at",
        ]
        read_only_fields = fields


class PlanItemSerializer(serializers.ModelSerializer[PlanItem]):
    class Meta:
        model = PlanItem
        fields = [
            "id",
            "version",
            "key",
            "deliverable",
            "specialty",
            "estimate_minutes",
            "due_date",
            "price_minor",
            "origin",
        ]
        read_only_fields = fields


class ClientRequestSerializer(serializers.ModelSerializer[ClientRequest]):
    class Meta:
        model = ClientRequest
        fields = [
            "id",
            "version",
            "deliverable",
            "comment",
            "proposed_price_minor",
            "proposed_due_date",
            "answered_by",
            "by",
            "created_at",
        ]
        read_only_fields = fields


class ApprovalSerializer(serializers.ModelSerializer[Approval]):
    class Meta:
        model = Approval
        fields = ["id", "version", "side", "by", "created_at"]
        read_only_fields = fields


class PlanVersionSerializer(serializers.ModelSerializer[PlanVersion]):
    class Meta:
        model = PlanVersion
        fields = ["id", "project", "number", "status", "based_on", "note", "created_by", "created_at"]
        read_only_fields = fields


class PlanVersionDetailSerializer(PlanVersionSerializer):
    items = PlanItemSerializer(many=True, read_only=True)
    requests = ClientRequestSerializer(many=True, read_only=True)
    approvals = ApprovalSerializer(many=True, read_only=True)

    class Meta(PlanVersionSerializer.Meta):
        fields = [*PlanVersionSerializer.Meta.fields, "items", "requests", "approvals"]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class VisibleVersionField(serializers.PrimaryKeyRelatedField[PlanVersion]):
    """A plan version id the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[PlanVersion]:
        request = self.context.get("request")
        return plan_version_list_for(request.user) if request is not None else PlanVersion.objects.none()


@extend_schema_field(OpenApiTypes.INT)
class VisibleProjectField(serializers.PrimaryKeyRelatedField[Project]):
    """A project id the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[Project]:
        request = self.context.get("request")
        return project_visible_to(request.user) if request is not None else Project.objects.none()


class PlanVersionCreateSerializer(serializers.Serializer[PlanVersion]):
    project = VisibleProjectField(help_text=_("Project id"))
    based_on = VisibleVersionField(required=False, allow_null=True)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ChangeRequestSerializer(serializers.Serializer[PlanVersion]):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ApproveSerializer(serializers.Serializer[Approval]):
    side = serializers.ChoiceField(choices=Approval.Side.choices)


class PlanItemWriteSerializer(serializers.Serializer[PlanItem]):
    deliverable = serializers.CharField(max_length=200)
    specialty = serializers.PrimaryKeyRelatedField(
        queryset=Specialty.objects.all(), required=False, allow_null=True
    )
    estimate_minutes = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    price_minor = serializers.IntegerField(
        min_value=0, max_value=BIGINT_MAX, required=False, help_text=_("Minor units")
    )
    origin = serializers.ChoiceField(choices=Origin.choices, required=False)


class PlanItemCreateSerializer(PlanItemWriteSerializer):
    version = VisibleVersionField(help_text=_("Plan version id (a draft)"))


class DecideSerializer(serializers.Serializer[ItemDecision]):
    decision = serializers.ChoiceField(choices=ItemDecision.Decision.choices)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    proposed_price_minor = serializers.IntegerField(
        min_value=0, max_value=BIGINT_MAX, required=False, allow_null=True
    )
    proposed_due_date = serializers.DateField(required=False, allow_null=True)


class ClientRequestWriteSerializer(serializers.Serializer[ClientRequest]):
    deliverable = serializers.CharField(max_length=200)
    comment = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    proposed_price_minor = serializers.IntegerField(
        min_value=0, max_value=BIGINT_MAX, required=False, allow_null=True
    )
    proposed_due_date = serializers.DateField(required=False, allow_null=True)


class DiffQuerySerializer(serializers.Serializer[Any]):
    against = serializers.IntegerField(min_value=1, max_value=BIGINT_MAX, help_text=_("Plan version id"))


@extend_schema_field(OpenApiTypes.ANY)
class PlainValueField(serializers.Field[Any, Any, Any, Any]):
    """An old or new value of a changed item: a string, a number, a date (ISO) or null."""

    def to_representation(self, value: Any) -> Any:
        return value.isoformat() if isinstance(value, dt.date) else value


class ItemChangeSerializer(serializers.Serializer[Any]):
    change = serializers.CharField(help_text=_("added, removed or changed"))
    key = serializers.UUIDField()
    deliverable = serializers.CharField()
    field = serializers.CharField(allow_blank=True)
    old = PlainValueField(allow_null=True)
    new = PlainValueField(allow_null=True)


ProjectValidationErrorSerializer = validation_error_serializer(
    ProjectCreateSerializer, "ProjectValidationError"
)
ProjectStageValidationErrorSerializer = validation_error_serializer(
    ProjectStageSerializer, "ProjectStageValidationError"
)
PlanVersionValidationErrorSerializer = validation_error_serializer(
    PlanVersionCreateSerializer, "PlanVersionValidationError"
)
ChangeRequestValidationErrorSerializer = validation_error_serializer(
    ChangeRequestSerializer, "ChangeRequestValidationError"
)
ApproveValidationErrorSerializer = validation_error_serializer(ApproveSerializer, "ApproveValidationError")
PlanItemValidationErrorSerializer = validation_error_serializer(
    PlanItemCreateSerializer, "PlanItemValidationError"
)
DecideValidationErrorSerializer = validation_error_serializer(DecideSerializer, "DecideValidationError")
ClientRequestValidationErrorSerializer = validation_error_serializer(
    ClientRequestWriteSerializer, "ClientRequestValidationError"
)
DiffValidationErrorSerializer = validation_error_serializer(DiffQuerySerializer, "DiffValidationError")
