"""The REST endpoints under ``/api/v1/``.

Each view parses input with a serializer, reads through a selector or writes through a service,
and renders. Who may do what is ``khata.api.permissions``; the rules themselves are the domains'.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import serializers as s
from khata.api.filters import (
    ClientFilter,
    ContactFilter,
    EventFilter,
    InteractionFilter,
    KhataFilterBackend,
    KhataOrderingFilter,
)
from khata.api.permissions import ApiAccess, SignedIn, can_assign_owner
from khata.clients.models import Client, Contact, Interaction
from khata.clients.selectors import (
    client_get_for,
    client_list_for,
    contact_get_for,
    contact_list_for,
    event_list_for,
    interaction_get_for,
    interaction_list_for,
)
from khata.clients.services import (
    client_create,
    client_update,
    contact_create,
    contact_update,
    interaction_log,
    interaction_update,
    next_step_complete,
    tags_from_names,
)
from khata.core.models import Event
from khata.people.models import User
from khata.people.policies import is_contact_user

NOT_SIGNED_IN = OpenApiResponse(s.ErrorSerializer, description=_("Not signed in (no or a bad token)."))
FORBIDDEN = OpenApiResponse(s.ErrorSerializer, description=_("Signed in, but not allowed to do this."))
NOT_FOUND = OpenApiResponse(s.ErrorSerializer, description=_("No such object, or not one you may see."))


def _filter_errors(filterset: type[Any], name: str) -> OpenApiResponse:
    fields = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in [*filterset.base_filters, "cursor"]
    }
    serializer = type(name, (serializers.Serializer,), {**fields, "__doc__": "Bad query parameters."})
    return OpenApiResponse(serializer, description=_("A filter or the cursor is malformed."))


def _bad_input(serializer: type[Any]) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=_("Field errors: nothing was changed."))


def _list_responses(read: type[Any], filterset: type[Any], name: str) -> dict[int, Any]:
    return {200: read(many=True), 400: _filter_errors(filterset, name), 401: NOT_SIGNED_IN, 403: FORBIDDEN}


def _detail_responses(read: type[Any]) -> dict[int, Any]:
    return {200: read, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}


def _write_responses(read: type[Any], errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    responses = {status: read, 400: _bad_input(errors), 401: NOT_SIGNED_IN, 403: FORBIDDEN}
    if status == 200:
        responses[404] = NOT_FOUND
    return responses


class ApiViewSet(viewsets.GenericViewSet):
    """What every Khata endpoint shares: access rules, filters, keyset pages, field errors."""

    permission_classes = [IsAuthenticated, ApiAccess]
    # JSON in, JSON out: the docs page is the browsable face of the API.
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    filter_backends = [KhataFilterBackend, KhataOrderingFilter]
    lookup_value_converter = "int"
    api_resource = ""
    portal_readable = False
    portal_filterset_class: type[Any] | None = None
    portal_ordering_fields: tuple[str, ...] = ()

    @property
    def person(self) -> User:
        user = self.request.user
        assert isinstance(user, User)  # ApiAccess lets only signed-in people through
        return user

    def for_portal(self) -> bool:
        return is_contact_user(self.request.user)

    def handle_exception(self, exc: Exception) -> Response:
        # A service's ClientError (a Django ValidationError with field messages) is a 400, not a 500.
        if isinstance(exc, DjangoValidationError):
            detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            exc = ApiValidationError(detail=detail)
        return super().handle_exception(exc)

    def parsed(self, serializer_class: type[Any], *, partial: bool = False) -> dict[str, Any]:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def found(self, obj: Any) -> Any:
        """The object a selector found, after the per-object write rule (403 once it is visible)."""
        self.check_object_permissions(self.request, obj)
        return obj


@extend_schema_view(
    list=extend_schema(
        summary=_("List clients"),
        description=_(
            "Clients the caller may see, with filters and keyset pages. A client contact sees only "
            "its own company, with fewer fields and no filters."
        ),
        responses=_list_responses(s.ClientSerializer, ClientFilter, "ClientListError"),
    ),
    retrieve=extend_schema(summary=_("One client"), responses=_detail_responses(s.ClientSerializer)),
    create=extend_schema(
        summary=_("Create a client"),
        request=s.ClientWriteSerializer,
        responses=_write_responses(s.ClientSerializer, s.ClientValidationErrorSerializer, status=201),
    ),
    update=extend_schema(
        summary=_("Replace a client's details"),
        request=s.ClientWriteSerializer,
        responses=_write_responses(s.ClientSerializer, s.ClientValidationErrorSerializer),
    ),
    partial_update=extend_schema(
        summary=_("Change some of a client's details"),
        request=s.ClientWriteSerializer,
        responses=_write_responses(s.ClientSerializer, s.ClientValidationErrorSerializer),
    ),
)
class ClientViewSet(mixins.ListModelMixin, ApiViewSet):
    api_resource = "client"
    portal_readable = True
    filterset_class = ClientFilter
    ordering_fields = ("display_name", "legal_name", "created_at", "id")
    portal_ordering_fields = ("display_name", "id")
    ordering = ("display_name", "id")

    def get_queryset(self) -> QuerySet[Client]:
        return client_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action in {"create", "update", "partial_update"}:
            return s.ClientWriteSerializer
        return s.PortalClientSerializer if self.for_portal() else s.ClientSerializer

    def get_object(self) -> Client:
        return self.found(client_get_for(self.request.user, self.kwargs["pk"]))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        values = self.parsed(s.ClientWriteSerializer)
        owner = values.setdefault("owner", self.person)
        if not can_assign_owner(self.person, client=None, owner=owner):
            raise PermissionDenied(_("Only the head of accounts gives a client to another account manager."))
        client = self._save(values, client=None)
        return Response(s.ClientSerializer(client_get_for(self.person, client.pk)).data, status=201)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        client = self.get_object()
        values = self.parsed(s.ClientWriteSerializer, partial=partial)
        owner = values.get("owner")
        if owner is not None and not can_assign_owner(self.person, client=client, owner=owner):
            raise PermissionDenied(_("Only the head of accounts gives a client to another account manager."))
        client = self._save(values, client=client)
        return Response(s.ClientSerializer(client_get_for(self.person, client.pk)).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        return self.update(request, pk, partial=True)

    @transaction.atomic
    def _save(self, values: dict[str, Any], *, client: Client | None) -> Client:
        names = values.pop("tags", None)
        tags = tags_from_names(names) if names is not None else None
        if client is None:
            return client_create(by=self.person, tags=tags, **values)
        return client_update(client=client, by=self.person, tags=tags, **values)


@extend_schema_view(
    list=extend_schema(
        summary=_("List contacts"),
        description=_(
            "Contacts of the clients the caller may see. A client contact sees its colleagues only, "
            "without the agency's assessment (role, influence, sentiment)."
        ),
        responses=_list_responses(s.ContactSerializer, ContactFilter, "ContactListError"),
    ),
    retrieve=extend_schema(summary=_("One contact"), responses=_detail_responses(s.ContactSerializer)),
    create=extend_schema(
        summary=_("Add a contact to a client"),
        request=s.ContactCreateSerializer,
        responses=_write_responses(s.ContactSerializer, s.ContactValidationErrorSerializer, status=201),
    ),
    update=extend_schema(
        summary=_("Replace a contact's details"),
        request=s.ContactWriteSerializer,
        responses=_write_responses(s.ContactSerializer, s.ContactValidationErrorSerializer),
    ),
    partial_update=extend_schema(
        summary=_("Change some of a contact's details"),
        request=s.ContactWriteSerializer,
        responses=_write_responses(s.ContactSerializer, s.ContactValidationErrorSerializer),
    ),
)
class ContactViewSet(mixins.ListModelMixin, ApiViewSet):
    api_resource = "contact"
    portal_readable = True
    filterset_class = ContactFilter
    ordering_fields = ("full_name", "id")
    portal_ordering_fields = ("full_name", "id")
    ordering = ("full_name", "id")

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return s.ContactCreateSerializer
        if self.action in {"update", "partial_update"}:
            return s.ContactWriteSerializer
        return s.PortalContactSerializer if self.for_portal() else s.ContactSerializer

    def get_object(self) -> Contact:
        return self.found(contact_get_for(self.request.user, self.kwargs["pk"]))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        values = self.parsed(s.ContactCreateSerializer)
        client = self.found(values.pop("client"))
        contact = contact_create(client=client, by=self.person, **values)
        return Response(s.ContactSerializer(contact_get_for(self.person, contact.pk)).data, status=201)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        contact = self.get_object()
        values = self.parsed(s.ContactWriteSerializer, partial=partial)
        contact = contact_update(contact=contact, by=self.person, **values)
        return Response(s.ContactSerializer(contact_get_for(self.person, contact.pk)).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        return self.update(request, pk, partial=True)


@extend_schema_view(
    list=extend_schema(
        summary=_("List interactions"),
        description=_("Touches with the clients the caller may see (agency staff only)."),
        responses=_list_responses(s.InteractionSerializer, InteractionFilter, "InteractionListError"),
    ),
    retrieve=extend_schema(
        summary=_("One interaction"), responses=_detail_responses(s.InteractionSerializer)
    ),
    create=extend_schema(
        summary=_("Log an interaction"),
        request=s.InteractionCreateSerializer,
        responses=_write_responses(
            s.InteractionSerializer, s.InteractionValidationErrorSerializer, status=201
        ),
    ),
    update=extend_schema(
        summary=_("Replace an interaction"),
        request=s.InteractionWriteSerializer,
        responses=_write_responses(s.InteractionSerializer, s.InteractionValidationErrorSerializer),
    ),
    partial_update=extend_schema(
        summary=_("Change some of an interaction"),
        request=s.InteractionWriteSerializer,
        responses=_write_responses(s.InteractionSerializer, s.InteractionValidationErrorSerializer),
    ),
    complete_next_step=extend_schema(
        summary=_("Mark the next step done"),
        request=None,
        responses=_write_responses(s.InteractionSerializer, s.InteractionValidationErrorSerializer),
    ),
)
class InteractionViewSet(mixins.ListModelMixin, ApiViewSet):
    api_resource = "interaction"
    filterset_class = InteractionFilter
    ordering_fields = ("occurred_at", "id")
    ordering = ("-occurred_at", "-id")

    def get_queryset(self) -> QuerySet[Interaction]:
        return interaction_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return s.InteractionCreateSerializer
        if self.action in {"update", "partial_update"}:
            return s.InteractionWriteSerializer
        return s.InteractionSerializer

    def get_object(self) -> Interaction:
        return self.found(interaction_get_for(self.request.user, self.kwargs["pk"]))

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        values = self.parsed(s.InteractionCreateSerializer)
        client = self.found(values.pop("client"))
        interaction = interaction_log(client=client, by=self.person, **values)
        return Response(self._render(interaction), status=201)

    def update(self, request: Request, pk: int, partial: bool = False) -> Response:
        interaction = self.get_object()
        values = self.parsed(s.InteractionWriteSerializer, partial=partial)
        interaction = interaction_update(interaction=interaction, by=self.person, **values)
        return Response(self._render(interaction))

    def partial_update(self, request: Request, pk: int) -> Response:
        return self.update(request, pk, partial=True)

    @action(detail=True, methods=["post"], url_path="complete-next-step", url_name="complete-next-step")
    def complete_next_step(self, request: Request, pk: int) -> Response:
        interaction = next_step_complete(interaction=self.get_object(), by=self.person)
        return Response(self._render(interaction))

    def _render(self, interaction: Interaction) -> dict[str, Any]:
        return s.InteractionSerializer(interaction_get_for(self.person, interaction.pk)).data


@extend_schema_view(
    list=extend_schema(
        summary=_("List timeline events"),
        description=_(
            "The timeline and audit trail of the clients the caller may see, newest first (agency "
            "staff only). Events are never changed."
        ),
        responses=_list_responses(s.EventSerializer, EventFilter, "EventListError"),
    ),
    retrieve=extend_schema(summary=_("One timeline event"), responses=_detail_responses(s.EventSerializer)),
)
class EventViewSet(mixins.ListModelMixin, ApiViewSet):
    api_resource = "event"
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    ordering_fields = ("at", "id")
    ordering = ("-at", "-id")

    def get_queryset(self) -> QuerySet[Event]:
        return event_list_for(self.request.user).select_related("subject_type")

    def get_object(self) -> Event:
        event = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if event is None:
            raise Http404("No such event.")
        return self.found(event)

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


class MeView(GenericAPIView):
    """Who is calling: their role and language (and, for a client contact, their client)."""

    permission_classes = [IsAuthenticated, SignedIn]
    renderer_classes = [JSONRenderer]
    serializer_class = s.MeSerializer
    pagination_class = None
    filter_backends: list[Any] = []

    @extend_schema(summary=_("Who am I"), responses={200: s.MeSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN})
    def get(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI from our own origin with its start-up script as a separate file (strict CSP)."""

    template_name = "api/swagger_ui.html"
