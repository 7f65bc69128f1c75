"""The shapes of documents in the API: contracts, acts, reports, their lines, files and the client's answers.

Read serializers render what the documents selectors found; a client contact gets the same shapes
without the agency's internals (its note, who drafted it, the IP addresses of the answers). Write
serializers only parse shapes (types, lengths, that a referenced id is one the caller may see); the
rules of the document flow (what a draft is, which fields a kind has, when a document is frozen) are
the services' and come back as field errors from ``DocumentError``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from khata.api.plan_serializers import VisibleProjectField
from khata.api.serializers import BIGINT_MAX, VisibleClientField, validation_error_serializer
from khata.documents.models import (
    ActLine,
    Behaviour,
    Document,
    DocumentDecision,
    DocumentFile,
    DocumentKind,
)
from khata.documents.selectors import DocumentPage, document_visible_to
from khata.plans.models import PlanItem
from khata.plans.selectors import plan_version_list_for
from khata.production.models import Task

INT_MAX = 2**31 - 1
AMOUNT_MAX = 10**15


# --- kinds ------------------------------------------------------------------------------------------


class DocumentKindSerializer(serializers.ModelSerializer[DocumentKind]):
    display_name = serializers.CharField(
        source="label", read_only=True, help_text=_("The name in the reader's language.")
    )

    class Meta:
        model = DocumentKind
        fields = [
            "id",
            "code",
            "name",
            "display_name",
            "behaviour",
            "series",
            "number_format",
            "needs_client_answer",
            "active",
            "position",
        ]
        read_only_fields = fields


class DocumentKindWriteSerializer(serializers.Serializer[DocumentKind]):
    code = serializers.SlugField(max_length=32)
    name = serializers.CharField(max_length=100)
    behaviour = serializers.ChoiceField(choices=Behaviour.choices)
    series = serializers.CharField(max_length=8, help_text=_("Up to 8 capital letters and digits."))
    number_format = serializers.CharField(
        max_length=40, help_text=_("For example CTR/{year}/{seq:04}: {year} or {yy}, and {seq}.")
    )
    needs_client_answer = serializers.BooleanField(required=False)
    active = serializers.BooleanField(required=False)
    position = serializers.IntegerField(min_value=0, max_value=32767, required=False)


# --- documents: what is read ------------------------------------------------------------------------


class DocumentSerializer(serializers.ModelSerializer[Document]):
    """A document as a row of the register."""

    kind_code = serializers.CharField(source="kind.code", read_only=True)
    kind_name = serializers.CharField(source="kind.label", read_only=True)
    behaviour = serializers.ChoiceField(source="kind.behaviour", choices=Behaviour.choices, read_only=True)
    client_name = serializers.CharField(source="client.display_name", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True, allow_null=True)
    amount_minor = serializers.IntegerField(read_only=True, help_text=_("Minor units of the currency"))

    class Meta:
        model = Document
        fields = [
            "id",
            "kind",
            "kind_code",
            "kind_name",
            "behaviour",
            "client",
            "client_name",
            "project",
            "project_name",
            "contract",
            "replaces",
            "title",
            "number",
            "status",
            "date",
            "currency",
            "amount_minor",
            "sent_at",
            "decided_at",
        ]
        read_only_fields = fields


class ActLineSerializer(serializers.ModelSerializer[ActLine]):
    amount_minor = serializers.IntegerField(read_only=True, help_text=_("Minor units of the currency"))

    class Meta:
        model = ActLine
        fields = ["id", "document", "position", "deliverable", "minutes", "amount_minor", "task", "plan_item"]
        read_only_fields = fields


class DocumentFileSerializer(serializers.ModelSerializer[DocumentFile]):
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name", read_only=True)
    download_url = serializers.SerializerMethodField(help_text=_("Where the file is downloaded."))

    class Meta:
        model = DocumentFile
        fields = [
            "id",
            "document",
            "version",
            "name",
            "content_type",
            "size",
            "sha256",
            "note",
            "uploaded_by_name",
            "created_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, stored: DocumentFile) -> str:
        return reverse("api:documentfile-download", args=[stored.pk])


class DocumentDecisionSerializer(serializers.ModelSerializer[DocumentDecision]):
    """An answer as the client's contact sees it."""

    class Meta:
        model = DocumentDecision
        fields = ["id", "decision", "name", "reason", "in_portal", "at"]
        read_only_fields = fields


class StaffDocumentDecisionSerializer(DocumentDecisionSerializer):
    """Staff also see who recorded the answer and from which address it came."""

    class Meta(DocumentDecisionSerializer.Meta):
        fields = [*DocumentDecisionSerializer.Meta.fields, "by", "ip_address"]
        read_only_fields = fields


class DocumentVersionSerializer(serializers.ModelSerializer[Document]):
    """One document of a chain of versions (each corrects the one it replaces)."""

    class Meta:
        model = Document
        fields = ["id", "number", "title", "status", "date", "replaces"]
        read_only_fields = fields


def _page(serializer: serializers.Serializer[Any]) -> DocumentPage:
    page = serializer.context.get("page")
    assert isinstance(page, DocumentPage), "render a document's detail from its DocumentPage"
    return page


class DocumentDetailSerializer(DocumentSerializer):
    """One document with its fields, lines, files, the client's answers and its versions.

    Rendered from ``document_page_for`` (pass the page as ``context["page"]``).
    """

    notice_date = serializers.DateField(read_only=True, allow_null=True)
    replaced_by = serializers.SerializerMethodField(help_text=_("Ids of the newer versions of this document"))
    total_minutes = serializers.SerializerMethodField()
    lines = serializers.SerializerMethodField()
    files = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField(
        help_text=_("The chain of versions, the oldest first; empty when there is only this one.")
    )

    class Meta(DocumentSerializer.Meta):
        fields = [
            *DocumentSerializer.Meta.fields,
            "replaced_by",
            "parties",
            "start_date",
            "end_date",
            "auto_renew",
            "renewal_months",
            "notice_days",
            "notice_date",
            "period_start",
            "period_end",
            "milestone",
            "status_report",
            "registered_at",
            "terminated_on",
            "total_minutes",
            "lines",
            "files",
            "decisions",
            "versions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_replaced_by(self, document: Document) -> list[int]:
        return [version.pk for version in _page(self).versions if version.replaces_id == document.pk]

    def get_total_minutes(self, document: Document) -> int:
        return _page(self).total_minutes

    @extend_schema_field(ActLineSerializer(many=True))
    def get_lines(self, document: Document) -> Any:
        return ActLineSerializer(_page(self).lines, many=True).data

    @extend_schema_field(DocumentFileSerializer(many=True))
    def get_files(self, document: Document) -> Any:
        return DocumentFileSerializer(_page(self).files, many=True).data

    @extend_schema_field(DocumentDecisionSerializer(many=True))
    def get_decisions(self, document: Document) -> Any:
        return DocumentDecisionSerializer(_page(self).decisions, many=True).data

    @extend_schema_field(DocumentVersionSerializer(many=True))
    def get_versions(self, document: Document) -> Any:
        return DocumentVersionSerializer(_page(self).versions, many=True).data


class StaffDocumentDetailSerializer(DocumentDetailSerializer):
    """Staff also see the agency's note, who drafted it, and the answers' addresses."""

    created_by_name = serializers.CharField(source="created_by.full_name", read_only=True, allow_null=True)

    class Meta(DocumentDetailSerializer.Meta):
        fields = [
            *DocumentDetailSerializer.Meta.fields,
            "note",
            "created_by",
            "created_by_name",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(StaffDocumentDecisionSerializer(many=True))
    def get_decisions(self, document: Document) -> Any:
        return StaffDocumentDecisionSerializer(_page(self).decisions, many=True).data


class CandidateTaskSerializer(serializers.ModelSerializer[Task]):
    logged_minutes = serializers.IntegerField(source="logged", read_only=True, allow_null=True)
    price_minor = serializers.IntegerField(source="plan_item.price_minor", read_only=True, allow_null=True)

    class Meta:
        model = Task
        fields = ["id", "title", "done_at", "plan_item", "logged_minutes", "price_minor"]
        read_only_fields = fields


class CandidatePlanItemSerializer(serializers.ModelSerializer[PlanItem]):
    class Meta:
        model = PlanItem
        fields = ["id", "deliverable", "estimate_minutes", "price_minor", "due_date"]
        read_only_fields = fields


class ActCandidatesSerializer(serializers.Serializer[Any]):
    """What can go on a draft act: done tasks and agreed plan items not yet on an act."""

    tasks = CandidateTaskSerializer(many=True, read_only=True)
    plan_items = CandidatePlanItemSerializer(many=True, read_only=True)


# --- documents: what is written ---------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class VisibleDocumentField(serializers.PrimaryKeyRelatedField[Document]):
    """A document id the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[Document]:
        request = self.context.get("request")
        return (
            document_visible_to(request.user).select_related("kind")
            if request is not None
            else Document.objects.none()
        )


@extend_schema_field(OpenApiTypes.INT)
class VisiblePlanItemField(serializers.PrimaryKeyRelatedField[PlanItem]):
    """A plan item id of a plan the caller may see; any other id reads as unknown."""

    def get_queryset(self) -> QuerySet[PlanItem]:
        request = self.context.get("request")
        if request is None:
            return PlanItem.objects.none()
        return PlanItem.objects.filter(version__in=plan_version_list_for(request.user)).select_related(
            "version"
        )


class DocumentWriteSerializer(serializers.Serializer[Document]):
    """The fields of a draft. Which of them a kind has is the service's rule (a field error)."""

    title = serializers.CharField(max_length=200)
    date = serializers.DateField()
    project = VisibleProjectField(required=False, allow_null=True, help_text=_("Project id"))
    contract = VisibleDocumentField(
        required=False, allow_null=True, help_text=_("The contract this document belongs to (document id)")
    )
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    amount_minor = serializers.IntegerField(
        min_value=0,
        max_value=AMOUNT_MAX,
        required=False,
        help_text=_("Minor units; an act's amount is the sum of its lines"),
    )
    parties = serializers.CharField(max_length=4000, required=False, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    auto_renew = serializers.BooleanField(required=False)
    renewal_months = serializers.IntegerField(min_value=1, max_value=120, required=False, allow_null=True)
    notice_days = serializers.IntegerField(min_value=0, max_value=730, required=False, allow_null=True)
    period_start = serializers.DateField(required=False, allow_null=True)
    period_end = serializers.DateField(required=False, allow_null=True)
    milestone = VisiblePlanItemField(
        required=False, allow_null=True, help_text=_("A plan item of the project (acts only)")
    )


class DocumentCreateSerializer(DocumentWriteSerializer):
    kind = serializers.PrimaryKeyRelatedField(
        queryset=DocumentKind.objects.all(), help_text=_("Document kind id")
    )
    client = VisibleClientField(help_text=_("Client id"))
    date = serializers.DateField(required=False, help_text=_("Today when left out."))


class FromStatusReportSerializer(serializers.Serializer[Document]):
    status_report = serializers.IntegerField(min_value=1, help_text=_("A published status report's id"))


class SendSerializer(serializers.Serializer[Document]):
    note = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, help_text=_("A word to the client")
    )


class ReopenSerializer(serializers.Serializer[Document]):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class AcceptSerializer(serializers.Serializer[Document]):
    name = serializers.CharField(
        max_length=150,
        help_text=_(
            "The name of the person who accepts or signs: the contact's own in the portal, the "
            "signatory's for a signature given on paper."
        ),
    )


class DisputeSerializer(serializers.Serializer[Document]):
    reason = serializers.CharField(max_length=4000, help_text=_("What is wrong with the document"))
    name = serializers.CharField(max_length=150, required=False, allow_blank=True)


class RejectSerializer(serializers.Serializer[Document]):
    reason = serializers.CharField(max_length=4000)


class TerminateSerializer(serializers.Serializer[Document]):
    on = serializers.DateField(help_text=_("The contract's last day"))
    reason = serializers.CharField(max_length=4000)


class ActLineWriteSerializer(serializers.Serializer[ActLine]):
    deliverable = serializers.CharField(max_length=200)
    minutes = serializers.IntegerField(min_value=0, max_value=100_000 * 60, required=False)
    amount_minor = serializers.IntegerField(
        min_value=0, max_value=AMOUNT_MAX, required=False, help_text=_("Minor units of the currency")
    )


class ActLineUpdateSerializer(ActLineWriteSerializer):
    deliverable = serializers.CharField(max_length=200, required=False)
    position = serializers.IntegerField(min_value=0, max_value=INT_MAX, required=False)


class LinesFromProjectSerializer(serializers.Serializer[ActLine]):
    task_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=500,
        help_text=_("Done tasks of the act's project"),
    )
    plan_item_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        required=False,
        max_length=500,
        help_text=_("Items of the project's agreed plan"),
    )


class DocumentFileUploadSerializer(serializers.Serializer[DocumentFile]):
    file = serializers.FileField(allow_empty_file=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- what a refusal says ----------------------------------------------------------------------------


def _errors(name: str, fields: tuple[str, ...]) -> type[serializers.Serializer[Any]]:
    messages = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in (*fields, "document", "non_field_errors")
    }
    return type(name, (serializers.Serializer,), {**messages, "__doc__": "Why nothing was changed."})


DocumentKindValidationErrorSerializer = validation_error_serializer(
    DocumentKindWriteSerializer, "DocumentKindValidationError"
)
DocumentValidationErrorSerializer = _errors(
    "DocumentValidationError", (*DocumentCreateSerializer().fields, "by")
)
DocumentActionValidationErrorSerializer = _errors(
    "DocumentActionValidationError",
    ("note", "reason", "name", "on", "lines", "project", "period_start", "start_date"),
)
ActLineValidationErrorSerializer = _errors(
    "ActLineValidationError", (*ActLineUpdateSerializer().fields, "tasks", "plan_items", "project")
)
LinesFromProjectValidationErrorSerializer = _errors(
    "LinesFromProjectValidationError", ("task_ids", "plan_item_ids", "tasks", "plan_items", "project")
)
DocumentFileValidationErrorSerializer = _errors("DocumentFileValidationError", ("file", "note"))
