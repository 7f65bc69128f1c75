"""The REST endpoints of care under ``/api/v1/``: claims and their SLA clocks, corrective actions,
goodwill, surveys and their answers.

Reads go through ``khata.care.selectors`` (a claim the caller may not see answers 404, the same as a
missing one), writes through ``khata.care.services`` (a refused move — a claim resolved without a
root cause, a closed claim acknowledged — answers 400 with the service's field errors and changes
nothing). Who may do what follows ``khata.care.policies``:

- the head and the client's AM file claims (recorded by the account manager), acknowledge, start,
  analyse and resolve them, add corrective actions and record goodwill; finance reads every claim and
  writes nothing (403); a specialist sees only the claims it is responsible for or acts on, and
  completes its own corrective actions;
- a client contact files claims for its own company (filed in the portal), reads them with their
  clocks and actions (not the agency's analysis), and confirms a fix or reopens the claim; anything
  else it asks of a claim is 403, another company's claim is 404; goodwill is the agency's ledger
  (its list is 403 to a contact); a contact sees only the surveys sent to it and their answers.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from khata.api import care_serializers as cs
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
from khata.care.models import Claim, CorrectiveAction, Goodwill, Severity, Survey, SurveyAnswer
from khata.care.policies import can_answer_claim, can_complete_action, can_handle_claim
from khata.care.selectors import (
    claim_get_for,
    claim_list_for,
    claim_page_for,
    corrective_action_get_for,
    corrective_action_list_for,
    goodwill_list_for,
    survey_answer_list_for,
    survey_list_for,
)
from khata.care.services import (
    claim_acknowledge,
    claim_analyse,
    claim_close_unconfirmed,
    claim_confirm,
    claim_file,
    claim_reopen,
    claim_resolve,
    claim_start,
    corrective_action_add,
    corrective_action_complete,
    goodwill_record,
)
from khata.people.models import User
from khata.people.policies import is_contact_user


def _responses(read: Any, errors: type[Any], *, status: int = 200) -> dict[int, Any]:
    """A write on an object found by id: its refusals, and its 404."""
    return {status: read, 400: _bad_input(errors), 401: NOT_SIGNED_IN, 403: FORBIDDEN, 404: NOT_FOUND}


class ClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Claim.Status.choices)
    client = IdFilter(field_name="client_id", label=_("Client id"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices)
    reason = IdFilter(field_name="reason_id", label=_("Reason id"))

    class Meta:
        model = Claim
        fields = ["status", "client", "severity", "reason"]


class CorrectiveActionFilter(django_filters.FilterSet):
    claim = IdFilter(field_name="claim_id", label=_("Claim id"))

    class Meta:
        model = CorrectiveAction
        fields = ["claim"]


class GoodwillFilter(django_filters.FilterSet):
    claim = IdFilter(field_name="claim_id", label=_("Claim id"))
    kind = django_filters.ChoiceFilter(choices=Goodwill.Kind.choices)

    class Meta:
        model = Goodwill
        fields = ["claim", "kind"]


class SurveyFilter(django_filters.FilterSet):
    client = IdFilter(field_name="client_id", label=_("Client id"))
    kind = django_filters.ChoiceFilter(choices=Survey.Kind.choices)

    class Meta:
        model = Survey
        fields = ["client", "kind"]


class SurveyAnswerFilter(django_filters.FilterSet):
    survey = IdFilter(field_name="survey_id", label=_("Survey id"))
    kind = django_filters.ChoiceFilter(choices=Survey.Kind.choices)

    class Meta:
        model = SurveyAnswer
        fields = ["survey", "kind"]


class CareViewSet(ApiViewSet):
    """Staff and contacts may call; each write is then decided on its claim."""

    permission_classes = [IsAuthenticated, PlanAccess]
    portal_readable = True

    def may_handle(self, claim: Claim) -> None:
        """403 unless the caller handles this claim (its client's AM, or the head)."""
        if not can_handle_claim(self.person, claim):
            raise PermissionDenied(_("You cannot handle this claim."))

    def may_answer(self, claim: Claim) -> None:
        """403 unless the caller answers for the client (its contact, or the AM recording its word)."""
        if not can_answer_claim(self.person, claim):
            raise PermissionDenied(_("You cannot answer for the client on this claim."))

    def may_write(self) -> None:
        """403 for those who never change claims: finance reads them, a specialist works its actions."""
        if self.person.role not in {User.Role.HEAD, User.Role.AM}:
            raise PermissionDenied(_("Only account managers and the head handle claims."))

    def render(self, claim: Claim) -> Any:
        """The claim's detail, read again through the selector as the caller sees it."""
        page = claim_page_for(self.person, claim.pk)
        serializer = (
            cs.ClaimDetailSerializer if is_contact_user(self.person) else cs.StaffClaimDetailSerializer
        )
        return serializer(page.claim, context={"page": page}).data


_CLAIM_OUT = cs.StaffClaimDetailSerializer
_ACTION_ERRORS = cs.ClaimActionValidationErrorSerializer


def _action(summary: StrOrPromise, request: Any, description: StrOrPromise = "") -> Any:
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=_responses(_CLAIM_OUT, _ACTION_ERRORS),
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("List claims"),
        description=_(
            "The claims the caller may see, newest first. A client contact sees its own company's."
        ),
        responses=_list_responses(cs.ClaimSerializer, ClaimFilter, "ClaimListError"),
    ),
    retrieve=extend_schema(
        summary=_("One claim with its SLA clocks and corrective actions"),
        description=_("A client contact gets the same without the agency's analysis and goodwill."),
        responses=_detail_responses(_CLAIM_OUT),
    ),
    create=extend_schema(
        summary=_("File a claim"),
        description=_(
            "Staff record a claim the client raised by phone, email or in a meeting (it may be "
            "backdated); a client contact files one for its own company and must say what went wrong. "
            "Both SLA clocks start when the claim is received."
        ),
        request=cs.ClaimCreateSerializer,
        responses=_write_responses(_CLAIM_OUT, cs.ClaimValidationErrorSerializer, status=201),
    ),
    acknowledge=_action(
        _("Acknowledge a new claim"), cs.NoteSerializer, _("The first response: stops its clock.")
    ),
    start=_action(_("Start work on an acknowledged claim"), None),
    analyse=_action(
        _("Record the analysis of an open claim"),
        cs.AnalysisSerializer,
        _("Root cause, who or which team was responsible, the preventive action."),
    ),
    resolve=_action(
        _("Resolve a claim in progress"),
        cs.ResolveSerializer,
        _(
            "Needs a root cause, what was done and at least one corrective action; stops the "
            "resolution clock and waits for the client to confirm."
        ),
    ),
    confirm=_action(_("Confirm the fix of a resolved claim"), cs.NoteSerializer, _("The claim is closed.")),
    reopen=_action(
        _("Say the fix of a resolved claim did not work"),
        cs.ClaimReopenSerializer,
        _("The claim goes back to work; its resolution clock runs on."),
    ),
    close=_action(
        _("Close a resolved claim the client has not answered"),
        None,
        _("Only once the days the client has to confirm are over; recorded as closed automatically."),
    ),
)
class ClaimViewSet(mixins.ListModelMixin, CareViewSet):
    filterset_class = ClaimFilter
    portal_filterset_class = ClaimFilter
    ordering_fields = ("received_at", "id")
    portal_ordering_fields = ("received_at", "id")
    ordering = ("-received_at", "-id")
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Claim]:
        return claim_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "list":
            return cs.ClaimSerializer
        if self.action == "create":
            return cs.ClaimCreateSerializer
        return _CLAIM_OUT

    def get_object(self) -> Claim:
        return claim_get_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(self.render(self.get_object()))

    def create(self, request: Request) -> Response:
        if not is_contact_user(self.person):
            self.may_write()
        values = self.parsed(cs.ClaimCreateSerializer)
        if is_contact_user(self.person):
            values.pop("received_at", None)
        claim = claim_file(by=self.person, **values)
        return Response(self.render(claim), status=201)

    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_handle(claim)
        values = self.parsed(cs.NoteSerializer)
        return Response(self.render(claim_acknowledge(claim=claim, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_handle(claim)
        return Response(self.render(claim_start(claim=claim, by=self.person)))

    @action(detail=True, methods=["post"])
    def analyse(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_handle(claim)
        values = self.parsed(cs.AnalysisSerializer)
        return Response(self.render(claim_analyse(claim=claim, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_handle(claim)
        values = self.parsed(cs.ResolveSerializer)
        return Response(self.render(claim_resolve(claim=claim, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_answer(claim)
        values = self.parsed(cs.NoteSerializer)
        return Response(self.render(claim_confirm(claim=claim, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_answer(claim)
        values = self.parsed(cs.ClaimReopenSerializer)
        return Response(self.render(claim_reopen(claim=claim, by=self.person, **values)))

    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: int) -> Response:
        claim = self.get_object()
        self.may_handle(claim)
        return Response(self.render(claim_close_unconfirmed(claim=claim, by=self.person)))


@extend_schema_view(
    list=extend_schema(
        summary=_("List corrective actions"),
        description=_("The actions of the claims the caller may see; a client contact sees its company's."),
        responses=_list_responses(
            cs.CorrectiveActionSerializer, CorrectiveActionFilter, "CorrectiveActionListError"
        ),
    ),
    retrieve=extend_schema(
        summary=_("One corrective action"), responses=_detail_responses(cs.CorrectiveActionSerializer)
    ),
    create=extend_schema(
        summary=_("Add a corrective action to a claim"),
        description=_("While the claim is being worked on: what to do, who does it, by when."),
        request=cs.CorrectiveActionCreateSerializer,
        responses=_write_responses(
            cs.CorrectiveActionSerializer, cs.CorrectiveActionValidationErrorSerializer, status=201
        ),
    ),
    complete=extend_schema(
        summary=_("Mark a corrective action done"),
        description=_("Its owner or whoever handles the claim says so."),
        request=None,
        responses=_responses(cs.CorrectiveActionSerializer, cs.CorrectiveActionValidationErrorSerializer),
    ),
)
class CorrectiveActionViewSet(mixins.ListModelMixin, CareViewSet):
    filterset_class = CorrectiveActionFilter
    portal_filterset_class = CorrectiveActionFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[CorrectiveAction]:
        return corrective_action_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return cs.CorrectiveActionCreateSerializer
        return cs.CorrectiveActionSerializer

    def get_object(self) -> CorrectiveAction:
        return corrective_action_get_for(self.request.user, self.kwargs["pk"])

    def retrieve(self, request: Request, pk: int) -> Response:
        return Response(cs.CorrectiveActionSerializer(self.get_object()).data)

    def create(self, request: Request) -> Response:
        if not is_contact_user(self.person):
            self.may_write()
        values = self.parsed(cs.CorrectiveActionCreateSerializer)
        claim = values.pop("claim")
        self.may_handle(claim)
        created = corrective_action_add(claim=claim, by=self.person, **values)
        return Response(cs.CorrectiveActionSerializer(created).data, status=201)

    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: int) -> Response:
        found = self.get_object()
        if not can_complete_action(self.person, found):
            raise PermissionDenied(_("You cannot complete this action."))
        done = corrective_action_complete(action=found, by=self.person)
        return Response(cs.CorrectiveActionSerializer(done).data)


@extend_schema_view(
    list=extend_schema(
        summary=_("List goodwill given"),
        description=_(
            "What the agency gave to make up for the claims the caller may see: the agency's own "
            "ledger (a client contact gets 403)."
        ),
        responses=_list_responses(cs.GoodwillSerializer, GoodwillFilter, "GoodwillListError"),
    ),
    create=extend_schema(
        summary=_("Record goodwill on a claim"),
        description=_(
            "A credit or a discount in minor units of the client's currency, or free hours as minutes. "
            "Append-only."
        ),
        request=cs.GoodwillCreateSerializer,
        responses=_write_responses(cs.GoodwillSerializer, cs.GoodwillValidationErrorSerializer, status=201),
    ),
)
class GoodwillViewSet(mixins.ListModelMixin, CareViewSet):
    portal_readable = False
    filterset_class = GoodwillFilter
    ordering_fields = ("id",)
    ordering = ("-id",)
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Goodwill]:
        return goodwill_list_for(self.request.user)

    def get_serializer_class(self) -> type[Any]:
        if self.action == "create":
            return cs.GoodwillCreateSerializer
        return cs.GoodwillSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if is_contact_user(self.person):
            raise PermissionDenied(_("This is the agency's own information."))
        return super().list(request, *args, **kwargs)

    def create(self, request: Request) -> Response:
        if is_contact_user(self.person):
            raise PermissionDenied(_("This is the agency's own information."))
        self.may_write()
        values = self.parsed(cs.GoodwillCreateSerializer)
        claim = values.pop("claim")
        self.may_handle(claim)
        entry = goodwill_record(claim=claim, by=self.person, **values)
        return Response(cs.GoodwillSerializer(entry).data, status=201)


@extend_schema_view(
    list=extend_schema(
        summary=_("List surveys"),
        description=_(
            "The NPS and CSAT surveys sent to the clients the caller may see; a client contact sees "
            "only the ones sent to it."
        ),
        responses=_list_responses(cs.SurveySerializer, SurveyFilter, "SurveyListError"),
    ),
)
class SurveyViewSet(mixins.ListModelMixin, CareViewSet):
    serializer_class = cs.SurveySerializer
    filterset_class = SurveyFilter
    portal_filterset_class = SurveyFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[Survey]:
        return survey_list_for(self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary=_("List survey answers"),
        description=_("The scores given, with why; a client contact sees only its own answers."),
        responses=_list_responses(cs.SurveyAnswerSerializer, SurveyAnswerFilter, "SurveyAnswerListError"),
    ),
)
class SurveyAnswerViewSet(mixins.ListModelMixin, CareViewSet):
    serializer_class = cs.SurveyAnswerSerializer
    filterset_class = SurveyAnswerFilter
    portal_filterset_class = SurveyAnswerFilter
    ordering_fields = ("id",)
    portal_ordering_fields = ("id",)
    ordering = ("-id",)
    http_method_names = ["get", "head", "options"]

    def get_queryset(self) -> QuerySet[SurveyAnswer]:
        return survey_answer_list_for(self.request.user)
