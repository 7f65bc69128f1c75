"""What the API tests share: client A's relationship data and a JSON caller."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from khata.clients.models import Client, Contact, Interaction
from khata.clients.services import contact_create, interaction_log
from khata.core.models import Event
from khata.people.models import User


@dataclass
class World:
    """Client A with a contact, an interaction with an open next step, and its events."""

    client: Client
    contact: Contact
    interaction: Interaction
    event: Event


@pytest.fixture
def world(client_a: Client, am: User, personas: dict[str, User | None]) -> World:
    contact = contact_create(
        client=client_a, by=am, full_name="Kiran Shah", email="kiran@acme.test", role=Contact.Role.PAYER
    )
    interaction = interaction_log(
        client=client_a,
        by=am,
        contacts=[contact],
        kind=Interaction.Kind.CALL,
        summary="Quarterly review call",
        next_step="Send the revised plan",
        next_step_due=timezone.localdate() + dt.timedelta(days=2),
    )
    event = Event.objects.filter(client=client_a).order_by("-id").first()
    assert event is not None
    return World(client=client_a, contact=contact, interaction=interaction, event=event)
