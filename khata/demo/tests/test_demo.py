"""The demo agency tells a complete story: every status, a Today board with work, portal sign-ins."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import phonenumbers
import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client as HttpClient
from django.utils import timezone
from stdnum.eu import vat as eu_vat
from stdnum.in_ import gstin
from stdnum.us import ein

from khata.clients.models import Client, Contact, Interaction, Tag
from khata.clients.selectors import clients_untouched_for, next_steps_due_for
from khata.clients.validators import EU_COUNTRIES, tax_id_clean
from khata.core.models import Event
from khata.demo.agency import DEMO_PASSWORD
from khata.people.models import Specialty, User


@pytest.fixture(scope="module")
def demo_output(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    """Load the demo once for this module, inside a transaction rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def demo(demo_output: str, db: Any) -> str:
    return demo_output


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Client, Contact, Interaction, Event, User, Tag, Specialty)
    }


def test_demo_has_clients_at_every_status_in_several_countries_and_currencies(demo: str) -> None:
    assert set(Client.objects.values_list("status", flat=True)) == set(Client.Status.values)
    assert 35 <= Client.objects.count() <= 45
    assert {"IN", "DE", "US", "GB"} <= set(Client.objects.values_list("country", flat=True))
    assert {"INR", "EUR", "USD", "GBP"} <= set(Client.objects.values_list("currency", flat=True))
    assert len(set(Client.objects.values_list("segment", flat=True))) >= 4
    assert not Client.objects.filter(status=Client.Status.ACTIVE, partnership_since__isnull=True).exists()
    assert not Client.objects.filter(status=Client.Status.CHURNED, churned_on__isnull=True).exists()


def test_demo_staff_covers_every_role_and_specialty(demo: str) -> None:
    roles = {role: User.objects.filter(role=role).count() for role in User.Role.values}
    assert roles["head"] == 1
    assert roles["am"] == 3
    assert 8 <= roles["specialist"] <= 12
    assert roles["finance"] >= 1
    specialties = Specialty.objects.filter(user__role=User.Role.SPECIALIST).distinct().count()
    assert specialties == Specialty.objects.count() >= 7


def test_every_tax_id_and_phone_is_valid(demo: str) -> None:
    for client in Client.objects.all():
        assert client.tax_id, client
        assert tax_id_clean(client.tax_id, client.country) == client.tax_id
        if client.country == "IN":
            assert gstin.is_valid(client.tax_id)
        elif client.country in EU_COUNTRIES:
            assert eu_vat.is_valid(client.tax_id)
        elif client.country == "US":
            assert ein.is_valid(client.tax_id)
    for contact in Contact.objects.select_related("client"):
        assert phonenumbers.is_valid_number(phonenumbers.parse(contact.phone, None)), contact.phone


def test_contacts_have_stakeholder_roles_and_languages(demo: str) -> None:
    per_client = {c.pk: c.contacts.count() for c in Client.objects.all()}
    assert min(per_client.values()) >= 2
    assert max(per_client.values()) <= 6
    assert set(Contact.objects.values_list("role", flat=True)) == set(Contact.Role.values)
    assert {"en", "hi", "ru"} <= set(Contact.objects.values_list("language", flat=True))


def test_history_spans_eighteen_months_and_the_timeline_follows_it(demo: str) -> None:
    now = timezone.now()
    oldest = Interaction.objects.order_by("occurred_at").first()
    assert oldest is not None
    assert oldest.occurred_at < now - dt.timedelta(days=365)
    assert not Interaction.objects.filter(occurred_at__gt=now).exists()
    assert set(Interaction.objects.values_list("kind", flat=True)) == set(Interaction.Kind.values)
    # Each interaction's event is stamped when it happened, not when the demo was loaded.
    logged = Event.objects.filter(kind="clients.interaction_logged").order_by("at").first()
    assert logged is not None
    assert logged.at < now - dt.timedelta(days=365)
    assert Event.objects.filter(kind="clients.interaction_logged").count() == Interaction.objects.count()
    assert Event.objects.filter(kind="clients.next_step_done").exists()


def test_every_account_manager_has_a_today_board_with_work(demo: str) -> None:
    today = timezone.localdate()
    for am in User.objects.filter(role=User.Role.AM):
        steps = list(next_steps_due_for(am, today=today))
        assert any(step.next_step_due < today for step in steps), am  # type: ignore[operator]
        assert any(today <= step.next_step_due <= today + dt.timedelta(days=7) for step in steps), am  # type: ignore[operator]
    untouched = clients_untouched_for(User.objects.get(role=User.Role.HEAD))
    assert untouched.filter(status=Client.Status.ACTIVE).count() >= 3
    assert Interaction.objects.filter(next_step_done_at__isnull=False).exists()


def test_portal_contact_signs_in_with_the_demo_password(demo: str) -> None:
    contact = Contact.objects.filter(portal_access=True, user__isnull=False).order_by("id").first()
    assert contact is not None
    assert Contact.objects.filter(portal_access=True).count() >= 3
    browser = HttpClient()
    response = browser.post("/accounts/login/", {"login": contact.email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert browser.session["_auth_user_id"] == str(contact.user_id)


def test_command_prints_the_sign_ins(demo: str) -> None:
    assert DEMO_PASSWORD in demo
    for role in (User.Role.HEAD, User.Role.AM, User.Role.SPECIALIST, User.Role.FINANCE):
        user = User.objects.filter(role=role).order_by("id").first()
        assert user is not None
        assert user.get_role_display() in demo
    head = User.objects.get(role=User.Role.HEAD)
    assert head.email in demo
    contact = Contact.objects.filter(portal_access=True).order_by("id").first()
    assert contact is not None
    assert contact.email in demo


def test_second_run_with_if_empty_adds_nothing(demo: str) -> None:
    before = counts()
    out = io.StringIO()
    call_command("demo", "--if-empty", stdout=out)
    assert counts() == before
    assert "not loaded" in out.getvalue()


def test_second_run_without_if_empty_refuses_and_adds_nothing(demo: str) -> None:
    before = counts()
    with pytest.raises(CommandError, match="empty database"):
        call_command("demo", stdout=io.StringIO())
    assert counts() == before
