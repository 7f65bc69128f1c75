"""Who may do what with people. Object-level rules of each domain live in its own policies."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from khata.people.models import User

AnyUser = User | AnonymousUser


def is_staff_user(user: AnyUser) -> bool:
    """Agency staff: may use the workspace (not the portal-only client contacts)."""
    return isinstance(user, User) and user.is_agency_staff


def is_contact_user(user: AnyUser) -> bool:
    """A client contact: may use the portal only."""
    return isinstance(user, User) and user.is_active and user.is_contact


def can_manage_accounts(user: AnyUser) -> bool:
    """Heads of accounts and AMs create clients and own relationships."""
    return isinstance(user, User) and user.is_active and user.role in {User.Role.HEAD, User.Role.AM}


def can_preview_portal(user: AnyUser) -> bool:
    return can_manage_accounts(user)


def needs_second_factor(user: AnyUser, *, required_for_heads: bool) -> bool:
    """A head of accounts must have TOTP when the agency requires it."""
    return required_for_heads and isinstance(user, User) and user.is_head
