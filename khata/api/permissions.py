"""Who may call which endpoint of the API.

The object rules themselves live in each domain's ``policies.py``; this module only applies them
to HTTP methods and decides what the API says when a rule says no:

- Anonymous callers get 401 (the default ``IsAuthenticated``).
- Agency staff read through the selectors, which already scope by the asking user: a specialist
  sees empty lists, an AM sees only the clients they own or back up, and another AM's object
  answers 404 exactly like a missing one. Writes follow ``khata.clients.policies``: finance reads
  everything and writes nothing (403), an AM writes the clients they hold (403 on one they may see
  but not edit, 404 on one they may not see), only the head of accounts hands a client to another
  account manager.
- A client contact uses the API the way it uses the portal: read-only, and only its own company.
  It may read its client and the client's contacts (``portal_readable`` endpoints, with fewer
  fields: no internal assessments such as sentiment or influence). Interactions and timeline
  events are the agency's internal notes: their lists answer 403 and their objects 404, so a
  contact cannot even learn which ids exist. Another client's object answers 404, never 403.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from khata.clients.models import Client
from khata.clients.policies import can_create_client, can_edit_client, can_reassign_client
from khata.people.models import User
from khata.people.policies import AnyUser, can_manage_accounts, is_contact_user, is_staff_user


def client_of(obj: models.Model) -> Client:
    """The client an API object belongs to (a client belongs to itself)."""
    if isinstance(obj, Client):
        return obj
    client = getattr(obj, "client", None)
    if not isinstance(client, Client):
        raise TypeError(f"{type(obj).__name__} does not belong to a client.")
    return client


def can_create_via_api(user: AnyUser, resource: str) -> bool:
    """May this user create a new ``resource`` at all (before looking at which client)?"""
    if resource == "client":
        return can_create_client(user)
    return can_manage_accounts(user)


def can_assign_owner(user: AnyUser, *, client: Client | None, owner: User) -> bool:
    """An AM creates clients for themselves; handing one to someone else is the head's call."""
    current = client.owner_id if client is not None else getattr(user, "pk", None)
    if owner.pk == current:
        return True
    return can_reassign_client(user, client if client is not None else Client(owner=owner))


class ApiAccess(BasePermission):
    """The rules of the module docstring, for every Khata API view.

    A view declares ``api_resource`` (``"client"``, ``"contact"``…) and ``portal_readable``.
    Detail routes always look the object up through the selector first, so a hidden object is a
    404 before any 403 can be said about it.
    """

    message = _("You may not do this.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        detail = bool(getattr(view, "detail", False))
        routed = hasattr(view, request.method.lower()) if request.method else False
        if is_contact_user(user):
            if not getattr(view, "portal_readable", False):
                if detail:
                    raise NotFound()
                return False
            # Reads, and detail writes that the object rule will refuse (403, or 404 if not theirs).
            return bool(request.method in SAFE_METHODS or detail or not routed)
        if not is_staff_user(user):
            return False
        if request.method in SAFE_METHODS or detail or not routed:
            # Detail writes are decided per object once the selector found it; a method the
            # route does not offer gets its 405.
            return True
        return can_create_via_api(user, getattr(view, "api_resource", ""))

    def has_object_permission(self, request: Request, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return can_edit_client(request.user, client_of(obj))


class SignedIn(BasePermission):
    """Any active person who signs in: staff or a client contact (for ``/me/``)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_staff_user(request.user) or is_contact_user(request.user)
