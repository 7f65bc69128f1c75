"""The REST endpoints of status reports under ``/api/v1/status-reports/``.

Reads go through ``khata.production.reports`` selectors: staff see the reports of the projects they
see, a client contact only the published reports of its own company (a draft or another company's
report answers 404). Writes go through its services: the project's AM or the head drafts a report,
edits the draft (its words and the items left out), refreshes it from live data and publishes it;
anyone else who may read it gets 403, and a refused move (a second draft, an edit after publishing)
answers 400 with field errors and changes nothing.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api.filters import IdFilter
from khata.api.plan_serializers import VisibleProjectField
from khata.api.plans import PlanAccess, _object_write
from khata.api.serializers import validation_error_serializer
from khata.api.views import ApiViewSet, _detail_responses, _list_responses, _write_responses
from khata.people.policies import can_manage_accounts, is_contact_user
from khata.production import reports
from khata.production.models import StatusReport

# --- shapes -----------------------------------------------------------------------------------------


class StatusReportSerializer(serializers.ModelSerializer[StatusReport]):
    """A report as the client reads it: the sections hold only the items the AM kept."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    published_by_name = serializers.SerializerMethodField()
    sections = serializers.SerializerMethodField()

    class Meta:
        model = StatusReport
        fields = [
            "id",
            "project",
            "project_name",
            "number",
            "status",
            "period_start",
            "period_end",
            "summary",
            "sections",
            "published_at",
            "published_by_name",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.STR)
    def get_published_by_name(self, report: StatusReport) -> str:
        return report.published_by.full_name if report.published_by else ""

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_sections(self, report: StatusReport) -> dict[str, Any]:
        """``done``, ``next``, ``risks``, ``client``: lists of items (``key``, ``kind``, ``title``…)."""
        return reports.report_client_data(report)


class StatusReportStaffSerializer(StatusReportSerializer):
    """Staff also see every generated item, which ones are left out, and when it was generated."""

    generated = serializers.SerializerMethodField()
    left_out = serializers.SerializerMethodField()

    class Meta(StatusReportSerializer.Meta):
        fields = [*StatusReportSerializer.Meta.fields, "generated", "left_out", "generated_at", "created_at"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_generated(self, report: StatusReport) -> dict[str, Any]:
        """Every item taken from live data, kept or not, by section."""
        return {key: report.sections.get(key, []) for key in reports.SECTIONS}

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_left_out(self, report: StatusReport) -> list[str]:
        return list(report.sections.get("left_out", []))


class StatusReportCreateSerializer(serializers.Serializer[StatusReport]):
    project = VisibleProjectField(help_text=_("Project id"))


class StatusReportUpdateSerializer(serializers.Serializer[StatusReport]):
    summary = serializers.CharField(max_length=reports.SUMMARY_MAX, required=False, allow_blank=True)
    left_out = serializers.ListField(
        child=serializers.CharField(max_length=40),
        required=False,
        max_length=500,
        help_text=_("Keys of the generated items the client will not see"),
    )


class EmptySerializer(serializers.Serializer[StatusReport]):
    pass


StatusReportCreateErrorSerializer = validation_error_serializer(
    StatusReportCreateSerializer, "StatusReportCreateValidationError"
)
StatusReportUpdateErrorSerializer = validation_error_serializer(
    StatusReportUpdateSerializer, "StatusReportUpdateValidationError"
)
StatusReportActionErrorSerializer = type(
    "StatusReportActionValidationError",
    (serializers.Serializer,),
    {
        name: serializers.ListField(child=serializers.CharField(), required=False)
        for name in ("status", "summary", "by", "non_field_errors")
    }
    | {"__doc__": "Why the report could not be changed."},
)


class StatusReportFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("Project id"))
    status = django_filters.ChoiceFilter(choices=StatusReport.Status.choices)

    class Meta:
        model = StatusReport
        fields = ["project", "status"]


# --- endpoints --------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary=_("List status reports"),
        description=_(
            "Reports of the projects the caller may see, newest first; a client contact sees only "
            "the published reports of its own company."
        ),
        responses=_list_responses(StatusReportStaffSerializer, StatusReportFilter, "StatusReportListError"),
    ),
    retrieve=extend_schema(
        summary=_("One status report"), responses=_detail_responses(StatusReportStaffSerializer)
    ),
    create=extend_schema(
        summary=_("Draft a project's next status report from live data"),
        request=StatusReportCreateSerializer,
        responses=_write_responses(
            StatusReportStaffSerializer, StatusReportCreateErrorSerializer, status=201
        ),
    ),
    partial_update=extend_schema(
        summary=_("Edit a draft: the account manager's words and the items left out"),
        request=StatusReportUpdateSerializer,
        responses=_object_write(StatusReportStaffSerializer, StatusReportUpdateErrorSerializer),
    ),
    refresh=extend_schema(
        summary=_("Take a draft's sections again from live data"),
        request=None,
        responses=_object_write(StatusReportStaffSerializer, StatusReportActionErrorSerializer),
    ),
    publish=extend_schema(
        summary=_("Publish a draft: the client sees it in the portal and gets it by email"),
        request=None,
        responses=_object_write(StatusReportStaffSerializer, StatusReportActionErrorSerializer),
    ),
)
class StatusReportViewSet(mixins.ListModelMixin, ApiViewSet):
    permission_classes = [IsAuthenticated, PlanAccess]
    portal_readable = True
    filterset_class = StatusReportFilter
    portal_filterset_class = StatusReportFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[StatusReport]:
        return reports.report_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return StatusReportCreateSerializer
        if self.action == "partial_update":
            return StatusReportUpdateSerializer
        if self.action in {"refresh", "publish"}:
            return EmptySerializer
        if is_contact_user(self.request.user):
            return StatusReportSerializer
        return StatusReportStaffSerializer

    def get_object(self) -> StatusReport:
        return reports.report_get_for(self.request.user, self.kwargs["pk"])

    def _render(self, report: StatusReport) -> Any:
        found = reports.report_get_for(self.person, report.pk)
        if is_contact_user(self.person):
            return StatusReportSerializer(found).data
        return StatusReportStaffSerializer(found).data

    def _preparing(self, report: StatusReport) -> None:
        if not reports.can_prepare_report(self.person, report.project):
            raise PermissionDenied(
                _("Only the project's account manager or the head can prepare its reports.")
            )

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self._render(self.get_object()))

    def create(self, request: Request) -> Response:
        if not can_manage_accounts(self.person):
            raise PermissionDenied(
                _("Only the project's account manager or the head can prepare its reports.")
            )
        project = self.parsed(StatusReportCreateSerializer)["project"]
        if not reports.can_prepare_report(self.person, project):
            raise PermissionDenied(
                _("Only the project's account manager or the head can prepare its reports.")
            )
        report = reports.report_draft(project=project, by=self.person)
        return Response(self._render(report), status=201)

    def partial_update(self, request: Request, pk: int) -> Response:
        report = self.get_object()
        self._preparing(report)
        values = self.parsed(StatusReportUpdateSerializer, partial=True)
        report = reports.report_update(
            report=report,
            by=self.person,
            summary=values.get("summary", report.summary),
            left_out=values.get("left_out"),
        )
        return Response(self._render(report))

    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, pk: int) -> Response:
        report = self.get_object()
        self._preparing(report)
        return Response(self._render(reports.report_refresh(report=report, by=self.person)))

    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: int) -> Response:
        report = self.get_object()
        self._preparing(report)
        site_url = request.build_absolute_uri("/").rstrip("/")
        return Response(
            self._render(reports.report_publish(report=report, by=self.person, site_url=site_url))
        )
