"""The REST endpoints of billing under ``/api/v1/``: invoices, credit notes, their lines and payments.

Writes go through ``khata.billing.services``: a refused change (an issued invoice edited, an invoice
issued without lines, a credit above what it stands for) answers 400 with field errors and changes
nothing. Who may do what follows ``khata.billing.policies``:

- the head, finance and the client's AM draft invoices, change their lines, issue, credit and void
  them; only the head and finance record payments (403 for anyone else who sees the invoice);
- a specialist sees no invoice (404);
- a client contact reads its own company's issued invoices, read-only (403 for any write); another
  company's invoice, or a draft, is 404 whatever the method.

A payment may carry an ``Idempotency-Key`` header: the same key with the same body answers the first
payment (200) and records nothing; the same key with another body is 409, and so is a payment above
what is still owed (the invoice's ledger never over-pays).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import JSONParser
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import billing_serializers as bs
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
from khata.billing.documents import invoice_facturx, invoice_filename, invoice_pdf, invoice_ubl
from khata.billing.einvoice import EInvoiceError
from khata.billing.models import Invoice, InvoiceLine, Payment
from khata.billing.policies import can_bill_client, can_record_payment
from khata.billing.reminders import invoice_promises
from khata.billing.selectors import (
    AgingRow,
    aging_for,
    dso_for,
    invoice_get_for,
    invoice_list_for,
    invoice_visible_to,
    on_time_rate_for,
)
from khata.billing.services import (
    BillingError,
    PaymentConflict,
    credit_note_issue,
    invoice_create,
    invoice_from_acts,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
    invoice_update,
    invoice_void,
    payment_record,
    promise_record,
)
from khata.documents.pdf import pdf_language
from khata.people.models import User
from khata.people.policies import AnyUser, is_contact_user, is_staff_user

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _responses(read: Any, errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    """A write on an object found by id: its refusals, and its 404."""
    return {status: read, 400: _bad_input(errors), 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}


class InvoiceFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    status = django_filters.ChoiceFilter(choices=Invoice.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Invoice.Kind.choices)

    class Meta:
        model = Invoice
        fields = ["client", "status", "kind"]


class BillingViewSetBase(ApiViewSet):
    """Staff and contacts may call; each write is then decided on the invoice's client."""

    permission_classes = [IsAuthenticated, PlanAccess]

    def handle_exception(self, exc: Exception) -> Response:
        # An over-payment or a key reused with another body: 409 with the reason, nothing recorded.
        if isinstance(exc, PaymentConflict):
            return Response(exc.message_dict, status=409)
        # An e-invoice that fails its rules is not offered: 422 with the rules it broke.
        if isinstance(exc, EInvoiceError):
            rules = [{"rule": failure.rule, "message": failure.message} for failure in exc.failures]
            return Response({"detail": str(exc), "rules": rules}, status=422)
        return super().handle_exception(exc)

    def may_bill(self, invoice: Invoice) -> None:
        if not can_bill_client(self.person, invoice.client):
            raise PermissionDenied(_("You cannot bill this client."))

    def render(self, invoice: Invoice) -> Any:
        """The invoice's detail, read again as the caller sees it."""
        found = invoice_get_for(self.person, invoice.pk)
        serializer = (
            bs.InvoiceDetailSerializer if is_contact_user(self.person) else bs.StaffInvoiceDetailSerializer
        )
        return serializer(found).data


_INVOICE_OUT = bs.StaffInvoiceDetailSerializer
# What the invoice list reads: the serializer's columns and the client's name.
_LIST_FIELDS = (
    *(
        name
        for name in bs.InvoiceSerializer.Meta.fields
        if name not in ("state", "client_name", "balance_minor")
    ),
    "client__display_name",
)
_ERRORS = bs.InvoiceValidationErrorSerializer

_FILE = OpenApiResponse(OpenApiTypes.BINARY, description=_("The file, as an attachment"))
_EINVOICE_REFUSED = OpenApiResponse(
    bs.EInvoiceRefusalSerializer, description=_("The e-invoice fails a rule of EN 16931: nothing is offered.")
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_(
        "Up to 100 characters chosen by the caller. A repeat with the same key and body answers the first "
        "payment with 200 and records nothing; the same key with another body answers 409."
    ),
)


@extend_schema_view(
    list=extend_schema(
        summary=_("List invoices and credit notes"),
        description=_(
            "The invoices the caller may see, newest first. A client contact sees its own company's "
            "issued invoices and credit notes."
        ),
        responses=_list_responses(bs.InvoiceSerializer, InvoiceFilter, "InvoiceListError"),
    ),
    retrieve=extend_schema(
        summary=_("One invoice with its lines and payments"),
        description=_("A client contact gets the same without the agency's note."),
        responses=_detail_responses(_INVOICE_OUT),
    ),
    create=extend_schema(
        summary=_("Draft an invoice"),
        description=_("A draft has no number and is in the client's currency; it is numbered when issued."),
        request=bs.InvoiceCreateSerializer,
        responses=_write_responses(_INVOICE_OUT, _ERRORS, status=201),
    ),
    issue=extend_schema(
        summary=_("Issue a draft invoice"),
        description=_("It gets its number, its totals are stored, and it is never changed again."),
        request=None,
        responses=_responses(_INVOICE_OUT, _ERRORS),
    ),
    credit=extend_schema(
        summary=_("Credit an issued invoice"),
        description=_(
            "A credit note, issued at once with its own number, for part of the invoice or what is still "
            "open. The answer is the credit note."
        ),
        request=bs.CreditSerializer,
        responses=_responses(_INVOICE_OUT, _ERRORS, status=201),
    ),
    void=extend_schema(
        summary=_("Void an issued invoice nobody paid"),
        description=_("A credit note for the whole invoice. The answer is the credit note."),
        request=bs.VoidSerializer,
        responses=_responses(_INVOICE_OUT, _ERRORS, status=201),
    ),
    lines=extend_schema(
        summary=_("Add a line to a draft invoice"),
        request=bs.InvoiceLineWriteSerializer,
        responses=_responses(bs.InvoiceLineSerializer, bs.InvoiceLineValidationErrorSerializer, status=201),
    ),
    partial_update=extend_schema(
        summary=_("Change a draft invoice's dates, project, contract, reference or note"),
        description=_("An issued invoice never changes: the answer is 400 and a credit note corrects it."),
        request=bs.InvoiceUpdateSerializer,
        responses=_responses(_INVOICE_OUT, _ERRORS),
    ),
    from_acts=extend_schema(
        summary=_("Draft an invoice from accepted acts"),
        description=_(
            "One line per line of each act, at the given tax rate. Each act must be the client's, accepted "
            "and not invoiced yet."
        ),
        request=bs.FromActsSerializer,
        responses=_write_responses(_INVOICE_OUT, bs.FromActsValidationErrorSerializer, status=201),
    ),
    pdf=extend_schema(
        summary=_("The invoice as a PDF"),
        description=_(
            "In the caller's language, or the one asked for with ?lang=en|hi|ru. A draft bears DRAFT."
        ),
        parameters=[
            OpenApiParameter("lang", OpenApiTypes.STR, enum=["en", "hi", "ru"], required=False),
        ],
        responses={(200, "application/pdf"): _FILE, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
    facturx=extend_schema(
        summary=_("The issued invoice as Factur-X (PDF/A-3 with its CII e-invoice)"),
        description=_("Checked against EN 16931 first: a failed rule answers 422 and names it."),
        responses={
            (200, "application/pdf"): _FILE,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
            422: _EINVOICE_REFUSED,
        },
    ),
    ubl=extend_schema(
        summary=_("The issued invoice as a UBL 2.1 e-invoice (a credit note as a UBL CreditNote)"),
        description=_("Checked against EN 16931 first: a failed rule answers 422 and names it."),
        responses={
            (200, "application/xml"): _FILE,
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
            422: _EINVOICE_REFUSED,
        },
    ),
)
class InvoiceViewSet(mixins.ListModelMixin, BillingViewSetBase):
    portal_readable = True
    filterset_class = InvoiceFilter
    portal_filterset_class = InvoiceFilter
    # The cursor keys on the issue date, never null; the id breaks ties.
    ordering_fields = ("issue_date", "id")
    portal_ordering_fields = ("issue_date", "id")
    ordering = ("-issue_date", "-id")
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Invoice]:
        if self.action == "list":
            # The list shows the client's name; the rest of the client, the project and the
            # credited invoice are not read.
            return invoice_visible_to(self.request.user).select_related("client").only(*_LIST_FIELDS)
        return invoice_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return bs.InvoiceSerializer
        if self.action == "create":
            return bs.InvoiceCreateSerializer
        if self.action == "partial_update":
            return bs.InvoiceUpdateSerializer
        return _INVOICE_OUT

    def get_object(self) -> Invoice:
        return invoice_get_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.render(self.get_object()))

    def create(self, request: Request) -> Response:
        values = self.parsed(bs.InvoiceCreateSerializer)
        client = values.pop("client")
        if not can_bill_client(self.person, client):
            raise PermissionDenied(_("You cannot bill this client."))
        invoice = invoice_create(by=self.person, client=client, **values)
        return Response(self.render(invoice), status=201)

    def partial_update(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        self.may_bill(invoice)
        values = self.parsed(bs.InvoiceUpdateSerializer, partial=True)
        return Response(self.render(invoice_update(invoice=invoice, by=self.person, **values)))

    @action(detail=False, methods=["post"], url_path="from-acts", url_name="from-acts")
    def from_acts(self, request: Request) -> Response:
        if not _bills_at_all(self.person):
            raise PermissionDenied(_("You cannot bill clients."))
        values = self.parsed(bs.FromActsSerializer)
        client = values.pop("client")
        if not can_bill_client(self.person, client):
            raise PermissionDenied(_("You cannot bill this client."))
        invoice = invoice_from_acts(by=self.person, client=client, **values)
        return Response(self.render(invoice), status=201)

    @action(detail=True, methods=["post"])
    def issue(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        self.may_bill(invoice)
        return Response(self.render(invoice_issue(invoice=invoice, by=self.person)))

    @action(detail=True, methods=["post"])
    def credit(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        self.may_bill(invoice)
        values = self.parsed(bs.CreditSerializer)
        note = credit_note_issue(invoice=invoice, by=self.person, **values)
        return Response(self.render(note), status=201)

    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        self.may_bill(invoice)
        values = self.parsed(bs.VoidSerializer)
        note = invoice_void(invoice=invoice, by=self.person, **values)
        return Response(self.render(note), status=201)

    @action(detail=True, methods=["post"])
    def lines(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        self.may_bill(invoice)
        values = self.parsed(bs.InvoiceLineWriteSerializer)
        line = invoice_line_add(invoice=invoice, by=self.person, **values)
        return Response(bs.InvoiceLineSerializer(line).data, status=201)

    @extend_schema(
        methods=["GET"],
        summary=_("The payments received on an invoice"),
        description=_("Oldest first; a client contact does not see who recorded them."),
        request=None,
        responses={**_detail_responses(bs.StaffPaymentSerializer), 200: bs.StaffPaymentSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Record a payment received on an issued invoice"),
        description=_(
            "The head and finance record payments. Send an Idempotency-Key header so a retried request "
            "never records the money twice. A payment above what is still owed answers 409 with the "
            "amount owed."
        ),
        parameters=[IDEMPOTENCY_PARAMETER],
        request=bs.PaymentWriteSerializer,
        responses={
            201: OpenApiResponse(bs.StaffPaymentSerializer, description=_("The payment was recorded.")),
            200: OpenApiResponse(
                bs.StaffPaymentSerializer,
                description=_("A repeat of an earlier request with this key: its payment, nothing new."),
            ),
            409: OpenApiResponse(
                bs.PaymentConflictSerializer,
                description=_(
                    "Nothing was recorded: the payment would over-pay the invoice, or the key was "
                    "used for another request."
                ),
            ),
            **{
                code: response
                for code, response in _responses(None, bs.PaymentValidationErrorSerializer).items()
                if code != 200
            },
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def payments(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        if request.method == "GET":
            payments = invoice.payments.order_by("received_on", "id")
            if is_contact_user(self.person):
                return Response(bs.PaymentSerializer(payments, many=True).data)
            return Response(bs.StaffPaymentSerializer(payments, many=True).data)
        if not can_record_payment(self.person, invoice.client):
            raise PermissionDenied(_("Only finance and the head record payments."))
        values = self.parsed(bs.PaymentWriteSerializer)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        result = payment_record(invoice=invoice, by=self.person, idempotency_key=key, **values)
        return Response(
            bs.StaffPaymentSerializer(result.payment).data, status=200 if result.repeated else 201
        )

    @extend_schema(
        methods=["GET"],
        summary=_("The client's promises to pay this invoice"),
        description=_("Latest first, each with how it stands. Agency staff only."),
        request=None,
        responses={**_detail_responses(bs.PromiseSerializer), 200: bs.PromiseSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        summary=_("Record the client's promise to pay an open invoice"),
        description=_(
            "An amount up to what is still owed, by a date from today on; who promised is a contact of "
            "the client. A broken promise shows on the account manager's Today board."
        ),
        request=bs.PromiseWriteSerializer,
        responses=_responses(bs.PromiseSerializer, bs.PromiseValidationErrorSerializer, status=201),
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def promises(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        if is_contact_user(self.person):
            raise PermissionDenied(_("Promises to pay are the agency's notes."))
        context = {"today": timezone.localdate()}
        if request.method == "GET":
            return Response(bs.PromiseSerializer(invoice_promises(invoice), many=True, context=context).data)
        self.may_bill(invoice)
        values = self.parsed(bs.PromiseWriteSerializer)
        try:
            promise = promise_record(invoice=invoice, by=self.person, **values)
        except BillingError as error:
            # The service names the amount ``amount``; the API's field is ``amount_minor``.
            errors = error.message_dict
            raise BillingError(
                {
                    ("amount_minor" if field == "amount" else field): messages
                    for field, messages in errors.items()
                }
            ) from error
        found = next(p for p in invoice_promises(invoice) if p.pk == promise.pk)
        return Response(bs.PromiseSerializer(found, context=context).data, status=201)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def pdf(self, request: Request, pk: int) -> HttpResponse:
        invoice = self.get_object()
        language = pdf_language(request.query_params.get("lang"), translation.get_language())
        return _attachment(invoice_pdf(invoice, language=language), invoice_filename(invoice, "pdf"))

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def facturx(self, request: Request, pk: int) -> HttpResponse:
        invoice = self.get_object()
        language = pdf_language(request.query_params.get("lang"), translation.get_language())
        content = invoice_facturx(invoice, language=language)
        return _attachment(content, invoice_filename(invoice, "facturx.pdf"))

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def ubl(self, request: Request, pk: int) -> HttpResponse:
        invoice = self.get_object()
        return _attachment(invoice_ubl(invoice), invoice_filename(invoice, "xml"), "application/xml")


def _attachment(content: bytes, filename: str, content_type: str = "application/pdf") -> HttpResponse:
    """A file the browser downloads and will neither sniff nor run."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _bills_at_all(user: AnyUser) -> bool:
    """The head, finance and account managers bill (each client is then checked on its own)."""
    return is_staff_user(user) and isinstance(user, User) and user.role != User.Role.SPECIALIST


@extend_schema_view(
    retrieve=extend_schema(
        summary=_("One line of an invoice"), responses=_detail_responses(bs.InvoiceLineSerializer)
    ),
    partial_update=extend_schema(
        summary=_("Change a line of a draft invoice"),
        request=bs.InvoiceLineUpdateSerializer,
        responses=_responses(bs.InvoiceLineSerializer, bs.InvoiceLineValidationErrorSerializer),
    ),
    destroy=extend_schema(
        summary=_("Take a line off a draft invoice"),
        responses={
            204: None,
            400: _bad_input(bs.InvoiceLineValidationErrorSerializer),
            401: NOT_SIGNED_IN,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
    ),
)
class InvoiceLineViewSet(BillingViewSetBase):
    portal_readable = True
    filter_backends: list[Any] = []
    pagination_class = None
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[InvoiceLine]:
        return InvoiceLine.objects.filter(invoice__in=invoice_visible_to(self.request.user))

    def get_serializer_class(self) -> type[Any]:
        if self.action == "partial_update":
            return bs.InvoiceLineUpdateSerializer
        return bs.InvoiceLineSerializer

    def get_object(self) -> InvoiceLine:
        try:
            return self.get_queryset().select_related("invoice__client").get(pk=self.kwargs["pk"])
        except (InvoiceLine.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such line.") from error

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(bs.InvoiceLineSerializer(self.get_object()).data)

    def partial_update(self, request: Request, pk: int) -> Response:
        line = self.get_object()
        self.may_bill(line.invoice)
        values = self.parsed(bs.InvoiceLineUpdateSerializer, partial=True)
        line = invoice_line_update(line=line, by=self.person, **values)
        return Response(bs.InvoiceLineSerializer(line).data)

    def destroy(self, request: Request, pk: int) -> Response:
        line = self.get_object()
        self.may_bill(line.invoice)
        invoice_line_remove(line=line, by=self.person)
        return Response(status=204)


class PaymentFilter(django_filters.FilterSet):
    invoice = IdFilter(field_name="invoice_id", label=_("Invoice id"))
    client = IdFilter(field_name="invoice__client_id", label=_("Client id"))
    method = django_filters.ChoiceFilter(choices=Payment.Method.choices)
    received_from = django_filters.DateFilter(field_name="received_on", lookup_expr="gte")
    received_to = django_filters.DateFilter(field_name="received_on", lookup_expr="lte")

    class Meta:
        model = Payment
        fields = ["invoice", "client", "method", "received_from", "received_to"]


@extend_schema_view(
    list=extend_schema(
        summary=_("List payments received"),
        description=_(
            "The payments on the invoices the caller may see, the latest received first. A client "
            "contact sees the payments on its own company's invoices, without who recorded them."
        ),
        responses=_list_responses(bs.StaffPaymentListSerializer, PaymentFilter, "PaymentListError"),
    ),
    retrieve=extend_schema(
        summary=_("One payment"), responses=_detail_responses(bs.StaffPaymentListSerializer)
    ),
)
class PaymentViewSet(mixins.ListModelMixin, BillingViewSetBase):
    """Read-only: a payment is recorded on its invoice (``invoices/<id>/payments/``) and never changed."""

    portal_readable = True
    filterset_class = PaymentFilter
    portal_filterset_class = PaymentFilter
    ordering_fields = ("received_on", "id")
    portal_ordering_fields = ("received_on", "id")
    ordering = ("-received_on", "-id")
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[Payment]:
        visible = invoice_visible_to(self.request.user)
        return Payment.objects.filter(invoice__in=visible).select_related("invoice")

    def get_serializer_class(self) -> type[Any]:
        if is_contact_user(self.request.user):
            return bs.PaymentListSerializer
        return bs.StaffPaymentListSerializer

    def get_object(self) -> Payment:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (Payment.DoesNotExist, ValueError, TypeError) as error:
            raise Http404("No such payment.") from error

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.get_serializer(self.get_object()).data)


# --- receivables: aging, DSO and the on-time rate ----------------------------------------------------


class ReceivablesAccess(BasePermission):
    """The head, finance and account managers (for the clients they hold) read receivables.

    A specialist and a client contact get 403, like the agency's other internal reports."""

    message = _("Only the head, finance and account managers see receivables.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return _bills_at_all(request.user)


class ReceivablesView(GenericAPIView):
    permission_classes = [IsAuthenticated, ReceivablesAccess]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    pagination_class = None
    filter_backends: list[Any] = []

    def query(self, serializer_class: type[Any]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


_READ_ONLY = {401: NOT_SIGNED_IN, 403: FORBIDDEN}


class AgingView(ReceivablesView):
    serializer_class = bs.AgingSerializer

    @extend_schema(
        summary=_("Aging of receivables"),
        description=_(
            "Open balances of issued invoices by days past their due date (current, 1–30, 31–60, 61–90, "
            "over 90), one row per client or account manager and currency (or per currency), then a "
            "totals row per currency. Amounts in different currencies are never added together."
        ),
        parameters=[bs.AgingQuerySerializer],
        responses={200: bs.AgingSerializer, 400: _bad_input(bs.AgingQueryErrorSerializer), **_READ_ONLY},
    )
    def get(self, request: Request) -> Response:
        by = self.query(bs.AgingQuerySerializer)["by"]
        today = timezone.localdate()
        rows = aging_for(request.user, today=today, group_by=by)
        # Thousands of rows for an agency's clients: written out directly, in the serializer's shape
        # (a serializer per row costs ten times as much).
        return Response({"by": by, "today": today.isoformat(), "rows": [_aging_row(row) for row in rows]})


def _aging_row(row: AgingRow) -> dict[str, Any]:
    return {
        "key": row.key,
        "name": row.label,
        "currency": row.currency,
        "current": row.current,
        "days_1_30": row.days_1_30,
        "days_31_60": row.days_31_60,
        "days_61_90": row.days_61_90,
        "over_90": row.over_90,
        "total": row.total,
        "is_total": row.is_total,
    }


class DsoView(ReceivablesView):
    serializer_class = bs.DsoSerializer

    @extend_schema(
        summary=_("Days sales outstanding per client"),
        description=_(
            "What each client owes today over what it was billed in the last days, times the days; per "
            "client and currency."
        ),
        parameters=[bs.PeriodQuerySerializer],
        responses={200: bs.DsoSerializer, 400: _bad_input(bs.PeriodQueryErrorSerializer), **_READ_ONLY},
    )
    def get(self, request: Request) -> Response:
        days = self.query(bs.PeriodQuerySerializer)["days"]
        today = timezone.localdate()
        rows = dso_for(request.user, today=today, days=days)
        return Response(bs.DsoSerializer({"today": today, "days": days, "rows": rows}).data)


class OnTimeRateView(ReceivablesView):
    serializer_class = bs.OnTimeSerializer

    @extend_schema(
        summary=_("On-time payment rate per client"),
        description=_(
            "Of the invoices that fell due in the last days, how many were paid in full by their due date; "
            "per client, then for all clients together."
        ),
        parameters=[bs.PeriodQuerySerializer],
        responses={200: bs.OnTimeSerializer, 400: _bad_input(bs.PeriodQueryErrorSerializer), **_READ_ONLY},
    )
    def get(self, request: Request) -> Response:
        days = self.query(bs.PeriodQuerySerializer)["days"]
        today = timezone.localdate()
        rows = on_time_rate_for(request.user, today=today, days=days)
        return Response(bs.OnTimeSerializer({"today": today, "days": days, "rows": rows}).data)
