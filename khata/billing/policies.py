"""Who may bill and who records payments.

The head and finance bill every client and record payments; an AM drafts and issues invoices for
the clients they own or back up, but money received is recorded by finance (or the head). A client
contact reads its own company's issued invoices in the portal and changes nothing.
"""

from __future__ import annotations

from khata.clients.models import Client
from khata.clients.policies import can_edit_client, can_view_client
from khata.people.models import User
from khata.people.policies import AnyUser


def _active(user: AnyUser) -> User | None:
    return user if isinstance(user, User) and user.is_active else None


def can_view_billing(user: AnyUser, client: Client) -> bool:
    person = _active(user)
    return person is not None and person.role != User.Role.SPECIALIST and can_view_client(person, client)


def can_bill_client(user: AnyUser, client: Client) -> bool:
    """Draft, issue and credit invoices."""
    person = _active(user)
    if person is None:
        return False
    if person.role in {User.Role.HEAD, User.Role.FINANCE}:
        return True
    return can_edit_client(person, client)


def can_record_payment(user: AnyUser, client: Client) -> bool:
    person = _active(user)
    return person is not None and person.role in {User.Role.HEAD, User.Role.FINANCE}


def can_read_receivables(user: AnyUser) -> bool:
    """The receivables report: the head, finance and account managers (an AM sees only their clients')."""
    person = _active(user)
    return person is not None and person.role in {User.Role.HEAD, User.Role.FINANCE, User.Role.AM}
