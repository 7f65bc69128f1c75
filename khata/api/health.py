"""Client health, read-only: ``/api/v1/health/`` and ``/api/v1/health/{client_id}/``.

Staff read the health of the clients they may see (``client_scope``: an AM their own, the head and
finance everyone, a specialist none). The list gives the stored daily score and band with its change
over a week and a month; one client gives today's score computed live with the points each factor
took off. Health is the agency's own assessment: a client contact gets 404, like a missing object.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from khata.api.pagination import KhataCursorPagination
from khata.api.views import FORBIDDEN, NOT_FOUND, NOT_SIGNED_IN
from khata.clients.models import Client
from khata.clients.selectors import client_visible_to
from khata.insights.health import Trend, health_for, health_trends
from khata.insights.models import FACTORS
from khata.people.policies import is_contact_user


class HealthAccess(BasePermission):
    """Staff only; a client contact learns nothing, not even that the endpoint answers."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        if is_contact_user(request.user):
            raise NotFound
        return True


class HealthPagination(KhataCursorPagination):
    ordering = "id"


class HealthListSerializer(serializers.Serializer[Client]):
    client = serializers.IntegerField(source="pk", help_text=_("The client's id."))
    name = serializers.CharField(source="display_name")
    score = serializers.IntegerField(
        source="health_score", allow_null=True, help_text=_("0–100, from the latest daily snapshot.")
    )
    band = serializers.CharField(
        source="health_band", help_text=_("green, amber or red; empty before the first snapshot.")
    )
    week_change = serializers.SerializerMethodField(help_text=_("Points gained (or lost) in a week."))
    month_change = serializers.SerializerMethodField(help_text=_("Points gained (or lost) in 30 days."))

    def _trend(self, client: Client) -> Trend:
        trends: dict[int, Trend] = self.context.get("trends", {})
        return trends.get(client.pk, Trend())

    def get_week_change(self, client: Client) -> int | None:
        if client.health_score is None:
            return None
        return self._trend(client).change(client.health_score, self._trend(client).week_ago)

    def get_month_change(self, client: Client) -> int | None:
        if client.health_score is None:
            return None
        return self._trend(client).change(client.health_score, self._trend(client).month_ago)


class HealthFactorSerializer(serializers.Serializer[Any]):
    code = serializers.ChoiceField(choices=list(FACTORS))
    label = serializers.CharField()  # type: ignore[assignment]
    weight = serializers.IntegerField(help_text=_("The most points this factor may take off."))
    severity = serializers.FloatField(help_text=_("How bad the signal is, from 0 to 1."))
    points = serializers.IntegerField(
        help_text=_("Points taken off; the factors' points add up to 100 − score.")
    )
    detail = serializers.DictField(help_text=_("The figures behind the factor (counts, days, scores)."))


class HealthPointSerializer(serializers.Serializer[Any]):
    on = serializers.DateField()
    score = serializers.IntegerField()


class HealthDetailSerializer(serializers.Serializer[Any]):
    client = serializers.IntegerField()
    name = serializers.CharField()
    on = serializers.DateField(help_text=_("The day the score is computed for."))
    score = serializers.IntegerField()
    band = serializers.CharField()
    week_change = serializers.IntegerField(allow_null=True)
    month_change = serializers.IntegerField(allow_null=True)
    factors = HealthFactorSerializer(many=True)
    history = HealthPointSerializer(many=True, help_text=_("The daily snapshots of the last 30 days."))


@extend_schema_view(
    list=extend_schema(
        summary=_("Health of the clients"),
        description=_(
            "The latest daily health score and band of each client the caller may see, with the change "
            "over a week and a month. Keyset pages by client id."
        ),
        responses={200: HealthListSerializer(many=True), 401: NOT_SIGNED_IN, 403: FORBIDDEN},
    ),
    retrieve=extend_schema(
        summary=_("Health of one client"),
        description=_(
            "Today's score computed live, each factor's weight, severity and points (they add up to "
            "100 − score) and the last 30 days of snapshots."
        ),
        responses={200: HealthDetailSerializer, 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND},
    ),
)
class ClientHealthViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Client]):
    permission_classes = [IsAuthenticated, HealthAccess]
    renderer_classes = [JSONRenderer]
    pagination_class = HealthPagination
    serializer_class = HealthListSerializer
    filter_backends: list[Any] = []
    lookup_value_converter = "int"

    def get_queryset(self) -> QuerySet[Client]:
        return client_visible_to(self.request.user).only("pk", "display_name", "health_score", "health_band")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        today = timezone.localdate()
        trends = health_trends([client.pk for client in page], today=today)
        serializer = HealthListSerializer(page, many=True, context={"trends": trends})  # type: ignore[arg-type]
        data = serializer.data
        return self.get_paginated_response(data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            client = self.get_queryset().get(pk=kwargs["pk"])
        except (Client.DoesNotExist, ValueError, TypeError) as error:
            raise Http404 from error
        today = timezone.localdate()
        health = health_for(Client.objects.filter(pk=client.pk), today=today)[client.pk]
        trend = health_trends([client.pk], today=today).get(client.pk, Trend())
        body = {
            "client": client.pk,
            "name": client.display_name,
            "on": today,
            "score": health.score,
            "band": health.band,
            "week_change": trend.change(health.score, trend.week_ago),
            "month_change": trend.change(health.score, trend.month_ago),
            "factors": [
                {
                    "code": f.code,
                    "label": str(f.label),
                    "weight": f.weight,
                    "severity": round(f.severity, 3),
                    "points": f.points,
                    "detail": f.detail,
                }
                for f in health.factors
            ],
            "history": [{"on": on, "score": score} for on, score in trend.points],
        }
        return Response(HealthDetailSerializer(body).data)
