"""Every write of clients, contacts and interactions. Each is atomic and leaves a timeline event."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from babel import Locale
from babel.numbers import list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.clients.validators import phone_clean, tax_id_clean
from khata.core.models import Event
from khata.core.services import event_record
from khata.people.models import User

CLIENT_FIELDS = (
    "display_name",
    "legal_name",
    "tax_id",
    "country",
    "currency",
    "billing_address",
    "segment",
    "status",
    "partnership_since",
    "owner",
    "backup",
    "payment_terms_days",
)
CONTACT_FIELDS = ("full_name", "position", "email", "phone", "language", "role", "influence", "sentiment")


class ClientError(ValidationError):
    """A write that breaks a rule of the relationship; carries field errors like a form."""


@functools.cache
def country_codes() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha())


def _check_client(values: dict[str, Any], *, instance: Client | None) -> dict[str, Any]:
    """Normalise and check client values; raise one error carrying every field's problem."""
    errors: dict[str, list[str]] = {}
    country = str(values.get("country") or "").upper()
    currency = str(values.get("currency") or "").upper()
    if country not in country_codes():
        errors.setdefault("country", []).append(_("Unknown country code: %(code)s.") % {"code": country})
    if currency not in set(list_currencies()):
        errors.setdefault("currency", []).append(_("Unknown currency code: %(code)s.") % {"code": currency})
    values["country"], values["currency"] = country, currency
    if not errors.get("country"):
        try:
            values["tax_id"] = tax_id_clean(str(values.get("tax_id") or ""), country)
        except ValidationError as error:
            errors.setdefault("tax_id", []).extend(error.messages)
    for name in ("display_name", "legal_name"):
        values[name] = str(values.get(name) or "").strip()
        if not values[name]:
            errors.setdefault(name, []).append(_("This field is required."))
    owner, backup = values.get("owner"), values.get("backup")
    for name, person in (("owner", owner), ("backup", backup)):
        if person is not None and (not person.is_active or person.role not in {User.Role.AM, User.Role.HEAD}):
            errors.setdefault(name, []).append(_("Only an active account manager or head can hold a client."))
    if owner is None:
        errors.setdefault("owner", []).append(_("Every client has an account manager."))
    if owner is not None and backup is not None and owner.pk == backup.pk:
        errors.setdefault("backup", []).append(_("The backup must be someone other than the owner."))
    others = Client.objects.exclude(pk=instance.pk) if instance is not None else Client.objects.all()
    if values.get("tax_id") and others.filter(tax_id=values["tax_id"]).exists():
        errors.setdefault("tax_id", []).append(_("Another client already has this tax id."))
    if values["legal_name"] and others.filter(legal_name__iexact=values["legal_name"]).exists():
        errors.setdefault("legal_name", []).append(_("Another client already has this legal name."))
    if errors:
        raise ClientError(errors)
    return values


def _status_dates(client: Client, status: str, on: dt.date) -> None:
    if status == client.status and client.pk is not None:
        return
    client.status_since = on
    if status == Client.Status.ACTIVE and client.partnership_since is None:
        client.partnership_since = on
    client.churned_on = on if status == Client.Status.CHURNED else None


def tags_from_names(names: list[str] | str) -> list[Tag]:
    """Tags by name, created as needed ("retail, b2b" or a list)."""
    if isinstance(names, str):
        names = names.split(",")
    cleaned = sorted({name.strip()[:40] for name in names if name.strip()}, key=str.lower)
    return [Tag.objects.get_or_create(name=name)[0] for name in cleaned]


@transaction.atomic
def client_create(*, by: User | None, tags: list[Tag] | None = None, **values: Any) -> Client:
    """A new client; its status dates follow its status."""
    values.setdefault("status", Client.Status.PROSPECT)
    values = _check_client(values, instance=None)
    client = Client(**{name: values[name] for name in CLIENT_FIELDS if name in values})
    _status_dates(client, client.status, timezone.localdate())
    if values.get("partnership_since"):
        client.partnership_since = values["partnership_since"]
    client.save()
    if tags:
        client.tags.set(tags)
    event_record(
        kind="clients.client_created",
        summary=gettext_noop("Client %(name)s created"),
        params={"name": client.display_name},
        by=by,
        client=client,
        subject=client,
        data={"status": client.status, "owner": client.owner_id},
    )
    return client


@transaction.atomic
def client_update(*, client: Client, by: User | None, tags: list[Tag] | None = None, **values: Any) -> Client:
    """Change a client's fields; the event lists what changed, a status change gets its own."""
    client = Client.objects.select_for_update().get(pk=client.pk)
    merged = {name: getattr(client, name) for name in CLIENT_FIELDS} | values
    merged = _check_client(merged, instance=client)
    changed: dict[str, list[Any]] = {}
    old_status = client.status
    _status_dates(client, merged["status"], timezone.localdate())
    if "partnership_since" not in values:
        # Becoming active starts the partnership: keep the date the status change just set.
        merged["partnership_since"] = client.partnership_since
    for name in CLIENT_FIELDS:
        old, new = getattr(client, name), merged[name]
        if old != new:
            changed[name] = [_plain(old), _plain(new)]
            setattr(client, name, new)
    client.save()
    if tags is not None:
        before = sorted(client.tags.values_list("name", flat=True))
        client.tags.set(tags)
        after = sorted(tag.name for tag in tags)
        if before != after:
            changed["tags"] = [before, after]
    if "status" in changed:
        event_record(
            kind="clients.client_status_changed",
            summary=gettext_noop("Status changed from %(old)s to %(new)s"),
            params={"old": Client.Status(old_status).label, "new": Client.Status(client.status).label},
            by=by,
            client=client,
            subject=client,
            data={"from": old_status, "to": client.status},
        )
    other = {name: change for name, change in changed.items() if name != "status"}
    if other:
        event_record(
            kind="clients.client_updated",
            summary=gettext_noop("Client details changed: %(fields)s"),
            params={"fields": [field_label(Client, name) for name in sorted(other)]},
            by=by,
            client=client,
            subject=client,
            data={"changed": other},
        )
    return client


def field_label(model: type[models.Model], name: str) -> Any:
    """A field's translatable label (kept untranslated in events, shown in the reader's language)."""
    field = model._meta.get_field(name)
    return getattr(field, "verbose_name", name)


def _plain(value: Any) -> Any:
    if isinstance(value, User):
        return value.pk
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _check_contact(values: dict[str, Any], *, client: Client, instance: Contact | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values["full_name"] = str(values.get("full_name") or "").strip()
    if not values["full_name"]:
        errors.setdefault("full_name", []).append(_("This field is required."))
    values["email"] = str(values.get("email") or "").strip().lower()
    try:
        values["phone"] = phone_clean(str(values.get("phone") or ""), client.country)
    except ValidationError as error:
        errors.setdefault("phone", []).extend(error.messages)
    if values["email"]:
        others = client.contacts.filter(email__iexact=values["email"])
        if instance is not None:
            others = others.exclude(pk=instance.pk)
        if others.exists():
            errors.setdefault("email", []).append(_("This client already has a contact with this email."))
    if errors:
        raise ClientError(errors)
    return values


@transaction.atomic
def contact_create(*, client: Client, by: User | None, portal_access: bool = False, **values: Any) -> Contact:
    """A new stakeholder at the client; with portal access, their sign-in is created too."""
    values = _check_contact(values, client=client, instance=None)
    contact = Contact.objects.create(
        client=client, **{name: values[name] for name in CONTACT_FIELDS if name in values}
    )
    event_record(
        kind="clients.contact_added",
        summary=gettext_noop("Contact %(name)s added"),
        params={"name": contact.full_name},
        by=by,
        client=client,
        subject=contact,
    )
    if portal_access:
        contact = contact_set_portal_access(contact=contact, enabled=True, by=by)
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, by: User | None, portal_access: bool | None = None, **values: Any
) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    merged = {name: getattr(contact, name) for name in CONTACT_FIELDS} | values
    merged = _check_contact(merged, client=contact.client, instance=contact)
    changed = {
        name: [getattr(contact, name), merged[name]]
        for name in CONTACT_FIELDS
        if getattr(contact, name) != merged[name]
    }
    for name in CONTACT_FIELDS:
        setattr(contact, name, merged[name])
    contact.save()
    if changed:
        event_record(
            kind="clients.contact_updated",
            summary=gettext_noop("Contact %(name)s changed: %(fields)s"),
            params={
                "name": contact.full_name,
                "fields": [field_label(Contact, name) for name in sorted(changed)],
            },
            by=by,
            client=contact.client,
            subject=contact,
            data={"changed": changed},
        )
    if contact.user_id is not None and "email" in changed and contact.email:
        User.objects.filter(pk=contact.user_id).update(email=contact.email, full_name=contact.full_name)
    if portal_access is not None and portal_access != contact.portal_access:
        contact = contact_set_portal_access(contact=contact, enabled=portal_access, by=by)
    return contact


@transaction.atomic
def contact_set_portal_access(*, contact: Contact, enabled: bool, by: User | None) -> Contact:
    """Open or close the portal for a contact. Opening creates their sign-in (login by code)."""
    contact = Contact.objects.select_for_update().select_related("client").get(pk=contact.pk)
    if enabled:
        if not contact.email:
            raise ClientError({"portal_access": [_("A contact needs an email address to use the portal.")]})
        user = contact.user
        if user is None:
            clash = User.objects.filter(email__iexact=contact.email).first()
            if clash is not None and getattr(clash, "contact", None) not in (None, contact):
                raise ClientError({"email": [_("This email already signs in for someone else.")]})
            if clash is not None and clash.role != User.Role.CONTACT:
                raise ClientError({"email": [_("This email belongs to an agency user.")]})
            user = clash or User.objects.create_user(
                email=contact.email, password=None, full_name=contact.full_name, role=User.Role.CONTACT
            )
            contact.user = user
        user.is_active = True
        user.language = user.language or contact.language
        user.save(update_fields=["is_active", "language"])
    elif contact.user is not None:
        contact.user.is_active = False
        contact.user.save(update_fields=["is_active"])
    contact.portal_access = enabled
    contact.save(update_fields=["portal_access", "user"])
    event_record(
        kind="clients.portal_access_granted" if enabled else "clients.portal_access_revoked",
        summary=gettext_noop("Portal opened for %(name)s")
        if enabled
        else gettext_noop("Portal closed for %(name)s"),
        params={"name": contact.full_name},
        by=by,
        client=contact.client,
        subject=contact,
    )
    return contact


def _check_interaction(values: dict[str, Any], *, client: Client) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values["summary"] = str(values.get("summary") or "").strip()
    values["next_step"] = str(values.get("next_step") or "").strip()
    if not values["summary"]:
        errors.setdefault("summary", []).append(_("This field is required."))
    if values.get("next_step_due") and not values["next_step"]:
        errors.setdefault("next_step", []).append(_("Say what the next step is, or clear its due date."))
    occurred_at = values.get("occurred_at") or timezone.now()
    if occurred_at > timezone.now() + dt.timedelta(days=1):
        errors.setdefault("occurred_at", []).append(_("An interaction cannot be logged in the future."))
    values["occurred_at"] = occurred_at
    contacts = values.get("contacts") or []
    if any(contact.client_id != client.pk for contact in contacts):
        errors.setdefault("contacts", []).append(_("Every contact must belong to this client."))
    if errors:
        raise ClientError(errors)
    return values


# A touch is an interaction the AM logs, or a contact's own action in the portal (a plan answered
# or approved, a brief answered): both show a live relationship. The portal actions are the
# timeline events whose actor is a client contact, so the last touch can always be recounted.


def _latest(*moments: dt.datetime | None) -> dt.datetime | None:
    return max((moment for moment in moments if moment is not None), default=None)


def _touch(client: Client, contacts: list[Contact]) -> None:
    """Keep the client's and contacts' last touch equal to their latest interaction or portal action."""
    by_contacts = Event.objects.filter(client=client, actor__role=User.Role.CONTACT)
    latest = _latest(
        client.interactions.aggregate(latest=Max("occurred_at"))["latest"],
        by_contacts.aggregate(latest=Max("at"))["latest"],
    )
    Client.objects.filter(pk=client.pk).update(last_touch_at=latest)
    for contact in contacts:
        latest_contact = _latest(
            contact.interactions.aggregate(latest=Max("occurred_at"))["latest"],
            by_contacts.filter(actor_id=contact.user_id).aggregate(latest=Max("at"))["latest"]
            if contact.user_id
            else None,
        )
        Contact.objects.filter(pk=contact.pk).update(last_touch_at=latest_contact)


def client_touch(*, client: Client, by: User) -> None:
    """A contact of the client acted in the portal: the client's and that contact's last touch move
    forward (never back) to the timeline event of that action, which the caller has recorded, so
    a recount in ``_touch`` finds the same moment. Staff actions are not touches here."""
    if by.role != User.Role.CONTACT:
        return
    latest = Event.objects.filter(client=client, actor=by).aggregate(latest=Max("at"))["latest"]
    now = latest or timezone.now()
    stale = models.Q(last_touch_at__isnull=True) | models.Q(last_touch_at__lt=now)
    Client.objects.filter(stale, pk=client.pk).update(last_touch_at=now)
    Contact.objects.filter(stale, client=client, user=by).update(last_touch_at=now)


@transaction.atomic
def interaction_log(
    *, client: Client, by: User | None, contacts: list[Contact] | None = None, **values: Any
) -> Interaction:
    """Record a touch with the client; it updates the last touch of the client and contacts."""
    values["contacts"] = list(contacts or [])
    values = _check_interaction(values, client=client)
    interaction = Interaction.objects.create(
        client=client,
        by=by,
        kind=values.get("kind") or Interaction.Kind.CALL,
        occurred_at=values["occurred_at"],
        summary=values["summary"],
        sentiment=values.get("sentiment") or "neutral",
        next_step=values["next_step"],
        next_step_due=values.get("next_step_due"),
    )
    interaction.contacts.set(values["contacts"])
    _touch(client, values["contacts"])
    event_record(
        kind="clients.interaction_logged",
        summary=gettext_noop("%(kind)s: %(summary)s"),
        params={"kind": Interaction.Kind(interaction.kind).label, "summary": interaction.summary[:240]},
        by=by,
        client=client,
        subject=interaction,
        data={"next_step": interaction.next_step, "due": _plain(interaction.next_step_due)},
    )
    return interaction


@transaction.atomic
def interaction_update(
    *, interaction: Interaction, by: User | None, contacts: list[Contact] | None = None, **values: Any
) -> Interaction:
    interaction = Interaction.objects.select_for_update().select_related("client").get(pk=interaction.pk)
    client = interaction.client
    fields = ("kind", "occurred_at", "summary", "sentiment", "next_step", "next_step_due")
    merged = {name: getattr(interaction, name) for name in fields} | values
    merged["contacts"] = list(contacts) if contacts is not None else list(interaction.contacts.all())
    merged = _check_interaction(merged, client=client)
    before = list(interaction.contacts.all())
    for name in fields:
        setattr(interaction, name, merged[name])
    interaction.save()
    interaction.contacts.set(merged["contacts"])
    _touch(client, list({*before, *merged["contacts"]}))
    event_record(
        kind="clients.interaction_updated",
        summary=gettext_noop("Interaction of %(date)s edited"),
        params={"date": interaction.occurred_at.date().isoformat()},
        by=by,
        client=client,
        subject=interaction,
    )
    return interaction


@transaction.atomic
def next_step_complete(*, interaction: Interaction, by: User | None) -> Interaction:
    """Mark an interaction's next step done; it leaves the Today board."""
    interaction = Interaction.objects.select_for_update().select_related("client").get(pk=interaction.pk)
    if not interaction.has_open_step:
        raise ClientError({"next_step": [_("This interaction has no open next step.")]})
    interaction.next_step_done_at = timezone.now()
    interaction.save(update_fields=["next_step_done_at"])
    event_record(
        kind="clients.next_step_done",
        summary=gettext_noop("Next step done: %(step)s"),
        params={"step": interaction.next_step},
        by=by,
        client=interaction.client,
        subject=interaction,
    )
    return interaction


@transaction.atomic
def contact_profile_update(*, contact: Contact, by: User, full_name: str, language: str) -> Contact:
    """A client contact changes their own name and language in the portal.

    The contact row (what the AM sees) and the contact's sign-in (what the portal speaks) change
    together; the change is on the client's timeline like any other contact change.
    """
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ClientError({"language": [_("Unknown language: %(code)s.") % {"code": language}]})
    contact = contact_update(contact=contact, by=by, full_name=full_name, language=language)
    if contact.user_id is not None:
        User.objects.filter(pk=contact.user_id).update(full_name=contact.full_name, language=language)
    return contact


# Bulk writes of the health job update this many rows per statement.
HEALTH_BATCH = 1000


@transaction.atomic
def client_health_set_bulk(*, scores: dict[int, tuple[int, str]]) -> int:
    """Store each client's latest health score and band (``{client_id: (score, band)}``) for sorting.

    A derived figure, recomputed daily from the relationship's own events, so it leaves no timeline
    event of its own; only clients whose score or band changed are written. Returns how many.
    """
    if not scores:
        return 0
    changed = []
    ids = sorted(scores)
    for start in range(0, len(ids), HEALTH_BATCH):
        chunk = ids[start : start + HEALTH_BATCH]
        for client in Client.objects.filter(pk__in=chunk).only("pk", "health_score", "health_band"):
            score, band = scores[client.pk]
            if client.health_score != score or client.health_band != band:
                client.health_score, client.health_band = score, band
                changed.append(client)
    Client.objects.bulk_update(changed, ["health_score", "health_band"], batch_size=HEALTH_BATCH)
    return len(changed)
