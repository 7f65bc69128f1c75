"""A client's own actions in the portal count as touches: the Today board's "No touch in 30 days"
does not list a client whose approver answered a plan or whose contact answered a brief."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from khata.clients.models import Client, Contact
from khata.clients.services import interaction_log, interaction_update
from khata.people.models import Specialty, User
from khata.plans.models import Approval, PlanVersion, Project
from khata.plans.services import item_decide, plan_approve, plan_item_add, plan_propose, plan_version_create
from khata.production.models import BriefTemplate
from khata.production.services import (
    brief_answer_save,
    brief_question_add,
    brief_send,
    brief_submit,
    brief_template_create,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(project: Project, am: User, seo: Specialty) -> PlanVersion:
    version = plan_version_create(project=project, by=am)
    plan_item_add(
        version=version, by=am, deliverable="SEO audit", specialty=seo, estimate_minutes=600, price_minor=100
    )
    return plan_propose(version=version, by=am)


def _untouched_on_today(http_as: Any) -> bool:
    return "Never touched" in http_as("am").get(reverse("insights:today")).content.decode()


def test_an_approver_answering_a_plan_touches_the_client_and_that_contact(
    http_as: Any, proposed: PlanVersion, am: User, approver_a: User, client_a: Client
) -> None:
    assert Client.objects.get(pk=client_a.pk).last_touch_at is None
    assert _untouched_on_today(http_as)
    item = proposed.items.get()
    item_decide(item=item, by=approver_a, decision="accept")
    client = Client.objects.get(pk=client_a.pk)
    contact = Contact.objects.get(user=approver_a)
    assert client.last_touch_at is not None and contact.last_touch_at == client.last_touch_at
    assert not _untouched_on_today(http_as)


def test_approvals_touch_only_when_the_client_gives_them(
    proposed: PlanVersion, am: User, approver_a: User, client_a: Client
) -> None:
    plan_approve(version=proposed, by=am, side=Approval.Side.COMPANY)
    assert Client.objects.get(pk=client_a.pk).last_touch_at is None  # staff acts are not touches
    plan_approve(version=proposed, by=approver_a, side=Approval.Side.CLIENT)
    assert Client.objects.get(pk=client_a.pk).last_touch_at is not None


def test_answering_and_submitting_a_brief_touches_the_client(
    project: Project, admin: User, am: User, contact_a: User, contact_a_row: Contact, client_a: Client
) -> None:
    template: BriefTemplate = brief_template_create(by=admin, service="copywriting", name="Copy brief")
    question = brief_question_add(template=template, by=admin, text="Who reads it?", required=True)
    brief = brief_send(project=project, template=template, contact=contact_a_row, by=am)
    assert Client.objects.get(pk=client_a.pk).last_touch_at is None
    brief_answer_save(brief=brief, by=contact_a, question=question, value="Young parents")
    first = Client.objects.get(pk=client_a.pk).last_touch_at
    assert first is not None
    brief_submit(brief=brief, by=contact_a)
    later = Client.objects.get(pk=client_a.pk).last_touch_at
    assert later is not None and later >= first
    assert Contact.objects.get(pk=contact_a_row.pk).last_touch_at == later


def test_editing_an_old_interaction_keeps_the_clients_newer_portal_touch(
    proposed: PlanVersion, am: User, approver_a: User, client_a: Client
) -> None:
    long_ago = timezone.now() - dt.timedelta(days=90)
    interaction = interaction_log(client=client_a, by=am, occurred_at=long_ago, summary="Kick-off call")
    item_decide(item=proposed.items.get(), by=approver_a, decision="accept")
    touched = Client.objects.get(pk=client_a.pk).last_touch_at
    assert touched is not None and touched > long_ago
    interaction_update(interaction=interaction, by=am, summary="Kick-off call, notes added")
    assert Client.objects.get(pk=client_a.pk).last_touch_at == touched
