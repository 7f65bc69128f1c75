"""Billing's panels on the client page and the project page: the latest invoices, what is still
owed per currency, and a link to the invoice list filtered to them.

Each panel costs two queries whatever the number of invoices: the latest rows (one more than shown
tells whether more exist) and the open balance summed per currency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.db.models import QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from khata.billing.forms import state_row
from khata.billing.models import Invoice
from khata.billing.policies import can_bill_client, can_view_billing
from khata.billing.selectors import invoice_list_for, receivables_for
from khata.clients.models import Client
from khata.core.boards import Card, register_client_panel, register_project_panel
from khata.people.policies import AnyUser
from khata.plans.models import Project

PANEL_SIZE = 5


@dataclass
class Balance:
    currency: str
    amount_minor: int


@dataclass
class InvoicesCard(Card):
    """An invoices panel: ``balances`` is what is still owed, one row per currency."""

    balances: list[Balance] = field(default_factory=list)
    # A draft from the client's accepted acts not billed yet, for those who bill the client.
    acts_url: str = ""
    # A draft from the project's agreed plan items (project page only).
    plan_url: str = ""
    # The client's billing settings: accepted acts first, reminders paused (client page only).
    settings_url: str = ""


def _panel(
    rows: QuerySet[Invoice], owed: QuerySet[Invoice], *, key: str, query: dict[str, Any]
) -> InvoicesCard:
    today = timezone.localdate()
    found = list(rows.order_by("-issue_date", "-id")[: PANEL_SIZE + 1])
    balances = [
        Balance(currency=row["currency"], amount_minor=int(row["owed"] or 0))
        for row in owed.order_by()
        .values("currency")
        .annotate(owed=Sum("total_minor") - Sum("amount_paid_minor") - Sum("credited_minor"))
        .order_by("currency")
    ]
    return InvoicesCard(
        key=key,
        title=_("Invoices"),
        template="billing/panel.html",
        items=[state_row(invoice, today) for invoice in found[:PANEL_SIZE]],
        total=min(len(found), PANEL_SIZE),
        capped=len(found) > PANEL_SIZE,
        empty=_("No invoices yet."),
        draws_empty=True,
        more_url=reverse("billing:list") + "?" + urlencode(query),
        balances=balances,
    )


def client_invoices_panel(client: Client, user: AnyUser, *, limit: int) -> Card | None:
    """The client page: the client's latest invoices and what it still owes."""
    if not can_view_billing(user, client):
        return None
    card = _panel(
        invoice_list_for(user).filter(client=client),
        receivables_for(user).filter(client=client),
        key="billing.client",
        query={"client": client.pk},
    )
    if can_bill_client(user, client):
        card.action_url = reverse("billing:new") + "?" + urlencode({"client": client.pk})
        card.action_label = _("New invoice")
        card.acts_url = reverse("billing:from_acts") + "?" + urlencode({"client": client.pk})
        card.settings_url = reverse("billing:client_settings", kwargs={"client_pk": client.pk})
    return card


def project_invoices_panel(project: Project, user: AnyUser, *, limit: int) -> Card | None:
    """The staff project page: the project's latest invoices and what is still owed on them."""
    if not can_view_billing(user, project.client):
        return None
    card = _panel(
        invoice_list_for(user).filter(project=project),
        receivables_for(user).filter(project=project),
        key="billing.project",
        query={"client": project.client_id},
    )
    if can_bill_client(user, project.client):
        card.action_url = reverse("billing:new") + "?" + urlencode({"project": project.pk})
        card.action_label = _("New invoice")
        card.acts_url = reverse("billing:from_acts") + "?" + urlencode({"client": project.client_id})
        card.plan_url = reverse("billing:from_plan") + "?" + urlencode({"project": project.pk})
    return card


def register_panels() -> None:
    """The invoices panels of a client and of a project."""
    register_client_panel("billing.client", client_invoices_panel, order=30)
    register_project_panel("billing.project", project_invoices_panel, order=75)
