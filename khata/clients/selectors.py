"""Every read of clients that depends on who asks.

A missing object and one the user may not see answer the same: ``Http404``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import DateTimeField, F, IntegerField, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Lower
from django.http import Http404
from django.utils import timezone

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.core.models import Event
from khata.people.models import User
from khata.people.policies import AnyUser


def client_scope(user: AnyUser) -> Q | None:
    """The filter of clients this user may see; ``None`` means none at all."""
    if not isinstance(user, User) or not user.is_active:
        return None
    if user.role in {User.Role.HEAD, User.Role.FINANCE}:
        return Q()
    if user.role == User.Role.AM:
        return Q(owner=user) | Q(backup=user)
    if user.role == User.Role.CONTACT:
        contact = Contact.objects.filter(user=user, portal_access=True).only("client_id").first()
        return Q(pk=contact.client_id) if contact is not None else None
    return None


def client_visible_to(user: AnyUser) -> QuerySet[Client]:
    scope = client_scope(user)
    if scope is None:
        return Client.objects.none()
    return Client.objects.filter(scope)


def client_list_for(user: AnyUser) -> QuerySet[Client]:
    """The clients this user may see, ready for a list page (no N+1)."""
    return client_visible_to(user).select_related("owner", "backup").prefetch_related("tags")


def client_get_for(user: AnyUser, pk: int | str) -> Client:
    """One client this user may see, or 404."""
    try:
        return client_list_for(user).get(pk=pk)
    except (Client.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such client.") from error


def contact_list_for(user: AnyUser) -> QuerySet[Contact]:
    return Contact.objects.filter(client__in=client_visible_to(user)).select_related("client", "user")


def contact_get_for(user: AnyUser, pk: int | str) -> Contact:
    try:
        return contact_list_for(user).get(pk=pk)
    except (Contact.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such contact.") from error


def interaction_list_for(user: AnyUser) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(client__in=client_visible_to(user))
        .select_related("client", "by")
        .prefetch_related("contacts")
    )


def interaction_get_for(user: AnyUser, pk: int | str) -> Interaction:
    try:
        return interaction_list_for(user).get(pk=pk)
    except (Interaction.DoesNotExist, ValueError, TypeError) as error:
        raise Http404("No such interaction.") from error


def event_list_for(user: AnyUser) -> QuerySet[Event]:
    """Timeline events of the clients this user may see (staff only: the audit trail)."""
    if not isinstance(user, User) or not user.is_agency_staff:
        return Event.objects.none()
    return Event.objects.filter(client__in=client_visible_to(user)).select_related("actor", "client")


def client_timeline(client: Client, *, domain: str = "", kind: str = "") -> QuerySet[Event]:
    """A client's events, newest first, optionally of one domain (``clients``) or kind."""
    events = Event.objects.filter(client=client).select_related("actor")
    if kind:
        events = events.filter(kind=kind)
    elif domain:
        events = events.filter(kind__startswith=f"{domain}.")
    return events.order_by("-at", "-id")


def client_page_data(client: Client, *, interactions: int = 20) -> dict[str, object]:
    """What the client page shows besides the client itself, in a fixed number of queries."""
    contacts = list(client.contacts.select_related("user").order_by("full_name", "id"))
    recent = list(
        client.interactions.select_related("by")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.only("id", "full_name", "client_id")))
        .order_by("-occurred_at", "-id")[:interactions]
    )
    return {"contacts": contacts, "interactions": recent}


def next_steps_due_for(user: AnyUser, *, today: dt.date, horizon_days: int = 7) -> QuerySet[Interaction]:
    """Open next steps of this user's clients due by ``today + horizon`` (overdue first)."""
    return (
        Interaction.objects.filter(
            client__in=client_visible_to(user),
            next_step_done_at__isnull=True,
            next_step_due__isnull=False,
            next_step_due__lte=today + dt.timedelta(days=horizon_days),
        )
        .exclude(next_step="")
        .select_related("client")
        .order_by("next_step_due", "id")
    )


def clients_untouched_for(user: AnyUser, *, days: int = 30) -> QuerySet[Client]:
    """Active or paused clients with no touch in ``days`` days (never touched first)."""
    since = timezone.now() - dt.timedelta(days=days)
    return (
        client_visible_to(user)
        .filter(status__in=[Client.Status.ACTIVE, Client.Status.PAUSED])
        .filter(Q(last_touch_at__isnull=True) | Q(last_touch_at__lt=since))
        .select_related("owner")
        .order_by(F("last_touch_at").asc(nulls_first=True), "id")
    )


# The client list's sort options: the key columns of each (unique together, so keyset pages are exact).
CLIENT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name_key", "id"),
    "status": ("status", "name_key", "id"),
    "last_touch": ("touch_key", "id"),
    "created": ("created_at", "id"),
    "health": ("health_key", "id"),
}
# Clients not scored yet sort after the healthiest.
_UNSCORED = 101
# Never-touched clients sort as the least recently touched.
_NEVER = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class ClientSort:
    """A parsed sort choice: ``name``, ``-name``, ``last_touch``, ``-created``, ``health``…"""

    field: str
    descending: bool

    @classmethod
    def parse(cls, value: str | None) -> ClientSort:
        value = (value or "").strip()
        descending = value.startswith("-")
        field = value.lstrip("-")
        if field not in CLIENT_SORTS:
            return cls("name", False)
        return cls(field, descending)

    @property
    def keys(self) -> tuple[str, ...]:
        return CLIENT_SORTS[self.field]

    def __str__(self) -> str:
        return f"-{self.field}" if self.descending else self.field


def client_search(
    user: AnyUser,
    *,
    q: str = "",
    status: str = "",
    owner: int | None = None,
    segment: str = "",
    tag: str = "",
    sort: str = "name",
) -> QuerySet[Client]:
    """The clients this user may see, filtered and ordered for the client list.

    ``q`` matches display or legal name, tax id, or a contact's name or email; ``owner`` matches
    the owning or the backup AM; ``tag`` is a tag name. Rows carry ``name_key`` (the name, case
    folded, so "alpha" sorts beside "Alpha" on every database) and ``touch_key`` (the last touch,
    never-touched first) so every sort in ``CLIENT_SORTS`` can be paged by keyset.
    """
    clients = client_list_for(user).annotate(
        name_key=Lower("display_name"),
        touch_key=Coalesce("last_touch_at", Value(_NEVER, output_field=DateTimeField())),
        health_key=Coalesce("health_score", Value(_UNSCORED, output_field=IntegerField())),
    )
    q = q.strip()
    if q:
        by_contact = Contact.objects.filter(Q(full_name__icontains=q) | Q(email__icontains=q)).values(
            "client_id"
        )
        clients = clients.filter(
            Q(display_name__icontains=q)
            | Q(legal_name__icontains=q)
            | Q(tax_id__icontains=q)
            | Q(pk__in=by_contact)
        )
    if status:
        clients = clients.filter(status=status)
    if owner is not None:
        clients = clients.filter(Q(owner_id=owner) | Q(backup_id=owner))
    if segment:
        clients = clients.filter(segment=segment)
    if tag:
        clients = clients.filter(pk__in=Client.tags.through.objects.filter(tag__name=tag).values("client_id"))
    parsed = ClientSort.parse(sort)
    ordering = [F(key).desc() if parsed.descending else F(key).asc() for key in parsed.keys]
    return clients.order_by(*ordering)


def account_manager_choices() -> QuerySet[User]:
    """The people who can hold a client (owner or backup): active AMs and heads."""
    return User.objects.filter(is_active=True, role__in=[User.Role.AM, User.Role.HEAD]).order_by(
        "full_name", "id"
    )


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.order_by("name")


def client_timeline_kinds(client: Client) -> list[str]:
    """The kinds of event this client's timeline holds, for its filter."""
    return list(
        Event.objects.filter(client=client).order_by("kind").values_list("kind", flat=True).distinct()
    )


def client_open_steps(client: Client) -> QuerySet[Interaction]:
    """A client's next steps not yet done, soonest due first (undated last)."""
    return (
        client.interactions.filter(next_step_done_at__isnull=True)
        .exclude(next_step="")
        .select_related("by")
        .order_by(F("next_step_due").asc(nulls_last=True), "id")
    )
