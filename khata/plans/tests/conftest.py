"""Plan personas beside the shared cast: approvers who speak for their client's plan."""

from __future__ import annotations

import pytest

from conftest import _portal_contact
from khata.clients.models import Client, Contact
from khata.people.models import User


def _approver(client: Client, email: str, name: str) -> User:
    user = _portal_contact(client, email, name)
    Contact.objects.filter(user=user).update(role=Contact.Role.APPROVER)
    return User.objects.get(pk=user.pk)


@pytest.fixture
def approver_a(client_a: Client) -> User:
    """A portal contact of client A with the stakeholder role "approver"."""
    return _approver(client_a, "anita@acme.test", "Anita Approver")


@pytest.fixture
def approver_b(client_b: Client) -> User:
    """An approver of client B: speaks for B's plans only."""
    return _approver(client_b, "ben@borealis.test", "Ben Approver")
