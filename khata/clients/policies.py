"""Who may see and change a client and what hangs off it.

The head of accounts sees and edits every client; finance sees every client read-only; an AM
sees and edits the clients they own or back up; a specialist sees only clients of the work they
are assigned to (none until production assigns work); a client contact sees only its own company,
and only in the portal.
"""

from __future__ import annotations

from khata.clients.models import Client
from khata.people.models import User
from khata.people.policies import AnyUser


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def can_view_client(user: AnyUser, client: Client) -> bool:
    person = _active(user)
    if person is None:
        return False
    if person.role in {User.Role.HEAD, User.Role.FINANCE}:
        return True
    if person.role == User.Role.AM:
        return person.pk in {client.owner_id, client.backup_id}
    if person.role == User.Role.CONTACT:
        contact = getattr(person, "contact", None)
        return contact is not None and contact.portal_access and contact.client_id == client.pk
    return False


def can_edit_client(user: AnyUser, client: Client) -> bool:
    """Edit the client, its contacts and its interactions."""
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.HEAD:
        return True
    return person.role == User.Role.AM and person.pk in {client.owner_id, client.backup_id}


def can_create_client(user: AnyUser) -> bool:
    person = _active(user)
    return person is not None and person.role in {User.Role.HEAD, User.Role.AM}


def can_reassign_client(user: AnyUser, client: Client) -> bool:
    """Only the head moves a client to another AM; an owner may pick a backup."""
    person = _active(user)
    return person is not None and person.role == User.Role.HEAD


def can_import_clients(user: AnyUser) -> bool:
    return can_create_client(user)
