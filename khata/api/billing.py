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
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
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
from khata.billing.models import Invoice, InvoiceLine
from khata.billing.policies import can_bill_client, can_record_payment
from khata.billing.selectors import invoice_get_for, invoice_list_for, invoice_visible_to
from khata.billing.services import (
    PaymentConflict,
    credit_note_issue,
    invoice_create,
    invoice_issue,
    invoice_line_add,
    invoice_line_remove,
    invoice_line_update,
    invoice_void,
    payment_record,
)
from khata.people.policies import is_contact_user

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
_ERRORS = bs.InvoiceValidationErrorSerializer

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
    payments=extend_schema(
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
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Invoice]:
        return invoice_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return bs.InvoiceSerializer
        if self.action == "create":
            return bs.InvoiceCreateSerializer
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

    @action(detail=True, methods=["post"])
    def payments(self, request: Request, pk: int) -> Response:
        invoice = self.get_object()
        if not can_record_payment(self.person, invoice.client):
            raise PermissionDenied(_("Only finance and the head record payments."))
        values = self.parsed(bs.PaymentWriteSerializer)
        key = request.headers.get(IDEMPOTENCY_HEADER)
        result = payment_record(invoice=invoice, by=self.person, idempotency_key=key, **values)
        return Response(
            bs.StaffPaymentSerializer(result.payment).data, status=200 if result.repeated else 201
        )


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
