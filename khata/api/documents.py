"""The REST endpoints of the document flow under ``/api/v1/``: contracts, acts, reports and their kinds.

Reads go through ``khata.documents.selectors`` (a document the caller may not see answers 404, and a
client contact never sees a draft), writes through ``khata.documents.services`` (a refused move — a
frozen document edited, an act sent without lines, a file that is not what its name says — answers
400 with field errors and changes nothing). Who may do what follows ``khata.documents.policies``:

- the head and the client's AM (or the project's) draft, edit, send, reopen, record a signature given
  on paper, reject, put in force, terminate, archive and revise documents and add their files;
  finance reads every document and writes nothing (403); a specialist sees none (404);
- a client contact reads its own company's documents once they are sent, read-only, and — when its
  stakeholder role speaks for the company — accepts (or signs) or disputes them; anything else it
  asks of them is 403, and another company's document is 404 whatever the method;
- document kinds and their numbering are the agency's settings: staff read them, the head changes
  them, a contact gets 403 for the list and 404 for one kind.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_ipv46_address
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import documents_serializers as ds
from khata.api.filters import IdFilter
from khata.api.plans import PlanAccess
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
from khata.core.uploads import file_download
from khata.documents.models import ActLine, Behaviour, Document, DocumentFile, DocumentKind
from khata.documents.policies import (
    answering_contact,
    can_create_documents,
    can_edit_document,
    can_edit_document_kinds,
    can_view_document,
)
from khata.documents.selectors import (
    RegistryFilters,
    act_candidates,
    document_get_for,
    document_page_for,
    document_registry_for,
    document_visible_to,
)
from khata.documents.services import (
    act_line_add,
    act_line_remove,
    act_line_update,
    act_lines_from_project,
    contract_terminate,
    document_accept,
    document_activate,
    document_archive,
    document_create,
    document_discard,
    document_dispute,
    document_file_add,
    document_kind_create,
    document_kind_update,
    document_reject,
    document_reopen,
    document_revise,
    document_send,
    document_update,
    report_from_status_report,
)
from khata.people.policies import is_contact_user, is_staff_user
from khata.production.reports import report_get_for


def _responses(read: Any, errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    """A write on an object found by id: its refusals, and its 404."""
    return {status: read, 400: _bad_input(errors), 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}


def _client_ip(request: Request) -> str | None:
    """The address the answer came from, as the server saw it (``None`` if it is not an address)."""
    address = str(request.META.get("REMOTE_ADDR") or "")
    try:
        validate_ipv46_address(address)
    except DjangoValidationError:
        return None
    return address


class DocumentFilter(django_filters.FilterSet):
    """The registry's filters (``RegistryFilters``), applied by the documents selector's own rule."""

    kind = IdFilter(label=_("Document kind id"))
    behaviour = django_filters.ChoiceFilter(choices=Behaviour.choices, label=_("How the kind behaves"))
    status = django_filters.ChoiceFilter(choices=Document.Status.choices)
    client = IdFilter(label=_("Client id"))
    project = IdFilter(label=_("Project id"))
    date_from = django_filters.DateFilter(label=_("Dated on or after"))
    date_to = django_filters.DateFilter(label=_("Dated on or before"))
    number = django_filters.CharFilter(max_length=16, label=_("A part of the number, e.g. ACT/2026"))

    class Meta:
        model = Document
        fields = ["kind", "behaviour", "status", "client", "project", "date_from", "date_to", "number"]

    def filter_queryset(self, queryset: QuerySet[Document]) -> QuerySet[Document]:
        values = {name: value for name, value in self.form.cleaned_data.items() if value not in (None, "")}
        return queryset.filter(RegistryFilters(**values).q())


class DocumentKindFilter(django_filters.FilterSet):
    behaviour = django_filters.ChoiceFilter(choices=Behaviour.choices)
    active = django_filters.BooleanFilter()

    class Meta:
        model = DocumentKind
        fields = ["behaviour", "active"]


class DocumentViewSetBase(ApiViewSet):
    """Staff and contacts may call; each write is then decided on its document."""

    permission_classes = [IsAuthenticated, PlanAccess]

    def may_edit(self, document: Document) -> None:
        """403 unless the caller keeps this document (its client's or project's AM, or the head)."""
        if not can_edit_document(self.person, document):
            raise PermissionDenied(_("You cannot change this document."))

    def may_read_internals(self, document: Document) -> None:
        """403 for a client contact: the act's candidates and the like are the agency's own."""
        if not is_staff_user(self.person):
            raise PermissionDenied(_("This is the agency's own information."))

    def render(self, document: Document) -> Any:
        """The document's detail, read again through the selector as the caller sees it."""
        page = document_page_for(self.person, document.pk)
        serializer = (
            ds.DocumentDetailSerializer if is_contact_user(self.person) else ds.StaffDocumentDetailSerializer
        )
        return serializer(page.document, context={"page": page}).data


_DOCUMENT_OUT = ds.StaffDocumentDetailSerializer
_ERRORS = ds.DocumentValidationErrorSerializer
_ACTION_ERRORS = ds.DocumentActionValidationErrorSerializer


def _action(summary: StrOrPromise, request: Any, description: StrOrPromise = "", *, status: int = 200) -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=_responses(_DOCUMENT_OUT, _ACTION_ERRORS, status=status),
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List documents"),
        description=_(
            "The register: the documents the caller may see, newest first, with the registry's "
            "filters. A client contact sees its own company's documents once they are sent."
        ),
        responses=_list_responses(ds.DocumentSerializer, DocumentFilter, "DocumentListError"),
    ),
    retrieve=extend_schema(
        summary=_("One document with its lines, files, the client's answers and versions"),
        description=_("A client contact gets the same without the agency's note and addresses."),
        responses=_detail_responses(_DOCUMENT_OUT),
    ),
    create=extend_schema(
        summary=_("Draft a document"),
        description=_("A draft has no number: it is registered when it is sent."),
        request=ds.DocumentCreateSerializer,
        responses=_write_responses(_DOCUMENT_OUT, _ERRORS, status=201),
    ),
    partial_update=extend_schema(
        summary=_("Change a draft"),
        description=_("Only a draft changes; a sent document is reopened first, a frozen one revised."),
        request=ds.DocumentWriteSerializer,
        responses=_responses(_DOCUMENT_OUT, _ERRORS),
    ),
    destroy=extend_schema(
        summary=_("Discard a draft that was never registered"),
        responses={204: None, **{k: v for k, v in _responses(None, _ERRORS).items() if k != 200}},
    ),
    send=_action(
        _("Register a document and send it to the client"),
        ds.SendSerializer,
        _(
            "It gets its number now. A kind the client does not answer (a report) is in force at once; "
            "a disputed document may be sent again with the agency's answer in the note."
        ),
    ),
    reopen=_action(
        _("Take a sent or disputed document back to draft"), ds.ReopenSerializer, _("It keeps its number.")
    ),
    accept=_action(
        _("Accept or sign a sent document"),
        ds.AcceptSerializer,
        _(
            "A client contact who speaks for its company accepts (a contract-like document: signs) with "
            "its name; the time and its address are kept. The account manager records a signature given "
            "on paper with the signatory's name."
        ),
    ),
    dispute=_action(
        _("Dispute a sent document"),
        ds.DisputeSerializer,
        _("The client's contact says what is wrong; the document waits for the agency."),
    ),
    reject=_action(_("Record that the client refused a document for good"), ds.RejectSerializer),
    activate=_action(_("Put a signed contract in force"), None),
    terminate=_action(_("End a signed or active contract"), ds.TerminateSerializer),
    archive=_action(_("Archive an accepted, signed or active document"), None),
    revise=_action(
        _("Draft a new version of a frozen document"),
        None,
        _("The new draft replaces the old one once it is signed or accepted itself."),
        status=201,
    ),
    from_status_report=_action(
        _("Put a published status report in the register"),
        ds.FromStatusReportSerializer,
        _("A draft report document of the project, once per status report; sending it registers it."),
        status=201,
    ),
    lines=extend_schema(
        summary=_("Add a line to a draft act"),
        request=ds.ActLineWriteSerializer,
        responses=_responses(ds.ActLineSerializer, ds.ActLineValidationErrorSerializer, status=201),
    ),
    lines_from_project=extend_schema(
        summary=_("Add lines for done tasks and agreed plan items of the act's project"),
        description=_(
            "A task's line takes the time logged on it and its plan item's price; nothing goes on two "
            "acts that stand."
        ),
        request=ds.LinesFromProjectSerializer,
        responses=_responses(
            ds.ActLineSerializer(many=True), ds.LinesFromProjectValidationErrorSerializer, status=201
        ),
    ),
    candidates=extend_schema(
        summary=_("What can go on a draft act"),
        description=_(
            "The project's done tasks (in the act's period) and agreed plan items not yet on an act."
        ),
        responses={**_detail_responses(ds.ActCandidatesSerializer)},
    ),
)
class DocumentViewSet(mixins.ListModelMixin, DocumentViewSetBase):
    portal_readable = True
    filterset_class = DocumentFilter
    portal_filterset_class = DocumentFilter
    # The cursor keys on the date, never null; the id breaks ties.
    ordering_fields = ("date", "id")
    portal_ordering_fields = ("date", "id")
    ordering = ("-date", "-id")
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Document]:
        return document_registry_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return ds.DocumentSerializer
        if self.action == "create":
            return ds.DocumentCreateSerializer
        if self.action == "partial_update":
            return ds.DocumentWriteSerializer
        return _DOCUMENT_OUT

    def get_object(self) -> Document:
        return document_get_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.render(self.get_object()))

    def create(self, request: Request) -> Response:
        if not can_create_documents(self.person):
            raise PermissionDenied(_("Only account managers and the head draft documents."))
        values = self.parsed(ds.DocumentCreateSerializer)
        kind, client = values.pop("kind"), values.pop("client")
        if not can_edit_document(
            self.person, Document(kind=kind, client=client, project=values.get("project"))
        ):
            raise PermissionDenied(_("You cannot draft documents for this client."))
        title = values.pop("title")
        document = document_create(by=self.person, kind=kind, client=client, title=title, **values)
        return Response(self.render(document), status=201)

    def partial_update(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.DocumentWriteSerializer, partial=True)
        document = document_update(document=document, by=self.person, **values)
        return Response(self.render(document))

    def destroy(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        document_discard(document=document, by=self.person)
        return Response(status=204)

    @action(detail=False, methods=["post"], url_path="from-status-report", url_name="from-status-report")
    def from_status_report(self, request: Request) -> Response:
        if not can_create_documents(self.person):
            raise PermissionDenied(_("Only account managers and the head draft documents."))
        values = self.parsed(ds.FromStatusReportSerializer)
        report = report_get_for(self.person, values["status_report"])
        document = report_from_status_report(status_report=report, by=self.person)
        return Response(self.render(document), status=201)

    @action(detail=True, methods=["post"])
    def send(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.SendSerializer)
        # The email to the client's contacts links to the portal on the address it was called at.
        site_url = request.build_absolute_uri("/").rstrip("/")
        document = document_send(document=document, by=self.person, site_url=site_url, **values)
        return Response(self.render(document))

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.ReopenSerializer)
        return Response(self.render(document_reopen(document=document, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        if is_contact_user(self.person):
            if answering_contact(self.person, document) is None:
                raise PermissionDenied(_("You cannot answer this document for your company."))
            in_portal, address = True, _client_ip(request)
        else:
            self.may_edit(document)
            in_portal, address = False, None
        name = self.parsed(ds.AcceptSerializer)["name"]
        document_accept(document=document, by=self.person, name=name, ip_address=address, in_portal=in_portal)
        return Response(self.render(document))

    @action(detail=True, methods=["post"])
    def dispute(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        if answering_contact(self.person, document) is None:
            raise PermissionDenied(
                _(
                    "Only a contact who speaks for the client disputes a document; the agency "
                    "records a refusal."
                )
            )
        values = self.parsed(ds.DisputeSerializer)
        document_dispute(document=document, by=self.person, ip_address=_client_ip(request), **values)
        return Response(self.render(document))

    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.RejectSerializer)
        return Response(self.render(document_reject(document=document, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        return Response(self.render(document_activate(document=document, by=self.person)))

    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.TerminateSerializer)
        return Response(self.render(contract_terminate(document=document, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def archive(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        return Response(self.render(document_archive(document=document, by=self.person)))

    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        return Response(self.render(document_revise(document=document, by=self.person)), status=201)

    @action(detail=True, methods=["post"])
    def lines(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.ActLineWriteSerializer)
        line = act_line_add(document=document, by=self.person, **values)
        return Response(ds.ActLineSerializer(line).data, status=201)

    @action(detail=True, methods=["post"], url_path="lines-from-project", url_name="lines-from-project")
    def lines_from_project(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_edit(document)
        values = self.parsed(ds.LinesFromProjectSerializer)
        lines = act_lines_from_project(
            document=document,
            by=self.person,
            task_ids=values.get("task_ids", []),
            plan_item_ids=values.get("plan_item_ids", []),
        )
        return Response(ds.ActLineSerializer(lines, many=True).data, status=201)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def candidates(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        self.may_read_internals(document)
        return Response(ds.ActCandidatesSerializer(act_candidates(document)).data)

    @extend_schema(
        methods=["GET"],
        summary=_("A document's files, the newest version first"),
        request=None,
        responses={**_detail_responses(ds.DocumentFileSerializer), 200: ds.DocumentFileSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Add a new version of a document's file"),
        description=_(
            "A form with the file, judged by its content and not by its name; earlier versions are kept."
        ),
        request={"multipart/form-data": ds.DocumentFileUploadSerializer},
        responses=_responses(ds.DocumentFileSerializer, ds.DocumentFileValidationErrorSerializer, status=201),
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filter_backends=[],
        parser_classes=[MultiPartParser],
    )
    def files(self, request: Request, pk: int) -> Response:
        document = self.get_object()
        if request.method == "POST":
            self.may_edit(document)
            values = self.parsed(ds.DocumentFileUploadSerializer)
            stored = document_file_add(document=document, by=self.person, **values)
            return Response(ds.DocumentFileSerializer(stored).data, status=201)
        files = document.files.select_related("uploaded_by").order_by("-version")
        return Response(ds.DocumentFileSerializer(files, many=True).data)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("One line of an act"), responses=_detail_responses(ds.ActLineSerializer)
    ),
    partial_update=extend_schema(
        summary=_("Change a line of a draft act"),
        request=ds.ActLineUpdateSerializer,
        responses=_responses(ds.ActLineSerializer, ds.ActLineValidationErrorSerializer),
    ),
    destroy=extend_schema(
        summary=_("Take a line off a draft act"),
        responses={
            204: None,
            400: _bad_input(ds.ActLineValidationErrorSerializer),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
)
class ActLineViewSet(DocumentViewSetBase):
    portal_readable = True
    filter_backends: list[Any] = []
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[ActLine]:
        return ActLine.objects.filter(document__in=document_visible_to(self.request.user))

    def get_serializer_class(self) -> type[Any]:
        if self.action == "partial_update":
            return ds.ActLineUpdateSerializer
        return ds.ActLineSerializer

    def get_object(self) -> ActLine:
        try:
            return (
                self.get_queryset()
                .select_related("document__client", "document__project")
                .get(pk=self.kwargs["pk"])
            )
        except (ActLine.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such line.") from error

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(ds.ActLineSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        line = self.get_object()
        self.may_edit(line.document)
        values = self.parsed(ds.ActLineUpdateSerializer, partial=True)
        line = act_line_update(line=line, by=self.person, **values)
        return Response(ds.ActLineSerializer(line).data)

    def destroy(self, request: Request, pk: int) -> Response:
        line = self.get_object()
        self.may_edit(line.document)
        act_line_remove(line=line, by=self.person)
        return Response(status=204)


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("One version of a document's file"), responses=_detail_responses(ds.DocumentFileSerializer)
    ),
    download=extend_schema(
        summary=_("Download a version of a document's file"),
        description=_("Sent as an attachment the browser will neither sniff nor run."),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description=_("The file")
            ),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
)
class DocumentFileViewSet(mixins.RetrieveModelMixin, DocumentViewSetBase):
    portal_readable = True
    filter_backends: list[Any] = []
    pagination_class = None
    serializer_class = ds.DocumentFileSerializer
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[DocumentFile]:
        return DocumentFile.objects.filter(
            document__in=document_visible_to(self.request.user)
        ).select_related("uploaded_by", "document__client", "document__project")

    def get_object(self) -> DocumentFile:
        try:
            stored = self.get_queryset().get(pk=self.kwargs["pk"])
        except (DocumentFile.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such file.") from error
        if not can_view_document(self.person, stored.document):
            raise Http404("No such file.")
        return stored

    @action(detail=True, methods=["get"])
    def download(self, request: Request, pk: int) -> HttpResponse:
        stored = self.get_object()
        return file_download(stored.file, stored.name, stored.content_type)  # type: ignore[return-value]


@extend_schema_view(
    list=extend_schema(
        summary=_("List document kinds"),
        description=_("The kinds of documents and how each is numbered (agency staff)."),
        responses=_list_responses(ds.DocumentKindSerializer, DocumentKindFilter, "DocumentKindListError"),
    ),
    retrieve=extend_schema(
        summary=_("One document kind"), responses=_detail_responses(ds.DocumentKindSerializer)
    ),
    create=extend_schema(
        summary=_("Add a kind of document with its own series"),
        request=ds.DocumentKindWriteSerializer,
        responses=_write_responses(
            ds.DocumentKindSerializer, ds.DocumentKindValidationErrorSerializer, status=201
        ),
    ),
    partial_update=extend_schema(
        summary=_("Change a kind of document"),
        description=_(
            "Rename it, change its number format or take it out of use; its series and behaviour are "
            "fixed once it has documents."
        ),
        request=ds.DocumentKindWriteSerializer,
        responses=_responses(ds.DocumentKindSerializer, ds.DocumentKindValidationErrorSerializer),
    ),
)
class DocumentKindViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    api_resource = "documentkind"
    serializer_class = ds.DocumentKindSerializer
    filterset_class = DocumentKindFilter
    ordering_fields = ("position", "id")
    ordering = ("position", "id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[DocumentKind]:
        return DocumentKind.objects.all()

    def get_serializer_class(self) -> type[Any]:
        if self.action in {"create", "partial_update"}:
            return ds.DocumentKindWriteSerializer
        return ds.DocumentKindSerializer

    def get_object(self) -> DocumentKind:
        try:
            return DocumentKind.objects.get(pk=self.kwargs["pk"])
        except (DocumentKind.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such document kind.") from error

    def may_change(self) -> None:
        if not can_edit_document_kinds(self.person):
            raise PermissionDenied(_("Only the head of accounts can change the kinds of documents."))

    def create(self, request: Request) -> Response:
        self.may_change()
        values = self.parsed(ds.DocumentKindWriteSerializer)
        kind = document_kind_create(by=self.person, **values)
        return Response(ds.DocumentKindSerializer(kind).data, status=201)

    def partial_update(self, request: Request, pk: int) -> Response:
        kind = self.get_object()
        self.may_change()
        values = self.parsed(ds.DocumentKindWriteSerializer, partial=True)
        kind = document_kind_update(kind=kind, by=self.person, **values)
        return Response(ds.DocumentKindSerializer(kind).data)
