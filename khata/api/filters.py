"""Query-string filters and orderings of the API lists.

Staff filter and sort by the internal fields. A client contact gets no filters and only neutral
orderings: filtering its colleagues by ``sentiment=negative`` would reveal the agency's notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.views import APIView

from khata.clients.models import Client, Contact, Interaction, Sentiment
from khata.core.models import Event
from khata.people.policies import is_contact_user

BIGINT_MAX = 2**63 - 1


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.NumberFilter):
    """An object id: a whole number, never a decimal."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class UpperCharFilter(django_filters.CharFilter):
    """An ISO code, matched whatever case it is typed in."""

    def filter(self, qs: QuerySet[Any], value: str) -> QuerySet[Any]:
        return super().filter(qs, value.strip().upper() if value else value)


class ClientFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Client.Status.choices)
    segment = django_filters.ChoiceFilter(choices=Client.Segment.choices)
    owner = IdFilter(field_name="owner_id", label=_("Account manager (user id)"))
    backup = IdFilter(field_name="backup_id", label=_("Backup account manager (user id)"))
    tag = django_filters.CharFilter(method="filter_tag", max_length=40, label=_("Tag name"))
    country = UpperCharFilter(field_name="country", max_length=2, label=_("ISO 3166 country code"))
    currency = UpperCharFilter(field_name="currency", max_length=3, label=_("ISO 4217 currency code"))
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search names and tax id"))

    class Meta:
        model = Client
        fields = ["status", "segment", "owner", "backup", "tag", "country", "currency", "q"]

    def filter_tag(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        # A subquery, not a join: a client appears once whatever its tags.
        tagged = Client.tags.through.objects.filter(tag__name__iexact=value.strip()).values("client_id")
        return queryset.filter(pk__in=tagged)

    def filter_q(self, queryset: QuerySet[Client], name: str, value: str) -> QuerySet[Client]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(display_name__icontains=value) | Q(legal_name__icontains=value) | Q(tax_id__icontains=value)
        )


class ContactFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    role = django_filters.ChoiceFilter(choices=Contact.Role.choices)
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices)
    portal_access = django_filters.BooleanFilter()
    q = django_filters.CharFilter(method="filter_q", max_length=100, label=_("Search name and email"))

    class Meta:
        model = Contact
        fields = ["client", "role", "sentiment", "portal_access", "q"]

    def filter_q(self, queryset: QuerySet[Contact], name: str, value: str) -> QuerySet[Contact]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(full_name__icontains=value) | Q(email__icontains=value))


class InteractionFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    kind = django_filters.ChoiceFilter(choices=Interaction.Kind.choices)
    sentiment = django_filters.ChoiceFilter(choices=Sentiment.choices)
    open_step = django_filters.BooleanFilter(method="filter_open_step", label=_("Has an open next step"))
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    due_by = django_filters.DateFilter(
        field_name="next_step_due", lookup_expr="lte", label=_("Next step due on or before")
    )

    class Meta:
        model = Interaction
        fields = ["client", "kind", "sentiment", "open_step", "occurred_after", "occurred_before", "due_by"]

    def filter_open_step(
        self, queryset: QuerySet[Interaction], name: str, value: bool | None
    ) -> QuerySet[Interaction]:
        if value is None:
            return queryset
        open_step = Q(next_step_done_at__isnull=True) & ~Q(next_step="")
        return queryset.filter(open_step) if value else queryset.exclude(open_step)


class EventFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    kind = django_filters.CharFilter(max_length=64, label=_("Exact kind, e.g. clients.contact_added"))
    domain = django_filters.CharFilter(
        method="filter_domain", max_length=32, label=_("Domain, e.g. clients (the kind's prefix)")
    )
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt")

    class Meta:
        model = Event
        fields = ["client", "kind", "domain", "since", "until"]

    def filter_domain(self, queryset: QuerySet[Event], name: str, value: str) -> QuerySet[Event]:
        value = value.strip().rstrip(".")
        return queryset.filter(kind__startswith=f"{value}.") if value else queryset


class KhataFilterBackend(DjangoFilterBackend):
    """The view's ``filterset_class`` for staff; ``portal_filterset_class`` (none) for contacts."""

    def get_filterset_class(self, view: Any, queryset: QuerySet[Any] | None = None) -> Any:
        request = getattr(view, "request", None)
        if request is not None and is_contact_user(request.user):
            return getattr(view, "portal_filterset_class", None)
        return super().get_filterset_class(view, queryset)


class KhataOrderingFilter(OrderingFilter):
    """One ``?ordering=`` field, always with the id as tie-breaker so keyset pages are stable.

    Only nearly unique, never-null fields are offered: the cursor pagination keys on the first one.
    """

    def get_valid_fields(
        self, queryset: QuerySet[Any], view: APIView, context: Mapping[str, Any] | None = None
    ) -> list[tuple[str, str]]:
        request: Request | None = (context or {}).get("request")
        if request is not None and is_contact_user(request.user):
            return [(name, name) for name in getattr(view, "portal_ordering_fields", ())]
        return super().get_valid_fields(queryset, view, context)

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: Any) -> Any:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        first = str(ordering[0])
        if first.lstrip("-") == "id":
            return (first,)
        return (first, "-id" if first.startswith("-") else "id")
