"""The shapes of care in the API: claims with their SLA clocks, corrective actions, goodwill, surveys.

Read serializers render what the care selectors found; a client contact gets a claim without the
agency's internal analysis (who was responsible, the root cause, the preventive action). Write
serializers only parse shapes; the rules of a claim's life (who handles it, which state allows what,
what a resolution needs) are the services' and come back as field errors from ``ClaimError``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from khata.api.plan_serializers import VisibleProjectField
from khata.api.serializers import VisibleClientField
from khata.care.models import (
    Claim,
    CorrectiveAction,
    Goodwill,
    ReasonCode,
    RootCause,
    Severity,
    Survey,
    SurveyAnswer,
)
from khata.care.selectors import claim_visible_to
from khata.people.models import User

TEXT_MAX = 10_000
INT_MAX = 2**31 - 1
AMOUNT_MAX = 10**15


# --- claims: what is read ---------------------------------------------------------------------------


class SlaClockSerializer(serializers.Serializer[Any]):
    due = serializers.DateTimeField()
    stopped_at = serializers.DateTimeField(allow_null=True)
    remaining_minutes = serializers.IntegerField(help_text=_("Working minutes left; negative once late."))
    total_minutes = serializers.IntegerField(help_text=_("Working minutes the SLA allows."))
    state = serializers.ChoiceField(
        choices=["ok", "near", "breached", "met"],
        help_text=_("ok, near (a quarter of the time or less left), breached, or met (stopped in time)."),
    )
    running = serializers.BooleanField()


class ClaimSlaSerializer(serializers.Serializer[Any]):
    first_response = SlaClockSerializer()
    resolution = SlaClockSerializer()


class ClaimSerializer(serializers.ModelSerializer[Claim]):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    reason_name = serializers.CharField(source="reason.label", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "client",
            "client_name",
            "project",
            "title",
            "source",
            "reason",
            "reason_name",
            "severity",
            "status",
            "reopened_count",
            "owner",
            "received_at",
            "first_response_due",
            "resolution_due",
            "acknowledged_at",
            "resolved_at",
            "closed_at",
            "closed_automatically",
        ]
        read_only_fields = fields


class CorrectiveActionSerializer(serializers.ModelSerializer[CorrectiveAction]):
    owner_name = serializers.CharField(source="owner.full_name", read_only=True, allow_null=True)

    class Meta:
        model = CorrectiveAction
        fields = ["id", "claim", "description", "owner", "owner_name", "due_date", "done_at", "created_at"]
        read_only_fields = fields


class GoodwillSerializer(serializers.ModelSerializer[Goodwill]):
    class Meta:
        model = Goodwill
        fields = ["id", "claim", "kind", "value_minor", "currency", "minutes", "note", "recorded_by", "at"]
        read_only_fields = fields


class ClaimDetailSerializer(ClaimSerializer):
    """A claim as its client's contact sees it: its clocks, what was done and the actions taken."""

    description = serializers.CharField(read_only=True)
    resolution = serializers.CharField(read_only=True)
    sla = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ClaimSerializer.Meta):
        fields = [*ClaimSerializer.Meta.fields, "description", "resolution", "sla", "actions"]
        read_only_fields = fields

    @extend_schema_field(ClaimSlaSerializer)
    def get_sla(self, claim: Claim) -> Any:
        page = self.context["page"]
        return ClaimSlaSerializer(
            {
                "first_response": _clock(page.sla.first_response),
                "resolution": _clock(page.sla.resolution),
            }
        ).data

    @extend_schema_field(CorrectiveActionSerializer(many=True))
    def get_actions(self, claim: Claim) -> Any:
        return CorrectiveActionSerializer(self.context["page"].actions, many=True).data


def _clock(clock: Any) -> dict[str, Any]:
    return {
        "due": clock.due,
        "stopped_at": clock.stopped_at,
        "remaining_minutes": clock.remaining_minutes,
        "total_minutes": clock.total_minutes,
        "state": clock.state,
        "running": clock.running,
    }


class StaffClaimDetailSerializer(ClaimDetailSerializer):
    """A claim as the agency sees it: with the analysis and the goodwill given."""

    goodwill = serializers.SerializerMethodField()

    class Meta(ClaimDetailSerializer.Meta):
        fields = [
            *ClaimDetailSerializer.Meta.fields,
            "root_cause",
            "responsible",
            "responsible_team",
            "preventive_action",
            "goodwill",
        ]
        read_only_fields = fields

    @extend_schema_field(GoodwillSerializer(many=True))
    def get_goodwill(self, claim: Claim) -> Any:
        return GoodwillSerializer(self.context["page"].goodwill, many=True).data


# --- claims: what is written ------------------------------------------------------------------------


def _reason_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField[ReasonCode]:
    return serializers.PrimaryKeyRelatedField(queryset=ReasonCode.objects.all(), **kwargs)


def _root_cause_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField[RootCause]:
    return serializers.PrimaryKeyRelatedField(queryset=RootCause.objects.all(), **kwargs)


def _staff_field(**kwargs: Any) -> serializers.PrimaryKeyRelatedField[User]:
    """A member of the agency's staff (the service checks they are active)."""
    return serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(role__in=User.STAFF_ROLES), **kwargs
    )


@extend_schema_field(OpenApiTypes.INT)
class VisibleClaimField(serializers.PrimaryKeyRelatedField[Claim]):
    """A claim id the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[Claim]:
        request = self.context.get("request")
        return claim_visible_to(request.user) if request is not None else Claim.objects.none()


class ClaimCreateSerializer(serializers.Serializer[Claim]):
    client = VisibleClientField(help_text=_("Client id; a client contact files for its own company."))
    reason = _reason_field(help_text=_("Reason id"))
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    project = VisibleProjectField(required=False, allow_null=True, help_text=_("Project id"))
    received_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_("Staff only: when the client raised it (by phone, email or in a meeting)."),
    )


class NoteSerializer(serializers.Serializer[Claim]):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class AnalysisSerializer(serializers.Serializer[Claim]):
    root_cause = _root_cause_field(required=False, allow_null=True)
    responsible = _staff_field(required=False, allow_null=True)
    responsible_team = serializers.CharField(max_length=120, required=False, allow_blank=True)
    preventive_action = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True)


class ResolveSerializer(AnalysisSerializer):
    resolution = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class ClaimReopenSerializer(serializers.Serializer[Claim]):
    reason = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)


class CorrectiveActionCreateSerializer(serializers.Serializer[CorrectiveAction]):
    claim = VisibleClaimField(help_text=_("Claim id"))
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True)
    owner = _staff_field(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)


class GoodwillCreateSerializer(serializers.Serializer[Goodwill]):
    claim = VisibleClaimField(help_text=_("Claim id"))
    kind = serializers.ChoiceField(choices=Goodwill.Kind.choices)
    value_minor = serializers.IntegerField(
        min_value=1,
        max_value=AMOUNT_MAX,
        required=False,
        allow_null=True,
        help_text=_("A credit or a discount in minor units of the client's currency."),
    )
    minutes = serializers.IntegerField(
        min_value=1, max_value=INT_MAX, required=False, allow_null=True, help_text=_("Free time in minutes.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


# --- surveys ----------------------------------------------------------------------------------------


class SurveySerializer(serializers.ModelSerializer[Survey]):
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    contact_name = serializers.CharField(source="contact.full_name", read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "kind",
            "trigger",
            "client",
            "client_name",
            "contact",
            "contact_name",
            "document",
            "claim",
            "sent_at",
            "expires_at",
            "answered_at",
        ]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.ModelSerializer[SurveyAnswer]):
    client = serializers.IntegerField(source="survey.client_id", read_only=True)

    class Meta:
        model = SurveyAnswer
        fields = ["id", "survey", "client", "kind", "score", "why", "in_portal", "at"]
        read_only_fields = fields


# --- what a refusal says ----------------------------------------------------------------------------


def _errors(name: str, fields: tuple[str, ...]) -> type[serializers.Serializer[Any]]:
    messages = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in (*fields, "claim", "status", "non_field_errors")
    }
    return type(name, (serializers.Serializer,), {**messages, "__doc__": "Why nothing was changed."})


ClaimValidationErrorSerializer = _errors(
    "ClaimValidationError", (*ClaimCreateSerializer().fields, "task", "document", "invoice", "attachments")
)
ClaimActionValidationErrorSerializer = _errors(
    "ClaimActionValidationError", (*ResolveSerializer().fields, "note", "reason", "actions")
)
CorrectiveActionValidationErrorSerializer = _errors(
    "CorrectiveActionValidationError", (*CorrectiveActionCreateSerializer().fields, "action")
)
GoodwillValidationErrorSerializer = _errors(
    "GoodwillValidationError", tuple(GoodwillCreateSerializer().fields)
)
