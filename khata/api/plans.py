"""The REST endpoints of projects and their work plans under ``/api/v1/``.

Reads go through ``khata.plans.selectors`` (a project or version the caller may not see answers 404),
writes through ``khata.plans.services`` (a refused move answers 400 with field errors and changes
nothing). Who may write follows ``khata.plans.policies``: the head and the client's AM edit the
project and draft its plan; finance reads and never writes (403); a specialist sees nothing; a client
contact reads its own client's projects and the versions put before it (no drafts), and only an
approver of that client answers items, asks for more and approves for the client side.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import plan_serializers as ps
from khata.api.filters import IdFilter
from khata.api.views import (
    FORBIDDEN,
    NOT_FOUND,
    NOT_SIGNED_IN,
    ApiViewSet,
    _bad_input,
    _detail_responses,
    _list_responses,
    _write_responses,
)
from khata.clients.policies import can_edit_client
from khata.people.policies import can_manage_accounts, is_contact_user, is_staff_user
from khata.plans.models import Approval, PlanItem, PlanVersion, Project
from khata.plans.policies import approver_contact, can_edit_project
from khata.plans.selectors import (
    plan_item_get_for,
    plan_version_get_for,
    plan_version_list_for,
    project_get_for,
    project_list_for,
)
from khata.plans.services import (
    client_item_request,
    item_decide,
    plan_approve,
    plan_change_request,
    plan_diff,
    plan_item_add,
    plan_item_remove,
    plan_item_update,
    plan_propose,
    plan_version_create,
    project_create,
    project_set_stage,
    project_update,
)


def _object_write(read: type[Any], errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    """A write on an object found by id: its 404 too, whatever the success status."""
    return {**_write_responses(read, errors, status=status), 404: NOT_FOUND}


class PlanAccess(BasePermission):
    """Agency staff and client contacts may call; each write is then decided on its object."""

    message = _("You may not do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff_user(request.user) or is_contact_user(request.user)


class ProjectFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    stage = django_filters.ChoiceFilter(choices=Project.Stage.choices)
    owner = IdFilter(field_name="owner_id", label=_("Account manager (user id)"))

    class Meta:
        model = Project
        fields = ["client", "stage", "owner"]


class PlanVersionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id", label=_("Project id"))
    status = django_filters.ChoiceFilter(choices=PlanVersion.Status.choices)

    class Meta:
        model = PlanVersion
        fields = ["project", "status"]


class PlanViewSet(ApiViewSet):
    permission_classes = [IsAuthenticated, PlanAccess]

    def may_edit(self, project: Project) -> None:
        """403 unless the caller edits this project and drafts its plan."""
        if not can_edit_project(self.person, project):
            raise PermissionDenied(_("You cannot change this project or its plan."))

    def may_answer(self, project: Project) -> None:
        """403 unless the caller is an approver of the project's client."""
        if approver_contact(self.person, project) is None:
            raise PermissionDenied(_("Only an approver of this client can answer its plan."))


@extend_schema_view(
    list=extend_schema(
        summary=_("List projects"),
        description=_("Projects the caller may see; a client contact sees its own company's."),
        responses=_list_responses(ps.ProjectSerializer, ProjectFilter, "ProjectListError"),
    ),
    retrieve=extend_schema(summary=_("One project"), responses=_detail_responses(ps.ProjectSerializer)),
    create=extend_schema(
        summary=_("Start a project"),
        request=ps.ProjectCreateSerializer,
        responses=_write_responses(ps.ProjectSerializer, ps.ProjectValidationErrorSerializer, status=201),
    ),
    update=extend_schema(
        summary=_("Replace a project's details"),
        request=ps.ProjectWriteSerializer,
        responses=_write_responses(ps.ProjectSerializer, ps.ProjectValidationErrorSerializer),
    ),
    partial_update=extend_schema(
        summary=_("Change some of a project's details"),
        request=ps.ProjectWriteSerializer,
        responses=_write_responses(ps.ProjectSerializer, ps.ProjectValidationErrorSerializer),
    ),
    stage=extend_schema(
        summary=_("Move a project to another stage"),
        request=ps.ProjectStageSerializer,
        responses=_write_responses(ps.ProjectSerializer, ps.ProjectStageValidationErrorSerializer),
    ),
)
class ProjectViewSet(mixins.ListModelMixin, PlanViewSet):
    portal_readable = True
    filterset_class = ProjectFilter
    portal_filterset_class = ProjectFilter
    ordering_fields = ("name", "created_at", "id")
    portal_ordering_fields = ("name", "id")
    ordering = ("name", "id")

    def get_queryset(self) -> QuerySet[Project]:
        return project_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return ps.ProjectCreateSerializer
        if self.action in {"update", "partial_update"}:
            return ps.ProjectWriteSerializer
        if self.action == "stage":
            return ps.ProjectStageSerializer
        return ps.ProjectSerializer

    def get_object(self) -> Project:
        return project_get_for(self.request.user, self.kwargs["pk"])

    def _render(self, project: Project) -> dict[str, Any]:
        return ps.ProjectSerializer(project_get_for(self.person, project.pk)).data

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(ps.ProjectSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not can_manage_accounts(self.person):
            raise PermissionDenied(_("Only account managers and the head start projects."))
        values = self.parsed(ps.ProjectCreateSerializer)
        client = values.pop("client")
        if not can_edit_client(self.person, client):
            raise PermissionDenied(_("You cannot start projects for this client."))
        project = project_create(client=client, by=self.person, **values)
        return Response(self._render(project), status=201)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        project = self.get_object()
        self.may_edit(project)
        values = self.parsed(ps.ProjectWriteSerializer, partial=partial)
        project = project_update(project=project, by=self.person, **values)
        return Response(self._render(project))

    def partial_update(self, request: Request, pk: int) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"])
    def stage(self, request: Request, pk: int) -> Response:
        project = self.get_object()
        self.may_edit(project)
        values = self.parsed(ps.ProjectStageSerializer)
        project = project_set_stage(project=project, by=self.person, **values)
        return Response(self._render(project))


_VERSION_OUT = ps.PlanVersionDetailSerializer


@extend_schema_view(
    list=extend_schema(
        summary=_("List plan versions"),
        description=_("Versions of the plans the caller may see; a client contact sees no drafts."),
        responses=_list_responses(ps.PlanVersionSerializer, PlanVersionFilter, "PlanVersionListError"),
    ),
    retrieve=extend_schema(
        summary=_("One plan version with its items"), responses=_detail_responses(_VERSION_OUT)
    ),
    create=extend_schema(
        summary=_("Draft a plan version"),
        description=_("A new draft, optionally a copy of the items of the version it is based on."),
        request=ps.PlanVersionCreateSerializer,
        responses=_write_responses(_VERSION_OUT, ps.PlanVersionValidationErrorSerializer, status=201),
    ),
    propose=extend_schema(
        summary=_("Propose a draft to the client"),
        request=None,
        responses=_write_responses(_VERSION_OUT, ps.PlanVersionValidationErrorSerializer),
    ),
    approve=extend_schema(
        summary=_("Approve a proposed version for one side"),
        description=_("The plan is agreed when the company and the client approve the same version."),
        request=ps.ApproveSerializer,
        responses=_write_responses(_VERSION_OUT, ps.ApproveValidationErrorSerializer),
    ),
    change_request=extend_schema(
        summary=_("Request a change to the agreed plan"),
        description=_("A new draft based on the agreed version; it needs both approvals again."),
        request=ps.ChangeRequestSerializer,
        responses=_object_write(_VERSION_OUT, ps.ChangeRequestValidationErrorSerializer, status=201),
    ),
    diff=extend_schema(
        summary=_("Differences from another version"),
        parameters=[OpenApiParameter("against", int, required=True, description=_("Plan version id"))],
        responses={
            200: ps.ItemChangeSerializer(many=True),
            400: _bad_input(ps.DiffValidationErrorSerializer),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    requests=extend_schema(
        summary=_("Ask for an item the proposed version lacks"),
        request=ps.ClientRequestWriteSerializer,
        responses=_object_write(
            ps.ClientRequestSerializer, ps.ClientRequestValidationErrorSerializer, status=201
        ),
    ),
)
class PlanVersionViewSet(mixins.ListModelMixin, PlanViewSet):
    portal_readable = True
    filterset_class = PlanVersionFilter
    portal_filterset_class = PlanVersionFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)

    def get_queryset(self) -> QuerySet[PlanVersion]:
        return plan_version_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return ps.PlanVersionSerializer
        if self.action == "create":
            return ps.PlanVersionCreateSerializer
        return _VERSION_OUT

    def get_object(self) -> PlanVersion:
        return plan_version_get_for(self.request.user, self.kwargs["pk"])

    def _render(self, version: PlanVersion) -> dict[str, Any]:
        found = plan_version_get_for(self.person, version.pk)
        return _VERSION_OUT(found).data

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self._render(self.get_object()))

    def create(self, request: Request) -> Response:
        if not can_manage_accounts(self.person):
            raise PermissionDenied(_("You cannot change this project or its plan."))
        values = self.parsed(ps.PlanVersionCreateSerializer)
        project = values.pop("project")
        self.may_edit(project)
        version = plan_version_create(project=project, by=self.person, **values)
        return Response(self._render(version), status=201)

    @action(detail=True, methods=["post"])
    def propose(self, request: Request, pk: int) -> Response:
        version = self.get_object()
        self.may_edit(version.project)
        return Response(self._render(plan_propose(version=version, by=self.person)))

    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: int) -> Response:
        version = self.get_object()
        company = is_staff_user(self.person) and can_edit_project(self.person, version.project)
        if not company:
            self.may_answer(version.project)
        side = self.parsed(ps.ApproveSerializer)["side"]
        if (side == Approval.Side.COMPANY) != company:
            raise PermissionDenied(_("You cannot approve for this side."))
        plan_approve(version=version, by=self.person, side=side)
        return Response(self._render(version))

    @action(detail=True, methods=["post"], url_path="change-request", url_name="change-request")
    def change_request(self, request: Request, pk: int) -> Response:
        version = self.get_object()
        self.may_edit(version.project)
        values = self.parsed(ps.ChangeRequestSerializer)
        draft = plan_change_request(project=version.project, by=self.person, **values)
        return Response(self._render(draft), status=201)

    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: int) -> Response:
        version = self.get_object()
        query = ps.DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            against = plan_version_get_for(self.person, query.validated_data["against"])
        except Http404 as error:
            raise ApiValidationError({"against": [_("No such plan version.")]}) from error
        if against.project_id != version.project_id:
            raise ApiValidationError({"against": [_("Compare versions of the same project only.")]})
        changes = plan_diff(against, version)
        return Response(ps.ItemChangeSerializer(changes, many=True).data)

    @action(detail=True, methods=["post"])
    def requests(self, request: Request, pk: int) -> Response:
        version = self.get_object()
        self.may_answer(version.project)
        values = self.parsed(ps.ClientRequestWriteSerializer)
        answer = client_item_request(version=version, by=self.person, **values)
        return Response(ps.ClientRequestSerializer(answer).data, status=201)


@extend_schema_view(
    retrieve=extend_schema(summary=_("One plan item"), responses=_detail_responses(ps.PlanItemSerializer)),
    create=extend_schema(
        summary=_("Add an item to a draft"),
        request=ps.PlanItemCreateSerializer,
        responses=_write_responses(ps.PlanItemSerializer, ps.PlanItemValidationErrorSerializer, status=201),
    ),
    update=extend_schema(
        summary=_("Replace an item of a draft"),
        request=ps.PlanItemWriteSerializer,
        responses=_write_responses(ps.PlanItemSerializer, ps.PlanItemValidationErrorSerializer),
    ),
    partial_update=extend_schema(
        summary=_("Change some of an item of a draft"),
        request=ps.PlanItemWriteSerializer,
        responses=_write_responses(ps.PlanItemSerializer, ps.PlanItemValidationErrorSerializer),
    ),
    destroy=extend_schema(
        summary=_("Take an item out of a draft"),
        responses={
            204: None,
            400: _bad_input(ps.PlanItemValidationErrorSerializer),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
    decide=extend_schema(
        summary=_("Answer an item of a proposed version"),
        description=_("The client's approver accepts, counters (with a comment) or rejects the item."),
        request=ps.DecideSerializer,
        responses=_object_write(ps.ItemDecisionSerializer, ps.DecideValidationErrorSerializer, status=201),
    ),
)
class PlanItemViewSet(PlanViewSet):
    portal_readable = True
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> QuerySet[PlanItem]:
        return PlanItem.objects.none()

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return ps.PlanItemCreateSerializer
        if self.action in {"update", "partial_update"}:
            return ps.PlanItemWriteSerializer
        if self.action == "decide":
            return ps.DecideSerializer
        return ps.PlanItemSerializer

    def get_object(self) -> PlanItem:
        return plan_item_get_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(ps.PlanItemSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not can_manage_accounts(self.person):
            raise PermissionDenied(_("You cannot change this project or its plan."))
        values = self.parsed(ps.PlanItemCreateSerializer)
        version = values.pop("version")
        self.may_edit(version.project)
        item = plan_item_add(version=version, by=self.person, **values)
        return Response(ps.PlanItemSerializer(item).data, status=201)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        item = self.get_object()
        self.may_edit(item.version.project)
        values = self.parsed(ps.PlanItemWriteSerializer, partial=partial)
        item = plan_item_update(item=item, by=self.person, **values)
        return Response(ps.PlanItemSerializer(item).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        self.may_edit(item.version.project)
        plan_item_remove(item=item, by=self.person)
        return Response(status=204)

    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: int) -> Response:
        item = self.get_object()
        self.may_answer(item.version.project)
        values = self.parsed(ps.DecideSerializer)
        answer = item_decide(item=item, by=self.person, **values)
        return Response(ps.ItemDecisionSerializer(answer).data, status=201)
