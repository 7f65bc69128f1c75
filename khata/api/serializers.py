"""The shapes of the API: what it answers and what it accepts.

Read serializers render objects the selectors found. Write serializers only parse and check
shapes (types, lengths, choices, that a referenced id is one the caller may see); the rules of the
relationship (tax ids, phone numbers, who may hold a client…) are the services' and come back as
field errors from ``ClientError``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from khata.clients.models import Client, Contact, Interaction, Sentiment, Tag
from khata.clients.selectors import client_visible_to, contact_list_for
from khata.core.models import Event
from khata.people.models import User

BIGINT_MAX = 2**63 - 1


class UserBriefSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "full_name", "email"]


class ClientSerializer(serializers.ModelSerializer[Client]):
    """A client as agency staff see it."""

    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    backup_name = serializers.CharField(source="backup.full_name", read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField[Tag](many=True, read_only=True, slug_field="name")

    class Meta:
        model = Client
        fields = [
            "id",
            "display_name",
            "legal_name",
            "tax_id",
            "country",
            "currency",
            "billing_address",
            "segment",
            "tags",
            "status",
            "status_since",
            "partnership_since",
            "churned_on",
            "owner",
            "owner_name",
            "backup",
            "backup_name",
            "payment_terms_days",
            "last_touch_at",
            "created_at",
        ]
        read_only_fields = fields


class PortalClientSerializer(serializers.ModelSerializer[Client]):
    """A client as its own contact sees it: no segment, tags or touch tracking."""

    account_manager = serializers.CharField(source="owner.full_name", read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "display_name",
            "legal_name",
            "tax_id",
            "country",
            "currency",
            "billing_address",
            "status",
            "partnership_since",
            "payment_terms_days",
            "account_manager",
        ]
        read_only_fields = fields


class ClientWriteSerializer(serializers.Serializer[Client]):
    display_name = serializers.CharField(max_length=120)
    legal_name = serializers.CharField(max_length=200)
    tax_id = serializers.CharField(max_length=32, required=False, allow_blank=True)
    country = serializers.CharField(min_length=2, max_length=2, help_text=_("ISO 3166 code, e.g. IN"))
    currency = serializers.CharField(min_length=3, max_length=3, help_text=_("ISO 4217 code, e.g. INR"))
    billing_address = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    segment = serializers.ChoiceField(choices=Client.Segment.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=30, required=False, help_text=_("Tag names")
    )
    status = serializers.ChoiceField(choices=Client.Status.choices, required=False)
    partnership_since = serializers.DateField(required=False, allow_null=True)
    owner = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        help_text=_("The account manager (user id); defaults to the caller."),
    )
    backup = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    payment_terms_days = serializers.IntegerField(min_value=0, max_value=365, required=False)


@extend_schema_field(OpenApiTypes.INT)
class VisibleClientField(serializers.PrimaryKeyRelatedField[Client]):
    """A client id the caller may see; any other id reads as unknown (no existence leak)."""

    def get_queryset(self) -> QuerySet[Client]:
        request = self.context.get("request")
        return client_visible_to(request.user) if request is not None else Client.objects.none()


class ContactSerializer(serializers.ModelSerializer[Contact]):
    """A contact as agency staff see it."""

    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "client",
            "full_name",
            "position",
            "email",
            "phone",
            "language",
            "role",
            "influence",
            "sentiment",
            "last_touch_at",
            "portal_access",
            "has_login",
        ]
        read_only_fields = fields

    def get_has_login(self, contact: Contact) -> bool:
        return contact.user_id is not None


class PortalContactSerializer(serializers.ModelSerializer[Contact]):
    """A colleague as a client contact sees them: no stakeholder assessment."""

    class Meta:
        model = Contact
        fields = ["id", "client", "full_name", "position", "email", "phone", "language"]
        read_only_fields = fields


class ContactWriteSerializer(serializers.Serializer[Contact]):
    full_name = serializers.CharField(max_length=150)
    position = serializers.CharField(max_length=120, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)
    role = serializers.ChoiceField(choices=Contact.Role.choices, required=False)
    influence = serializers.ChoiceField(choices=Contact.Influence.choices, required=False)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False)
    portal_access = serializers.BooleanField(
        required=False, help_text=_("Open the portal for this contact (needs an email).")
    )


class ContactCreateSerializer(ContactWriteSerializer):
    client = VisibleClientField(help_text=_("Client id"))


class InteractionSerializer(serializers.ModelSerializer[Interaction]):
    by_name = serializers.CharField(source="by.full_name", read_only=True, allow_null=True)
    contacts = serializers.PrimaryKeyRelatedField[Contact](many=True, read_only=True)
    has_open_step = serializers.BooleanField(read_only=True)

    class Meta:
        model = Interaction
        fields = [
            "id",
            "client",
            "kind",
            "occurred_at",
            "contacts",
            "summary",
            "sentiment",
            "next_step",
            "next_step_due",
            "next_step_done_at",
            "has_open_step",
            "by",
            "by_name",
            "created_at",
        ]
        read_only_fields = fields


class SafeDateTimeField(serializers.DateTimeField):
    """A date and time; one at the very edge of the calendar is a field error, not a crash."""

    def to_internal_value(self, value: Any) -> Any:
        try:
            return super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")


class InteractionWriteSerializer(serializers.Serializer[Interaction]):
    kind = serializers.ChoiceField(choices=Interaction.Kind.choices, required=False)
    occurred_at = SafeDateTimeField(required=False, help_text=_("Defaults to now."))
    contacts = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=BIGINT_MAX),
        max_length=50,
        required=False,
        help_text=_("Ids of the client's contacts who took part."),
    )
    summary = serializers.CharField(max_length=5000)
    sentiment = serializers.ChoiceField(choices=Sentiment.choices, required=False)
    next_step = serializers.CharField(max_length=200, required=False, allow_blank=True)
    next_step_due = serializers.DateField(required=False, allow_null=True)

    def validate_contacts(self, ids: list[int]) -> list[Contact]:
        """The contacts by id, among those the caller may see; the service checks their client."""
        request = self.context["request"]
        wanted = set(ids)
        found = list(contact_list_for(request.user).filter(pk__in=wanted))
        missing = wanted - {contact.pk for contact in found}
        if missing:
            raise serializers.ValidationError(
                _("Unknown contact: %(ids)s.") % {"ids": ", ".join(str(pk) for pk in sorted(missing))}
            )
        return found


class InteractionCreateSerializer(InteractionWriteSerializer):
    client = VisibleClientField(help_text=_("Client id"))


class EventSerializer(serializers.ModelSerializer[Event]):
    actor_name = serializers.CharField(source="actor.full_name", read_only=True, allow_null=True)
    domain = serializers.CharField(read_only=True)
    subject_type = serializers.SerializerMethodField()
    summary_display = serializers.CharField(
        source="display_summary",
        read_only=True,
        help_text="The summary in the caller's language (their saved choice, else Accept-Language); "
        "`summary` stays in English.",
    )

    class Meta:
        model = Event
        fields = [
            "id",
            "at",
            "kind",
            "domain",
            "summary",
            "summary_display",
            "client",
            "actor",
            "actor_name",
            "subject_type",
            "subject_id",
            "data",
        ]
        read_only_fields = fields

    def get_subject_type(self, event: Event) -> str | None:
        """``app_label.model`` of the subject, e.g. ``clients.contact``."""
        if event.subject_type is None:
            return None
        return f"{event.subject_type.app_label}.{event.subject_type.model}"


class MeSerializer(serializers.ModelSerializer[User]):
    client = serializers.SerializerMethodField()
    contact = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "role", "language", "client", "contact"]
        read_only_fields = fields

    def _contact(self, user: User) -> Contact | None:
        return getattr(user, "contact", None) if user.is_contact else None

    def get_client(self, user: User) -> int | None:
        """The client a contact belongs to; null for agency staff."""
        contact = self._contact(user)
        return contact.client_id if contact is not None else None

    def get_contact(self, user: User) -> int | None:
        """The contact record of a client contact; null for agency staff."""
        contact = self._contact(user)
        return contact.pk if contact is not None else None


class ErrorSerializer(serializers.Serializer[Any]):
    """An error without fields: 401, 403, 404, 405."""

    detail = serializers.CharField()


def validation_error_serializer(
    write: type[serializers.Serializer[Any]], name: str
) -> type[serializers.Serializer[Any]]:
    """The 400 body of a write serializer: each field's messages, plus ``non_field_errors``."""
    messages = {
        field: serializers.ListField(child=serializers.CharField(), required=False)
        for field in [*write().fields, "non_field_errors"]
    }
    return type(name, (serializers.Serializer,), {**messages, "__doc__": "Field errors: what to fix."})


ClientValidationErrorSerializer = validation_error_serializer(ClientWriteSerializer, "ClientValidationError")
ContactValidationErrorSerializer = validation_error_serializer(
    ContactCreateSerializer, "ContactValidationError"
)
InteractionValidationErrorSerializer = validation_error_serializer(
    InteractionCreateSerializer, "InteractionValidationError"
)
