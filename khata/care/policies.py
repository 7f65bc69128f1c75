"""Who may see and handle claims.

They follow the client rules: the head sees and handles every claim; finance sees every claim
read-only (billing complaints reach it); an AM sees and handles the claims of the clients they own or
back up and the claims they were made the owner of; a specialist sees the claims they are named
responsible for or own a corrective action of, and completes their own actions. A client contact
files claims for its own company, sees them, adds files, and confirms a fix or says it failed.
"""

from __future__ import annotations

from khata.care.models import Claim, CorrectiveAction
from khata.clients.models import Client
from khata.clients.policies import can_edit_client, can_view_client
from khata.people.models import User
from khata.people.policies import AnyUser


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def _contact_of(person: User, client_id: int) -> bool:
    contact = getattr(person, "contact", None)
    return contact is not None and contact.portal_access and contact.client_id == client_id


def can_view_claim(user: AnyUser, claim: Claim) -> bool:
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.CONTACT:
        return _contact_of(person, claim.client_id)
    if person.role == User.Role.SPECIALIST:
        return claim.responsible_id == person.pk or claim.actions.filter(owner=person).exists()
    if person.role == User.Role.AM and claim.owner_id == person.pk:
        return True
    return can_view_client(person, claim.client)


def can_handle_claim(user: AnyUser, claim: Claim) -> bool:
    """Acknowledge, work, analyse and resolve the claim; add actions and goodwill."""
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.AM and claim.owner_id == person.pk:
        return True
    return can_edit_client(person, claim.client)


def can_file_claim(user: AnyUser, client: Client) -> bool:
    """Staff who look after the client record a claim; a contact files one for its own company."""
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.CONTACT:
        return _contact_of(person, client.pk)
    return can_edit_client(person, client)


def can_answer_claim(user: AnyUser, claim: Claim) -> bool:
    """Confirm the fix or say it failed: the client's contact, or its AM recording the client's word."""
    person = _active(user)
    if person is None:
        return False
    if person.role == User.Role.CONTACT:
        return _contact_of(person, claim.client_id)
    return can_handle_claim(person, claim)


def can_complete_action(user: AnyUser, action: CorrectiveAction) -> bool:
    person = _active(user)
    if person is None or person.role == User.Role.CONTACT:
        return False
    return action.owner_id == person.pk or can_handle_claim(person, action.claim)
